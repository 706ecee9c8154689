//! Coverage of the monitor's pooled covariate MSE on registers drawn from `zicht-sim` (a study,
//! not a test).
//!
//! ```text
//! cargo run --release -p zicht-stats --example mse_coverage_sim_pooled -- [SEEDS] [BOOT] [FIRST_SEED] [DESIGNS]
//! ```
//!
//! Each seed simulates 2010–2022 once (scale 1, no decoys) and builds one table of person-years
//! from the simulator's truth lists (P K I R O Z, perfect linkage): strata year × minor/adult ×
//! sex × Dutch/non-Dutch (× victim group for the designs marked so), the design of the monitor.
//! Every design is searched once over the pooled period, the yearly estimates read off the fit,
//! and the parametric bootstrap with the search repeated gives the 95% percentile interval
//! (`BOOT` replicates, default 100). Per design the study prints, over the (seed, year) cells
//! 2012–2022: the coverage of the true active population by the bootstrap interval and by the
//! Burnham–Anderson interval of the model average, the mean of estimate / truth, the mean width
//! relative to the truth, the largest |Σ groups − total| and the pooled 2010–2015 yearly level.
//! `DESIGNS` is a comma list of design names (default all).

use std::time::Instant;

use zicht_sim::{Config, simulate};
use zicht_stats::mse::pooled::{
    Criterion, Factor, PooledTable, SearchOptions, Term, averaged, bootstrap_pooled, candidates, select_pooled,
};

const YEARS: std::ops::RangeInclusive<i32> = 2010..=2022;
const GROUPS: [&str; 5] = ["domestic_sexual", "cross_border_sexual", "labour", "criminal", "other"];

#[derive(Clone, Copy)]
struct Design {
    name: &'static str,
    criterion: Criterion,
    start_pairs: bool,
    with_group: bool,
    average: bool,
    extensions: bool,
    heterogeneity: bool,
}

const DESIGNS: [Design; 10] = [
    Design {
        name: "fwd-aic-ext-het",
        criterion: Criterion::Aic,
        start_pairs: false,
        with_group: false,
        average: true,
        extensions: true,
        heterogeneity: true,
    },
    Design {
        name: "fwd-aic-ext+group",
        criterion: Criterion::Aic,
        start_pairs: false,
        with_group: true,
        average: true,
        extensions: true,
        heterogeneity: false,
    },
    Design {
        name: "fwd-aic-ext",
        criterion: Criterion::Aic,
        start_pairs: false,
        with_group: false,
        average: true,
        extensions: true,
        heterogeneity: false,
    },
    Design {
        name: "pairs+aic-ext",
        criterion: Criterion::Aic,
        start_pairs: true,
        with_group: false,
        average: true,
        extensions: true,
        heterogeneity: false,
    },
    Design {
        name: "fwd-bic-ext",
        criterion: Criterion::Bic,
        start_pairs: false,
        with_group: false,
        average: true,
        extensions: true,
        heterogeneity: false,
    },
    Design {
        name: "fwd-aic",
        criterion: Criterion::Aic,
        start_pairs: false,
        with_group: false,
        average: true,
        extensions: false,
        heterogeneity: false,
    },
    Design {
        name: "fwd-bic",
        criterion: Criterion::Bic,
        start_pairs: false,
        with_group: false,
        average: true,
        extensions: false,
        heterogeneity: false,
    },
    Design {
        name: "pairs+aic",
        criterion: Criterion::Aic,
        start_pairs: true,
        with_group: false,
        average: true,
        extensions: false,
        heterogeneity: false,
    },
    Design {
        name: "pairs+aic+group",
        criterion: Criterion::Aic,
        start_pairs: true,
        with_group: true,
        average: true,
        extensions: false,
        heterogeneity: false,
    },
    Design {
        name: "fwd-aic+group",
        criterion: Criterion::Aic,
        start_pairs: false,
        with_group: true,
        average: true,
        extensions: false,
        heterogeneity: false,
    },
];

