//! Post-hoc calibration from a clerical review (issue 15, item 3): the decisions a reviewer took
//! on a sample of scored pairs refit the map from match weight to probability, by Platt scaling
//! (Platt 1999): `p = 1 / (1 + exp(-(a·w + b)))` for a pair of weight `w` (bits), `a` and `b`
//! maximising the likelihood of the decisions, with Platt's smoothed targets
//! `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)` so that a small review cannot yield certainty. Fitted
//! by Newton's method with step halving (Lin, Lin & Weng 2007). The ranking of pairs is kept; only
//! what a probability means changes.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Fewest reviewed pairs of each kind (match, non-match) for a fit.
pub const MIN_PER_CLASS: usize = 5;

/// A fitted Platt map from match weight (bits) to probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Slope per bit of match weight (the model's own map has ln 2 ≈ 0.693).
    pub a: f64,
    /// Intercept (the model's own map has 0).
    pub b: f64,
    /// Reviewed pairs the fit used.
    pub pairs: usize,
    /// Of them, the reviewer's matches.
    pub matches: usize,
}

impl Platt {
    /// Fits the map to `(weight, is_match)` decisions. Refuses, saying how many of each are
    /// needed, when either kind has fewer than [`MIN_PER_CLASS`] pairs.
    pub fn fit(decisions: &[(f64, bool)]) -> Result<Self, Error> {
        let pos = decisions.iter().filter(|(_, m)| *m).count();
        let neg = decisions.len() - pos;
        if pos < MIN_PER_CLASS || neg < MIN_PER_CLASS {
            return Err(Error::Spec(format!(
                "a review needs at least {MIN_PER_CLASS} pairs judged a match and {MIN_PER_CLASS} judged not a match to calibrate; it has {pos} and {neg}"
            )));
        }
        let hi = (pos as f64 + 1.0) / (pos as f64 + 2.0);
        let lo = 1.0 / (neg as f64 + 2.0);
        let t: Vec<f64> = decisions.iter().map(|(_, m)| if *m { hi } else { lo }).collect();
        let w: Vec<f64> = decisions.iter().map(|(w, _)| *w).collect();
        // Start at the model's own map.
        let (mut a, mut b) = (std::f64::consts::LN_2, 0.0);
        let nll = |a: f64, b: f64| -> f64 {
            w.iter()
                .zip(&t)
                .map(|(w, t)| {
                    let z = a * w + b;
                    // -(t log p + (1-t) log(1-p)) with p = σ(z), stably.
                    let log1pexp = if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
                    log1pexp - t * z
                })
                .sum()
        };
        let mut f = nll(a, b);
        for _ in 0..100 {
            let (mut g1, mut g2, mut h11, mut h22, mut h21) = (0.0, 0.0, 1e-12, 1e-12, 0.0);
            for (wi, ti) in w.iter().zip(&t) {
                let p = 1.0 / (1.0 + (-(a * wi + b)).exp());
                let d = p - ti;
                let s = p * (1.0 - p);
                g1 += d * wi;
                g2 += d;
                h11 += s * wi * wi;
                h22 += s;
                h21 += s * wi;
            }
            if g1.abs() < 1e-10 && g2.abs() < 1e-10 {
                break;
            }
            let det = h11 * h22 - h21 * h21;
            let (da, db) = (-(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det);
            let mut step = 1.0;
            loop {
                let (na, nb) = (a + step * da, b + step * db);
                let nf = nll(na, nb);
                if nf <= f + 1e-4 * step * (g1 * da + g2 * db) {
                    a = na;
                    b = nb;
                    f = nf;
                    break;
                }
                step /= 2.0;
                if step < 1e-10 {
                    return Ok(Self { a, b, pairs: decisions.len(), matches: pos });
                }
            }
        }
        Ok(Self { a, b, pairs: decisions.len(), matches: pos })
    }

    /// The calibrated probability of a pair of match weight `w` (bits).
    pub fn probability(&self, w: f64) -> f64 {
        1.0 / (1.0 + (-(self.a * w + self.b)).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_map_and_refuses_a_one_sided_review() {
        // Decisions drawn so that P(match | w) = σ(0.3 w − 1): the fit finds the map back.
        let mut decisions = Vec::new();
        for k in 0..4000 {
            let w = -10.0 + 20.0 * (k as f64 + 0.5) / 4000.0;
            let p = 1.0 / (1.0 + (-(0.3 * w - 1.0)).exp());
            // A deterministic stand-in for a draw: the pair is a match when a van der Corput
            // number is below p.
            let (mut x, mut f, mut i) = (0.0, 0.5, k + 1);
            while i > 0 {
                x += f * (i % 2) as f64;
                i /= 2;
                f /= 2.0;
            }
            decisions.push((w, x < p));
        }
        let fit = Platt::fit(&decisions).unwrap();
        assert!((fit.a - 0.3).abs() < 0.03 && (fit.b + 1.0).abs() < 0.1, "{fit:?}");
        let one_sided: Vec<(f64, bool)> = (0..20).map(|k| (k as f64, true)).collect();
        assert!(Platt::fit(&one_sided).unwrap_err().to_string().contains("it has 20 and 0"));
    }
}
