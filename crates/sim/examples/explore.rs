//! Prints the calibration table of one seed and the time of each stage.
//!
//! `cargo run --release -p zicht-sim --example explore -- [SEED] [SCALE] [DECOY_EVENTS]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Mutex;
use std::time::Instant;

struct Timer(Mutex<(String, Instant)>);

impl zicht_sim::Progress for Timer {
    fn start(&self, name: &str, _total: u64) {
        if let Ok(mut g) = self.0.lock() {
            eprintln!("{:>10} {:.3} s", g.0, g.1.elapsed().as_secs_f64());
            *g = (name.to_string(), Instant::now());
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seed = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let scale = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let decoy_events = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(zicht_sim::Config::DEFAULT_DECOY_EVENTS);
    let config = zicht_sim::Config { seed, scale, decoy_events, ..Default::default() };
    let timer = Timer(Mutex::new(("start".into(), Instant::now())));
    let sim = zicht_sim::simulate_with_progress(&config, &timer)?;
    zicht_sim::Progress::start(&timer, "write", 0);
    let dir = std::env::temp_dir().join(format!("zicht-sim-explore-{}", std::process::id()));
    zicht_sim::write_dir(&sim, &dir)?;
    zicht_sim::Progress::start(&timer, "end", 0);
    std::fs::remove_dir_all(&dir)?;
    common::print(&sim);
    Ok(())
}
