//! Where zicht writes, through the binary: never onto an input or the register's own files, never through
//! a planted symlink, one rejects file per input, and CSV cells a spreadsheet would run as formulas
//! neutralised (and read back exactly) — issue 25, items 3 and 9.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn examples(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,given_names,family_name,birth_date,sex,exploitation\n";

/// A reports file: one good row (id `{id}-ok`) and one whose birth date is not a date (id `{id}-bad`).
fn good_and_bad(id: &str) -> String {
    format!(
        "{HEADER}POL-AMS,police,{id}-ok,2023-02-14,identified,legal_obligation,Ioana,Popescu,1998-05-03,female,sexual\n\
         POL-AMS,police,{id}-bad,2023-02-14,identified,legal_obligation,Mara,Ionescu,1999-13-45,female,sexual\n"
    )
}

fn count_reports(dir: &Path) -> i64 {
    let url = format!("sqlite://{}", dir.join("zicht.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM reports").fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    })
}

#[test]
fn a_rejects_path_that_is_an_input_or_the_register_is_refused_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, good_and_bad("r")).unwrap();
    for target in ["in.csv", "./in.csv", "zicht.db", "zicht.key"] {
        zicht(dir.path())
            .args(["import", "--on-error", "reject", "--rejects", target, "reports", "in.csv"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("rejects").and(predicate::str::contains("choose another output path")));
    }
    assert_eq!(std::fs::read_to_string(&input).unwrap(), good_and_bad("r"));
    assert_eq!(count_reports(dir.path()), 0, "a refused import commits nothing");
    zicht(dir.path()).args(["audit", "verify"]).assert().success();
}

#[test]
fn inputs_that_share_a_name_each_get_their_rejects_file() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    for (sub, id) in [("a", "a"), ("b", "b")] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("in.csv"), good_and_bad(id)).unwrap();
    }
    zicht(dir.path())
        .args(["import", "--on-error", "reject", "--rejects", "out", "reports", "a/in.csv", "b/in.csv"])
        .assert()
        .success();
    assert_eq!(count_reports(dir.path()), 2);
    let first = std::fs::read_to_string(dir.path().join("out/in.rejects.csv")).unwrap();
    let second = std::fs::read_to_string(dir.path().join("out/in.2.rejects.csv")).unwrap();
    assert!(first.contains("a-bad") && !first.contains("b-bad"), "{first}");
    assert!(second.contains("b-bad") && !second.contains("a-bad"), "{second}");
    // The same file twice, rejects beside it: two files as well, not one replacing the other.
    std::fs::write(dir.path().join("c.csv"), good_and_bad("c")).unwrap();
    zicht(dir.path()).args(["import", "--on-error", "reject", "reports", "c.csv", "./c.csv"]).assert().success();
    assert!(dir.path().join("c.rejects.csv").exists() && dir.path().join("c.2.rejects.csv").exists());
}

#[test]
fn a_rejects_file_neutralises_formulas_and_imports_back_exactly_as_given() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    let row = |birth: &str| {
        format!(
            "{HEADER}POL-AMS,police,f1,2023-02-14,identified,legal_obligation,\"=HYPERLINK(\"\"http://x.invalid\"\",\"\"open\"\")\",+31 6,{birth},female,sexual\n"
        )
    };
    std::fs::write(dir.path().join("in.csv"), row("1999-13-45")).unwrap();
    zicht(dir.path()).args(["import", "--on-error", "reject", "reports", "in.csv"]).assert().success();
    let rejects = std::fs::read_to_string(dir.path().join("in.rejects.csv")).unwrap();
    assert!(rejects.contains("\"'=HYPERLINK(") && rejects.contains(",'+31 6,"), "{rejects}");
    assert!(!rejects.contains(",=HYPERLINK") && !rejects.contains(",+31"), "{rejects}");
    // Corrected in the rejects file and imported from there, then the original row, corrected, under
    // the same id: the same row (unchanged), so the quotes were taken off exactly.
    std::fs::write(dir.path().join("in.rejects.csv"), rejects.replace("1999-13-45", "1999-12-15")).unwrap();
    zicht(dir.path())
        .args(["import", "--json", "reports", "in.rejects.csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"inserted\":1"));
    std::fs::write(dir.path().join("fixed.csv"), row("1999-12-15")).unwrap();
    zicht(dir.path())
        .args(["import", "--json", "reports", "fixed.csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"unchanged\":1"));
}

#[test]
fn match_refuses_to_write_over_its_inputs_and_its_other_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id,name\n1,Anna\n2,Anna\n=1+1,Bert\n";
    std::fs::write(dir.path().join("a.csv"), csv).unwrap();
    std::fs::write(dir.path().join("b.csv"), csv).unwrap();
    let base = ["match", "a.csv", "b.csv", "--id", "id", "--compare", "name:name"];
    zicht(dir.path())
        .args(base)
        .args(["--out", "b.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--out").and(predicate::str::contains("b.csv")));
    assert_eq!(std::fs::read_to_string(dir.path().join("b.csv")).unwrap(), csv);
    zicht(dir.path())
        .args(base)
        .args(["--out", "p.csv", "--review", "./p.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--review"));
    zicht(dir.path())
        .args(["match", "a.csv", "--id", "id", "--compare", "name:name", "--out", "p.csv", "--clusters", "c.csv"])
        .assert()
        .success();
    let clusters = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
    assert!(clusters.contains("\n'=1+1,") && !clusters.contains("\n=1+1"), "{clusters}");
}

