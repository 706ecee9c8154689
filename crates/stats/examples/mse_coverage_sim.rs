//! Coverage of the MSE intervals on registers drawn from `zicht-sim` (a study, not a test).
//!
//! ```text
//! cargo run --release -p zicht-stats --example mse_coverage_sim -- coverage [RUNS] [BOOT] [YEAR] [SCALE] [SEED]
//! cargo run --release -p zicht-stats --example mse_coverage_sim -- diagnose [SEED] [SCALE]
//! ```
//!
//! `coverage` (defaults 200 runs, 200 bootstrap replicates, year 2016, scale 1, first seed 1):
//! every run simulates a register with its own seed (`SEED + run`, the year alone, no decoy
//! events), builds the 2^6 − 1 capture table of the year from the simulator's truth lists (P K I
//! R O Z: perfect linkage, so only the estimator is on trial) and compares the estimates and the
//! 95% intervals with the true number of victims active in the year:
//!
//! - unstratified: stepwise selection (p < 0.02), the BCa bootstrap with the selection repeated,
//!   the profile-likelihood interval and SparseMSE's log-normal interval of the selected model;
//! - stratified by victim group, and by victim group × Dutch/non-Dutch: stepwise in every stratum,
//!   the total the sum, the BCa interval of the total by the stratified bootstrap
//!   ([`stratified::bootstrap_by_stratum`]); a list without cases in a stratum is dropped there.
//!
//! `diagnose` (defaults seed 1, scale 1) simulates 2012–2022 once and prints, per year and per
//! victim group, the truth, the observed and the estimates, to locate the bias.

use std::collections::BTreeMap;
use std::time::Instant;

use zicht_sim::{Config, ListRow, Simulation, simulate};
use zicht_stats::mse::stratified::{self, StratifiedTable};
use zicht_stats::mse::{BootstrapOptions, CaptureTable, Method, NoProgress, bootstrap, profile_interval, select};

const LISTS: [&str; 6] = ["P", "K", "I", "R", "O", "Z"];
const METHOD: Method = Method::Stepwise { threshold: 0.02 };

/// How persons are split into strata.
#[derive(Clone, Copy, PartialEq)]
enum Scheme {
    None,
    Group,
    GroupDutch,
    /// Group × minor × sex × Dutch/EU/non-EU: every observed covariate of the capture model.
    Fine,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::None => "unstratified",
            Scheme::Group => "by group",
            Scheme::GroupDutch => "by group x Dutch",
            Scheme::Fine => "by group x minor x sex x nationality",
        }
    }

    fn key(self, group: &str, minor: bool, sex: &str, nat: &str) -> String {
        match self {
            Scheme::None => "all".into(),
            Scheme::Group => group.into(),
            Scheme::GroupDutch => format!("{group}/{}", if nat == "NL" { "NL" } else { "non-NL" }),
            Scheme::Fine => format!("{group}/{}/{sex}/{nat}", if minor { "minor" } else { "adult" }),
        }
    }
}

/// The capture history of a truth row as a 6-bit mask (bit i: list `LISTS[i]`).
fn mask(row: &ListRow) -> u32 {
    row.lists.iter().enumerate().filter(|(_, on)| **on).map(|(i, _)| 1u32 << i).sum()
}

/// A capture table over the lists that saw someone among `masks`.
fn table(masks: &[u32]) -> Option<CaptureTable> {
    let used: Vec<usize> = (0..LISTS.len()).filter(|&i| masks.iter().any(|m| m & (1 << i) != 0)).collect();
    if used.len() < 2 {
        return None;
    }
    let mut counts = vec![0.0; 1 << used.len()];
    for &m in masks {
        let h: usize = used.iter().enumerate().filter(|(_, l)| m & (1 << **l) != 0).map(|(j, _)| 1usize << j).sum();
        counts[h] += 1.0;
    }
    CaptureTable::from_counts(used.iter().map(|&i| LISTS[i].to_string()).collect(), counts).ok()
}

