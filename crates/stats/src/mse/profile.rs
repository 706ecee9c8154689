//! Profile-likelihood interval for the population size under a fixed model.
//!
//! The dark figure is `exp(β₀)`. For each value `c` of `β₀` the other parameters are refitted
//! with `β₀` held at `c` (an offset); the interval is `{c : D(c) − D(β̂₀) ≤ χ²₁(level)}` mapped to
//! `n + exp(c)` (Cormack 1992, Biometrics 48:567, in its Poisson form; Venzon & Moolgavkar 1988).
//! Unlike the Wald interval it follows the skew of the likelihood.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::fit::design;
use super::glm::poisson_irls;
use super::{CaptureTable, ModelFit, MseError};

/// A confidence interval for the population size; a side is `None` when the likelihood never
/// falls far enough on that side (no finite bound).
pub type Interval = (Option<f64>, Option<f64>);

/// The profile-likelihood interval at `level` (e.g. 0.95) for the population size under the
/// model of `fit`, which must have a finite estimate.
pub fn profile_interval(table: &CaptureTable, fit: &ModelFit, level: f64) -> Result<Interval, MseError> {
    if !(level > 0.0 && level < 1.0) {
        return Err(MseError::Invalid(format!("confidence level must lie in (0, 1), got {level}")));
    }
    let (Some(u), Some(dev0)) = (fit.unobserved, fit.deviance) else {
        return Ok((None, None));
    };
    let d = design(table, &fit.model);
    let (n, p) = (d.n(), d.p());
    // Design without the intercept column.
    let q = p - 1;
    let x: Vec<f64> = (0..n).flat_map(|i| d.x[i * p + 1..(i + 1) * p].iter().copied()).collect();
    let crit = ChiSquared::new(1.0).map_err(|e| MseError::Invalid(e.to_string()))?.inverse_cdf(level);
    let b0 = u.ln();
    let excess = |c: f64| -> Option<f64> {
        let off = vec![c; n];
        poisson_irls(&x, n, q, &d.y, Some(&off)).ok().map(|g| g.deviance - dev0 - crit)
    };
    let se = fit.log_unobserved_se.unwrap_or(0.1).max(1e-3);
    let bound = |dir: f64| -> Option<f64> {
        // Expand until the deviance excess is positive, then bisect.
        let mut inner = b0;
        let mut step = se;
        let mut outer = b0 + dir * step;
        let mut found = false;
        for _ in 0..60 {
            match excess(outer) {
                Some(e) if e > 0.0 => {
                    found = true;
                    break;
                }
                Some(_) => {
                    inner = outer;
                    step *= 2.0;
                    outer = b0 + dir * step;
                    if step > 60.0 {
                        break;
                    }
                }
                None => break,
            }
        }
        if !found {
            return None;
        }
        for _ in 0..200 {
            let mid = 0.5 * (inner + outer);
            match excess(mid) {
                Some(e) if e > 0.0 => outer = mid,
                Some(_) => inner = mid,
                None => return None,
            }
            if (outer - inner).abs() < 1e-11 {
                break;
            }
        }
        Some(0.5 * (inner + outer))
    };
    // Below, the population cannot fall under the observed count: no crossing means the bound is n.
    let lo = Some(bound(-1.0).map_or(fit.observed, |c| fit.observed + c.exp()));
    let hi = bound(1.0).map(|c| fit.observed + c.exp());
    Ok((lo, hi))
}