#[cfg(unix)]
#[test]
fn link_review_replaces_a_planted_symlink_and_never_writes_the_register() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    zicht(dir.path()).arg("import").arg("reports").arg(examples("reports.csv")).assert().success();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("review.csv")).unwrap();
    zicht(dir.path()).args(["link", "--review", "review.csv"]).assert().success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    let meta = std::fs::symlink_metadata(dir.path().join("review.csv")).unwrap();
    assert!(meta.is_file(), "the link was replaced by the review file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let before = std::fs::read(dir.path().join("zicht.db")).unwrap();
    zicht(dir.path())
        .args(["link", "--review", "zicht.db"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--review"));
    assert_eq!(std::fs::read(dir.path().join("zicht.db")).unwrap(), before);
}

#[test]
fn pseudonymise_refuses_to_write_over_its_input() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    let body = "given_names,family_name,birth_date\nAnna,Bakker,2001-02-03\n";
    std::fs::write(dir.path().join("in.csv"), body).unwrap();
    zicht(dir.path()).args(["pseudonymise", "in.csv", "--out", "in.csv"]).assert().code(1);
    assert_eq!(std::fs::read_to_string(dir.path().join("in.csv")).unwrap(), body);
}

/// `zicht demo --out .` in a register's own folder used to replace its `zicht.db` and `zicht.key`: the
/// vault could never be read again. The demo now names its files `demo.db`/`demo.key`, marks the folder
/// as its own, and refuses a folder with a register it did not make, touching nothing.
#[test]
fn demo_refuses_a_folder_that_holds_a_register_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    let before =
        (std::fs::read(dir.path().join("zicht.db")).unwrap(), std::fs::read(dir.path().join("zicht.key")).unwrap());
    zicht(dir.path())
        .args(["demo", "--out", "."])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("never replaces a register"));
    let after =
        (std::fs::read(dir.path().join("zicht.db")).unwrap(), std::fs::read(dir.path().join("zicht.key")).unwrap());
    assert!(before == after, "the register was touched");
    assert!(!dir.path().join("data").exists() && !dir.path().join(".zicht-demo").exists());
    // Demo-named files without the demo's marker are not the demo's either.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("demo.key"), "someone's key").unwrap();
    zicht(other.path()).args(["demo", "--out", "."]).assert().code(1);
    assert_eq!(std::fs::read_to_string(other.path().join("demo.key")).unwrap(), "someone's key");
}

/// Commands that read a register refuse a missing one instead of creating it empty (issue 20, item 7):
/// a typo in --db must not give an empty monitor or import into a register nobody initialised.
#[test]
fn commands_that_read_a_register_refuse_a_missing_one_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("zicht.key");
    zicht(dir.path()).args(["init", "--db", "sqlite://other.db"]).assert().success();
    std::fs::remove_file(dir.path().join("other.db")).unwrap();
    assert!(key.exists());
    for args in [
        vec!["monitor", "--out", "m"],
        vec!["link"],
        vec!["audit", "verify"],
        vec!["import", "reports", "in.csv"],
        vec!["key", "migrate"],
    ] {
        zicht(dir.path())
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("no register at").and(predicate::str::contains("zicht init")));
        assert!(!dir.path().join("zicht.db").exists(), "{args:?} created a register");
    }
    // A register closed cleanly (no -wal, no -shm beside it) is a register.
    zicht(dir.path()).args(["init", "--db", "sqlite://other.db"]).assert().success();
    let url = format!("sqlite://{}", dir.path().join("other.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("PRAGMA journal_mode=DELETE").execute(&pool).await.unwrap();
        pool.close().await;
    });
    assert!(!dir.path().join("other.db-wal").exists());
    zicht(dir.path()).args(["audit", "verify", "--db", "sqlite://other.db"]).assert().success();
}

/// `--rejects bad.csv` with two inputs used to make a folder named `bad.csv`; it is refused, naming the
/// fix, and an import of a header-only file says so instead of "every row was already imported".
#[test]
fn a_rejects_file_name_for_several_inputs_is_refused_and_a_header_only_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    std::fs::write(dir.path().join("a.csv"), good_and_bad("a")).unwrap();
    std::fs::write(dir.path().join("b.csv"), good_and_bad("b")).unwrap();
    zicht(dir.path())
        .args(["import", "--on-error", "reject", "--rejects", "bad.csv", "reports", "a.csv", "b.csv"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("names a folder"));
    assert!(!dir.path().join("bad.csv").exists());
    assert_eq!(count_reports(dir.path()), 0);
    std::fs::write(dir.path().join("empty.csv"), HEADER).unwrap();
    zicht(dir.path())
        .args(["import", "reports", "empty.csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no rows: the file has its header and nothing else"));
}

/// `zicht link` on a register without reports is a clear bad-input error (exit 1), not an internal one.
#[test]
fn link_on_an_empty_register_says_so_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    zicht(dir.path()).arg("init").assert().success();
    zicht(dir.path()).arg("link").assert().code(1).stderr(predicate::str::contains("no reports to link"));
}
