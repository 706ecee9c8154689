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
