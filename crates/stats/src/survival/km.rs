//! Kaplan–Meier survival with Greenwood standard errors and pointwise confidence intervals, the
//! Nelson–Aalen cumulative hazard, and median survival with its interval.
//!
//! Kaplan & Meier (1958), JASA 53:457–481; Greenwood (1926); Nelson (1972), Aalen (1978).
//! Conventions follow R `survfit` (survival 3.5): the standard error of log S is
//! `sqrt(sum d / (n (n - d)))`; intervals are computed on the chosen scale and then
//! back-transformed; the median is the first time where S <= 0.5, averaged with the next event
//! time when S equals 0.5 on a plateau (Brookmeyer & Crowley 1982 for its interval: the times where
//! the interval limits cross 0.5).

use rayon::prelude::*;
use serde::Serialize;

use super::{SurvivalError, check_time, z_for_level};

/// The scale on which pointwise confidence intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConfType {
    /// S ± z se(S), clipped to [0, 1].
    Plain,
    /// exp(log S ± z se(log S)), upper limit clipped to 1.
    Log,
    /// exp(-exp(log(-log S) ± z se(log S) / log S)) (Kalbfleisch & Prentice 1980); the default.
    #[default]
    LogLog,
}

impl ConfType {
    /// Parses `plain`, `log` or `log-log`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "plain" => Some(Self::Plain),
            "log" => Some(Self::Log),
            "log-log" | "loglog" => Some(Self::LogLog),
            _ => None,
        }
    }
}

/// One distinct observed time of a Kaplan–Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmRow {
    pub time: f64,
    /// Number at risk just before `time`.
    pub n_risk: f64,
    pub n_event: f64,
    pub n_censor: f64,
    pub survival: f64,
    /// Greenwood standard error of log S(t) (R's `std.err` in the survfit object).
    pub se_log: f64,
    /// Nelson–Aalen cumulative hazard and its standard error (sqrt(sum d / n^2)).
    pub cumhaz: f64,
    pub se_cumhaz: f64,
}

/// Survival at a chosen time, with its standard error and interval (`None` where undefined).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmPoint {
    pub survival: f64,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// A fitted Kaplan–Meier curve: one row per distinct time (events or censorings).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KaplanMeier {
    pub n: usize,
    pub events: usize,
    pub rows: Vec<KmRow>,
    pub conf_type: ConfType,
    pub conf_level: f64,
}

/// Fits the Kaplan–Meier estimator to right-censored data. `event[i]` is true for an event,
/// false for a censoring. Times must be finite and non-negative.
pub fn kaplan_meier(
    time: &[f64],
    event: &[bool],
    conf_type: ConfType,
    conf_level: f64,
) -> Result<KaplanMeier, SurvivalError> {
    if time.len() != event.len() {
        return Err(SurvivalError::LengthMismatch { what: "event", got: event.len(), expected: time.len() });
    }
    if time.is_empty() {
        return Err(SurvivalError::Empty);
    }
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::Invalid(format!("confidence level {conf_level} is not between 0 and 1")));
    }
    // Validate, reporting the first bad row (a sequential scan: memory bound, and immune to a
    // worker thread being descheduled on a busy machine).
    if let Some(i) = time.iter().position(|&t| !(t.is_finite() && t >= 0.0)) {
        check_time(time[i], i)?;
    }
    let keys = sorted_keys(time, event);
    // aggregate the sorted keys into one (time, deaths, censorings) row per distinct time
    let (mut times, mut deaths, mut censored) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < keys.len() {
        let bits = keys[i] >> 1;
        let (mut d, mut c) = (0.0, 0.0);
        while i < keys.len() && keys[i] >> 1 == bits {
            if keys[i] & 1 == 1 {
                d += 1.0;
            } else {
                c += 1.0;
            }
            i += 1;
        }
        times.push(f64::from_bits(bits));
        deaths.push(d);
        censored.push(c);
    }
    drop(keys);
    Ok(estimate(&times, &deaths, &censored, conf_type, conf_level))
}

