//! `zicht audit verify` tells a cut tail (issue 25, item 6): import and link keep the log's head beside
//! the key file; deleting the last entry or all of them from a copy of the database is an error (exit
//! 1), also against a head given with --expect-head.

use std::path::Path;

use assert_cmd::Command;

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

fn verify(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = zicht(dir).args(["audit", "verify", "--json"]).args(extra).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn sql(dir: &Path, statements: &[&str]) {
    let url = format!("sqlite://{}", dir.join("zicht.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string())).execute(&pool).await.unwrap();
        }
        pool.close().await;
    })
}

#[test]
fn a_cut_tail_fails_verify_against_the_head_file_and_an_expected_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    zicht(d).arg("init").assert().success();
    zicht(d).args(["import", "reports"]).arg(examples.join("reports.csv")).assert().success();
    zicht(d).args(["import", "events"]).arg(examples.join("events.csv")).assert().success();
    zicht(d).arg("link").assert().success();
    let (code, v, stderr) = verify(d, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(v["ok"].as_bool().unwrap() && v["beyond_head"] == 0, "{v}");
    assert!(v["expected_from"].as_str().unwrap().ends_with("zicht.key.audit-head"), "{v}");
    let head = v["head"].as_str().unwrap().to_string();
    let entries = v["entries"].as_u64().unwrap();
    assert!(entries >= 3, "two imports and a link run: {v}");

    // The last entry (the link run's), cut from the database.
    sql(d, &["DROP TRIGGER audit_log_no_delete", &format!("DELETE FROM audit_log WHERE seq = {entries}")]);
    let (code, v, stderr) = verify(d, &[]);
    assert_eq!(code, Some(1), "{v}");
    assert!(stderr.contains("audit log cut") && stderr.contains("removed"), "{stderr}");
    assert!(v["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("linkage run")), "{v}");
    // The same against the head given by hand, with the head file gone.
    std::fs::remove_file(d.join("zicht.key.audit-head")).unwrap();
    let (code, _, stderr) = verify(d, &["--expect-head", &head]);
    assert_eq!(code, Some(1), "{stderr}");
    // All of them: the imports and the link run have no entries left.
    sql(d, &["DELETE FROM audit_log"]);
    let (code, v, _) = verify(d, &[]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["problems"].as_array().unwrap().len(), 2, "{v}");
    let (code, _, stderr) = verify(d, &["--expect-head", "not-a-head"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("--expect-head"), "{stderr}");
}
