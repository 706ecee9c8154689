//! The k-sample log-rank test, optionally stratified (Mantel 1966; Peto & Peto 1972), as R
//! `survdiff(rho = 0)`: observed minus expected events per group with the hypergeometric
//! covariance, summed over strata; chi-square on k - 1 degrees of freedom (groups with no
//! expected events are left out).

use serde::Serialize;

use super::linalg::{Ldl, quad_form};
use super::{SurvivalError, check_ids, check_time, chi2_sf};

/// Result of a log-rank test. Groups are numbered 0..k as in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRank {
    pub observed: Vec<f64>,
    pub expected: Vec<f64>,
    /// k x k covariance of observed - expected, row-major.
    pub variance: Vec<f64>,
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
}

/// Log-rank test of equal survival across groups `group[i]` in `0..k`, within strata
/// `strata[i]` if given (each stratum has its own risk sets).
pub fn log_rank(
    time: &[f64],
    event: &[bool],
    group: &[usize],
    strata: Option<&[usize]>,
) -> Result<LogRank, SurvivalError> {
    let n = time.len();
    if n == 0 {
        return Err(SurvivalError::Empty);
    }
    for (what, len) in
        [("event", event.len()), ("group", group.len())].into_iter().chain(strata.map(|s| ("strata", s.len())))
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
    let k = group.iter().copied().max().unwrap_or(0) + 1;
    if k < 2 {
        return Err(SurvivalError::TooFewGroups { got: k });
    }
    if !event.iter().any(|&e| e) {
        return Err(SurvivalError::NoEvents);
    }
    let mut order: Vec<usize> = (0..n).collect();
    let stratum = |i: usize| strata.map_or(0, |s| s[i]);
    // by stratum, then time descending (so risk sets accumulate as we walk)
    order.sort_unstable_by(|&a, &b| stratum(a).cmp(&stratum(b)).then(time[b].total_cmp(&time[a])).then(a.cmp(&b)));
    let mut obs = vec![0.0; k];
    let mut exp = vec![0.0; k];
    let mut var = vec![0.0; k * k];
    let mut at_risk = vec![0.0; k];
    let mut deaths = vec![0.0; k];
    let mut i = 0;
    while i < n {
        let s = stratum(order[i]);
        at_risk.iter_mut().for_each(|v| *v = 0.0);
        while i < n && stratum(order[i]) == s {
            let t = time[order[i]];
            deaths.iter_mut().for_each(|v| *v = 0.0);
            while i < n && stratum(order[i]) == s && time[order[i]] == t {
                let j = order[i];
                at_risk[group[j]] += 1.0;
                if event[j] {
                    deaths[group[j]] += 1.0;
                }
                i += 1;
            }
            let d: f64 = deaths.iter().sum();
            if d == 0.0 {
                continue;
            }
            let nr: f64 = at_risk.iter().sum();
            for g in 0..k {
                obs[g] += deaths[g];
                exp[g] += at_risk[g] * d / nr;
            }
            if nr > 1.0 {
                let f = d * (nr - d) / (nr - 1.0);
                for g in 0..k {
                    let pg = at_risk[g] / nr;
                    for h in 0..k {
                        let ph = at_risk[h] / nr;
                        var[g * k + h] += f * pg * (if g == h { 1.0 } else { 0.0 } - ph);
                    }
                }
            }
        }
    }
    let keep: Vec<usize> = (0..k).filter(|&g| exp[g] > 0.0).collect();
    let df = keep.len().saturating_sub(1);
    let chi2 = if keep.len() < 2 {
        0.0
    } else {
        let sub: Vec<usize> = keep[1..].to_vec();
        let m = sub.len();
        let mut v = vec![0.0; m * m];
        let mut u = vec![0.0; m];
        for (a, &g) in sub.iter().enumerate() {
            u[a] = obs[g] - exp[g];
            for (b, &h) in sub.iter().enumerate() {
                v[a * m + b] = var[g * k + h];
            }
        }
        let f = Ldl::new(&v, m, 1e-10);
        let inv = f.inverse();
        quad_form(&inv, &u)
    };
    Ok(LogRank { observed: obs, expected: exp, variance: var, chi2, df, p: chi2_sf(chi2, df) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_identical_groups_give_zero() {
        let t = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
        let e = [true; 6];
        let g = [0, 0, 0, 1, 1, 1];
        let r = log_rank(&t, &e, &g, None).unwrap();
        assert!(r.chi2.abs() < 1e-12);
        assert_eq!(r.df, 1);
    }

    #[test]
    fn separated_groups_give_a_large_statistic() {
        let t = [1.0, 2.0, 3.0, 4.0, 10.0, 11.0, 12.0, 13.0];
        let e = [true; 8];
        let g = [0, 0, 0, 0, 1, 1, 1, 1];
        let r = log_rank(&t, &e, &g, None).unwrap();
        assert!(r.chi2 > 5.0 && r.p < 0.05);
    }
}
