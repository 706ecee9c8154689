//! `zicht cox`: Cox proportional hazards regression (Efron or Breslow ties, strata,
//! counting-process `(start, stop]` rows, robust errors), as R `coxph`.

use std::path::PathBuf;

use serde::Serialize;
use zicht_stats::survival::{CoxInput, CoxOptions, Ties, cox_ph_row_major};

use super::survival::Table;
use crate::exit::bad_input;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  zicht cox cohort.csv --time years --event revictimised --covariates minor,female,labour --json\n  zicht cox episodes.csv --start from --time to --event victimised --covariates minor --cluster person --robust\n\n\
Rows are at risk on (start, stop] (from the origin without --start), so time-varying covariates, late\n\
entry and recurrent events are rows of one person; use --cluster with --robust for them.\n\
Covariates must be numeric (code categories as 0/1 columns)."
)]
pub struct Args {
    /// CSV file with a header row (`,` `;` or tab), or a workbook (.xlsx, .ods: its first sheet).
    pub data: PathBuf,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// Column with the (stop) time of each row.
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator: 1 = event at the stop time, 0 = censored.
    #[arg(long)]
    pub event: String,
    /// Numeric covariate columns, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub covariates: Vec<String>,
    /// Column with the start time of counting-process rows (start, stop].
    #[arg(long)]
    pub start: Option<String>,
    /// Column whose values define strata with their own baseline hazard.
    #[arg(long)]
    pub strata: Option<String>,
    /// Handling of tied event times.
    #[arg(long, default_value = "efron", value_parser = ["efron", "breslow"])]
    pub ties: String,
    /// Report robust (sandwich) standard errors; z and p use them.
    #[arg(long)]
    pub robust: bool,
    /// Column identifying clusters (e.g. persons) for the robust errors; implies --robust.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Coefficient {
    name: String,
    coef: f64,
    se: f64,
    z: f64,
    p: f64,
    exp_coef: f64,
}

#[derive(Debug, Serialize)]
struct Test {
    chi2: f64,
    df: usize,
    p: f64,
}

#[derive(Debug, Serialize)]
struct Output {
    ties: String,
    n: usize,
    events: usize,
    coefficients: Vec<Coefficient>,
    loglik: f64,
    loglik_null: f64,
    lr_test: Test,
    concordance: f64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut wanted = vec![args.time.as_str(), args.event.as_str()];
    wanted.extend(args.covariates.iter().map(String::as_str));
    wanted.extend(args.start.as_deref());
    wanted.extend(args.strata.as_deref());
    wanted.extend(args.cluster.as_deref());
    let labels: Vec<&str> = args.strata.iter().chain(&args.cluster).map(String::as_str).collect();
    // The covariates are parsed straight into the row-major matrix the fit works on, unless a
    // column is named twice (the messages then come from the column reader).
    let covs: Vec<&str> = args.covariates.iter().map(String::as_str).collect();
    let others =
        [Some(&args.time), Some(&args.event), args.start.as_ref(), args.strata.as_ref(), args.cluster.as_ref()];
    let distinct = covs.iter().enumerate().all(|(j, c)| !covs[..j].contains(c))
        && !others.iter().flatten().any(|o| covs.contains(&o.as_str()));
    let (table, rows) = Table::read_with_rows(
        &args.data,
        args.encoding.encoding,
        &wanted,
        &labels,
        if distinct { &covs } else { &[] },
    )?;
    let stop = table.times(&args.time)?;
    let start = args.start.as_deref().map(|c| table.times(c)).transpose()?;
    let event = table.events(&args.event)?;
    let mut seen = std::collections::HashSet::new();
    for c in &args.covariates {
        if !seen.insert(c) {
            return Err(bad_input(format!("--covariates: '{c}' is listed twice")));
        }
    }
    let x = table.rows_of(&covs, rows)?;
    let strata = args.strata.as_deref().map(|c| table.categories(c)).transpose()?.map(|x| x.0);
    let cluster = args.cluster.as_deref().map(|c| table.categories(c)).transpose()?.map(|x| x.0);
    let ties =
        Ties::parse(&args.ties).ok_or_else(|| bad_input(format!("--ties {}: use efron or breslow", args.ties)))?;
    let input = CoxInput {
        start: start.as_deref(),
        stop: &stop,
        event: &event,
        covariates: &[],
        names: &args.covariates,
        strata: strata.as_deref(),
        cluster: cluster.as_deref(),
    };
    let opts = CoxOptions { ties, robust: args.robust || args.cluster.is_some(), ..CoxOptions::default() };
    let bar = super::common::Bar::new(false, super::common::Units::Work);
    let fit = cox_ph_row_major(&input, x, &opts, &bar);
    bar.clear();
    let fit = fit.map_err(|e| super::survival::lib_error(&table, e))?;
    let se = fit.robust_se.clone().unwrap_or_else(|| fit.se.clone());
    let z = fit.z();
    let p = fit.p_values();
    let out = Output {
        ties: args.ties.clone(),
        n: fit.n,
        events: fit.events,
        coefficients: (0..fit.coef.len())
            .map(|j| Coefficient {
                name: fit.names[j].clone(),
                coef: fit.coef[j],
                se: se[j],
                z: z[j],
                p: p[j],
                exp_coef: fit.coef[j].exp(),
            })
            .collect(),
        loglik: fit.loglik,
        loglik_null: fit.loglik_null,
        lr_test: Test { chi2: fit.lr_test.chi2, df: fit.lr_test.df, p: fit.lr_test.p },
        concordance: fit.concordance,
    };
    if args.json {
        println!("{}", serde_json::to_string(&out)?);
        return Ok(());
    }
    println!("Cox model, {} ties: n = {}, events = {}", out.ties, out.n, out.events);
    println!(
        "  {:<16} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "covariate",
        "coef",
        "exp(coef)",
        if fit.robust_se.is_some() { "robust se" } else { "se" },
        "z",
        "p"
    );
    for c in &out.coefficients {
        println!("  {:<16} {:>10.5} {:>10.4} {:>10.5} {:>8.3} {:>10.3e}", c.name, c.coef, c.exp_coef, c.se, c.z, c.p);
    }
    println!("log partial likelihood: {:.4} (null {:.4})", out.loglik, out.loglik_null);
    println!(
        "likelihood-ratio test: chi2 = {:.4} on {} df, p = {:.4e}",
        fit.lr_test.chi2, fit.lr_test.df, fit.lr_test.p
    );
    println!(
        "Wald test:             chi2 = {:.4} on {} df, p = {:.4e}",
        fit.wald_test.chi2, fit.wald_test.df, fit.wald_test.p
    );
    println!(
        "score test:            chi2 = {:.4} on {} df, p = {:.4e}",
        fit.score_test.chi2, fit.score_test.df, fit.score_test.p
    );
    println!("concordance: {:.4}", out.concordance);
    Ok(())
}
