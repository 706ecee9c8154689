//! The register's files are private (mode 0600) whatever the umask: the SQLite database, its
//! write-ahead log and its shared-memory index. (PostgreSQL's files are the server's.) The test runs
//! itself again in a child process under `umask 000`, because the umask belongs to the whole process.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::NaiveDate;
use zicht_store::import::{ImportOptions, Kind, OnError};
use zicht_store::{NoProgress, Store};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

const CHILD: &str = "ZICHT_TEST_UMASK_CHILD";

#[test]
fn database_wal_and_shm_are_0600_at_umask_000() {
    if std::env::var_os(CHILD).is_some() {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(in_child());
        return;
    }
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" --exact database_wal_and_shm_are_0600_at_umask_000 --nocapture")
        .arg(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .status()
        .unwrap();
    assert!(status.success(), "the test under umask 000 failed (its output is above)");
}

async fn in_child() {
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    std::fs::write(&probe, "").unwrap();
    assert_eq!(mode(&probe), 0o666, "sanity: the umask is 000 here");
    let db = dir.path().join("zicht.db");
    let store = Store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    let keys = common::keys(dir.path());
    store.init_keys(&keys).await.unwrap();
    let o = ImportOptions {
        kind: Kind::Reports,
        on_error: OnError::Abort,
        rejects: None,
        actor: "test".into(),
        purpose: "test".into(),
        today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        batch_size: 100,
        encoding: Default::default(),
    };
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports.csv");
    store.import(&keys, std::slice::from_ref(&examples), &o, &NoProgress).await.unwrap();
    // A rejected row's file holds a plain-text identity: 0600 too (issue 25, item 2).
    let text = std::fs::read_to_string(&examples).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let first: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    assert_eq!(first.len(), cols.len(), "the example's first row has no quoted comma");
    let mut bad = first.clone();
    let at = |name: &str| cols.iter().position(|c| *c == name).unwrap_or_else(|| panic!("column {name}"));
    bad[at("report_date")] = "2024-13-45".into();
    bad[at("external_id")] = "REJECT-ME-1".into();
    let input = dir.path().join("bad.csv");
    std::fs::write(&input, format!("{header}\n{}\n", bad.join(","))).unwrap();
    let rejects = dir.path().join("bad.rejects.csv");
    let r = ImportOptions { on_error: OnError::Reject, rejects: Some(rejects.clone()), ..o.clone() };
    store.import(&keys, &[input], &r, &NoProgress).await.unwrap();
    assert!(std::fs::read_to_string(&rejects).unwrap().contains("REJECT-ME-1"), "the row was rejected");
    assert_eq!(mode(&rejects), 0o600, "rejects file at umask 000");
    // While the store is open, all three files exist.
    for name in ["zicht.db", "zicht.db-wal", "zicht.db-shm", "zicht.key"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name} at umask 000");
    }
    store.db.pool.close().await;

    // A register left 0644 by an older version is tightened when opened.
    for name in ["zicht.db", "zicht.db-wal", "zicht.db-shm"] {
        let p = dir.path().join(name);
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let store = Store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    assert_eq!(store.counts().await.unwrap().reports, 7);
    for name in ["zicht.db", "zicht.db-wal", "zicht.db-shm"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name} after reopening");
    }
}