/// The year's tables by stratum, and the true population by the same strata.
struct YearData {
    observed: usize,
    truth: u64,
    masks: BTreeMap<String, Vec<u32>>,
    truth_by: BTreeMap<String, u64>,
}

fn year_data(sim: &Simulation, year: i32, scheme: Scheme) -> YearData {
    let mut masks: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut observed = 0;
    for r in sim.truth.lists.iter().filter(|r| r.year == year) {
        observed += 1;
        masks.entry(scheme.key(r.group, r.minor, r.sex, r.nationality_group)).or_default().push(mask(r));
    }
    let mut truth_by: BTreeMap<String, u64> = BTreeMap::new();
    for p in sim.truth.population.iter().filter(|p| p.year == year) {
        *truth_by.entry(scheme.key(p.group, p.minor, p.sex, p.nationality_group)).or_insert(0) += p.persons;
    }
    YearData { observed, truth: truth_by.values().sum(), masks, truth_by }
}

/// Stepwise estimate per stratum; the total is `None` when a stratum has no finite estimate.
fn stratified_estimate(d: &YearData) -> (Option<f64>, Vec<(String, Option<f64>)>) {
    let per: Vec<(String, Option<f64>)> = d
        .masks
        .iter()
        .map(|(k, m)| {
            let e = table(m).and_then(|t| select(&t, &METHOD).ok()).and_then(|s| s.fit.estimate);
            (k.clone(), e)
        })
        .collect();
    (per.iter().map(|(_, e)| *e).sum(), per)
}

fn config(seed: u64, from: i32, to: i32, scale: f64) -> Config {
    Config { seed, from, to, scale, decoy_events: 0, statistical_minors: false }
}

fn diagnose(seed: u64, scale: f64) -> Result<(), Box<dyn std::error::Error>> {
    let sim = simulate(&config(seed, 2012, 2022, scale))?;
    println!("seed {seed}, scale {scale}: per year, truth (active), observed, stepwise estimates (stratified totals)");
    println!(
        "{:>4} {:>6} {:>5} {:>5} | {:>7} {:>7} {:>7} {:>7} | list totals P K I R O Z | model",
        "year", "truth", "obs", "obs%", "none", "group", "grp×NL", "fine"
    );
    for year in 2012..=2022 {
        let d = year_data(&sim, year, Scheme::None);
        let all: Vec<u32> = d.masks.values().flatten().copied().collect();
        let t = table(&all).ok_or("no table")?;
        let sel = select(&t, &METHOD)?;
        let mut totals = [0usize; 6];
        for m in &all {
            for (i, tot) in totals.iter_mut().enumerate() {
                *tot += usize::from(m & (1 << i) != 0);
            }
        }
        let est = |s: Scheme| {
            stratified_estimate(&year_data(&sim, year, s)).0.map_or_else(|| "-".to_string(), |e| format!("{e:.0}"))
        };
        println!(
            "{year:>4} {:>6} {:>5} {:>4.0}% | {:>7} {:>7} {:>7} {:>7} | {:?} | {}",
            d.truth,
            d.observed,
            100.0 * d.observed as f64 / d.truth as f64,
            sel.fit.estimate.map_or_else(|| "-".to_string(), |e| format!("{e:.0}")),
            est(Scheme::Group),
            est(Scheme::GroupDutch),
            est(Scheme::Fine),
            totals,
            sel.fit.model.describe(t.lists()),
        );
    }
    for year in [2012, 2016, 2019] {
        println!("\n{year}, by group: truth, observed, observed %, stepwise estimate, estimate / truth");
        let d = year_data(&sim, year, Scheme::Group);
        let (_, per) = stratified_estimate(&d);
        for (k, e) in per {
            let truth = d.truth_by.get(&k).copied().unwrap_or(0);
            let obs = d.masks.get(&k).map_or(0, Vec::len);
            println!(
                "  {k:<20} {truth:>6} {obs:>5} {:>4.0}% {:>8} {:>6}",
                100.0 * obs as f64 / truth as f64,
                e.map_or_else(|| "-".to_string(), |e| format!("{e:.0}")),
                e.map_or_else(|| "-".to_string(), |e| format!("{:.2}", e / truth as f64)),
            );
        }
    }
    for year in [2012, 2016, 2019] {
        odds_ratios(&sim, year);
    }
    Ok(())
}

