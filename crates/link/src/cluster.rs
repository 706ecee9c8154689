//! Clustering: records are joined when a pair's match probability reaches the threshold, and
//! each connected component is one entity (union–find with path halving and union by size,
//! Tarjan 1975).
//!
//! **Stable ids.** Given the previous run's `record id → cluster id`, a component takes over
//! the previous cluster id it shares most records with, so re-linking with new records keeps
//! every existing person's id. Components and previous ids are matched greedily by overlap
//! (largest first; ties to the smaller id, then the component with the earliest record), each
//! id going to at most one component. A component holding records of several previous clusters
//! is a *merge* (it keeps one id; the others are retired); a previous cluster whose records now
//! lie in several components is a *split* (the largest part keeps the id, the others get new
//! ones). New ids continue after the largest id ever used.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Union–find over `n` elements.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        Self { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    /// Representative of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// The component of each of the `n` records, numbered 0, 1, … in order of each component's first
/// record.
fn numbered(uf: &mut UnionFind, n: usize) -> Vec<u32> {
    let mut number: HashMap<u32, u32> = HashMap::new();
    (0..n as u32)
        .map(|r| {
            let root = uf.find(r);
            let next = number.len() as u32;
            *number.entry(root).or_insert(next)
        })
        .collect()
}

/// Connected components of `n` records under `edges`: a component number per record,
/// numbered 0, 1, … in order of each component's first record.
pub fn connected_components(n: usize, edges: impl IntoIterator<Item = (u32, u32)>) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for (a, b) in edges {
        uf.union(a, b);
    }
    numbered(&mut uf, n)
}

/// Components under `edges` that never join two groups between which some pair is vetoed.
///
/// Connected components chain: a record with little information (a name without a birth date)
/// that matches two different people above the threshold joins them into one, even when a pair
/// across the two carries strong evidence that they are different people (two citizen numbers,
/// two birth dates decades apart). This is agglomerative clustering with cannot-link constraints
/// (Wagstaff et al. 2001, ICML): edges are taken strongest first (`edges` must come sorted by
/// descending weight; ties as given), and two groups are joined only if `veto(x, y)` is false for
/// every record `x` of one and `y` of the other. The cost is the product of the group sizes per
/// join, so it suits registers of persons (groups of tens), not giant components. Numbered as
/// [`connected_components`].
pub fn constrained_components(
    n: usize,
    edges: impl IntoIterator<Item = (u32, u32)>,
    mut veto: impl FnMut(u32, u32) -> bool,
) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for (a, b) in edges {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        let ma = members.remove(&ra).unwrap_or_else(|| vec![ra]);
        let mb = members.remove(&rb).unwrap_or_else(|| vec![rb]);
        if ma.iter().any(|&x| mb.iter().any(|&y| veto(x, y))) {
            members.insert(ra, ma);
            members.insert(rb, mb);
            continue;
        }
        uf.union(ra, rb);
        let root = uf.find(ra);
        let (mut big, small) = if ma.len() >= mb.len() { (ma, mb) } else { (mb, ma) };
        big.extend(small);
        members.insert(root, big);
    }
    numbered(&mut uf, n)
}

/// A merge: one component held records of several previous clusters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// The id the merged cluster keeps.
    pub kept: u64,
    /// Previous ids now part of it.
    pub absorbed: Vec<u64>,
}

/// A split: a previous cluster's records are now in several clusters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// The previous id (kept by the largest part, when it was not lost to a merge).
    pub from: u64,
    /// Cluster ids now holding its records.
    pub into: Vec<u64>,
}

/// Stable cluster ids for one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clustering {
    /// Cluster id per record (same order as the records).
    pub cluster: Vec<u64>,
    /// Number of clusters.
    pub clusters: usize,
    /// Clusters given a new id.
    pub new_clusters: usize,
    /// Merges of previous clusters.
    pub merges: Vec<Merge>,
    /// Splits of previous clusters.
    pub splits: Vec<Split>,
}

