#!/usr/bin/env Rscript
# Reference values for zicht-stats::survival, from R survival 3.5 and cmprsk 2.2 (Debian packages
# r-cran-survival, r-cran-cmprsk, r-cran-cardata). Writes the data sets and the reference numbers
# as CSV into crates/stats/tests/fixtures/survival/ (17 significant digits).
#
#   Rscript scripts/reference/survival.R [OUTDIR]
#
# Data sets (public):
#   lung, veteran, heart (jasa1), pbc, mgus2 -- shipped with R package survival 3.5
#   rossi -- Rossi, Berk & Lenihan (1980), R package carData 3.0 (factors coded 0/1 in level order:
#            fin yes, race other, wexp yes, mar "not married", paro yes = 1)
suppressPackageStartupMessages({ library(survival); library(cmprsk) })
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "crates/stats/tests/fixtures/survival"
dir.create(out, recursive = TRUE, showWarnings = FALSE)
w <- function(df, name) {
  num <- vapply(df, is.numeric, logical(1))
  df[num] <- lapply(df[num], function(x) ifelse(is.na(x), NA, sprintf("%.17g", x)))
  write.csv(df, file.path(out, name), row.names = FALSE, na = "", quote = FALSE)
}

# ---- data sets ----
lung_d <- survival::lung
lung_d$status <- lung_d$status - 1          # 1 = death, 0 = censored
w(lung_d, "lung.csv")
vet <- survival::veteran
vet$celltype <- as.integer(vet$celltype)   # 1 squamous, 2 smallcell, 3 adeno, 4 large
w(vet, "veteran.csv")
data("Rossi", package = "carData")
rossi <- Rossi[, c("week", "arrest", "fin", "age", "race", "wexp", "mar", "paro", "prio", "educ")]
for (v in c("fin", "race", "wexp", "mar", "paro")) rossi[[v]] <- as.integer(rossi[[v]]) - 1L
w(rossi, "rossi.csv")
hrt <- survival::heart
hrt$transplant <- as.integer(as.character(hrt$transplant))
w(hrt, "heart.csv")
pbc_d <- survival::pbc[!is.na(survival::pbc$trt), c("id", "time", "status", "trt", "age", "sex")]
pbc_d$sex <- as.integer(pbc_d$sex == "f")   # 1 = female
w(pbc_d, "pbc.csv")                          # status: 0 censored, 1 transplant, 2 death
mg <- survival::mgus2
mg$etime <- ifelse(mg$pstat == 0, mg$futime, mg$ptime)
mg$event <- ifelse(mg$pstat == 0, 2 * mg$death, 1)   # 1 = progression, 2 = death, 0 = censored
mg <- mg[, c("id", "age", "sex", "etime", "event")]
mg$sex <- as.integer(mg$sex == "M")
w(mg, "mgus2.csv")

# ---- Kaplan-Meier ----
km_rows <- list(); med_rows <- list()
km_case <- function(name, time, status, group) {
  for (ct in c("log-log", "log", "plain")) {
    g <- if (is.null(group)) rep("all", length(time)) else as.character(group)
    for (lev in sort(unique(g))) {
      s <- g == lev
      f <- survfit(Surv(time[s], status[s]) ~ 1, conf.type = ct)
      km_rows[[length(km_rows) + 1]] <<- data.frame(
        dataset = name, conf = ct, group = lev, time = f$time, n_risk = f$n.risk,
        n_event = f$n.event, n_censor = f$n.censor, surv = f$surv, std_err = f$std.err,
        se_surv = f$surv * f$std.err, lower = f$lower, upper = f$upper, cumhaz = f$cumhaz,
        std_chaz = f$std.chaz)
      tb <- summary(f)$table
      med_rows[[length(med_rows) + 1]] <<- data.frame(
        dataset = name, conf = ct, group = lev, median = tb[["median"]],
        lower = tb[["0.95LCL"]], upper = tb[["0.95UCL"]])
    }
  }
}
km_case("lung", lung_d$time, lung_d$status, lung_d$sex)
km_case("lung_all", lung_d$time, lung_d$status, NULL)
km_case("veteran", vet$time, vet$status, vet$celltype)
km_case("rossi", rossi$week, rossi$arrest, rossi$fin)
w(do.call(rbind, km_rows), "ref_km.csv")
w(do.call(rbind, med_rows), "ref_km_median.csv")

