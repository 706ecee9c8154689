//! Placeholder names (`-`, `?`, `N/A`, `onbekend`, a zero-width space, …) are unknown names: statistical
//! reports that carry one are counted, each as a person of its own, and never joined to another report,
//! on SQLite and on PostgreSQL; `zicht pseudonymise` gives them no pseudonym. (Before, twelve such
//! reports of different sexes and nationalities became one person.)

mod common;

use std::collections::HashMap;
use std::path::Path;

use assert_cmd::Command;

fn zicht(dir: &Path, db: &str) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env("ZICHT_DB", db).env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,guardian_consent,\
given_names,family_name,birth_date,sex,nationality,exploitation,municipality";

/// Placeholders as registers write them, each with a different sex and nationality or the same ones.
const PLACEHOLDERS: &[&str] =
    &["-", "?", ".", "N/A", "onbekend", "Onbekend", "unknown", "N.N.", "XXX", "\u{200b}", "\u{202e}\u{200f}", "n.v.t."];

fn crafted() -> String {
    let sexes = ["female", "male"];
    let nats = ["NL", "RO", "NG", "PL", "VN", "BG"];
    let mut rows = Vec::new();
    for (i, p) in PLACEHOLDERS.iter().enumerate() {
        rows.push(format!(
            "ZC-T,care_coordinator,P-{i},2019-0{}-01,statistical,public_task,not_obtainable,{p},{p},,{},{},sexual:prostitution,GM0363",
            1 + i % 9,
            sexes[i % 2],
            nats[i % 6]
        ));
    }
    // Three more with the same birth date, sex, nationality and municipality: still three people.
    for i in 0..3 {
        rows.push(format!(
            "ZC-T,care_coordinator,Q-{i},2019-05-0{},statistical,public_task,not_obtainable,onbekend,-,2004-06-17,female,NL,sexual:prostitution,GM0363",
            i + 1
        ));
    }
    // A real statistical report of a known person, which must still join her identified report.
    rows.push("POL-T,police,K-1,2019-06-01,identified,legal_obligation,,Fenna,Kuipers,2004-06-17,female,NL,sexual:prostitution,GM0088".into());
    rows.push("ZC-T,care_coordinator,K-2,2019-06-20,statistical,public_task,not_obtainable,Fenna,Kuipers,2004-06-17,female,NL,sexual:prostitution,GM0088".into());
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

fn persons(url: &str) -> HashMap<String, String> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(url).await.unwrap();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT external_id, person_id FROM reports WHERE reporter IN ('ZC-T', 'POL-T') ORDER BY external_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows.into_iter().collect()
    })
}

