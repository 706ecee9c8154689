//! `zicht-link`: probabilistic record linkage after Fellegi & Sunter (1969), with the m
//! probabilities estimated by expectation–maximisation (Winkler 1988; Jaro 1989) and the u
//! probabilities from random record pairs, as Splink does (Linacre et al. 2022).
//!
//! The flow, each step a module:
//!
//! 1. [`records`]: records go in as `(id, field values)`; values are normalised
//!    ([`normalise`]) and interned per column, so a million records stay small in memory.
//! 2. [`block`]: a union of blocking rules proposes candidate pairs; each pair is scored once;
//!    a rule set that would make more than a maximum of pairs is refused before any scoring.
//! 3. [`compare`]: each field kind turns a pair of values into a comparison level.
//! 4. [`model`]: λ (optionally per pair of sources: [`prior`]), u (random sampling), m (EM per
//!    training blocking rule, each rule's non-matches with their own u), checks after training,
//!    λ and u within each prediction rule ([`model::fit_conditional`]), save/load as JSON,
//!    explain a pair. [`design`] chooses what the user left out: derived comparisons made
//!    stand-ins, training rules, prediction rules (each choice with its reason).
//! 5. [`predict`]: score the blocked pairs in parallel, keeping only pairs above a threshold
//!    (bounded memory).
//! 6. [`cluster`]: connected components at a threshold, with cluster ids that stay stable
//!    across runs; splits and merges are reported.
//! 7. [`eval`]: precision, recall and F1 of pairs or clusters against true entity ids.
//!
//! ```
//! use zicht_link::{Comparison, FieldKind, LinkSpec, BlockingRule, RecordsBuilder, NoProgress};
//!
//! let spec = LinkSpec::new(
//!     vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
//!     vec![BlockingRule::on(&["dob"])],
//! );
//! let mut b = RecordsBuilder::new(&spec);
//! b.push("1", &[Some("Anna de Vries"), Some("1990-03-04")]).unwrap();
//! b.push("2", &[Some("Anna Vries"), Some("04-03-1990")]).unwrap();
//! b.push("3", &[Some("Piet Jansen"), Some("1971-12-01")]).unwrap();
//! let records = b.finish().unwrap();
//! let ctl = NoProgress;
//! let model = zicht_link::model::train(&spec, &records, &ctl).unwrap();
//! let out = zicht_link::predict::predict(&model, &spec, &records, 0.5, &ctl).unwrap();
//! assert_eq!(out.pairs.len(), 1);
//!
//! // Or the whole run, with cluster ids kept stable against an earlier run's.
//! let previous = std::collections::HashMap::from([("1".to_string(), 7u64)]);
//! let outcome = zicht_link::run(&spec, &records, Some(model), 0.5, 0.5, &previous, &ctl).unwrap();
//! assert_eq!(outcome.clustering.cluster[..2], [7, 7]);
//! ```

pub mod block;
pub mod calibrate;
pub mod cluster;
pub mod compare;
pub mod design;
pub mod eval;
pub mod hash;
pub mod model;
pub mod normalise;
pub mod predict;
pub mod prior;
pub mod records;

use serde::{Deserialize, Serialize};

/// Default match-probability threshold for a link.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

pub use block::BlockingRule;
pub use compare::FieldKind;
pub use model::Model;
pub use records::{Records, RecordsBuilder};

/// Errors of the linkage library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The same id appears twice in one input.
    #[error("duplicate id {id:?} (record {record}); ids must be unique within a file")]
    DuplicateId {
        /// The id.
        id: String,
        /// 1-based record number in its input.
        record: usize,
    },
    /// A record has a different number of values than the columns of the spec.
    #[error("record {record} has {got} values, expected {expected}")]
    Arity {
        /// 1-based record number.
        record: usize,
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
    },
    /// No records at all, or an empty side when linking two inputs.
    #[error("no records to link{0}")]
    Empty(&'static str),
    /// The specification is unusable (no comparisons, unknown column in a rule).
    #[error("invalid linkage specification: {0}")]
    Spec(String),
    /// The blocking rules would generate more candidate pairs than allowed.
    #[error(
        "blocking would make {total} candidate pairs, more than the maximum of {max}; rule `{rule}` alone makes {rule_pairs}. {suggestion}"
    )]
    TooManyPairs {
        /// All rules' pairs together (before removing pairs shared by rules).
        total: u64,
        /// The configured maximum.
        max: u64,
        /// The rule making the most pairs.
        rule: String,
        /// Its pair count.
        rule_pairs: u64,
        /// What to do instead.
        suggestion: String,
    },
    /// A saved model does not fit the comparisons asked for.
    #[error("model does not match the comparisons: {0}")]
    ModelMismatch(String),
    /// A model file could not be read or written as JSON.
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The run was stopped by its [`Progress`] (its answer [`Cancelled`]).
    #[error("cancelled")]
    Cancelled,
}

