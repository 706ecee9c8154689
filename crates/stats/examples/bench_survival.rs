//! Times zicht-stats on the benchmark data of scripts/bench/survival.sh (fit only; reading the CSV
//! is not timed), printing one JSON line.
//!
//!   cargo run --release -p zicht-stats --example bench_survival -- km DATA.csv
//!   cargo run --release -p zicht-stats --example bench_survival -- cox DATA.csv

use std::time::Instant;

use zicht_stats::survival::{ConfType, CoxInput, CoxOptions, cox_ph, kaplan_meier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (kind, path) = (args[1].as_str(), &args[2]);
    let mut rdr = csv::Reader::from_path(path)?;
    let ncol = rdr.headers()?.len();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); ncol];
    let mut rec = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec)? {
        for (j, f) in rec.iter().enumerate() {
            cols[j].push(std::str::from_utf8(f)?.parse()?);
        }
    }
    let event: Vec<bool> = cols[1].iter().map(|&v| v == 1.0).collect();
    let c0 = cpu_seconds();
    let t0 = Instant::now();
    if kind == "km" {
        let km = kaplan_meier(&cols[0], &event, ConfType::LogLog, 0.95)?;
        let secs = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - c0;
        let s5 = km.at(5.0)?.survival;
        println!(
            "{{\"median\": {}, \"s_at_5\": {s5}, \"seconds\": {secs}, \"cpu_seconds\": {cpu}}}",
            km.median().0.unwrap_or(f64::NAN)
        );
    } else {
        let names: Vec<String> = (0..ncol - 2).map(|j| format!("x{j}")).collect();
        let x: Vec<&[f64]> = cols[2..].iter().map(Vec::as_slice).collect();
        let input = CoxInput {
            start: None,
            stop: &cols[0],
            event: &event,
            covariates: &x,
            names: &names,
            strata: None,
            cluster: None,
        };
        let fit = cox_ph(&input, &CoxOptions::default())?;
        let secs = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - c0;
        println!(
            "{{\"coef\": {:?}, \"loglik\": {}, \"concordance\": {}, \"iterations\": {}, \"seconds\": {secs}, \"cpu_seconds\": {cpu}}}",
            fit.coef, fit.loglik, fit.concordance, fit.iterations
        );
    }
    Ok(())
}

/// User + system CPU seconds of this process so far (Linux /proc, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}
