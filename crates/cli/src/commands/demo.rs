//! `zicht demo`: the main job, offline, on an embedded SQLite: simulate a register with known truth,
//! initialise, import, link, and write the monitor ([`zicht_register::demo`]) — then say where to look.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use zicht_register::demo;

use super::common::{Bar, Units, cancel_on_ctrl_c, register_error, runtime};

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Lang {
    Nl,
    #[default]
    En,
}

#[derive(Debug, Args)]
#[command(after_help = "Example:\n  zicht demo --out demo-out --seed 7 --lang nl\n\n\
    Writes DIR/data/ (the simulated register and its truth), DIR/demo.db and DIR/demo.key (a fresh\n\
    register, named so that it is never taken for a real one), and the monitor in DIR/monitor/:\n\
    report.html, monitor.xlsx, monitor.json (replaced whole on each run). A folder that holds a register the demo did not make is refused.")]
pub struct DemoArgs {
    /// Output directory (a demo's database and key there from an earlier run are replaced; a real
    /// register there is refused, never touched)
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Seed of the simulation: the same seed gives the same register
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Language of the report
    #[arg(long, value_enum, default_value_t)]
    pub lang: Lang,
    /// Multiplies the simulated population (for benchmarks)
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    eprintln!("zicht demo: a simulated register, 2012–2022 (seed {})", args.seed);
    let opts = demo::Options {
        out: args.out.clone(),
        seed: args.seed,
        scale: args.scale,
        lang: match args.lang {
            Lang::Nl => zicht_report::Lang::Nl,
            Lang::En => zicht_report::Lang::En,
        },
    };
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let bar = Bar::new(false, Units::Work).stopping_on(cancel);
    let mut step = |name: &str, took: std::time::Duration| eprintln!("  {name:<28} {:>6.1} s", took.as_secs_f64());
    let run = rt.block_on(demo::run(&opts, &mut step, &bar)).map_err(register_error)?;
    bar.clear();
    eprintln!("done in {:.1} s. Look at:", started.elapsed().as_secs_f64());
    for f in ["report.html", "monitor.xlsx", "monitor.json"] {
        eprintln!("  {}", run.release.join(f).display());
    }
    eprintln!("  {}  (the simulated register and its truth)", run.data.display());
    eprintln!("  {}  (the register; key in {})", run.db.display(), run.key.display());
    if !run.monitor.alerts.is_empty() {
        eprintln!("reporter alerts: {}", run.monitor.alerts.len());
    }
    Ok(())
}
