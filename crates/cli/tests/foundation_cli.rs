//! The foundation commands through the binary: exit codes, messages, `--json` on stdout only.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

#[test]
fn init_import_and_verify_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path())
        .args(["init", "--json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"key_file_created\":true"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("zicht.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    zicht(dir.path()).arg("init").assert().success().stderr(predicate::str::contains("already initialised"));
    for kind in ["reports", "events", "signals"] {
        let out = zicht(dir.path())
            .args(["import", kind, examples().join(format!("{kind}.csv")).to_str().unwrap(), "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
        assert!(v["files"][0]["inserted"].as_u64().unwrap() >= 3, "{v}");
    }
    zicht(dir.path())
        .args(["import", "reports", examples().join("reports.csv").to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing new"));
    let out = zicht(dir.path()).args(["audit", "verify", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 3);
}

#[test]
fn bad_input_exits_1_and_names_file_line_column_rule() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    let src = std::fs::read_to_string(examples().join("reports.csv")).unwrap();
    let bad = src.replacen("2023-03-01", "2023-02-31", 1);
    std::fs::write(dir.path().join("bad.csv"), bad).unwrap();
    zicht(dir.path()).args(["import", "reports", "bad.csv"]).assert().code(1).stdout("").stderr(
        predicate::str::contains("bad.csv:3: column report_date").and(predicate::str::contains("nothing was imported")),
    );
    // Reject mode: the rest commits, the bad row is kept with its reason.
    zicht(dir.path())
        .args(["import", "reports", "bad.csv", "--on-error", "reject", "--rejects", "r.csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("6 inserted").and(predicate::str::contains("1 rejected")));
    let rejects = std::fs::read_to_string(dir.path().join("r.csv")).unwrap();
    assert!(rejects.contains("2023-02-31") && rejects.contains("report_date:"), "{rejects}");
    // A key that is not the database's.
    std::fs::rename(dir.path().join("zicht.key"), dir.path().join("old.key")).unwrap();
    zicht(dir.path()).args(["init", "--db", "sqlite://other.db"]).assert().success();
    zicht(dir.path())
        .args(["import", "reports", "bad.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not belong to this database"));
    // A missing file, an unknown kind.
    zicht(dir.path()).args(["--key-file", "old.key"]).assert().code(1);
    zicht(dir.path()).args(["import", "persons", "x.csv"]).assert().code(1);
    zicht(dir.path())
        .args(["import", "reports", "nope.csv", "--key-file", "old.key"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.csv"));
}

#[test]
fn pseudonymised_statistical_reports_meet_their_identified_reports() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    std::fs::write(
        dir.path().join("minors.csv"),
        "reporter,reporter_type,external_id,report_date,identification,lawful_basis,guardian_consent,given_names,family_name,birth_date,sex,exploitation\n\
         JZ,youth_care,j1,2023-05-01,statistical,public_task,not_obtainable,Sanne,de Vries,2006-11-20,female,sexual\n",
    )
    .unwrap();
    zicht(dir.path()).args(["pseudonymise", "minors.csv", "--out", "out.csv"]).assert().success();
    let out = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(!out.contains("Sanne") && !out.contains("Vries") && !out.contains("2006-11-20"), "{out}");
    assert!(out.contains(",2006,") && out.lines().next().unwrap().ends_with("pseudonym"), "{out}");
    zicht(dir.path()).args(["import", "reports", "out.csv"]).assert().success();
    zicht(dir.path()).args(["import", "reports", examples().join("reports.csv").to_str().unwrap()]).assert().success();
    // The example's identified report of the same girl has the same pseudonym.
    let db = std::fs::read(dir.path().join("zicht.db")).unwrap();
    assert!(!db.windows(5).any(|w| w == b"Sanne"));
    let url = format!("sqlite://{}", dir.path().join("zicht.db").display());
    let same: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM reports a JOIN reports b ON a.pseudonym = b.pseudonym \
             WHERE a.external_id = 'j1' AND b.external_id = '2023-0002' AND a.identification = 'statistical' \
             AND b.identification = 'identified'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    });
    assert_eq!(same, 1);
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [&["init"][..], &["import"], &["pseudonymise"], &["key", "reporter"], &["key", "migrate"]] {
        Command::cargo_bin("zicht")
            .unwrap()
            .args(cmd)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
}
