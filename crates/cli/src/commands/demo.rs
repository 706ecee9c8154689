//! `zicht demo`: the main job, offline, on an embedded SQLite: simulate a register with known truth,
//! initialise, import, link, and write the monitor — then say where to look.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use zicht_store::import::{ImportOptions, Kind, OnError};

use super::common::{Bar, cancel_on_ctrl_c, runtime};
use crate::exit::bad_input;

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

/// The demo's register files, and the marker that says the demo made them.
const DEMO_DB: &str = "demo.db";
const DEMO_KEY: &str = "demo.key";
const MARKER: &str = ".zicht-demo";

/// Refuses a folder that holds a register the demo did not make (a real `zicht.db`/`zicht.key`, or demo
/// files without the demo's marker), then removes the demo's own database and key of an earlier run.
fn reset(out: &Path) -> anyhow::Result<()> {
    let real: Vec<&str> = ["zicht.db", "zicht.key"].into_iter().filter(|n| out.join(n).exists()).collect();
    let ours = out.join(MARKER).exists();
    let unmarked: Vec<&str> = [DEMO_DB, DEMO_KEY].into_iter().filter(|n| !ours && out.join(n).exists()).collect();
    if let Some(first) = real.iter().chain(&unmarked).next() {
        return Err(bad_input(format!(
            "--out {}: holds {first}, a register zicht demo did not make; the demo never replaces a register: choose another --out",
            out.display()
        )));
    }
    for name in [DEMO_DB, "demo.db-wal", "demo.db-shm", DEMO_KEY, "demo.key.audit-head"] {
        let p = out.join(name);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    Ok(())
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|e| bad_input(format!("--out {}: {e}", out.display())))?;
    reset(out)?;
    std::fs::write(out.join(MARKER), "made by zicht demo: demo.db and demo.key here are a simulated register\n")
        .map_err(|e| bad_input(format!("--out {}: {e}", out.display())))?;
    let step = |name: &str, t: Instant| eprintln!("  {name:<28} {:>6.1} s", t.elapsed().as_secs_f64());
    eprintln!("zicht demo: a simulated register, 2012–2022 (seed {})", args.seed);

    // 1. Simulate, in the world where minors' withheld reports arrive as statistical reports.
    let t = Instant::now();
    let config = zicht_sim::Config {
        seed: args.seed,
        scale: args.scale,
        statistical_minors: true,
        ..zicht_sim::Config::default()
    };
    if let Err(e) = config.validate() {
        return Err(bad_input(format!("--scale: {e}")));
    }
    let sim = zicht_sim::simulate(&config).context("simulation failed")?;
    let data = out.join("data");
    zicht_sim::write_dir(&sim, &data).map_err(|e| bad_input(format!("--out {}: {e}", out.display())))?;
    drop(sim);
    step("simulate", t);

    // 2. A fresh register.
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let url = format!("sqlite://{}", out.join(DEMO_DB).display());
    let keys = zicht_store::Keys::create(&out.join(DEMO_KEY)).map_err(|e| bad_input(e.to_string()))?;
    let store = rt.block_on(async {
        let store = zicht_store::Store::open(&url).await?.keep_audit_head(zicht_store::audit::head_path(&keys.path));
        store.init_keys(&keys).await?;
        Ok::<_, zicht_store::StoreError>(store)
    })?;

    // 3. Import everything the reporters and registers sent.
    let bar = Bar::new(false);
    for (kind, file) in [(Kind::Reports, "reports.csv"), (Kind::Events, "events.csv"), (Kind::Signals, "signals.csv")] {
        let t = Instant::now();
        let opts = ImportOptions {
            kind,
            on_error: OnError::Abort,
            rejects: None,
            actor: "demo".into(),
            purpose: "demonstration on simulated data".into(),
            today: chrono::Local::now().date_naive(),
            batch_size: 1000,
            encoding: Default::default(),
        };
        let s = rt.block_on(store.import(&keys, &[data.join(file)], &opts, &bar, &cancel))?;
        step(&format!("import {} ({} rows)", kind.as_str(), s[0].inserted), t);
    }

    // 4. Reports and follow-up events to persons.
    let t = Instant::now();
    let linked = rt.block_on(super::link::link_store(
        &store,
        &keys,
        "demo",
        zicht_link::DEFAULT_THRESHOLD,
        None,
        &zicht_link::NoProgress,
        &cancel,
    ))?;
    step(&format!("link ({} persons)", linked.persons), t);
    rt.block_on(store.db.pool.close());

    // 5. The monitor, with the simulator's truth beside it.
    let t = Instant::now();
    // Its own folder: a release folder is replaced whole, and DIR holds the register.
    let release = out.join("monitor");
    let mut monitor = super::monitor::Args::new(&url, &release);
    monitor.lang = match args.lang {
        Lang::Nl => "nl".into(),
        Lang::En => "en".into(),
    };
    monitor.truth = Some(data.join("truth"));
    monitor.keys.key_file = out.join(DEMO_KEY);
    let summary = super::monitor::run_monitor(&monitor)?;
    step(&format!("monitor ({} tables, checked)", summary.tables), t);

    eprintln!("done in {:.1} s. Look at:", started.elapsed().as_secs_f64());
    for f in ["report.html", "monitor.xlsx", "monitor.json"] {
        eprintln!("  {}", release.join(f).display());
    }
    eprintln!("  {}  (the simulated register and its truth)", data.display());
    eprintln!("  {}  (the register; key in {})", out.join(DEMO_DB).display(), out.join(DEMO_KEY).display());
    if !summary.alerts.is_empty() {
        eprintln!("reporter alerts: {}", summary.alerts.len());
    }
    Ok(())
}
