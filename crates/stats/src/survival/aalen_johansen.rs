//! Aalen–Johansen cumulative incidence of competing causes (Aalen & Johansen 1978; Kalbfleisch &
//! Prentice 1980, eq. 7.13) with the delta-method variance used by R `cmprsk::cuminc` (Gray).
//!
//! With distinct event times t_j, n_j at risk, d_cj events of cause c and S the overall
//! Kaplan–Meier curve, F_k(t) = sum_{t_j <= t} S(t_{j-1}) d_kj / n_j. Its variance treats the
//! cause-specific hazard increments h_cj = d_cj / n_j as independent with variance
//! v_cj = d_cj (n_j - d_cj) / (n_j^2 (n_j - 1)) (v = 1 / n_j^2 for a single event) and takes the
//! gradient of F_k(t) with respect to them:
//!
//! dF_k(t)/dh_kj = S(t_{j-1}) [1 - (F_k(t) - F_k(t_j)) / S(t_j)],
//! dF_k(t)/dh_oj = -S(t_{j-1}) (F_k(t) - F_k(t_j)) / S(t_j)   (o = any other cause).
//!
//! Expanding the squares in F_k(t) gives three running sums, so the whole curve costs O(n).

use serde::Serialize;

use super::{SurvivalError, check_time};

/// One point of a cumulative incidence curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CifPoint {
    pub time: f64,
    pub cif: f64,
    pub variance: f64,
}

/// The cumulative incidence of one cause: a right-continuous step function that jumps at the
/// times of events of this cause; `last_time` is the largest follow-up time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CifCurve {
    pub cause: u32,
    pub events: usize,
    pub points: Vec<CifPoint>,
    pub last_time: f64,
}

impl CifCurve {
    /// Value and variance at `t` (0 before the first event); errors beyond the last follow-up time.
    pub fn at(&self, t: f64) -> Result<CifPoint, SurvivalError> {
        if !t.is_finite() || t < 0.0 {
            return Err(SurvivalError::Invalid(format!("time {t} must be finite and >= 0")));
        }
        if t > self.last_time {
            return Err(SurvivalError::BeyondLastTime { time: t, last: self.last_time });
        }
        let k = self.points.partition_point(|p| p.time <= t);
        Ok(match k.checked_sub(1) {
            None => CifPoint { time: t, cif: 0.0, variance: 0.0 },
            Some(i) => CifPoint { time: t, ..self.points[i] },
        })
    }
}

/// Cumulative incidence curves for every cause present in `cause` (0 = censored; other values
/// are causes). Returns one curve per cause in increasing cause order.
pub fn cumulative_incidence(time: &[f64], cause: &[u32]) -> Result<Vec<CifCurve>, SurvivalError> {
    let n = time.len();
    if n == 0 {
        return Err(SurvivalError::Empty);
    }
    if cause.len() != n {
        return Err(SurvivalError::LengthMismatch { what: "cause", got: cause.len(), expected: n });
    }
    for (i, &t) in time.iter().enumerate() {
        check_time(t, i)?;
    }
    let mut causes: Vec<u32> = cause.iter().copied().filter(|&c| c != 0).collect();
    causes.sort_unstable();
    causes.dedup();
    if causes.is_empty() {
        return Err(SurvivalError::NoEvents);
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| time[a].total_cmp(&time[b]).then(a.cmp(&b)));
    let last_time = time[order[n - 1]];

    // distinct times with events: (n_risk, counts per cause)
    let nc = causes.len();
    let mut steps: Vec<(f64, f64, Vec<f64>)> = Vec::new();
    let mut at_risk = n as f64;
    let mut i = 0;
    while i < n {
        let t = time[order[i]];
        let mut counts = vec![0.0; nc];
        let mut m = 0.0;
        while i < n && time[order[i]] == t {
            let c = cause[order[i]];
            if c != 0 {
                let k = causes.partition_point(|&x| x < c);
                counts[k] += 1.0;
            }
            m += 1.0;
            i += 1;
        }
        if counts.iter().any(|&c| c > 0.0) {
            steps.push((t, at_risk, counts));
        }
        at_risk -= m;
    }
    let var_inc = |d: f64, n: f64| {
        if d > 1.0 { d / (n * n) * (1.0 - (d - 1.0) / (n - 1.0)) } else { d / (n * n) }
    };
    let mut out = Vec::with_capacity(nc);
    for (k, &c) in causes.iter().enumerate() {
        let (mut s, mut f) = (1.0f64, 0.0f64);
        let (mut a, mut b, mut cc) = (0.0f64, 0.0f64, 0.0f64);
        let mut points = Vec::new();
        let mut events = 0usize;
        for (t, nr, counts) in &steps {
            let dk = counts[k];
            let d: f64 = counts.iter().sum();
            let d_other = d - dk;
            let s_next = s * (nr - d) / nr;
            f += s * dk / nr;
            let w = s * s;
            let beta = if s_next > 0.0 { 1.0 / s_next } else { 0.0 };
            if d_other > 0.0 && s_next > 0.0 {
                let v = w * var_inc(d_other, *nr);
                let gamma = f * beta;
                a += gamma * gamma * v;
                b += gamma * beta * v;
                cc += beta * beta * v;
            }
            if dk > 0.0 {
                let v = w * var_inc(dk, *nr);
                let alpha = 1.0 + f * beta;
                a += alpha * alpha * v;
                b += alpha * beta * v;
                cc += beta * beta * v;
                events += dk as usize;
                points.push(CifPoint { time: *t, cif: f, variance: a - 2.0 * f * b + f * f * cc });
            }
            s = s_next;
        }
        out.push(CifCurve { cause: c, events, points, last_time });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_competing_events_it_is_one_minus_kaplan_meier() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0];
        let c = [1, 0, 1, 0, 1];
        let cif = cumulative_incidence(&t, &c).unwrap();
        let km = super::super::kaplan_meier(&t, &c.map(|v| v == 1), super::super::ConfType::LogLog, 0.95).unwrap();
        for p in &cif[0].points {
            let i = km.row_at(p.time).unwrap();
            assert!((p.cif - (1.0 - km.rows[i].survival)).abs() < 1e-15);
        }
    }

    #[test]
    fn cifs_and_survival_add_to_one() {
        let t = [1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 6.0];
        let c = [1, 2, 0, 2, 1, 1, 0];
        let cif = cumulative_incidence(&t, &c).unwrap();
        let tot = cif[0].at(4.0).unwrap().cif + cif[1].at(4.0).unwrap().cif;
        // S(4) = (5/7)(3/5)(1/2)... computed directly:
        let s = (1.0 - 2.0 / 7.0) * (1.0 - 2.0 / 4.0) * (1.0 - 1.0 / 2.0);
        assert!((tot + s - 1.0).abs() < 1e-15);
        assert!(cif[0].at(7.0).is_err());
    }
}
