//! Multiple systems estimation (MSE) of the dark number: how many victims no list has seen.
//!
//! The register is split into lists (reporter types); each observed person has a capture
//! history, the set of lists that reported them. Poisson log-linear models on the `2^k − 1`
//! observable histories, with the unobserved history as a structural zero, estimate the expected
//! count of the unobserved history (Fienberg 1972, Biometrika 59:591; Bishop, Fienberg & Holland
//! 1975, ch. 6). This module follows the methods of Chan, Silverman & Vincent (2021), *Multiple
//! systems estimation for sparse capture data: inferential challenges when there are
//! nonoverlapping lists*, JASA 116:1297, implemented in the R package SparseMSE:
//!
//! - [`fit()`]: one model, with the extended MLE for non-overlapping lists and the
//!   existence/identifiability checks by linear programming (Fienberg & Rinaldo 2012) first.
//! - [`select()`]: stepwise by Poisson p-values (SparseMSE's definition), exhaustive AIC/BIC,
//!   main effects.
//! - [`profile_interval`]: profile-likelihood interval for a fixed model;
//!   [`ModelFit::lognormal_interval`]: SparseMSE's model-conditional interval.
//! - [`bootstrap()`]: BCa intervals with the model choice repeated in every replicate.
//! - [`stratified`]: per-stratum estimates and list × covariate interactions.
//!
//! A model without a finite estimate (no MLE, not identifiable, degenerate table) gives
//! `estimate: None` and a note saying why, never a huge number.
//!
//! Agreement and deliberate differences with SparseMSE 2.0.1:
//!
//! - Stepwise selection, the extended MLE, AIC, `checkident` verdicts, the model-conditional
//!   interval, the jackknife acceleration and the BCa limits are the same (see the tests).
//! - SparseMSE's "model-conditional 95% interval" (9,884–13,027 on UKdat_5) is a Wald interval on
//!   `log(dark figure)`, here [`ModelFit::lognormal_interval`]; the profile-likelihood interval of
//!   the same model is 9,908–13,064.
//! - SparseMSE fits the main-effects starting model of stepwise without checking it; here a
//!   starting model without an MLE ends the search with no finite estimate.
//! - BIC is `−2 log L + q log n` with `n` the number of observed cases (Rcapture's choice);
//!   SparseMSE reports only AIC.
//! - When every bootstrap replicate falls on one side of the estimate, `z₀` is computed from a
//!   proportion of `1/(2B)` instead of being infinite.

mod bootstrap;
mod check;
mod fit;
mod glm;
mod model;
pub mod pooled;
mod profile;
mod select;
pub mod stratified;
mod table;

pub use bootstrap::{BcaInterval, BootstrapOptions, Cancelled, NoProgress, Progress, bca_limits, bootstrap};
pub use fit::{Coefficient, ModelFit, fit, passes_checks};
pub use model::{Model, pairs, term_name};
pub use profile::profile_interval;
pub use select::{MAX_LISTS_EXHAUSTIVE, MODELS_SHOWN, Method, Selection, Step, select, stepwise};
pub use table::{CaptureTable, MAX_LISTS, history_string};

/// Errors of multiple systems estimation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MseError {
    /// The CSV cannot be read at this line.
    #[error("line {line}: {message}")]
    Csv {
        /// 1-based line number (1 is the header).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field of a row breaks a rule.
    #[error("line {line}, field `{field}`: {message}")]
    Field {
        /// 1-based line number.
        line: u64,
        /// Column name.
        field: String,
        /// The rule broken.
        message: String,
    },
    /// The table or the arguments cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// The linear-programming solver failed (an internal error).
    #[error("linear program failed: {0}")]
    Lp(String),
    /// The work was cancelled.
    #[error("cancelled")]
    Cancelled,
}