pub use zicht_progress::{Cancelled, NoProgress, Progress, Stoppable};

impl From<Cancelled> for Error {
    fn from(_: Cancelled) -> Self {
        Error::Cancelled
    }
}

/// One field comparison: which column, how it is compared, whether the exact level is
/// term-frequency adjusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Column name.
    pub column: String,
    /// Field kind.
    pub kind: FieldKind,
    /// Term-frequency adjustment of the exact level.
    pub tf: bool,
    /// Compare this field only for pairs where the named column is missing on one side or both
    /// (a comparison that stands in for another): e.g. a keyed digest of the birth date, the only
    /// form in which a statistical report keeps it, which would count the same fact twice for
    /// pairs whose plain birth dates are compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_for: Option<String>,
    /// Whether disagreement on this field counts towards the clustering veto
    /// ([`LinkSpec::veto_evidence`]). Off for attributes of an episode rather than of the person
    /// (when and where a report was made, the form of exploitation, the means of control): a
    /// person's records from two episodes differ on them, so they weigh in the match weight but
    /// never keep apart records that the person's identity joins ([`Comparison::episode`]).
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub veto: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

impl Comparison {
    /// A comparison with the kind's default term-frequency setting.
    pub fn new(column: &str, kind: FieldKind) -> Self {
        Self { column: column.to_string(), kind, tf: kind.tf_default(), fallback_for: None, veto: true }
    }

    /// This comparison, made only where `primary` is missing on one side or both.
    pub fn fallback_for(self, primary: &str) -> Self {
        Self { fallback_for: Some(primary.to_string()), ..self }
    }

    /// This comparison as one of an episode attribute: out of the veto ([`Comparison::veto`]).
    pub fn episode(self) -> Self {
        Self { veto: false, ..self }
    }
}

/// Everything that defines a linkage run apart from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSpec {
    /// Field comparisons.
    pub comparisons: Vec<Comparison>,
    /// Blocking rules for prediction (their union is scored).
    pub blocking: Vec<BlockingRule>,
    /// Blocking rules for EM training; empty means one exact rule per compared column.
    pub training: Vec<BlockingRule>,
    /// Refuse to score more candidate pairs than this.
    pub max_pairs: u64,
    /// Random pairs drawn to estimate u.
    pub u_pairs: u64,
    /// Pairs per training rule beyond which the rule's pairs are sampled.
    pub max_training_pairs: u64,
    /// Seed of the random pair sampling.
    pub seed: u64,
    /// EM iterations at most.
    pub em_max_iterations: usize,
    /// EM stops when no parameter moves more than this.
    pub em_tolerance: f64,
    /// When set, clustering never joins two groups between which some pair has evidence against
    /// (the sum of its negative field weights, in bits) at or below minus this value, or different
    /// values in a [`LinkSpec::person_keys`] column: see [`cluster::constrained_components`].
    /// `None` is plain connected components, as Splink.
    pub veto_evidence: Option<f64>,
    /// Columns whose value identifies one person wherever it is present (a national identity
    /// number checked at intake): with [`LinkSpec::veto_evidence`] set, a cluster never holds
    /// two different values.
    pub person_keys: Vec<String>,
    /// Columns on which equal values make two records the same entity outright (deterministic
    /// linkage before the probabilistic pass, as staged matching does): a keyed pseudonym of the
    /// full identity. Such a column should not also be a comparison: its agreement is implied by
    /// the fields it summarises, and comparing it would count that evidence twice.
    pub link_keys: Vec<String>,
    /// A column naming each record's source (register, file): when set, the prior match
    /// probability λ is estimated and applied per pair of sources instead of once for all pairs
    /// ([`prior`]; Sadinle & Fienberg 2013). At most [`prior::MAX_SOURCES`] − 1 distinct values.
    pub prior_by: Option<String>,
}

impl LinkSpec {
    /// A spec with default limits: at most 100 million candidate pairs, 1 million random
    /// pairs for u, 2 million pairs per training rule, seed 42, 100 EM iterations, tolerance 1e-6.
    pub fn new(comparisons: Vec<Comparison>, blocking: Vec<BlockingRule>) -> Self {
        Self {
            comparisons,
            blocking,
            training: Vec::new(),
            max_pairs: 100_000_000,
            u_pairs: 1_000_000,
            max_training_pairs: 2_000_000,
            seed: 42,
            em_max_iterations: 100,
            em_tolerance: 1e-6,
            veto_evidence: None,
            person_keys: Vec::new(),
            link_keys: Vec::new(),
            prior_by: None,
        }
    }

