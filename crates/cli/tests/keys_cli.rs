//! `zicht key reporter`, `zicht key migrate`, key checks and file modes, through the binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn examples(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).display().to_string()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/tests/fixtures/single-layer").join(name)
}

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn chmod600(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
}

const MINOR: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,guardian_consent,given_names,family_name,birth_date,sex,exploitation\n\
     JZ,youth_care,j1,2023-05-01,statistical,public_task,not_obtainable,Sanne,de Vries,2006-11-20,female,sexual\n";

/// (external id, person id) of every report, in id order.
fn persons(db: &Path) -> Vec<(String, Option<String>)> {
    let url = format!("sqlite://{}", db.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let rows =
            sqlx::query_as("SELECT external_id, person_id FROM reports ORDER BY id").fetch_all(&pool).await.unwrap();
        pool.close().await;
        rows
    })
}

#[cfg(unix)]
#[test]
fn the_reporters_key_file_pseudonymises_and_its_reports_link_to_their_person() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    zicht(dir.path()).args(["key", "reporter", "--out", "jz.key"]).assert().success();
    let text = std::fs::read_to_string(dir.path().join("jz.key")).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("pseudonym_key = "), "{text}");
    assert_eq!(mode(&dir.path().join("jz.key")), 0o600);
    zicht(dir.path())
        .args(["key", "reporter", "--out", "jz.key"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("jz.key").and(predicate::str::contains("exists")));
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("planted.key")).unwrap();
    zicht(dir.path())
        .args(["key", "reporter", "--out", "planted.key"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("symbolic link"));
    assert!(!dir.path().join("elsewhere").exists());

    // The organisation, offline, with only its file (no vault key, no register key).
    let org = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("jz.key"), org.path().join("jz.key")).unwrap();
    chmod600(&org.path().join("jz.key"));
    std::fs::write(org.path().join("minors.csv"), MINOR).unwrap();
    zicht(org.path())
        .args(["pseudonymise", "minors.csv", "--out", "out.csv", "--key-file", "jz.key"])
        .assert()
        .success();
    std::fs::copy(org.path().join("out.csv"), dir.path().join("out.csv")).unwrap();
    // Its key file is no register key file: import with it is refused, exit 1.
    zicht(dir.path()).args(["import", "reports", "out.csv", "--key-file", "jz.key"]).assert().code(1);

    zicht(dir.path()).args(["import", "reports", "out.csv"]).assert().success();
    zicht(dir.path()).args(["import", "reports", &examples("reports.csv")]).assert().success();
    zicht(dir.path()).args(["link", "--json"]).assert().success();
    let p = persons(&dir.path().join("zicht.db"));
    let of = |id: &str| p.iter().find(|(e, _)| e == id).unwrap().1.clone();
    assert!(of("j1").is_some());
    assert_eq!(of("j1"), of("2023-0002"), "the pseudonymised statistical report joins the identified girl");
}

#[test]
fn a_foreign_pseudonym_key_is_refused_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    zicht(dir.path()).args(["import", "reports", &examples("reports.csv")]).assert().success();
    let text = std::fs::read_to_string(dir.path().join("zicht.key")).unwrap();
    let foreign: String = text
        .lines()
        .map(|l| {
            if l.starts_with("pseudonym_key") {
                format!("pseudonym_key = {}\n", "12".repeat(32))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.path().join("foreign.key"), foreign).unwrap();
    #[cfg(unix)]
    chmod600(&dir.path().join("foreign.key"));
    std::fs::write(dir.path().join("minors.csv"), MINOR).unwrap();
    for args in [&["import", "reports", "minors.csv"][..], &["link"]] {
        zicht(dir.path())
            .args(args)
            .args(["--key-file", "foreign.key"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("pseudonym_key").and(predicate::str::contains("foreign.key")));
    }
}

#[test]
fn a_register_of_the_previous_version_is_refused_until_migrated_and_then_links_as_before() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("zicht.db"), dir.path().join("zicht.db")).unwrap();
    std::fs::copy(fixture("zicht.key"), dir.path().join("zicht.key")).unwrap();
    #[cfg(unix)]
    chmod600(&dir.path().join("zicht.key"));
    let linked_before = persons(&dir.path().join("zicht.db"));
    zicht(dir.path()).arg("init").assert().success().stderr(predicate::str::contains("run `zicht key migrate`"));
    assert!(linked_before.iter().all(|(_, p)| p.is_some()));
    for args in [&["import", "reports", &examples("reports.csv")][..], &["link"]] {
        zicht(dir.path()).args(args).assert().code(1).stderr(predicate::str::contains("run `zicht key migrate`"));
    }
    let out = zicht(dir.path()).args(["key", "migrate", "--json", "--purpose", "issue 25"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["from_scheme"].as_i64(), v["reports"].as_u64(), v["register_key_added"].as_bool()),
        (Some(1), Some(9), Some(true)),
        "{v}"
    );
    assert!(std::fs::read_to_string(dir.path().join("zicht.key")).unwrap().contains("register_key = "));
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("zicht.key")), 0o600);
    zicht(dir.path()).args(["key", "migrate"]).assert().success().stderr(predicate::str::contains("nothing to do"));
    zicht(dir.path())
        .args(["import", "reports", &examples("reports.csv")])
        .assert()
        .success()
        .stderr(predicate::str::contains("nothing new"));
    zicht(dir.path()).args(["link", "--json"]).assert().success();
    assert_eq!(persons(&dir.path().join("zicht.db")), linked_before, "the same persons, the same ids");
    let out = zicht(dir.path()).args(["audit", "verify", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
}

#[cfg(unix)]
#[test]
fn at_umask_000_the_database_and_key_file_are_0600() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("zicht");
    let status = std::process::Command::new("sh")
        .current_dir(dir.path())
        .env_remove("ZICHT_DB")
        .env_remove("ZICHT_KEY_FILE")
        .env("ZICHT_ACTOR", "test")
        .arg("-c")
        .arg("umask 000 && touch probe && \"$0\" init && \"$0\" import reports \"$1\"")
        .arg(&bin)
        .arg(examples("reports.csv"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&dir.path().join("probe")), 0o666, "sanity: umask 000");
    for name in ["zicht.db", "zicht.key"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    for name in ["zicht.db-wal", "zicht.db-shm"] {
        let p = dir.path().join(name);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{name}");
        }
    }
}
