//! Reporter alerts: has a reporter (or a reporter type) started to report markedly less than it used
//! to, or gone silent?
//!
//! Method: a one-sided **Poisson CUSUM** for a decrease (Page 1954, "Continuous inspection schemes",
//! Biometrika 41; Lucas 1985, "Counted data CUSUM's", Technometrics 27(2)). Monthly counts `x_t` are
//! compared with the reporter's own baseline mean `λ0` (the mean of its first `baseline_months`
//! months, or of the months after its previous alert). The statistic accumulates the log-likelihood
//! ratio of "the mean fell to `r·λ0`" against "the mean is still `λ0`",
//!
//! ```text
//! S_t = max(0, S_{t-1} + x_t ln r + λ0 (1 − r)),
//! ```
//!
//! and signals when `S_t > h`. The month the drop began is Page's estimate: the month after the last
//! time `S` was zero before the signal, refined retrospectively (see `locate`). A second rule,
//! **silence**, signals a run of at least `silence_months` empty months that had probability below
//! `silence_p` under the (seasonal) baseline, `exp(−Σ λ0(t)) < p` over the run.
//!
//! Choice of constants: `r = 0.5` (a halving is what matters to a monitor) and `h = 10`, above the
//! usual 4–5 for Poisson CUSUMs (Lucas 1985) because monthly reports are overdispersed (reporters file
//! in batches at the year's end): with `h = 5` single low Januaries signalled on simulated data. A
//! halving of a type with 40 reports a month is still signalled within 1–2 months (tests/alerts_sim.rs).
//! The in-control run length has not been computed.

use serde::Serialize;

/// Options of the alert rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertOptions {
    /// Months in the first baseline (and the least after an alert before monitoring resumes).
    pub baseline_months: usize,
    /// The shift the CUSUM is tuned to: the mean falling to `ratio · λ0`.
    pub ratio: f64,
    /// Decision interval `h` of the CUSUM.
    pub threshold: f64,
    /// Baselines below this monthly mean are too sparse to monitor.
    pub min_baseline: f64,
    /// Probability under the baseline below which a run of empty months is a silence alert.
    pub silence_p: f64,
    /// The least number of empty months for a silence alert.
    pub silence_months: usize,
}

impl Default for AlertOptions {
    fn default() -> Self {
        AlertOptions {
            baseline_months: 24,
            ratio: 0.5,
            threshold: 10.0,
            min_baseline: 1.0,
            silence_p: 0.001,
            silence_months: 3,
        }
    }
}

/// What kind of signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Counts fell significantly below the baseline.
    Drop,
    /// No reports for an improbably long run of months.
    Silence,
}

/// One alert on a monthly series; month indices count from the series' first month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    /// The month the drop (or silence) began.
    pub start: usize,
    /// The month the rule signalled.
    pub signalled: usize,
    /// Baseline mean per month.
    pub baseline: f64,
    /// Mean per month from `start` to the end of the series (or to the next alert's baseline).
    pub after: f64,
}

/// Errors of the alert rules.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AlertError {
    #[error("ratio must lie strictly between 0 and 1, got {0}")]
    Ratio(f64),
    #[error("threshold must be positive, got {0}")]
    Threshold(f64),
    #[error("baseline_months must be at least 1")]
    Baseline,
}

fn mean(x: &[u64]) -> f64 {
    if x.is_empty() { 0.0 } else { x.iter().sum::<u64>() as f64 / x.len() as f64 }
}

/// One step of the Poisson CUSUM for a fall from `l0` to `ratio · l0` (`ln_r = ln ratio`).
fn cusum_step(s: f64, x: u64, l0: f64, ln_r: f64, ratio: f64) -> f64 {
    (s + x as f64 * ln_r + l0 * (1.0 - ratio)).max(0.0)
}

/// The CUSUM path `S_t` of [`detect`] for counts `x` against known baseline means `lambda0` (same
/// length), for a fall to `ratio · λ0`. Equals Page's CUSUM with a known shift as computed by R
/// `surveillance::algo.glrpois` with `theta = log(ratio)`, `dir = "dec"`, `ret = "value"`.
pub fn cusum_path(x: &[u64], lambda0: &[f64], ratio: f64) -> Vec<f64> {
    let ln_r = ratio.ln();
    let mut s = 0.0;
    x.iter()
        .zip(lambda0)
        .map(|(&x, &l0)| {
            s = cusum_step(s, x, l0, ln_r, ratio);
            s
        })
        .collect()
}

