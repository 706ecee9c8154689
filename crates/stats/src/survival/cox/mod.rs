//! Cox proportional hazards regression (Cox 1972) on counting-process data `(start, stop]`
//! (Andersen & Gill 1982), so that time-varying covariates, left truncation and recurrent events
//! fit the same code. Ties by Efron (1977, the default) or Breslow (1974); strata with their own
//! baseline hazards; Newton–Raphson from beta = 0 with step halving (on large right-censored
//! data from a subsample's estimate, see `warm_start`); model-based standard errors
//! from the inverse information; optional robust (sandwich) errors from the score residuals,
//! summed within clusters (Lin & Wei 1989); Wald, likelihood-ratio and score tests; Harrell's
//! concordance. The iteration and its stopping rule follow R `coxph` (survival 3.5): stop when
//! |1 - l_old / l_new| <= eps (1e-9) without a halving step.

use rayon::prelude::*;
use serde::Serialize;

use super::linalg::{Ldl, quad_form};
use super::{NoProgress, Progress, SurvivalError, check_ids, check_time, chi2_sf, normal_two_sided};

mod concordance;
mod sort;

use concordance::concordance;
use sort::sort_order;

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Efron (1977): the tied events leave the risk set gradually. R's default.
    #[default]
    Efron,
    /// Breslow (1974): every tied event sees the full risk set.
    Breslow,
}

impl Ties {
    /// Parses `efron` or `breslow`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "efron" => Some(Self::Efron),
            "breslow" => Some(Self::Breslow),
            _ => None,
        }
    }
}

/// The data of a Cox model. Covariates are columns of equal length; rows are at risk on
/// `(start, stop]`; without `start` a row is at risk at every time up to its `stop` (as R's
/// right-censored `Surv(time, status)`).
#[derive(Debug, Clone, Copy)]
pub struct CoxInput<'a> {
    pub start: Option<&'a [f64]>,
    pub stop: &'a [f64],
    pub event: &'a [bool],
    pub covariates: &'a [&'a [f64]],
    pub names: &'a [String],
    /// Stratum of each row: separate baseline hazards and risk sets.
    pub strata: Option<&'a [usize]>,
    /// Cluster (e.g. person) of each row for robust errors; each row its own cluster if `None`.
    pub cluster: Option<&'a [usize]>,
}

/// Fitting options; the defaults are R's `coxph.control()`.
#[derive(Debug, Clone, Copy)]
pub struct CoxOptions {
    pub ties: Ties,
    /// Also compute robust (sandwich) standard errors.
    pub robust: bool,
    pub max_iter: usize,
    /// Relative change of the log partial likelihood that stops the iteration.
    pub eps: f64,
    /// Pivot tolerance of the information matrix factorisation.
    pub toler_chol: f64,
    /// Relative size of the next Newton step that flags a diverging coefficient.
    pub toler_inf: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            ties: Ties::Efron,
            robust: false,
            max_iter: 20,
            eps: 1e-9,
            toler_chol: f64::EPSILON.powf(0.75),
            toler_inf: 1e-9f64.sqrt(),
        }
    }
}

/// A chi-square test: statistic, degrees of freedom, p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestResult {
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
}

impl TestResult {
    fn new(chi2: f64, df: usize) -> Self {
        Self { chi2, df, p: chi2_sf(chi2, df) }
    }
}

/// A fitted Cox model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoxFit {
    pub ties: Ties,
    pub names: Vec<String>,
    pub n: usize,
    pub events: usize,
    pub coef: Vec<f64>,
    /// Model-based standard errors (sqrt of the diagonal of the inverse information).
    pub se: Vec<f64>,
    /// Robust standard errors, when requested.
    pub robust_se: Option<Vec<f64>>,
    /// Model-based covariance, row-major p x p.
    pub var: Vec<f64>,
    /// Robust covariance, when requested.
    pub robust_var: Option<Vec<f64>>,
    pub loglik: f64,
    pub loglik_null: f64,
    /// Newton–Raphson steps on the full data (on large data after the subsample's warm start,
    /// see `warm_start`; from beta = 0, as R counts them, otherwise).
    pub iterations: usize,
    pub lr_test: TestResult,
    pub wald_test: TestResult,
    pub score_test: TestResult,
    /// Harrell's concordance of the linear predictor (ties in the predictor count 1/2; pairs tied
    /// on an event time are not comparable), as R's `concordance(fit)`.
    pub concordance: f64,
}

impl CoxFit {
    /// z statistics, using the robust errors when present.
    pub fn z(&self) -> Vec<f64> {
        let se = self.robust_se.as_ref().unwrap_or(&self.se);
        self.coef.iter().zip(se).map(|(b, s)| b / s).collect()
    }

    /// Two-sided Wald p-values of the coefficients.
    pub fn p_values(&self) -> Vec<f64> {
        self.z().into_iter().map(normal_two_sided).collect()
    }
}

/// Prepared data: centred covariates row-major, and per-stratum orderings.
///
/// Rows are permuted once so that each stratum's rows lie contiguously in decreasing stop time:
/// the passes over the data then stream through memory. Indices below are positions in that
/// order; `perm[pos]` is the input row.
struct Prepared {
    p: usize,
    x: Vec<f64>,
    start: Option<Vec<f64>>,
    stop: Vec<f64>,
    event: Vec<bool>,
    perm: Vec<usize>,
    strata: Vec<Stratum>,
    /// The risk-set sort's two n-long buffers, kept for the concordance's sort of the linear
    /// predictor: reused memory instead of fresh pages, which the kernel must fault in and zero.
    spare: Option<[Vec<(u64, u32)>; 2]>,
}

struct Stratum {
    /// positions by stop time descending (events first within a time): a contiguous range
    by_stop: std::ops::Range<usize>,
    /// positions by start time descending (counting-process data only)
    by_start: Vec<usize>,
}

/// Sums of one pass over the data at a given beta.
#[derive(Clone)]
struct Pass {
    loglik: f64,
    u: Vec<f64>,
    imat: Vec<f64>,
}

impl Pass {
    fn zero(p: usize) -> Self {
        Self { loglik: 0.0, u: vec![0.0; p], imat: vec![0.0; p * p] }
    }
    fn add(mut self, o: Self) -> Self {
        self.loglik += o.loglik;
        self.u.iter_mut().zip(&o.u).for_each(|(a, b)| *a += b);
        self.imat.iter_mut().zip(&o.imat).for_each(|(a, b)| *a += b);
        self
    }
}

/// Fits a Cox model. Errors on bad rows, constant or collinear covariates, no events, and on
/// monotone likelihood (perfect separation), where no finite estimate exists.
pub fn cox_ph(input: &CoxInput<'_>, opts: &CoxOptions) -> Result<CoxFit, SurvivalError> {
    cox_ph_with_progress(input, opts, &NoProgress)
}

/// [`cox_ph`] reporting each Newton–Raphson iteration to `progress` (stage "newton", out of
/// `max_iter`), and stopping with [`SurvivalError::Cancelled`] when it asks to.
pub fn cox_ph_with_progress(
    input: &CoxInput<'_>,
    opts: &CoxOptions,
    progress: &dyn Progress,
) -> Result<CoxFit, SurvivalError> {
    fit(input, Covariates::Columns(input.covariates), opts, progress)
}

