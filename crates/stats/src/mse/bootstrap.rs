//! Bootstrap BCa intervals with the model choice repeated in every replicate.
//!
//! As in Chan, Silverman & Vincent (2021, §3.3; SparseMSE `estimatepopulation`): each replicate
//! redistributes the `n` observed cases over the histories by multinomial sampling with the
//! observed proportions, repeats the whole estimation (model choice included) and records the
//! estimate. The BCa interval (Efron 1987; DiCiccio & Efron 1996, Statist. Sci. 11:189) corrects
//! the percentiles for bias, `z₀ = Φ⁻¹(#{θ*_b < θ̂}/B)`, and acceleration `a`, estimated by the
//! jackknife that removes one case at a time, each history weighted by its count:
//! `a = Σ c_h r_h³ / (6 (Σ c_h r_h²)^{3/2})`, `r_h = θ̄ − θ_(h)`. The limits are the type-8
//! quantiles (Hyndman & Fan 1996) of the replicates at `Φ(z₀ + (z₀+z_α)/(1 − a(z₀+z_α)))`.
//!
//! Replicates run in parallel; each has its own ChaCha8 stream derived from the seed and its
//! index, so results do not depend on the number of threads. A replicate without a finite
//! estimate counts as +∞ (it sorts above all others); a limit that falls on one is `None`.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

use super::select::{Method, select};
use super::{CaptureTable, MseError};

pub use zicht_progress::{Cancelled, NoProgress, Progress};

/// Options of [`bootstrap`].
#[derive(Clone, Copy)]
pub struct BootstrapOptions<'a> {
    /// Number of replicates `B`.
    pub replicates: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Where progress goes, and what stops the work early with [`MseError::Cancelled`].
    pub progress: &'a dyn Progress,
}

impl std::fmt::Debug for BootstrapOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapOptions")
            .field("replicates", &self.replicates)
            .field("seed", &self.seed)
            .field("level", &self.level)
            .finish()
    }
}

/// A BCa bootstrap interval.
#[derive(Debug, Clone)]
pub struct BcaInterval {
    /// Confidence level.
    pub level: f64,
    /// Lower limit; `None` if it falls on a replicate without a finite estimate.
    pub low: Option<f64>,
    /// Upper limit; `None` if it falls on a replicate without a finite estimate.
    pub high: Option<f64>,
    /// Bias correction `z₀`.
    pub z0: f64,
    /// Acceleration `a`.
    pub acceleration: f64,
    /// The replicate estimates (`None`: no finite estimate), in replicate order.
    pub replicates: Vec<Option<f64>>,
}

impl BcaInterval {
    /// Number of replicates without a finite estimate.
    pub fn non_finite(&self) -> usize {
        self.replicates.iter().filter(|r| r.is_none()).count()
    }
}

fn estimate_of(table: &CaptureTable, method: &Method) -> Result<Option<f64>, MseError> {
    Ok(select(table, method)?.fit.estimate)
}

fn stream(seed: u64, b: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ b.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// One multinomial resample of the observed cases over the histories.
fn resample(table: &CaptureTable, rng: &mut ChaCha8Rng) -> CaptureTable {
    let counts = table.counts();
    let cells: Vec<usize> = (0..counts.len()).filter(|&h| counts[h] > 0.0).collect();
    let mut cum = Vec::with_capacity(cells.len());
    let mut acc = 0.0;
    for &h in &cells {
        acc += counts[h];
        cum.push(acc);
    }
    let n = acc;
    let mut out = vec![0.0; counts.len()];
    for _ in 0..(n as u64) {
        let u = rng.random::<f64>() * n;
        let i = cum.partition_point(|&c| c <= u).min(cells.len() - 1);
        out[cells[i]] += 1.0;
    }
    table.with_counts(out)
}

/// Type-8 sample quantile (median-unbiased; Hyndman & Fan 1996) of sorted values, `None` when
/// it falls on or between infinite values.
fn quantile8(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 || !p.is_finite() {
        return None;
    }
    let h = (n as f64 + 1.0 / 3.0) * p + 1.0 / 3.0;
    let v = if h <= 1.0 {
        sorted[0]
    } else if h >= n as f64 {
        sorted[n - 1]
    } else {
        let j = h.floor() as usize; // 1-based
        let lo = sorted[j - 1];
        let hi = sorted[j];
        let frac = h - j as f64;
        if frac == 0.0 { lo } else { lo + frac * (hi - lo) }
    };
    v.is_finite().then_some(v)
}

/// BCa limits at `level` from replicate estimates (`None`: no finite estimate, taken as +∞), the
/// estimate on the data and the acceleration, as SparseMSE's `bcaconfvalues`; returns the lower
/// and upper limit and the bias correction `z₀`. The proportion below the estimate is kept
/// within `[1/(2B), 1 − 1/(2B)]` so that `z₀` stays finite when every replicate falls on one side.
pub fn bca_limits(reps: &[Option<f64>], theta: f64, acceleration: f64, level: f64) -> (Option<f64>, Option<f64>, f64) {
    let b = reps.len() as f64;
    if reps.is_empty() {
        return (None, None, f64::NAN);
    }
    let below = reps.iter().filter(|r| r.is_some_and(|v| v < theta)).count() as f64;
    let prop = (below / b).clamp(0.5 / b, 1.0 - 0.5 / b);
    let normal = Normal::standard();
    let z0 = normal.inverse_cdf(prop);
    let mut sorted: Vec<f64> = reps.iter().map(|r| r.unwrap_or(f64::INFINITY)).collect();
    sorted.sort_by(f64::total_cmp);
    let alpha = (1.0 - level) / 2.0;
    let limit = |a: f64| {
        let za = normal.inverse_cdf(a);
        let s = z0 + za;
        let q = normal.cdf(z0 + s / (1.0 - acceleration * s));
        quantile8(&sorted, q)
    };
    (limit(alpha), limit(1.0 - alpha), z0)
}

/// BCa bootstrap interval for the population size under `method` (model choice repeated in each
/// replicate). Fails with [`MseError::Invalid`] when the estimate on the data is not finite.
pub fn bootstrap(table: &CaptureTable, method: &Method, opts: &BootstrapOptions<'_>) -> Result<BcaInterval, MseError> {
    if opts.replicates < 2 {
        return Err(MseError::Invalid(format!("a bootstrap needs at least 2 replicates, got {}", opts.replicates)));
    }
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(MseError::Invalid(format!("confidence level must lie in (0, 1), got {}", opts.level)));
    }
    bootstrap_with(std::slice::from_ref(table), opts, |t| estimate_of(&t[0], method))
}