/// Seasonal factors (mean 1) of calendar months from a baseline window whose first month has
/// calendar index `month0` (0 = January). Only a dense baseline (at least `SEASONAL_MIN` a month and
/// two whole years) is split by season; sparser series get flat factors, as a monthly profile from a
/// few reports a month would be noise.
fn seasonal(window: &[u64], month0: usize) -> [f64; 12] {
    let m = mean(window);
    if m < SEASONAL_MIN || window.len() < 24 {
        return [1.0; 12];
    }
    seasonal_profile(window, month0)
}

/// Least baseline mean per month for a seasonal profile.
pub const SEASONAL_MIN: f64 = 10.0;

/// Runs the drop and silence rules over monthly `counts` whose first month has calendar index
/// `month0` (0 = January) and returns the alerts in time order. Dense series are compared month by
/// month with their own seasonal profile (many reporters file in batches at the end of the year),
/// `λ0(t) = λ̄0 · f(month of t)`.
///
/// `profile`: seasonal factors to use instead of the series' own (see [`seasonal_profile`]); a sparse
/// reporter's own months are too noisy to give one.
pub fn detect(
    counts: &[u64],
    month0: usize,
    profile: Option<&[f64; 12]>,
    opts: &AlertOptions,
) -> Result<Vec<Alert>, AlertError> {
    if !(opts.ratio > 0.0 && opts.ratio < 1.0) {
        return Err(AlertError::Ratio(opts.ratio));
    }
    if opts.threshold.is_nan() || opts.threshold <= 0.0 {
        return Err(AlertError::Threshold(opts.threshold));
    }
    if opts.baseline_months == 0 {
        return Err(AlertError::Baseline);
    }
    let ln_r = opts.ratio.ln();
    let mut out = Vec::new();
    let mut base_from = 0usize;
    while base_from + opts.baseline_months < counts.len() {
        let base_to = base_from + opts.baseline_months;
        let lambda0 = mean(&counts[base_from..base_to]);
        if lambda0 < opts.min_baseline {
            // Too sparse: slide the baseline a year and try again.
            base_from += 12;
            continue;
        }
        let season = match profile {
            Some(p) => *p,
            None => seasonal(&counts[base_from..base_to], (month0 + base_from) % 12),
        };
        let silence_ll = (1.0 / opts.silence_p).ln();
        let mut expected_empty = 0.0f64;
        let mut s = 0.0f64;
        let mut last_zero = base_to; // S is zero before monitoring starts
        let mut empty_run = 0usize;
        let mut found: Option<Alert> = None;
        for t in base_to..counts.len() {
            let l0 = lambda0 * season[(month0 + t) % 12];
            s = cusum_step(s, counts[t], l0, ln_r, opts.ratio);
            if s == 0.0 {
                last_zero = t + 1;
            }
            // Expected reports over the current run of empty months: the run has probability
            // exp(-expected) under the (seasonal) baseline.
            if counts[t] == 0 {
                empty_run += 1;
                expected_empty += l0;
            } else {
                empty_run = 0;
                expected_empty = 0.0;
            }
            if empty_run >= opts.silence_months && expected_empty >= silence_ll {
                let first_empty = t + 1 - empty_run;
                let end = (t + 13).min(counts.len());
                let start = locate(counts, |u| lambda0 * season[(month0 + u) % 12], first_empty.max(base_to), t, end);
                found = Some(Alert { kind: AlertKind::Silence, start, signalled: t, baseline: lambda0, after: 0.0 });
                break;
            }
            if s > opts.threshold {
                let lo = last_zero.saturating_sub(12).max(base_to);
                let end = (t + 13).min(counts.len());
                let start = locate(counts, |u| lambda0 * season[(month0 + u) % 12], lo, t, end);
                found = Some(Alert { kind: AlertKind::Drop, start, signalled: t, baseline: lambda0, after: 0.0 });
                break;
            }
        }
        let Some(mut alert) = found else { break };
        // After the change: the next baseline starts at the change; its mean is the level after.
        let next_from = alert.start;
        let end = (next_from + opts.baseline_months).min(counts.len());
        alert.after = mean(&counts[next_from..end]);
        out.push(alert);
        if alert_is_last(next_from, opts, counts.len()) {
            break;
        }
        base_from = next_from.max(base_from + 1);
    }
    Ok(out)
}

