//! Prior match probabilities per pair of sources.
//!
//! One λ for all pairs treats every pair of records as equally likely to be one entity before
//! any field is compared. When the records come from registers of very different make-up that
//! is far from true: two reports in a register of 15,000 victim reports of 11,500 persons are
//! the same person about once in 27,000 pairs, a report and a record from a police register of
//! 280,000 records of the general population once in 180,000, two police records once in
//! 280,000. A single λ is dominated by the largest comparison space and understates the prior
//! of the small one by several bits, which costs recall exactly where the records are richest
//! in meaning. Sadinle & Fienberg (2013, "A generalized Fellegi–Sunter framework for multiple
//! record linkage with application to homicide record systems", JASA 108(502), 385–397) give
//! each pair of files its own share of matches; this module does the same with a column that
//! names each record's source ([`crate::LinkSpec::prior_by`]).
//!
//! Estimation (in [`crate::model::train`]): each training rule's comparison patterns are kept
//! apart by source pair; after EM the rule's expected matches per source pair are
//! `Σ count · P(match | pattern)`, which divided by the rule's recall for that source pair
//! (`Π m_exact · P(present | source a) · P(present | source b)` over the rule's columns) and
//! by the source pair's number of pairs gives λ for the pair of sources; the median over
//! rules is kept, as for the global λ.

use serde::{Deserialize, Serialize};

use crate::model::MAX_COMPARISONS;
use crate::records::{NULL, Records};
use crate::{Error, LinkSpec};

/// Most distinct sources (so that a pair of sources fits in one byte of a comparison pattern).
pub const MAX_SOURCES: usize = 15;

/// The prior of one pair of sources in a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcePrior {
    /// The two sources (normalised values of the `prior_by` column), in order; empty for a
    /// record without one (a value is never empty: a blank is missing).
    pub sources: [String; 2],
    /// Probability that two random records from these sources match.
    pub lambda: f64,
    /// Candidate pairs between these sources in the training records.
    pub pairs: u64,
}

/// The sources of the records: the `prior_by` column's value codes, with missing values as
/// one more source.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    /// Source per record, `0..k`.
    class: Vec<u8>,
    /// Names of the sources.
    names: Vec<String>,
}

impl Sources {
    /// The sources of `records` under `spec.prior_by`, or `None` when the spec has none.
    pub(crate) fn of(spec: &LinkSpec, records: &Records) -> Result<Option<Self>, Error> {
        let Some(name) = spec.prior_by.as_deref() else { return Ok(None) };
        // The source pair rides in the last byte of a packed comparison pattern.
        if spec.comparisons.len() >= MAX_COMPARISONS {
            return Err(Error::Spec(format!(
                "with prior_by at most {} comparisons are supported",
                MAX_COMPARISONS - 1
            )));
        }
        Self::from_column(name, records).map(Some)
    }

    /// The sources in column `name`.
    pub(crate) fn from_column(name: &str, records: &Records) -> Result<Self, Error> {
        let col = records
            .column_index(name)
            .map(|c| &records.columns[c])
            .ok_or_else(|| Error::Spec(format!("prior_by column {name:?} is not among the record columns")))?;
        let k = col.values.len();
        if k + 1 > MAX_SOURCES {
            return Err(Error::Spec(format!(
                "prior_by column {name:?} has {k} distinct values; at most {} sources are supported",
                MAX_SOURCES - 1
            )));
        }
        let class = col.codes.iter().map(|&c| if c == NULL { k as u8 } else { c as u8 }).collect();
        let mut names: Vec<String> = col.values.iter().map(|v| v.text.clone()).collect();
        names.push(String::new());
        Ok(Self { class, names })
    }

    /// Number of sources, the missing-value source included.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// The source pair of records `i` and `j`, one byte: `16 · min + max`.
    #[inline]
    pub(crate) fn pair(&self, i: u32, j: u32) -> u8 {
        let (a, b) = (self.class[i as usize], self.class[j as usize]);
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        16 * a + b
    }

    /// The two source names of a pair code.
    pub(crate) fn names_of(&self, pair: u8) -> [String; 2] {
        [self.names[usize::from(pair / 16)].clone(), self.names[usize::from(pair % 16)].clone()]
    }

    /// Records per source, on each side when linking two inputs (`[left, right]`; when
    /// deduplicating all records are on the left).
    fn counts(&self, records: &Records) -> [Vec<u64>; 2] {
        let mut n = [vec![0u64; self.len()], vec![0u64; self.len()]];
        for (r, &c) in self.class.iter().enumerate() {
            n[usize::from(records.link && r >= records.n_left)][usize::from(c)] += 1;
        }
        n
    }

    /// Candidate pairs per source pair code (256 entries), as [`Records::total_pairs`] counts
    /// them: within one input when deduplicating, across the two when linking.
    pub(crate) fn pairs(&self, records: &Records) -> Vec<u64> {
        let [l, r] = self.counts(records);
        let mut out = vec![0u64; 256];
        for a in 0..self.len() {
            for b in a..self.len() {
                out[16 * a + b] = if records.link {
                    if a == b { l[a] * r[a] } else { l[a] * r[b] + l[b] * r[a] }
                } else if a == b {
                    l[a] * l[a].saturating_sub(1) / 2
                } else {
                    l[a] * l[b]
                };
            }
        }
        out
    }