/// [`cox_ph_with_progress`] with the covariates given as one row-major matrix instead of
/// columns: `x[i * p + j]` is covariate `j` (named `input.names[j]`) of row `i`, and
/// `input.covariates` must be empty. Same results and errors as the columns; on large data it
/// saves a copy of the covariates, since the fit reorders rows of this layout anyway (a reader
/// can parse a file straight into it).
pub fn cox_ph_row_major(
    input: &CoxInput<'_>,
    x: Vec<f64>,
    opts: &CoxOptions,
    progress: &dyn Progress,
) -> Result<CoxFit, SurvivalError> {
    if !input.covariates.is_empty() {
        return Err(SurvivalError::Invalid("covariates given both as columns and as rows".into()));
    }
    fit(input, Covariates::Rows(x), opts, progress)
}

/// The covariates of a fit, as the caller has them.
enum Covariates<'a> {
    Columns(&'a [&'a [f64]]),
    /// Row-major n x p.
    Rows(Vec<f64>),
}

fn fit(
    input: &CoxInput<'_>,
    cov: Covariates<'_>,
    opts: &CoxOptions,
    progress: &dyn Progress,
) -> Result<CoxFit, SurvivalError> {
    fit_from(input, cov, opts, progress, true)
}

/// [`fit`], with the full-data iteration started at a subsample's estimate when `warm` allows
/// and [`warm_start`] finds one, else at beta = 0.
fn fit_from(
    input: &CoxInput<'_>,
    cov: Covariates<'_>,
    opts: &CoxOptions,
    progress: &dyn Progress,
    warm: bool,
) -> Result<CoxFit, SurvivalError> {
    let mut prep = prepare(input, cov)?;
    let p = prep.p;
    let n = input.stop.len();
    let events = input.event.iter().filter(|&&e| e).count();
    let names: Vec<String> = input.names.to_vec();

    let mut scratch = Vec::new();
    let first = full_pass(&prep, &vec![0.0; p], opts.ties, &mut scratch);
    let loglik_null = first.loglik;
    let f0 = Ldl::new(&first.imat, p, opts.toler_chol);
    if let Some(j) = f0.first_zero() {
        return Err(SurvivalError::Collinear { name: names[j].clone() });
    }
    let score = quad_form(&f0.inverse(), &first.u);

    progress.advance(0).map_err(|_| SurvivalError::Cancelled)?;
    let start = match warm.then(|| warm_start(&prep, &first, opts, &mut scratch)).flatten() {
        Some(warm) => warm,
        None => {
            let step = f0.solve(&first.u);
            Newton { beta: vec![0.0; p], cur: first, step }
        }
    };
    let NewtonEnd { beta, cur, converged, iterations } = newton(&prep, start, opts, progress, &names, &mut scratch)?;
    let fin = Ldl::new(&cur.imat, p, opts.toler_chol);
    if let Some(j) = fin.first_zero() {
        // the information vanished along a direction: either collinearity that appeared at the
        // estimate, or a coefficient run off to infinity
        return Err(if beta[j].abs() * prep.sd(j) > 5.0 {
            SurvivalError::Separation { name: names[j].clone(), direction: if beta[j] < 0.0 { "-" } else { "+" } }
        } else {
            SurvivalError::Collinear { name: names[j].clone() }
        });
    }
    let var = fin.inverse();
    // Divergence check. Under monotone likelihood (perfect separation) the log likelihood creeps
    // towards a supremum while a coefficient grows without bound, so the iteration either stops
    // on the relative-change rule with a Newton step still pointing outwards (R's coxph warns
    // "coefficient may be infinite" on the same test) or runs out of iterations. We call it
    // separation when, in addition, the coefficient is implausibly large: a hazard ratio beyond
    // e^5 per standard deviation of the covariate.
    let next = fin.solve(&cur.u);
    for j in 0..p {
        let outwards = next[j].abs() > opts.eps
            && next[j].abs() > opts.toler_inf * beta[j].abs()
            && next[j].signum() == beta[j].signum();
        // (the standard deviation is a pass over the column: only when it can matter)
        if (outwards || !converged) && beta[j].abs() * prep.sd(j) > 5.0 {
            return Err(SurvivalError::Separation {
                name: names[j].clone(),
                direction: if beta[j] < 0.0 { "-" } else { "+" },
            });
        }
    }
    if !converged {
        return Err(SurvivalError::NotConverged { iterations });
    }
    let se: Vec<f64> = (0..p).map(|j| var[j * p + j].sqrt()).collect();
    let wald = quad_form(&cur.imat, &beta);
    let (robust_var, robust_se) = if opts.robust {
        let rv = robust_variance(&prep, &beta, &var, opts.ties, input.cluster);
        let rse = (0..p).map(|j| rv[j * p + j].sqrt()).collect();
        (Some(rv), Some(rse))
    } else {
        (None, None)
    };
    let wald_test = match &robust_var {
        // with robust errors R reports the robust Wald test
        Some(rv) => TestResult::new(quad_form(&Ldl::new(rv, p, opts.toler_chol).inverse(), &beta), p),
        None => TestResult::new(wald, p),
    };
    // the last pass was at the estimate (the loop ends on a pass it accepts), so its linear
    // predictors are the final ones; strata are consecutive ranges of positions
    let mut eta = std::mem::take(&mut scratch[0].eta);
    for sc in &scratch[1..] {
        eta.extend_from_slice(&sc.eta);
    }
    drop(scratch);
    progress.advance(0).map_err(|_| SurvivalError::Cancelled)?;
    progress.start("concordance", 1);
    let spare = prep.spare.take();
    let concordance = concordance(&prep, &eta, spare);
    progress.advance(1).map_err(|_| SurvivalError::Cancelled)?;
    progress.finish();
    Ok(CoxFit {
        ties: opts.ties,
        names,
        n,
        events,
        coef: beta,
        se,
        robust_se,
        var,
        robust_var,
        loglik: cur.loglik,
        loglik_null,
        iterations,
        lr_test: TestResult::new(2.0 * (cur.loglik - loglik_null), p),
        wald_test,
        score_test: TestResult::new(score, p),
        concordance,
    })
}

/// A Newton–Raphson iteration's state: the current coefficients, the pass over the data at
/// them, and the next step.
struct Newton {
    beta: Vec<f64>,
    cur: Pass,
    step: Vec<f64>,
}

impl Newton {
    /// The state at `beta` with its pass `cur`, the first step solved from its information;
    /// `None` when the information is singular.
    fn at(beta: Vec<f64>, cur: Pass, opts: &CoxOptions) -> Option<Self> {
        let f = Ldl::new(&cur.imat, beta.len(), opts.toler_chol);
        if f.first_zero().is_some() {
            return None;
        }
        let step = f.solve(&cur.u);
        Some(Self { beta, cur, step })
    }
}

/// Where [`newton`] stopped.
struct NewtonEnd {
    beta: Vec<f64>,
    /// the pass at `beta`: the last one computed when converged
    cur: Pass,
    converged: bool,
    iterations: usize,
}

