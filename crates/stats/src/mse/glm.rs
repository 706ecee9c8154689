//! Poisson regression with log link by iteratively reweighted least squares (Newton–Raphson,
//! which IRLS is for the canonical link; McCullagh & Nelder 1989, §2.5).

use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};

/// A fitted Poisson GLM.
#[derive(Debug, Clone)]
pub(crate) struct GlmFit {
    pub beta: Vec<f64>,
    pub mu: Vec<f64>,
    pub deviance: f64,
    /// Poisson log-likelihood `Σ y log μ − μ − log y!`.
    pub loglik: f64,
    /// Inverse Fisher information `(XᵀWX)⁻¹`, row-major `p × p`.
    pub cov: Vec<f64>,
}

/// Why a fit failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GlmError {
    /// `XᵀWX` is not positive definite: the parameters are not identifiable.
    Singular,
    /// No convergence in the iteration limit (a sign that the MLE does not exist).
    NoConvergence,
}

const MAX_ITER: usize = 100;
/// Relative change of deviance at which the iteration stops; tighter than R's `glm` (1e-8) so
/// that the coefficients agree with a reference fit to well below 1e-6.
const TOL: f64 = 1e-12;

/// Poisson deviance `2 Σ [y log(y/μ) − (y − μ)]` (a zero count contributes `2μ`).
pub(crate) fn deviance(y: &[f64], mu: &[f64]) -> f64 {
    2.0 * y.iter().zip(mu).map(|(&y, &m)| if y > 0.0 { y * (y / m).ln() - (y - m) } else { m }).sum::<f64>()
}

fn loglik(y: &[f64], mu: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let ly = if y > 0.0 { y * m.ln() } else { 0.0 };
            ly - m - statrs::function::gamma::ln_gamma(y + 1.0)
        })
        .sum()
}

/// Fits `log μ = Xβ + offset` to counts `y` by IRLS. `x` is row-major `n × p`.
///
/// Starts from `μ = y + 0.1` as R's `glm` does for the Poisson family, and halves a step whose
/// deviance is not finite.
pub(crate) fn poisson_irls(
    x: &[f64],
    n: usize,
    p: usize,
    y: &[f64],
    offset: Option<&[f64]>,
) -> Result<GlmFit, GlmError> {
    debug_assert_eq!(x.len(), n * p);
    let off = |i: usize| offset.map_or(0.0, |o| o[i]);
    let mut mu: Vec<f64> = y.iter().map(|&v| v + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut beta = vec![0.0; p];
    let mut dev_old = deviance(y, &mu);
    let mut first = true;
    let mut xtwx = Mat::<f64>::zeros(p, p);
    let mut rhs = Mat::<f64>::zeros(p, 1);
    for _ in 0..MAX_ITER {
        // Weighted least squares: (XᵀWX) β = XᵀW z, with z = η − offset + (y − μ)/μ and W = μ.
        for a in 0..p {
            rhs[(a, 0)] = 0.0;
            for b in 0..p {
                xtwx[(a, b)] = 0.0;
            }
        }
        for i in 0..n {
            let w = mu[i];
            let z = eta[i] - off(i) + (y[i] - mu[i]) / mu[i];
            let row = &x[i * p..(i + 1) * p];
            for a in 0..p {
                let xa = row[a];
                if xa == 0.0 {
                    continue;
                }
                let wa = w * xa;
                rhs[(a, 0)] += wa * z;
                for b in 0..=a {
                    xtwx[(a, b)] += wa * row[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                xtwx[(b, a)] = xtwx[(a, b)];
            }
        }
        let llt = xtwx.llt(Side::Lower).map_err(|_| GlmError::Singular)?;
        let new_beta_m = llt.solve(&rhs);
        let new_beta: Vec<f64> = (0..p).map(|a| new_beta_m[(a, 0)]).collect();
        // Step, halving while the deviance is not finite.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..30 {
            let cand: Vec<f64> = if first || step == 1.0 {
                new_beta.clone()
            } else {
                beta.iter().zip(&new_beta).map(|(o, nb)| o + step * (nb - o)).collect()
            };
            let cand_eta: Vec<f64> = (0..n)
                .map(|i| x[i * p..(i + 1) * p].iter().zip(&cand).map(|(a, b)| a * b).sum::<f64>() + off(i))
                .collect();
            let cand_mu: Vec<f64> = cand_eta.iter().map(|e| e.exp()).collect();
            let dev = deviance(y, &cand_mu);
            if dev.is_finite() && cand_mu.iter().all(|m| *m > 0.0 && m.is_finite()) {
                accepted = Some((cand, cand_eta, cand_mu, dev));
                break;
            }
            if first {
                return Err(GlmError::NoConvergence);
            }
            step *= 0.5;
        }
        let Some((b, e, m, dev)) = accepted else {
            return Err(GlmError::NoConvergence);
        };
        beta = b;
        eta = e;
        mu = m;
        first = false;
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < TOL {
            return Ok(finish(x, n, p, y, beta, mu, dev));
        }
        dev_old = dev;
    }
    Err(GlmError::NoConvergence)
}

fn finish(x: &[f64], n: usize, p: usize, y: &[f64], beta: Vec<f64>, mu: Vec<f64>, dev: f64) -> GlmFit {
    // Covariance at the final μ.
    let mut info = Mat::<f64>::zeros(p, p);
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        for a in 0..p {
            for b in 0..=a {
                info[(a, b)] += mu[i] * row[a] * row[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            info[(b, a)] = info[(a, b)];
        }
    }
    let cov = match info.llt(Side::Lower) {
        Ok(llt) => {
            let inv = llt.inverse();
            (0..p * p).map(|ij| inv[(ij / p, ij % p)]).collect()
        }
        Err(_) => vec![f64::NAN; p * p],
    };
    let ll = loglik(y, &mu);
    GlmFit { beta, mu, deviance: dev, loglik: ll, cov }
}

/// Numerical rank of a row-major `n × p` matrix from its singular values (relative tolerance
/// `max(n, p) · ε · σ_max`, as numpy's `matrix_rank`).
pub(crate) fn rank(x: &[f64], n: usize, p: usize) -> usize {
    if n == 0 || p == 0 {
        return 0;
    }
    let m = Mat::<f64>::from_fn(n, p, |i, j| x[i * p + j]);
    let Ok(sv) = m.singular_values() else {
        return 0;
    };
    let smax = sv.iter().cloned().fold(0.0, f64::max);
    let tol = smax * (n.max(p) as f64) * f64::EPSILON * 16.0;
    sv.iter().filter(|s| **s > tol).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturated_fit_reproduces_counts() {
        // Two cells, intercept + indicator: saturated.
        let x = [1.0, 0.0, 1.0, 1.0];
        let y = [10.0, 30.0];
        let f = poisson_irls(&x, 2, 2, &y, None).unwrap();
        assert!((f.mu[0] - 10.0).abs() < 1e-9 && (f.mu[1] - 30.0).abs() < 1e-9);
        assert!((f.beta[1] - 3f64.ln()).abs() < 1e-9);
        assert!(f.deviance.abs() < 1e-9);
        // var(log 10) = 1/10
        assert!((f.cov[0] - 0.1).abs() < 1e-9);
    }

    #[test]
    fn singular_design_is_reported() {
        let x = [1.0, 1.0, 1.0, 1.0];
        assert_eq!(poisson_irls(&x, 2, 2, &[1.0, 2.0], None).unwrap_err(), GlmError::Singular);
        assert_eq!(rank(&x, 2, 2), 1);
    }
}
