//! Behaviour of the MSE engine beyond the reference numbers: strata, bootstrap reproducibility,
//! cancellation, degenerate tables.

use std::sync::atomic::AtomicBool;

use zicht_stats::mse::stratified::{StratifiedTable, by_stratum};
use zicht_stats::mse::{BootstrapOptions, CaptureTable, Method, MseError, NoProgress, bootstrap, select};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/mse/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn strata_sum_to_total() {
    let t = StratifiedTable::read_csv(std::fs::File::open(fixture("strata_synthetic.csv")).unwrap(), "group").unwrap();
    let e = by_stratum(&t, &Method::Main).unwrap();
    let sum: f64 = e.fits.iter().map(|f| f.estimate.unwrap()).sum();
    assert!((e.total.unwrap() - sum).abs() < 1e-9);
    // Each stratum alone gives the same as its own table.
    let alone = select(&t.tables[1], &Method::Main).unwrap().fit.estimate.unwrap();
    assert_eq!(e.fits[1].estimate.unwrap(), alone);
}

#[test]
fn stratified_csv_errors_name_the_file_line() {
    let text = "A,B,g,n\n1,0,x,3\n0,1,x,2\n1,1,x,1\n1,0,y,3\n1,0,y,4\n";
    let err = StratifiedTable::read_csv(text.as_bytes(), "g").unwrap_err().to_string();
    assert!(err.contains("line 6") && err.contains("listed twice"), "{err}");
    assert!(StratifiedTable::read_csv(text.as_bytes(), "nope").is_err());
}

fn ukdat5() -> CaptureTable {
    CaptureTable::read_csv(std::fs::File::open(fixture("UKdat_5.csv")).unwrap()).unwrap()
}

#[test]
fn bootstrap_same_seed_same_replicates_any_thread_count() {
    let t = ukdat5();
    let m = Method::Stepwise { threshold: 0.02 };
    let opts = BootstrapOptions { replicates: 60, seed: 9, level: 0.95, progress: &NoProgress };
    let a = bootstrap(&t, &m, &opts).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let b = pool.install(|| bootstrap(&t, &m, &opts).unwrap());
    assert_eq!(a.replicates, b.replicates);
    assert_eq!((a.low, a.high), (b.low, b.high));
    assert!(a.low.unwrap() < a.high.unwrap());
    assert_eq!(a.non_finite(), 0);
}

#[test]
fn bootstrap_can_be_cancelled() {
    let stop = AtomicBool::new(true);
    let opts = BootstrapOptions { replicates: 50, seed: 1, level: 0.95, progress: &stop };
    let err = bootstrap(&ukdat5(), &Method::Main, &opts).unwrap_err();
    assert_eq!(err, MseError::Cancelled);
}

#[test]
fn exhaustive_refuses_seven_lists() {
    let mut text = String::from("A,B,C,D,E,F,G,n\n");
    for i in 0..7 {
        let row: Vec<&str> = (0..7).map(|j| if i == j { "1" } else { "0" }).collect();
        text.push_str(&format!("{},5\n", row.join(",")));
    }
    text.push_str("1,1,0,0,0,0,0,1\n");
    let t = CaptureTable::read_csv(text.as_bytes()).unwrap();
    let err = select(&t, &Method::Bic).unwrap_err().to_string();
    assert!(err.contains("stepwise"), "{err}");
    // stepwise still works and says whether there is a finite estimate
    assert!(select(&t, &Method::Stepwise { threshold: 0.02 }).is_ok());
}

#[test]
fn stratified_bootstraps_bracket_the_total() {
    use zicht_stats::mse::Model;
    use zicht_stats::mse::stratified::{
        CovariateModel, bootstrap_by_stratum, bootstrap_covariate_model, fit_covariate_model,
    };
    let t = StratifiedTable::read_csv(std::fs::File::open(fixture("strata_synthetic.csv")).unwrap(), "group").unwrap();
    let opts = BootstrapOptions { replicates: 100, seed: 5, level: 0.95, progress: &NoProgress };
    let m = Method::Stepwise { threshold: 0.02 };
    let total = by_stratum(&t, &m).unwrap().total.unwrap();
    let b = bootstrap_by_stratum(&t, &m, &opts).unwrap();
    assert!(b.low.unwrap() < total && total < b.high.unwrap(), "{b:?}");
    let lists = t.tables[0].lists().to_vec();
    let cm = CovariateModel { terms: Model::parse("[A:B]", &lists).unwrap(), lists_by_stratum: vec![0] };
    let total = fit_covariate_model(&t, &cm).unwrap().total.unwrap();
    let b = bootstrap_covariate_model(&t, &cm, &opts).unwrap();
    assert!(b.low.unwrap() < total && total < b.high.unwrap());
    assert_eq!(b.replicates.len(), 100);
}