/// R `coxph`'s Newton–Raphson iteration (survival 3.5, `coxfit6`) from `start`: take the step;
/// stop when the log partial likelihood changed by at most `eps` relative to the previous one
/// and the step was not halved; halve the step while the likelihood gets worse (or overflows);
/// otherwise move and take the next step from the new information matrix.
fn newton(
    prep: &Prepared,
    start: Newton,
    opts: &CoxOptions,
    progress: &dyn Progress,
    names: &[String],
    scratch: &mut Vec<Scratch>,
) -> Result<NewtonEnd, SurvivalError> {
    let p = prep.p;
    let Newton { mut beta, mut cur, mut step } = start;
    let mut halving = false;
    let mut converged = false;
    let mut iterations = 0;
    let mut new_beta = vec![0.0; p];
    progress.start("newton", opts.max_iter as u64);
    for iter in 1..=opts.max_iter {
        // The previous iteration is done; the answer says whether to go on.
        progress.advance(u64::from(iter > 1)).map_err(|_| SurvivalError::Cancelled)?;
        iterations = iter;
        for j in 0..p {
            new_beta[j] = beta[j] + step[j];
        }
        let np = full_pass(prep, &new_beta, opts.ties, scratch);
        if !np.loglik.is_finite() {
            // overflow: treat like a worse likelihood and halve
            halving = true;
            for j in 0..p {
                step[j] /= 2.0;
            }
            continue;
        }
        if (1.0 - cur.loglik / np.loglik).abs() <= opts.eps && !halving {
            beta.clone_from(&new_beta);
            cur = np;
            converged = true;
            break;
        }
        if np.loglik < cur.loglik {
            halving = true;
            for j in 0..p {
                step[j] /= 2.0;
            }
        } else {
            halving = false;
            beta.clone_from(&new_beta);
            cur = np;
            let f = Ldl::new(&cur.imat, p, opts.toler_chol);
            if let Some(j) = f.first_zero() {
                return Err(SurvivalError::Collinear { name: names[j].clone() });
            }
            step = f.solve(&cur.u);
        }
    }
    Ok(NewtonEnd { beta, cur, converged, iterations })
}

/// Rows from which a fit starts at a subsample's estimate instead of at beta = 0.
const WARM_MIN_ROWS: usize = 1 << 17;
/// One row in this many (every this many positions in risk-set order) makes the subsample.
const WARM_EVERY: usize = 16;
/// Newton steps of the subsample from beta = 0 below which the full data are fitted from 0: the
/// full data from 0 take about as many steps as the subsample, and from the warm start at
/// least three passes (one at the start, then two steps, since the start is some standard
/// errors from the maximum), so a warm start that saves a pass needs four steps from 0.
const WARM_MIN_STEPS: usize = 4;

/// A start for the full-data iteration at the estimate on a fixed subsample, or `None` to start
/// at beta = 0 as R does.
///
/// Why the start does not change the estimate: where the log partial likelihood is strictly
/// concave (an information matrix that is positive definite at every beta, which the
/// factorisations check along the way, and no monotone likelihood, which the separation check
/// after the iteration tests as before), its maximum is unique, and Newton–Raphson with step
/// halving climbs to it from any start. The start only decides how many full-data iterations
/// that takes; which beta is reported is still decided on the full data by R's rule (the last
/// two full-data log likelihoods within `eps`, no halving), with the information, the standard
/// errors, the tests and the concordance at that beta. From beta = 0 the 1M x 10 benchmark takes
/// four steps (five passes over the data, with the one at 0); from a 1/16 subsample's estimate
/// (a few standard errors from the maximum, which Newton's quadratic convergence closes in two
/// steps) one pass at the start and two steps, and the subsample's own iteration costs about a
/// third of a pass. The reported numbers differ from those of the beta = 0 start only by where
/// within R's tolerance the last step lands (1e-13 relative on the benchmark; 1e-8 to 2e-8
/// relative on coefficients of 136,072-row test sets where the start at 0 stops less close to the
/// maximum, about as far as R's own answer is from it). The fit's iteration count is that of
/// the full-data steps.
///
/// Only for right-censored data with at least [`WARM_MIN_ROWS`] rows (small data, such as every
/// R reference case, start at 0 exactly as R), and only when the subsample's iteration took
/// at least [`WARM_MIN_STEPS`] steps (else the warm start would save no full pass) and converged
/// to coefficients far from any sign of separation (at most e^2.5 per standard deviation of a
/// covariate, half the separation check's threshold in log scale) and the full data's log
/// likelihood there is finite and above its value at beta = 0; otherwise the fit starts at 0.
/// The subsample is deterministic (every [`WARM_EVERY`]-th position of each stratum in the
/// fixed risk-set order), so results do not vary from run to run.
fn warm_start(prep: &Prepared, null: &Pass, opts: &CoxOptions, scratch: &mut Vec<Scratch>) -> Option<Newton> {
    let p = prep.p;
    if prep.start.is_some() || prep.stop.len() < WARM_MIN_ROWS {
        return None;
    }
    let sub = prep.subsample(WARM_EVERY);
    let mut sub_scratch = Vec::new();
    let zero = vec![0.0; p];
    let first = full_pass(&sub, &zero, opts.ties, &mut sub_scratch);
    let names = vec![String::new(); p];
    let end = newton(&sub, Newton::at(zero, first, opts)?, opts, &NoProgress, &names, &mut sub_scratch).ok()?;
    if !end.converged || end.iterations < WARM_MIN_STEPS || (0..p).any(|j| end.beta[j].abs() * sub.sd(j) > 2.5) {
        return None;
    }
    drop(sub_scratch);
    let cur = full_pass(prep, &end.beta, opts.ties, scratch);
    if !cur.loglik.is_finite() || cur.loglik < null.loglik {
        return None;
    }
    Newton::at(end.beta, cur, opts)
}

impl Prepared {
    /// Standard deviation (divisor n) of covariate `j`, from the centred values.
    fn sd(&self, j: usize) -> f64 {
        let n = self.stop.len() as f64;
        (self.x.iter().skip(j).step_by(self.p).map(|v| v * v).sum::<f64>() / n).sqrt()
    }

    /// Every `k`-th position of each stratum (its first, then every k-th after it), as data of
    /// their own: right-censored only, in the same risk-set order, without the input order.
    fn subsample(&self, k: usize) -> Prepared {
        let p = self.p;
        let mut x = Vec::new();
        let mut stop = Vec::new();
        let mut event = Vec::new();
        let mut strata = Vec::new();
        for st in &self.strata {
            let from = stop.len();
            for pos in st.by_stop.clone().step_by(k) {
                x.extend_from_slice(&self.x[pos * p..(pos + 1) * p]);
                stop.push(self.stop[pos]);
                event.push(self.event[pos]);
            }
            strata.push(Stratum { by_stop: from..stop.len(), by_start: Vec::new() });
        }
        Prepared { p, x, start: None, stop, event, perm: Vec::new(), strata, spare: None }
    }
}

