//! Prediction: scores every candidate pair of the blocking rules' union once, in parallel over
//! blocks, and keeps only pairs whose match probability reaches a floor. Memory is the blocks
//! (one `u32` per blocked record per rule) plus the kept pairs, never all candidate pairs.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{self, RuleBlocks};
use crate::model::{Model, Scorer, probability};
use crate::records::Records;
use crate::{Error, LinkSpec, Progress};

/// A scored pair of record indices (`a < b`; when linking `a` is left, `b` right).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// Index of the first record.
    pub a: u32,
    /// Index of the second record.
    pub b: u32,
    /// Match weight (log2 Bayes factor plus prior).
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// Pairs per blocking rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStats {
    /// The rule.
    pub rule: String,
    /// Pairs the rule makes on its own (counted before scoring).
    pub pairs: u64,
    /// Pairs scored under this rule (not already made by an earlier rule).
    pub scored: u64,
}

/// Output of [`predict`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Pairs at or above the floor, sorted by (a, b).
    pub pairs: Vec<ScoredPair>,
    /// Candidate pairs scored (the union of the rules).
    pub scored: u64,
    /// Per rule.
    pub rules: Vec<RuleStats>,
}

/// Scores the candidate pairs of `spec.blocking` with `model`, keeping pairs with match
/// probability ≥ `floor`. Refuses (before scoring) when blocking makes more than
/// `spec.max_pairs` pairs.
pub fn predict(
    model: &Model,
    spec: &LinkSpec,
    records: &Records,
    floor: f64,
    ctl: &dyn Progress,
) -> Result<Prediction, Error> {
    let plan = block::plan(spec, records)?;
    predict_planned(model, &plan, records, floor, ctl)
}

/// [`predict`] on blocks already made by [`block::plan`].
pub fn predict_planned(
    model: &Model,
    plan: &[RuleBlocks],
    records: &Records,
    floor: f64,
    ctl: &dyn Progress,
) -> Result<Prediction, Error> {
    let scorer = Scorer::new(model, records)?;
    // Keep a pair iff weight ≥ the floor's weight; comparing weights avoids an exp2 per pair.
    let floor_weight = if floor <= 0.0 {
        f64::NEG_INFINITY
    } else if floor >= 1.0 {
        f64::INFINITY
    } else {
        (floor / (1.0 - floor)).log2()
    };
    let link = records.link;
    let total: u64 = plan.iter().map(|r| r.pairs).sum();
    ctl.start("scoring pairs", total);
    let mut pairs = Vec::new();
    let mut rules = Vec::new();
    let mut scored = 0u64;
    let rule_key: Vec<String> = plan.iter().map(|r| r.rule.to_string()).collect();
    for (k, rb) in plan.iter().enumerate() {
        ctl.advance(0)?;
        let earlier = &plan[..k];
        let conditional = model.conditional.iter().find(|p| p.rule == rule_key[k]);
        let own;
        let scorer = match conditional {
            Some(p) => {
                own = Scorer::for_rule(model, records, Some(p))?;
                &own
            }
            None => &scorer,
        };
        let (kept, n): (Vec<ScoredPair>, u64) = rb
            .blocks
            .par_iter()
            .flat_map_iter(|b| (0..b.rows(link)).map(move |row| (b, row)))
            .fold(
                || (Vec::new(), 0u64),
                |(mut kept, mut n), (b, row)| {
                    if ctl.advance(0).is_ok() {
                        let mut seen = 0u64;
                        b.for_each_in_row(link, row, |i, j| {
                            seen += 1;
                            if earlier.iter().any(|e| e.agree(records, i, j)) {
                                return;
                            }
                            n += 1;
                            if let Some(w) = scorer.weight_if_at_least(i, j, floor_weight) {
                                kept.push(ScoredPair {
                                    a: i.min(j),
                                    b: i.max(j),
                                    weight: w,
                                    probability: probability(w),
                                });
                            }
                        });
                        // A stop is seen by the next unit's check.
                        let _ = ctl.advance(seen);
                    }
                    (kept, n)
                },
            )
            .reduce(
                || (Vec::new(), 0),
                |(mut a, x), (b, y)| {
                    a.extend(b);
                    (a, x + y)
                },
            );
        ctl.advance(0)?;
        scored += n;
        pairs.extend(kept);
        rules.push(RuleStats { rule: rb.rule.to_string(), pairs: rb.pairs, scored: n });
    }
    ctl.finish();
    pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
    Ok(Prediction { pairs, scored, rules })
}
