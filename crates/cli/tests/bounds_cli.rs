//! Bounds on what an operator or a file can make zicht do (issue 25, item 8): an endless input, a
//! monitor period of two billion years, a bootstrap of a hundred million replicates, a report dated
//! 0001-01-01 — each a clear error (exit 1) naming the limit, quickly and in little memory.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

fn examples(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

#[cfg(unix)]
#[test]
fn an_endless_input_stops_at_the_record_limit() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    zicht(dir.path())
        .args(["import", "reports", "/dev/zero"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/dev/zero").and(predicate::str::contains("1 MiB")));
    zicht(dir.path())
        .args(["match", "/dev/zero", "--id", "id", "--compare", "name:name", "--block", "name", "--out", "p.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/dev/zero").and(predicate::str::contains("the limit for one field")));
}

#[test]
fn the_monitor_period_lies_within_the_data_and_the_bootstrap_has_a_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    zicht(d).arg("init").assert().success();
    zicht(d).args(["import", "reports"]).arg(examples("reports.csv")).assert().success();
    zicht(d)
        .args(["monitor", "--out", "m", "--to", "2147483647"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("reaches outside the register's reports"));
    zicht(d)
        .args(["mse", "--bootstrap", "100000000"])
        .arg(examples("lists.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("at most 100000 replicates"));
}

#[test]
fn a_report_dated_in_year_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    zicht(d).arg("init").assert().success();
    let text = std::fs::read_to_string(examples("reports.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let at = header.split(',').position(|c| c == "report_date").unwrap();
    let mut row: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    row[at] = "0001-01-01".into();
    std::fs::write(d.join("old.csv"), format!("{header}\n{}\n", row.join(","))).unwrap();
    zicht(d)
        .args(["import", "reports", "old.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("old.csv:2: column report_date").and(predicate::str::contains("1990-01-01")));
}

/// A PostgreSQL server that refuses the connection is said to at once, with the cause (issue 20, item
/// 7): it used to wait the pool's 30 s and then print "pool timed out".
#[test]
fn a_refused_postgres_connection_fails_fast_with_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    // The pool's 30 s wait ends in the command being killed at 20 s, which fails the test.
    zicht(dir.path())
        .args(["audit", "verify", "--db", "postgres://zicht@127.0.0.1:1/none"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot connect").and(predicate::str::contains("refused")));
}