fn factors(with_group: bool) -> Vec<Factor> {
    let lv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut f = vec![
        Factor { name: "year".into(), levels: YEARS.map(|y| y.to_string()).collect() },
        Factor { name: "age".into(), levels: lv(&["minor", "adult"]) },
        Factor { name: "sex".into(), levels: lv(&["female", "male"]) },
        Factor { name: "nat".into(), levels: lv(&["dutch", "other"]) },
    ];
    if with_group {
        f.push(Factor { name: "group".into(), levels: lv(&GROUPS) });
    }
    f
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    let boot: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let first: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let wanted: Option<Vec<String>> = args.get(3).map(|s| s.split(',').map(str::to_string).collect());
    let designs: Vec<Design> =
        DESIGNS.iter().copied().filter(|d| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == d.name))).collect();
    // Per design: covered (bootstrap), covered (B&A), Σ estimate/truth, Σ width/truth, cells, largest
    // add-up error, 2010-15 levels (estimate, truth) per seed, seconds.
    #[allow(clippy::type_complexity)]
    let mut acc: Vec<(usize, usize, f64, f64, usize, f64, Vec<f64>, Vec<f64>, f64)> =
        designs.iter().map(|_| (0, 0, 0.0, 0.0, 0, 0.0, Vec::new(), Vec::new(), 0.0)).collect();
    for seed in first..first + seeds {
        let sim = simulate(&Config {
            seed,
            from: *YEARS.start(),
            to: *YEARS.end(),
            scale: 1.0,
            decoy_events: 0,
            statistical_minors: false,
        })?;
        for (di, d) in designs.iter().enumerate() {
            let lists: Vec<String> = zicht_sim::codes::MseList::CODES.iter().map(|s| s.to_string()).collect();
            let mut t = PooledTable::new(lists, factors(d.with_group))?;
            for r in &sim.truth.lists {
                let mask: u32 = r.lists.iter().enumerate().filter(|(_, on)| **on).map(|(i, _)| 1u32 << i).sum();
                let mut lv = vec![
                    (r.year - YEARS.start()) as usize,
                    usize::from(!r.minor),
                    usize::from(r.sex != "female"),
                    usize::from(r.nationality_group != "NL"),
                ];
                if d.with_group {
                    lv.push(GROUPS.iter().position(|g| *g == r.group).unwrap_or(4));
                }
                if mask != 0 {
                    t.add(&lv, mask, 1.0)?;
                }
            }
            let all = candidates(&t);
            let pairs: Vec<Term> = all.iter().copied().filter(|x| matches!(x, Term::Pair(_))).collect();
            let opts = SearchOptions {
                criterion: d.criterion,
                start: if d.start_pairs { pairs.clone() } else { Vec::new() },
                candidates: if d.heterogeneity {
                    all.iter().copied().chain([Term::Heterogeneity]).collect()
                } else {
                    all.clone()
                },
                tries: 2,
                max_steps: 60,
                extensions: d.extensions,
            };
            let t0 = Instant::now();
            let sel = select_pooled(&t, &opts);
            let year_groups: Vec<Vec<bool>> = YEARS
                .map(|y| (0..t.n_strata()).map(|s| t.levels(s)[0] == (y - YEARS.start()) as usize).collect())
                .collect();
            let minor_groups: Vec<Vec<bool>> = YEARS
                .map(|y| {
                    (0..t.n_strata())
                        .map(|s| t.levels(s)[0] == (y - YEARS.start()) as usize && t.levels(s)[1] == 0)
                        .collect()
                })
                .collect();
            let adult_groups: Vec<Vec<bool>> = YEARS
                .map(|y| {
                    (0..t.n_strata())
                        .map(|s| t.levels(s)[0] == (y - YEARS.start()) as usize && t.levels(s)[1] == 1)
                        .collect()
                })
                .collect();
            let bs = bootstrap_pooled(&t, &sel.best, &opts, &year_groups, d.average, boot, seed, 0.95);
            let secs = t0.elapsed().as_secs_f64();
            acc[di].8 += secs;
            println!(
                "seed {seed} {}: model {} ({} terms, {} models fitted), {:.1} s with {boot} replicates ({} non-finite)",
                d.name,
                sel.best.describe(&t),
                sel.best.terms.len(),
                sel.visited.len(),
                secs,
                bs.non_finite
            );
            let mut level = 0.0;
            let mut level_truth = 0.0;
            for (yi, y) in YEARS.enumerate() {
                let truth: u64 = sim.truth.population.iter().filter(|p| p.year == y).map(|p| p.persons).sum();
                let truth = truth as f64;
                let est = averaged(&t, &sel, d.criterion, &year_groups[yi], 0.95);
                let mi = averaged(&t, &sel, d.criterion, &minor_groups[yi], 0.95).map_or(0.0, |g| g.estimate);
                let ad = averaged(&t, &sel, d.criterion, &adult_groups[yi], 0.95).map_or(0.0, |g| g.estimate);
                let Some(est) = est else {
                    println!("  {y}: no finite estimate");
                    continue;
                };
                if (2010..=2015).contains(&y) {
                    level += est.estimate / 6.0;
                    level_truth += truth / 6.0;
                }
                let err = (mi + ad - est.estimate).abs();
                acc[di].5 = acc[di].5.max(err);
                let iv = bs.intervals[yi];
                let cov_b = iv.is_some_and(|(a, b)| a <= truth && truth <= b);
                let cov_ba = est.interval.0 <= truth && truth <= est.interval.1;
                println!(
                    "  {y}: truth {truth:.0}, observed {:.0}, estimate {:.0} ({:+.0}%), bootstrap {}, B&A {:.0}-{:.0}{}{}",
                    est.observed,
                    est.estimate,
                    100.0 * (est.estimate / truth - 1.0),
                    iv.map_or("unbounded".to_string(), |(a, b)| format!("{a:.0}-{b:.0}")),
                    est.interval.0,
                    est.interval.1,
                    if cov_b { "" } else { " MISS(boot)" },
                    if cov_ba { "" } else { " MISS(B&A)" },
                );
                if y >= 2012 {
                    acc[di].0 += usize::from(cov_b);
                    acc[di].1 += usize::from(cov_ba);
                    acc[di].2 += est.estimate / truth;
                    acc[di].3 += iv.map_or(f64::INFINITY, |(a, b)| (b - a) / truth);
                    acc[di].4 += 1;
                }
            }
            acc[di].6.push(level);
            acc[di].7.push(level_truth);
            println!("  2010-2015 mean per year: estimate {level:.0}, truth {level_truth:.0}");
        }
    }
    println!(
        "\ndesign | cells | coverage bootstrap | coverage B&A | mean estimate/truth | mean width/truth | max |minor+adult-all| | 2010-15 level (truth) | time per seed"
    );
    for (d, a) in designs.iter().zip(&acc) {
        let n = a.4.max(1) as f64;
        let lv = a.6.iter().sum::<f64>() / a.6.len().max(1) as f64;
        let lt = a.7.iter().sum::<f64>() / a.7.len().max(1) as f64;
        println!(
            "{} | {} | {:.1}% | {:.1}% | {:.3} | {:.3} | {:.2e} | {lv:.0} ({lt:.0}) | {:.1} s",
            d.name,
            a.4,
            100.0 * a.0 as f64 / n,
            100.0 * a.1 as f64 / n,
            a.2 / n,
            a.3 / n,
            a.5,
            a.8 / seeds as f64
        );
    }
    Ok(())
}
