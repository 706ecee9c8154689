//! The demo pipeline: simulate a register with known truth (`zicht-sim`), initialise a fresh SQLite
//! register, import what the reporters and registers sent, link, and publish the monitor with the
//! truth beside it. The register's files are named so that they are never taken for a real one, and
//! a folder that holds a register the demo did not make is refused, never touched.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use zicht_report::Lang;
use zicht_store::import::Kind;

use crate::{Register, RegisterError, intake, link, monitor};

/// The demo's register files, and the marker that says the demo made them.
pub const DEMO_DB: &str = "demo.db";
pub const DEMO_KEY: &str = "demo.key";
const MARKER: &str = ".zicht-demo";

/// What the demo runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Its folder: `data/` (the simulated register and its truth), the register, `monitor/`.
    pub out: PathBuf,
    /// The same seed gives the same register.
    pub seed: u64,
    /// Multiplies the simulated population (for benchmarks).
    pub scale: f64,
    pub lang: Lang,
}

/// Where the demo put things, and the monitor it published.
#[derive(Debug, Clone)]
pub struct Run {
    pub data: PathBuf,
    pub db: PathBuf,
    pub key: PathBuf,
    pub release: PathBuf,
    pub monitor: monitor::Summary,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RegisterError + '_ {
    move |source| RegisterError::Io { path: path.display().to_string(), source }
}

/// Refuses a folder that holds a register the demo did not make (a real `zicht.db`/`zicht.key`, or demo
/// files without the demo's marker), then removes the demo's own database and key of an earlier run.
fn reset(out: &Path) -> Result<(), RegisterError> {
    let real: Vec<&str> = ["zicht.db", "zicht.key"].into_iter().filter(|n| out.join(n).exists()).collect();
    let ours = out.join(MARKER).exists();
    let unmarked: Vec<&str> = [DEMO_DB, DEMO_KEY].into_iter().filter(|n| !ours && out.join(n).exists()).collect();
    if let Some(first) = real.iter().chain(&unmarked).next() {
        return Err(RegisterError::Input(format!(
            "--out {}: holds {first}, a register zicht demo did not make; the demo never replaces a register: choose another --out",
            out.display()
        )));
    }
    for name in [DEMO_DB, "demo.db-wal", "demo.db-shm", DEMO_KEY, "demo.key.audit-head"] {
        let p = out.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    Ok(())
}

/// Runs the demo; `step` hears each step's name and wall time as it ends, `progress` the work within
/// the steps (and stops the demo between units of work when it answers so).
pub async fn run(
    opts: &Options,
    step: &mut dyn FnMut(&str, Duration),
    progress: &dyn zicht_progress::Progress,
) -> Result<Run, RegisterError> {
    let out = &opts.out;
    let input = |e: std::io::Error| RegisterError::Input(format!("--out {}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(input)?;
    reset(out)?;
    std::fs::write(out.join(MARKER), "made by zicht demo: demo.db and demo.key here are a simulated register\n")
        .map_err(input)?;

    // 1. Simulate, in the world where minors' withheld reports arrive as statistical reports.
    let t = Instant::now();
    let config = zicht_sim::Config {
        seed: opts.seed,
        scale: opts.scale,
        statistical_minors: true,
        ..zicht_sim::Config::default()
    };
    config.validate().map_err(|e| RegisterError::Input(format!("--scale: {e}")))?;
    let sim = zicht_sim::simulate(&config).map_err(|e| RegisterError::Simulation(e.to_string()))?;
    let data = out.join("data");
    zicht_sim::write_dir(&sim, &data).map_err(|e| RegisterError::Input(format!("--out {}: {e}", out.display())))?;
    drop(sim);
    step("simulate", t.elapsed());

    // 2. A fresh register.
    let url = format!("sqlite://{}", out.join(DEMO_DB).display());
    let keys = zicht_store::Keys::create(&out.join(DEMO_KEY))?;
    let store = zicht_store::Store::open(&url).await?.keep_audit_head(zicht_store::audit::head_path(&keys.path));
    store.init_keys(&keys).await?;
    let reg = Register::new(store, Some(keys), "demo");

    // 3. Import everything the reporters and registers sent.
    for (kind, file) in [(Kind::Reports, "reports.csv"), (Kind::Events, "events.csv"), (Kind::Signals, "signals.csv")] {
        let t = Instant::now();
        let mut req = intake::Request::new(kind);
        req.purpose = "demonstration on simulated data".into();
        let s = intake::import(&reg, [data.join(file)], &req, progress).await?;
        step(&format!("import {} ({} rows)", kind.as_str(), s[0].inserted), t.elapsed());
    }

    // 4. Reports and follow-up events to persons.
    let t = Instant::now();
    let linked = link::link(&reg, &link::LinkOptions::default(), progress).await?;
    step(&format!("link ({} persons)", linked.summary.persons), t.elapsed());

    // 5. The monitor, with the simulator's truth beside it, in its own folder: a release folder is
    // replaced whole, and the demo's folder holds the register.
    let t = Instant::now();
    let release = out.join("monitor");
    let mut req = monitor::Request::new(&release);
    req.lang = opts.lang;
    req.truth =
        Some(zicht_report::Truth::read(&data.join("truth")).map_err(|e| RegisterError::Simulation(e.to_string()))?);
    let summary = monitor::publish(&reg, req, progress).await?;
    step(&format!("monitor ({} tables, checked)", summary.tables), t.elapsed());
    reg.store.db.pool.close().await;
    Ok(Run { data, db: out.join(DEMO_DB), key: out.join(DEMO_KEY), release, monitor: summary })
}
