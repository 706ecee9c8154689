//! `zicht simulate` end to end: files written, exit codes, JSON, determinism.

use assert_cmd::Command;
use predicates::prelude::*;

fn zicht() -> Command {
    Command::cargo_bin("zicht").expect("binary")
}

#[test]
fn writes_the_import_files_and_the_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sim");
    zicht()
        .args(["simulate", "--out"])
        .arg(&out)
        .args(["--from", "2016", "--to", "2019", "--decoy-events", "1000", "--seed", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("reports"));
    for f in [
        "reports.csv",
        "events.csv",
        "signals.csv",
        "truth/report_persons.csv",
        "truth/event_persons.csv",
        "truth/population.csv",
        "truth/lists.csv",
        "truth/revictimisation.csv",
        "truth/registered.csv",
    ] {
        let meta = std::fs::metadata(out.join(f)).unwrap_or_else(|_| panic!("{f} missing"));
        assert!(meta.len() > 30, "{f} is empty");
    }
    let again = dir.path().join("again");
    zicht()
        .args(["simulate", "--out"])
        .arg(&again)
        .args(["--from", "2016", "--to", "2019", "--decoy-events", "1000", "--seed", "3"])
        .assert()
        .success();
    for f in ["reports.csv", "events.csv", "signals.csv", "truth/lists.csv"] {
        assert_eq!(std::fs::read(out.join(f)).expect("read"), std::fs::read(again.join(f)).expect("read"), "{f}");
    }
}

#[test]
fn json_summary_is_one_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let assert = zicht()
        .args([
            "simulate",
            "--json",
            "--statistical-minors",
            "--from",
            "2018",
            "--to",
            "2020",
            "--decoy-events",
            "0",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("utf-8");
    let doc: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON document");
    assert_eq!(doc["decoy_events"], 0);
    assert!(doc["reports_statistical"].as_u64().expect("count") > 0);
    assert_eq!(doc["registered"].as_array().expect("array").len(), 3);
}

#[test]
fn bad_arguments_exit_with_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    zicht()
        .args(["simulate", "--from", "2020", "--to", "2019", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("from"));
    zicht()
        .args(["simulate", "--scale", "0", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("scale"));
    zicht()
        .args(["simulate", "--to", "2999", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("completed year"));
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    zicht()
        .args(["simulate", "--from", "2020", "--to", "2020", "--decoy-events", "0", "--out"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn help_has_an_example() {
    zicht().args(["simulate", "--help"]).assert().success().stdout(predicate::str::contains("Example"));
}