/// Assigns stable cluster ids to `components` (from [`connected_components`]) given
/// `previous` cluster ids of records by their id (`ids[r]` is record r's id). With no previous
/// ids, clusters are numbered 1, 2, … in order of first record.
pub fn stable_ids(ids: &[String], components: &[u32], previous: &HashMap<String, u64>) -> Clustering {
    let n_comp = components.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    // overlap[(component, previous id)] = records in common.
    let mut overlap: BTreeMap<(u32, u64), u32> = BTreeMap::new();
    for (r, &c) in components.iter().enumerate() {
        if let Some(&p) = previous.get(&ids[r]) {
            *overlap.entry((c, p)).or_insert(0) += 1;
        }
    }
    let mut candidates: Vec<((u32, u64), u32)> = overlap.iter().map(|(&k, &v)| (k, v)).collect();
    // Largest overlap first, then smaller previous id, then earlier component.
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.1.cmp(&b.0.1)).then(a.0.0.cmp(&b.0.0)));
    let mut id_of: Vec<Option<u64>> = vec![None; n_comp];
    let mut taken: HashMap<u64, u32> = HashMap::new();
    for ((c, p), _) in &candidates {
        if id_of[*c as usize].is_none() && !taken.contains_key(p) {
            id_of[*c as usize] = Some(*p);
            taken.insert(*p, *c);
        }
    }
    let mut next = previous.values().copied().max().unwrap_or(0) + 1;
    let mut new_clusters = 0;
    for slot in &mut id_of {
        if slot.is_none() {
            *slot = Some(next);
            next += 1;
            new_clusters += 1;
        }
    }
    let id_of: Vec<u64> = id_of.into_iter().map(|x| x.expect("assigned")).collect();
    // Merges: components overlapping several previous ids.
    let mut by_comp: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    let mut by_prev: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    for &(c, p) in overlap.keys() {
        by_comp.entry(c).or_default().push(p);
        by_prev.entry(p).or_default().push(id_of[c as usize]);
    }
    let merges = by_comp
        .into_iter()
        .filter(|(_, ps)| ps.len() > 1)
        .map(|(c, ps)| {
            let kept = id_of[c as usize];
            Merge { kept, absorbed: ps.into_iter().filter(|&p| p != kept).collect() }
        })
        .collect();
    let splits = by_prev
        .into_iter()
        .filter(|(_, into)| into.len() > 1)
        .map(|(from, mut into)| {
            into.sort_unstable();
            Split { from, into }
        })
        .collect();
    Clustering {
        cluster: components.iter().map(|&c| id_of[c as usize]).collect(),
        clusters: n_comp,
        new_clusters,
        merges,
        splits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("r{i}")).collect()
    }

    #[test]
    fn constrained_components_refuse_a_join_across_a_veto() {
        // 1 is a bridge (a name without a birth date) between 0 and 2, who are different people.
        // The stronger edge (0, 1) comes first, so 1 joins 0; (1, 2) would put 0 and 2 together.
        let veto = |x: u32, y: u32| (x.min(y), x.max(y)) == (0, 2);
        assert_eq!(constrained_components(4, [(0, 1), (1, 2), (2, 3)], veto), vec![0, 0, 1, 1]);
        // Without the veto it is one component, as connected components give.
        assert_eq!(constrained_components(4, [(0, 1), (1, 2), (2, 3)], |_, _| false), vec![0, 0, 0, 0]);
        assert_eq!(connected_components(4, [(0, 1), (1, 2), (2, 3)]), vec![0, 0, 0, 0]);
        // Edge order decides which side the bridge joins.
        assert_eq!(constrained_components(3, [(1, 2), (0, 1)], veto), vec![0, 1, 1]);
        // The veto is checked against every member of both groups, not only the edge's ends.
        let veto03 = |x: u32, y: u32| (x.min(y), x.max(y)) == (0, 3);
        assert_eq!(constrained_components(4, [(0, 1), (2, 3), (1, 2)], veto03), vec![0, 0, 1, 1]);
    }

    #[test]
    fn components_numbered_by_first_record() {
        let c = connected_components(6, [(4, 5), (0, 2), (2, 4)]);
        assert_eq!(c, vec![0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn first_run_numbers_from_one() {
        let c = connected_components(4, [(1, 3)]);
        let s = stable_ids(&ids(4), &c, &HashMap::new());
        assert_eq!(s.cluster, vec![1, 2, 3, 2]);
        assert_eq!(s.new_clusters, 3);
        assert!(s.merges.is_empty() && s.splits.is_empty());
    }

    #[test]
    fn new_records_keep_existing_ids() {
        // Previous run: r0,r1 → 7; r2 → 3. Now r3 joins r2, r4 is new, and order changed.
        let prev: HashMap<String, u64> =
            [("r0", 7), ("r1", 7), ("r2", 3)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let c = connected_components(5, [(0, 1), (2, 3)]);
        let s = stable_ids(&ids(5), &c, &prev);
        assert_eq!(s.cluster, vec![7, 7, 3, 3, 8]);
        assert_eq!(s.new_clusters, 1);
    }

    #[test]
    fn merges_and_splits_are_reported() {
        // Previous: {r0,r1,r2} → 1, {r3} → 2, {r4} → 5.
        // Now: {r0,r1} and {r2,r3,r4}: cluster 1 splits; 2 and 5 merge with r2.
        let prev: HashMap<String, u64> =
            [("r0", 1), ("r1", 1), ("r2", 1), ("r3", 2), ("r4", 5)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let c = connected_components(5, [(0, 1), (2, 3), (3, 4)]);
        let s = stable_ids(&ids(5), &c, &prev);
        // {r0,r1} overlaps 1 by 2 → keeps 1; {r2,r3,r4} overlaps 1,2,5 by one each → 1 taken, takes 2.
        assert_eq!(s.cluster, vec![1, 1, 2, 2, 2]);
        assert_eq!(s.merges, vec![Merge { kept: 2, absorbed: vec![1, 5] }]);
        assert_eq!(s.splits, vec![Split { from: 1, into: vec![1, 2] }]);
        assert_eq!(s.new_clusters, 0);
    }
}