/// Fits the Kaplan–Meier estimator to data already counted by distinct time: `time` strictly
/// increasing, finite and non-negative; `n_event[k]` and `n_censor[k]` the numbers of events and
/// censorings at `time[k]` (whole numbers). The same curve as [`kaplan_meier`] on the rows the
/// counts describe, bit for bit; for callers that aggregate while reading (ten million rows of
/// a few thousand distinct times need no sort).
pub fn kaplan_meier_counts(
    time: &[f64],
    n_event: &[f64],
    n_censor: &[f64],
    conf_type: ConfType,
    conf_level: f64,
) -> Result<KaplanMeier, SurvivalError> {
    for (what, v) in [("n_event", n_event), ("n_censor", n_censor)] {
        if v.len() != time.len() {
            return Err(SurvivalError::LengthMismatch { what, got: v.len(), expected: time.len() });
        }
        if let Some(x) = v.iter().find(|&&x| !(x >= 0.0 && x.fract() == 0.0 && x.is_finite())) {
            return Err(SurvivalError::Invalid(format!("{what}: {x} is not a count")));
        }
    }
    if !(conf_level > 0.0 && conf_level < 1.0) {
        return Err(SurvivalError::Invalid(format!("confidence level {conf_level} is not between 0 and 1")));
    }
    if let Some(i) = time.iter().position(|&t| !(t.is_finite() && t >= 0.0)) {
        check_time(time[i], i)?;
    }
    if let Some(k) = time.windows(2).position(|w| w[0] >= w[1]) {
        return Err(SurvivalError::Invalid(format!("times are not strictly increasing at position {}", k + 1)));
    }
    if n_event.iter().chain(n_censor).all(|&x| x == 0.0) {
        return Err(SurvivalError::Empty);
    }
    Ok(estimate(time, n_event, n_censor, conf_type, conf_level))
}

/// The estimator proper over counted distinct times (see [`kaplan_meier`] for the conventions).
fn estimate(time: &[f64], n_event: &[f64], n_censor: &[f64], conf_type: ConfType, conf_level: f64) -> KaplanMeier {
    let n_total: f64 = n_event.iter().chain(n_censor).sum();
    let n = n_total as usize;
    let mut rows = Vec::with_capacity(time.len());
    let mut at_risk = n as f64;
    let (mut s, mut var_log, mut h, mut var_h) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut events = 0usize;
    for ((&t, &d), &c) in time.iter().zip(n_event).zip(n_censor) {
        if d > 0.0 {
            s *= 1.0 - d / at_risk;
            // At n == d the survival drops to 0 and Greenwood's term is infinite (as in R):
            // the standard error of S and the intervals are then undefined (`None`).
            if at_risk > d {
                var_log += d / (at_risk * (at_risk - d));
            } else {
                var_log = f64::INFINITY;
            }
            h += d / at_risk;
            var_h += d / (at_risk * at_risk);
            events += d as usize;
        }
        rows.push(KmRow {
            time: t,
            n_risk: at_risk,
            n_event: d,
            n_censor: c,
            survival: s,
            se_log: var_log.sqrt(),
            cumhaz: h,
            se_cumhaz: var_h.sqrt(),
        });
        at_risk -= d + c;
    }
    KaplanMeier { n, events, rows, conf_type, conf_level }
}

