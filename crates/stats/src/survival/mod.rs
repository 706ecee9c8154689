//! Survival analysis for the re-victimisation monitor.
//!
//! Everything here is a pure function over slices; results equal R `survival` 3.5 (`survfit`,
//! `survdiff`, `coxph`, `concordance`) and `cmprsk` 2.2 (`cuminc`) to 1e-6 on the public data sets in
//! `crates/stats/tests/fixtures/survival/` (the R script is `scripts/reference/survival.R`).
//!
//! Ties are handled deterministically, by the exact rules of those references: at a tied time,
//! events happen before censorings, and nothing is ever jittered.

// Matrix code reads best with explicit indices (a[i * p + j]), as in the papers it implements.
#![allow(clippy::needless_range_loop)]

mod aalen_johansen;
mod cohort;
mod cox;
mod error;
mod gray;
mod km;
mod linalg;
mod logrank;

pub use aalen_johansen::{CifCurve, CifPoint, cumulative_incidence};
pub use cohort::{
    CohortOptions, CohortRow, EndReason, FollowUpEvent, FollowUpKind, Outcome, Person, RecurrentRow, SubgroupIncidence,
    Subgrouping, build_cohort, build_recurrent, incidence_by_subgroup,
};
pub use cox::{CoxFit, CoxInput, CoxOptions, TestResult, Ties, cox_ph, cox_ph_row_major, cox_ph_with_progress};
pub use error::SurvivalError;
pub use gray::{GrayTest, gray_test, gray_test_stratified};
pub use km::{ConfType, KaplanMeier, KmPoint, KmRow, kaplan_meier, kaplan_meier_counts};
pub use logrank::{LogRank, log_rank};

pub use zicht_progress::{Cancelled, NoProgress, Progress, Stoppable};

/// Checks one follow-up time: finite and not negative. `index` is 0-based in the input.
pub(crate) fn check_time(t: f64, index: usize) -> Result<(), SurvivalError> {
    if t.is_nan() {
        return Err(SurvivalError::MissingTime { index });
    }
    if !t.is_finite() {
        return Err(SurvivalError::InfiniteTime { index });
    }
    if t < 0.0 {
        return Err(SurvivalError::NegativeTime { index, time: t });
    }
    Ok(())
}

/// Checks that group / stratum / cluster ids are dense enough to index with: every id below the
/// number of rows (callers number their categories 0..k).
pub(crate) fn check_ids(ids: &[usize], what: &str) -> Result<(), SurvivalError> {
    let n = ids.len();
    match ids.iter().position(|&g| g >= n.max(1)) {
        Some(i) => Err(SurvivalError::Invalid(format!(
            "row {i}: {what} id {} is not below the number of rows {n} (number categories 0..k)",
            ids[i]
        ))),
        None => Ok(()),
    }
}

/// Upper tail probability of a chi-square with `df` degrees of freedom (0 when `df` is 0).
pub(crate) fn chi2_sf(stat: f64, df: usize) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    if df == 0 || !stat.is_finite() {
        return if stat.is_finite() { 1.0 } else { 0.0 };
    }
    match ChiSquared::new(df as f64) {
        Ok(d) => d.sf(stat.max(0.0)),
        Err(_) => f64::NAN,
    }
}

/// Two-sided normal p-value for a z statistic.
pub(crate) fn normal_two_sided(z: f64) -> f64 {
    use statrs::function::erf::erfc;
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The standard normal quantile for a two-sided confidence level (0.95 -> 1.959964).
pub(crate) fn z_for_level(level: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::standard();
    n.inverse_cdf(1.0 - (1.0 - level) / 2.0)
}
