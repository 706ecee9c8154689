//! A linkage design read from the data, for a user who gives comparisons but no rules
//! (issue 15): which comparisons are derived from others, which blocking rules train EM, which
//! rules propose the pairs to score. Every choice comes with its reason, so a command can print
//! what it chose and why.
//!
//! * **Derived comparisons.** A column whose value is, on nearly every record that has both, a
//!   function of another compared column's value (the year of a birth date, a postcode's
//!   prefix, the first of the given names, a copy), or implied by it across records (sex by the
//!   given name, a state by its postcode, among values many records hold), repeats that
//!   column's evidence: agreeing on the birth date implies agreeing on the birth year, and
//!   counting both doubles the weight of one fact. Worse for training, the two agree together
//!   among non-matches too, which a two-class model reads as a class of its own. It is made a
//!   stand-in ([`crate::Comparison::fallback_for`]): compared only where the fuller column is
//!   missing.
//! * **Training rules.** EM needs blocks that hold many matches, are small enough to use whole
//!   and leave most fields free. A single low-cardinality field (sex, nationality) is never a
//!   rule on its own: its blocks are nearly all non-matches and EM's "match" class runs away to
//!   whatever else such pairs share. Chosen greedily: the discriminating single column with the
//!   fewest pairs, then the rule with the fewest pairs that leaves that column free and at least
//!   three fields free (a two-class model needs three conditionally independent indicators to
//!   be identified: McHugh 1956, Goodman 1974), until every compared column is free in some rule.
//! * **Prediction rules.** From the trained model: a rule's recall among matches is
//!   `Π m_exact · P(present)²` over its columns (the same estimate as λ's, [`crate::model`]); the
//!   union's recall is computed exactly over the agreement states of the columns involved,
//!   assuming independent fields among matches. Rules are added by recall gained per pair until
//!   the union reaches 99.5 % or the pair budget is spent (as Splink's guidance to choose rules
//!   by their pairs and recall, Linacre et al. 2022, here estimated from the model).

use serde::Serialize;

use crate::block::{self, BlockingRule};
use crate::compare::FieldKind;
use crate::records::{NULL, Records};
use crate::{Error, LinkSpec, Model};

/// Share of records (holding both columns) on which the derivation must hold.
const DERIVED_SHARE: f64 = 0.95;
/// Fewest records holding both columns before a derivation is believed.
const DERIVED_MIN_RECORDS: usize = 20;
/// A single column is discriminating when a random pair agrees on it at most this often (sex,
/// nationality, a municipality or a birth year are not; names and dates are).
const DISCRIMINATING_U: f64 = 0.01;

/// A comparison found to be derived from another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derived {
    /// The derived (coarser) column.
    pub column: String,
    /// The column it is derived from.
    pub from: String,
    /// How, as a phrase between the two column names: "the year of", "the month of", "a prefix
    /// of", "the first token of", "a copy of", "implied by".
    pub how: &'static str,
    /// Share of records with both values on which the derivation holds.
    pub share: f64,
    /// Records with both values.
    pub records: usize,
}

/// Comparisons of `spec` derived from another compared column (module documentation). A column
/// already a stand-in, or one others are derived from, is left alone.
pub fn derived_comparisons(spec: &LinkSpec, records: &Records) -> Vec<Derived> {
    use rayon::prelude::*;
    let cols: Vec<(usize, &crate::Comparison)> = spec
        .comparisons
        .iter()
        .filter(|c| c.fallback_for.is_none())
        .filter_map(|c| records.column_index(&c.column).map(|i| (i, c)))
        .collect();
    let pairs: Vec<(usize, usize)> =
        (0..cols.len()).flat_map(|x| (0..cols.len()).filter(move |&y| y != x).map(move |y| (x, y))).collect();
    // Per (from, derived) column pair: the derivation found, if any.
    let found: Vec<((usize, usize), Derived)> = pairs
        .par_iter()
        .filter_map(|&(x, y)| {
            let ((ai, a), (bi, b)) = (cols[x], cols[y]);
            let counts = value_pairs(records, ai, bi);
            // A coarser column implied by a finer one, never the other way round.
            let finer = records.columns[ai].values.len() > records.columns[bi].values.len();
            let d = derivation(records, ai, bi, a.kind, &counts)
                .or_else(|| finer.then(|| implication(&counts)).flatten())?;
            Some(((x, y), Derived { column: b.column.clone(), from: a.column.clone(), ..d }))
        })
        .collect();
    let mut out: Vec<Derived> = Vec::new();
    for y in 0..cols.len() {
        let best = found.iter().filter(|((_, yy), _)| *yy == y).max_by(|p, q| p.1.share.total_cmp(&q.1.share));
        if let Some((_, d)) = best {
            out.push(d.clone());
        }
    }
    // A chain (b from a, a from c) or a pair of copies: keep only derivations from a column that
    // is not itself derived, the fuller column of two copies being the one with more values.
    let derived: Vec<String> = out.iter().map(|d| d.column.clone()).collect();
    out.retain(|d| {
        !derived.contains(&d.from)
            || (d.how == "a copy of" && {
                let n = |c: &str| records.column_index(c).map_or(0, |i| records.columns[i].non_null());
                (n(&d.from), d.from.as_str()) > (n(&d.column), d.column.as_str())
            })
    });
    out
}

