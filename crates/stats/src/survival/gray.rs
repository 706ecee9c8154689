//! Gray's (1988) k-sample test for equality of the cumulative incidence of one cause
//! (R. J. Gray, "A class of K-sample tests for comparing the cumulative incidence of a competing
//! risk", Annals of Statistics 16:1141–1154), with weight rho = 0 and strata, as R
//! `cmprsk::cuminc` reports it in `$Tests`.
//!
//! Notation at an event time t, per group g: Y_g at risk, S_g the all-cause Kaplan–Meier curve,
//! F_g the cumulative incidence of the cause; h_g = Y_g / S_g(t-) (an estimate of n_g times the
//! censoring survival) and R_g = h_g (1 - F_g(t-)), the "risk set" of the subdistribution hazard.
//! Under the null the pooled incidence jumps by d_1 / sum h. The score of group g is
//! sum_t w(t) [d_1g - d_1 R_g / sum R] (the difference of subdistribution hazards, Gray eq. 2.1).
//! Its covariance is Gray's martingale-based estimate: with a_ij(t) = h_i (delta_ij - h_j/sum h),
//! c_ij(t) = int_0^t a_ij dF / (1 - F(-)) and c(tau) its final value, every increment of a
//! group's cause-of-interest incidence enters with loading a_ik + l1_k (c_ik(tau) - c_ik(t)),
//! l1_k = 1 - (1 - F(t)) / S_k(t), and every other-cause increment with
//! l2_k (c_ik(tau) - c_ik(t)), l2_k = (1 - F(t)) / S_k(t); the increments' variances carry the
//! usual finite-sample correction for tied events.

use serde::Serialize;

use super::linalg::{Ldl, quad_form};
use super::{SurvivalError, check_ids, check_time, chi2_sf};

/// Result of Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayTest {
    pub cause: u32,
    pub stat: f64,
    pub df: usize,
    pub p: f64,
}

/// Gray's test of equal cumulative incidence across `group` (0..k), one test per cause present
/// in `cause` (0 = censored), in increasing cause order.
pub fn gray_test(time: &[f64], cause: &[u32], group: &[usize]) -> Result<Vec<GrayTest>, SurvivalError> {
    gray_test_stratified(time, cause, group, None)
}

/// Gray's test within strata (scores and variances summed over strata).
pub fn gray_test_stratified(
    time: &[f64],
    cause: &[u32],
    group: &[usize],
    strata: Option<&[usize]>,
) -> Result<Vec<GrayTest>, SurvivalError> {
    let n = time.len();
    if n == 0 {
        return Err(SurvivalError::Empty);
    }
    for (what, len) in
        [("cause", cause.len()), ("group", group.len())].into_iter().chain(strata.map(|s| ("strata", s.len())))
    {
        if len != n {
            return Err(SurvivalError::LengthMismatch { what, got: len, expected: n });
        }
    }
    for (i, &t) in time.iter().enumerate() {
        check_time(t, i)?;
    }
    check_ids(group, "group")?;
    if let Some(s) = strata {
        check_ids(s, "stratum")?;
    }
    let ng = group.iter().copied().max().unwrap_or(0) + 1;
    if ng < 2 {
        return Err(SurvivalError::TooFewGroups { got: ng });
    }
    let mut causes: Vec<u32> = cause.iter().copied().filter(|&c| c != 0).collect();
    causes.sort_unstable();
    causes.dedup();
    if causes.is_empty() {
        return Err(SurvivalError::NoEvents);
    }
    let nst = strata.map_or(1, |s| s.iter().copied().max().unwrap_or(0) + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); nst];
    for i in 0..n {
        members[strata.map_or(0, |s| s[i])].push(i);
    }
    for m in &mut members {
        m.sort_unstable_by(|&a, &b| time[a].total_cmp(&time[b]).then(a.cmp(&b)));
    }
    let k = ng - 1;
    let mut out = Vec::with_capacity(causes.len());
    for &c in &causes {
        let mut score = vec![0.0; k];
        let mut var = vec![0.0; k * k];
        for m in members.iter().filter(|m| !m.is_empty()) {
            let kind: Vec<u8> = m
                .iter()
                .map(|&i| match cause[i] {
                    0 => 0,
                    x if x == c => 1,
                    _ => 2,
                })
                .collect();
            let t: Vec<f64> = m.iter().map(|&i| time[i]).collect();
            let g: Vec<usize> = m.iter().map(|&i| group[i]).collect();
            stratum(&t, &kind, &g, ng, &mut score, &mut var);
        }
        let f = Ldl::new(&var, k, 1e-10);
        let stat = quad_form(&f.inverse(), &score);
        out.push(GrayTest { cause: c, stat, df: k, p: chi2_sf(stat, k) });
    }
    Ok(out)
}

/// Quantities of one event time needed for the variance.
struct Step {
    /// a_ij, ng x ng
    a: Vec<f64>,
    /// c_ij after this time, ng x ng
    c: Vec<f64>,
    /// per group: variance of the cause-of-interest increment and its loading l1
    v1: Vec<f64>,
    l1: Vec<f64>,
    /// per group: variance of the other-cause increment and its loading l2
    v2: Vec<f64>,
    l2: Vec<f64>,
}

