//! Accuracy against known truth: precision, recall and F1 of predicted pairs or clusters,
//! given each record's true entity id (Christen 2012, ch. 7: pairwise measures).
//!
//! True pairs are all pairs of records with the same entity (deduplication) or, when linking,
//! pairs across the two inputs with the same entity; they are counted from entity sizes, never
//! enumerated.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// Pairwise confusion counts and the measures derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Predicted pairs that are true.
    pub true_positives: u64,
    /// Predicted pairs that are not true.
    pub false_positives: u64,
    /// True pairs not predicted.
    pub false_negatives: u64,
    /// tp / (tp + fp); 1 when nothing is predicted.
    pub precision: f64,
    /// tp / (tp + fn); 1 when there is nothing to find.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Metrics {
    /// Measures from counts.
    pub fn from_counts(tp: u64, fp: u64, fn_: u64) -> Self {
        let precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
        let recall = if tp + fn_ == 0 { 1.0 } else { tp as f64 / (tp + fn_) as f64 };
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Self { true_positives: tp, false_positives: fp, false_negatives: fn_, precision, recall, f1 }
    }
}

/// Number of true pairs: Σ C(n_e, 2) over entities when deduplicating; Σ n_e,left · n_e,right
/// when linking (`n_left` = Some(number of left records), records `0..n_left` left).
pub fn true_pairs<E: Hash + Eq>(entity: &[E], n_left: Option<usize>) -> u64 {
    let mut sizes: HashMap<&E, (u64, u64)> = HashMap::new();
    for (r, e) in entity.iter().enumerate() {
        let s = sizes.entry(e).or_insert((0, 0));
        if n_left.is_some_and(|l| r >= l) {
            s.1 += 1;
        } else {
            s.0 += 1;
        }
    }
    sizes.values().map(|&(l, r)| if n_left.is_some() { l * r } else { l * l.saturating_sub(1) / 2 }).sum()
}

/// Metrics of predicted pairs (record indices, each unordered pair at most once) against true
/// entities per record.
pub fn pair_metrics<E: Hash + Eq>(
    pairs: impl IntoIterator<Item = (u32, u32)>,
    entity: &[E],
    n_left: Option<usize>,
) -> Metrics {
    let (mut tp, mut fp) = (0u64, 0u64);
    for (a, b) in pairs {
        if entity[a as usize] == entity[b as usize] {
            tp += 1;
        } else {
            fp += 1;
        }
    }
    let truth = true_pairs(entity, n_left);
    Metrics::from_counts(tp, fp, truth.saturating_sub(tp))
}

/// Metrics of a clustering (cluster per record) against true entities: a pair is predicted
/// when both records share a cluster, true when they share an entity (counted through the
/// contingency table of cluster × entity).
pub fn cluster_metrics<C: Hash + Eq, E: Hash + Eq>(cluster: &[C], entity: &[E], n_left: Option<usize>) -> Metrics {
    let predicted = true_pairs(cluster, n_left);
    let both: Vec<(&C, &E)> = cluster.iter().zip(entity).collect();
    let tp = true_pairs(&both, n_left);
    let truth = true_pairs(entity, n_left);
    Metrics::from_counts(tp, predicted - tp, truth - tp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_and_cluster_metrics_known_answers() {
        // Entities: {0,1,2} {3,4} {5}: 3 + 1 = 4 true pairs.
        let e = [1, 1, 1, 2, 2, 3];
        assert_eq!(true_pairs(&e, None), 4);
        let m = pair_metrics([(0, 1), (1, 2), (3, 5)], &e, None);
        assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (2, 1, 2));
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.recall - 0.5).abs() < 1e-12);
        assert!((m.f1 - 4.0 / 7.0).abs() < 1e-12);
        // Clusters {0,1} {2} {3,4,5}: predicted pairs 1 + 3 = 4, of which (0,1) and (3,4) true.
        let c = ["a", "a", "b", "c", "c", "c"];
        let m = cluster_metrics(&c, &e, None);
        assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (2, 2, 2));
    }

    #[test]
    fn link_counts_only_cross_pairs() {
        // Left 0,1; right 2,3. Entity x in 0, 2, 3; y in 1.
        let e = ["x", "y", "x", "x"];
        assert_eq!(true_pairs(&e, Some(2)), 2);
        let m = pair_metrics([(0, 2), (1, 3)], &e, Some(2));
        assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (1, 1, 1));
    }
}