/// Sort keys of (time, event): for a non-negative finite f64 the IEEE bit pattern orders like the
/// number, and its top (sign) bit is 0, so `bits << 1 | event` is a u64 that sorts by time and then
/// puts censorings before events. Sorted with an LSD radix sort (16-bit digits, digits on which
/// all keys agree are skipped): O(n), and the same order on every run.
fn sorted_keys(time: &[f64], event: &[bool]) -> Vec<u64> {
    let mut keys: Vec<u64> = time
        .par_iter()
        .zip(event.par_iter())
        .map(|(&t, &e)| ((t + 0.0).to_bits() << 1) | u64::from(e)) // + 0.0 turns -0 into 0
        .collect();
    if keys.len() < 1 << 16 {
        keys.sort_unstable();
        return keys;
    }
    const BITS: usize = 16;
    const DIGITS: usize = 64usize.div_ceil(BITS);
    const B: usize = 1 << BITS;
    const MASK: u64 = (B - 1) as u64;
    let chunk = keys.len().div_ceil(rayon::current_num_threads().max(1));
    let hist = keys
        .par_chunks(chunk)
        .map(|chunk| {
            let mut h = vec![0usize; DIGITS * B];
            for &k in chunk {
                for d in 0..DIGITS {
                    h[d * B + ((k >> (BITS * d)) & MASK) as usize] += 1;
                }
            }
            h
        })
        .reduce(
            || vec![0usize; DIGITS * B],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let n = keys.len();
    let mut buf = vec![0u64; n];
    for d in 0..DIGITS {
        let h = &hist[d * B..(d + 1) * B];
        if h.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut offset = vec![0usize; B];
        let mut acc = 0;
        for (o, &c) in offset.iter_mut().zip(h) {
            *o = acc;
            acc += c;
        }
        for &k in &keys {
            let b = ((k >> (BITS * d)) & MASK) as usize;
            buf[offset[b]] = k;
            offset[b] += 1;
        }
        std::mem::swap(&mut keys, &mut buf);
    }
    keys
}

impl KaplanMeier {
    /// Standard error of S at row `i` (delta method: S * se(log S)), as R's `summary.survfit`;
    /// `None` once S has dropped to 0 (Greenwood's formula is 0 times infinity there).
    pub fn se_survival(&self, i: usize) -> Option<f64> {
        let r = &self.rows[i];
        r.se_log.is_finite().then_some(r.survival * r.se_log)
    }

    /// Pointwise confidence interval at row `i`; `None` where it is undefined: at S = 0 on every
    /// scale, and at S = 1 on the log-log scale (as R).
    pub fn ci(&self, i: usize) -> (Option<f64>, Option<f64>) {
        let r = &self.rows[i];
        ci_for(r.survival, r.se_log, self.conf_type, self.conf_level)
    }

    /// Index of the row in force at time `t` (the last row with time <= t), `None` before the
    /// first observed time.
    pub fn row_at(&self, t: f64) -> Option<usize> {
        let k = self.rows.partition_point(|r| r.time <= t);
        k.checked_sub(1)
    }

    /// The last observed time.
    pub fn last_time(&self) -> f64 {
        self.rows.last().map_or(0.0, |r| r.time)
    }

    /// Survival, its standard error and interval at `t` (a step function, right-continuous).
    /// Errors if `t` is beyond the last observed time, where the curve is not estimated.
    pub fn at(&self, t: f64) -> Result<KmPoint, SurvivalError> {
        if !t.is_finite() || t < 0.0 {
            return Err(SurvivalError::Invalid(format!("time {t} must be finite and >= 0")));
        }
        if t > self.last_time() {
            return Err(SurvivalError::BeyondLastTime { time: t, last: self.last_time() });
        }
        match self.row_at(t) {
            None => {
                // before the first time: S = 1 exactly; the log-log interval is undefined there
                let (lo, hi) = ci_for(1.0, 0.0, self.conf_type, self.conf_level);
                Ok(KmPoint { survival: 1.0, se: Some(0.0), ci_low: lo, ci_high: hi })
            }
            Some(i) => {
                let (lo, hi) = self.ci(i);
                Ok(KmPoint { survival: self.rows[i].survival, se: self.se_survival(i), ci_low: lo, ci_high: hi })
            }
        }
    }

    /// The `p`-quantile of the survival time (p = 0.5 for the median) with its confidence
    /// interval `(estimate, lower, upper)`; each is `None` when the curve does not get there.
    pub fn quantile(&self, p: f64) -> (Option<f64>, Option<f64>, Option<f64>) {
        let times: Vec<f64> = self.rows.iter().map(|r| r.time).collect();
        let s: Vec<Option<f64>> = self.rows.iter().map(|r| Some(r.survival)).collect();
        let (mut lo, mut hi) = (Vec::with_capacity(s.len()), Vec::with_capacity(s.len()));
        for i in 0..self.rows.len() {
            let (l, h) = self.ci(i);
            lo.push(l);
            hi.push(h);
        }
        (cross_time(&times, &s, p), cross_time(&times, &lo, p), cross_time(&times, &hi, p))
    }

    /// Median survival time with interval.
    pub fn median(&self) -> (Option<f64>, Option<f64>, Option<f64>) {
        self.quantile(0.5)
    }
}

/// Confidence interval for a survival probability `s` with standard error of log S `se_log`.
pub(crate) fn ci_for(s: f64, se_log: f64, conf_type: ConfType, level: f64) -> (Option<f64>, Option<f64>) {
    let z = z_for_level(level);
    if s <= 0.0 || !se_log.is_finite() {
        return (None, None);
    }
    match conf_type {
        ConfType::Plain => {
            let w = z * se_log * s;
            (Some((s - w).max(0.0)), Some((s + w).min(1.0)))
        }
        ConfType::Log => {
            if s <= 0.0 {
                return (None, None);
            }
            let w = z * se_log;
            (Some((s.ln() - w).exp()), Some((s.ln() + w).exp().min(1.0)))
        }
        ConfType::LogLog => {
            if s <= 0.0 || s >= 1.0 {
                return (None, None);
            }
            let l = s.ln();
            let w = z * se_log / l;
            let c = (-l).ln();
            (Some((-(c - w).exp()).exp()), Some((-(c + w).exp()).exp()))
        }
    }
}

/// The time at which a decreasing step curve crosses `1 - p` (survival scale), with R's rule for
/// a curve that sits exactly on `1 - p` over an interval: the midpoint of that interval's start and
/// end. Undefined points (`None`) are skipped. A relative tolerance of sqrt(machine epsilon) decides
/// "exactly".
fn cross_time(times: &[f64], s: &[Option<f64>], p: f64) -> Option<f64> {
    let tol = f64::EPSILON.sqrt();
    let target = 1.0 - p;
    let pts: Vec<(f64, f64)> = times.iter().zip(s).filter_map(|(&t, v)| v.map(|v| (t, v))).collect();
    let first_le = pts.iter().position(|&(_, v)| v <= target + tol)?;
    match pts.iter().position(|&(_, v)| v < target - tol) {
        Some(k) => Some((pts[first_le].0 + pts[k].0) / 2.0),
        None => {
            let (_, last_v) = *pts.last()?;
            if (last_v - target).abs() < tol { Some((pts[first_le].0 + times[times.len() - 1]) / 2.0) } else { None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // 6 subjects: events at 1, 3, 3; censored at 2, 4, 5
        let t = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        let e = [true, false, true, true, false, false];
        let km = kaplan_meier(&t, &e, ConfType::LogLog, 0.95).unwrap();
        assert_eq!(km.rows.len(), 5);
        assert!((km.rows[0].survival - 5.0 / 6.0).abs() < 1e-15);
        assert!((km.rows[2].survival - 5.0 / 6.0 * 2.0 / 4.0).abs() < 1e-15);
        assert_eq!(km.rows[2].n_risk, 4.0);
        // first crossing of 0.5 at t = 3 (S = 0.4167)
        assert_eq!(km.median().0, Some(3.0));
    }

    #[test]
    fn counts_give_the_same_curve_bit_for_bit() {
        let mut state = 99u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let n = 5000;
        let t: Vec<f64> = (0..n).map(|_| (next() % 400) as f64 / 8.0).collect();
        let e: Vec<bool> = (0..n).map(|_| next() % 3 != 0).collect();
        let km = kaplan_meier(&t, &e, ConfType::LogLog, 0.95).unwrap();
        let mut distinct = t.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let count = |want: bool, x: f64| (0..n).filter(|&i| t[i] == x && e[i] == want).count() as f64;
        let d: Vec<f64> = distinct.iter().map(|&x| count(true, x)).collect();
        let c: Vec<f64> = distinct.iter().map(|&x| count(false, x)).collect();
        let from_counts = kaplan_meier_counts(&distinct, &d, &c, ConfType::LogLog, 0.95).unwrap();
        assert_eq!(km, from_counts);
        assert!(kaplan_meier_counts(&[2.0, 1.0], &[1.0, 1.0], &[0.0, 0.0], ConfType::Log, 0.95).is_err());
        assert!(kaplan_meier_counts(&[1.0, 2.0], &[0.5, 1.0], &[0.0, 0.0], ConfType::Log, 0.95).is_err());
        assert!(kaplan_meier_counts(&[1.0], &[0.0], &[0.0], ConfType::Log, 0.95).is_err());
    }

    #[test]
    fn median_on_a_plateau_is_the_midpoint() {
        // S: 0.75 at 1, 0.5 at 2 (exactly), 0.25 at 4, 0 at 6
        let t = [1.0, 2.0, 4.0, 6.0];
        let e = [true; 4];
        let km = kaplan_meier(&t, &e, ConfType::Log, 0.95).unwrap();
        assert_eq!(km.median().0, Some(3.0));
    }

    #[test]
    fn radix_sort_of_large_inputs_equals_a_comparison_sort() {
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 11
        };
        let n = 200_000;
        // a mix of ties, zeros, tiny and huge times
        let time: Vec<f64> = (0..n)
            .map(|i| match i % 4 {
                0 => (next() % 1000) as f64 / 10.0,
                1 => (next() as f64) / (1u64 << 53) as f64 * 1e-300,
                2 => (next() as f64) * 1e200,
                _ => 0.0,
            })
            .collect();
        let event: Vec<bool> = (0..n).map(|_| next() % 3 == 0).collect();
        let radix = sorted_keys(&time, &event);
        let mut plain: Vec<u64> = time.iter().zip(&event).map(|(&t, &e)| (t.to_bits() << 1) | u64::from(e)).collect();
        plain.sort_unstable();
        assert_eq!(radix, plain);
        let mut pairs: Vec<(f64, bool)> = time.iter().copied().zip(event.iter().copied()).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (k, (t, e)) in radix.iter().zip(&pairs) {
            assert_eq!(f64::from_bits(k >> 1), *t);
            assert_eq!(k & 1 == 1, *e);
        }
    }

    #[test]
    fn rejects_bad_times() {
        assert!(matches!(
            kaplan_meier(&[1.0, -1.0], &[true, true], ConfType::LogLog, 0.95),
            Err(SurvivalError::NegativeTime { index: 1, .. })
        ));
        assert!(matches!(
            kaplan_meier(&[f64::NAN], &[true], ConfType::LogLog, 0.95),
            Err(SurvivalError::MissingTime { index: 0 })
        ));
    }
}
