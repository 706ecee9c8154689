//! The Fellegi–Sunter model: prior match probability λ, and per comparison level the
//! probabilities m = P(level | match) and u = P(level | non-match) (Fellegi & Sunter 1969).
//! A pair's match weight is `log2(λ/(1-λ)) + Σ log2(m/u)`, its match probability
//! `2^w / (1 + 2^w)`, missing values contributing nothing.
//!
//! Estimation follows Splink (Linacre et al. 2022):
//!
//! * **u** from comparison levels of uniformly drawn random pairs, nearly all non-matches.
//! * **m** by expectation–maximisation (Dempster, Laird & Rubin 1977; for linkage Winkler
//!   1988, Jaro 1989) on the pairs of each *training* blocking rule. Fields in the rule always
//!   agree there, so they are left out of that rule's likelihood and get their m from the other
//!   rules; each field's m is the mean over the rules that estimated it. Unlike Splink, the
//!   rule's non-matches get their own u where BIC calls for it ([`em_free_u`]): relatives and
//!   namesakes in a family-name block agree on the other fields far more often than random
//!   pairs, and with the random pairs' u EM's match class runs away to them. Three starts, the
//!   agreeing class named the match class, and checks after training ([`check_training`]).
//!   EM runs on the distinct comparison patterns with their counts, so each iteration costs
//!   the number of patterns, not of pairs. A rule counts for a field's m only where its pairs
//!   show the field at all.
//! * **m of a stand-in** ([`crate::Comparison::fallback_for`]) that EM never sees, because every
//!   training pair has the primary on both sides: the share of each level it would have, among
//!   the pairs weighted by their posterior match probability under the fitted model (the M step
//!   for a field outside the likelihood, so it does not count the primary's evidence twice). It
//!   assumes the stand-in agrees among matches as often with as without the primary, as a keyed
//!   digest of a birth date does.
//! * **λ** from each training rule: the rule holds `λ_rule · N_rule` matches, which is the
//!   population's matches times the rule's recall `Π m_exact · P(non-missing)²` over its
//!   columns; λ is the median over rules of that number of matches divided by all pairs.
//!   With [`LinkSpec::prior_by`] the same is done per pair of sources ([`crate::prior`]).
//!
//! Scoring within rules ([`fit_conditional`]): λ and u fitted within each prediction rule's
//! pairs, each pair scored by Bayes' rule within the first rule that makes it, so that
//! agreements correlated among the non-matches of a block are not multiplied as if independent.
//!
//! Term-frequency adjustment (Winkler 1989, Splink): on the exact level of a field with `tf`
//! set, the Bayes factor is `m_exact / tf(value)` instead of `m_exact / u_exact`, where
//! `tf(value)` is the value's share of the non-missing records, so agreeing on a rare name
//! counts more than agreeing on a common one.

use crate::hash::FastMap;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{self, BlockingRule};
use crate::compare::{FieldKind, NULL_LEVEL};
use crate::prior::{PriorTable, SourcePrior, Sources};
use crate::records::{NULL, Records};
use crate::{Error, LinkSpec, Progress};

/// Most comparisons a model may have (patterns are packed 8 bits per field into a `u128`).
pub const MAX_COMPARISONS: usize = 16;

/// Smallest m or u kept, so no level has an infinite weight.
const FLOOR: f64 = 1e-6;

/// Parameters of one comparison level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    /// What the level means.
    pub label: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
}

/// Parameters of one comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonParams {
    /// Column name.
    pub column: String,
    /// Field kind.
    pub kind: FieldKind,
    /// Term-frequency adjustment of the exact level.
    pub tf: bool,
    /// Compared only where this column is missing on one side or both ([`crate::Comparison`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_for: Option<String>,
    /// Levels, strongest first.
    pub levels: Vec<LevelParams>,
    /// Whether m was estimated, by EM or for a stand-in from EM's posteriors (false: no training
    /// rule showed the field; m is the starting value).
    pub m_estimated: bool,
}

/// What training did, per rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleTraining {
    /// The training rule.
    pub rule: String,
    /// Pairs the rule makes.
    pub pairs: u64,
    /// Pairs used (all, or a uniform sample when there are more than the maximum).
    pub used: u64,
    /// Distinct comparison patterns among them.
    pub patterns: usize,
    /// Share of matches among the rule's pairs.
    pub lambda_rule: f64,
    /// EM iterations.
    pub iterations: usize,
    /// Whether EM met the tolerance.
    pub converged: bool,
}

/// What training did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Random pairs used for u.
    pub u_pairs: u64,
    /// Per training rule.
    pub rules: Vec<RuleTraining>,
    /// What makes the model doubtful, each naming the field or rule ([`check_training`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A trained Fellegi–Sunter model; saved and loaded as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Format version.
    pub version: u32,
    /// Probability that two random records match.
    pub lambda: f64,
    /// The column naming each record's source, when λ is per pair of sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_by: Option<String>,
    /// λ per pair of sources (pairs of sources not listed use `lambda`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_priors: Vec<SourcePrior>,
    /// Comparisons in the order of the spec.
    pub comparisons: Vec<ComparisonParams>,
    /// How the model was trained.
    pub training: TrainingReport,
    /// Per prediction rule, the prior and the non-match distribution of the pairs it scores
    /// ([`fit_conditional`]); empty: every pair is scored with λ and the random pairs' u.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional: Vec<RuleParams>,
}

/// The model within one prediction rule's pairs ([`fit_conditional`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleParams {
    /// The rule, as `col,col`.
    pub rule: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// Share of matches among the pairs it scores (those no earlier rule makes).
    pub lambda: f64,
    /// u per comparison and level among those pairs (rows of the rule's own columns unused).
    pub u: Vec<Vec<f64>>,
    /// Pairs it scores, and the number the fit used.
    pub pairs: u64,
    /// Pairs the fit used (all, or whole blocks up to the training maximum).
    pub used: u64,
}

impl Model {
    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// A model from JSON, checked for consistency.
    pub fn from_json(s: &str) -> Result<Self, Error> {
        let m: Model = serde_json::from_str(s)?;
        if !(m.lambda > 0.0 && m.lambda < 1.0) {
            return Err(Error::ModelMismatch(format!("lambda {} is not in (0, 1)", m.lambda)));
        }
        if let Some(p) = m.source_priors.iter().find(|p| !(p.lambda > 0.0 && p.lambda < 1.0)) {
            return Err(Error::ModelMismatch(format!(
                "lambda {} of sources {:?} is not in (0, 1)",
                p.lambda, p.sources
            )));
        }
        if m.prior_by.is_none() && !m.source_priors.is_empty() {
            return Err(Error::ModelMismatch("source priors without a prior_by column".into()));
        }
        for c in &m.comparisons {
            if c.levels.len() != c.kind.n_levels() {
                return Err(Error::ModelMismatch(format!(
                    "column {}: {} levels, kind {} has {}",
                    c.column,
                    c.levels.len(),
                    c.kind.as_str(),
                    c.kind.n_levels()
                )));
            }
            if c.levels.iter().any(|l| !(l.m > 0.0 && l.m <= 1.0 && l.u > 0.0 && l.u <= 1.0)) {
                return Err(Error::ModelMismatch(format!("column {}: m and u must be in (0, 1]", c.column)));
            }
        }
        Ok(m)
    }

    /// Checks that the model's comparisons are the spec's (column, kind, order), and its source
    /// column.
    pub fn check(&self, spec: &LinkSpec) -> Result<(), Error> {
        let ours: Vec<(&str, FieldKind)> = self.comparisons.iter().map(|c| (c.column.as_str(), c.kind)).collect();
        let theirs: Vec<(&str, FieldKind)> = spec.comparisons.iter().map(|c| (c.column.as_str(), c.kind)).collect();
        if ours != theirs {
            let fmt = |v: &[(&str, FieldKind)]| {
                v.iter().map(|(c, k)| format!("{c}:{}", k.as_str())).collect::<Vec<_>>().join(" ")
            };
            return Err(Error::ModelMismatch(format!("model has {}, asked for {}", fmt(&ours), fmt(&theirs))));
        }
        if self.prior_by != spec.prior_by {
            return Err(Error::ModelMismatch(format!(
                "model has its prior by {:?}, asked for {:?}",
                self.prior_by, spec.prior_by
            )));
        }
        Ok(())
    }