# ---- log-rank ----
lr <- function(name, fit) data.frame(test = name, chi2 = fit$chisq, df = length(fit$n) - 1)
w(rbind(
  lr("lung_sex", survdiff(Surv(time, status) ~ sex, data = lung_d)),
  lr("veteran_celltype", survdiff(Surv(time, status) ~ celltype, data = vet)),
  lr("veteran_trt_strata_celltype", survdiff(Surv(time, status) ~ trt + strata(celltype), data = vet)),
  lr("rossi_fin", survdiff(Surv(week, arrest) ~ fin, data = rossi))
), "ref_logrank.csv")

# ---- cumulative incidence and Gray's test ----
cif_rows <- list(); gray_rows <- list()
cif_case <- function(name, time, cause, group, strata = NULL) {
  fit <- if (is.null(strata)) cuminc(time, cause, group) else cuminc(time, cause, group, strata)
  for (nm in names(fit)) {
    if (nm == "Tests") next
    x <- fit[[nm]]
    parts <- strsplit(nm, " ")[[1]]
    keep <- !duplicated(x$time, fromLast = TRUE)   # the value after each jump
    cif_rows[[length(cif_rows) + 1]] <<- data.frame(
      dataset = name, group = parts[1], cause = parts[2], time = x$time[keep],
      est = x$est[keep], var = x$var[keep])
  }
  if (!is.null(fit$Tests)) {
    t <- fit$Tests
    gray_rows[[length(gray_rows) + 1]] <<- data.frame(
      dataset = name, cause = rownames(t), stat = t[, "stat"], p = t[, "pv"], df = t[, "df"])
  }
}
cif_case("pbc_trt", pbc_d$time, pbc_d$status, pbc_d$trt)
cif_case("mgus2_sex", mg$etime, mg$event, mg$sex)
cif_case("pbc_all", pbc_d$time, pbc_d$status, rep(1, nrow(pbc_d)))
cif_case("pbc_trt_strata_sex", pbc_d$time, pbc_d$status, pbc_d$trt, pbc_d$sex)
w(do.call(rbind, cif_rows), "ref_cif.csv")
w(do.call(rbind, gray_rows), "ref_gray.csv")

# ---- Cox ----
coef_rows <- list(); sum_rows <- list()
cox_case <- function(name, fit) {
  s <- summary(fit)
  rob <- if (!is.null(fit$naive.var)) sqrt(diag(fit$var)) else NA
  se <- if (!is.null(fit$naive.var)) sqrt(diag(fit$naive.var)) else sqrt(diag(fit$var))
  coef_rows[[length(coef_rows) + 1]] <<- data.frame(
    model = name, term = names(coef(fit)), coef = unname(coef(fit)), se = unname(se),
    robust_se = unname(rob))
  sum_rows[[length(sum_rows) + 1]] <<- data.frame(
    model = name, n = fit$n, events = fit$nevent, loglik_null = fit$loglik[1],
    loglik = fit$loglik[2], lr = 2 * (fit$loglik[2] - fit$loglik[1]), wald = unname(fit$wald.test),
    score = unname(fit$score), concordance = unname(fit$concordance["concordance"]))
}
ctl <- coxph.control(eps = 1e-9)
for (ties in c("efron", "breslow")) {
  cox_case(paste0("lung_", ties), coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung_d, ties = ties, control = ctl))
  cox_case(paste0("lung_strata_", ties), coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung_d, ties = ties, control = ctl))
  cox_case(paste0("veteran_", ties), coxph(Surv(time, status) ~ trt + karno + age + prior + diagtime, data = vet, ties = ties, control = ctl))
  cox_case(paste0("rossi_", ties), coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = ties, control = ctl))
  cox_case(paste0("rossi_robust_", ties), coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = ties, robust = TRUE, control = ctl))
  cox_case(paste0("heart_", ties), coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, ties = ties, control = ctl))
  cox_case(paste0("heart_cluster_", ties), coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, ties = ties, cluster = id, control = ctl))
}
w(do.call(rbind, coef_rows), "ref_cox_coef.csv")
w(do.call(rbind, sum_rows), "ref_cox_summary.csv")
cat("R", R.version.string, "survival", as.character(packageVersion("survival")),
    "cmprsk", as.character(packageVersion("cmprsk")), "carData", as.character(packageVersion("carData")), "\n",
    file = file.path(out, "VERSIONS.txt"))
