//! Small dense symmetric linear algebra for p x p information matrices (p is the number of
//! covariates or groups, rarely above a few dozen), row-major.
//!
//! An LDL' decomposition with a tolerance on the pivots: a pivot below `toler` times the largest
//! diagonal element marks that direction as redundant (rank deficient). This is the classical
//! approach to singular information matrices (e.g. Therneau & Grambsch 2000, Modeling Survival
//! Data, section 3.3), and it gives a generalised inverse with zero rows for redundant directions.

/// LDL' factor of a symmetric matrix, stored in one row-major `p x p` buffer: D on the diagonal,
/// L strictly below it. `zero[i]` marks a pivot treated as zero.
#[derive(Debug, Clone)]
pub(crate) struct Ldl {
    p: usize,
    a: Vec<f64>,
    zero: Vec<bool>,
}

impl Ldl {
    /// Factors `m` (row-major p x p symmetric; only the lower triangle is read).
    pub(crate) fn new(m: &[f64], p: usize, toler: f64) -> Self {
        let mut a = m.to_vec();
        let mut zero = vec![false; p];
        let eps = (0..p).map(|i| a[i * p + i].abs()).fold(0.0, f64::max) * toler;
        for i in 0..p {
            let pivot = a[i * p + i];
            if !(pivot.is_finite() && pivot > eps) {
                zero[i] = true;
                for j in i..p {
                    a[j * p + i] = 0.0;
                }
                a[i * p + i] = 0.0;
                continue;
            }
            for j in (i + 1)..p {
                let t = a[j * p + i] / pivot;
                a[j * p + i] = t;
                for k in (i + 1)..=j {
                    a[j * p + k] -= t * a[k * p + i] * pivot;
                }
            }
        }
        Ldl { p, a, zero }
    }

    /// The rank: the number of non-zero pivots.
    #[cfg(test)]
    pub(crate) fn rank(&self) -> usize {
        self.zero.iter().filter(|z| !**z).count()
    }

    /// The first direction that was found redundant, if any.
    pub(crate) fn first_zero(&self) -> Option<usize> {
        self.zero.iter().position(|z| *z)
    }

    /// Solves `M x = b` in the generalised sense (redundant directions get 0).
    pub(crate) fn solve(&self, b: &[f64]) -> Vec<f64> {
        let p = self.p;
        let mut x = b.to_vec();
        for i in 0..p {
            if self.zero[i] {
                x[i] = 0.0;
                continue;
            }
            let mut s = x[i];
            for k in 0..i {
                s -= self.a[i * p + k] * x[k];
            }
            x[i] = s;
        }
        for i in 0..p {
            x[i] = if self.zero[i] { 0.0 } else { x[i] / self.a[i * p + i] };
        }
        for i in (0..p).rev() {
            if self.zero[i] {
                x[i] = 0.0;
                continue;
            }
            let mut s = x[i];
            for k in (i + 1)..p {
                s -= self.a[k * p + i] * x[k];
            }
            x[i] = s;
        }
        x
    }

    /// The (generalised) inverse, row-major.
    pub(crate) fn inverse(&self) -> Vec<f64> {
        let p = self.p;
        let mut inv = vec![0.0; p * p];
        let mut e = vec![0.0; p];
        for j in 0..p {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = self.solve(&e);
            for i in 0..p {
                inv[i * p + j] = col[i];
            }
        }
        inv
    }
}

/// `x' M x` for a row-major symmetric matrix.
pub(crate) fn quad_form(m: &[f64], x: &[f64]) -> f64 {
    let p = x.len();
    let mut s = 0.0;
    for i in 0..p {
        for j in 0..p {
            s += x[i] * m[i * p + j] * x[j];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts_a_positive_definite_matrix() {
        let m = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let f = Ldl::new(&m, 3, 1e-12);
        assert_eq!(f.rank(), 3);
        let x = f.solve(&[1.0, 2.0, 3.0]);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| m[i * 3 + j] * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = f.inverse();
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| m[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((r - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn flags_a_redundant_direction() {
        // third row = first + second
        let m = [2.0, 1.0, 3.0, 1.0, 2.0, 3.0, 3.0, 3.0, 6.0];
        let f = Ldl::new(&m, 3, 1e-10);
        assert_eq!(f.rank(), 2);
        assert_eq!(f.first_zero(), Some(2));
    }
}