/// About how many records are looked at to find derived comparisons (a share of 95 % is as clear
/// in 200,000 records as in ten million).
const DERIVED_SAMPLE: usize = 200_000;

/// Distinct `(value of ai, value of bi)` pairs with their record counts, over the records holding
/// both: beyond [`DERIVED_SAMPLE`] records, those of a seeded sample of the values of `ai`, so that
/// each value sampled keeps all its records (a sample of records would shrink every value's group
/// and hide an implication among values held by few records each).
fn value_pairs(records: &Records, ai: usize, bi: usize) -> Vec<((u32, u32), u32)> {
    let (a, b) = (&records.columns[ai].codes, &records.columns[bi].codes);
    let step = a.len().div_ceil(DERIVED_SAMPLE).max(1) as u64;
    let sampled = |code: u32| step == 1 || (u64::from(code).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % step == 0;
    let mut map: crate::hash::FastMap<(u32, u32), u32> = Default::default();
    for (&x, &y) in a.iter().zip(b) {
        if x != NULL && y != NULL && sampled(x) {
            *map.entry((x, y)).or_insert(0) += 1;
        }
    }
    let mut v: Vec<((u32, u32), u32)> = map.into_iter().collect();
    v.sort_unstable();
    v
}

/// Whether column `bi` is implied by column `ai` across records (`counts`: [`value_pairs`],
/// sorted): among the values of `ai` held by at least [`IMPLIED_MIN_RECORDS`] records, each
/// value's most common `bi` covers at least [`IMPLIED_SHARE`] of its records, over at least half
/// the records holding both (sex by the given name, a city by its postcode). Values held by few
/// records are left out because a person's own duplicates agree on everything.
fn implication(counts: &[((u32, u32), u32)]) -> Option<Derived> {
    let both: usize = counts.iter().map(|(_, n)| *n as usize).sum();
    let (mut covered, mut modal, mut values) = (0usize, 0usize, 0usize);
    for group in counts.chunk_by(|p, q| p.0.0 == q.0.0) {
        let n: usize = group.iter().map(|(_, n)| *n as usize).sum();
        if n < IMPLIED_MIN_RECORDS {
            continue;
        }
        values += 1;
        covered += n;
        modal += group.iter().map(|(_, n)| *n as usize).max().expect("non-empty");
    }
    // A column with one value everywhere is implied by anything: that is no evidence at all.
    let mut b_values: Vec<u32> = counts.iter().map(|((_, b), _)| *b).collect();
    b_values.sort_unstable();
    b_values.dedup();
    if values < 2 || b_values.len() < 2 || both < DERIVED_MIN_RECORDS || (covered as f64) < 0.5 * both as f64 {
        return None;
    }
    let share = modal as f64 / covered as f64;
    (share >= IMPLIED_SHARE).then(|| Derived {
        column: String::new(),
        from: String::new(),
        how: "implied by",
        share,
        records: covered,
    })
}

/// Share of a value's records that its most common implied value must cover: lower than
/// [`DERIVED_SHARE`], as the implied column's own typing errors count against it (a city implied
/// by its postcode, 5 % of cities mistyped, covers 95.1 %).
const IMPLIED_SHARE: f64 = 0.9;

/// Fewest records holding a value for [`implication`] to look at it.
const IMPLIED_MIN_RECORDS: usize = 5;

/// Whether column `bi` is a function of column `ai` (of kind `kind`) value by value, judged on the
/// distinct value pairs `counts` ([`value_pairs`]) weighted by their records.
fn derivation(
    records: &Records,
    ai: usize,
    bi: usize,
    kind: FieldKind,
    counts: &[((u32, u32), u32)],
) -> Option<Derived> {
    let (a, b) = (&records.columns[ai], &records.columns[bi]);
    let hows: [&'static str; 5] = ["a copy of", "the year of", "the month of", "a prefix of", "the first token of"];
    let mut hits = [0usize; 5];
    let mut both = 0usize;
    for &((ca, cb), n) in counts {
        let n = n as usize;
        both += n;
        let (va, vb) = (a.view(ca), b.view(cb));
        let (ta, tb) = (va.text, vb.text);
        if ta == tb {
            hits[0] += n;
        }
        if let Some(ymd) = va.ymd {
            let num = std::str::from_utf8(tb).ok().and_then(|t| t.trim().parse::<i64>().ok());
            if num == Some(i64::from(ymd.y)) {
                hits[1] += n;
            }
            if num == Some(i64::from(ymd.m)) {
                hits[2] += n;
            }
        }
        if matches!(kind, FieldKind::Date | FieldKind::Days) {
            continue;
        }
        if tb.len() < ta.len() && ta.starts_with(tb) {
            hits[3] += n;
        }
        if tb.len() < ta.len() && ta.split(|&c| c == b' ').next() == Some(tb) {
            hits[4] += n;
        }
    }
    if both < DERIVED_MIN_RECORDS {
        return None;
    }
    let (k, &h) = hits.iter().enumerate().max_by_key(|(_, h)| **h)?;
    let share = h as f64 / both as f64;
    (share >= DERIVED_SHARE).then(|| Derived {
        column: String::new(),
        from: String::new(),
        how: hows[k],
        share,
        records: both,
    })
}

/// Compared columns that cannot carry evidence, each named with what to do: empty on more than
/// 95 % of records, or one value on every record that has one. Refuses when no compared column
/// tells any two records apart (every record identical on them).
pub fn field_problems(spec: &LinkSpec, records: &Records) -> Result<Vec<String>, Error> {
    let n = records.len().max(1) as f64;
    let mut out = Vec::new();
    let mut useful = 0;
    for c in &spec.comparisons {
        let Some(i) = records.column_index(&c.column) else { continue };
        let col = &records.columns[i];
        let present = col.non_null() as f64 / n;
        if col.values.len() <= 1 {
            out.push(format!(
                "{}: {} on every record that has it; it cannot tell records apart — leave it out of --compare",
                c.column,
                if col.values.is_empty() {
                    "empty".to_string()
                } else {
                    format!("one value ({:?})", col.values[0].text)
                }
            ));
            continue;
        }
        useful += 1;
        if present < 0.05 {
            out.push(format!(
                "{}: empty on {:.1} % of records; it weighs only in the few pairs where both have it",
                c.column,
                100.0 * (1.0 - present)
            ));
        }
    }
    if useful == 0 {
        return Err(Error::Spec(format!(
            "no compared column has two different values ({}): every record is the same on them, so nothing can tell matches from non-matches",
            spec.comparisons.iter().map(|c| c.column.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(out)
}

/// What a run chose from the data (empty parts were given by the caller), and what it warned of.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Design {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub derived: Vec<Derived>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub training: Vec<ChosenRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocking: Vec<ChosenRule>,
    /// The recall among matches of the chosen prediction rules, estimated from the trained m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking_recall: Option<f64>,
    /// Fields nearly empty or of one value, and the checks after training.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A rule chosen from the data, with what it costs and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenRule {
    /// The rule.
    pub rule: BlockingRule,
    /// Pairs it makes.
    pub pairs: u64,
    /// Why it was chosen.
    pub reason: String,
}

/// Candidate rules: each compared column alone, and each two compared columns together
/// (stand-ins left out, as they are missing where their primary is present).
fn candidates(spec: &LinkSpec, records: &Records) -> Result<Vec<(BlockingRule, u64)>, Error> {
    let cols: Vec<&str> =
        spec.comparisons.iter().filter(|c| c.fallback_for.is_none()).map(|c| c.column.as_str()).collect();
    let mut out = Vec::new();
    for (i, a) in cols.iter().enumerate() {
        out.push(BlockingRule::on(&[a]));
        for b in &cols[i + 1..] {
            out.push(BlockingRule::on(&[a, b]));
        }
    }
    out.into_iter()
        .map(|r| {
            let pairs = block::blocks(&r, records)?.pairs;
            Ok((r, pairs))
        })
        .collect()
}

/// Training rules chosen from the data (module documentation). Refuses, naming the fields, when
/// no rule has between 1 and `spec.max_training_pairs × 10` pairs.
pub fn training_rules(spec: &LinkSpec, records: &Records) -> Result<Vec<ChosenRule>, Error> {
    let total = records.total_pairs().max(1) as f64;
    let limit = spec.max_training_pairs.saturating_mul(10);
    let cands: Vec<(BlockingRule, u64)> =
        candidates(spec, records)?.into_iter().filter(|(_, p)| *p > 0 && *p <= limit).collect();
    let discriminating = |r: &BlockingRule, p: u64| r.columns.len() == 1 && (p as f64 / total) <= DISCRIMINATING_U;
    let compared: Vec<&str> =
        spec.comparisons.iter().filter(|c| c.fallback_for.is_none()).map(|c| c.column.as_str()).collect();
    let first = cands.iter().filter(|(r, p)| discriminating(r, *p)).min_by_key(|(r, p)| (*p, r.to_string())).cloned();
    let mut chosen = match first {
        Some((rule, pairs)) => vec![ChosenRule {
            reason: format!(
                "the most discriminating column: a random pair agrees on it with probability {:.1e}",
                pairs as f64 / total
            ),
            rule,
            pairs,
        }],
        None => {
            // Small or uniform input: the rule whose pairs are the fewest, said so.
            let Some((rule, pairs)) = cands.iter().min_by_key(|(r, p)| (*p, r.to_string())).cloned() else {
                return Err(Error::Spec(format!(
                    "no blocking rule on {} makes between 1 and {limit} pairs to train on (every value unique, or one value everywhere); give --train-block rules or a --model",
                    compared.join(", ")
                )));
            };
            vec![ChosenRule {
                reason: format!(
                    "no compared column is discriminating (a random pair agrees on each more often than 1 in {:.0}); the rule with the fewest pairs, so m rests on little evidence",
                    1.0 / DISCRIMINATING_U
                ),
                rule,
                pairs,
            }]
        }
    };
    while chosen.len() < 3 {
        let blocked = |c: &str| chosen.iter().all(|r| r.rule.columns.iter().any(|x| x == c));
        let missing: Vec<&str> = compared.iter().copied().filter(|c| blocked(c)).collect();
        if missing.is_empty() {
            break;
        }
        let next = cands
            .iter()
            .filter(|(r, p)| {
                // A two-class model is identified by three conditionally independent fields
                // (Goodman 1974; McHugh 1956): leave at least three free where there are four.
                let free = compared.iter().filter(|c| !r.columns.iter().any(|x| x == *c)).count();
                !r.columns.iter().any(|c| missing.contains(&c.as_str()))
                    && !chosen.iter().any(|x| &x.rule == r)
                    && (r.columns.len() == 2 || discriminating(r, *p))
                    && free >= 3.min(compared.len() - 1)
            })
            .min_by_key(|(r, p)| (*p, r.to_string()))
            .cloned();
        let Some((rule, pairs)) = next else { break };
        chosen.push(ChosenRule {
            reason: format!("the smallest rule that leaves {} free for EM", missing.join(", ")),
            rule,
            pairs,
        });
    }
    Ok(chosen)
}

/// Prediction rules chosen from a trained model (module documentation): at most `budget` pairs
/// in all, recall among matches estimated from the model.
pub fn prediction_rules(
    spec: &LinkSpec,
    records: &Records,
    model: &Model,
    budget: u64,
) -> Result<(Vec<ChosenRule>, f64), Error> {
    let n = records.len().max(1) as f64;
    let agree = |c: &str| -> f64 {
        let f = model.comparisons.iter().position(|x| x.column == c);
        let present = records.column_index(c).map_or(0.0, |i| records.columns[i].non_null() as f64 / n);
        f.map_or(0.0, |f| model.comparisons[f].levels[0].m * present * present)
    };
    let cands: Vec<(BlockingRule, u64)> =
        candidates(spec, records)?.into_iter().filter(|(_, p)| *p > 0 && *p <= budget).collect();
    let mut chosen: Vec<ChosenRule> = Vec::new();
    let mut spent = 0u64;
    let mut recall = 0.0;
    while recall < 0.995 {
        let mut best: Option<(f64, f64, &BlockingRule, u64)> = None;
        for (r, p) in &cands {
            if spent + p > budget || chosen.iter().any(|c| &c.rule == r) {
                continue;
            }
            let rules: Vec<&BlockingRule> = chosen.iter().map(|c| &c.rule).chain([r]).collect();
            let with = union_recall(&rules, &agree);
            let gain = with - recall;
            if gain <= 1e-4 {
                continue;
            }
            let score = gain / (*p as f64 + n);
            if best.is_none_or(|(s, _, _, _)| score > s) {
                best = Some((score, with, r, *p));
            }
        }
        let Some((_, with, rule, pairs)) = best else { break };
        // A chosen rule on a superset of this rule's columns makes a subset of its pairs.
        chosen.retain(|c| {
            let redundant = rule.columns.iter().all(|x| c.rule.columns.contains(x));
            if redundant {
                spent -= c.pairs;
            }
            !redundant
        });
        chosen.push(ChosenRule {
            reason: format!("raises the estimated recall among matches from {recall:.3} to {with:.3}"),
            rule: rule.clone(),
            pairs,
        });
        spent += pairs;
        recall = with;
    }
    if chosen.is_empty() {
        return Err(Error::Spec(format!(
            "no blocking rule on the compared columns makes at most {budget} pairs; give --block rules"
        )));
    }
    Ok((chosen, recall))
}

/// P(at least one rule has all its columns agreeing) for independent columns that agree with
/// probability `agree(column)`: exact over the agreement states of the columns involved.
fn union_recall(rules: &[&BlockingRule], agree: &impl Fn(&str) -> f64) -> f64 {
    let mut cols: Vec<&str> = rules.iter().flat_map(|r| r.columns.iter().map(String::as_str)).collect();
    cols.sort_unstable();
    cols.dedup();
    let p: Vec<f64> = cols.iter().map(|c| agree(c)).collect();
    let masks: Vec<u32> = rules
        .iter()
        .map(|r| r.columns.iter().map(|c| 1u32 << cols.iter().position(|x| x == c).expect("listed")).sum())
        .collect();
    let mut total = 0.0;
    for state in 0u32..(1 << cols.len()) {
        if masks.iter().any(|&m| m & !state == 0) {
            total += (0..cols.len()).map(|k| if state & (1 << k) != 0 { p[k] } else { 1.0 - p[k] }).product::<f64>();
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Comparison, RecordsBuilder};

    #[test]
    fn union_recall_of_overlapping_rules() {
        let agree = |c: &str| if c == "a" { 0.5 } else { 0.8 };
        let (a, ab, b) = (BlockingRule::on(&["a"]), BlockingRule::on(&["a", "b"]), BlockingRule::on(&["b"]));
        assert!((union_recall(&[&a], &agree) - 0.5).abs() < 1e-12);
        // a ∪ (a, b) is a.
        assert!((union_recall(&[&a, &ab], &agree) - 0.5).abs() < 1e-12);
        // a ∪ b = 1 − 0.5 · 0.2.
        assert!((union_recall(&[&a, &b], &agree) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn a_city_is_implied_by_its_postcode_despite_typos_and_a_town_is_not_by_a_name() {
        let spec = LinkSpec::new(
            vec![
                Comparison::new("postcode", FieldKind::Postcode),
                Comparison::new("city", FieldKind::Text),
                Comparison::new("name", FieldKind::Name),
            ],
            vec![BlockingRule::on(&["postcode"])],
        );
        let mut b = RecordsBuilder::new(&spec);
        for i in 0..6000 {
            let pc = format!("{:04}AB", 1000 + i % 300);
            // Twenty records per postcode, one city per postcode, one record in twenty mistyped;
            // names spread over the towns.
            let city = if (i / 300) % 20 == 3 { format!("cty{}", i % 30) } else { format!("city{}", (i % 300) / 10) };
            let name = format!("name{}", i % 37);
            b.push(&i.to_string(), &[Some(&pc), Some(&city), Some(&name)]).unwrap();
        }
        let records = b.finish().unwrap();
        let d = derived_comparisons(&spec, &records);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].column.as_str(), d[0].from.as_str(), d[0].how), ("city", "postcode", "implied by"));
        assert!((d[0].share - 0.95).abs() < 0.01, "{d:?}");
    }

    #[test]
    fn birth_year_is_derived_from_birth_date_and_sex_is_not() {
        let spec = LinkSpec::new(
            vec![
                Comparison::new("dob", FieldKind::Date),
                Comparison::new("year", FieldKind::Exact),
                Comparison::new("sex", FieldKind::Exact),
            ],
            vec![BlockingRule::on(&["dob"])],
        );
        let mut b = RecordsBuilder::new(&spec);
        for i in 0..40 {
            let dob = format!("19{:02}-0{}-1{}", 50 + i, 1 + i % 9, i % 10);
            let year = if i == 7 { "1999".to_string() } else { format!("19{:02}", 50 + i) };
            let sex = if i % 2 == 0 { "F" } else { "M" };
            b.push(&i.to_string(), &[Some(&dob), Some(&year), Some(sex)]).unwrap();
        }
        let records = b.finish().unwrap();
        let d = derived_comparisons(&spec, &records);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].column.as_str(), d[0].from.as_str(), d[0].how), ("year", "dob", "the year of"));
        assert!((d[0].share - 39.0 / 40.0).abs() < 1e-12);
    }
}