    /// Prior match weight `log2(λ / (1 - λ))`.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Each field's contribution to the match weight of records `i` and `j`.
    pub fn explain(&self, records: &Records, i: usize, j: usize) -> Result<Explanation, Error> {
        let scorer = Scorer::new(self, records)?;
        let mut gamma = vec![0u8; self.comparisons.len()];
        scorer.comparer.levels(i as u32, j as u32, &mut gamma);
        let mut fields = Vec::new();
        let prior_weight = scorer.prior(i as u32, j as u32);
        let mut total = prior_weight;
        for (f, c) in self.comparisons.iter().enumerate() {
            let col = &records.columns[scorer.comparer.cols[f]];
            let value = |r: usize| {
                let code = col.codes[r];
                (code != NULL).then(|| col.values[code as usize].text.clone())
            };
            let g = gamma[f];
            let (level, m, u, weight, tf_adjustment) = if g == NULL_LEVEL {
                ("null".to_string(), None, None, 0.0, 0.0)
            } else {
                let l = &c.levels[g as usize];
                let tf = if g == 0 { scorer.tf_adjust(f, col.codes[i]) } else { 0.0 };
                (l.label.clone(), Some(l.m), Some(l.u), (l.m / l.u).log2(), tf)
            };
            total += weight + tf_adjustment;
            fields.push(FieldExplanation {
                column: c.column.clone(),
                left: value(i),
                right: value(j),
                level,
                m,
                u,
                weight,
                tf_adjustment,
            });
        }
        Ok(Explanation { prior_weight, fields, match_weight: total, match_probability: probability(total) })
    }
}

/// The match probability of a match weight: `2^w / (1 + 2^w)`.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// One field's part of an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldExplanation {
    /// Column.
    pub column: String,
    /// Normalised left value.
    pub left: Option<String>,
    /// Normalised right value.
    pub right: Option<String>,
    /// Comparison level label (`null` when a value is missing).
    pub level: String,
    /// m of the level.
    pub m: Option<f64>,
    /// u of the level.
    pub u: Option<f64>,
    /// `log2(m/u)`.
    pub weight: f64,
    /// Term-frequency adjustment `log2(u_exact / tf(value))` on the exact level.
    pub tf_adjustment: f64,
}

/// Why a pair got its score: prior plus each field's weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// `log2(λ/(1-λ))`, with the λ of the pair's sources when the model has source priors.
    pub prior_weight: f64,
    /// Per field.
    pub fields: Vec<FieldExplanation>,
    /// Sum of prior and field weights.
    pub match_weight: f64,
    /// Match probability.
    pub match_probability: f64,
}

/// Computes comparison levels of record pairs.
#[derive(Debug)]
pub(crate) struct Comparer<'a> {
    pub(crate) records: &'a Records,
    pub(crate) cols: Vec<usize>,
    pub(crate) kinds: Vec<FieldKind>,
    /// Per field: the record column whose presence on both sides turns this field off.
    gates: Vec<Option<usize>>,
}

/// What the comparer needs of one comparison: column, kind, and the column it stands in for.
pub(crate) type SpecCol = (String, FieldKind, Option<String>);

impl<'a> Comparer<'a> {
    pub(crate) fn new(spec_cols: &[SpecCol], records: &'a Records) -> Result<Self, Error> {
        if spec_cols.is_empty() {
            return Err(Error::Spec("at least one comparison is needed".into()));
        }
        if spec_cols.len() > MAX_COMPARISONS {
            return Err(Error::Spec(format!("at most {MAX_COMPARISONS} comparisons are supported")));
        }
        let index = |c: &String| {
            records.column_index(c).ok_or_else(|| Error::Spec(format!("column {c:?} is not among the record columns")))
        };
        let cols = spec_cols.iter().map(|(c, _, _)| index(c)).collect::<Result<Vec<_>, _>>()?;
        let gates = spec_cols.iter().map(|(_, _, g)| g.as_ref().map(index).transpose()).collect::<Result<_, _>>()?;
        Ok(Self { records, cols, kinds: spec_cols.iter().map(|(_, k, _)| *k).collect(), gates })
    }

    /// Whether field `f` is off for pair (i, j): it stands in for a column both records have.
    #[inline]
    fn gated(&self, f: usize, i: u32, j: u32) -> bool {
        self.gates[f].is_some_and(|g| {
            let codes = &self.records.columns[g].codes;
            codes[i as usize] != NULL && codes[j as usize] != NULL
        })
    }

    /// Levels of pair (i, j) into `out`.
    #[inline]
    pub(crate) fn levels(&self, i: u32, j: u32, out: &mut [u8]) {
        for (f, (&c, &kind)) in self.cols.iter().zip(&self.kinds).enumerate() {
            let col = &self.records.columns[c];
            let (a, b) = (col.codes[i as usize], col.codes[j as usize]);
            out[f] = if a == NULL || b == NULL || self.gated(f, i, j) {
                NULL_LEVEL
            } else if a == b {
                0
            } else {
                kind.level_of_different(col.view(a), col.view(b))
            };
        }
    }

    /// Levels of pair (i, j) packed 8 bits per field, for training: a field switched off by its
    /// gate keeps the level it would have, marked with [`GATED`], so that training can learn its
    /// m where EM cannot (`train`). [`unpack`] reads a marked level as missing.
    #[inline]
    fn training_pattern(&self, i: u32, j: u32) -> u128 {
        let mut g = [0u8; MAX_COMPARISONS];
        self.levels(i, j, &mut g[..self.cols.len()]);
        for (f, level) in g[..self.cols.len()].iter_mut().enumerate() {
            if self.gated(f, i, j) {
                let col = &self.records.columns[self.cols[f]];
                let (a, b) = (col.codes[i as usize], col.codes[j as usize]);
                if a != NULL && b != NULL {
                    let l = if a == b { 0 } else { self.kinds[f].level_of_different(col.view(a), col.view(b)) };
                    *level = if l == NULL_LEVEL { NULL_LEVEL } else { GATED | l };
                }
            }
        }
        pack(&g[..self.cols.len()])
    }
}

/// Marks, in a training pattern, the level of a field its gate switched off.
const GATED: u8 = 0x80;

fn pack(g: &[u8]) -> u128 {
    g.iter().enumerate().fold(0u128, |acc, (f, &l)| acc | (u128::from(l) << (8 * f)))
}

/// The levels of a pattern as EM sees them: gated levels ([`GATED`]) are missing.
fn unpack(p: u128, n: usize) -> Vec<u8> {
    unpack_raw(p, n).into_iter().map(|l| if l & GATED != 0 { NULL_LEVEL } else { l }).collect()
}

/// The bytes of a pattern, gated levels still marked.
fn unpack_raw(p: u128, n: usize) -> Vec<u8> {
    (0..n).map(|f| ((p >> (8 * f)) & 0xff) as u8).collect()
}

