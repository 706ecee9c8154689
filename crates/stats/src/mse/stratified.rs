//! Covariates: strata fitted separately, and list × covariate interactions.
//!
//! The Dutch estimates (van Dijk, Cruyff, van der Heijden et al., UNODC research brief 2017;
//! Cruyff, van Dijk & van der Heijden 2017, Annals AAPSS 669) use categorical covariates (age
//! group, sex, form of exploitation) in two ways, both provided here:
//!
//! - [`by_stratum`]: a separate model per stratum (any [`Method`]), the total the sum of the
//!   stratum estimates (defined only when every stratum has a finite estimate);
//! - [`fit_covariate_model`]: one log-linear model over the strata × histories table,
//!   `log μ_{s,h} = β₀ + γ_s + Σ_{i∈h} (α_i + δ_{i,s}) + Σ_{T⊆h} θ_T`, where `γ_s` lets the
//!   dark figure differ by stratum, `δ_{i,s}` (for the lists chosen) lets list `i`'s capture
//!   probability differ by stratum, and the list interactions `θ_T` are shared. The dark figure of
//!   stratum `s` is `exp(β₀ + γ_s)`. Terms with no observed case over all strata are handled by
//!   the extended MLE as in [`super::fit()`].

use std::io::Read;

use super::bootstrap::{BcaInterval, BootstrapOptions, bootstrap_with};
use super::check::mle_exists;
use super::fit::contains_any_term;
use super::glm::{self, GlmError};
use super::select::{Method, select};
use super::{CaptureTable, Model, ModelFit, MseError};

/// Capture-history tables over the same lists, one per stratum.
#[derive(Debug, Clone)]
pub struct StratifiedTable {
    /// Stratum labels, in order of first appearance.
    pub strata: Vec<String>,
    /// One table per stratum.
    pub tables: Vec<CaptureTable>,
}

impl StratifiedTable {
    /// Reads a CSV of 0/1 list columns, one stratum column named `stratum_column` (anywhere but
    /// last) and, last, the count column. Each stratum's table obeys the rules of
    /// [`CaptureTable::read_csv`] (a history listed twice within a stratum is an error).
    pub fn read_csv<R: Read>(reader: R, stratum_column: &str) -> Result<Self, MseError> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
        let header = rdr.headers().map_err(|e| MseError::Csv { line: 1, message: e.to_string() })?.clone();
        let pos = header.iter().position(|h| h == stratum_column).ok_or_else(|| MseError::Csv {
            line: 1,
            message: format!("no column named `{stratum_column}` in the header"),
        })?;
        if pos + 1 == header.len() {
            return Err(MseError::Csv {
                line: 1,
                message: "the last column must be the count, not the stratum".into(),
            });
        }
        let sub_header: Vec<&str> = header.iter().enumerate().filter(|(i, _)| *i != pos).map(|(_, h)| h).collect();
        let mut strata: Vec<String> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut lines: Vec<Vec<u64>> = Vec::new();
        for record in rdr.records() {
            let record = record
                .map_err(|e| MseError::Csv { line: e.position().map_or(0, |p| p.line()), message: e.to_string() })?;
            let line = record.position().map_or(0, |p| p.line());
            let s = record.get(pos).unwrap_or("").to_owned();
            let idx = match strata.iter().position(|x| *x == s) {
                Some(i) => i,
                None => {
                    strata.push(s);
                    texts.push(format!("{}\n", sub_header.join(",")));
                    lines.push(vec![1]);
                    strata.len() - 1
                }
            };
            let fields: Vec<&str> = record.iter().enumerate().filter(|(i, _)| *i != pos).map(|(_, f)| f).collect();
            texts[idx].push_str(&fields.join(","));
            texts[idx].push('\n');
            lines[idx].push(line);
        }
        if strata.is_empty() {
            return Err(MseError::Invalid("the table has no cases".into()));
        }
        let mut tables = Vec::with_capacity(strata.len());
        for (i, text) in texts.iter().enumerate() {
            // Map line numbers of the per-stratum text back to the file.
            let map_line = |l: u64| lines[i].get(l.saturating_sub(1) as usize).copied().unwrap_or(l);
            let t = CaptureTable::read_csv(text.as_bytes()).map_err(|e| match e {
                MseError::Csv { line, message } => MseError::Csv { line: map_line(line), message },
                MseError::Field { line, field, message } => MseError::Field { line: map_line(line), field, message },
                MseError::Invalid(m) => MseError::Invalid(format!("stratum `{}`: {m}", strata[i])),
                other => other,
            })?;
            tables.push(t);
        }
        Ok(Self { strata, tables })
    }
}