    /// The columns the records must carry, in order: compared columns first, then blocking
    /// columns that are not compared.
    pub fn columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = Vec::new();
        for c in &self.comparisons {
            if !cols.contains(&c.column) {
                cols.push(c.column.clone());
            }
        }
        for r in self.blocking.iter().chain(&self.training) {
            for c in &r.columns {
                if !cols.contains(c) {
                    cols.push(c.clone());
                }
            }
        }
        for c in self.person_keys.iter().chain(&self.link_keys).chain(&self.prior_by) {
            if !cols.contains(c) {
                cols.push(c.clone());
            }
        }
        cols
    }

    /// The training rules in force: the given ones, or one exact rule per compared column.
    pub fn training_rules(&self) -> Vec<BlockingRule> {
        if self.training.is_empty() {
            self.comparisons.iter().map(|c| BlockingRule { columns: vec![c.column.clone()] }).collect()
        } else {
            self.training.clone()
        }
    }
}

fn column<'r>(records: &'r Records, name: &str, what: &str) -> Result<&'r records::Column, Error> {
    records
        .column_index(name)
        .map(|i| &records.columns[i])
        .ok_or_else(|| Error::Spec(format!("{what} {name:?} is not a column")))
}

/// Edges between records that share a value of a [`LinkSpec::link_keys`] column: each record to
/// the previous one with the same value, so every group is connected.
fn key_edges(spec: &LinkSpec, records: &Records) -> Result<Vec<(u32, u32)>, Error> {
    let mut edges = Vec::new();
    for k in &spec.link_keys {
        let col = column(records, k, "link key")?;
        let mut last: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
        for (r, &code) in col.codes.iter().enumerate() {
            if code == records::NULL {
                continue;
            }
            if let Some(prev) = last.insert(code, r as u32) {
                edges.push((prev, r as u32));
            }
        }
    }
    Ok(edges)
}

/// What a run chooses from the data where the caller left it out ([`prepare`]); nothing by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Choices {
    /// Compare a comparison found derived from, or implied by, another only where that one is
    /// missing ([`design::derived_comparisons`]).
    pub derived: bool,
    /// Choose the training rules when the spec has none and no model is given
    /// ([`design::training_rules`]).
    pub training: bool,
    /// Replace the spec's blocking rules by rules chosen from the trained model
    /// ([`design::prediction_rules`]), within `max_pairs` and 50 pairs a record (at least 5 M).
    pub blocking: bool,
    /// Fit λ and u within each prediction rule's pairs ([`model::fit_conditional`]), so that
    /// non-matches that share a blocking key do not inflate the probabilities; else one λ and the
    /// random pairs' u for every pair.
    pub within_rules: bool,
}

/// A model ready to score: the spec as completed, the model, the blocking plan, what was chosen.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The spec with the stand-ins, training and blocking rules chosen.
    pub spec: LinkSpec,
    pub model: Model,
    /// Whether the model was trained in this run.
    pub trained: bool,
    /// Whether λ and u were fitted within this plan's rules in this run (the model changed).
    pub refit: bool,
    pub plan: Vec<block::RuleBlocks>,
    pub design: design::Design,
}