    /// Share of records of each source with a value in column `col`.
    pub(crate) fn presence(&self, records: &Records, col: usize) -> Vec<f64> {
        let codes = &records.columns[col].codes;
        let mut have = vec![0u64; self.len()];
        let mut all = vec![0u64; self.len()];
        for (&c, &s) in codes.iter().zip(&self.class) {
            all[usize::from(s)] += 1;
            have[usize::from(s)] += u64::from(c != NULL);
        }
        have.iter().zip(&all).map(|(&h, &a)| if a == 0 { 0.0 } else { h as f64 / a as f64 }).collect()
    }
}

/// Prior weights of the records' source pairs under a model, for scoring.
#[derive(Debug, Clone)]
pub(crate) struct PriorTable {
    sources: Sources,
    /// `log2(λ / (1 - λ))` per source pair code.
    weights: Vec<f64>,
}

impl PriorTable {
    /// The table for `records` under the model's source priors; source pairs the model has no
    /// prior for get the global one.
    pub(crate) fn new(column: &str, priors: &[SourcePrior], global: f64, records: &Records) -> Result<Self, Error> {
        let sources = Sources::from_column(column, records)?;
        let mut weights = vec![global; 256];
        for a in 0..sources.len() {
            for b in a..sources.len() {
                let code = (16 * a + b) as u8;
                let names = sources.names_of(code);
                let found = priors
                    .iter()
                    .find(|p| p.sources == names || (p.sources[0] == names[1] && p.sources[1] == names[0]));
                if let Some(p) = found {
                    weights[usize::from(code)] = (p.lambda / (1.0 - p.lambda)).log2();
                }
            }
        }
        Ok(Self { sources, weights })
    }

    /// Prior weight of pair (i, j).
    #[inline]
    pub(crate) fn weight(&self, i: u32, j: u32) -> f64 {
        self.weights[usize::from(self.sources.pair(i, j))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Comparison, FieldKind, RecordsBuilder};

    fn records(link: bool) -> Records {
        let mut spec = LinkSpec::new(vec![Comparison::new("name", FieldKind::Name)], vec![]);
        spec.prior_by = Some("src".into());
        let mut b = RecordsBuilder::new(&spec);
        let rows = [("1", "a"), ("2", "a"), ("3", "b"), ("4", "")];
        for (k, (id, s)) in rows.iter().enumerate() {
            if link && k == 2 {
                b.start_right();
            }
            b.push(id, &[Some("x"), Some(s)]).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn pairs_per_source_pair_add_up_to_all_pairs() {
        for link in [false, true] {
            let r = records(link);
            let mut spec = LinkSpec::new(vec![], vec![]);
            spec.prior_by = Some("src".into());
            let s = Sources::of(&spec, &r).unwrap().unwrap();
            let pairs = s.pairs(&r);
            assert_eq!(pairs.iter().sum::<u64>(), r.total_pairs(), "link {link}");
            // Sources a=0, b=1, null=2. Dedupe: a-a 1, a-b 2, a-null 2, b-null 1.
            if !link {
                assert_eq!((pairs[0], pairs[1], pairs[2], pairs[16 + 2]), (1, 2, 2, 1));
            } else {
                // Left {1:a, 2:a}, right {3:b, 4:null}: a-b 2, a-null 2.
                assert_eq!((pairs[0], pairs[1], pairs[2]), (0, 2, 2));
            }
            assert_eq!(s.pair(0, 2), s.pair(2, 0));
            assert_eq!(s.names_of(s.pair(2, 3)), ["b".to_string(), String::new()]);
        }
    }

    #[test]
    fn too_many_sources_or_comparisons_are_refused() {
        let mut spec = LinkSpec::new(vec![Comparison::new("name", FieldKind::Name)], vec![]);
        spec.prior_by = Some("src".into());
        let mut b = RecordsBuilder::new(&spec);
        for k in 0..MAX_SOURCES {
            b.push(&k.to_string(), &[Some("x"), Some(&format!("s{k}"))]).unwrap();
        }
        let r = b.finish().unwrap();
        let err = Sources::of(&spec, &r).unwrap_err().to_string();
        assert!(err.contains("15 distinct values"), "{err}");
        spec.comparisons = (0..MAX_COMPARISONS).map(|k| Comparison::new(&format!("c{k}"), FieldKind::Exact)).collect();
        assert!(Sources::of(&spec, &r).unwrap_err().to_string().contains("at most 15 comparisons"));
    }

    #[test]
    fn table_falls_back_to_the_global_prior() {
        let r = records(false);
        let priors = vec![SourcePrior { sources: ["b".into(), "a".into()], lambda: 0.5, pairs: 2 }];
        let t = PriorTable::new("src", &priors, -7.0, &r).unwrap();
        assert_eq!(t.weight(0, 2), 0.0);
        assert_eq!(t.weight(2, 0), 0.0);
        assert_eq!(t.weight(0, 1), -7.0);
    }
}