/// Estimates per stratum and their total.
#[derive(Debug, Clone)]
pub struct StratumEstimates {
    /// Stratum labels.
    pub strata: Vec<String>,
    /// The chosen model's fit in each stratum.
    pub fits: Vec<ModelFit>,
    /// Sum of the stratum estimates; `None` if a stratum has no finite estimate.
    pub total: Option<f64>,
}

/// Chooses and fits a model separately in every stratum (in parallel).
pub fn by_stratum(table: &StratifiedTable, method: &Method) -> Result<StratumEstimates, MseError> {
    use rayon::prelude::*;
    let fits: Vec<ModelFit> =
        table.tables.par_iter().map(|t| select(t, method).map(|s| s.fit)).collect::<Result<_, _>>()?;
    let total = fits.iter().map(|f| f.estimate).sum::<Option<f64>>();
    Ok(StratumEstimates { strata: table.strata.clone(), fits, total })
}

/// A log-linear model with stratum effects (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateModel {
    /// List interactions shared by all strata.
    pub terms: Model,
    /// Lists (indices) whose main effect differs by stratum (list × covariate interaction).
    pub lists_by_stratum: Vec<usize>,
}

/// A fitted [`CovariateModel`].
#[derive(Debug, Clone)]
pub struct CovariateFit {
    /// Whether the (extended) MLE exists.
    pub mle_exists: bool,
    /// Whether the design has full column rank.
    pub identifiable: bool,
    /// Terms with no observed case over all strata (extended MLE).
    pub empty_terms: Vec<u32>,
    /// Observed cases per stratum.
    pub observed: Vec<f64>,
    /// Estimated unobserved per stratum; `None` without a finite estimate.
    pub unobserved: Option<Vec<f64>>,
    /// Estimated population, all strata together.
    pub total: Option<f64>,
    /// Coefficient names and values in design order: `(Intercept)`, `stratum[s]`, lists,
    /// interaction terms, `list:stratum[s]`.
    pub coefficients: Vec<(String, f64)>,
    /// Poisson deviance.
    pub deviance: Option<f64>,
    /// Residual degrees of freedom.
    pub df: i64,
}