/// Scores pairs with a model: weight tables per level and term-frequency adjustments per value.
#[derive(Debug)]
pub(crate) struct Scorer<'a> {
    pub(crate) comparer: Comparer<'a>,
    prior: f64,
    /// Prior per pair of sources, when the model has them.
    priors: Option<PriorTable>,
    weights: Vec<Vec<f64>>,
    /// Per field with tf on: adjustment per value code.
    tf: Vec<Option<Vec<f64>>>,
    /// Fields in the order [`Scorer::weight_if_at_least`] compares them: cheap kinds first.
    order: Vec<usize>,
    /// `rest[k]`: the largest weight fields `order[k..]` can still add (0 for a missing value).
    rest: Vec<f64>,
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(model: &Model, records: &'a Records) -> Result<Self, Error> {
        Self::for_rule(model, records, None)
    }

    /// The scorer of the pairs a rule scores: with the rule's [`RuleParams`], Bayes' rule within
    /// its pairs (prior λ_rule, u of the rule's non-matches, the rule's own columns adding only
    /// their term-frequency adjustment); without, the global model.
    pub(crate) fn for_rule(model: &Model, records: &'a Records, rule: Option<&RuleParams>) -> Result<Self, Error> {
        let spec_cols: Vec<SpecCol> =
            model.comparisons.iter().map(|c| (c.column.clone(), c.kind, c.fallback_for.clone())).collect();
        let comparer = Comparer::new(&spec_cols, records)?;
        let weights: Vec<Vec<f64>> = model
            .comparisons
            .iter()
            .enumerate()
            .map(|(f, c)| match rule {
                Some(r) if r.columns.contains(&c.column) => vec![0.0; c.levels.len()],
                Some(r) => c.levels.iter().zip(&r.u[f]).map(|(l, u)| (l.m / u).log2()).collect(),
                None => c.levels.iter().map(|l| (l.m / l.u).log2()).collect(),
            })
            .collect();
        let tf: Vec<Option<Vec<f64>>> = model
            .comparisons
            .iter()
            .zip(&comparer.cols)
            .map(|(c, &col)| {
                c.tf.then(|| {
                    let column = &records.columns[col];
                    let n = column.non_null().max(1) as f64;
                    let u_exact = c.levels[0].u;
                    column.counts.iter().map(|&k| (u_exact / (f64::from(k) / n)).log2()).collect()
                })
            })
            .collect();
        let cost = |k: FieldKind| match k {
            FieldKind::Exact => 0,
            FieldKind::Numeric => 1,
            FieldKind::Date | FieldKind::Days => 2,
            FieldKind::Postcode => 3,
            FieldKind::Text => 4,
            FieldKind::Name => 5,
        };
        let mut order: Vec<usize> = (0..comparer.kinds.len()).collect();
        order.sort_by_key(|&f| cost(comparer.kinds[f]));
        let best = |f: usize| -> f64 {
            let w: &Vec<f64> = &weights[f];
            let top = w.iter().skip(1).copied().fold(f64::NEG_INFINITY, f64::max);
            let exact = w[0]
                + match &tf[f] {
                    Some(t) => t.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    None => 0.0,
                };
            top.max(exact).max(0.0)
        };
        let mut rest = vec![0.0; order.len() + 1];
        for k in (0..order.len()).rev() {
            rest[k] = rest[k + 1] + best(order[k]);
        }
        let priors = match &model.prior_by {
            Some(column) => Some(PriorTable::new(column, &model.source_priors, model.prior_weight(), records)?),
            None => None,
        };
        let prior = match rule {
            Some(r) => (r.lambda / (1.0 - r.lambda)).log2(),
            None => model.prior_weight(),
        };
        let priors = if rule.is_some() { None } else { priors };
        Ok(Self { comparer, prior, priors, weights, tf, order, rest })
    }

    /// Match weight of pair (i, j) if it reaches `floor`, else `None`. Fields are compared
    /// cheapest first and the comparison stops as soon as even the best outcome of the fields
    /// left cannot lift the weight to `floor` (branch and bound), so pairs that cannot be
    /// kept skip their costly string comparisons. Kept pairs get exactly [`Scorer::weight`].
    #[inline]
    pub(crate) fn weight_if_at_least(&self, i: u32, j: u32, floor: f64) -> Option<f64> {
        let records = self.comparer.records;
        let mut w = self.prior(i, j);
        for (k, &f) in self.order.iter().enumerate() {
            if w + self.rest[k] < floor {
                return None;
            }
            let col = &records.columns[self.comparer.cols[f]];
            let (a, b) = (col.codes[i as usize], col.codes[j as usize]);
            if a == NULL || b == NULL || self.comparer.gated(f, i, j) {
                continue;
            }
            let l = if a == b { 0 } else { self.comparer.kinds[f].level_of_different(col.view(a), col.view(b)) };
            if l == NULL_LEVEL {
                continue;
            }
            w += self.weights[f][l as usize];
            if l == 0 {
                w += self.tf_adjust(f, a);
            }
        }
        (w >= floor).then_some(w)
    }

    /// The evidence against pair (i, j) being a match, in bits (≤ 0): the sum of the field
    /// weights that are negative. Agreement elsewhere does not offset it, so two records with a
    /// common name but birth dates decades apart show strong evidence against.
    pub(crate) fn evidence_against(&self, i: u32, j: u32, counted: &[bool]) -> f64 {
        let n = self.weights.len();
        let mut g = [0u8; MAX_COMPARISONS];
        self.comparer.levels(i, j, &mut g[..n]);
        g[..n]
            .iter()
            .zip(&self.weights)
            .zip(counted)
            .filter(|&(_, &c)| c)
            .map(|(x, _)| x)
            .filter(|&(&l, _)| l != 0 && l != NULL_LEVEL)
            .map(|(&l, w)| w[l as usize])
            .filter(|&w| w < 0.0)
            .sum()
    }

    /// Prior match weight of pair (i, j): its sources' when the model has source priors.
    #[inline]
    pub(crate) fn prior(&self, i: u32, j: u32) -> f64 {
        match &self.priors {
            Some(t) => t.weight(i, j),
            None => self.prior,
        }
    }

    #[inline]
    pub(crate) fn tf_adjust(&self, f: usize, code: u32) -> f64 {
        match &self.tf[f] {
            Some(t) if code != NULL => t[code as usize],
            _ => 0.0,
        }
    }

    /// Match weight of pair (i, j), all fields in spec order (the reference for
    /// [`Scorer::weight_if_at_least`]).
    #[cfg(test)]
    pub(crate) fn weight(&self, i: u32, j: u32) -> f64 {
        let mut g = [0u8; MAX_COMPARISONS];
        let n = self.weights.len();
        self.comparer.levels(i, j, &mut g[..n]);
        let mut w = self.prior(i, j);
        for (f, &l) in g[..n].iter().enumerate() {
            if l != NULL_LEVEL {
                w += self.weights[f][l as usize];
                if l == 0 && self.tf[f].is_some() {
                    let code = self.comparer.records.columns[self.comparer.cols[f]].codes[i as usize];
                    w += self.tf_adjust(f, code);
                }
            }
        }
        w
    }
}

/// Result of [`em`].
#[derive(Debug, Clone, PartialEq)]
pub struct EmResult {
    /// Share of matches.
    pub lambda: f64,
    /// m per field and level (inactive fields unchanged).
    pub m: Vec<Vec<f64>>,
    /// u per field and level: the fixed u, or with [`em_free_u`] the non-match class's own.
    pub u: Vec<Vec<f64>>,
    /// Log-likelihood before each iteration and after the last.
    pub log_likelihood: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Whether parameters moved less than the tolerance.
    pub converged: bool,
}

/// EM for the two-class latent model on comparison patterns (Winkler 1988): `patterns` are
/// `(levels, count)`; u is held fixed; only `active` fields enter the likelihood and get m
/// re-estimated. Each iteration cannot lower the observed-data log-likelihood
/// `Σ c · log(λ Π m + (1-λ) Π u)` (Dempster, Laird & Rubin 1977).
pub fn em(
    patterns: &[(Vec<u8>, f64)],
    u: &[Vec<f64>],
    m0: &[Vec<f64>],
    lambda0: f64,
    active: &[bool],
    max_iterations: usize,
    tolerance: f64,
) -> EmResult {
    em_general(patterns, u, m0, lambda0, active, (true, false), max_iterations, tolerance)
}

/// [`em`] with u estimated too, as the non-match class of the pairs themselves (Jaro 1989):
/// within a blocking rule's pairs the non-matches agree on the other fields far more often than
/// random pairs do (relatives share a family name, a nationality and a municipality; people of
/// one nationality share given names), so the population's u would leave that excess agreement
/// for the match class to explain, and EM runs away to a "match" class of look-alikes. Only m
/// leaves the rule: P(level | match) does not depend on how the pairs were blocked when a
/// person's recording errors in different fields are independent, P(level | non-match) does.
pub fn em_free_u(
    patterns: &[(Vec<u8>, f64)],
    u0: &[Vec<f64>],
    m0: &[Vec<f64>],
    lambda0: f64,
    active: &[bool],
    max_iterations: usize,
    tolerance: f64,
) -> EmResult {
    em_general(patterns, u0, m0, lambda0, active, (true, true), max_iterations, tolerance)
}

