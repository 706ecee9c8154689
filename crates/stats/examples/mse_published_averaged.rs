//! The monitor's estimator (forward AIC with extensions, Burnham–Anderson model average, parametric
//! bootstrap with the search repeated) on the published capture–recapture tables, beside SparseMSE's
//! stepwise estimate (`tests/fixtures/mse/sparsemse.json`): how much the model choice moves each
//! published number. A table without covariates is one stratum, so the search is over list × list
//! terms and their three-list extensions.
//!
//! ```text
//! cargo run --release -p zicht-stats --example mse_published_averaged -- [BOOT]
//! ```

use zicht_stats::mse::CaptureTable;
use zicht_stats::mse::pooled::{
    Criterion, Factor, PooledTable, SearchOptions, averaged, bootstrap_pooled, select_pooled,
};

const TABLES: [&str; 8] = ["UKdat", "UKdat_5", "Ned", "Ned_5", "Artificial_3", "Western", "NewOrl", "NewOrl_5"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let boot: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mse");
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/sparsemse.json"))?)?;
    println!(
        "| table | observed | SparseMSE stepwise | model average (B&A 95 %) | bootstrap 95 % ({boot}) | models | chosen |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for name in TABLES {
        let t = CaptureTable::read_csv(std::fs::File::open(format!("{dir}/{name}.csv"))?)?;
        let k = t.lists().len();
        let mut p =
            PooledTable::new(t.lists().to_vec(), vec![Factor { name: "all".into(), levels: vec!["all".into()] }])?;
        for mask in 1u32..(1 << k) {
            let n = t.count(mask);
            if n > 0.0 {
                p.add(&[0], mask, n)?;
            }
        }
        let opts = SearchOptions::forward(&p, Criterion::Aic);
        let sel = select_pooled(&p, &opts);
        let all = vec![vec![true; p.n_strata()]];
        let avg = averaged(&p, &sel, Criterion::Aic, &all[0], 0.95);
        let bs = bootstrap_pooled(&p, &sel.best, &opts, &all, true, boot, 1, 0.95);
        let stepwise = reference[name]["estimate"].as_f64();
        let fmt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
        println!(
            "| {name} | {:.0} | {} | {} | {} | {} | {} |",
            p.total_observed(),
            fmt(stepwise),
            avg.as_ref()
                .map_or("–".into(), |a| format!("{:.0} ({:.0}–{:.0})", a.estimate, a.interval.0, a.interval.1)),
            bs.intervals[0].map_or("unbounded".into(), |(a, b)| format!("{a:.0}–{b:.0}")),
            sel.visited.len(),
            sel.best.describe(&p),
        );
    }
    Ok(())
}