/// The first half of a run, shared by every caller: the fields checked; stand-ins, training rules
/// and prediction rules chosen where asked; oversized blocking refused before any training; the
/// model trained (or the given one checked against the spec); λ and u fitted within the rules.
pub fn prepare(
    mut spec: LinkSpec,
    records: &Records,
    model: Option<Model>,
    choices: &Choices,
    ctl: &dyn Progress,
) -> Result<Prepared, Error> {
    // Fields that cannot tell matches apart refuse training; a given model can still score them.
    let warnings = match design::field_problems(&spec, records) {
        Err(_) if model.is_some() => Vec::new(),
        found => found?,
    };
    let mut design = design::Design { warnings, ..Default::default() };
    if choices.derived {
        for d in design::derived_comparisons(&spec, records) {
            if let Some(c) = spec.comparisons.iter_mut().find(|c| c.column == d.column) {
                c.fallback_for = Some(d.from.clone());
            }
            design.derived.push(d);
        }
    }
    if choices.training && spec.training.is_empty() && model.is_none() {
        design.training = design::training_rules(&spec, records)?;
        spec.training = design.training.iter().map(|c| c.rule.clone()).collect();
    }
    if !choices.blocking {
        block::plan(&spec, records)?;
    }
    let (mut model, trained) = match model {
        Some(m) => {
            m.check(&spec)?;
            (m, false)
        }
        None => {
            let m = model::train(&spec, records, ctl)?;
            design.warnings.extend(m.training.warnings.iter().cloned());
            (m, true)
        }
    };
    if choices.blocking {
        let budget = spec.max_pairs.min((50 * records.len() as u64).max(5_000_000));
        let (chosen, recall) = design::prediction_rules(&spec, records, &model, budget)?;
        spec.blocking = chosen.iter().map(|c| c.rule.clone()).collect();
        design.blocking = chosen;
        design.blocking_recall = Some(recall);
    }
    let plan = block::plan(&spec, records)?;
    let rules: Vec<String> = plan.iter().map(|r| r.rule.to_string()).collect();
    let fitted: Vec<&str> = model.conditional.iter().map(|r| r.rule.as_str()).collect();
    let refit = choices.within_rules && fitted != rules.iter().map(String::as_str).collect::<Vec<_>>();
    if !choices.within_rules {
        model.conditional.clear();
    }
    // Priors per pair of sources already condition λ; the rules' own λ would count it twice.
    if refit && model.prior_by.is_none() {
        model::fit_conditional(&mut model, &spec, records, &plan, ctl)?;
    }
    Ok(Prepared { spec, model, trained, refit, plan, design })
}

/// Clusters: connected components of the pairs at or above `threshold`, joined by shared
/// [`LinkSpec::link_keys`] and, with [`LinkSpec::veto_evidence`], never joining records whose person
/// keys differ or whose vetoing fields speak too strongly against each other; ids kept stable against
/// `previous` (record id → cluster id of the last run).
pub fn cluster_pairs(
    spec: &LinkSpec,
    model: &Model,
    records: &Records,
    pairs: &[predict::ScoredPair],
    threshold: f64,
    previous: &std::collections::HashMap<String, u64>,
) -> Result<cluster::Clustering, Error> {
    let key_edges = key_edges(spec, records)?;
    let kept = pairs.iter().filter(|p| p.probability >= threshold);
    let components = match spec.veto_evidence {
        None => cluster::connected_components(records.len(), key_edges.into_iter().chain(kept.map(|p| (p.a, p.b)))),
        Some(limit) => {
            let scorer = model::Scorer::new(model, records)?;
            let in_veto: Vec<bool> = spec.comparisons.iter().map(|c| c.veto).collect();
            let keys: Vec<&records::Column> =
                spec.person_keys.iter().map(|k| column(records, k, "person key")).collect::<Result<_, _>>()?;
            let mut edges: Vec<&predict::ScoredPair> = kept.collect();
            edges.sort_by(|x, y| y.weight.total_cmp(&x.weight).then((x.a, x.b).cmp(&(y.a, y.b))));
            let edges = key_edges.into_iter().chain(edges.iter().map(|p| (p.a, p.b)));
            cluster::constrained_components(records.len(), edges, |x, y| {
                keys.iter().any(|c| {
                    let (p, q) = (c.codes[x as usize], c.codes[y as usize]);
                    p != records::NULL && q != records::NULL && p != q
                }) || scorer.evidence_against(x, y, &in_veto) <= -limit
            })
        }
    };
    Ok(cluster::stable_ids(&records.ids, &components, previous))
}

/// Everything one linkage run produces: the model used, the scored pairs and the clusters.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The model (trained in this run, or the one passed in).
    pub model: Model,
    /// Whether the model was trained in this run.
    pub trained: bool,
    /// Pairs at or above the floor, with per-rule counts.
    pub prediction: predict::Prediction,
    /// Stable cluster ids of the records (connected components at `threshold`).
    pub clustering: cluster::Clustering,
}

/// One linkage run end to end, for callers such as `zicht link`: [`prepare`] with nothing chosen
/// (global scoring), score candidate pairs keeping those with probability ≥ `floor`, and
/// [`cluster_pairs`] at `threshold` (≥ `floor`).
pub fn run(
    spec: &LinkSpec,
    records: &Records,
    model: Option<Model>,
    floor: f64,
    threshold: f64,
    previous: &std::collections::HashMap<String, u64>,
    ctl: &dyn Progress,
) -> Result<Outcome, Error> {
    let p = prepare(spec.clone(), records, model, &Choices::default(), ctl)?;
    let prediction = predict::predict_planned(&p.model, &p.plan, records, floor.min(threshold), ctl)?;
    let clustering = cluster_pairs(&p.spec, &p.model, records, &prediction.pairs, threshold, previous)?;
    Ok(Outcome { model: p.model, trained: p.trained, prediction, clustering })
}
