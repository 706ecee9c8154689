//! Harrell's concordance of the fitted risk scores, O(n log n) with a Fenwick tree over their ranks.

use rayon::prelude::*;

use super::Prepared;
use super::sort::radix_sort_pairs;

/// Harrell's concordance of `eta` within strata on counting-process data: for each event at t,
/// the rows at risk at t (start < t <= stop) that do not have an event at t are compared; a higher
/// risk score for the earlier event is concordant, equal scores count one half.
/// O(n log n) with a Fenwick tree over the ranks of `eta`.
/// `spare`: two buffers for one stratum's sort (the risk-set sort's, so as long as all rows).
pub(super) fn concordance(prep: &Prepared, eta: &[f64], spare: Option<[Vec<(u64, u32)>; 2]>) -> f64 {
    let spare = std::sync::Mutex::new(spare);
    let start = prep.start.as_deref();
    let start_of = |i: usize| start.map_or(f64::NEG_INFINITY, |s| s[i]);
    let parts: Vec<(u64, u64, u64)> = prep
        .strata
        .par_iter()
        .map(|st| {
            // work on k = 0..m in ascending stop (position by_stop.end - 1 - k)
            let m = st.by_stop.len();
            let asc = Asc { stop: &prep.stop[st.by_stop.clone()], event: &prep.event[st.by_stop.clone()] };
            let rows: Vec<usize> = if start.is_some() { st.by_stop.clone().rev().collect() } else { Vec::new() };
            let pos = |k: usize| st.by_stop.end - 1 - k;
            // dense ranks of eta (equal values share a rank)
            // order-preserving integer keys of eta (IEEE total order), sorted with positions
            let [mut keys, mut buf] = spare.lock().ok().and_then(|mut s| s.take()).unwrap_or_default();
            keys.clear();
            keys.par_extend((0..m).into_par_iter().map(|k| {
                let b = (eta[pos(k)] + 0.0).to_bits(); // + 0.0: -0 ties with 0
                let key = if b >> 63 == 1 { !b } else { b | 1 << 63 };
                (key, k as u32)
            }));
            let by_eta = radix_sort_pairs(keys, &mut buf);
            drop(buf);
            let mut rank_of = vec![0u32; m];
            let mut r = 0u32;
            for k in 0..m {
                if k > 0 && by_eta[k].0 != by_eta[k - 1].0 {
                    r += 1;
                }
                rank_of[by_eta[k].1 as usize] = r;
            }
            let nranks = r as usize + 1;
            let mut tree = Fenwick::new(nranks);
            let mut count = vec![0i64; nranks];
            let mut in_set = 0i64;
            let mut by_start: Vec<usize> = Vec::new();
            if start.is_some() {
                by_start = (0..m).collect();
                by_start.sort_unstable_by(|&a, &b| start_of(rows[a]).total_cmp(&start_of(rows[b])).then(a.cmp(&b)));
            }
            let (mut c, mut d, mut tx) = (0u64, 0u64, 0u64);
            let change = |tree: &mut Fenwick, count: &mut [i64], in_set: &mut i64, i: usize, v: i64| {
                let r = rank_of[i] as usize;
                tree.add(r, v);
                count[r] += v;
                *in_set += v;
            };
            if start.is_none() {
                return right_censored_pairs(asc, &rank_of, nranks);
            }
            let (mut pin, mut pout, mut pe) = (0usize, 0usize, 0usize);
            while pe < rows.len() {
                let t = prep.stop[rows[pe]];
                let mut e_end = pe;
                let mut has_event = false;
                while e_end < rows.len() && prep.stop[rows[e_end]] == t {
                    has_event |= prep.event[rows[e_end]];
                    e_end += 1;
                }
                if has_event {
                    while pin < by_start.len() && start_of(rows[by_start[pin]]) < t {
                        change(&mut tree, &mut count, &mut in_set, by_start[pin], 1);
                        pin += 1;
                    }
                    // rows that ended before t entered earlier (start < stop < t)
                    while pout < pe {
                        change(&mut tree, &mut count, &mut in_set, pout, -1);
                        pout += 1;
                    }
                    let deaths = (pe..e_end).filter(|&k| prep.event[rows[k]]);
                    for i in deaths.clone() {
                        change(&mut tree, &mut count, &mut in_set, i, -1);
                    }
                    for i in deaths.clone() {
                        let r = rank_of[i] as usize;
                        let below = tree.prefix(r);
                        let tied = count[r];
                        c += below as u64;
                        tx += tied as u64;
                        d += (in_set - below - tied) as u64;
                    }
                    for i in deaths {
                        change(&mut tree, &mut count, &mut in_set, i, 1);
                    }
                }
                pe = e_end;
            }
            (c, d, tx)
        })
        .collect();
    let (conc, disc, tied) = parts.into_iter().fold((0u64, 0u64, 0u64), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let total = (conc + disc + tied) as f64;
    if total == 0.0 { 0.5 } else { (conc as f64 + tied as f64 / 2.0) / total }
}

/// A stratum's rows in ascending stop time: its positions read backwards, without a copy.
#[derive(Clone, Copy)]
pub(super) struct Asc<'a> {
    pub(super) stop: &'a [f64],
    pub(super) event: &'a [bool],
}

impl Asc<'_> {
    pub(super) fn len(&self) -> usize {
        self.stop.len()
    }
    pub(super) fn stop(&self, k: usize) -> f64 {
        self.stop[self.stop.len() - 1 - k]
    }
    pub(super) fn event(&self, k: usize) -> bool {
        self.event[self.event.len() - 1 - k]
    }
}