/// Pairwise odds ratios of being on list i and on list j in the whole population of the year
/// (the truth supplies the persons on neither list): pooled, and Mantel–Haenszel over the fine
/// strata. Independence gives 1; a 2-way log-linear term can model any of them, but with
/// heterogeneity that is not in the observed strata the dependence is not pairwise.
fn odds_ratios(sim: &Simulation, year: i32) {
    let d = year_data(sim, year, Scheme::Fine);
    println!("\n{year}: odds ratio of lists i and j over the whole true population: pooled / Mantel–Haenszel over fine strata");
    let mut line = String::new();
    for i in 0..6 {
        for j in i + 1..6 {
            let cells = |m: &[u32], n: f64| {
                let a = m.iter().filter(|&&h| h & (1 << i) != 0 && h & (1 << j) != 0).count() as f64;
                let b = m.iter().filter(|&&h| h & (1 << i) != 0 && h & (1 << j) == 0).count() as f64;
                let c = m.iter().filter(|&&h| h & (1 << i) == 0 && h & (1 << j) != 0).count() as f64;
                (a, b, c, n - a - b - c)
            };
            let all: Vec<u32> = d.masks.values().flatten().copied().collect();
            let (a, b, c, dd) = cells(&all, d.truth as f64);
            let pooled = a * dd / (b * c);
            let (mut num, mut den) = (0.0, 0.0);
            for (k, m) in &d.masks {
                let n = d.truth_by.get(k).copied().unwrap_or(0) as f64;
                if n <= 0.0 {
                    continue;
                }
                let (a, b, c, dd) = cells(m, n.max(m.len() as f64));
                num += a * dd / n;
                den += b * c / n;
            }
            line.push_str(&format!("{}{}: {:.1}/{:.1}  ", LISTS[i], LISTS[j], pooled, num / den));
        }
    }
    println!("{line}");
}

#[derive(Default)]
struct Tally {
    runs: usize,
    finite: usize,
    covered: usize,
    below: usize,
    above: usize,
}

impl Tally {
    fn add(&mut self, interval: Option<(Option<f64>, Option<f64>)>, truth: f64) {
        self.runs += 1;
        let Some((lo, hi)) = interval else { return };
        self.finite += 1;
        if hi.is_some_and(|h| h < truth) {
            self.below += 1;
        } else if lo.is_none_or(|l| l > truth) {
            self.above += 1;
        } else {
            self.covered += 1;
        }
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:<52} {:>5.1}%  ({} of {} runs; interval below the truth {}, above {}, no interval {})",
            100.0 * self.covered as f64 / self.runs.max(1) as f64,
            self.covered,
            self.runs,
            self.below,
            self.above,
            self.runs - self.finite
        )
    }
}

