//! Same seed → byte-identical files; another seed → other files.

use std::fs;
use std::path::Path;

use zicht_sim::Config;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in [dir.to_path_buf(), dir.join("truth")] {
        let mut names: Vec<_> = fs::read_dir(&sub).expect("dir").map(|e| e.expect("entry").path()).collect();
        names.sort();
        for p in names {
            if p.is_file() {
                out.push((p.strip_prefix(dir).expect("prefix").display().to_string(), fs::read(&p).expect("read")));
            }
        }
    }
    out
}

fn run(config: &Config) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = zicht_sim::simulate(config).expect("runs");
    zicht_sim::write_dir(&sim, dir.path()).expect("writes");
    files(dir.path())
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let config = Config { seed: 99, decoy_events: 5_000, statistical_minors: true, ..Config::default() };
    let a = run(&config);
    let b = run(&config);
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "events.csv",
            "reports.csv",
            "signals.csv",
            "truth/event_persons.csv",
            "truth/lists.csv",
            "truth/population.csv",
            "truth/registered.csv",
            "truth/report_persons.csv",
            "truth/revictimisation.csv"
        ]
    );
    for ((na, ca), (nb, cb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ca == cb, "{na} differs between two runs with the same seed");
    }
    let c = run(&Config { seed: 100, ..config });
    assert_ne!(a[1].1, c[1].1, "another seed must give other reports");
}

#[test]
fn scale_multiplies_sizes() {
    let small =
        zicht_sim::simulate(&Config { from: 2016, to: 2018, decoy_events: 1_000, ..Config::default() }).expect("runs");
    let big =
        zicht_sim::simulate(&Config { from: 2016, to: 2018, decoy_events: 1_000, scale: 3.0, ..Config::default() })
            .expect("runs");
    let ratio = big.reports.len() as f64 / small.reports.len() as f64;
    assert!((2.7..3.3).contains(&ratio), "reports ratio {ratio}");
    let decoys = |s: &zicht_sim::Simulation| s.events.iter().filter(|e| e.person_id.is_none()).count();
    assert_eq!(decoys(&small), 1_000);
    assert_eq!(decoys(&big), 3_000);
}

#[test]
fn invalid_settings_are_rejected() {
    for bad in [
        Config { from: 2020, to: 2019, ..Config::default() },
        Config { scale: 0.0, ..Config::default() },
        Config { scale: f64::NAN, ..Config::default() },
        Config { from: 1800, ..Config::default() },
    ] {
        assert!(matches!(zicht_sim::simulate(&bad), Err(zicht_sim::SimError::InvalidConfig(_))), "{bad:?}");
    }
}

#[test]
fn cancellation_stops_the_run() {
    // A stop flag that is already set: the first unit of work is answered with a stop.
    let stop = std::sync::atomic::AtomicBool::new(true);
    let r = zicht_sim::simulate_with_progress(&Config::default(), &stop);
    assert!(matches!(r, Err(zicht_sim::SimError::Cancelled)));
}
