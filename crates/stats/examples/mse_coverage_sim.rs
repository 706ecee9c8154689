//! Coverage of the MSE intervals on registers drawn from `zicht-sim` (a study, not a test).
//!
//! ```text
//! cargo run --release -p zicht-stats --example mse_coverage_sim -- coverage [RUNS] [BOOT] [YEAR] [SCALE] [SEED]
//! cargo run --release -p zicht-stats --example mse_coverage_sim -- diagnose [SEED] [SCALE]
//! cargo run --release -p zicht-stats --example mse_coverage_sim -- mechanisms [REPS] [N]
//! ```
//!
//! `coverage` (defaults 200 runs, 200 bootstrap replicates, year 2016, scale 1, first seed 1):
//! every run simulates a register with its own seed (`SEED + run`, the year alone, no decoy
//! events), builds the capture table of the year from the simulator's truth lists (P K I R O Z:
//! perfect linkage, so only the estimator is on trial) and compares the estimates and the 95%
//! intervals with the true number of victims active in the year, for the designs in [`DESIGNS`]:
//! six lists or P+R+O merged; unstratified or stratified by victim group (and by group ×
//! Dutch/non-Dutch); stepwise selection (p < 0.02), all two-way terms, or all two-way terms plus
//! every higher-order term among P, K, R, O. Unstratified designs get the BCa bootstrap (model
//! choice repeated), the profile-likelihood and SparseMSE's log-normal interval; stratified ones
//! the stratified BCa bootstrap of the total ([`stratified::bootstrap_by_stratum`]). A list without
//! cases in a stratum is dropped there.
//!
//! `diagnose` (defaults seed 1, scale 1) simulates 2012–2022 once and prints, per year and per
//! victim group, the truth, the observed and the estimates, and the pairwise odds ratios and
//! three-way interactions of the lists over the whole true population, to locate the bias.
//!
//! `mechanisms` (defaults 50 replicates of 20,000 persons) replays the simulator's capture step
//! in one homogeneous stratum with the frailty and the referrals switched on and off.

use std::collections::BTreeMap;
use std::time::Instant;

use zicht_sim::{Config, ListRow, Simulation, simulate};
use zicht_stats::mse::stratified::{self, StratifiedTable};
use zicht_stats::mse::{
    BootstrapOptions, CaptureTable, Method, Model, NoProgress, bootstrap, pairs, profile_interval, select,
};

const LISTS: [&str; 6] = zicht_sim::codes::MseList::CODES;
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

/// Which lists the table has.
#[derive(Clone, Copy, PartialEq)]
enum Lists {
    /// The six lists P K I R O Z.
    Six,
    /// P, R and O merged into one list (police and the care organisations it refers to), K, I, Z.
    Merged,
}

impl Lists {
    fn name(self) -> &'static str {
        match self {
            Lists::Six => "6 lists",
            Lists::Merged => "4 lists (P+R+O merged)",
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Lists::Six => &LISTS,
            Lists::Merged => &["PRO", "K", "I", "Z"],
        }
    }

    /// A 6-bit history in this list set.
    fn history(self, m: u32) -> u32 {
        match self {
            Lists::Six => m,
            Lists::Merged => u32::from(m & 0b01_1001 != 0) | (m & 0b110) | ((m >> 5 & 1) << 3),
        }
    }
}

