//! Blocking: candidate pairs are the union of pairs that agree exactly on the normalised
//! values of all columns of at least one rule (Christen 2012, ch. 4; Splink's
//! `blocking_rules_to_generate_predictions`).
//!
//! A pair is scored once: rule `k` skips a pair that an earlier rule already proposed (the
//! pair agrees on every column of that earlier rule), so no set of seen pairs is kept and
//! memory stays bounded.

use crate::hash::FastMap;

use serde::{Deserialize, Serialize};

use crate::records::{NULL, Records};
use crate::{Error, LinkSpec};

/// A blocking rule: exact agreement on all of `columns` (after normalisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingRule {
    /// Columns that must agree.
    pub columns: Vec<String>,
}

impl BlockingRule {
    /// A rule on the given columns.
    pub fn on(columns: &[&str]) -> Self {
        Self { columns: columns.iter().map(|c| (*c).to_string()).collect() }
    }

    /// Parses `a,b,c` (the command-line form).
    pub fn parse(s: &str) -> Option<Self> {
        let columns: Vec<String> = s.split(',').map(|c| c.trim().to_string()).collect();
        if columns.iter().any(String::is_empty) { None } else { Some(Self { columns }) }
    }
}

impl std::fmt::Display for BlockingRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.columns.join(","))
    }
}

/// A group of records sharing a blocking key. `members` are sorted; when linking, the first
/// `split` members are left records and the rest right records.
#[derive(Debug, Clone)]
pub struct Block {
    /// Record indices, ascending.
    pub members: Vec<u32>,
    /// Number of left records among `members` (linkage only).
    pub split: usize,
}

impl Block {
    /// Pairs this block makes.
    pub fn pairs(&self, link: bool) -> u64 {
        let n = self.members.len() as u64;
        if link {
            let l = self.split as u64;
            l * (n - l)
        } else {
            n * n.saturating_sub(1) / 2
        }
    }

    /// Calls `f(i, j)` for each pair of the block made by row `row` (the `row`-th member paired
    /// with later members when deduplicating, the `row`-th left member paired with all right
    /// members when linking). Rows are the unit of parallel work.
    pub fn for_each_in_row(&self, link: bool, row: usize, mut f: impl FnMut(u32, u32)) {
        let i = self.members[row];
        let rest = if link { &self.members[self.split..] } else { &self.members[row + 1..] };
        for &j in rest {
            f(i, j);
        }
    }

    /// Number of rows (see [`Block::for_each_in_row`]).
    pub fn rows(&self, link: bool) -> usize {
        if link { self.split } else { self.members.len().saturating_sub(1) }
    }
}

/// A blocking rule resolved to column indices, with its blocks.
#[derive(Debug, Clone)]
pub struct RuleBlocks {
    /// The rule.
    pub rule: BlockingRule,
    /// Column indices into [`Records::columns`].
    pub cols: Vec<usize>,
    /// Blocks with at least one pair.
    pub blocks: Vec<Block>,
    /// Pairs the rule makes on its own.
    pub pairs: u64,
}

impl RuleBlocks {
    /// Whether records `i` and `j` agree on every column of the rule (both non-missing).
    pub fn agree(&self, records: &Records, i: u32, j: u32) -> bool {
        self.cols.iter().all(|&c| {
            let codes = &records.columns[c].codes;
            let a = codes[i as usize];
            a != NULL && a == codes[j as usize]
        })
    }
}

/// Resolves rule column names to indices.
pub fn resolve(rule: &BlockingRule, records: &Records) -> Result<Vec<usize>, Error> {
    if rule.columns.is_empty() {
        return Err(Error::Spec("a blocking rule needs at least one column".into()));
    }
    rule.columns
        .iter()
        .map(|c| {
            records.column_index(c).ok_or_else(|| {
                Error::Spec(format!("blocking rule `{rule}` names column {c:?}, which is not among the columns"))
            })
        })
        .collect()
}

