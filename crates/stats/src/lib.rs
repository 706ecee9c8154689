//! `zicht-stats`: the statistics of the victim monitor as pure functions over slices.
//!
//! - [`survival`]: Kaplan–Meier, Nelson–Aalen, log-rank, Aalen–Johansen cumulative incidence, Gray's
//!   test, Cox proportional hazards and the re-victimisation cohort builder. Checked against R
//!   `survival` 3.5 and `cmprsk` 2.2 (see `scripts/reference/survival.R`).
//! - [`alerts`]: Poisson CUSUM and silence rules on a reporter's monthly counts (Page 1954; Lucas 1985).
//! - [`mse`]: multiple systems estimation of the dark number (Poisson log-linear models on capture
//!   histories, existence and identifiability checks, model choice, intervals). Checked against
//!   SparseMSE 2.0.1 and a statsmodels Poisson GLM (see `scripts/reference/`).

pub mod alerts;
pub mod mse;
pub mod survival;