/// A capture table over the lists that saw someone among `masks` (6-bit histories).
fn table(masks: &[u32], lists: Lists) -> Option<CaptureTable> {
    let names = lists.names();
    let masks: Vec<u32> = masks.iter().map(|&m| lists.history(m)).collect();
    let used: Vec<usize> = (0..names.len()).filter(|&i| masks.iter().any(|m| m & (1 << i) != 0)).collect();
    if used.len() < 2 {
        return None;
    }
    let mut counts = vec![0.0; 1 << used.len()];
    for &m in &masks {
        let h: usize = used.iter().enumerate().filter(|(_, l)| m & (1 << **l) != 0).map(|(j, _)| 1usize << j).sum();
        counts[h] += 1.0;
    }
    CaptureTable::from_counts(used.iter().map(|&i| names[i].to_string()).collect(), counts).ok()
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

/// Estimate per stratum; the total is `None` when a stratum has no finite estimate.
fn stratified_estimate(d: &YearData, lists: Lists, choice: Choice) -> (Option<f64>, Vec<(String, Option<f64>)>) {
    let per: Vec<(String, Option<f64>)> = d
        .masks
        .iter()
        .map(|(k, m)| {
            let e = table(m, lists).and_then(|t| select(&t, &choice.method(&t)).ok()).and_then(|s| s.fit.estimate);
            (k.clone(), e)
        })
        .collect();
    (per.iter().map(|(_, e)| *e).sum(), per)
}

fn config(seed: u64, from: i32, to: i32, scale: f64) -> Config {
    Config { seed, from, to, scale, decoy_events: 0, statistical_minors: false }
}

fn show(e: Option<f64>) -> String {
    e.map_or_else(|| "-".to_string(), |e| format!("{e:.0}"))
}

fn diagnose(seed: u64, scale: f64) -> Result<(), Box<dyn std::error::Error>> {
    let sim = simulate(&config(seed, 2012, 2022, scale))?;
    for lists in [Lists::Six, Lists::Merged] {
        println!(
            "seed {seed}, scale {scale}, {}: per year, truth (active), observed, stepwise estimates (stratified: totals), \
             all two-way + P,K,R,O saturated (PKRO; unstratified and by group)",
            lists.name()
        );
        println!(
            "{:>4} {:>6} {:>5} {:>5} | {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} | list totals | stepwise model (unstratified)",
            "year", "truth", "obs", "obs%", "none", "group", "grp×NL", "fine", "PKRO", "PKRO/gr"
        );
        for year in 2012..=2022 {
            let d = year_data(&sim, year, Scheme::None);
            let all: Vec<u32> = d.masks.values().flatten().copied().collect();
            let t = table(&all, lists).ok_or("no table")?;
            let sel = select(&t, &METHOD)?;
            let totals: Vec<f64> = (0..t.k()).map(|i| t.list_total(i)).collect();
            let est = |s: Scheme, c: Choice| show(stratified_estimate(&year_data(&sim, year, s), lists, c).0);
            println!(
                "{year:>4} {:>6} {:>5} {:>4.0}% | {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} | {:?} | {}",
                d.truth,
                d.observed,
                100.0 * d.observed as f64 / d.truth as f64,
                show(sel.fit.estimate),
                est(Scheme::Group, Choice::Stepwise),
                est(Scheme::GroupDutch, Choice::Stepwise),
                est(Scheme::Fine, Choice::Stepwise),
                est(Scheme::None, Choice::ReferralBlock),
                est(Scheme::Group, Choice::ReferralBlock),
                totals,
                sel.fit.model.describe(t.lists()),
            );
        }
        for year in [2012, 2016, 2019] {
            println!("{year}, by group: truth, observed, observed %, stepwise estimate, estimate / truth");
            let d = year_data(&sim, year, Scheme::Group);
            let (_, per) = stratified_estimate(&d, lists, Choice::Stepwise);
            for (k, e) in per {
                let truth = d.truth_by.get(&k).copied().unwrap_or(0);
                let obs = d.masks.get(&k).map_or(0, Vec::len);
                println!(
                    "  {k:<20} {truth:>6} {obs:>5} {:>4.0}% {:>8} {:>6}",
                    100.0 * obs as f64 / truth as f64,
                    show(e),
                    e.map_or_else(|| "-".to_string(), |e| format!("{:.2}", e / truth as f64)),
                );
            }
        }
        println!();
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
    println!(
        "\n{year}: odds ratio of lists i and j over the whole true population: pooled / Mantel–Haenszel over fine strata"
    );
    let mut line = String::new();
    for (i, name_i) in LISTS.iter().enumerate() {
        for (j, name_j) in LISTS.iter().enumerate().skip(i + 1) {
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
            line.push_str(&format!("{name_i}{name_j}: {pooled:.1}/{:.1}  ", num / den));
        }
    }
    println!("{line}");
    // Three-way log-linear interactions of list triples in the whole population (the persons on
    // none of the three come from the truth): log(n111 n100 n010 n001 / (n110 n101 n011 n000)).
    // A two-way model sets them to zero; the hidden cell is off by about exp(−λ) when λ ≠ 0.
    let all: Vec<u32> = d.masks.values().flatten().copied().collect();
    let mut line = String::from("three-way interaction λ over the whole population: ");
    for (i, j, k) in [(0, 3, 4), (0, 1, 4), (1, 3, 4), (0, 1, 5), (0, 3, 5), (0, 1, 2)] {
        let lambda = three_way(&all, d.truth as f64, [i, j, k]);
        line.push_str(&format!("{}{}{}: {lambda:.2}  ", LISTS[i], LISTS[j], LISTS[k]));
    }
    println!("{line}");
}

/// The three-way log-linear interaction of lists `l` over a population of `total` persons of
/// whom those in `masks` were seen: `log(n111 n100 n010 n001 / (n110 n101 n011 n000))`.
fn three_way(masks: &[u32], total: f64, l: [usize; 3]) -> f64 {
    let mut n = [0.0f64; 8];
    for &h in masks {
        let c: usize = (0..3).map(|b| usize::from(h & (1 << l[b]) != 0) << b).sum();
        n[c] += 1.0;
    }
    n[0] += total - masks.len() as f64;
    (n[7] * n[1] * n[2] * n[4] / (n[3] * n[5] * n[6] * n[0])).ln()
}

#[derive(Default)]
struct Tally {
    runs: usize,
    finite: usize,
    covered: usize,
    below: usize,
    above: usize,
    /// Intervals without a finite upper limit.
    unbounded: usize,
    /// Finite upper limits over the truth.
    upper: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

impl Tally {
    fn add(&mut self, interval: Option<(Option<f64>, Option<f64>)>, truth: f64) {
        self.runs += 1;
        let Some((lo, hi)) = interval else { return };
        self.finite += 1;
        match hi {
            Some(h) => self.upper.push(h / truth),
            None => self.unbounded += 1,
        }
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
            "{name:<52} {:>5.1}%  ({} of {} runs; interval below the truth {}, above {}, no interval {}; \
             no finite upper limit {}, median upper limit / truth {:.2})",
            100.0 * self.covered as f64 / self.runs.max(1) as f64,
            self.covered,
            self.runs,
            self.below,
            self.above,
            self.runs - self.finite,
            self.unbounded,
            median(&self.upper),
        )
    }
}

/// How the model is chosen.
#[derive(Clone, Copy, PartialEq)]
enum Choice {
    /// Stepwise, p < 0.02 (SparseMSE's default).
    Stepwise,
    /// The model with every two-way term (no selection).
    AllTwoWay,
    /// Every two-way term, and every higher-order term among the lists that refer to each other
    /// in the simulator (P, K, R, O): the referral routes saturated.
    ReferralBlock,
}

impl Choice {
    fn method(self, t: &CaptureTable) -> Method {
        let k = t.k();
        match self {
            Choice::Stepwise => METHOD,
            Choice::AllTwoWay => Model::new(pairs(k), k).map_or(Method::Main, Method::Fixed),
            Choice::ReferralBlock => {
                let block: u32 = t
                    .lists()
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| ["P", "K", "R", "O"].contains(&l.as_str()))
                    .map(|(i, _)| 1u32 << i)
                    .sum();
                let mut terms = pairs(k);
                terms.extend((1..1u32 << k).filter(|&m| m & block == m && m.count_ones() >= 3));
                Model::new(terms, k).map_or(Method::Main, Method::Fixed)
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Choice::Stepwise => "stepwise",
            Choice::AllTwoWay => "all two-way terms",
            Choice::ReferralBlock => "all two-way + P,K,R,O saturated",
        }
    }
}

/// The designs compared: which lists, which strata, which model choice.
///
/// Stratified designs apply the same model choice in every stratum; a fixed model gets no
/// stratified interval when the strata do not all have the same lists.
const DESIGNS: [(Lists, Scheme, Choice); 8] = [
    (Lists::Six, Scheme::None, Choice::Stepwise),
    (Lists::Six, Scheme::Group, Choice::Stepwise),
    (Lists::Six, Scheme::GroupDutch, Choice::Stepwise),
    (Lists::Six, Scheme::None, Choice::AllTwoWay),
    (Lists::Six, Scheme::None, Choice::ReferralBlock),
    (Lists::Merged, Scheme::None, Choice::Stepwise),
    (Lists::Merged, Scheme::Group, Choice::Stepwise),
    (Lists::Merged, Scheme::None, Choice::AllTwoWay),
];

/// Coverage tallies of one design.
#[derive(Default)]
struct DesignTally {
    bca: Tally,
    profile: Tally,
    lognormal: Tally,
    /// Estimate / truth of the runs with a finite estimate.
    ratios: Vec<f64>,
}

fn coverage(runs: usize, reps: usize, year: i32, scale: f64, seed0: u64) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let mut tallies: Vec<DesignTally> = DESIGNS.iter().map(|_| DesignTally::default()).collect();
    let (mut sum_truth, mut sum_obs) = (0.0, 0.0);
    let mut sim_time = 0.0;
    for run in 0..runs {
        let seed = seed0 + run as u64;
        let t0 = Instant::now();
        let sim = simulate(&config(seed, year, year, scale))?;
        sim_time += t0.elapsed().as_secs_f64();
        let truth = year_data(&sim, year, Scheme::None).truth as f64;
        sum_truth += truth;
        sum_obs += year_data(&sim, year, Scheme::None).observed as f64;
        let opts = BootstrapOptions { replicates: reps, seed, level: 0.95, progress: &NoProgress };
        for (&(lists, scheme, choice), tally) in DESIGNS.iter().zip(tallies.iter_mut()) {
            let d = year_data(&sim, year, scheme);
            if scheme == Scheme::None {
                let all: Vec<u32> = d.masks.values().flatten().copied().collect();
                let fit = table(&all, lists).and_then(|t| {
                    let method = choice.method(&t);
                    select(&t, &method).ok().map(|s| (t, s.fit, method))
                });
                match &fit {
                    Some((t, f, method)) if f.estimate.is_some() => {
                        tally.ratios.push(f.estimate.unwrap_or(0.0) / truth);
                        tally.bca.add(bootstrap(t, method, &opts).ok().map(|b| (b.low, b.high)), truth);
                        tally.profile.add(profile_interval(t, f, 0.95).ok(), truth);
                        tally.lognormal.add(f.lognormal_interval(0.95).map(|(l, h)| (Some(l), Some(h))), truth);
                    }
                    _ => {
                        tally.bca.add(None, truth);
                        tally.profile.add(None, truth);
                        tally.lognormal.add(None, truth);
                    }
                }
            } else {
                let Some(total) = stratified_estimate(&d, lists, choice).0 else {
                    tally.bca.add(None, truth);
                    continue;
                };
                tally.ratios.push(total / truth);
                let tables: Option<Vec<CaptureTable>> = d.masks.values().map(|m| table(m, lists)).collect();
                let interval = tables.and_then(|tables| {
                    // One method for all strata: a fixed model needs the same lists everywhere.
                    let method = match choice {
                        Choice::Stepwise => METHOD,
                        _ if tables.iter().all(|t| t.lists() == tables[0].lists()) => choice.method(&tables[0]),
                        _ => return None,
                    };
                    let st = StratifiedTable { strata: d.masks.keys().cloned().collect(), tables };
                    stratified::bootstrap_by_stratum(&st, &method, &opts).ok().map(|b| (b.low, b.high))
                });
                tally.bca.add(interval, truth);
            }
        }
        if (run + 1) % 10 == 0 {
            eprintln!("{} runs, {:.0} s", run + 1, start.elapsed().as_secs_f64());
        }
    }
    println!(
        "MSE coverage on zicht-sim: {runs} registers (seeds {seed0}..{}), year {year}, scale {scale}, \
         lists from the truth (perfect linkage), stepwise p < 0.02, {reps} bootstrap replicates",
        seed0 + runs as u64 - 1
    );
    println!(
        "mean true population {:.0}, mean observed {:.0} ({:.1}%)",
        sum_truth / runs as f64,
        sum_obs / runs as f64,
        100.0 * sum_obs / sum_truth
    );
    println!("coverage of the true population by the 95% interval:");
    for (&(lists, scheme, choice), t) in DESIGNS.iter().zip(&tallies) {
        let name = format!("{}, {}, {}", lists.name(), scheme.name(), choice.name());
        println!(
            "{name}: estimate / truth mean {:.3}, median {:.3} ({} runs with a finite estimate)",
            t.ratios.iter().sum::<f64>() / t.ratios.len().max(1) as f64,
            median(&t.ratios),
            t.ratios.len()
        );
        if scheme == Scheme::None {
            println!("{}", t.bca.line("  BCa bootstrap (model choice repeated)"));
            println!("{}", t.profile.line("  profile likelihood (selected model)"));
            println!("{}", t.lognormal.line("  log-normal (SparseMSE, selected model)"));
        } else {
            println!("{}", t.bca.line(&format!("  stratified BCa bootstrap ({} per stratum)", choice.name())));
        }
    }
    println!("wall time {:.1} s (simulation {:.1} s)", start.elapsed().as_secs_f64(), sim_time);
    Ok(())
}

/// The capture step of `zicht-sim` (crates/sim/src/sim.rs) replayed for one homogeneous stratum,
/// with the frailty and the referrals switched on and off, to see which of them the log-linear
/// models cannot absorb. Reporter types in the simulator's order (police, border police, labour
/// inspectorate, care coordinator, shelter, youth care, guardianship, municipality, immigration,
/// legal aid, NGO, other); the relative intensities are the simulator's for 2016 (`intensity` ×
/// `year_weight`) in two strata.
mod replica {
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    /// List of each reporter type (P K I R O Z).
    pub const LIST_OF: [usize; 12] = [0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5];
    /// The simulator's referrals: (from, to, probability), from a filed report of `from`.
    pub const REFERRALS: [(usize, usize, f64); 6] =
        [(0, 3, 0.20), (0, 4, 0.12), (1, 4, 0.25), (2, 0, 0.15), (3, 4, 0.20), (5, 3, 0.15)];
    /// Cap on one reporter's capture probability.
    pub const CAP: f64 = 0.9;

    /// Adult non-EU women in cross-border sexual exploitation, 2016.
    pub const CROSS_BORDER: [f64; 12] = [
        1.2 * 1.4,
        0.18 * 1.4 * 1.5,
        0.01,
        0.6 * 0.9 * 0.7,
        0.3 * 1.5 * 1.3 * 0.7,
        0.0,
        0.0,
        0.05,
        0.15,
        0.04,
        0.12 * 1.5 * 0.7,
        0.03,
    ];
    /// Adult Dutch women in domestic sexual exploitation, 2016.
    pub const DOMESTIC: [f64; 12] = [
        1.0 * 1.4,
        0.18 * 0.1 * 0.1,
        0.01,
        0.6 * 1.6 * 0.7,
        0.3 * 0.8 * 1.3 * 0.7,
        0.0,
        0.0,
        0.05,
        0.0,
        0.04,
        0.12 * 0.7 * 0.7,
        0.03,
    ];

    /// Capture histories (6-bit masks, the unseen left out) of `n` persons with log-normal frailty
    /// of spread `sigma` (mean 1), the year factor solved so that the expected share seen without
    /// referrals is `rate` (as the simulator does), referrals applied when `referrals`.
    pub fn histories(q: &[f64; 12], n: usize, rate: f64, sigma: f64, referrals: bool, seed: u64) -> Vec<u32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let frailty: Vec<f64> = (0..n)
            .map(|_| {
                // Box–Muller.
                let (u1, u2): (f64, f64) = (rng.random(), rng.random());
                let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                (sigma * z - sigma * sigma / 2.0).exp()
            })
            .collect();
        let expected = |m: f64| -> f64 {
            frailty.iter().map(|f| 1.0 - q.iter().map(|qk| 1.0 - (m * qk * f).min(CAP)).product::<f64>()).sum()
        };
        let (mut lo, mut hi) = (0.0, 1.0);
        while expected(hi) < rate * n as f64 {
            hi *= 2.0;
        }
        for _ in 0..50 {
            let m = 0.5 * (lo + hi);
            if expected(m) < rate * n as f64 {
                lo = m;
            } else {
                hi = m;
            }
        }
        let m = 0.5 * (lo + hi);
        let mut out = Vec::new();
        for f in &frailty {
            let own: Vec<bool> = q.iter().map(|qk| rng.random::<f64>() < (m * qk * f).min(CAP)).collect();
            let mut captured = own.clone();
            if referrals {
                for (from, to, p) in REFERRALS {
                    let u: f64 = rng.random();
                    if own[from] && !captured[to] && u < p {
                        captured[to] = true;
                    }
                }
            }
            let h =
                captured.iter().enumerate().filter(|(_, c)| **c).map(|(k, _)| 1u32 << LIST_OF[k]).fold(0, |a, b| a | b);
            if h != 0 {
                out.push(h);
            }
        }
        out
    }
}

