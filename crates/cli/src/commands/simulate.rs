//! `zicht simulate`: writes a synthetic population in the import formats, with its ground truth.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::Datelike;
use zicht_sim::{Config, Progress, SimError};

use super::common::{Bar, Units};
use crate::exit::bad_input;

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  zicht simulate --out sim --seed 7 --from 2012 --to 2022\n  \
    zicht simulate --out sim-stat --statistical-minors   # minors' withheld reports arrive as statistical rows\n\n\
    Writes DIR/reports.csv, DIR/events.csv, DIR/signals.csv (the import formats of docs/formats.md) and\n\
    DIR/truth/ (report_persons, event_persons, population, lists, revictimisation, registered).")]
pub struct Args {
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the random streams: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First year of the register.
    #[arg(long, value_name = "YEAR", default_value_t = 2012)]
    pub from: i32,
    /// Last year of the register (must be a completed year).
    #[arg(long, value_name = "YEAR", default_value_t = 2022)]
    pub to: i32,
    /// Multiplies the population, the registered numbers, the signals and the decoys.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub scale: f64,
    /// Follow-up events of people who were never victims, before scaling.
    #[arg(long, value_name = "N", default_value_t = Config::DEFAULT_DECOY_EVENTS)]
    pub decoy_events: u64,
    /// Minors' reports withheld for want of guardian consent arrive as statistical reports instead.
    #[arg(long)]
    pub statistical_minors: bool,
    /// Print a JSON summary on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let last_complete = chrono::Utc::now().year() - 1;
    if args.to > last_complete {
        return Err(bad_input(format!(
            "--to {}: must be a completed year (at most {last_complete}), because report dates may not lie in the future",
            args.to
        )));
    }
    let config = Config {
        seed: args.seed,
        from: args.from,
        to: args.to,
        scale: args.scale,
        decoy_events: args.decoy_events,
        statistical_minors: args.statistical_minors,
    };
    if let Err(SimError::InvalidConfig(msg)) = config.validate() {
        return Err(bad_input(format!("--from/--to/--scale/--decoy-events: {msg}")));
    }
    let bar = Bar::new(args.json, Units::Work);
    let sim = zicht_sim::simulate_with_progress(&config, &bar).context("simulation failed")?;
    bar.start("writing", 1);
    // A directory that cannot be created or written is the user's choice of --out: exit code 1.
    let written = zicht_sim::write_dir(&sim, &args.out);
    bar.clear();
    if let Err(e) = written {
        return Err(bad_input(format!("--out {}: {e}", args.out.display())));
    }

    let statistical = sim.reports.iter().filter(|r| r.identification == "statistical").count();
    let decoys = sim.events.iter().filter(|e| e.person_id.is_none()).count();
    let mut out = String::new();
    if args.json {
        let registered: Vec<serde_json::Value> = sim
            .truth
            .registered
            .iter()
            .map(|r| {
                serde_json::json!({
                    "year": r.year, "persons": r.persons, "persons_identified": r.persons_identified,
                    "reports": r.reports, "reports_statistical": r.reports_statistical,
                    "true_population": r.true_population, "signals": r.signals,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "out": args.out.display().to_string(),
            "seed": config.seed,
            "from": config.from,
            "to": config.to,
            "scale": config.scale,
            "statistical_minors": config.statistical_minors,
            "reports": sim.reports.len(),
            "reports_statistical": statistical,
            "events": sim.events.len(),
            "decoy_events": decoys,
            "signals": sim.signals.len(),
            "registered": registered,
        });
        out.push_str(&format!("{doc}\n"));
    } else {
        out.push_str(&format!(
            "wrote {}: {} reports ({} statistical), {} events ({} decoys), {} signals; truth in {}\n",
            args.out.display(),
            sim.reports.len(),
            statistical,
            sim.events.len(),
            decoys,
            sim.signals.len(),
            args.out.join("truth").display()
        ));
        out.push_str("year  registered  true victims\n");
        for r in &sim.truth.registered {
            out.push_str(&format!("{}  {:>10}  {:>12}\n", r.year, r.persons, r.true_population));
        }
    }
    // A closed pipe (`zicht simulate … | head`) is not an error of ours.
    match std::io::stdout().lock().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("cannot write to stdout"),
        _ => Ok(()),
    }
}
