mod common;

#[test]
#[ignore = "prints the calibration table"]
fn explore() {
    let seed = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let sim = zicht_sim::simulate(&common::config(seed)).unwrap();
    common::print(&sim);
}

#[test]
#[ignore = "prints stage timings"]
fn stage_timings() {
    struct T(std::sync::Mutex<(String, std::time::Instant)>);
    impl zicht_sim::Progress for T {
        fn stage(&self, name: &str, _total: u64) {
            let mut g = self.0.lock().unwrap();
            println!("{:>10} {:?}", g.0, g.1.elapsed());
            *g = (name.to_string(), std::time::Instant::now());
        }
    }
    let t = T(std::sync::Mutex::new((
        "start".into(),
        std::time::Instant::now(),
    )));
    let scale = std::env::var("SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let config = zicht_sim::Config {
        decoy_events: 1_000_000,
        scale,
        ..Default::default()
    };
    let sim = zicht_sim::simulate_with_progress(&config, &t).unwrap();
    zicht_sim::Progress::stage(&t, "write", 0);
    let dir = tempfile::tempdir().unwrap();
    zicht_sim::write_dir(&sim, dir.path()).unwrap();
    zicht_sim::Progress::stage(&t, "end", 0);
}