/// EM for the two-class model; `(free_m, free_u)` say which of m and u the M step moves ([`em`]:
/// m; [`em_free_u`]: both; [`fit_conditional`]: u, with m from training).
#[allow(clippy::too_many_arguments)]
fn em_general(
    patterns: &[(Vec<u8>, f64)],
    u0: &[Vec<f64>],
    m0: &[Vec<f64>],
    lambda0: f64,
    active: &[bool],
    (free_m, free_u): (bool, bool),
    max_iterations: usize,
    tolerance: f64,
) -> EmResult {
    let mut m: Vec<Vec<f64>> = m0.to_vec();
    let mut u: Vec<Vec<f64>> = u0.to_vec();
    let mut lambda = lambda0;
    let mut lls = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    let log_likelihood = |m: &Vec<Vec<f64>>, u: &Vec<Vec<f64>>, lambda: f64| -> f64 {
        patterns
            .iter()
            .map(|(g, c)| {
                let (a, b) = log_parts(m, u, lambda, active, g);
                let hi = a.max(b);
                c * (hi + ((a - hi).exp() + (b - hi).exp()).ln())
            })
            .sum()
    };
    while iterations < max_iterations {
        lls.push(log_likelihood(&m, &u, lambda));
        // E step: posterior match probability of each pattern; M step: weighted shares.
        let mut total = 0.0;
        let mut matched = 0.0;
        let mut num: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut num_u: Vec<Vec<f64>> = u.iter().map(|l| vec![0.0; l.len()]).collect();
        for (g, c) in patterns {
            let (a, b) = log_parts(&m, &u, lambda, active, g);
            let w = 1.0 / (1.0 + (b - a).exp());
            total += c;
            matched += c * w;
            for (f, &l) in g.iter().enumerate() {
                if active[f] && l != NULL_LEVEL {
                    num[f][l as usize] += c * w;
                    num_u[f][l as usize] += c * (1.0 - w);
                }
            }
        }
        let mut change: f64 = 0.0;
        let new_lambda = if total > 0.0 { matched / total } else { lambda };
        change = change.max((new_lambda - lambda).abs());
        lambda = new_lambda.clamp(1e-12, 1.0 - 1e-12);
        for f in 0..m.len() {
            if !active[f] {
                continue;
            }
            let s: f64 = num[f].iter().sum();
            if free_m && s > 0.0 {
                for (k, x) in num[f].iter().enumerate() {
                    let v = if free_u { (x / s).max(FLOOR) } else { x / s };
                    change = change.max((v - m[f][k]).abs());
                    m[f][k] = v;
                }
            }
            let s: f64 = num_u[f].iter().sum();
            if free_u && s > 0.0 {
                for (k, x) in num_u[f].iter().enumerate() {
                    let v = (x / s).max(FLOOR);
                    change = change.max((v - u[f][k]).abs());
                    u[f][k] = v;
                }
            }
        }
        iterations += 1;
        if change < tolerance {
            converged = true;
            break;
        }
    }
    lls.push(log_likelihood(&m, &u, lambda));
    EmResult { lambda, m, u, log_likelihood: lls, iterations, converged }
}

/// `(ln λ P(g | match), ln (1-λ) P(g | non-match))` of comparison pattern `g` over the
/// `active` fields.
fn log_parts(m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64, active: &[bool], g: &[u8]) -> (f64, f64) {
    let (mut a, mut b) = (lambda.ln(), (1.0 - lambda).ln());
    for (f, &l) in g.iter().enumerate() {
        if active[f] && l != NULL_LEVEL {
            a += m[f][l as usize].ln();
            b += u[f][l as usize].ln();
        }
    }
    (a, b)
}

/// Starting m: halving shares from the exact level down, so EM starts in the "match" mode
/// (agreement likelier among matches than among non-matches).
fn initial_m(n: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..n).map(|k| 0.5f64.powi(k as i32)).collect();
    let s: f64 = raw.iter().sum();
    raw.iter().map(|x| x / s).collect()
}

fn floored(p: &[f64]) -> Vec<f64> {
    let f: Vec<f64> = p.iter().map(|x| x.max(FLOOR)).collect();
    let s: f64 = f.iter().sum();
    f.iter().map(|x| x / s).collect()
}

/// Estimates u from about `spec.u_pairs` random record pairs: a seeded random sample of
/// records (ChaCha8) is drawn and *all* pairs within it are compared — for linkage, all pairs
/// across samples of both inputs — as Splink's `estimate_u_using_random_sampling` does. Every
/// such pair is a uniformly random pair, nearly always a non-match, and comparing within a
/// small sample keeps the values in cache. u of a field is its level shares among sampled
/// pairs where both values are present; levels never seen get one pseudo-count.
pub fn estimate_u(spec: &LinkSpec, records: &Records, ctl: &dyn Progress) -> Result<(Vec<Vec<f64>>, u64), Error> {
    let comparer = Comparer::new(&spec_cols(spec), records)?;
    let n = records.len();
    if records.total_pairs() == 0 {
        return Err(Error::Empty(": at least two records are needed"));
    }
    let target = spec.u_pairs.max(1) as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    // (rows, columns) of the comparison grid: left and right samples, or one sample twice.
    let (rows, cols): (Vec<u32>, Vec<u32>) = if records.link {
        let (nl, nr) = (records.n_left, n - records.n_left);
        let k = target.sqrt().ceil() as usize;
        let (kl, kr) = if nl < k {
            (nl, ((target / nl as f64).ceil() as usize).min(nr))
        } else if nr < k {
            (((target / nr as f64).ceil() as usize).min(nl), nr)
        } else {
            (k, k)
        };
        let left = sample_indices(&mut rng, nl, kl);
        let right = sample_indices(&mut rng, nr, kr).into_iter().map(|r| r + nl as u32).collect();
        (left, right)
    } else {
        let k = ((1.0 + (1.0 + 8.0 * target).sqrt()) / 2.0).ceil() as usize;
        let s = sample_indices(&mut rng, n, k.min(n));
        (s.clone(), s)
    };
    let pairs = if records.link {
        (rows.len() * cols.len()) as u64
    } else {
        (rows.len() * rows.len().saturating_sub(1) / 2) as u64
    };
    let nf = comparer.cols.len();
    ctl.start("estimating u from random pairs", pairs * nf as u64);
    let link = records.link;
    let mut u = Vec::with_capacity(nf);
    for f in 0..nf {
        let col = &records.columns[comparer.cols[f]];
        let kind = comparer.kinds[f];
        // Distinct values of the samples with multiplicities: each distinct pair of values is
        // compared once and counted as often as the record pairs holding it.
        let distinct = |idx: &[u32]| -> Vec<(u32, u64)> {
            let mut m: FastMap<u32, u64> = FastMap::default();
            for &r in idx {
                let c = col.codes[r as usize];
                if c != NULL {
                    *m.entry(c).or_insert(0) += 1;
                }
            }
            let mut v: Vec<(u32, u64)> = m.into_iter().collect();
            v.sort_unstable();
            v
        };
        let left = distinct(&rows);
        let right = if link { distinct(&cols) } else { Vec::new() };
        let counts = (0..left.len())
            .into_par_iter()
            .fold(
                || vec![0u64; kind.n_levels()],
                |mut counts, r| {
                    if ctl.advance(0).is_err() {
                        return counts;
                    }
                    let (a, ka) = left[r];
                    let va = col.view(a);
                    let others = if link {
                        &right[..]
                    } else {
                        // Pairs of records sharing the value: exact agreement.
                        counts[0] += ka * (ka - 1) / 2;
                        &left[r + 1..]
                    };
                    for &(b, kb) in others {
                        let l = if a == b { 0 } else { kind.level_of_different(va, col.view(b)) };
                        if l != NULL_LEVEL {
                            counts[l as usize] += ka * kb;
                        }
                    }
                    // A stop is seen by the next unit's check.
                    let _ = ctl.advance(others.len() as u64);
                    counts
                },
            )
            .reduce(
                || vec![0u64; kind.n_levels()],
                |mut a, b| {
                    for (p, q) in a.iter_mut().zip(b) {
                        *p += q;
                    }
                    a
                },
            );
        ctl.advance(0)?;
        let s = counts.iter().map(|&x| x.max(1) as f64).sum::<f64>();
        u.push(floored(&counts.iter().map(|&x| x.max(1) as f64 / s).collect::<Vec<_>>()));
    }
    ctl.finish();
    Ok((u, pairs))
}

