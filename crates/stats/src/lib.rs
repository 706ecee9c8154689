//! zicht-stats: the statistics of the monitor, as pure functions over slices.
//!
//! - [`survival`]: Kaplan–Meier, Nelson–Aalen, log-rank, Aalen–Johansen cumulative incidence,
//!   Gray's test, Cox proportional hazards and the re-victimisation cohort builder. Checked against
//!   R `survival` 3.5 and `cmprsk` 2.2 (see `scripts/reference/survival.R`).

pub mod survival;
