# Reference numbers for zicht_stats::alerts::cusum_path and the alarm of detect's drop rule:
# Page's Poisson CUSUM with a known shift, as computed by R surveillance::algo.glrpois
# (Höhle & Paul 2008) with theta = log(0.5), dir = "dec", ret = "value", known baseline mu0.
# Run: Rscript scripts/reference/alerts.R > crates/stats/tests/fixtures/alerts_glrpois.csv
# (Debian: r-cran-surveillance 1.20.3)
suppressMessages(library(surveillance))
set.seed(20261127)
n <- 60
mu0 <- 20 * (1 + 0.3 * sin(2 * pi * (1:n) / 12))
x <- c(rpois(36, mu0[1:36]), rpois(24, 0.45 * mu0[37:60]))
dp <- create.disProg(week = 1:n, observed = x, state = rep(0, n), freq = 12)
r <- algo.glrpois(dp, control = list(range = 1:n, c.ARL = 10, mu0 = mu0, theta = log(0.5),
                                     dir = "dec", ret = "value", M = -1, Mtilde = 1,
                                     change = "intercept"))
out <- data.frame(t = 1:n, x = x, mu0 = sprintf("%.17g", mu0), value = sprintf("%.17g", r$upperbound),
                  alarm = as.integer(r$alarm))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
