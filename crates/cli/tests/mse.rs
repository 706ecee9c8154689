//! `zicht mse` end to end: the JSON contract, the published UK figures, bad input.

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> String {
    format!("{}/../stats/tests/fixtures/mse/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn zicht() -> Command {
    Command::cargo_bin("zicht").unwrap()
}

fn json_of(args: &[&str]) -> Value {
    let out = zicht().args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn stepwise_on_ukdat5_follows_the_contract() {
    let v = json_of(&["mse", &fixture("UKdat_5.csv"), "--json"]);
    assert_eq!(v["observed"], 2744);
    assert_eq!(v["lists"], serde_json::json!(["LA", "NG", "PFNCA", "GO", "GP"]));
    assert_eq!(v["method"], "stepwise");
    assert_eq!(v["model"], "[LA:NG, NG:GP, PFNCA:GP, LA:PFNCA, GO:GP, NG:GO]");
    assert!((v["estimate"].as_f64().unwrap() - 11312.99).abs() < 0.01);
    assert!((v["unobserved"].as_f64().unwrap() - (11312.99 - 2744.0)).abs() < 0.01);
    assert_eq!(v["ci"]["type"], "profile");
    assert_eq!(v["ci"]["level"], 0.95);
    assert!((v["ci"]["low"].as_f64().unwrap() - 9907.82).abs() < 0.01);
    assert!((v["ci"]["high"].as_f64().unwrap() - 13063.79).abs() < 0.01);
    assert!((v["ci_lognormal"]["low"].as_f64().unwrap() - 9884.40).abs() < 0.01);
    assert!((v["ci_lognormal"]["high"].as_f64().unwrap() - 13027.40).abs() < 0.01);
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.len(), 7, "main effects plus six steps");
    for key in ["terms", "estimate", "deviance", "df", "aic", "bic", "mle_exists", "identifiable"] {
        assert!(models[0].get(key).is_some(), "models[] lacks {key}");
    }
    assert_eq!(models[6]["terms"].as_array().unwrap().len(), 6);
}

#[test]
fn bootstrap_is_bca_and_reproducible() {
    let args = ["mse", &fixture("UKdat_5.csv"), "--bootstrap", "200", "--seed", "42", "--json"];
    let a = json_of(&args);
    let b = json_of(&args);
    assert_eq!(a["ci"]["type"], "bca");
    assert_eq!(a["ci"], b["ci"]);
    let (lo, hi) = (a["ci"]["low"].as_f64().unwrap(), a["ci"]["high"].as_f64().unwrap());
    assert!(lo < 11313.0 && 11313.0 < hi, "{lo} {hi}");
    let c = json_of(&["mse", &fixture("UKdat_5.csv"), "--bootstrap", "200", "--seed", "43", "--json"]);
    assert_ne!(a["ci"], c["ci"], "another seed, other replicates");
}

#[test]
fn exhaustive_and_main_methods() {
    let v = json_of(&["mse", &fixture("UKdat_5.csv"), "--method", "bic", "--json"]);
    assert_eq!(v["method"], "bic");
    let models = v["models"].as_array().unwrap();
    let bics: Vec<f64> = models.iter().map(|m| m["bic"].as_f64().unwrap()).collect();
    assert!(bics.windows(2).all(|w| w[0] <= w[1]), "best models first");
    let v = json_of(&["mse", &fixture("UKdat_5.csv"), "--method", "main", "--json"]);
    assert_eq!(v["model"], "[]");
    assert!((v["estimate"].as_f64().unwrap() - 13444.1312).abs() < 0.001);
    // Every two-list term, no selection: 10 terms for 5 lists.
    let v = json_of(&["mse", &fixture("UKdat_5.csv"), "--method", "two-way", "--json"]);
    assert_eq!(v["method"], "two-way");
    assert_eq!(v["model"].as_str().unwrap().matches(':').count(), 10, "{}", v["model"]);
}

#[test]
fn non_overlapping_lists_give_no_finite_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "t.csv", "A,B,C,n\n1,0,0,5\n0,1,0,7\n0,0,1,3\n");
    let v = json_of(&["mse", &p, "--json"]);
    assert!(v["estimate"].is_null());
    assert!(v["ci"].is_null());
    assert!(v["note"].as_str().unwrap().contains("never overlap"));
    let out = zicht().args(["mse", &p]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no finite estimate"));
    // all cases on one list
    let p = write(&dir, "one.csv", "A,B,n\n1,0,5\n1,1,7\n");
    let v = json_of(&["mse", &p, "--json"]);
    assert!(v["estimate"].is_null());
    assert!(v["note"].as_str().unwrap().contains("every case is on list `A`"));
}

#[test]
fn bad_input_exits_1_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("A,B,n\n1,0,5\n0,2,7\n", "line 3, field `B`"),
        ("A,B,n\n1,0,5\n1,0,7\n0,1,1\n", "listed twice"),
        ("A,B,n\n1,0,-5\n0,1,7\n", "line 2, field `n`: count -5 is negative"),
        ("A,n\n1,5\n", "at least two"),
        ("A,B,n\n1,0,5\n", "list `B` has no cases"),
        ("A,B,n\n1,0,x\n0,1,1\n", "not a non-negative whole number"),
        ("", "header"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let p = write(&dir, &format!("bad{i}.csv"), text);
        let out = zicht().args(["mse", &p, "--json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{text:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want) && err.contains(&p), "{text:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = zicht().args(["mse", "/nonexistent/t.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = zicht().args(["mse", &fixture("UKdat_5.csv"), "--threshold", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn help_has_an_example() {
    let out = zicht().args(["mse", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("zicht mse lists.csv"));
}

/// The same table saved by Excel with Dutch settings (`;`-separated) gives the same estimate (issue 20,
/// item 1).
#[test]
fn a_semicolon_separated_table_gives_the_same_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("UKdat_5.csv")).unwrap();
    let semi = write(&dir, "ukdat5-nl.csv", &text.replace(',', ";"));
    let v = json_of(&["mse", &semi, "--json"]);
    assert_eq!(v["observed"], 2744);
    assert!((v["estimate"].as_f64().unwrap() - 11312.99).abs() < 0.01, "{v}");
}