/// Groups records by the rule's key; records missing any rule column are left out.
pub fn blocks(rule: &BlockingRule, records: &Records) -> Result<RuleBlocks, Error> {
    let cols = resolve(rule, records)?;
    let n = records.len();
    // Dense key ids: the first column's value codes, refined column by column through a map
    // of (key so far, next code) → new id. No per-record allocation.
    let first = &records.columns[cols[0]];
    let mut ids: Vec<u32> = first.codes.clone();
    let mut n_ids = first.values.len();
    for &c in &cols[1..] {
        let codes = &records.columns[c].codes;
        let mut map: FastMap<u64, u32> = FastMap::default();
        for (id, &code) in ids.iter_mut().zip(codes) {
            if *id == NULL {
                continue;
            }
            if code == NULL {
                *id = NULL;
                continue;
            }
            let key = (u64::from(*id) << 32) | u64::from(code);
            let next = map.len() as u32;
            *id = *map.entry(key).or_insert(next);
        }
        n_ids = map.len();
    }
    let mut count = vec![0u32; n_ids];
    for &id in &ids {
        if id != NULL {
            count[id as usize] += 1;
        }
    }
    // Blocks in order of their first record, members ascending.
    let mut slot = vec![u32::MAX; n_ids];
    let mut blocks: Vec<Block> = Vec::new();
    for (r, &id) in ids.iter().enumerate().take(n) {
        if id == NULL || count[id as usize] < 2 {
            continue;
        }
        let s = &mut slot[id as usize];
        if *s == u32::MAX {
            *s = blocks.len() as u32;
            blocks.push(Block { members: Vec::with_capacity(count[id as usize] as usize), split: 0 });
        }
        blocks[*s as usize].members.push(r as u32);
    }
    if records.link {
        for b in &mut blocks {
            b.split = b.members.partition_point(|&m| (m as usize) < records.n_left);
        }
        blocks.retain(|b| b.pairs(true) > 0);
    }
    let pairs = blocks.iter().map(|b| b.pairs(records.link)).sum();
    Ok(RuleBlocks { rule: rule.clone(), cols, blocks, pairs })
}

/// Pair counts of each rule before scoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCount {
    /// The rule, as `col,col`.
    pub rule: String,
    /// Pairs the rule makes on its own.
    pub pairs: u64,
}

/// Blocks of every prediction rule of `spec`, refusing when their pairs together exceed
/// `spec.max_pairs` (the count and a suggestion are in the error).
pub fn plan(spec: &LinkSpec, records: &Records) -> Result<Vec<RuleBlocks>, Error> {
    if spec.blocking.is_empty() {
        return Err(Error::Spec("at least one blocking rule is needed".into()));
    }
    let rules = spec.blocking.iter().map(|r| blocks(r, records)).collect::<Result<Vec<_>, _>>()?;
    let total: u64 = rules.iter().map(|r| r.pairs).sum();
    if total > spec.max_pairs {
        let worst = rules.iter().max_by_key(|r| r.pairs).expect("at least one rule");
        let others: Vec<&str> = spec
            .comparisons
            .iter()
            .map(|c| c.column.as_str())
            .filter(|c| !worst.rule.columns.iter().any(|w| w == c))
            .collect();
        let suggestion = match others.first() {
            Some(extra) => {
                format!("Make the rule stricter, e.g. `--block {},{extra}`, or raise the maximum.", worst.rule)
            }
            None => "Make the rule stricter with another column, or raise the maximum.".to_string(),
        };
        return Err(Error::TooManyPairs {
            total,
            max: spec.max_pairs,
            rule: worst.rule.to_string(),
            rule_pairs: worst.pairs,
            suggestion,
        });
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Comparison, FieldKind, RecordsBuilder};

    fn records(link: bool) -> (LinkSpec, Records) {
        let spec = LinkSpec::new(
            vec![Comparison::new("a", FieldKind::Exact), Comparison::new("b", FieldKind::Exact)],
            vec![BlockingRule::on(&["a"]), BlockingRule::on(&["b"])],
        );
        let mut b = RecordsBuilder::new(&spec);
        let rows = [("1", "x", "p"), ("2", "x", "q"), ("3", "y", "p"), ("4", "x", "p"), ("5", "", "p")];
        for (i, (id, a, bb)) in rows.iter().enumerate() {
            if link && i == 2 {
                b.start_right();
            }
            b.push(id, &[Some(a), Some(bb)]).unwrap();
        }
        (spec, b.finish().unwrap())
    }

    #[test]
    fn dedupe_counts_and_union() {
        let (spec, r) = records(false);
        let plan = plan(&spec, &r).unwrap();
        // a: {1,2,4} → 3 pairs; b: {1,3,4,5} → 6 pairs.
        assert_eq!(plan[0].pairs, 3);
        assert_eq!(plan[1].pairs, 6);
        // union: pairs of rule b not already in rule a: (1,4) is shared → 5 new.
        let mut new = 0;
        for b in &plan[1].blocks {
            for row in 0..b.rows(false) {
                b.for_each_in_row(false, row, |i, j| {
                    if !plan[0].agree(&r, i, j) {
                        new += 1;
                    }
                });
            }
        }
        assert_eq!(new, 5);
    }

    #[test]
    fn link_pairs_only_across() {
        let (spec, r) = records(true);
        assert_eq!(r.n_left, 2);
        let plan = plan(&spec, &r).unwrap();
        // a: left {1,2} right {4} → 2 pairs; b: left {1} right {3,4,5} → 3.
        assert_eq!(plan[0].pairs, 2);
        assert_eq!(plan[1].pairs, 3);
    }

    #[test]
    fn refuses_too_many_pairs() {
        let (mut spec, r) = records(false);
        spec.max_pairs = 4;
        let err = plan(&spec, &r).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::TooManyPairs { total: 9, rule_pairs: 6, .. }), "{msg}");
        assert!(msg.contains("--block b,a"), "{msg}");
    }
}