/// Concordant, discordant and tied pairs of right-censored rows (`rows` in ascending
/// stop, `rank_of`: their dense ranks of eta). Split at a time boundary near the middle:
/// the later half is counted on its own, in parallel with the earlier half on its own plus, for
/// each of its deaths, every row of the later half (all still at risk), looked up in a prefix
/// count of the later half's ranks. Integer counts, so the sum is exactly the one-pass count.
pub(super) fn right_censored_pairs(rows: Asc<'_>, rank_of: &[u32], nranks: usize) -> (u64, u64, u64) {
    let m = rows.len();
    let stop = |k: usize| rows.stop(k);
    let mut s = m / 2;
    while s > 0 && stop(s - 1) == stop(s) {
        s -= 1;
    }
    if m < 1 << 16 || s == 0 {
        return right_censored_walk(rows, rank_of, nranks, 0, m);
    }
    let (late, early) = rayon::join(
        || right_censored_walk(rows, rank_of, nranks, s, m),
        || {
            let (mut c, mut d, mut tx) = right_censored_walk(rows, rank_of, nranks, 0, s);
            let mut below_rank = vec![0u32; nranks + 1]; // later rows with rank < r
            for &r in &rank_of[s..] {
                below_rank[r as usize + 1] += 1;
            }
            for r in 0..nranks {
                below_rank[r + 1] += below_rank[r];
            }
            let later = (m - s) as u64;
            for q in 0..s {
                if rows.event(q) {
                    let r = rank_of[q] as usize;
                    let below = u64::from(below_rank[r]);
                    let tied = u64::from(below_rank[r + 1] - below_rank[r]);
                    c += below;
                    tx += tied;
                    d += later - below - tied;
                }
            }
            (c, d, tx)
        },
    );
    (late.0 + early.0, late.1 + early.1, late.2 + early.2)
}

/// The pairs among positions `from..to` alone: walk times downwards, so the set only grows; a
/// death at t is compared with the rows already in (stop > t) and the censorings at t.
pub(super) fn right_censored_walk(
    rows: Asc<'_>,
    rank_of: &[u32],
    nranks: usize,
    from: usize,
    to: usize,
) -> (u64, u64, u64) {
    let mut tree = Fenwick::new(nranks);
    let mut in_set = 0u64;
    let (mut c, mut d, mut tx) = (0u64, 0u64, 0u64);
    let mut k = to;
    while k > from {
        let t = rows.stop(k - 1);
        let mut lo = k;
        while lo > from && rows.stop(lo - 1) == t {
            lo -= 1;
        }
        for q in lo..k {
            if !rows.event(q) {
                tree.add(rank_of[q] as usize, 1);
                in_set += 1;
            }
        }
        for q in lo..k {
            if rows.event(q) {
                let r = rank_of[q] as usize;
                let below = tree.prefix(r) as u64;
                let tied = u64::from(tree.count(r));
                c += below;
                tx += tied;
                d += in_set - below - tied;
            }
        }
        for q in lo..k {
            if rows.event(q) {
                tree.add(rank_of[q] as usize, 1);
                in_set += 1;
            }
        }
        k = lo;
    }
    (c, d, tx)
}

/// Counts of rows by rank with prefix sums: a Fenwick (binary indexed) tree over blocks of
/// 2^[`Fenwick::SHIFT`] ranks, plus each rank's own count. A prefix is the tree's sum over the
/// whole blocks below plus a short run of counts within the block. Over a million ranks a
/// plain Fenwick tree is 4 MB and each update or prefix walks about ten nodes far apart in it,
/// most of them cache misses; the block tree is 32 times smaller (it stays in the core's cache),
/// so an update or prefix misses about once, at the rank's own count, which the walk needs
/// anyway for the ties. Exact integer counts, so the same sums as a plain tree.
pub(super) struct Fenwick {
    // counts of rows (at most 2^32 - 1, see `prepare`): u32 halves the memory traffic
    pub(super) blocks: Vec<u32>,
    pub(super) counts: Vec<u32>,
}

impl Fenwick {
    const SHIFT: usize = 5;

    pub(super) fn new(n: usize) -> Self {
        Self { blocks: vec![0; (n >> Self::SHIFT) + 2], counts: vec![0; n] }
    }
    pub(super) fn add(&mut self, i: usize, v: i64) {
        let v = v as u32; // -1 wraps; every true sum stays a count in range
        self.counts[i] = self.counts[i].wrapping_add(v);
        let mut k = (i >> Self::SHIFT) + 1;
        while k < self.blocks.len() {
            self.blocks[k] = self.blocks[k].wrapping_add(v);
            k += k & k.wrapping_neg();
        }
    }
    /// Sum over ranks < i.
    pub(super) fn prefix(&self, i: usize) -> i64 {
        let mut k = i >> Self::SHIFT;
        let mut s = 0u32;
        while k > 0 {
            s = s.wrapping_add(self.blocks[k]);
            k -= k & k.wrapping_neg();
        }
        let within = self.counts[(i >> Self::SHIFT) << Self::SHIFT..i].iter().fold(0u32, |a, &c| a.wrapping_add(c));
        i64::from(s.wrapping_add(within))
    }
    /// The count at rank i.
    pub(super) fn count(&self, i: usize) -> u32 {
        self.counts[i]
    }
}
