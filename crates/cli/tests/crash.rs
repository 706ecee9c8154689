//! `kill -9` at any moment (issue 20, items 3 and 5): an import commits all its rows or none, on SQLite
//! and PostgreSQL, in abort and reject mode, and leaves no rejects file or part of one; a monitor run
//! leaves its output folder holding the complete previous release or the complete new one, never a mix,
//! and the next run clears what the killed one left.

#![cfg(target_os = "linux")]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The binary, run in `dir` against `db`.
fn zicht(dir: &Path, db: &str) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("zicht"));
    c.current_dir(dir).env("ZICHT_DB", db).env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

fn ok(dir: &Path, db: &str, args: &[&str]) -> std::process::Output {
    let out = zicht(dir, db).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn count(db: &str, sql: &str) -> i64 {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(db).await.unwrap();
        let n: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n.0
    })
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn kill_after(child: &mut std::process::Child, delay: Duration) -> bool {
    std::thread::sleep(delay);
    let killed = std::process::Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    killed.success() && !status.success()
}

#[test]
fn kill_9_mid_import_commits_all_or_nothing_and_leaves_no_rejects() {
    const ROWS: usize = 40_000;
    let dir = tempfile::tempdir().unwrap();
    // Each register in its own folder, with its own key file and audit head.
    let sqlite = dir.path().join("sqlite");
    let mut dbs = vec![(sqlite.clone(), format!("sqlite://{}", sqlite.join("zicht.db").display()))];
    dbs.extend(common::postgres("zicht_k9").map(|url| (dir.path().join("postgres"), url)));
    for (d, db) in &dbs {
        let d = d.as_path();
        std::fs::create_dir(d).unwrap();
        common::big_reports_file(&d.join("good.csv"), "G", ROWS, false);
        common::big_reports_file(&d.join("mixed.csv"), "M", ROWS, true);
        ok(d, db, &["init"]);
        let mut killed = 0;
        // Killed while reading, while writing batches, and (with the later delays) near or after the
        // commit; every outcome must be all the file's good rows or none of them.
        for (file, mode, good) in [("good.csv", "abort", ROWS), ("mixed.csv", "reject", ROWS - 1)] {
            for delay in [150, 600, 1500, 4000, 10_000] {
                let what = format!("{db} {mode}, killed at {delay} ms");
                let (reports, vault) =
                    (count(db, "SELECT COUNT(*) FROM reports"), count(db, "SELECT COUNT(*) FROM vault"));
                let mut child = zicht(d, db)
                    .args(["import", "reports", file, "--on-error", mode, "--rejects", "rej.csv"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                killed += usize::from(kill_after(&mut child, Duration::from_millis(delay)));
                let added = (count(db, "SELECT COUNT(*) FROM reports") - reports) as usize;
                let sealed = count(db, "SELECT COUNT(*) FROM vault") - vault;
                assert!(added == 0 || added == good, "{what}: {added} rows of {good} committed");
                assert_eq!(added == 0, sealed == 0, "{what}: {sealed} vault records for {added} reports");
                // No rejects file but a whole one after a commit, and nothing hidden beside it.
                let left: Vec<String> = names_in(d)
                    .into_iter()
                    .filter(|n| {
                        !n.starts_with("zicht.db")
                            && !n.starts_with("zicht.key")
                            && !["good.csv", "mixed.csv"].contains(&n.as_str())
                    })
                    .collect();
                match left.as_slice() {
                    [] => {}
                    [r] if r == "rej.csv" && added == good && mode == "reject" => {
                        let text = std::fs::read_to_string(d.join("rej.csv")).unwrap();
                        assert_eq!(text.lines().count(), 2, "{what}: not a whole rejects file");
                        std::fs::remove_file(d.join("rej.csv")).unwrap();
                    }
                    other => panic!("{what}: left on disk: {other:?}"),
                }
                let audit = zicht(d, db).args(["audit", "verify"]).output().unwrap();
                assert!(audit.status.success(), "{what}: the audit log: {}", String::from_utf8_lossy(&audit.stderr));
                if added == good {
                    break;
                }
            }
        }
        assert!(killed > 0, "{db}: no import was killed before it finished; make the files larger");
    }
}

/// The bytes of every file in `dir`, by name.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    names_in(dir).into_iter().map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap())).collect()
}

#[test]
fn kill_9_mid_monitor_leaves_the_previous_release_or_the_new_one_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("zicht.db").display());
    // Large enough for every cell to be protectable (a smaller register fails the monitor, issue 13).
    ok(d, &db, &["simulate", "--out", "sim", "--from", "2014", "--to", "2020", "--scale", "0.4"]);
    ok(d, &db, &["init"]);
    ok(d, &db, &["import", "reports", "sim/reports.csv"]);
    ok(d, &db, &["import", "events", "sim/events.csv"]);
    ok(d, &db, &["link"]);
    ok(d, &db, &["monitor", "--out", "out", "--lang", "en"]);
    let previous = contents(&d.join("out"));
    assert_eq!(previous.len(), 3);
    ok(d, &db, &["monitor", "--out", "new"]);
    let new = contents(&d.join("new"));
    assert_ne!(previous, new);
    let start = Instant::now();
    let mut killed_any = false;
    for delay in [100, 300, 600, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1700, 2000, 3000, 5000, 8000, 15_000] {
        // The previous release in place, then a run that writes the new one, killed.
        if contents(&d.join("out")) != previous {
            ok(d, &db, &["monitor", "--out", "out", "--lang", "en"]);
        }
        let mut child = zicht(d, &db)
            .args(["monitor", "--out", "out"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let killed = kill_after(&mut child, Duration::from_millis(delay));
        killed_any |= killed;
        let now = contents(&d.join("out"));
        assert!(now == previous || now == new, "after kill -9 at {delay} ms: a mix or a part: {:?}", now.keys());
        // What a killed run leaves (a hidden staging folder beside `out`) the next run clears, and says so.
        let beside: Vec<String> = names_in(d).into_iter().filter(|n| n.starts_with(".out.")).collect();
        if !beside.is_empty() {
            let out = ok(d, &db, &["monitor", "--out", "out", "--lang", "en"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("interrupted run"), "not said: {stderr}");
            assert!(names_in(d).iter().all(|n| !n.starts_with(".out.")), "{:?}", names_in(d));
        }
        if !killed {
            break;
        }
    }
    assert!(killed_any, "no monitor run was killed before it finished");
    assert!(start.elapsed() < Duration::from_secs(900));
}