/// `k` distinct indices from `0..n`, uniformly (partial Fisher–Yates on a virtual array).
fn sample_indices(rng: &mut ChaCha8Rng, n: usize, k: usize) -> Vec<u32> {
    let k = k.min(n);
    let mut swapped: FastMap<usize, usize> = FastMap::default();
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let j = rng.random_range(i..n);
        let vj = *swapped.get(&j).unwrap_or(&j);
        let vi = *swapped.get(&i).unwrap_or(&i);
        swapped.insert(j, vi);
        out.push(vj as u32);
    }
    out.sort_unstable();
    out
}

fn spec_cols(spec: &LinkSpec) -> Vec<SpecCol> {
    spec.comparisons.iter().map(|c| (c.column.clone(), c.kind, c.fallback_for.clone())).collect()
}

/// Comparison patterns (with counts) of the pairs of one rule: all pairs when there are at
/// most `max` of them, else all pairs of randomly chosen whole blocks, about `max` pairs.
/// With [`LinkSpec::prior_by`] the pair's source pair ([`crate::prior`]) is in bits 120–127.
/// Returns the patterns, the rule's pairs and the pairs used.
pub fn rule_patterns(
    comparer_spec: &LinkSpec,
    records: &Records,
    rule: &BlockingRule,
    max: u64,
    seed: u64,
    ctl: &dyn Progress,
) -> Result<(FastMap<u128, u64>, u64, u64), Error> {
    let comparer = Comparer::new(&spec_cols(comparer_spec), records)?;
    let sources = Sources::of(comparer_spec, records)?;
    // The pair's sources ride in the pattern's last byte, so matches can be counted per pair of
    // sources after EM (`train`); without `prior_by` it is 0 and the patterns are as before.
    let key = |i: u32, j: u32| {
        comparer.training_pattern(i, j) | sources.as_ref().map_or(0, |s| u128::from(s.pair(i, j)) << 120)
    };
    let rb = block::blocks(rule, records)?;
    let link = records.link;
    let merge = |mut a: FastMap<u128, u64>, b: FastMap<u128, u64>| {
        let (mut big, small) = if a.len() >= b.len() { (std::mem::take(&mut a), b) } else { (b, a) };
        for (k, v) in small {
            *big.entry(k).or_insert(0) += v;
        }
        big
    };
    if rb.pairs <= max {
        ctl.start(&format!("training on rule {rule}"), rb.pairs);
        let pats = rb
            .blocks
            .par_iter()
            .map(|b| {
                if ctl.advance(0).is_err() {
                    return FastMap::default();
                }
                let mut h: FastMap<u128, u64> = FastMap::default();
                for row in 0..b.rows(link) {
                    b.for_each_in_row(link, row, |i, j| *h.entry(key(i, j)).or_insert(0) += 1);
                }
                // A stop is seen by the next unit's check.
                let _ = ctl.advance(b.pairs(link));
                h
            })
            .reduce(FastMap::default, merge);
        ctl.finish();
        ctl.advance(0)?;
        return Ok((pats, rb.pairs, rb.pairs));
    }
    // Too many pairs: a cluster sample of whole blocks, taken in a seeded random order until
    // `max` pairs are reached. Every block, hence every pair, has about the same chance to be
    // in the sample, and enumerating whole blocks keeps their records in cache.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5851_F42D_4C95_7F2D);
    let mut order: Vec<usize> = (0..rb.blocks.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut chosen = Vec::new();
    let mut used = 0u64;
    for b in order {
        if used >= max {
            break;
        }
        used += rb.blocks[b].pairs(link);
        chosen.push(b);
    }
    ctl.start(&format!("training on a sample of rule {rule}"), used);
    let pats = chosen
        .par_iter()
        .map(|&bi| {
            let b = &rb.blocks[bi];
            if ctl.advance(0).is_err() {
                return FastMap::default();
            }
            let mut h: FastMap<u128, u64> = FastMap::default();
            for row in 0..b.rows(link) {
                b.for_each_in_row(link, row, |i, j| *h.entry(key(i, j)).or_insert(0) += 1);
            }
            // A stop is seen by the next unit's check.
            let _ = ctl.advance(b.pairs(link));
            h
        })
        .reduce(FastMap::default, merge);
    ctl.finish();
    ctl.advance(0)?;
    Ok((pats, rb.pairs, used))
}

/// EM on one training rule's patterns ([`em_free_u`], kept over [`em`] with the random pairs' u
/// when BIC prefers it) from several starts — λ of 1 %, 10 % and
/// 50 % with m halving from the exact level, and u from random pairs — keeping the fit of highest
/// likelihood whose match class is the agreeing one (McLachlan & Peel 2000, §2.12 on multiple
/// starts; the class with more agreement is the match class, which fixes the label switch).
fn train_rule(
    patterns: &[(Vec<u8>, f64)],
    u: &[Vec<f64>],
    m_init: &[Vec<f64>],
    active: &[bool],
    spec: &LinkSpec,
) -> EmResult {
    let mut best: Option<EmResult> = None;
    for lambda0 in [0.01, 0.1, 0.5] {
        let mut res = em_free_u(patterns, u, m_init, lambda0, active, spec.em_max_iterations, spec.em_tolerance);
        if agreement_weight(&res.u, active) > agreement_weight(&res.m, active) {
            std::mem::swap(&mut res.m, &mut res.u);
            res.lambda = 1.0 - res.lambda;
        }
        let ll = *res.log_likelihood.last().unwrap_or(&f64::NEG_INFINITY);
        if best.as_ref().is_none_or(|b| ll > *b.log_likelihood.last().unwrap_or(&f64::NEG_INFINITY) + 1e-9) {
            best = Some(res);
        }
    }
    let free = best.expect("at least one start");
    // The block's own u only where the data call for it (Schwarz 1978): it adds Σ (levels − 1)
    // parameters over the active fields, and in a block of nearly only matches (or of too few
    // pairs) the extra class is invented from the matches' own errors.
    let fixed = em(patterns, u, m_init, 0.1, active, spec.em_max_iterations, spec.em_tolerance);
    let pairs: f64 = patterns.iter().map(|(_, c)| c).sum();
    let extra: usize = u.iter().zip(active).filter(|(_, a)| **a).map(|(l, _)| l.len() - 1).sum();
    let ll = |r: &EmResult| *r.log_likelihood.last().unwrap_or(&f64::NEG_INFINITY);
    if pairs >= MIN_PAIRS_FREE_U && ll(&free) - ll(&fixed) > 0.5 * extra as f64 * pairs.ln() { free } else { fixed }
}

/// Fewest pairs in a training rule for EM to estimate the block's own u.
const MIN_PAIRS_FREE_U: f64 = 100.0;

/// Sum over the active fields of the exact level's probability: which class agrees more.
fn agreement_weight(p: &[Vec<f64>], active: &[bool]) -> f64 {
    p.iter().zip(active).filter(|(_, a)| **a).map(|(l, _)| l[0]).sum()
}

/// Trains a model on `records`: u by random sampling, m by EM per training rule, λ from the
/// rules' match counts (see the module documentation).
pub fn train(spec: &LinkSpec, records: &Records, ctl: &dyn Progress) -> Result<Model, Error> {
    let (u, u_pairs) = estimate_u(spec, records, ctl)?;
    let nf = spec.comparisons.len();
    let m_init: Vec<Vec<f64>> = spec.comparisons.iter().map(|c| initial_m(c.kind.n_levels())).collect();
    let mut m_sum: Vec<Vec<f64>> = m_init.iter().map(|l| vec![0.0; l.len()]).collect();
    let mut m_n = vec![0usize; nf];
    // Levels of gated fields among the matches of each rule (shares), and the rules seen.
    let mut gated_sum: Vec<Vec<f64>> = m_init.iter().map(|l| vec![0.0; l.len()]).collect();
    let mut gated_n = vec![0usize; nf];
    let mut reports = Vec::new();
    // (λ_rule · N_rule, rule columns) for the λ estimate once m is known.
    let mut rule_matches: Vec<(f64, Vec<String>)> = Vec::new();
    let sources = Sources::of(spec, records)?;
    // Per rule: expected matches per source pair code, scaled to all the rule's pairs.
    let mut source_matches: Vec<Vec<f64>> = Vec::new();
    for (r, rule) in spec.training_rules().iter().enumerate() {
        ctl.advance(0)?;
        let seed = spec.seed.wrapping_add(r as u64 + 1);
        let (pats, pairs, used) = rule_patterns(spec, records, rule, spec.max_training_pairs, seed, ctl)?;
        let active: Vec<bool> = spec.comparisons.iter().map(|c| !rule.columns.contains(&c.column)).collect();
        if pairs == 0 || !active.iter().any(|&a| a) {
            reports.push(RuleTraining {
                rule: rule.to_string(),
                pairs,
                used,
                patterns: pats.len(),
                lambda_rule: 0.0,
                iterations: 0,
                converged: false,
            });
            continue;
        }
        let mut patterns: Vec<(Vec<u8>, f64)> = pats.iter().map(|(&p, &c)| (unpack(p, nf), c as f64)).collect();
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        let res = train_rule(&patterns, &u, &m_init, &active, spec);
        // The posterior of each pattern, for what EM does not estimate itself: the matches per
        // pair of sources, and the levels of gated fields among matches (below).
        let mut by_source = vec![0.0; 256];
        let mut gated: Vec<Vec<f64>> = m_init.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut keyed: Vec<(&u128, &u64)> = pats.iter().collect();
        keyed.sort_unstable_by_key(|(p, _)| **p);
        for (&p, &c) in keyed {
            let raw = unpack_raw(p, nf);
            let (a, b) = log_parts(&res.m, &res.u, res.lambda, &active, &unpack(p, nf));
            let w = c as f64 / (1.0 + (b - a).exp());
            by_source[(p >> 120) as usize] += w;
            for (f, &l) in raw.iter().enumerate() {
                if active[f] && l != NULL_LEVEL && l & GATED != 0 {
                    gated[f][usize::from(l & !GATED)] += w;
                }
            }
        }
        if sources.is_some() {
            let scale = pairs as f64 / used.max(1) as f64;
            source_matches.push(by_source.iter().map(|x| x * scale).collect());
        }
        for f in 0..nf {
            // Only rules whose pairs show the field count for its m: a rule in which the field is
            // always missing or gated leaves EM's starting value, which is no estimate.
            if active[f] && patterns.iter().any(|(g, _)| g[f] != NULL_LEVEL) {
                for (s, x) in m_sum[f].iter_mut().zip(&res.m[f]) {
                    *s += x;
                }
                m_n[f] += 1;
            }
            let total: f64 = gated[f].iter().sum();
            if total > 0.0 {
                for (s, x) in gated_sum[f].iter_mut().zip(&gated[f]) {
                    *s += x / total;
                }
                gated_n[f] += 1;
            }
        }
        rule_matches.push((res.lambda * pairs as f64, rule.columns.clone()));
        reports.push(RuleTraining {
            rule: rule.to_string(),
            pairs,
            used,
            patterns: patterns.len(),
            lambda_rule: res.lambda,
            iterations: res.iterations,
            converged: res.converged,
        });
    }
    let m: Vec<Vec<f64>> = (0..nf)
        .map(|f| {
            if m_n[f] > 0 {
                floored(&m_sum[f].iter().map(|s| s / m_n[f] as f64).collect::<Vec<_>>())
            } else if gated_n[f] > 0 {
                floored(&gated_sum[f].iter().map(|s| s / gated_n[f] as f64).collect::<Vec<_>>())
            } else {
                m_init[f].clone()
            }
        })
        .collect();
    // λ: matches in the population = matches in the rule / the rule's recall.
    let n = records.len() as f64;
    let present = |c: &str| records.columns[records.column_index(c).expect("resolved")].non_null() as f64 / n;
    let rules = rule_matches.iter().map(|(matches, cols)| (*matches, cols.as_slice()));
    let estimate = matches_from_rules(spec, &m, rules, |c| present(c) * present(c));
    let per_rule: Vec<(String, f64)> = rule_matches
        .iter()
        .filter_map(|(matches, cols)| {
            let one = std::iter::once((*matches, cols.as_slice()));
            matches_from_rules(spec, &m, one, |c| present(c) * present(c)).map(|x| (cols.join(","), x))
        })
        .collect();
    let total = records.total_pairs() as f64;
    let lambda = match estimate {
        Some(matches) => matches / total,
        // No usable training rule: one match per record, the usual deduplication prior.
        None => (n / 2.0) / total,
    }
    .clamp(1e-12, 0.5);
    let source_priors = match &sources {
        Some(sources) => source_priors(spec, records, sources, &m, &rule_matches, &source_matches),
        None => Vec::new(),
    };
    let comparisons: Vec<ComparisonParams> = spec
        .comparisons
        .iter()
        .enumerate()
        .map(|(f, c)| ComparisonParams {
            column: c.column.clone(),
            kind: c.kind,
            tf: c.tf,
            fallback_for: c.fallback_for.clone(),
            levels: c
                .kind
                .level_labels()
                .iter()
                .enumerate()
                .map(|(k, label)| LevelParams { label: (*label).to_string(), m: m[f][k], u: u[f][k] })
                .collect(),
            m_estimated: m_n[f] > 0 || gated_n[f] > 0,
        })
        .collect();
    Ok(Model {
        version: 1,
        lambda,
        prior_by: spec.prior_by.clone(),
        source_priors,
        training: TrainingReport {
            u_pairs,
            warnings: check_training(&comparisons, &reports, &per_rule),
            rules: reports,
        },
        comparisons,
        conditional: Vec::new(),
    })
}

/// Fits the model within each prediction rule's pairs (each block its own mixture, as Jaro 1989
/// and Winkler 1988 fitted blocked pairs): m stays the trained one, λ and u are each rule's own,
/// by EM on the comparison patterns of the rule's pairs (whole blocks in a random order, at most
/// [`CONDITIONAL_MAX_PAIRS`]). Why: among pairs that agree on a rule's columns the non-matches agree on
/// the other fields far more often than random pairs do (relatives share a family name, a
/// municipality and a birth year; people of one nationality share given names and their sex),
/// so scoring them with the random pairs' u multiplies correlated agreements as if independent
/// and gives probabilities near 1 to look-alikes. Within the rule only the assumption that
/// recording errors are independent among matches is left. A pair is then scored by Bayes' rule
/// within the pairs of the first rule that makes it (`Scorer::for_rule`). Sharing m between
/// the rules and re-estimating it there was tried and not kept: in large blocks of namesakes
/// the match class ran away to "same given name" and took m of the birth date to 0.
pub fn fit_conditional(
    model: &mut Model,
    spec: &LinkSpec,
    records: &Records,
    plan: &[block::RuleBlocks],
    ctl: &dyn Progress,
) -> Result<(), Error> {
    let nf = model.comparisons.len();
    let cols = spec_cols(spec);
    let comparer = Comparer::new(&cols, records)?;
    let link = records.link;
    // Per rule: its patterns, the fields outside it, its pairs and the pairs used.
    type RuleFit = (Vec<(Vec<u8>, f64)>, Vec<bool>, u64, u64);
    let mut rules: Vec<RuleFit> = Vec::new();
    for (k, rb) in plan.iter().enumerate() {
        ctl.advance(0)?;
        // Whole blocks in a seeded random order up to the training maximum of pairs.
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ (0x9E37_79B9 + k as u64));
        let mut order: Vec<usize> = (0..rb.blocks.len()).collect();
        for i in (1..order.len()).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let mut chosen = Vec::new();
        let mut used = 0u64;
        for b in order {
            if used >= spec.max_training_pairs.min(CONDITIONAL_MAX_PAIRS) {
                break;
            }
            used += rb.blocks[b].pairs(link);
            chosen.push(b);
        }
        ctl.start(&format!("fitting the model within rule {}", rb.rule), used);
        let (pats, n_used) = chosen
            .par_iter()
            .map(|&bi| {
                let b = &rb.blocks[bi];
                let mut h: FastMap<u128, u64> = FastMap::default();
                let mut n = 0u64;
                if ctl.advance(0).is_err() {
                    return (h, n);
                }
                for row in 0..b.rows(link) {
                    b.for_each_in_row(link, row, |i, j| {
                        n += 1;
                        *h.entry(comparer.training_pattern(i, j)).or_insert(0) += 1;
                    });
                }
                // A stop is seen by the next unit's check.
                let _ = ctl.advance(b.pairs(link));
                (h, n)
            })
            .reduce(
                || (FastMap::default(), 0),
                |(mut a, x), (b, y)| {
                    for (p, c) in b {
                        *a.entry(p).or_insert(0) += c;
                    }
                    (a, x + y)
                },
            );
        ctl.finish();
        ctl.advance(0)?;
        let scale_pairs = if used == 0 { 0 } else { (rb.pairs as f64 * n_used as f64 / used as f64) as u64 };
        let mut patterns: Vec<(Vec<u8>, f64)> = pats.iter().map(|(&p, &c)| (unpack(p, nf), c as f64)).collect();
        patterns.sort_by(|a, b| a.0.cmp(&b.0));
        let active: Vec<bool> = model.comparisons.iter().map(|c| !rb.rule.columns.contains(&c.column)).collect();
        rules.push((patterns, active, scale_pairs, n_used));
    }
    let m: Vec<Vec<f64>> = model.comparisons.iter().map(|c| c.levels.iter().map(|l| l.m).collect()).collect();
    let u0: Vec<Vec<f64>> = model.comparisons.iter().map(|c| c.levels.iter().map(|l| l.u).collect()).collect();
    let mut us: Vec<Vec<Vec<f64>>> = vec![u0; rules.len()];
    let mut lambdas = vec![0.1; rules.len()];
    for (k, (patterns, active, _, _)) in rules.iter().enumerate() {
        ctl.advance(0)?;
        let (iterations, tolerance) = (spec.em_max_iterations, spec.em_tolerance);
        let free = em_general(patterns, &us[k], &m, lambdas[k], active, (false, true), iterations, tolerance);
        let fixed = em_general(
            patterns,
            &us[k],
            &m,
            lambdas[k],
            active,
            (false, false),
            spec.em_max_iterations,
            spec.em_tolerance,
        );
        let res = if own_u_called_for(patterns, active, &us[k], &free, &fixed) { free } else { fixed };
        lambdas[k] = res.lambda;
        us[k] = res.u;
    }
    model.conditional = plan
        .iter()
        .zip(rules)
        .enumerate()
        .map(|(k, (rb, (_, _, pairs, used)))| RuleParams {
            rule: rb.rule.to_string(),
            columns: rb.rule.columns.clone(),
            lambda: lambdas[k],
            u: us[k].clone(),
            pairs,
            used,
        })
        .collect();
    Ok(())
}

