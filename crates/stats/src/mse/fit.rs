//! Fitting one log-linear model to a capture-history table.
//!
//! The Poisson log-linear model is fitted to the `2^k − 1` observable histories; the unobserved
//! history is a structural zero whose expected count `exp(β₀)` is the dark figure, so the
//! population estimate is `N̂ = n + exp(β̂₀)` (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6).
//!
//! **Extended MLE.** When a two-list (or higher) term of the model has no observed case, its
//! parameter's MLE is −∞ and every history containing the term has fitted value 0. As in Chan,
//! Silverman & Vincent (2021, §2.2) the term is removed from the design together with those
//! histories, the remaining parameters are fitted as usual, and the removed terms still count as
//! parameters in AIC and BIC. Such terms are reported in [`ModelFit::empty_terms`]; the estimate is
//! finite and is the limit of the ordinary MLE along the direction of recession.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use super::check::mle_exists;
use super::glm::{self, GlmError};
use super::{CaptureTable, Model, MseError};

/// One coefficient of a fitted model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Coefficient {
    /// `(Intercept)`, a list name, or a term such as `LA:NG`.
    pub name: String,
    /// Estimate on the log scale.
    pub value: f64,
    /// Standard error from the inverse Fisher information.
    pub se: f64,
}

/// A model fitted to a table, with its verdicts.
#[derive(Debug, Clone)]
pub struct ModelFit {
    /// The model as asked for.
    pub model: Model,
    /// Terms of the model with no observed case (extended MLE: parameter −∞, see module docs).
    pub empty_terms: Vec<u32>,
    /// Whether the (extended) MLE exists: the Fienberg–Rinaldo linear program.
    pub mle_exists: bool,
    /// Whether the design, after removing empty terms, has full column rank.
    pub identifiable: bool,
    /// Number of observed cases `n`.
    pub observed: f64,
    /// Estimated number never observed, `exp(β̂₀)`; `None` when there is no finite estimate.
    pub unobserved: Option<f64>,
    /// Estimated population `n + exp(β̂₀)`; `None` when there is no finite estimate.
    pub estimate: Option<f64>,
    /// Standard error of `β̂₀ = log(unobserved)`.
    pub log_unobserved_se: Option<f64>,
    /// Poisson deviance over the fitted cells.
    pub deviance: Option<f64>,
    /// Residual degrees of freedom: fitted cells minus fitted parameters.
    pub df: i64,
    /// `−2 log L + 2 q`, `q` counting the empty terms too (as SparseMSE's `modelfit`).
    pub aic: Option<f64>,
    /// `−2 log L + q log n`, `n` the number of observed cases (as Rcapture).
    pub bic: Option<f64>,
    /// Coefficients in design order: intercept, main effects, non-empty terms in model order.
    pub coefficients: Vec<Coefficient>,
    /// Fitted count per history mask (index 0: the dark figure; removed histories: 0).
    pub fitted: Vec<f64>,
    /// Why there is no finite estimate, when there is none.
    pub note: Option<String>,
}

impl ModelFit {
    /// Whether the fit gives a finite estimate.
    pub fn is_finite(&self) -> bool {
        self.estimate.is_some()
    }

    /// The model-conditional interval of SparseMSE (`estimatepopulation.0`): normal on
    /// `log(unobserved)`, `n + exp(β̂₀ ± z·se)`.
    pub fn lognormal_interval(&self, level: f64) -> Option<(f64, f64)> {
        let u = self.unobserved?;
        let se = self.log_unobserved_se?;
        let z = normal_quantile(0.5 + level / 2.0);
        let b0 = u.ln();
        Some((self.observed + (b0 - z * se).exp(), self.observed + (b0 + z * se).exp()))
    }
}

/// Standard normal quantile.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

/// The design of a model on a table, after removing the histories of empty terms.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    /// Histories kept, in increasing mask order.
    pub cells: Vec<u32>,
    /// Column masks: 0 (intercept), `1 << i` (main effects), then non-empty terms.
    pub cols: Vec<u32>,
    /// Row-major `cells × cols` 0/1 matrix.
    pub x: Vec<f64>,
    /// Observed counts of the kept cells.
    pub y: Vec<f64>,
    /// Terms with no observed case.
    pub empty_terms: Vec<u32>,
}

impl Design {
    pub fn n(&self) -> usize {
        self.cells.len()
    }
    pub fn p(&self) -> usize {
        self.cols.len()
    }
}

/// Builds the design of `model` on `table` (see the module docs on empty terms).
pub(crate) fn design(table: &CaptureTable, model: &Model) -> Design {
    let k = table.k();
    let mut empty_terms = Vec::new();
    let mut cols: Vec<u32> = std::iter::once(0).chain((0..k).map(|i| 1u32 << i)).collect();
    for &t in model.terms() {
        if table.margin(t) == 0.0 {
            empty_terms.push(t);
        } else {
            cols.push(t);
        }
    }
    let cells: Vec<u32> = (1u32..(1u32 << k)).filter(|&h| !contains_any_term(h, &empty_terms)).collect();
    let p = cols.len();
    let mut x = Vec::with_capacity(cells.len() * p);
    for &h in &cells {
        for &c in &cols {
            x.push(if h & c == c { 1.0 } else { 0.0 });
        }
    }
    let y = cells.iter().map(|&h| table.count(h)).collect();
    Design { cells, cols, x, y, empty_terms }
}

/// Whether history `h` contains (is on every list of) one of `terms`.
pub(crate) fn contains_any_term(h: u32, terms: &[u32]) -> bool {
    for &t in terms {
        if h & t == t {
            return true;
        }
    }
    false
}