/// The month a change began, `τ ∈ [lo, hi]`: the median of the posterior of `τ` under a flat prior,
/// with the likelihood of "the mean is `ρ·λ0(t)` from `τ` to `end`, `λ0(t)` before" profiled over `ρ`
/// (the generalised likelihood ratio of Hinkley 1970, "Inference about the change-point in a sequence
/// of random variables", Biometrika 57; the posterior-median reading follows Smith 1975, "A Bayesian
/// approach to inference about a change-point", Biometrika 62). The median minimises the expected
/// error in months; for a reporter that stops it moves past the last report by as many months as
/// empty months were plausible under its baseline, where the maximum-likelihood month would always be
/// the month after the last report. Retrospective: it uses up to a year after the signal, which an
/// annual monitor has.
fn locate(counts: &[u64], lambda0: impl Fn(usize) -> f64, lo: usize, hi: usize, end: usize) -> usize {
    let hi = hi.min(end.saturating_sub(1));
    if lo > hi {
        return hi;
    }
    let ll: Vec<f64> = (lo..=hi)
        .map(|tau| {
            let sx: f64 = counts[tau..end].iter().map(|&x| x as f64).sum();
            let sl: f64 = (tau..end).map(&lambda0).sum();
            if sl <= 0.0 {
                return f64::NEG_INFINITY;
            }
            let rho = sx / sl;
            if sx > 0.0 { sx * rho.ln() - sl * (rho - 1.0) } else { sl }
        })
        .collect();
    let max = ll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return hi;
    }
    let w: Vec<f64> = ll.iter().map(|&l| (l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    for (k, wk) in w.iter().enumerate() {
        acc += wk;
        if acc >= 0.5 * total {
            return lo + k;
        }
    }
    hi
}

/// Seasonal factors (mean 1) of the twelve calendar months in `counts`, whose first month has calendar
/// index `month0`; for a sparse reporter, pass the profile of all reports to [`detect`].
pub fn seasonal_profile(counts: &[u64], month0: usize) -> [f64; 12] {
    let m = mean(counts);
    if m <= 0.0 {
        return [1.0; 12];
    }
    let mut sum = [0.0f64; 12];
    let mut n = [0usize; 12];
    for (k, &x) in counts.iter().enumerate() {
        sum[(month0 + k) % 12] += x as f64;
        n[(month0 + k) % 12] += 1;
    }
    let mut f = [1.0; 12];
    for c in 0..12 {
        f[c] = (sum[c] + m) / ((n[c] as f64 + 1.0) * m);
    }
    f
}

fn alert_is_last(next_from: usize, opts: &AlertOptions, n: usize) -> bool {
    next_from + opts.baseline_months >= n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic series with Poisson-like wiggle around `level`.
    fn series(levels: &[(usize, u64)]) -> Vec<u64> {
        let mut v = Vec::new();
        let mut k = 0u64;
        for &(n, level) in levels {
            for _ in 0..n {
                k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let wiggle = (k >> 60) as i64 - 8; // -8..7
                let x = (level as i64 + wiggle * (level as i64).max(1).isqrt() / 4).max(0);
                v.push(x as u64);
            }
        }
        v
    }

    #[test]
    fn a_halving_is_found_where_it_began() {
        let v = series(&[(40, 20), (30, 6)]);
        let a = detect(&v, 0, None, &AlertOptions::default()).unwrap();
        assert_eq!(a[0].kind, AlertKind::Drop);
        assert!((40..=41).contains(&a[0].start), "{a:?}");
        assert!(a[0].signalled <= 42);
    }

    #[test]
    fn a_stable_series_gives_no_alert() {
        let v = series(&[(120, 15)]);
        assert!(detect(&v, 0, None, &AlertOptions::default()).unwrap().is_empty());
    }

    #[test]
    fn a_sparse_reporter_that_stops_is_silent() {
        let mut v = series(&[(36, 2)]);
        v.extend(std::iter::repeat_n(0, 12));
        let a = detect(&v, 0, None, &AlertOptions::default()).unwrap();
        assert!(!a.is_empty(), "{v:?}");
        assert!((34..=37).contains(&a[0].start), "{a:?}");
    }

    #[test]
    fn bad_options_are_refused() {
        let o = AlertOptions { ratio: 1.5, ..Default::default() };
        assert_eq!(detect(&[1, 2], 0, None, &o), Err(AlertError::Ratio(1.5)));
    }
}
