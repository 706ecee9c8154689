//! `zicht-stats`: the statistics of the victim monitor as pure functions over slices.
//!
//! - [`survival`]: Kaplan–Meier, Nelson–Aalen, log-rank, Aalen–Johansen cumulative incidence, Gray's
//!   test, Cox proportional hazards and the re-victimisation cohort builder. Checked against R
//!   `survival` 3.5 and `cmprsk` 2.2 (see `scripts/reference/survival.R`).
//! - [`mse`]: multiple systems estimation of the dark number (Poisson log-linear models on capture
//!   histories, existence and identifiability checks, model choice, intervals). Checked against
//!   SparseMSE 2.0.1 and a statsmodels Poisson GLM (see `scripts/reference/`).

pub mod mse;
pub mod survival;
