//! `zicht survival`, `zicht cif`, `zicht cox`: the --json contract, R's numbers, bad input.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn zicht() -> Command {
    Command::cargo_bin("zicht").unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = zicht().args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn write(dir: &tempfile::TempDir, name: &str, body: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn survival_json_shape_and_values() {
    let lung = fixture("lung.csv");
    let v = json(&[
        "survival",
        lung.to_str().unwrap(),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "sex",
        "--at",
        "100,365",
        "--json",
    ]);
    assert_eq!(keys(&v), ["at", "groups", "logrank"]);
    let g = &v["groups"][0];
    assert_eq!(keys(g), ["events", "group", "median", "n", "table"]);
    assert_eq!(keys(&g["table"][0]), ["ci_high", "ci_low", "events", "n_risk", "se", "survival", "time"]);
    assert_eq!(keys(&v["at"][0]), ["ci_high", "ci_low", "group", "se", "survival", "time"]);
    assert_eq!(keys(&v["logrank"]), ["chi2", "df", "p"]);
    // R: survfit(Surv(time, status) ~ sex, lung): medians 270 and 426; survdiff chi2 10.3267
    assert_eq!(g["group"], "1");
    assert_eq!(g["median"], 270.0);
    assert_eq!(v["groups"][1]["median"], 426.0);
    assert!((v["logrank"]["chi2"].as_f64().unwrap() - 10.326741954885632).abs() < 1e-9);
    // first row of group 1 (R: t = 11, S = 0.97826086956521741, log-log CI 0.934_121_582_525_221_2)
    let r = &g["table"][0];
    assert_eq!(r["time"], 11.0);
    assert!((r["ci_low"].as_f64().unwrap() - 0.934_121_582_525_221_2).abs() < 1e-9);
    // without --group there is no test
    let v = json(&["survival", lung.to_str().unwrap(), "--time", "time", "--event", "status", "--json"]);
    assert!(v["logrank"].is_null());
    assert_eq!(v["groups"][0]["n"], 228);
}

#[test]
fn stratified_log_rank() {
    let vet = fixture("veteran.csv");
    let v = json(&[
        "survival",
        vet.to_str().unwrap(),
        "--time",
        "time",
        "--event",
        "status",
        "--group",
        "trt",
        "--strata",
        "celltype",
        "--json",
    ]);
    // R: survdiff(Surv(time, status) ~ trt + strata(celltype), veteran)
    let chi2 = v["logrank"]["chi2"].as_f64().unwrap();
    assert!((chi2 - 0.701_743_346_844_319_5).abs() / 0.701_743_346_844_319_5 < 1e-9, "{chi2}");
    assert_eq!(v["logrank"]["df"], 1);
}

#[test]
fn cif_json_shape_and_values() {
    let pbc = fixture("pbc.csv");
    let v = json(&[
        "cif",
        pbc.to_str().unwrap(),
        "--time",
        "time",
        "--cause",
        "status",
        "--group",
        "trt",
        "--at",
        "1000,3000",
        "--json",
    ]);
    assert_eq!(keys(&v), ["causes", "gray"]);
    assert_eq!(keys(&v["causes"][0]), ["at", "cause", "group"]);
    assert_eq!(keys(&v["causes"][0]["at"][0]), ["cif", "time", "variance"]);
    assert_eq!(keys(&v["gray"][0]), ["cause", "df", "p", "stat"]);
    // R cmprsk::cuminc(pbc$time, pbc$status, pbc$trt)$Tests
    assert!((v["gray"][0]["stat"].as_f64().unwrap() - 0.019_427_475_530_584_624).abs() < 1e-9);
    assert!((v["gray"][1]["stat"].as_f64().unwrap() - 0.066_593_735_360_748_97).abs() < 1e-9);
    assert_eq!(v["causes"].as_array().unwrap().len(), 4);
}

#[test]
fn cox_json_shape_and_values() {
    let rossi = fixture("rossi.csv");
    let v = json(&[
        "cox",
        rossi.to_str().unwrap(),
        "--time",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age,race,wexp,mar,paro,prio",
        "--json",
    ]);
    assert_eq!(keys(&v), ["coefficients", "concordance", "events", "loglik", "loglik_null", "lr_test", "n", "ties"]);
    assert_eq!(keys(&v["coefficients"][0]), ["coef", "exp_coef", "name", "p", "se", "z"]);
    assert_eq!(v["ties"], "efron");
    assert_eq!(v["n"], 432);
    assert_eq!(v["events"], 114);
    // R coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, Rossi)
    let fin = &v["coefficients"][0];
    assert_eq!(fin["name"], "fin");
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    assert!(rel(fin["coef"].as_f64().unwrap(), -0.37942217) < 1e-6);
    let b = json(&[
        "cox",
        rossi.to_str().unwrap(),
        "--time",
        "week",
        "--event",
        "arrest",
        "--covariates",
        "fin,age",
        "--ties",
        "breslow",
        "--json",
    ]);
    assert_eq!(b["ties"], "breslow");
}

#[test]
fn cox_counting_process_with_clusters_and_strata() {
    let heart = fixture("heart.csv");
    let v = json(&[
        "cox",
        heart.to_str().unwrap(),
        "--start",
        "start",
        "--time",
        "stop",
        "--event",
        "event",
        "--covariates",
        "age,year,surgery,transplant",
        "--cluster",
        "id",
        "--json",
    ]);
    // R: coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, heart, cluster = id)
    let rel = |a: &Value, b: f64| ((a.as_f64().unwrap() - b) / b).abs();
    assert_eq!(v["n"], 172);
    assert_eq!(v["events"], 75);
    let age = &v["coefficients"][0];
    assert!(rel(&age["coef"], 0.027_166_640_957_676_68) < 1e-6);
    assert!(rel(&age["se"], 0.013_891_892_924_080_86) < 1e-6, "robust se: {}", age["se"]);
    assert!(rel(&v["concordance"], 0.635_760_123_921_221_5) < 1e-9);
    let lung = fixture("lung.csv");
    // lung has a missing ph.ecog: refused with its line, not silently dropped
    zicht()
        .args([
            "cox",
            lung.to_str().unwrap(),
            "--time",
            "time",
            "--event",
            "status",
            "--covariates",
            "age,ph.ecog",
            "--strata",
            "sex",
        ])
        .assert()
        .code(1)
        .stderr(contains("field 'ph.ecog'"))
        .stderr(contains("missing"));
    let v = json(&[
        "cox",
        lung.to_str().unwrap(),
        "--time",
        "time",
        "--event",
        "status",
        "--covariates",
        "age",
        "--strata",
        "sex",
        "--ties",
        "breslow",
        "--json",
    ]);
    assert_eq!(v["ties"], "breslow");
    assert!(v["coefficients"][0]["coef"].as_f64().unwrap().is_finite());
}

#[test]
fn bad_input_is_exit_1_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let neg = write(&dir, "neg.csv", "time,event\n1,1\n-2,0\n");
    zicht()
        .args(["survival", &neg, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("line 3, field 'time'"))
        .stderr(contains("negative"));
    let miss = write(&dir, "miss.csv", "time,event\n1,1\nNA,0\n");
    zicht()
        .args(["survival", &miss, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("line 3"))
        .stderr(contains("missing"));
    let code = write(&dir, "code.csv", "time,event\n1,1\n2,2\n");
    zicht()
        .args(["survival", &code, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("'2' is not allowed"));
    zicht()
        .args(["cif", &code, "--time", "time", "--cause", "nope"])
        .assert()
        .code(1)
        .stderr(contains("no column 'nope'"));
    let cause = write(&dir, "cause.csv", "time,cause\n1,1\n2,-1\n");
    zicht()
        .args(["cif", &cause, "--time", "time", "--cause", "cause"])
        .assert()
        .code(1)
        .stderr(contains("line 3, field 'cause'"));
    let at = write(&dir, "at.csv", "time,event\n1,1\n2,0\n3,1\n");
    zicht()
        .args(["survival", &at, "--time", "time", "--event", "event", "--at", "4"])
        .assert()
        .code(1)
        .stderr(contains("beyond the last observed time 3"));
    zicht()
        .args(["cif", &at, "--time", "time", "--cause", "event", "--at", "9", "--json"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("beyond"));
    let cox = write(
        &dir,
        "cox.csv",
        "time,event,x,c,s\n1,1,1,5,0.3\n2,1,1,5,1.2\n3,0,0,5,0.1\n4,1,1,5,0.8\n5,0,0,5,1.5\n6,0,0,5,0.2\n",
    );
    zicht()
        .args(["cox", &cox, "--time", "time", "--event", "event", "--covariates", "c"])
        .assert()
        .code(1)
        .stderr(contains("c has no variance"));
    zicht()
        .args(["cox", &cox, "--time", "time", "--event", "event", "--covariates", "x", "--json"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("perfect separation"))
        .stderr(contains("x"));
    // a quoted note spanning two lines shifts the line numbers of later rows
    let multi = write(&dir, "multi.csv", "time,event,note\n1,1,\"a\nb\"\n2,0,c\n-3,1,d\n");
    zicht()
        .args(["survival", &multi, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("line 5, field 'time'"));
    let none = write(&dir, "none.csv", "time,event,x\n1,0,1\n2,0,2\n");
    zicht()
        .args(["survival", &none, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("no events"));
}

#[test]
fn group_without_events_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "g.csv", "time,event,g\n1,1,a\n2,1,a\n3,0,b\n4,0,b\n5,1,a\n");
    let out = zicht()
        .args(["survival", &f, "--time", "time", "--event", "event", "--group", "g", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("group 'b' has no events"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["groups"][1]["median"].is_null());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NaN"));
}

fn stdout(args: &[&str]) -> String {
    let out = zicht().args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The readers give identical output, byte for byte: a plain file (counted while reading for a
/// single curve, or parsed into columns by the fast path), and the same data that only the csv
/// crate may read (a quoted header).
#[test]
fn fast_and_csv_readers_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::new();
    let mut state = 7u64;
    for _ in 0..3000u64 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let t = (state % 20_000) as f64 / 1000.0;
        // R-style: trailing zeros dropped, so the decimals vary by row
        let time = format!("{t}");
        let event = !(state >> 20).is_multiple_of(3);
        let x = ((state >> 30) % 1000) as f64 / 100.0 - 5.0;
        let g = if (state >> 40).is_multiple_of(2) { "a" } else { "b" };
        rows.push_str(&format!("{time},{},{x},{g}\n", u8::from(event)));
    }
    // counted while reading (one curve), parsed into columns, read by the csv crate
    let plain = write(&dir, "plain.csv", &format!("time,event,x,g\n{rows}"));
    let quoted = write(&dir, "quoted.csv", &format!("\"time\",event,x,g\n{rows}"));
    // a late time with more decimals than the first lines had: counting gives up, columns it is
    let late = format!("{rows}7.12345,1,0.5,a\n");
    let late_plain = write(&dir, "late.csv", &format!("time,event,x,g\n{late}"));
    let late_quoted = write(&dir, "late_quoted.csv", &format!("\"time\",event,x,g\n{late}"));
    let short: String = rows.lines().take(1000).map(|l| format!("{l}\r\n")).collect();
    let crlf = write(&dir, "crlf.csv", &format!("time,event,x,g\r\n{short}"));
    let crlf_quoted = write(&dir, "crlf_quoted.csv", &format!("\"time\",event,x,g\r\n{short}"));
    let plus = write(&dir, "plus.csv", &format!("time,event,x,g\n{}", rows.replacen(",1,", ",+1,", 1)));
    let km = |f: &str| stdout(&["survival", f, "--time", "time", "--event", "event", "--at", "1,5", "--json"]);
    let by_group = |f: &str| stdout(&["survival", f, "--time", "time", "--event", "event", "--group", "g", "--json"]);
    let cox = |f: &str| {
        stdout(&["cox", f, "--time", "time", "--event", "event", "--covariates", "x", "--strata", "g", "--json"])
    };
    assert_eq!(km(&plain), km(&quoted));
    assert_eq!(km(&plus), km(&quoted));
    assert_eq!(km(&late_plain), km(&late_quoted));
    assert_ne!(km(&late_plain), km(&plain));
    assert_eq!(km(&crlf), km(&crlf_quoted));
    assert_eq!(by_group(&plain), by_group(&quoted));
    assert_eq!(cox(&plain), cox(&quoted));
    assert_eq!(cox(&crlf), cox(&crlf_quoted));
    // and a bad code is reported with its line and text, whichever reader met it first
    let bad = write(&dir, "bad.csv", "time,event\n1.5,1\n2.5,1.0\n");
    zicht()
        .args(["survival", &bad, "--time", "time", "--event", "event"])
        .assert()
        .code(1)
        .stderr(contains("line 3, field 'event'"))
        .stderr(contains("'1.0' is not allowed"));
}