/// Existence and identifiability verdicts for a design.
pub(crate) fn verdicts(d: &Design) -> Result<(bool, bool), MseError> {
    let identifiable = glm::rank(&d.x, d.n(), d.p()) == d.p();
    let exists = mle_exists(&d.x, d.n(), d.p(), &d.y)?;
    Ok((exists, identifiable))
}

type VerdictKey = (usize, Vec<u64>, Vec<u32>);

/// Memo of verdicts. Both depend only on the model and on which histories were observed (the
/// support of the table), not on the counts: the face of the marginal cone that contains
/// `t = Aᵀy` is fixed by the support of `y` (Fienberg & Rinaldo 2012, §3), and the removed
/// histories and the rank follow from the empty terms. Bootstrap replicates and stepwise
/// candidates repeat the same (support, model) pairs many times.
static VERDICTS: OnceLock<RwLock<HashMap<VerdictKey, (bool, bool)>>> = OnceLock::new();
const VERDICT_CACHE_MAX: usize = 1 << 17;

fn cached_verdicts(table: &CaptureTable, model: &Model, d: &Design) -> Result<(bool, bool), MseError> {
    let counts = table.counts();
    let mut support = vec![0u64; counts.len().div_ceil(64)];
    for (h, &c) in counts.iter().enumerate() {
        if c > 0.0 {
            support[h / 64] |= 1 << (h % 64);
        }
    }
    let mut terms = model.terms().to_vec();
    terms.sort_unstable();
    let key = (table.k(), support, terms);
    let cache = VERDICTS.get_or_init(|| RwLock::new(HashMap::new()));
    if let Some(v) = cache.read().ok().and_then(|m| m.get(&key).copied()) {
        return Ok(v);
    }
    let v = verdicts(d)?;
    if let Ok(mut m) = cache.write() {
        if m.len() >= VERDICT_CACHE_MAX {
            m.clear();
        }
        m.insert(key, v);
    }
    Ok(v)
}

/// Whether `model` passes both checks on `table` (SparseMSE's `checkident(...) == 0`).
pub fn passes_checks(table: &CaptureTable, model: &Model) -> Result<bool, MseError> {
    let d = design(table, model);
    let (e, i) = cached_verdicts(table, model, &d)?;
    Ok(e && i)
}

/// Fits `model` to `table`: checks existence and identifiability first, and fits only when both
/// hold; otherwise the result has no estimate and says why.
pub fn fit(table: &CaptureTable, model: &Model) -> Result<ModelFit, MseError> {
    fit_with(table, model, None)
}

/// [`fit`] with the verdicts supplied when the caller already knows them (exhaustive search
/// derives them from a larger model with the same empty terms).
pub(crate) fn fit_with(table: &CaptureTable, model: &Model, known: Option<(bool, bool)>) -> Result<ModelFit, MseError> {
    let d = design(table, model);
    let (mle_exists, identifiable) = match known {
        Some(v) => v,
        None => cached_verdicts(table, model, &d)?,
    };
    let n_obs = table.observed();
    let k = table.k();
    let lists = table.lists();
    let (n, p) = (d.n(), d.p());
    let q = (p + d.empty_terms.len()) as f64;
    let mut out = ModelFit {
        model: model.clone(),
        empty_terms: d.empty_terms.clone(),
        mle_exists,
        identifiable,
        observed: n_obs,
        unobserved: None,
        estimate: None,
        log_unobserved_se: None,
        deviance: None,
        df: n as i64 - p as i64,
        aic: None,
        bic: None,
        coefficients: Vec::new(),
        fitted: vec![0.0; 1 << k],
        note: None,
    };
    if !mle_exists || !identifiable {
        let mut why = Vec::new();
        if !mle_exists {
            why.push("the maximum likelihood estimate does not exist (some parameter would be infinite)");
        }
        if !identifiable {
            why.push("the model is not identifiable from these data");
        }
        out.note = Some(format!("no finite estimate: {}", why.join("; ")));
        return Ok(out);
    }
    let g = match glm::poisson_irls(&d.x, n, p, &d.y, None) {
        Ok(g) => g,
        Err(GlmError::Singular) => {
            out.identifiable = false;
            out.note = Some("no finite estimate: the information matrix is singular".into());
            return Ok(out);
        }
        Err(GlmError::NoConvergence) => {
            out.note = Some("no finite estimate: the fit did not converge".into());
            return Ok(out);
        }
    };
    let u = g.beta[0].exp();
    out.unobserved = Some(u);
    out.estimate = Some(n_obs + u);
    out.log_unobserved_se = Some(g.cov[0].sqrt());
    out.deviance = Some(g.deviance);
    out.aic = Some(-2.0 * g.loglik + 2.0 * q);
    out.bic = Some(-2.0 * g.loglik + q * n_obs.ln());
    out.fitted[0] = u;
    for (i, &h) in d.cells.iter().enumerate() {
        out.fitted[h as usize] = g.mu[i];
    }
    out.coefficients = d
        .cols
        .iter()
        .enumerate()
        .map(|(j, &c)| Coefficient {
            name: if c == 0 { "(Intercept)".into() } else { super::model::term_name(c, lists) },
            value: g.beta[j],
            se: g.cov[j * p + j].sqrt(),
        })
        .collect();
    if !out.estimate.is_some_and(f64::is_finite) {
        out.estimate = None;
        out.unobserved = None;
        out.note = Some("no finite estimate: the fitted dark figure overflows".into());
    }
    Ok(out)
}
