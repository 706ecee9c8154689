//! The risk-set order of the rows: an LSD radix sort of (key, row) pairs and a stable counting sort
//! by stratum, O(n) per pass.

/// The rows in order of (stratum, key, row): a radix sort (stable, so equal keys keep their
/// input order) of the keys with their row numbers ([`radix_sort_pairs`]); then a stable counting
/// sort by stratum. A total order, so the same
/// permutation as any correct sort, in O(n) per pass. The sort's two buffers are left in `spare`.
pub(super) fn sort_order(
    keys: Vec<(u64, u32)>,
    strata: Option<&[usize]>,
    spare: &mut [Vec<(u64, u32)>; 2],
) -> Vec<usize> {
    let n = keys.len();
    let cur = radix_sort_pairs(keys, &mut spare[0]);
    let perm = match strata {
        None => cur.iter().map(|e| e.1 as usize).collect(),
        Some(s) => {
            let k = s.iter().copied().max().unwrap_or(0) + 1;
            let mut start = vec![0usize; k + 1];
            for &g in s {
                start[g + 1] += 1;
            }
            for g in 0..k {
                start[g + 1] += start[g];
            }
            let mut out = vec![0usize; n];
            for &(_, i) in &cur {
                let g = s[i as usize];
                out[start[g]] = i as usize;
                start[g] += 1;
            }
            out
        }
    };
    spare[1] = cur;
    perm
}

/// Sorts (key, index) pairs by key, stably (pairs listed in increasing index come out ordered by
/// (key, index)). An LSD radix sort by 11-bit digits over the lowest 11 and the highest 33 bits of
/// the key (passes on which all keys agree skipped), then each run of pairs with the same highest
/// bits, already ordered by (lowest bits, index), is checked and, if its middle bits differ, sorted
/// by (key, index). The keys sorted here (stop times with an event flag in the lowest bit, linear
/// predictors) almost never share their highest 33 bits without sharing the middle ones too, so
/// two of the six passes a full sort needs are saved; the result is the same total order.
/// `spare` is the sort's second buffer (its memory reused when it has room) and holds it after.
pub(super) fn radix_sort_pairs(mut cur: Vec<(u64, u32)>, spare: &mut Vec<(u64, u32)>) -> Vec<(u64, u32)> {
    let n = cur.len();
    if n < 1 << 12 {
        cur.sort_unstable();
        return cur;
    }
    // 11-bit digits: the 2048 counters and write positions of a pass stay in the first-level
    // cache (16-bit digits scatter to 65,536 places and miss on most writes); all the digits'
    // counts in one read of the keys
    const BITS: u32 = 11;
    const B: usize = 1 << BITS;
    const SHIFTS: [u32; 4] = [0, 31, 42, 53];
    const HIGH: u32 = 31;
    let mut counts = vec![[0usize; B]; SHIFTS.len()];
    for &(k, _) in &cur {
        for (&sh, count) in SHIFTS.iter().zip(counts.iter_mut()) {
            count[((k >> sh) as usize) & (B - 1)] += 1;
        }
    }
    let mut buf = std::mem::take(spare);
    buf.clear();
    buf.resize(n, (0, 0));
    for (&sh, count) in SHIFTS.iter().zip(counts.iter_mut()) {
        let digit = |k: u64| ((k >> sh) as usize) & (B - 1);
        if count.contains(&n) {
            continue;
        }
        let mut acc = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = acc;
            acc += here;
        }
        for &e in &cur {
            let b = digit(e.0);
            buf[count[b]] = e;
            count[b] += 1;
        }
        std::mem::swap(&mut cur, &mut buf);
    }
    *spare = buf;
    let mut lo = 0;
    while lo < n {
        let high = cur[lo].0 >> HIGH;
        let mut hi = lo + 1;
        let mut sorted = true;
        while hi < n && cur[hi].0 >> HIGH == high {
            sorted &= cur[hi - 1] <= cur[hi];
            hi += 1;
        }
        if !sorted {
            cur[lo..hi].sort_unstable();
        }
        lo = hi;
    }
    cur
}
