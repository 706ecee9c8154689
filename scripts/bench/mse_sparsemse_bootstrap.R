# SparseMSE's 1,000-replicate BCa bootstrap with stepwise selection, timed, for comparison.
# Usage: Rscript scripts/bench/mse_sparsemse_bootstrap.R TABLE.csv [ROUTINES.R]
args <- commandArgs(trailingOnly = TRUE)
library(lpSolve)
if (length(args) >= 2) source(args[2]) else library(SparseMSE)
z <- as.matrix(read.csv(args[1], check.names = FALSE))
t0 <- proc.time()
r <- estimatepopulation(z, nboot = 1000, pthresh = 0.02, iseed = 1234, alpha = c(0.025, 0.975))
print(proc.time() - t0)
print(r$popest); print(r$BCaquantiles); print(r$ahat)
