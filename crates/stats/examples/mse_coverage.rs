//! Coverage study of the MSE intervals (a study, not a test).
//!
//! `cargo run --release -p zicht-stats --example mse_coverage -- [RUNS] [BOOTSTRAP] [SEED]`
//! (defaults 200 runs, 200 replicates, seed 2026).
//!
//! Each run draws a register from a population of known size: every person gets a capture
//! history from a known log-linear model over five lists with dependent captures (two positive
//! and one negative pairwise dependence; capture probabilities 0.06–0.30), the all-zero history is
//! the hidden part. The engine then estimates the population by stepwise selection and we record
//! whether each 95% interval (BCa bootstrap with the selection repeated, profile likelihood and
//! SparseMSE's log-normal interval of the selected model) covers the true population size.
//!
//! This checks the intervals when the log-linear model holds. The study on registers drawn from
//! `zicht-sim` is `mse_coverage_sim` (docs/benchmarks.md, "MSE coverage on the simulator").

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use zicht_stats::mse::{BootstrapOptions, CaptureTable, Method, NoProgress, bootstrap, profile_interval, select};

const K: usize = 5;
/// Main effects on the log-odds scale relative to the hidden history.
const ALPHA: [f64; K] = [-2.0, -1.2, -2.6, -1.5, -2.2];
/// Pairwise dependences (lists i, j, θ): A–B and C–D positive, B–E negative.
const THETA: [(usize, usize, f64); 3] = [(0, 1, 1.0), (2, 3, 0.8), (1, 4, -0.7)];

fn history_probabilities() -> Vec<f64> {
    let w: Vec<f64> = (0..1u32 << K)
        .map(|h| {
            let mut eta = 0.0;
            for (i, a) in ALPHA.iter().enumerate() {
                if h & (1 << i) != 0 {
                    eta += a;
                }
            }
            for &(i, j, t) in &THETA {
                if h & (1 << i) != 0 && h & (1 << j) != 0 {
                    eta += t;
                }
            }
            f64::exp(eta)
        })
        .collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2026);
    let population = 3000usize;
    let probs = history_probabilities();
    let mut cum = Vec::with_capacity(probs.len());
    let mut acc = 0.0;
    for p in &probs {
        acc += p;
        cum.push(acc);
    }
    let lists: Vec<String> = ["A", "B", "C", "D", "E"].iter().map(|s| s.to_string()).collect();
    let method = Method::Stepwise { threshold: 0.02 };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut cov_bca, mut cov_prof, mut cov_logn, mut done, mut no_est) = (0, 0, 0, 0, 0);
    let mut sum_est = 0.0;
    let start = std::time::Instant::now();
    for run in 0..runs {
        let mut counts = vec![0.0; 1 << K];
        for _ in 0..population {
            let u: f64 = rng.random();
            let h = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
            counts[h] += 1.0;
        }
        counts[0] = 0.0;
        let truth = population as f64;
        let Ok(table) = CaptureTable::from_counts(lists.clone(), counts) else {
            no_est += 1;
            continue;
        };
        let Ok(sel) = select(&table, &method) else {
            no_est += 1;
            continue;
        };
        let Some(est) = sel.fit.estimate else {
            no_est += 1;
            continue;
        };
        done += 1;
        sum_est += est;
        let opts = BootstrapOptions {
            replicates: reps,
            seed: seed.wrapping_add(run as u64 + 1),
            level: 0.95,
            progress: &NoProgress,
        };
        if let Ok(b) = bootstrap(&table, &method, &opts)
            && b.low.is_some_and(|l| l <= truth)
            && b.high.is_none_or(|h| truth <= h)
        {
            cov_bca += 1;
        }
        if let Ok((lo, hi)) = profile_interval(&table, &sel.fit, 0.95)
            && lo.is_some_and(|l| l <= truth)
            && hi.is_none_or(|h| truth <= h)
        {
            cov_prof += 1;
        }
        if let Some((lo, hi)) = sel.fit.lognormal_interval(0.95)
            && lo <= truth
            && truth <= hi
        {
            cov_logn += 1;
        }
    }
    let pct = |c: usize| 100.0 * c as f64 / done.max(1) as f64;
    println!(
        "MSE coverage study: {runs} registers, population {population}, 5 lists, {reps} bootstrap replicates, seed {seed}"
    );
    println!("runs with a finite estimate: {done} (without: {no_est})");
    println!("mean estimate: {:.1} (truth {population})", sum_est / done.max(1) as f64);
    println!("coverage of the 95% BCa bootstrap interval (stepwise repeated): {:.1}%", pct(cov_bca));
    println!("coverage of the 95% profile interval (selected model):          {:.1}%", pct(cov_prof));
    println!("coverage of the 95% log-normal interval (selected model):       {:.1}%", pct(cov_logn));
    println!("wall time: {:.1} s", start.elapsed().as_secs_f64());
}
