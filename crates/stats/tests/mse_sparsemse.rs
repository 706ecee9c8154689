//! Agreement with SparseMSE 2.0.1 (stepwise selection, model-conditional interval, existence and
//! identifiability checks) on the published tables. Reference numbers: `fixtures/mse/sparsemse.json`,
//! made by `scripts/reference/mse_sparsemse.R`.

use zicht_stats::mse::{CaptureTable, Method, Model, fit, select};

fn table(name: &str) -> CaptureTable {
    let path = format!("{}/tests/fixtures/mse/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    CaptureTable::read_csv(std::fs::File::open(path).unwrap()).unwrap()
}

#[test]
fn ukdat5_stepwise_matches_sparsemse() {
    let t = table("UKdat_5");
    let s = select(&t, &Method::Stepwise { threshold: 0.02 }).unwrap();
    let lists = t.lists().to_vec();
    eprintln!("{}", s.fit.model.describe(&lists));
    let want = Model::parse("[LA:NG, NG:GP, PFNCA:GP, LA:PFNCA, GO:GP, NG:GO]", &lists).unwrap();
    assert_eq!(s.fit.model.describe(&lists), want.describe(&lists));
    let est = s.fit.estimate.unwrap();
    assert!((est - 11312.99).abs() < 0.01, "{est}");
    let (lo, hi) = s.fit.lognormal_interval(0.95).unwrap();
    assert!((lo - 9884.403).abs() < 0.01 && (hi - 13027.397).abs() < 0.01, "{lo} {hi}");
}

#[test]
fn artificial3_verdicts_as_published() {
    let t = table("Artificial_3");
    let l = t.lists().to_vec();
    let all = fit(&t, &Model::parse("[A:B, A:C, B:C]", &l).unwrap()).unwrap();
    assert!(!all.identifiable);
    assert!(all.estimate.is_none());
    let ab = fit(&t, &Model::parse("[A:B]", &l).unwrap()).unwrap();
    assert!(!ab.mle_exists && ab.identifiable);
    assert!(ab.estimate.is_none() && ab.note.is_some());
    let ok = fit(&t, &Model::parse("[A:C, B:C]", &l).unwrap()).unwrap();
    assert!(ok.mle_exists && ok.identifiable && ok.estimate.is_some());
    assert_eq!(ok.empty_terms.len(), 2);
}