#[test]
fn reports_with_placeholder_names_are_never_one_person() {
    if std::env::var("ZICHT_REQUIRE_PG").is_ok_and(|v| v == "1") {
        assert!(std::env::var("ZICHT_TEST_PG_URL").is_ok(), "PostgreSQL tests are required");
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sqlite = format!("sqlite://{}", d.join("zicht.db").display());
    let mut dbs = vec![("sqlite", sqlite)];
    dbs.extend(common::postgres("zicht_ph").map(|u| ("postgres", u)));
    zicht(d, &dbs[0].1)
        .args(["simulate", "--out", "sim", "--from", "2016", "--to", "2019", "--scale", "0.1"])
        .assert()
        .success();
    std::fs::write(d.join("crafted.csv"), crafted()).unwrap();
    for (label, url) in &dbs {
        let key = format!("{label}.key");
        zicht(d, url).args(["init", "--key-file", &key]).assert().success();
        for (kind, file) in [("reports", "sim/reports.csv"), ("events", "sim/events.csv"), ("reports", "crafted.csv")] {
            let out = zicht(d, url).args(["import", kind, file, "--key-file", &key]).output().unwrap();
            assert!(out.status.success(), "{label}: {file}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let out = zicht(d, url).args(["link", "--key-file", &key]).output().unwrap();
        assert!(out.status.success(), "{label}: {}", String::from_utf8_lossy(&out.stderr));
        let person = persons(url);
        assert_eq!(person.len(), PLACEHOLDERS.len() + 3 + 2, "{label}: every report is counted: {person:?}");
        let unnamed: Vec<&String> =
            person.iter().filter(|(id, _)| id.starts_with("P-") || id.starts_with("Q-")).map(|(_, p)| p).collect();
        let distinct: std::collections::HashSet<&&String> = unnamed.iter().collect();
        assert_eq!(distinct.len(), unnamed.len(), "{label}: reports of unknown persons were joined: {person:?}");
        let others: std::collections::HashSet<&String> =
            person.iter().filter(|(id, _)| !id.starts_with(['P', 'Q'])).map(|(_, p)| p).collect();
        assert!(unnamed.iter().all(|p| !others.contains(p)), "{label}: {person:?}");
        assert_eq!(person["K-1"], person["K-2"], "{label}: a named statistical report still joins: {person:?}");
    }
}

#[test]
fn pseudonymise_gives_placeholders_no_pseudonym_and_never_echoes_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("zicht.db").display());
    zicht(d, &db).arg("init").assert().success();
    let out = zicht(d, &db).args(["key", "reporter", "--out", "reporter.key"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = "given_names,family_name,birth_date,sex\nonbekend,-,2004-06-17,female\nFenna,Kuipers,2004-06-17,female\n\u{200b},N/A,,male\n";
    std::fs::write(d.join("in.csv"), rows).unwrap();
    let out = zicht(d, &db)
        .args(["pseudonymise", "in.csv", "--out", "out.csv", "--key-file", "reporter.key"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 of them have no known name"), "{stderr}");
    let mut r = csv::Reader::from_path(d.join("out.csv")).unwrap();
    let at = r.headers().unwrap().iter().position(|h| h == "pseudonym").unwrap();
    let pseudonyms: Vec<String> = r.records().map(|rec| rec.unwrap()[at].to_string()).collect();
    assert_eq!(pseudonyms[0], "", "a placeholder name got a pseudonym");
    assert_eq!(pseudonyms[1].len(), 64);
    assert_eq!(pseudonyms[2], "");
    // A birth date in the wrong form: the message names line and column, not the date.
    std::fs::write(d.join("bad.csv"), "given_names,family_name,birth_date\nFenna,Kuipers,17-06-2004\n").unwrap();
    let out = zicht(d, &db)
        .args(["pseudonymise", "bad.csv", "--out", "o2.csv", "--key-file", "reporter.key"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad.csv:2: column birth_date") && stderr.contains("day-month-year"), "{stderr}");
    for secret in ["17-06-2004", "2004", "Fenna", "Kuipers"] {
        assert!(!stderr.contains(secret), "the message shows {secret:?}: {stderr}");
    }
}

/// `zicht pseudonymise` removes every direct identifier the register knows (issue 16): a citizen number,
/// document number or address in the input used to stay in the output, so the "pseudonymised" file
/// still identified the person and import refused its rows as statistical reports.
#[test]
fn pseudonymise_removes_every_direct_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("zicht.db").display());
    zicht(d, &db).arg("init").assert().success();
    zicht(d, &db).args(["key", "reporter", "--out", "reporter.key"]).assert().success();
    let header = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,guardian_consent,given_names,family_name,birth_date,citizen_number,document_number,address,sex,nationality,exploitation";
    let row = "ZC-T,care_coordinator,S-1,2020-03-04,statistical,public_task,not_obtainable,Fenna,Kuipers,2004-06-17,123456782,NXR4F5K21,Dorpsstraat 12,female,NL,sexual:prostitution";
    std::fs::write(d.join("in.csv"), format!("{header}\n{row}\n")).unwrap();
    let out = zicht(d, &db)
        .args(["pseudonymise", "in.csv", "--out", "out.csv", "--key-file", "reporter.key"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(d.join("out.csv")).unwrap();
    for secret in
        ["Fenna", "Kuipers", "2004-06-17", "123456782", "NXR4F5K21", "Dorpsstraat", "citizen_number", "address"]
    {
        assert!(!text.contains(secret), "the output keeps {secret:?}: {text}");
    }
    // The output is a statistical report the register accepts as it is.
    let out = zicht(d, &db).args(["import", "reports", "out.csv"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
