//! `zicht cif`: Aalen–Johansen cumulative incidence per cause and group with its variance
//! (as R cmprsk::cuminc), and Gray's test across groups.

use std::path::PathBuf;

use serde::Serialize;
use zicht_stats::survival::{cumulative_incidence, gray_test};

use super::survival::Table;
use crate::exit::bad_input;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  zicht cif cohort.csv --time years --cause outcome --group minor --at 1,5,7 --json\n\n\
The cause column holds 0 for censored and a positive integer per cause (e.g. 1 = re-victimised,\n\
2 = emigrated, 3 = died). Without --at the curve is listed at every event time of each cause."
)]
pub struct Args {
    /// CSV file with a header row (`,` `;` or tab), or a workbook (.xlsx, .ods: its first sheet).
    pub data: PathBuf,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// Column with the follow-up time (>= 0).
    #[arg(long)]
    pub time: String,
    /// Column with the cause: 0 = censored, 1, 2, ... = causes.
    #[arg(long)]
    pub cause: String,
    /// Column that splits the data into groups (compared by Gray's test).
    #[arg(long)]
    pub group: Option<String>,
    /// Times at which to report the cumulative incidence, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub at: Vec<f64>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Point {
    time: f64,
    cif: f64,
    variance: f64,
}

#[derive(Debug, Serialize)]
struct Cause {
    cause: u32,
    group: String,
    at: Vec<Point>,
}

#[derive(Debug, Serialize)]
struct Gray {
    cause: u32,
    stat: f64,
    df: usize,
    p: f64,
}

#[derive(Debug, Serialize)]
struct Output {
    causes: Vec<Cause>,
    gray: Vec<Gray>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut wanted = vec![args.time.as_str(), args.cause.as_str()];
    wanted.extend(args.group.as_deref());
    let labels: Vec<&str> = args.group.iter().map(String::as_str).collect();
    let table = Table::read(&args.data, args.encoding.encoding, &wanted, &labels)?;
    let time = table.times(&args.time)?;
    let cause: Vec<u32> = table
        .codes(
            &args.cause,
            |x| (0..=i64::from(u32::MAX)).contains(&x),
            "cause must be 0 = censored or a positive integer",
        )?
        .into_iter()
        .map(|x| x as u32)
        .collect();
    for &t in &args.at {
        if !t.is_finite() || t < 0.0 {
            return Err(bad_input(format!("--at {t}: times must be finite and >= 0")));
        }
    }
    if cause.iter().all(|&c| c == 0) {
        return Err(bad_input(format!(
            "{}: column '{}' has no events (all 0): nothing to estimate",
            table.file, args.cause
        )));
    }
    let (group, labels) = match &args.group {
        Some(g) => table.categories(g)?,
        None => (vec![0; time.len()], vec!["all".to_string()]),
    };
    let mut all_causes: Vec<u32> = cause.iter().copied().filter(|&c| c != 0).collect();
    all_causes.sort_unstable();
    all_causes.dedup();
    let mut out = Output { causes: Vec::new(), gray: Vec::new() };
    for (g, label) in labels.iter().enumerate() {
        let idx: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g).collect();
        let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let c: Vec<u32> = idx.iter().map(|&i| cause[i]).collect();
        let last = t.iter().copied().fold(0.0, f64::max);
        if let Some(&bad) = args.at.iter().find(|&&a| a > last) {
            return Err(bad_input(format!(
                "--at {bad}: beyond the last observed time {last} of group '{label}' in {} (the curve is not estimated there)",
                table.file
            )));
        }
        let curves = if c.iter().all(|&x| x == 0) {
            eprintln!("warning: {}: group '{label}' has no events: its cumulative incidence stays 0", table.file);
            Vec::new()
        } else {
            cumulative_incidence(&t, &c).map_err(|e| super::survival::lib_error(&table, e))?
        };
        for &k in &all_causes {
            let curve = curves.iter().find(|cv| cv.cause == k);
            let at: Vec<Point> = match (curve, args.at.is_empty()) {
                (Some(cv), true) => {
                    cv.points.iter().map(|p| Point { time: p.time, cif: p.cif, variance: p.variance }).collect()
                }
                (Some(cv), false) => args
                    .at
                    .iter()
                    .map(|&a| {
                        let p = cv.at(a).map_err(|e| super::survival::lib_error(&table, e))?;
                        Ok(Point { time: a, cif: p.cif, variance: p.variance })
                    })
                    .collect::<anyhow::Result<_>>()?,
                (None, _) => args.at.iter().map(|&a| Point { time: a, cif: 0.0, variance: 0.0 }).collect(),
            };
            out.causes.push(Cause { cause: k, group: label.clone(), at });
        }
    }
    if labels.len() > 1 {
        let tests = gray_test(&time, &cause, &group).map_err(|e| super::survival::lib_error(&table, e))?;
        out.gray = tests.into_iter().map(|t| Gray { cause: t.cause, stat: t.stat, df: t.df, p: t.p }).collect();
    }
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    for c in &out.causes {
        println!("cause {} in group {}:", c.cause, c.group);
        println!("  {:>10} {:>9} {:>11}", "time", "cif", "variance");
        for p in &c.at {
            println!("  {:>10} {:>9.4} {:>11.4e}", p.time, p.cif, p.variance);
        }
    }
    for g in &out.gray {
        println!("Gray's test, cause {}: stat = {:.4} on {} df, p = {:.4e}", g.cause, g.stat, g.df, g.p);
    }
    Ok(())
}