fn prepare(input: &CoxInput<'_>, cov: Covariates<'_>) -> Result<Prepared, SurvivalError> {
    let n = input.stop.len();
    if n == 0 {
        return Err(SurvivalError::Empty);
    }
    let p = match &cov {
        Covariates::Columns(c) => c.len(),
        Covariates::Rows(_) => input.names.len(),
    };
    if p == 0 {
        return Err(SurvivalError::Invalid("no covariates".into()));
    }
    if input.names.len() != p {
        return Err(SurvivalError::LengthMismatch { what: "names", got: input.names.len(), expected: p });
    }
    let mut lens = vec![("event", input.event.len())];
    lens.extend(input.start.map(|s| ("start", s.len())));
    lens.extend(input.strata.map(|s| ("strata", s.len())));
    lens.extend(input.cluster.map(|s| ("cluster", s.len())));
    match &cov {
        Covariates::Columns(c) => lens.extend(c.iter().map(|c| ("covariate", c.len()))),
        Covariates::Rows(x) => {
            if x.len() != n * p {
                return Err(SurvivalError::LengthMismatch { what: "covariate rows", got: x.len() / p, expected: n });
            }
        }
    }
    for (what, len) in lens {
        if len != n {
            return Err(SurvivalError::LengthMismatch { what, got: len, expected: n });
        }
    }
    for i in 0..n {
        check_time(input.stop[i], i)?;
        if let Some(s) = input.start {
            check_time(s[i], i)?;
            if s[i] >= input.stop[i] {
                return Err(SurvivalError::StartNotBeforeStop { index: i, start: s[i], stop: input.stop[i] });
            }
        }
    }
    if !input.event.iter().any(|&e| e) {
        return Err(SurvivalError::NoEvents);
    }
    if let Some(s) = input.strata {
        check_ids(s, "stratum")?;
    }
    if let Some(c) = input.cluster {
        check_ids(c, "cluster")?;
    }
    if n > u32::MAX as usize {
        return Err(SurvivalError::Invalid(format!("{n} rows: at most 2^32 - 1 are supported")));
    }
    let means = match &cov {
        Covariates::Columns(cols) => column_means(cols, input.names)?,
        Covariates::Rows(x) => row_major_means(x, p, input.names)?,
    };
    // One sort orders every row by stratum, then stop time descending, events first, then input
    // row: a total order, so ties are broken the same way on every run.
    // (stratum, key, row) with key = !bits(stop) << 1 | !event: for stop >= 0 the bits order like
    // the number and all share the top bit, so the key sorts by stop descending, events first.
    // Meanwhile (it does not need the order), interleave the covariates row by row in input order
    // (streaming reads of each column; row-major input is already so); then move whole rows into
    // sorted order, centred ([`gather_rows`]): p contiguous values per row instead of p scattered.
    let interleave = || match cov {
        Covariates::Rows(x) => x,
        Covariates::Columns(cols) => {
            let mut rows_in = vec![0.0; n * p];
            rows_in.par_chunks_mut(p * 4096).enumerate().for_each(|(c, dst)| {
                let base = c * 4096;
                for (j, col) in cols.iter().enumerate() {
                    for (k, d) in dst.chunks_exact_mut(p).enumerate() {
                        d[j] = col[base + k];
                    }
                }
            });
            rows_in
        }
    };
    let order = || {
        let keys: Vec<(u64, u32)> = (0..n)
            .into_par_iter()
            .map(|i| ((!(input.stop[i] + 0.0).to_bits() << 1) | u64::from(!input.event[i]), i as u32))
            .collect();
        let mut spare = [Vec::new(), Vec::new()];
        (sort_order(keys, input.strata, &mut spare), spare)
    };
    let ((perm, spare), rows_in) = rayon::join(order, interleave);
    let stratum_at: Vec<u32> = match input.strata {
        Some(s) => perm.iter().map(|&i| s[i] as u32).collect(),
        None => Vec::new(),
    };
    let xp = gather_rows(rows_in, &perm, &means, p);
    let stop_p: Vec<f64> = perm.par_iter().map(|&i| input.stop[i]).collect();
    let event_p: Vec<bool> = perm.par_iter().map(|&i| input.event[i]).collect();
    let start_p: Option<Vec<f64>> = input.start.map(|s| perm.par_iter().map(|&i| s[i]).collect());
    let mut strata = Vec::new();
    let mut off = 0;
    while off < n {
        let stratum = |k: usize| stratum_at.get(k).copied().unwrap_or(0);
        let s = stratum(off);
        let mut end = off;
        while end < n && stratum(end) == s {
            end += 1;
        }
        let by_stop = off..end;
        let by_start = match &start_p {
            Some(st) => {
                let mut v: Vec<usize> = by_stop.clone().collect();
                v.par_sort_unstable_by(|&a, &b| st[b].total_cmp(&st[a]).then(a.cmp(&b)));
                v
            }
            None => Vec::new(),
        };
        strata.push(Stratum { by_stop, by_start });
        off = end;
    }
    Ok(Prepared { p, x: xp, start: start_p, stop: stop_p, event: event_p, perm, strata, spare: Some(spare) })
}

/// The rows of `rows` (row-major, width p) in the order `perm` (position k gets row perm[k]),
/// centred by `means`, in place.
///
/// A direct gather reads whole rows at random from the full matrix, and on large data each read
/// waits for memory; a gather into a second matrix needs as much fresh memory again, which the
/// kernel must fault in and zero (on the benchmark file, a fifth of the command's pages). Instead,
/// two passes in place that stay near in memory: the rows are first moved into consecutive
/// buckets of 4096 destinations by swapping, as in an American flag sort (McIlroy, Bostic &
/// McIlroy 1993, "Engineering radix sort"; a bucket of destinations gets exactly that many rows,
/// since `perm` is a permutation, and every swap settles one row in its bucket), then each
/// bucket's rows are put in place within its own small range through a bucket-sized copy, the
/// buckets in parallel. The same values as the direct gather (each row is moved as is and
/// centred once).
fn gather_rows(mut rows: Vec<f64>, perm: &[usize], means: &[f64], p: usize) -> Vec<f64> {
    let n = perm.len();
    let centre = |dst: &mut [f64], src: &[f64]| {
        for ((d, &v), &mean) in dst.iter_mut().zip(src).zip(means) {
            *d = v - mean;
        }
    };
    if n < 1 << 16 {
        let mut xp = vec![0.0; n * p];
        xp.par_chunks_mut(p).zip(perm.par_iter()).for_each(|(dst, &i)| centre(dst, &rows[i * p..(i + 1) * p]));
        return xp;
    }
    const SHIFT: usize = 12;
    let mut dest = vec![0u32; n]; // n < 2^32 (checked in `prepare`)
    for (k, &i) in perm.iter().enumerate() {
        dest[i] = k as u32;
    }
    let buckets = n.div_ceil(1 << SHIFT);
    let end = |b: usize| ((b + 1) << SHIFT).min(n);
    let mut next: Vec<usize> = (0..buckets).map(|b| b << SHIFT).collect();
    for b in 0..buckets {
        let mut i = next[b];
        while i < end(b) {
            let t = dest[i] as usize >> SHIFT;
            if t == b {
                i += 1;
                continue;
            }
            // the row at i belongs to a later bucket's unsettled part (earlier buckets are full)
            let j = next[t];
            next[t] += 1;
            let (lo, hi) = rows.split_at_mut(j * p);
            lo[i * p..(i + 1) * p].swap_with_slice(&mut hi[..p]);
            dest.swap(i, j);
        }
        next[b] = i;
    }
    drop(next);
    rows.par_chunks_mut(p << SHIFT).zip(dest.par_chunks(1 << SHIFT)).for_each_init(
        || Vec::with_capacity(p << SHIFT),
        |copy: &mut Vec<f64>, (out, ks)| {
            copy.clear();
            copy.extend_from_slice(out);
            for (row, &k) in copy.chunks_exact(p).zip(ks) {
                let local = k as usize & ((1 << SHIFT) - 1);
                centre(&mut out[local * p..(local + 1) * p], row);
            }
        },
    );
    rows
}