/// Pairs per prediction rule that [`fit_conditional`] compares (whole blocks in a seeded random
/// order). Not fewer: in a block of namesakes with three matches in a thousand pairs, a quarter of a
/// million pairs left too few matches (holdout, hand rules: ECE over pairs ≥ 0.5 0.019 → 0.157).
const CONDITIONAL_MAX_PAIRS: u64 = 2_000_000;

/// Whether a rule's pairs call for their own u (`free`) rather than the random pairs' (`fixed`,
/// λ alone fitted): only where non-matches are most of the pairs and at least
/// [`MIN_NON_MATCHES_OWN_U`] of them, and BIC prefers it (Schwarz 1978). In a block of nearly
/// only matches (a national number, a full date of birth) the "non-match" class would be
/// invented from the matches' own errors, and every match with one error would be scored as a
/// non-match.
fn own_u_called_for(
    patterns: &[(Vec<u8>, f64)],
    active: &[bool],
    u: &[Vec<f64>],
    free: &EmResult,
    fixed: &EmResult,
) -> bool {
    let pairs: f64 = patterns.iter().map(|(_, c)| c).sum();
    let extra: usize = u.iter().zip(active).filter(|(_, a)| **a).map(|(l, _)| l.len() - 1).sum();
    let ll = |r: &EmResult| *r.log_likelihood.last().unwrap_or(&f64::NEG_INFINITY);
    free.lambda <= 0.5
        && (1.0 - free.lambda) * pairs >= MIN_NON_MATCHES_OWN_U
        && ll(free) - ll(fixed) > 0.5 * extra as f64 * pairs.max(1.0).ln()
}