fn coverage(runs: usize, reps: usize, year: i32, scale: f64, seed0: u64) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let schemes = [Scheme::Group, Scheme::GroupDutch];
    let (mut bca, mut prof, mut logn) = (Tally::default(), Tally::default(), Tally::default());
    let mut strat: Vec<Tally> = schemes.iter().map(|_| Tally::default()).collect();
    let mut ratio: Vec<(f64, usize)> = vec![(0.0, 0); 1 + schemes.len()];
    let (mut sum_truth, mut sum_obs) = (0.0, 0.0);
    let mut sim_time = 0.0;
    for run in 0..runs {
        let seed = seed0 + run as u64;
        let t0 = Instant::now();
        let sim = simulate(&config(seed, year, year, scale))?;
        sim_time += t0.elapsed().as_secs_f64();
        let d = year_data(&sim, year, Scheme::None);
        let truth = d.truth as f64;
        sum_truth += truth;
        sum_obs += d.observed as f64;
        let opts = |s: u64| BootstrapOptions {
            replicates: reps,
            seed: s,
            level: 0.95,
            progress: &NoProgress,
            cancel: None,
        };
        let all: Vec<u32> = d.masks.values().flatten().copied().collect();
        let fit = table(&all).and_then(|t| select(&t, &METHOD).ok().map(|s| (t, s.fit)));
        match &fit {
            Some((t, f)) if f.estimate.is_some() => {
                let e = f.estimate.unwrap_or(0.0);
                ratio[0].0 += e / truth;
                ratio[0].1 += 1;
                bca.add(bootstrap(t, &METHOD, &opts(seed)).ok().map(|b| (b.low, b.high)), truth);
                prof.add(profile_interval(t, f, 0.95).ok(), truth);
                logn.add(f.lognormal_interval(0.95).map(|(l, h)| (Some(l), Some(h))), truth);
            }
            _ => {
                bca.add(None, truth);
                prof.add(None, truth);
                logn.add(None, truth);
            }
        }
        for (i, &s) in schemes.iter().enumerate() {
            let ds = year_data(&sim, year, s);
            let (total, _) = stratified_estimate(&ds);
            let Some(total) = total else {
                strat[i].add(None, truth);
                continue;
            };
            ratio[1 + i].0 += total / truth;
            ratio[1 + i].1 += 1;
            let tables: Option<Vec<CaptureTable>> = ds.masks.values().map(|m| table(m)).collect();
            let interval = tables.and_then(|tables| {
                let st = StratifiedTable { strata: ds.masks.keys().cloned().collect(), tables };
                stratified::bootstrap_by_stratum(&st, &METHOD, &opts(seed)).ok().map(|b| (b.low, b.high))
            });
            strat[i].add(interval, truth);
        }
        if (run + 1) % 10 == 0 {
            eprintln!("{} runs, {:.0} s", run + 1, start.elapsed().as_secs_f64());
        }
    }
    let r = |i: usize| ratio[i].0 / ratio[i].1.max(1) as f64;
    println!(
        "MSE coverage on zicht-sim: {runs} registers (seeds {seed0}..{}), year {year}, scale {scale}, \
         lists P K I R O Z from the truth (perfect linkage), stepwise p < 0.02, {reps} bootstrap replicates",
        seed0 + runs as u64 - 1
    );
    println!(
        "mean true population {:.0}, mean observed {:.0} ({:.1}%)",
        sum_truth / runs as f64,
        sum_obs / runs as f64,
        100.0 * sum_obs / sum_truth
    );
    println!("mean estimate / truth: unstratified {:.3}", r(0));
    for (i, s) in schemes.iter().enumerate() {
        println!("mean estimate / truth: {} {:.3} ({} runs with a finite total)", s.name(), r(1 + i), ratio[1 + i].1);
    }
    println!("coverage of the 95% interval of the true population:");
    println!("{}", bca.line("unstratified, BCa bootstrap (stepwise repeated)"));
    println!("{}", prof.line("unstratified, profile likelihood (selected model)"));
    println!("{}", logn.line("unstratified, log-normal (SparseMSE, selected model)"));
    for (i, s) in schemes.iter().enumerate() {
        println!("{}", strat[i].line(&format!("{}, stratified BCa bootstrap", s.name())));
    }
    println!("wall time {:.1} s (simulation {:.1} s)", start.elapsed().as_secs_f64(), sim_time);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| args.get(i).map(String::as_str);
    match num(0) {
        Some("diagnose") => {
            diagnose(num(1).map(str::parse).transpose()?.unwrap_or(1), num(2).map(str::parse).transpose()?.unwrap_or(1.0))
        }
        Some("coverage") => coverage(
            num(1).map(str::parse).transpose()?.unwrap_or(200),
            num(2).map(str::parse).transpose()?.unwrap_or(200),
            num(3).map(str::parse).transpose()?.unwrap_or(2016),
            num(4).map(str::parse).transpose()?.unwrap_or(1.0),
            num(5).map(str::parse).transpose()?.unwrap_or(1),
        ),
        _ => Err("usage: mse_coverage_sim coverage [RUNS] [BOOT] [YEAR] [SCALE] [SEED] | diagnose [SEED] [SCALE]".into()),
    }
}