/// Fits a [`CovariateModel`] to the strata jointly.
pub fn fit_covariate_model(table: &StratifiedTable, model: &CovariateModel) -> Result<CovariateFit, MseError> {
    let s_count = table.tables.len();
    let first = table.tables.first().ok_or_else(|| MseError::Invalid("no strata".into()))?;
    let lists = first.lists().to_vec();
    let k = lists.len();
    if table.tables.iter().any(|t| t.lists() != lists.as_slice()) {
        return Err(MseError::Invalid("every stratum must have the same lists".into()));
    }
    if let Some(&l) = model.lists_by_stratum.iter().find(|&&l| l >= k) {
        return Err(MseError::Invalid(format!("list index {l} out of range (there are {k} lists)")));
    }
    let pooled_margin = |t: u32| table.tables.iter().map(|tb| tb.margin(t)).sum::<f64>();
    let mut empty_terms = Vec::new();
    let mut terms = Vec::new();
    for &t in model.terms.terms() {
        if pooled_margin(t) == 0.0 {
            empty_terms.push(t);
        } else {
            terms.push(t);
        }
    }
    let hs: Vec<u32> = (1u32..(1 << k)).filter(|&h| !contains_any_term(h, &empty_terms)).collect();
    let mut names = vec!["(Intercept)".to_owned()];
    names.extend((1..s_count).map(|s| format!("stratum[{}]", table.strata[s])));
    names.extend(lists.iter().cloned());
    names.extend(terms.iter().map(|&t| super::model::term_name(t, &lists)));
    for &l in &model.lists_by_stratum {
        names.extend((1..s_count).map(|s| format!("{}:stratum[{}]", lists[l], table.strata[s])));
    }
    let p = names.len();
    let n = hs.len() * s_count;
    let mut x = Vec::with_capacity(n * p);
    let mut y = Vec::with_capacity(n);
    for (s, tb) in table.tables.iter().enumerate() {
        for &h in &hs {
            x.push(1.0);
            x.extend((1..s_count).map(|j| if j == s { 1.0 } else { 0.0 }));
            x.extend((0..k).map(|i| if h & (1 << i) != 0 { 1.0 } else { 0.0 }));
            x.extend(terms.iter().map(|&t| if h & t == t { 1.0 } else { 0.0 }));
            for &l in &model.lists_by_stratum {
                x.extend((1..s_count).map(|j| if j == s && h & (1 << l) != 0 { 1.0 } else { 0.0 }));
            }
            y.push(tb.count(h));
        }
    }
    let identifiable = glm::rank(&x, n, p) == p;
    let exists = mle_exists(&x, n, p, &y)?;
    let observed: Vec<f64> = table.tables.iter().map(CaptureTable::observed).collect();
    let mut out = CovariateFit {
        mle_exists: exists,
        identifiable,
        empty_terms,
        observed: observed.clone(),
        unobserved: None,
        total: None,
        coefficients: Vec::new(),
        deviance: None,
        df: n as i64 - p as i64,
    };
    if !exists || !identifiable {
        return Ok(out);
    }
    let g = match glm::poisson_irls(&x, n, p, &y, None) {
        Ok(g) => g,
        Err(GlmError::Singular) => {
            out.identifiable = false;
            return Ok(out);
        }
        Err(GlmError::NoConvergence) => return Ok(out),
    };
    let unobserved: Vec<f64> = (0..s_count).map(|s| (g.beta[0] + if s == 0 { 0.0 } else { g.beta[s] }).exp()).collect();
    let total = observed.iter().sum::<f64>() + unobserved.iter().sum::<f64>();
    if total.is_finite() {
        out.total = Some(total);
        out.unobserved = Some(unobserved);
    }
    out.deviance = Some(g.deviance);
    out.coefficients = names.into_iter().zip(g.beta).collect();
    Ok(out)
}

/// BCa interval for the total over strata when each stratum gets its own model by `method`
/// (stratified bootstrap: every stratum resampled separately, the model choice repeated).
pub fn bootstrap_by_stratum(
    table: &StratifiedTable,
    method: &Method,
    opts: &BootstrapOptions<'_>,
) -> Result<BcaInterval, MseError> {
    bootstrap_with(&table.tables, opts, |ts| {
        let mut total = 0.0;
        for t in ts {
            match select(t, method)?.fit.estimate {
                Some(e) => total += e,
                None => return Ok(None),
            }
        }
        Ok(Some(total))
    })
}

/// BCa interval for the total of a [`CovariateModel`] (stratified bootstrap, fixed model).
pub fn bootstrap_covariate_model(
    table: &StratifiedTable,
    model: &CovariateModel,
    opts: &BootstrapOptions<'_>,
) -> Result<BcaInterval, MseError> {
    bootstrap_with(&table.tables, opts, |ts| {
        let st = StratifiedTable { strata: table.strata.clone(), tables: ts.to_vec() };
        Ok(fit_covariate_model(&st, model)?.total)
    })
}
