//! SIGTERM (what systemd, docker and Kubernetes send) stops an import as cleanly as Ctrl-C: nothing
//! committed, and no half-written rejects file with plain-text identities left on disk.

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

/// The binary, run in `dir` with no register from the environment.
fn zicht(dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("zicht"));
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

#[test]
fn sigterm_mid_import_leaves_no_partial_rejects_file_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| zicht(dir.path()).args(args).output().unwrap();
    assert!(run(&["init"]).status.success());
    // A large file, with a bad row first so the rejects file is opened at once.
    common::big_reports_file(&dir.path().join("big.csv"), "BIG", 150_000, true);
    let child = zicht(dir.path())
        .args(["import", "reports", "big.csv", "--on-error", "reject", "--rejects", "rej.csv"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the rejects file is being written, then send SIGTERM. It is an unnamed temporary file
    // (O_TMPFILE) or a hidden temporary name in the rejects folder, so look at the child's open files.
    let start = Instant::now();
    while !rejects_open(child.id(), dir.path()) && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(rejects_open(child.id(), dir.path()), "the import never opened its rejects file");
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the import finished before the signal; make the file larger: {stderr}");
    assert!(stderr.contains("interrupted"), "SIGTERM was not handled as a cancel: {stderr}");
    assert!(!dir.path().join("rej.csv").exists(), "a rejects file of a cancelled import");
    // Nothing was committed: an import writes its audit entry in the same transaction as its rows.
    let audit = run(&["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(v["entries"], 0, "the cancelled import committed: {v}");
    // Nothing but the register and the input: no temporary rejects file, named or hidden.
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| !n.starts_with("zicht.db") && n != "zicht.key" && n != "big.csv")
        .collect();
    left.sort();
    assert!(left.is_empty(), "left on disk after SIGTERM: {left:?}");
}

/// Whether process `pid` has a file open in `dir` other than the register and the input: the rejects
/// file being written (`/proc/PID/fd` shows an O_TMPFILE as `DIR/#INODE (deleted)`).
fn rejects_open(pid: u32, dir: &Path) -> bool {
    let dir = dir.canonicalize().unwrap();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.filter_map(|e| e.ok().and_then(|e| std::fs::read_link(e.path()).ok())).any(|target| {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        target.parent() == Some(dir.as_path())
            && !name.starts_with("zicht.db")
            && name != "zicht.key"
            && name != "big.csv"
    })
}

/// SIGTERM during `zicht monitor` stops it between steps: no output in DIR, no staging folder left, no
/// publication recorded.
#[test]
fn sigterm_mid_monitor_writes_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = zicht(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    run(&["simulate", "--out", "sim", "--from", "2016", "--to", "2019", "--scale", "0.15"]);
    run(&["init"]);
    run(&["import", "reports", "sim/reports.csv"]);
    run(&["import", "events", "sim/events.csv"]);
    run(&["link"]);
    let entries_before = audit_entries(dir.path());
    let child = zicht(dir.path())
        .args(["monitor", "--out", "out", "--publish"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the monitor finished before the signal: {stderr}");
    assert!(stderr.contains("interrupted"), "SIGTERM was not handled: {stderr}");
    let left: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in the output folder: {left:?}");
    assert_eq!(audit_entries(dir.path()), entries_before, "a publication was recorded");
}

fn audit_entries(dir: &Path) -> u64 {
    let out = zicht(dir).args(["audit", "verify", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["entries"].as_u64().unwrap()
}
