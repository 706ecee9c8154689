# Reference numbers from SparseMSE 2.0.1 (Chan, Silverman & Vincent) for zicht's MSE tests.
#
# Usage: Rscript scripts/reference/mse_sparsemse.R FIXTURE_DIR [ROUTINES.R] > sparsemse.json
# Needs R with lpSolve (Debian: r-cran-lpsolve). Uses the installed SparseMSE package, or, when
# a path to SparseMSE's R/routines.R is given, sources it (the package source is read, not shipped).
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
library(lpSolve)
if (length(args) >= 2) source(args[2]) else library(SparseMSE)

num <- function(x) formatC(x, digits = 12, format = "g")
str <- function(x) paste0('"', x, '"')
arr <- function(x) paste0("[", paste(x, collapse = ", "), "]")

out <- c()
for (name in c("UKdat_5", "UKdat", "Ned", "Ned_5", "Artificial_3", "Western", "NewOrl", "NewOrl_5")) {
  z <- as.matrix(read.csv(file.path(dir, paste0(name, ".csv")), check.names = FALSE))
  r <- estimatepopulation.0(z, method = "stepwise", quantiles = c(0.025, 0.975), pthresh = 0.02)
  f <- r$MSEfit$fit
  labs <- attr(terms(formula(f)), "term.labels")
  inter <- labs[grepl(":", labs)]
  eo <- colnames(r$MSEfit$emptyoverlaps)
  # SparseMSE's glm stops at R's default deviance tolerance (1e-8); refit the same model to
  # 1e-14 so the interval can also be compared tightly.
  ft <- glm(formula(f), family = poisson, data = f$data, control = glm.control(epsilon = 1e-14, maxit = 100))
  bt <- coef(ft)[[1]]; st <- sqrt(summary(ft)$cov.unscaled[1, 1]); nt <- sum(f$data[, ncol(f$data)])
  # formula order lists non-empty terms; SparseMSE drops empty ones from the formula. Report both.
  out <- c(out, paste0(str(name), ": {",
    '"stepwise_terms_nonempty": ', arr(if (length(inter)) str(inter) else character(0)), ", ",
    '"empty_overlaps": ', arr(if (length(eo)) str(eo) else character(0)), ", ",
    '"estimate": ', num(r$estimate[["point est."]]), ", ",
    '"lognormal_low": ', num(r$estimate[["2.5%"]]), ", ",
    '"lognormal_high": ', num(r$estimate[["97.5%"]]), ", ",
    '"lognormal_low_tight": ', num(nt + exp(qnorm(0.025, bt, st))), ", ",
    '"lognormal_high_tight": ', num(nt + exp(qnorm(0.975, bt, st))), ", ",
    '"deviance": ', num(deviance(f)), ", ",
    '"aic": ', num(f$aic), "}"))
}
# checkident verdicts on Artificial_3 for every two-list model: 0 ok, 1 no MLE, 2 not identifiable, 3 both
a <- as.matrix(read.csv(file.path(dir, "Artificial_3.csv")))
m <- 3
mX <- t(expand.grid(1:m, 1:m)); mX <- mX[, mX[1, ] < mX[2, ]]
nm <- apply(mX, 2, function(p) paste(colnames(a)[p], collapse = ":"))
ver <- c()
for (s in 0:7) {
  cols <- which(bitwAnd(s, c(1, 2, 4)) > 0)
  mm <- if (length(cols) == 0) NULL else mX[, cols, drop = FALSE]
  ver <- c(ver, paste0(str(paste0("[", paste(nm[cols], collapse = ", "), "]")), ": ", checkident(a, mm)))
}
out <- c(out, paste0('"Artificial_3_checkident": {', paste(ver, collapse = ", "), "}"))
cat("{\n", paste(out, collapse = ",\n"), "\n}\n")