/// Column means, after checking that every value is finite and that no column is constant.
fn column_means(cols: &[&[f64]], names: &[String]) -> Result<Vec<f64>, SurvivalError> {
    let n = cols.first().map_or(0, |c| c.len());
    let mut means = Vec::with_capacity(cols.len());
    for (j, col) in cols.iter().enumerate() {
        if let Some(i) = col.iter().position(|v| !v.is_finite()) {
            return Err(SurvivalError::MissingCovariate { index: i, name: names[j].clone() });
        }
        if col.iter().all(|&v| v == col[0]) {
            return Err(SurvivalError::NoVariance { name: names[j].clone(), value: col[0] });
        }
        means.push(col.iter().sum::<f64>() / n as f64);
    }
    Ok(means)
}

/// [`column_means`] of a row-major n x p matrix in one pass over the rows: the same sums (each
/// column's values added in row order) and the same error (the first column in order with a
/// problem, at its first row).
fn row_major_means(x: &[f64], p: usize, names: &[String]) -> Result<Vec<f64>, SurvivalError> {
    let n = x.len() / p;
    let first = &x[..p];
    let mut sums = vec![-0.0; p]; // as `Iterator::sum`
    let mut constant = vec![true; p];
    let mut finite = true;
    for row in x.chunks_exact(p) {
        for j in 0..p {
            let v = row[j];
            sums[j] += v;
            constant[j] &= v == first[j];
            finite &= v.is_finite();
        }
    }
    for j in 0..p {
        let col = || x.iter().skip(j).step_by(p);
        if !finite && let Some(i) = col().position(|v| !v.is_finite()) {
            return Err(SurvivalError::MissingCovariate { index: i, name: names[j].clone() });
        }
        if constant[j] {
            return Err(SurvivalError::NoVariance { name: names[j].clone(), value: first[j] });
        }
    }
    Ok(sums.iter().map(|s| s / n as f64).collect())
}

fn full_pass(prep: &Prepared, beta: &[f64], ties: Ties, scratch: &mut Vec<Scratch>) -> Pass {
    let p = prep.p;
    scratch.resize_with(prep.strata.len(), Scratch::default);
    // strata in parallel, summed in a fixed order so results do not depend on thread timing
    let parts: Vec<Pass> = prep
        .strata
        .par_iter()
        .zip(scratch.par_iter_mut())
        .map(|(s, sc)| stratum_pass(prep, s, beta, ties, sc))
        .collect();
    let mut out = parts.into_iter().fold(Pass::zero(p), Pass::add);
    // fill the upper triangle
    for i in 0..p {
        for j in (i + 1)..p {
            out.imat[i * p + j] = out.imat[j * p + i];
        }
    }
    out
}

#[inline]
fn eta_of(x: &[f64], beta: &[f64]) -> f64 {
    x.iter().zip(beta).map(|(a, b)| a * b).sum()
}

/// Adds (sign = 1) or removes (sign = -1) a row's weighted moments (lower triangle of s2).
#[inline]
fn accumulate(s0: &mut f64, s1: &mut [f64], s2: &mut [f64], x: &[f64], w: f64) {
    let p = x.len();
    *s0 += w;
    for a in 0..p {
        let wa = w * x[a];
        s1[a] += wa;
        for b in 0..=a {
            s2[a * p + b] += wa * x[b];
        }
    }
}

/// Per-stratum work space of [`stratum_pass`], kept across the Newton iterations: fresh pages
/// for these row-length vectors on every pass cost about as much as the arithmetic.
#[derive(Debug, Default)]
struct Scratch {
    eta: Vec<f64>,
    w: Vec<f64>,
    /// sum of A_t over the event times later than the row's stop, plus the row's own B_t when it
    /// has an event (then the weights v of the Gram matrix, in place)
    a_own: Vec<f64>,
    /// the same sum when the row left the risk set (counting-process data only)
    a_left: Vec<f64>,
}

/// One stratum's log partial likelihood, score and information.
///
/// The information needs sum_t A_t S2(t), with S2(t) the risk set's sum of w x x' and A_t the tie
/// weight sum of time t (see [`TieSums`]). Rather than carry the p x p matrix S2 through the scan,
/// it is regrouped by row: sum_i w_i c_i x_i x_i', where c_i is the sum of A_t over the event times
/// at which row i is at risk (start_i < t <= stop_i), minus the same for the tied-event term. The
/// scan in decreasing time then costs O(p) per row, and the weighted Gram matrix is a matrix
/// product done in parallel chunks ([`weighted_gram`]).
fn stratum_pass(prep: &Prepared, st: &Stratum, beta: &[f64], ties: Ties, sc: &mut Scratch) -> Pass {
    let p = prep.p;
    let mut out = Pass::zero(p);
    let m = st.by_stop.len();
    if m == 0 {
        return out;
    }
    // positions of a stratum are a contiguous range in decreasing stop time
    let off = st.by_stop.start;
    let x = &prep.x[off * p..(off + m) * p];
    let stop = &prep.stop[off..off + m];
    let event = &prep.event[off..off + m];
    let Scratch { eta, w, a_own, a_left } = sc;
    eta.resize(m, 0.0);
    w.resize(m, 0.0);
    if beta.iter().all(|&b| b == 0.0) {
        // the pass at beta = 0 (the null model): eta = 0 and w = exp(0) = 1 without arithmetic
        // (x'0 is a signed zero; either adds nothing to the log likelihood)
        eta.fill(0.0);
        w.fill(1.0);
    } else {
        x.par_chunks(p).zip(eta.par_iter_mut()).zip(w.par_iter_mut()).for_each(|((xi, e), w)| {
            *e = eta_of(xi, beta);
            *w = e.exp();
        });
    }
    // running sum of A_t over the event times already passed (later times), when each row
    // entered (at its stop) and left (at its start) the risk set
    a_own.clear();
    a_own.resize(m, 0.0);
    a_left.clear();
    if prep.start.is_some() {
        a_left.resize(m, f64::NAN);
    }
    let (mut s0, mut s1) = (0.0, vec![0.0; p]);
    let mut d0: f64;
    let mut d1 = vec![0.0; p];
    let mut a_run = 0.0;
    let (mut k, mut pe) = (0, 0);
    while k < m {
        let t = stop[k];
        let first = k;
        let mut d = 0usize;
        d0 = 0.0;
        d1.iter_mut().for_each(|v| *v = 0.0);
        while k < m && stop[k] == t {
            let xi = &x[k * p..(k + 1) * p];
            s0 += w[k];
            for a in 0..p {
                s1[a] += w[k] * xi[a];
            }
            a_own[k] = a_run;
            if event[k] {
                d += 1;
                d0 += w[k];
                for a in 0..p {
                    d1[a] += w[k] * xi[a];
                }
                out.loglik += eta[k];
                for a in 0..p {
                    out.u[a] += xi[a];
                }
            }
            k += 1;
        }
        if let Some(start) = prep.start.as_deref() {
            while pe < st.by_start.len() && start[st.by_start[pe]] >= t {
                let j = st.by_start[pe] - off;
                let xj = &x[j * p..(j + 1) * p];
                s0 -= w[j];
                for a in 0..p {
                    s1[a] -= w[j] * xj[a];
                }
                a_left[j] = a_run;
                pe += 1;
            }
        }
        if d == 0 {
            continue;
        }
        // The d terms of Efron's approximation differ only by the weight f_r = r/d given to the
        // tied events, so their sums factor into the scalar sums of TieSums: O(d + p^2) per time.
        let ts = TieSums::new(s0, d0, d, ties);
        out.loglik -= ts.log_z;
        for a in 0..p {
            out.u[a] -= s1[a] * ts.a - d1[a] * ts.b;
        }
        for a in 0..p {
            for b in 0..=a {
                out.imat[a * p + b] +=
                    -s1[a] * s1[b] * ts.c + (s1[a] * d1[b] + d1[a] * s1[b]) * ts.d - d1[a] * d1[b] * ts.e;
            }
        }
        for j in first..k {
            if event[j] {
                a_own[j] += ts.b;
            }
        }
        a_run += ts.a;
    }
    // rows still at risk at the earliest time never left: their start is before every event
    if a_left.is_empty() {
        a_own.par_iter_mut().zip(w.par_iter()).for_each(|(a, &wj)| *a = wj * (a_run - *a));
    } else {
        a_own.par_iter_mut().zip(w.par_iter()).zip(a_left.par_iter()).for_each(|((a, &wj), &l)| {
            let left = if l.is_nan() { a_run } else { l };
            *a = wj * (left - *a);
        });
    }
    let gram = weighted_gram(x, a_own, p);
    for a in 0..p {
        for b in 0..=a {
            out.imat[a * p + b] += gram[a * p + b];
        }
    }
    out
}

