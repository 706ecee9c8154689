//! The monitor's dark-number estimator on the simulator's *true* persons, to measure what linkage
//! costs: `zicht demo` publishes the estimate on the persons zicht's linkage made; this runs the same
//! estimator ([`zicht_report::dark::estimate_people`]) on `truth/lists.csv`, where every person is
//! one person. `scripts/eval/dark_coverage.py` sets the two side by side.
//!
//! ```text
//! cargo run --release -p zicht-report --example dark_truth -- DEMO_DIR [REPLICATES] > DEMO_DIR/dark_truth.csv
//! ```
//!
//! With `DARK_HETEROGENEITY=1` the search also offers the shared heterogeneity term.
//!
//! Prints `year,observed,estimate,lower,upper,true_population,flags` for the stratum "all".

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;

use zicht_model::{MseList, ReporterType};
use zicht_report::dark::{Design, PersonYear, estimate_people};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: dark_truth DEMO_DIR [REPLICATES]")?);
    let replicates: usize = args.next().map_or(Ok(200), |s| s.parse())?;
    let truth = dir.join("data/truth");

    let mut r = csv::Reader::from_path(truth.join("lists.csv"))?;
    let h = r.headers()?.clone();
    let col = |n: &str| h.iter().position(|c| c == n).ok_or(format!("lists.csv: no column {n}"));
    let (year, minor, sex, nat) = (col("year")?, col("minor")?, col("sex")?, col("nationality_group")?);
    // The reporter-type columns, mapped to lists by the register's own rule.
    let types: Vec<(usize, &'static str)> = h
        .iter()
        .enumerate()
        .filter_map(|(i, c)| ReporterType::parse(c).ok().map(|t| (i, t.mse_list().code())))
        .collect();
    let mut people = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let lists: BTreeSet<&'static str> =
            types.iter().filter(|(i, _)| rec.get(*i).is_some_and(|v| v != "0" && !v.is_empty())).map(|t| t.1).collect();
        if lists.is_empty() {
            continue;
        }
        people.push(PersonYear {
            year: rec[year].parse()?,
            lists,
            minor: &rec[minor] == "1",
            female: &rec[sex] == "female",
            home: &rec[nat] == "NL",
        });
    }
    let years: Vec<i32> = people.iter().map(|p| p.year).collect::<BTreeSet<_>>().into_iter().collect();

    let mut population: BTreeMap<i32, String> = BTreeMap::new();
    let mut r = csv::Reader::from_path(truth.join("registered.csv"))?;
    let h = r.headers()?.clone();
    let (y, pop) = (
        h.iter().position(|c| c == "year").ok_or("registered.csv: no year")?,
        h.iter().position(|c| c == "true_population").ok_or("registered.csv: no true_population")?,
    );
    for rec in r.records() {
        let rec = rec?;
        population.insert(rec[y].parse()?, rec[pop].to_string());
    }

    let design = Design { heterogeneity: std::env::var_os("DARK_HETEROGENEITY").is_some() };
    let d = estimate_people(&people, &years, &MseList::CODES, replicates, design);
    eprintln!("model {}; lists {}", d.model, d.lists.join(" "));
    println!("year,observed,estimate,lower,upper,true_population,flags");
    for &yr in &years {
        let Some(e) = d.estimates.get(&(yr, "all")) else { continue };
        println!(
            "{yr},{},{:.0},{:.0},{:.0},{},{}",
            e.observed,
            e.estimate,
            e.interval.0,
            e.interval.1,
            population.get(&yr).map_or("", String::as_str),
            e.flags.join(" ")
        );
    }
    Ok(())
}
