//! Cell-key perturbation for the public edition (the ABS TableBuilder method: Fraser & Wooton 2005,
//! "A proposed method for confidentialising tabular output to protect against differencing"; Thompson,
//! Broadfoot & Elazar 2013; Destatis/ONS implement the same idea).
//!
//! Every published count gets noise `n ∈ {−2, …, 2}` that is a **fixed function of the cell and its
//! true value**: the cell's key is a keyed hash (HMAC-SHA256 under the register's secret) of the
//! cell's name in the release model, so the same cell gets the same noise in every table, every
//! period and every re-run, and there is nothing to average away. The ABS method sums per-record
//! keys instead; that also gives two differently *defined* cells with the same records the same
//! noise. The monitor publishes a fixed release in which every count is named once across tables
//! and releases ([`crate::linked`]), so the name is the cell.
//!
//! The perturbation table is public (the guarantee must not rest on its secrecy; only the key is
//! secret): unbiased in every row, never below the threshold (a shown count is ≥ 10, as in the
//! internal edition), at most 2 away. What a reader learns from a shown `p` is
//! `truth ∈ [max(p − 2, 10), p + 2]` ([`CellKey::window`]), the same width as rounding to 5; the
//! release-wide audit protects every small count against those windows.

use hmac::{KeyInit, Mac};

/// The largest noise, either way.
pub const MAX_NOISE: i64 = 2;

/// The perturbation table: for a true count `v` (≥ the threshold `t`), the probabilities of
/// noise −2 … 2. Each row has mean 0 and keeps `v + n ≥ t`: `t` itself is never perturbed, `t + 1`
/// by at most one down; from `t + 2` on the row is (0.1, 0.2, 0.4, 0.2, 0.1), variance 1.2.
pub fn row(v: i64, threshold: i64) -> [f64; 5] {
    match v - threshold {
        d if d <= 0 => [0.0, 0.0, 1.0, 0.0, 0.0],
        1 => [0.0, 0.25, 0.5, 0.25, 0.0],
        _ => [0.1, 0.2, 0.4, 0.2, 0.1],
    }
}

/// The register's perturbation key (32 bytes). Never published, never printed: with it anyone could
/// remove the noise.
#[derive(Clone, PartialEq, Eq)]
pub struct CellKey([u8; 32]);

impl std::fmt::Debug for CellKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CellKey(..)")
    }
}

impl CellKey {
    pub fn new(secret: [u8; 32]) -> Self {
        CellKey(secret)
    }

    /// The cell's uniform key in [0, 1): the first 64 bits of HMAC-SHA256(secret, name).
    pub fn uniform(&self, name: &str) -> f64 {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"zicht cell key v1\0");
        mac.update(name.as_bytes());
        let out = mac.finalize().into_bytes();
        let mut b = [0u8; 8];
        b.copy_from_slice(&out[..8]);
        // 53 bits: exactly representable, so the lookup below is the same on every platform.
        (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The noise of cell `name` with true count `v`: the inverse of [`row`]'s distribution at the
    /// cell's uniform key. Counts below the threshold are never shown, so they get none.
    pub fn noise(&self, name: &str, v: i64, threshold: i64) -> i64 {
        if v < threshold {
            return 0;
        }
        let u = self.uniform(name);
        let mut acc = 0.0;
        for (i, p) in row(v, threshold).iter().enumerate() {
            acc += p;
            if u < acc {
                return i as i64 - MAX_NOISE;
            }
        }
        // Rounding of the last cumulative sum: the last noise with positive probability.
        row(v, threshold).iter().rposition(|&p| p > 0.0).expect("a row has mass") as i64 - MAX_NOISE
    }

    /// The published value of cell `name` with true count `v`.
    pub fn perturb(&self, name: &str, v: i64, threshold: i64) -> i64 {
        v + self.noise(name, v, threshold)
    }
}

/// What a reader knows of a true count from its published perturbed value `p`: the values that could
/// have given it under [`row`] (public, with the threshold).
pub fn window(p: i64, threshold: i64) -> (i64, i64) {
    let lo = (p - MAX_NOISE..=p).find(|&v| v >= threshold && possible(v, p - v, threshold)).unwrap_or(p);
    let hi = (p..=p + MAX_NOISE).rev().find(|&v| possible(v, p - v, threshold)).unwrap_or(p);
    (lo, hi)
}

fn possible(v: i64, n: i64, threshold: i64) -> bool {
    (-MAX_NOISE..=MAX_NOISE).contains(&n) && row(v, threshold)[(n + MAX_NOISE) as usize] > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_distribution_with_mean_zero_that_stays_at_or_above_the_threshold() {
        for v in 10..40 {
            let r = row(v, 10);
            assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12, "row {v}");
            let mean: f64 = r.iter().enumerate().map(|(i, p)| (i as f64 - 2.0) * p).sum();
            assert!(mean.abs() < 1e-12, "row {v} has mean {mean}");
            for (i, &p) in r.iter().enumerate() {
                if p > 0.0 {
                    assert!(v + i as i64 - 2 >= 10, "row {v} can publish {}", v + i as i64 - 2);
                }
            }
        }
    }

    #[test]
    fn the_same_cell_gets_the_same_noise_and_other_cells_get_the_table_distribution() {
        let k = CellKey::new([7; 32]);
        let again = CellKey::new([7; 32]);
        let other = CellKey::new([8; 32]);
        let mut counts = [0usize; 5];
        let mut differs = 0;
        let n = 20_000;
        for i in 0..n {
            let name = format!("reports|form=sexual|year={i}");
            let a = k.noise(&name, 50, 10);
            assert_eq!(a, again.noise(&name, 50, 10), "same key, same cell, same noise");
            counts[(a + 2) as usize] += 1;
            differs += usize::from(a != other.noise(&name, 50, 10));
        }
        // Empirical frequencies within 4 standard errors of the table's.
        for (i, &c) in counts.iter().enumerate() {
            let p = row(50, 10)[i];
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(((c as f64 / n as f64) - p).abs() < 4.0 * se, "noise {}: {c} of {n}", i as i64 - 2);
        }
        // Another register's key draws independently: P(equal) = Σp² = 0.26.
        assert!((differs as f64 / n as f64 - 0.74).abs() < 0.02, "{differs}");
    }

    #[test]
    fn the_window_holds_every_truth_that_could_give_the_published_value_and_no_other() {
        for p in 10..30 {
            let (lo, hi) = window(p, 10);
            for v in 8..35 {
                let could = (-2..=2).any(|n| v + n == p && v >= 10 && possible(v, n, 10));
                assert_eq!(could, (lo..=hi).contains(&v), "published {p}, truth {v}: window {lo}–{hi}");
            }
        }
        assert_eq!(window(10, 10), (10, 12));
        assert_eq!(window(11, 10), (11, 13), "11 comes from 11, 12 or 13 (10 is never perturbed up)");
        assert_eq!(window(20, 10), (18, 22));
    }

    #[test]
    fn counts_below_the_threshold_are_left_alone_and_the_key_is_never_printed() {
        let k = CellKey::new([1; 32]);
        assert_eq!(k.perturb("a", 3, 10), 3);
        assert_eq!(format!("{k:?}"), "CellKey(..)");
    }
}