/// sum_i v_i x_i x_i' (row-major p x p, lower triangle; the upper is left 0), over rows of `x`
/// (row-major n x p): parallel over fixed chunks summed in order, so the result does not depend
/// on thread timing. Each chunk is (V X)' X by blocks of rows, a matrix product done by faer's
/// kernels, which use the wide vector instructions of the machine they run on (this loop is
/// most of a Newton pass's arithmetic: p (p + 1) / 2 products per row).
fn weighted_gram(x: &[f64], v: &[f64], p: usize) -> Vec<f64> {
    use faer::linalg::matmul::matmul;
    use faer::{Accum, Mat, MatRef, Par};
    const CHUNK: usize = 1 << 14;
    const BLOCK: usize = 1 << 10;
    let parts: Vec<Mat<f64>> = x
        .par_chunks(CHUNK * p)
        .zip(v.par_chunks(CHUNK))
        .map(|(xc, vc)| {
            let mut g = Mat::<f64>::zeros(p, p);
            let mut vx = Vec::with_capacity(BLOCK * p);
            for (xs, vs) in xc.chunks(BLOCK * p).zip(vc.chunks(BLOCK)) {
                let rows = vs.len();
                vx.resize(rows * p, 0.0);
                for ((d, xi), &vi) in vx.chunks_exact_mut(p).zip(xs.chunks_exact(p)).zip(vs) {
                    for (d, &xa) in d.iter_mut().zip(xi) {
                        *d = vi * xa;
                    }
                }
                // the row-major blocks read column-major are X' and (V X)'
                let vxt = MatRef::from_column_major_slice(&vx, p, rows);
                let xt = MatRef::from_column_major_slice(xs, p, rows);
                matmul(g.as_mut(), Accum::Add, vxt, xt.transpose(), 1.0, Par::Seq);
            }
            g
        })
        .collect();
    let mut g = vec![0.0; p * p];
    for part in parts {
        for a in 0..p {
            for b in 0..=a {
                g[a * p + b] += part[(a, b)];
            }
        }
    }
    g
}

/// Scalar sums over the d tied events at one time, with z_r = S0 - f_r D0 (S0 over the risk set,
/// D0 over the tied events, f_r = r / d for Efron, 0 for Breslow): a = sum 1/z, b = sum f/z,
/// c = sum 1/z^2, d = sum f/z^2, e = sum f^2/z^2, and sum log z.
struct TieSums {
    log_z: f64,
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
}

impl TieSums {
    fn new(s0: f64, d0: f64, d: usize, ties: Ties) -> Self {
        let mut w = TieSums { log_z: 0.0, a: 0.0, b: 0.0, c: 0.0, d: 0.0, e: 0.0 };
        let df = d as f64;
        // sum log z as the log of a running product (one logarithm per time instead of one per
        // tied event, most of a pass's logarithms), taken early whenever the product would
        // leave a safe range; a z that is not a positive finite number makes the sum not
        // finite either way
        let mut prod = 1.0;
        for r in 0..d {
            let f = match ties {
                Ties::Efron => r as f64 / df,
                Ties::Breslow => 0.0,
            };
            let z = s0 - f * d0;
            let iz = 1.0 / z;
            let q = prod * z;
            if (1e-150..1e150).contains(&q) {
                prod = q;
            } else {
                w.log_z += prod.ln();
                prod = z;
            }
            w.a += iz;
            w.b += f * iz;
            w.c += iz * iz;
            w.d += f * iz * iz;
            w.e += f * f * iz * iz;
        }
        w.log_z += prod.ln();
        w
    }
}

/// Robust (sandwich) covariance V (L'L) V with L the score residuals summed within clusters
/// (Lin & Wei 1989; Therneau & Grambsch 2000, section 7.2).
fn robust_variance(prep: &Prepared, beta: &[f64], var: &[f64], ties: Ties, cluster: Option<&[usize]>) -> Vec<f64> {
    let p = prep.p;
    let n = prep.stop.len();
    let resid = score_residuals(prep, beta, ties);
    let mut sums: Vec<f64>;
    let rows: &[f64] = match cluster {
        None => &resid,
        Some(c) => {
            let k = c.iter().copied().max().unwrap_or(0) + 1;
            sums = vec![0.0; k * p];
            for i in 0..n {
                for a in 0..p {
                    // resid is by position; clusters are given per input row
                    sums[c[prep.perm[i]] * p + a] += resid[i * p + a];
                }
            }
            sums.as_mut_slice()
        }
    };
    let m = rows.len() / p;
    let mut ltl = vec![0.0; p * p];
    for i in 0..m {
        let r = &rows[i * p..(i + 1) * p];
        for a in 0..p {
            for b in 0..p {
                ltl[a * p + b] += r[a] * r[b];
            }
        }
    }
    // V * LtL * V
    let mut tmp = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            tmp[a * p + b] = (0..p).map(|k| var[a * p + k] * ltl[k * p + b]).sum();
        }
    }
    let mut out = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..p {
            out[a * p + b] = (0..p).map(|k| tmp[a * p + k] * var[k * p + b]).sum();
        }
    }
    out
}