fn mechanisms(reps: usize, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "Replica of the simulator's capture step in one homogeneous stratum: {n} persons, 17% seen \
         without referrals, {reps} replicates; mean estimate / truth (coverage of the 95% profile \
         interval) by stepwise (p < 0.02), the model with all two-way terms, and that model plus every \
         higher-order term among P, K, R, O"
    );
    let cases = [
        ("cross-border sexual, adult non-EU women", replica::CROSS_BORDER),
        ("domestic sexual, adult Dutch women", replica::DOMESTIC),
    ];
    for (name, q) in cases {
        println!("{name}:");
        for (sigma, referrals) in [(0.0, false), (0.6, false), (0.0, true), (0.6, true)] {
            // Per list set: sums of estimate / truth and counts of finite estimates.
            let mut sums = [[0.0; 3]; 2];
            let mut finite = [[0usize; 3]; 2];
            // Runs whose 95% profile-likelihood interval covers the truth.
            let mut covered = [[0usize; 3]; 2];
            let mut seen = 0.0;
            let mut pooled: Vec<u32> = Vec::new();
            for r in 0..reps {
                let h = replica::histories(&q, n, 0.17, sigma, referrals, 1000 + r as u64);
                seen += h.len() as f64 / n as f64;
                pooled.extend(&h);
                for (l, lists) in [Lists::Six, Lists::Merged].into_iter().enumerate() {
                    let Some(t) = table(&h, lists) else { continue };
                    let methods = [Choice::Stepwise, Choice::AllTwoWay, Choice::ReferralBlock].map(|c| c.method(&t));
                    for (j, method) in methods.iter().enumerate() {
                        let Ok(sel) = select(&t, method) else { continue };
                        let Some(e) = sel.fit.estimate else { continue };
                        sums[l][j] += e / n as f64;
                        finite[l][j] += 1;
                        if let Ok((lo, hi)) = profile_interval(&t, &sel.fit, 0.95)
                            && lo.is_some_and(|lo| lo <= n as f64)
                            && hi.is_none_or(|hi| hi >= n as f64)
                        {
                            covered[l][j] += 1;
                        }
                    }
                }
            }
            let m = |l: usize, j: usize| {
                if finite[l][j] == 0 {
                    "-".to_string()
                } else {
                    format!(
                        "{:.3} ({:.0}%)",
                        sums[l][j] / finite[l][j] as f64,
                        100.0 * covered[l][j] as f64 / reps as f64
                    )
                }
            };
            println!(
                "  frailty sigma {sigma:.1}, referrals {:<3}: seen {:>4.1}% | 6 lists: stepwise {}, all two-way {}, \
                 + PKRO saturated {} | P+R+O merged: stepwise {}, all two-way {} | finite {:?} | λ PRO {:.2}, PKO {:.2}",
                if referrals { "on" } else { "off" },
                100.0 * seen / reps as f64,
                m(0, 0),
                m(0, 1),
                m(0, 2),
                m(1, 0),
                m(1, 1),
                finite,
                three_way(&pooled, (n * reps) as f64, [0, 3, 4]),
                three_way(&pooled, (n * reps) as f64, [0, 1, 4]),
            );
        }
    }
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
        Some("mechanisms") => mechanisms(
            num(1).map(str::parse).transpose()?.unwrap_or(50),
            num(2).map(str::parse).transpose()?.unwrap_or(20_000),
        ),
        _ => Err("usage: mse_coverage_sim coverage [RUNS] [BOOT] [YEAR] [SCALE] [SEED] | diagnose [SEED] [SCALE] | mechanisms [REPS] [N]".into()),
    }
}