/// Fewest non-matches among a rule's pairs for their own u to be estimated.
const MIN_NON_MATCHES_OWN_U: f64 = 1000.0;

/// The checks after training (issue 15): a field whose agreement came out likelier among
/// non-matches than among matches (EM's match class is then something else), a field no rule
/// estimated, a rule that made no pairs or put nearly all its pairs in the match class with the
/// random pairs' u (a run-away), and training rules that disagree by more than a factor of three
/// on the number of matches in the data (λ's cross-check, each rule's matches over its recall).
pub fn check_training(
    comparisons: &[ComparisonParams],
    rules: &[RuleTraining],
    matches_per_rule: &[(String, f64)],
) -> Vec<String> {
    let mut out = Vec::new();
    for c in comparisons {
        if !c.m_estimated {
            out.push(format!(
                "no training rule estimated m of {}: every rule blocks on it or its pairs never show it; give a training rule that leaves it free",
                c.column
            ));
        } else if c.levels[0].m < c.levels[0].u {
            out.push(format!(
                "{}: agreement came out likelier among non-matches (u {:.3}) than among matches (m {:.3}); EM's match class is not the same persons — choose training rules that leave more fields free",
                c.column, c.levels[0].u, c.levels[0].m
            ));
        }
    }
    for r in rules {
        if r.pairs == 0 {
            out.push(format!("training rule {} makes no pairs: it estimates nothing", r.rule));
        } else if r.lambda_rule > 0.999 && r.pairs >= 1000 {
            out.push(format!(
                "training rule {}: EM put {:.1} % of its {} pairs in the match class; if they are not nearly all the same persons, the rule is too loose to train on",
                r.rule,
                100.0 * r.lambda_rule,
                r.pairs
            ));
        }
    }
    let finite: Vec<&(String, f64)> = matches_per_rule.iter().filter(|(_, x)| x.is_finite() && *x > 0.0).collect();
    if let (Some(lo), Some(hi)) =
        (finite.iter().min_by(|a, b| a.1.total_cmp(&b.1)), finite.iter().max_by(|a, b| a.1.total_cmp(&b.1)))
        && hi.1 > 3.0 * lo.1
    {
        out.push(format!(
            "the training rules disagree on the number of matches: rule {} implies {:.0}, rule {} {:.0}; λ is their median",
            lo.0, lo.1, hi.0, hi.1
        ));
    }
    out
}

/// The median of `x` (mean of the middle two for an even count), `None` when empty.
fn median(mut x: Vec<f64>) -> Option<f64> {
    x.sort_by(f64::total_cmp);
    let k = x.len();
    match k {
        0 => None,
        _ if k % 2 == 1 => Some(x[k / 2]),
        _ => Some((x[k / 2 - 1] + x[k / 2]) / 2.0),
    }
}