/// Score residuals, row-major n x p: for row i, its event term `x_i - mean xbar` minus its share
/// of every risk set it was in, `w_i (x_i - xbar_r) / S0_r` (with Efron's (1 - r/d) weight for
/// the tied events themselves). They sum to the score vector.
fn score_residuals(prep: &Prepared, beta: &[f64], ties: Ties) -> Vec<f64> {
    let p = prep.p;
    let n = prep.stop.len();
    let mut resid = vec![0.0; n * p];
    let parts: Vec<Vec<(usize, Vec<f64>)>> = prep
        .strata
        .par_iter()
        .map(|st| {
            // event times in ascending order with hazard increments
            struct Step {
                t: f64,
                dl: f64,
                db: Vec<f64>,
                dl_dead: f64,
                db_dead: Vec<f64>,
                xbar_mean: Vec<f64>,
            }
            let mut steps: Vec<Step> = Vec::new();
            let (mut s0, mut s1, mut s2) = (0.0, vec![0.0; p], vec![0.0; p * p]);
            let mut d0: f64;
            let (mut d1, mut d2) = (vec![0.0; p], vec![0.0; p * p]);
            let idx: Vec<usize> = st.by_stop.clone().collect();
            let (mut ps, mut pe) = (0, 0);
            while ps < idx.len() {
                let t = prep.stop[idx[ps]];
                let mut d = 0usize;
                d0 = 0.0;
                d1.iter_mut().for_each(|v| *v = 0.0);
                d2.iter_mut().for_each(|v| *v = 0.0);
                while ps < idx.len() && prep.stop[idx[ps]] == t {
                    let i = idx[ps];
                    let xi = &prep.x[i * p..(i + 1) * p];
                    let w = eta_of(xi, beta).exp();
                    accumulate(&mut s0, &mut s1, &mut s2, xi, w);
                    if prep.event[i] {
                        d += 1;
                        accumulate(&mut d0, &mut d1, &mut d2, xi, w);
                    }
                    ps += 1;
                }
                if let Some(start) = prep.start.as_deref() {
                    while pe < st.by_start.len() && start[st.by_start[pe]] >= t {
                        let j = st.by_start[pe];
                        let xj = &prep.x[j * p..(j + 1) * p];
                        let w = eta_of(xj, beta).exp();
                        accumulate(&mut s0, &mut s1, &mut s2, xj, -w);
                        pe += 1;
                    }
                }
                if d == 0 {
                    continue;
                }
                let w = TieSums::new(s0, d0, d, ties);
                let df = d as f64;
                let mut step = Step {
                    t,
                    dl: w.a,
                    db: vec![0.0; p],
                    dl_dead: w.a - w.b,
                    db_dead: vec![0.0; p],
                    xbar_mean: vec![0.0; p],
                };
                for a in 0..p {
                    step.db[a] = s1[a] * w.c - d1[a] * w.d;
                    step.db_dead[a] = s1[a] * (w.c - w.d) - d1[a] * (w.d - w.e);
                    step.xbar_mean[a] = (s1[a] * w.a - d1[a] * w.b) / df;
                }
                steps.push(step);
            }
            steps.reverse();
            // cumulative sums over ascending event times
            let m = steps.len();
            let mut cum_l = vec![0.0; m + 1];
            let mut cum_b = vec![0.0; (m + 1) * p];
            for k in 0..m {
                cum_l[k + 1] = cum_l[k] + steps[k].dl;
                for a in 0..p {
                    cum_b[(k + 1) * p + a] = cum_b[k * p + a] + steps[k].db[a];
                }
            }
            let times: Vec<f64> = steps.iter().map(|s| s.t).collect();
            let mut local = Vec::with_capacity(idx.len());
            for i in idx {
                let xi = &prep.x[i * p..(i + 1) * p];
                let w = eta_of(xi, beta).exp();
                let hi = times.partition_point(|&t| t <= prep.stop[i]);
                let lo = prep.start.as_deref().map_or(0, |s| times.partition_point(|&t| t <= s[i]));
                let mut r = vec![0.0; p];
                let dl = cum_l[hi] - cum_l[lo];
                for a in 0..p {
                    let db = cum_b[hi * p + a] - cum_b[lo * p + a];
                    r[a] = -w * (xi[a] * dl - db);
                }
                if prep.event[i] && hi > 0 && times[hi - 1] == prep.stop[i] {
                    let s = &steps[hi - 1];
                    for a in 0..p {
                        // replace the full-weight share at the own event time by the Efron share
                        r[a] += w * (xi[a] * s.dl - s.db[a]);
                        r[a] -= w * (xi[a] * s.dl_dead - s.db_dead[a]);
                        r[a] += xi[a] - s.xbar_mean[a];
                    }
                }
                local.push((i, r));
            }
            local
        })
        .collect();
    for part in parts {
        for (i, r) in part {
            resid[i * p..(i + 1) * p].copy_from_slice(&r);
        }
    }
    resid
}

#[cfg(test)]
mod tests {
    use super::concordance::{Asc, Fenwick, right_censored_pairs, right_censored_walk};
    use super::sort::radix_sort_pairs;
    use super::*;

