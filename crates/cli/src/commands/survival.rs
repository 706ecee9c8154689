//! `zicht survival`: Kaplan–Meier curves per group with Greenwood errors, pointwise intervals,
//! medians, and the log-rank test, from an extract read by [`zicht_table::Table`] (shared with
//! `zicht cif` and `zicht cox`).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use serde::Serialize;
use zicht_stats::survival::{ConfType, KaplanMeier, SurvivalError, kaplan_meier, kaplan_meier_counts, log_rank};

use crate::exit::bad_input;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  zicht survival cohort.csv --time years --event revictimised --group minor --at 1,5,7 --json\n\n\
The event column holds 0 (censored) or 1 (event). The table lists the event times; `se` is the\n\
Greenwood standard error of S(t); intervals are pointwise (default log-log, as R survfit's\n\
conf.type). Undefined values (e.g. the interval once S reaches 0) are null in --json."
)]
pub struct Args {
    /// CSV file with a header row (`,` `;` or tab), or a workbook (.xlsx, .ods: its first sheet).
    pub data: PathBuf,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// Column with the follow-up time (>= 0).
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator: 1 = event, 0 = censored.
    #[arg(long)]
    pub event: String,
    /// Column that splits the data into groups (compared by the log-rank test).
    #[arg(long)]
    pub group: Option<String>,
    /// Column whose values define strata for a stratified log-rank test.
    #[arg(long, requires = "group")]
    pub strata: Option<String>,
    /// Times at which to report survival, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub at: Vec<f64>,
    /// Scale of the confidence intervals.
    #[arg(long, default_value = "log-log", value_parser = ["log-log", "log", "plain"])]
    pub conf: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

pub use zicht_table::Table;

/// Turns a library error into a bad-input error naming the file and, for row errors, the line.
pub fn lib_error(table: &Table, e: SurvivalError) -> anyhow::Error {
    let line = |i: usize| if i < table.rows() { table.line(i) } else { 0 };
    let msg = match &e {
        SurvivalError::MissingTime { index }
        | SurvivalError::InfiniteTime { index }
        | SurvivalError::NegativeTime { index, .. }
        | SurvivalError::StartNotBeforeStop { index, .. }
        | SurvivalError::MissingCovariate { index, .. } => {
            format!("{}: line {}: {}", table.file, line(*index), strip_row(&e.to_string()))
        }
        SurvivalError::NotConverged { .. } | SurvivalError::Cancelled => {
            return anyhow::Error::new(e).context(table.file.clone());
        }
        _ => format!("{}: {e}", table.file),
    };
    bad_input(msg)
}

fn strip_row(s: &str) -> String {
    match s.split_once(": ") {
        Some((head, rest)) if head.starts_with("row ") => rest.to_string(),
        _ => s.to_string(),
    }
}

#[derive(Debug, Serialize)]
struct Row {
    time: f64,
    n_risk: f64,
    events: f64,
    survival: f64,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Group {
    group: String,
    n: usize,
    events: usize,
    median: Option<f64>,
    table: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct At {
    group: String,
    time: f64,
    survival: f64,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Test {
    chi2: f64,
    df: usize,
    p: f64,
}

#[derive(Debug, Serialize)]
struct Output {
    groups: Vec<Group>,
    at: Vec<At>,
    logrank: Option<Test>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.group.is_none()
        && args.strata.is_none()
        && let Some(counts) = zicht_table::km_counts(&args.data, args.encoding.encoding, &args.time, &args.event)
    {
        // One curve from a plain file: counted while reading, no rows kept (the same curve as
        // from the rows, bit for bit: `kaplan_meier_counts`).
        let file = args.data.display().to_string();
        check_options(&args)?;
        let conf = ConfType::parse(&args.conf).context("confidence type")?;
        if counts.n_event.iter().all(|&d| d == 0.0) {
            return Err(no_events(&file, &args.event));
        }
        let km = kaplan_meier_counts(&counts.time, &counts.n_event, &counts.n_censor, conf, 0.95)
            .map_err(|e| bad_input(format!("{file}: {e}")))?;
        return report(&args, &file, vec![("all".to_string(), km)], None);
    }
    let mut wanted = vec![args.time.as_str(), args.event.as_str()];
    wanted.extend(args.group.as_deref());
    wanted.extend(args.strata.as_deref());
    let labels: Vec<&str> = args.group.iter().chain(&args.strata).map(String::as_str).collect();
    let table = Table::read(&args.data, args.encoding.encoding, &wanted, &labels)?;
    let time = table.times(&args.time)?;
    let strata = args.strata.as_deref().map(|c| table.categories(c)).transpose()?.map(|x| x.0);
    let event = table.events(&args.event)?;
    check_options(&args)?;
    let conf = ConfType::parse(&args.conf).context("confidence type")?;
    let (group, labels) = match &args.group {
        Some(g) => table.categories(g)?,
        None => (vec![0; time.len()], vec!["all".to_string()]),
    };
    if !event.iter().any(|&e| e) {
        return Err(no_events(&table.file, &args.event));
    }
    let mut fits: Vec<(String, KaplanMeier)> = Vec::new();
    for (g, label) in labels.iter().enumerate() {
        let km = if labels.len() == 1 {
            kaplan_meier(&time, &event, conf, 0.95)
        } else {
            let idx: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g).collect();
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            kaplan_meier(&t, &e, conf, 0.95)
        }
        .map_err(|e| lib_error(&table, e))?;
        fits.push((label.clone(), km));
    }
    let logrank = if labels.len() > 1 {
        let lr = log_rank(&time, &event, &group, strata.as_deref()).map_err(|e| lib_error(&table, e))?;
        Some(Test { chi2: lr.chi2, df: lr.df, p: lr.p })
    } else {
        None
    };
    report(&args, &table.file, fits, logrank)
}

fn check_options(args: &Args) -> anyhow::Result<()> {
    for &t in &args.at {
        if !t.is_finite() || t < 0.0 {
            return Err(bad_input(format!("--at {t}: times must be finite and >= 0")));
        }
    }
    Ok(())
}

fn no_events(file: &str, column: &str) -> anyhow::Error {
    bad_input(format!("{file}: column '{column}' has no events (all 0): nothing to estimate"))
}

/// Prints the curves (and the log-rank test) as JSON or as tables.
fn report(args: &Args, file: &str, fits: Vec<(String, KaplanMeier)>, logrank: Option<Test>) -> anyhow::Result<()> {
    let mut out = Output { groups: Vec::new(), at: Vec::new(), logrank };
    for (label, km) in &fits {
        if km.events == 0 {
            eprintln!(
                "warning: {file}: group '{label}' has no events: its survival stays 1 and its median is undefined"
            );
        }
        for &at in &args.at {
            let point = km.at(at).map_err(|_| {
                bad_input(format!(
                    "--at {at}: beyond the last observed time {} of group '{label}' in {file} (the curve is not estimated there)",
                    km.last_time(),
                ))
            })?;
            out.at.push(At {
                group: label.clone(),
                time: at,
                survival: point.survival,
                se: point.se,
                ci_low: point.ci_low,
                ci_high: point.ci_high,
            });
        }
        let rows = km
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.n_event > 0.0)
            .map(|(i, r)| {
                let (lo, hi) = km.ci(i);
                Row {
                    time: r.time,
                    n_risk: r.n_risk,
                    events: r.n_event,
                    survival: r.survival,
                    se: km.se_survival(i),
                    ci_low: lo,
                    ci_high: hi,
                }
            })
            .collect();
        out.groups.push(Group { group: label.clone(), n: km.n, events: km.events, median: km.median().0, table: rows });
    }
    if args.json {
        // streamed: a curve with a million event times is a JSON document of ~100 MB
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut w, &out)?;
        writeln!(w)?;
        w.flush()?;
        return Ok(());
    }
    for (g, (label, km)) in out.groups.iter().zip(&fits) {
        let (m, lo, hi) = km.median();
        println!(
            "group {}: n = {}, events = {}, median = {} (95% CI {} to {})",
            label,
            g.n,
            g.events,
            fmt_opt(m),
            fmt_opt(lo),
            fmt_opt(hi)
        );
        println!(
            "  {:>10} {:>8} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "time", "n_risk", "events", "survival", "se", "ci_low", "ci_high"
        );
        for r in &g.table {
            println!(
                "  {:>10} {:>8} {:>6} {:>9.4} {:>9} {:>9} {:>9}",
                r.time,
                r.n_risk,
                r.events,
                r.survival,
                fmt_opt4(r.se),
                fmt_opt4(r.ci_low),
                fmt_opt4(r.ci_high)
            );
        }
    }
    for a in &out.at {
        println!(
            "at {} in group {}: survival {:.4} (se {}, 95% CI {} to {})",
            a.time,
            a.group,
            a.survival,
            fmt_opt4(a.se),
            fmt_opt4(a.ci_low),
            fmt_opt4(a.ci_high)
        );
    }
    if let Some(t) = &out.logrank {
        println!("log-rank test: chi2 = {:.4} on {} df, p = {:.4e}", t.chi2, t.df, t.p);
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |x| format!("{x}"))
}

fn fmt_opt4(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |x| format!("{x:.4}"))
}
