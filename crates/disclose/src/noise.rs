//! Exact sampling of the discrete Laplace distribution, `P(X = x) ∝ exp(−|x| · s/t)`, with only
//! integer arithmetic and uniform integers (Canonne, Kamath & Steinke 2020, "The Discrete Gaussian
//! for Differential Privacy", NeurIPS, Algorithms 1 and 2). With `s/t = ε` and a count of L1
//! sensitivity 1 this is ε-differentially private (the geometric mechanism, Ghosh, Roughgarden &
//! Sundararajan 2009). Floating-point Laplace noise is not used: its rounding leaks (Mironov 2012).

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// A seeded generator for the noise of one table.
pub fn rng(seed: u64, salt: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Bernoulli(n/d), exactly.
fn bernoulli_ratio<R: RngExt + ?Sized>(rng: &mut R, n: u128, d: u128) -> bool {
    rng.random_range(0..d) < n
}

/// Bernoulli(exp(−n/d)) for 0 ≤ n/d ≤ 1 (Algorithm 1 of Canonne et al., first case).
fn bernoulli_exp_small<R: RngExt + ?Sized>(rng: &mut R, n: u128, d: u128) -> bool {
    let mut k: u128 = 1;
    loop {
        if !bernoulli_ratio(rng, n, d * k) {
            return k % 2 == 1;
        }
        k += 1;
    }
}

/// Bernoulli(exp(−n/d)) for any n/d ≥ 0 (Algorithm 1, second case).
pub fn bernoulli_exp<R: RngExt + ?Sized>(rng: &mut R, n: u128, d: u128) -> bool {
    let mut n = n;
    while n > d {
        if !bernoulli_exp_small(rng, 1, 1) {
            return false;
        }
        n -= d;
    }
    bernoulli_exp_small(rng, n, d)
}

/// One draw of the discrete Laplace distribution with parameter `s/t` (Algorithm 2 of Canonne et al.).
pub fn discrete_laplace<R: RngExt + ?Sized>(rng: &mut R, s: u64, t: u64) -> i64 {
    let (s, t) = (u128::from(s.max(1)), u128::from(t.max(1)));
    loop {
        let u = rng.random_range(0..t);
        if !bernoulli_exp(rng, u, t) {
            continue;
        }
        let mut v: u128 = 0;
        while bernoulli_exp(rng, 1, 1) {
            v += 1;
        }
        let x = u + t * v;
        let y = (x / s) as i64;
        let negative = rng.random_range(0..2u8) == 1;
        if negative && y == 0 {
            continue;
        }
        return if negative { -y } else { y };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The empirical distribution matches P(x) = (1−q)/(1+q) q^|x|, q = exp(−ε), for ε = 0.5.
    #[test]
    fn discrete_laplace_has_the_right_distribution() {
        let mut r = rng(42, 1);
        let n = 200_000;
        let mut counts = std::collections::BTreeMap::new();
        for _ in 0..n {
            *counts.entry(discrete_laplace(&mut r, 500, 1000)).or_insert(0u32) += 1;
        }
        let q = (-0.5f64).exp();
        for x in -3i64..=3 {
            let p = (1.0 - q) / (1.0 + q) * q.powi(x.unsigned_abs() as i32);
            let got = f64::from(*counts.get(&x).unwrap_or(&0)) / f64::from(n);
            let se = (p * (1.0 - p) / f64::from(n)).sqrt();
            assert!((got - p).abs() < 5.0 * se, "x={x}: {got} vs {p}");
        }
        let mean: f64 = counts.iter().map(|(&k, &c)| k as f64 * f64::from(c)).sum::<f64>() / f64::from(n);
        assert!(mean.abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn bernoulli_exp_matches_its_probability() {
        let mut r = rng(1, 2);
        let n = 100_000;
        let hits = (0..n).filter(|_| bernoulli_exp(&mut r, 3, 2)).count();
        let p = (-1.5f64).exp();
        let got = hits as f64 / n as f64;
        assert!((got - p).abs() < 5.0 * (p * (1.0 - p) / n as f64).sqrt(), "{got} vs {p}");
    }
}