/// The BCa bootstrap over independent strata: each replicate resamples every stratum's cases
/// separately (stratum sizes fixed) and applies `estimator` to the replicate tables; the
/// jackknife removes one case of one history of one stratum at a time.
pub(crate) fn bootstrap_with<F>(
    tables: &[CaptureTable],
    opts: &BootstrapOptions<'_>,
    estimator: F,
) -> Result<BcaInterval, MseError>
where
    F: Fn(&[CaptureTable]) -> Result<Option<f64>, MseError> + Sync,
{
    if opts.replicates < 2 {
        return Err(MseError::Invalid(format!("a bootstrap needs at least 2 replicates, got {}", opts.replicates)));
    }
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(MseError::Invalid(format!("confidence level must lie in (0, 1), got {}", opts.level)));
    }
    let theta = estimator(tables)?
        .ok_or_else(|| MseError::Invalid("no finite estimate on the data, so no bootstrap interval".into()))?;
    let cancelled = || opts.progress.advance(0).is_err();
    let cells: Vec<(usize, usize)> = tables
        .iter()
        .enumerate()
        .flat_map(|(s, t)| (1..t.counts().len()).filter(|&h| t.counts()[h] > 0.0).map(move |h| (s, h)))
        .collect();
    opts.progress.start("bootstrap", (opts.replicates + cells.len()) as u64);

    let reps: Vec<Option<f64>> = (0..opts.replicates)
        .into_par_iter()
        .map(|b| {
            if cancelled() {
                return Err(MseError::Cancelled);
            }
            let mut rng = stream(opts.seed, b as u64);
            let t: Vec<CaptureTable> = tables.iter().map(|t| resample(t, &mut rng)).collect();
            let e = estimator(&t)?;
            opts.progress.advance(1).map_err(|_| MseError::Cancelled)?;
            Ok(e)
        })
        .collect::<Result<_, _>>()?;

    // Jackknife: remove one case of history h in stratum s.
    let jack: Vec<(f64, Option<f64>)> = cells
        .par_iter()
        .map(|&(s, h)| {
            if cancelled() {
                return Err(MseError::Cancelled);
            }
            let mut t = tables.to_vec();
            let mut c = t[s].counts().to_vec();
            c[h] -= 1.0;
            t[s] = t[s].with_counts(c);
            let e = estimator(&t)?;
            opts.progress.advance(1).map_err(|_| MseError::Cancelled)?;
            Ok((tables[s].counts()[h], e))
        })
        .collect::<Result<_, _>>()?;
    let acceleration = if jack.iter().all(|(_, e)| e.is_some()) {
        let w: f64 = jack.iter().map(|(c, _)| c).sum();
        let mean = jack.iter().map(|(c, e)| c * e.unwrap_or(0.0)).sum::<f64>() / w;
        let (mut s2, mut s3) = (0.0, 0.0);
        for (c, e) in &jack {
            let r = mean - e.unwrap_or(0.0);
            s2 += c * r * r;
            s3 += c * r * r * r;
        }
        if s2 > 0.0 { s3 / (6.0 * s2.powf(1.5)) } else { 0.0 }
    } else {
        0.0
    };

    let (low, high, z0) = bca_limits(&reps, theta, acceleration, opts.level);
    Ok(BcaInterval { level: opts.level, low, high, z0, acceleration, replicates: reps })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type8_matches_r() {
        // R: quantile(c(1,2,3,4,5,6,7,8,9,10), c(0.1, 0.5, 0.975), type = 8)
        //    1.366667 5.500000 10.000000
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile8(&x, 0.1).unwrap() - 1.366_666_666_666_7).abs() < 1e-9);
        assert!((quantile8(&x, 0.5).unwrap() - 5.5).abs() < 1e-12);
        assert_eq!(quantile8(&x, 0.975).unwrap(), 10.0);
        let y = [1.0, 2.0, f64::INFINITY];
        assert_eq!(quantile8(&y, 0.99), None);
    }

    #[test]
    fn resample_keeps_total_and_support() {
        let t = CaptureTable::read_csv("A,B,n\n1,0,30\n0,1,20\n1,1,10\n".as_bytes()).unwrap();
        let mut rng = stream(7, 0);
        let r = resample(&t, &mut rng);
        assert_eq!(r.observed(), 60.0);
        assert_eq!(r.count(0), 0.0);
    }
}