/// Matches in a comparison space from the training rules (module documentation): each rule's
/// expected matches over its recall, `Π m_exact · P(present on both sides)` over its compared
/// columns; the median over the rules with a usable estimate, `None` when there is none.
fn matches_from_rules<'a>(
    spec: &LinkSpec,
    m: &[Vec<f64>],
    rules: impl Iterator<Item = (f64, &'a [String])>,
    both_present: impl Fn(&str) -> f64,
) -> Option<f64> {
    let estimates = rules
        .map(|(matches, cols)| {
            let recall: f64 = cols
                .iter()
                .filter_map(|c| {
                    let f = spec.comparisons.iter().position(|x| &x.column == c)?;
                    Some(m[f][0] * both_present(c))
                })
                .product();
            matches / recall.max(FLOOR)
        })
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    median(estimates)
}

/// λ per pair of sources ([`crate::prior`]): [`matches_from_rules`] with each rule's expected
/// matches between the two sources and their presence `P(present | a) · P(present | b)`, over the
/// pairs between the two sources. Source pairs without pairs or without a usable estimate are
/// left out (they score with the global λ).
fn source_priors(
    spec: &LinkSpec,
    records: &Records,
    sources: &Sources,
    m: &[Vec<f64>],
    rule_matches: &[(f64, Vec<String>)],
    source_matches: &[Vec<f64>],
) -> Vec<SourcePrior> {
    let pairs = sources.pairs(records);
    let mut presence: std::collections::HashMap<&str, Vec<f64>> = std::collections::HashMap::new();
    for (_, cols) in rule_matches {
        for c in cols {
            if let Some(i) = records.column_index(c) {
                presence.entry(c.as_str()).or_insert_with(|| sources.presence(records, i));
            }
        }
    }
    let mut out = Vec::new();
    for a in 0..sources.len() {
        for b in a..sources.len() {
            let code = 16 * a + b;
            if pairs[code] == 0 {
                continue;
            }
            let rules =
                rule_matches.iter().zip(source_matches).map(|((_, cols), matches)| (matches[code], cols.as_slice()));
            let both = |c: &str| presence.get(c).map_or(1.0, |p| p[a] * p[b]);
            if let Some(matches) = matches_from_rules(spec, m, rules, both) {
                out.push(SourcePrior {
                    sources: sources.names_of(code as u8),
                    lambda: (matches / pairs[code] as f64).clamp(1e-12, 0.5),
                    pairs: pairs[code],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected pattern counts of a two-class model with three binary fields (level 0 agree,
    /// 1 disagree): matches agree with probability `m`, non-matches with `u`, for every field.
    fn mixture(n: f64, lambda: f64, m: f64, u: f64) -> Vec<(Vec<u8>, f64)> {
        (0..8u8)
            .map(|bits| {
                let g: Vec<u8> = (0..3).map(|f| (bits >> f) & 1).collect();
                let p = |q: f64| g.iter().map(|&l| if l == 0 { q } else { 1.0 - q }).product::<f64>();
                let count = n * (lambda * p(m) + (1.0 - lambda) * p(u));
                (g, count)
            })
            .collect()
    }

    #[test]
    fn em_with_the_blocks_own_u_does_not_run_away() {
        // In the block, non-matches agree on each field a third of the time (relatives), while
        // random pairs agree 1 % of the time.
        let patterns = mixture(10_000.0, 0.3, 0.9, 0.33);
        let global_u = vec![vec![0.01, 0.99]; 3];
        let m0 = vec![initial_m(2); 3];
        let active = [true; 3];
        let fixed = em(&patterns, &global_u, &m0, 0.1, &active, 500, 1e-10);
        assert!(fixed.lambda > 0.6, "with the random pairs' u the match class swallows look-alikes: {fixed:?}");
        let free = em_free_u(&patterns, &global_u, &m0, 0.1, &active, 2000, 1e-12);
        assert!((free.lambda - 0.3).abs() < 1e-3, "{free:?}");
        for f in 0..3 {
            assert!((free.m[f][0] - 0.9).abs() < 1e-3 && (free.u[f][0] - 0.33).abs() < 1e-3, "{free:?}");
        }
    }

    #[test]
    fn training_keeps_the_agreeing_class_as_matches() {
        // Started where the "match" class is the rarer one, EM may converge with the classes
        // swapped; train_rule names the agreeing class the match class.
        let patterns = mixture(10_000.0, 0.7, 0.95, 0.2);
        let spec = LinkSpec::new(vec![], vec![]);
        let res = train_rule(&patterns, &vec![vec![0.01, 0.99]; 3], &vec![initial_m(2); 3], &[true; 3], &spec);
        assert!((res.lambda - 0.7).abs() < 1e-2 && res.m[0][0] > res.u[0][0], "{res:?}");
    }

    #[test]
    fn em_recovers_a_known_mixture() {
        // Two fields with 2 levels; matches (30%) agree with m = (0.9, 0.1), non-matches with
        // u = (0.2, 0.8). Expected pattern counts of 10,000 pairs.
        let (lam, m, u) = (0.3, [0.9, 0.1], [0.2, 0.8]);
        let mut patterns = Vec::new();
        for a in 0..2u8 {
            for b in 0..2u8 {
                let p = lam * m[a as usize] * m[b as usize] + (1.0 - lam) * u[a as usize] * u[b as usize];
                patterns.push((vec![a, b], 10_000.0 * p));
            }
        }
        // Third field inactive with a NULL in one pattern: must be ignored.
        for p in &mut patterns {
            p.0.push(NULL_LEVEL);
        }
        let uu = vec![u.to_vec(), u.to_vec(), vec![0.5, 0.5]];
        let m0 = vec![vec![0.7, 0.3], vec![0.7, 0.3], vec![0.5, 0.5]];
        let res = em(&patterns, &uu, &m0, 0.1, &[true, true, false], 2000, 1e-12);
        assert!(res.converged);
        assert!((res.lambda - 0.3).abs() < 1e-4, "{}", res.lambda);
        assert!((res.m[0][0] - 0.9).abs() < 1e-4, "{:?}", res.m);
        assert!((res.m[1][0] - 0.9).abs() < 1e-4);
        assert_eq!(res.m[2], vec![0.5, 0.5]);
    }

    #[test]
    fn bounded_scoring_equals_full_scoring() {
        use crate::{BlockingRule, Comparison, RecordsBuilder};
        let spec = LinkSpec::new(
            vec![
                Comparison::new("name", FieldKind::Name),
                Comparison::new("dob", FieldKind::Date),
                Comparison::new("sex", FieldKind::Exact),
            ],
            vec![BlockingRule::on(&["sex"])],
        );
        let mut b = RecordsBuilder::new(&spec);
        let rows = [
            ("1", "Anna", "1990-01-01", "f"),
            ("2", "Anne", "1990-01-01", "f"),
            ("3", "Bob", "1971-05-05", "m"),
            ("4", "Anna", "", "f"),
            ("5", "Rob", "1971-05-06", "m"),
            ("6", "Zoe", "1990-01-10", ""),
        ];
        for (id, n, d, s) in rows {
            b.push(id, &[Some(n), Some(d).filter(|x| !x.is_empty()), Some(s).filter(|x| !x.is_empty())]).unwrap();
        }
        let records = b.finish().unwrap();
        let model = train(&spec, &records, &crate::NoProgress).unwrap();
        let scorer = Scorer::new(&model, &records).unwrap();
        for i in 0..6u32 {
            for j in i + 1..6 {
                let full = scorer.weight(i, j);
                for floor in [f64::NEG_INFINITY, -10.0, 0.0, full - 1e-9, full + 1e-6, 10.0] {
                    match scorer.weight_if_at_least(i, j, floor) {
                        Some(w) => assert!((w - full).abs() < 1e-9 && full >= floor - 1e-9, "{i} {j} {floor}"),
                        None => assert!(full < floor + 1e-9, "{i} {j} {floor}: {full}"),
                    }
                }
            }
        }
    }

    #[test]
    fn probability_of_weight() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!((probability(1.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!(probability(-2000.0) >= 0.0 && probability(2000.0) <= 1.0);
    }
}
