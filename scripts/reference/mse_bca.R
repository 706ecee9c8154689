# Reference for zicht's BCa limits: SparseMSE's bcaconfvalues on a fixed vector of replicates.
# Usage: Rscript scripts/reference/mse_bca.R [ROUTINES.R]  (writes bca_reps.txt, prints limits)
args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 1) source(args[1]) else library(SparseMSE)
set.seed(7); reps <- round(rlnorm(500, log(11000), 0.12), 3)
for (a in c(-0.0121810814, 0.05)) {
  q <- bcaconfvalues(reps, 11313, a, alpha = c(0.025, 0.975))
  cat(a, sprintf("%.10f", q), "\n")
}
writeLines(sprintf("%.3f", reps), "bca_reps.txt")
