//! Existence and identifiability of the (extended) maximum likelihood estimate.
//!
//! For a log-linear model with design `A` (cells × parameters) and observed margins `t = Aᵀy`, the
//! MLE exists if and only if `t` lies in the relative interior of the marginal cone `{Aᵀz : z ≥ 0}`
//! (Fienberg & Rinaldo 2012, Ann. Statist. 40:996, Thm 3 and the LP of their supplement, §3).
//! Following Chan, Silverman & Vincent (2021, JASA 116:1297, §2.3) this is decided by the linear
//! program
//!
//! ```text
//! maximise s  subject to  Aᵀz = t,  z_c ≥ s for every cell c,  s ≥ 0,
//! ```
//!
//! whose optimum is positive exactly when a strictly positive `z` with the observed margins exists.
//! The check runs on the design after the cells of non-overlapping list pairs have been removed
//! (the extended MLE, see [`super::fit`]). The model is identifiable when that design has full
//! column rank.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::MseError;

/// Optimum below which (with margins scaled to total 1) the LP is taken to be zero.
const LP_ZERO: f64 = 1e-9;

/// Decides whether the MLE exists for design `x` (row-major `n × p`, first column the intercept)
/// and counts `y`.
pub(crate) fn mle_exists(x: &[f64], n: usize, p: usize, y: &[f64]) -> Result<bool, MseError> {
    if n == 0 {
        return Ok(false);
    }
    // Sufficient: the counts themselves are a strictly positive point with the right margins.
    if y.iter().all(|&v| v > 0.0) {
        return Ok(true);
    }
    let total: f64 = y.iter().sum();
    if total <= 0.0 {
        return Ok(false);
    }
    let mut t = vec![0.0; p];
    for i in 0..n {
        for j in 0..p {
            t[j] += x[i * p + j] * y[i] / total;
        }
    }
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let z: Vec<_> = (0..n).map(|_| lp.add_var(0.0, (0.0, f64::INFINITY))).collect();
    let s = lp.add_var(1.0, (0.0, 1.0));
    for j in 0..p {
        let expr: Vec<_> = (0..n).filter(|&i| x[i * p + j] != 0.0).map(|i| (z[i], x[i * p + j])).collect();
        if expr.is_empty() {
            // A parameter that touches no cell: its margin is 0, and it is not estimable.
            if t[j] != 0.0 {
                return Ok(false);
            }
            continue;
        }
        lp.add_constraint(expr.as_slice(), ComparisonOp::Eq, t[j]);
    }
    for &zi in &z {
        lp.add_constraint([(zi, 1.0), (s, -1.0)], ComparisonOp::Ge, 0.0);
    }
    let outcome = lp.solve().map_err(|e| MseError::Lp(e.to_string()))?;
    let sol = outcome.into_solution().map_err(|e| MseError::Lp(format!("{:?}", e.termination_reason())))?;
    Ok(sol.objective() > LP_ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independence in a 2×2 table with one empty cell: the MLE does not exist.
    #[test]
    fn empty_cell_in_saturated_model_has_no_mle() {
        // cells 01, 10, 11 of two lists; columns intercept, A, B
        let x = [1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        assert!(mle_exists(&x, 3, 3, &[5.0, 4.0, 3.0]).unwrap());
        assert!(!mle_exists(&x, 3, 3, &[5.0, 4.0, 0.0]).unwrap());
    }
}