/// Adds one stratum's score (first ng-1 groups) and covariance. Input sorted by time.
fn stratum(time: &[f64], kind: &[u8], group: &[usize], ng: usize, score: &mut [f64], var: &mut [f64]) {
    let k = ng - 1;
    let n = time.len();
    let mut at_risk = vec![0.0f64; ng];
    for &g in group {
        at_risk[g] += 1.0;
    }
    let mut s_left = vec![1.0f64; ng];
    let mut f_left = vec![0.0f64; ng];
    let mut pooled_left = 0.0f64;
    let mut c = vec![0.0f64; ng * ng];
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < n {
        let t = time[i];
        let mut d = vec![[0.0f64; 3]; ng];
        let mut j = i;
        while j < n && time[j] == t {
            d[group[j]][kind[j] as usize] += 1.0;
            j += 1;
        }
        let d1: f64 = d.iter().map(|x| x[1]).sum();
        let d2: f64 = d.iter().map(|x| x[2]).sum();
        if d1 > 0.0 || d2 > 0.0 {
            let mut s_right = s_left.clone();
            let mut f_right = f_left.clone();
            let (mut sum_h, mut sum_r) = (0.0, 0.0);
            for g in 0..ng {
                if at_risk[g] <= 0.0 {
                    continue;
                }
                s_right[g] = s_left[g] * (at_risk[g] - d[g][1] - d[g][2]) / at_risk[g];
                f_right[g] = f_left[g] + s_left[g] * d[g][1] / at_risk[g];
                sum_h += at_risk[g] / s_left[g];
                sum_r += at_risk[g] * (1.0 - f_left[g]) / s_left[g];
            }
            let pooled = pooled_left + d1 / sum_h;
            let h: Vec<f64> = (0..ng).map(|g| if at_risk[g] > 0.0 { at_risk[g] / s_left[g] } else { 0.0 }).collect();
            let mut a = vec![0.0; ng * ng];
            for x in 0..ng {
                for y in 0..ng {
                    if h[x] > 0.0 && h[y] > 0.0 {
                        a[x * ng + y] = h[x] * (if x == y { 1.0 } else { 0.0 } - h[y] / sum_h);
                    }
                }
            }
            let jump = if pooled_left < 1.0 { d1 / (sum_h * (1.0 - pooled_left)) } else { 0.0 };
            for (cv, av) in c.iter_mut().zip(&a) {
                *cv += av * jump;
            }
            for x in 0..k {
                if at_risk[x] > 0.0 {
                    score[x] += d[x][1] - d1 * at_risk[x] * (1.0 - f_left[x]) / (s_left[x] * sum_r);
                }
            }
            let (mut v1, mut l1, mut v2, mut l2) = (vec![0.0; ng], vec![0.0; ng], vec![0.0; ng], vec![0.0; ng]);
            for g in 0..ng {
                if at_risk[g] <= 0.0 {
                    continue;
                }
                if d1 > 0.0 {
                    l1[g] = if s_right[g] > 0.0 { 1.0 - (1.0 - pooled) / s_right[g] } else { 1.0 };
                    let tie = if d1 > 1.0 { 1.0 - (d1 - 1.0) / (sum_h * s_left[g] - 1.0) } else { 1.0 };
                    v1[g] = tie * s_left[g] * d1 / (sum_h * at_risk[g]);
                }
                if d[g][2] > 0.0 && s_right[g] > 0.0 {
                    l2[g] = (1.0 - pooled) / s_right[g];
                    let d2g = d[g][2];
                    let tie = if d2g > 1.0 { 1.0 - (d2g - 1.0) / (at_risk[g] - 1.0) } else { 1.0 };
                    v2[g] = tie * s_left[g] * s_left[g] * d2g / (at_risk[g] * at_risk[g]);
                }
            }
            steps.push(Step { a, c: c.clone(), v1, l1, v2, l2 });
            s_left = s_right;
            f_left = f_right;
            pooled_left = pooled;
        }
        for &g in &group[i..j] {
            at_risk[g] -= 1.0;
        }
        i = j;
    }
    // second pass: loadings need the final c(tau)
    let c_tau = c;
    let mut load1 = vec![0.0; k];
    let mut load2 = vec![0.0; k];
    for st in &steps {
        for g in 0..ng {
            if st.v1[g] == 0.0 && st.v2[g] == 0.0 {
                continue;
            }
            for x in 0..k {
                let rest = c_tau[x * ng + g] - st.c[x * ng + g];
                load1[x] = st.a[x * ng + g] + st.l1[g] * rest;
                load2[x] = st.l2[g] * rest;
            }
            for x in 0..k {
                for y in 0..k {
                    var[x * k + y] += load1[x] * load1[y] * st.v1[g] + load2[x] * load2[y] * st.v2[g];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_groups_give_a_zero_statistic() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let c = [1, 2, 0, 1, 2, 1, 2, 0, 1, 2];
        let g = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let r = gray_test(&t, &c, &g).unwrap();
        assert_eq!(r.len(), 2);
        for x in r {
            assert!(x.stat.abs() < 1e-12, "{x:?}");
            assert_eq!(x.df, 1);
        }
    }
}