    /// Right-censored input without start times or clusters.
    fn right_censored<'a>(
        stop: &'a [f64],
        event: &'a [bool],
        covariates: &'a [&'a [f64]],
        names: &'a [String],
        strata: Option<&'a [usize]>,
    ) -> CoxInput<'a> {
        CoxInput { start: None, stop, event, covariates, names, strata, cluster: None }
    }

    /// Marsaglia's xorshift64: a seeded stream of test data without a dependency.
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// On data large enough for the warm start, the fit started at the subsample's estimate
    /// reports what the fit started at beta = 0 (R's start) reports, in fewer full-data
    /// iterations, with strata and both tie methods. Not to the last digits: both stop by R's rule
    /// somewhere within its tolerance of the maximum, each at its own last Newton iterate (here
    /// 1e-8 from it relative, 1e-6 standard errors); both are checked against a fit converged
    /// to 1e-14, and against each other at the tolerance against R (1e-6 relative).
    #[test]
    fn warm_start_gives_the_same_fit() {
        let n = WARM_MIN_ROWS + 5000;
        let mut next = xorshift(3);
        let mut unif = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let (mut stop, mut event, mut a, mut b, mut strata) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let (x1, x2) = (unif() * 2.0 - 1.0, f64::from(unif() < 0.3));
            let t = -(unif().ln()) / (1.5 * x1 - 1.0 * x2).exp();
            let c = -(unif().ln()) * 2.0;
            stop.push((t.min(c) * 100.0).round() / 100.0); // ties
            event.push(t <= c);
            a.push(x1);
            b.push(x2);
            strata.push(usize::from(unif() < 0.4));
        }
        let names = vec!["a".to_string(), "b".to_string()];
        let cols = [a.as_slice(), b.as_slice()];
        for strata in [None, Some(strata.as_slice())] {
            for ties in [Ties::Efron, Ties::Breslow] {
                let input = right_censored(&stop, &event, &cols, &names, strata);
                let opts = CoxOptions { ties, ..CoxOptions::default() };
                let fit = |warm: bool, opts: &CoxOptions| {
                    fit_from(&input, Covariates::Columns(&cols), opts, &NoProgress, warm).unwrap()
                };
                let (warm, zero) = (fit(true, &opts), fit(false, &opts));
                let exact = fit(false, &CoxOptions { eps: 1e-14, ..opts });
                assert!(warm.iterations < zero.iterations, "{} vs {}", warm.iterations, zero.iterations);
                let close = |x: f64, y: f64, tol: f64| (x - y).abs() <= tol * y.abs();
                for j in 0..2 {
                    assert!(close(warm.coef[j], exact.coef[j], 1e-7), "{:?} vs {:?}", warm.coef, exact.coef);
                    assert!(close(zero.coef[j], exact.coef[j], 1e-7), "{:?} vs {:?}", zero.coef, exact.coef);
                    assert!(close(warm.coef[j], zero.coef[j], 1e-6), "{:?} vs {:?}", warm.coef, zero.coef);
                    assert!(close(warm.se[j], zero.se[j], 1e-6), "{:?} vs {:?}", warm.se, zero.se);
                }
                assert!(close(warm.loglik, zero.loglik, 1e-12));
                assert_eq!(warm.loglik_null, zero.loglik_null);
                assert_eq!(warm.score_test, zero.score_test);
                assert!(close(warm.wald_test.chi2, zero.wald_test.chi2, 1e-6));
                assert!(close(warm.lr_test.chi2, zero.lr_test.chi2, 1e-9));
                assert!(close(warm.concordance, zero.concordance, 1e-9));
            }
        }
    }

    /// The blocked tree's prefix sums and counts equal plain sums, under additions and removals,
    /// for sizes around the block boundaries.
    #[test]
    fn fenwick_prefix_equals_plain_sums() {
        let mut next = xorshift(5);
        for n in [1usize, 31, 32, 33, 64, 1000, 4099] {
            let mut tree = Fenwick::new(n);
            let mut plain = vec![0i64; n];
            for step in 0..20 * n {
                let i = (next() % n as u64) as usize;
                let v = if plain[i] > 0 && step % 3 == 0 { -1 } else { 1 };
                tree.add(i, v);
                plain[i] += v;
                let r = (next() % (n as u64 + 1)) as usize;
                assert_eq!(tree.prefix(r), plain[..r].iter().sum::<i64>());
                if r < n {
                    assert_eq!(i64::from(tree.count(r)), plain[r]);
                }
            }
        }
    }

    /// The split count (two halves in parallel) equals the one-pass count, on data large enough
    /// to be split, with many tied times and tied linear predictors.
    #[test]
    fn split_concordance_equals_one_pass() {
        let n = 200_000;
        let mut next = xorshift(1);
        let mut stop = Vec::with_capacity(n);
        let mut event = Vec::with_capacity(n);
        let mut x = Vec::with_capacity(n);
        for _ in 0..n {
            stop.push((next() % 5000) as f64 / 100.0 + 0.01);
            event.push(!next().is_multiple_of(3));
            x.push((next() % 1000) as f64);
        }
        let names = vec!["x".to_string()];
        let covariates = [x.as_slice()];
        let input = right_censored(&stop, &event, &covariates, &names, None);
        let prep = prepare(&input, Covariates::Columns(&covariates)).unwrap();
        let rows = Asc { stop: &prep.stop, event: &prep.event };
        let xs: Vec<f64> = (0..n).map(|k| prep.x[n - 1 - k]).collect();
        let mut distinct = xs.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let rank_of: Vec<u32> =
            xs.iter().map(|v| distinct.binary_search_by(|a| a.total_cmp(v)).unwrap() as u32).collect();
        let one_pass = right_censored_walk(rows, &rank_of, distinct.len(), 0, n);
        assert!(one_pass.0 > 0 && one_pass.1 > 0 && one_pass.2 > 0);
        assert_eq!(right_censored_pairs(rows, &rank_of, distinct.len()), one_pass);
    }

    /// The row-major entry gives the same fit, and the same errors, as the columns.
    #[test]
    fn row_major_equals_columns() {
        let n = 3000;
        let mut next = xorshift(7);
        let stop: Vec<f64> = (0..n).map(|_| (next() % 400) as f64 / 10.0 + 0.1).collect();
        let event: Vec<bool> = (0..n).map(|_| !next().is_multiple_of(4)).collect();
        let strata: Vec<usize> = (0..n).map(|_| (next() % 2) as usize).collect();
        let a: Vec<f64> = (0..n).map(|_| (next() % 1000) as f64 / 250.0 - 2.0).collect();
        let b: Vec<f64> = (0..n).map(|_| (next() % 2) as f64).collect();
        let names = vec!["a".to_string(), "b".to_string()];
        let rows = |a: &[f64], b: &[f64]| a.iter().zip(b).flat_map(|(&x, &y)| [x, y]).collect::<Vec<f64>>();
        for strata in [None, Some(strata.as_slice())] {
            for ties in [Ties::Efron, Ties::Breslow] {
                let cols = [a.as_slice(), b.as_slice()];
                let input = right_censored(&stop, &event, &cols, &names, strata);
                let opts = CoxOptions { ties, robust: true, ..CoxOptions::default() };
                let by_cols = cox_ph(&input, &opts).unwrap();
                let by_rows =
                    cox_ph_row_major(&CoxInput { covariates: &[], ..input }, rows(&a, &b), &opts, &NoProgress).unwrap();
                assert_eq!(by_cols, by_rows);
            }
        }
        // errors: the first column in order with a problem, at its first row
        let mut bad_a = a.clone();
        bad_a[10] = f64::NAN;
        bad_a[5] = f64::INFINITY;
        let constant = vec![1.5; n];
        for (x, y) in [(&bad_a, &b), (&constant, &b), (&a, &constant), (&constant, &bad_a)] {
            let cols = [x.as_slice(), y.as_slice()];
            let input = right_censored(&stop, &event, &cols, &names, None);
            let e1 = cox_ph(&input, &CoxOptions::default()).unwrap_err();
            let e2 = cox_ph_row_major(
                &CoxInput { covariates: &[], ..input },
                rows(x, y),
                &CoxOptions::default(),
                &NoProgress,
            )
            .unwrap_err();
            assert_eq!(e1.to_string(), e2.to_string());
        }
        let input = right_censored(&stop, &event, &[], &names, None);
        assert!(cox_ph_row_major(&input, vec![0.0; 2 * n - 1], &CoxOptions::default(), &NoProgress).is_err());
    }

    /// The radix sort gives the order of a comparison sort, also on keys that agree in their
    /// highest bits and differ in the middle ones (where its runs must be re-sorted).
    #[test]
    fn radix_sort_equals_comparison_sort() {
        let mut next = xorshift(3);
        let n = 50_000u32;
        let shapes: [&dyn Fn(u64) -> u64; 4] = [
            &|r| r,                                         // anything
            &|r| ((r % 7) << 40) | ((r >> 20) & 0x7ff),     // few high values, low bits vary
            &|r| 0x4000_0000_0000_0000 | (r & 0x7fff_ffff), // only the middle and low bits vary
            &|r| ((r % 3) << 31) | ((r >> 40) % 5),         // many ties
        ];
        for shape in shapes {
            let pairs: Vec<(u64, u32)> = (0..n).map(|i| (shape(next()), i)).collect();
            let mut want = pairs.clone();
            want.sort();
            assert_eq!(radix_sort_pairs(pairs, &mut Vec::new()), want);
        }
        for x in [-2.5f64, -0.0, 0.0, 1e-300, 3.0] {
            // linear-predictor keys as the concordance makes them
            let keys: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let v = x + (next() % 1000) as f64 * 1e-12;
                    let b = (v + 0.0).to_bits();
                    (if b >> 63 == 1 { !b } else { b | 1 << 63 }, i)
                })
                .collect();
            let mut want = keys.clone();
            want.sort();
            assert_eq!(radix_sort_pairs(keys, &mut vec![(1, 2); 7]), want);
        }
    }

    /// The two-pass gather puts every row where the direct gather does.
    #[test]
    fn gather_rows_equals_direct_gather() {
        let mut next = xorshift(11);
        for (n, p) in [(100_000usize, 3usize), (70_000, 1), (1000, 2)] {
            let rows: Vec<f64> = (0..n * p).map(|_| (next() % 100_000) as f64 / 7.0).collect();
            let means: Vec<f64> = (0..p).map(|j| j as f64 * 0.5 - 0.25).collect();
            let mut perm: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                perm.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            let direct: Vec<f64> = perm
                .iter()
                .flat_map(|&i| (0..p).map(move |j| (i, j)))
                .map(|(i, j)| rows[i * p + j] - means[j])
                .collect();
            assert_eq!(gather_rows(rows, &perm, &means, p), direct);
        }
    }
}
