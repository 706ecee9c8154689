//! The server's first admin and organisations from the command line, and `zicht serve` taking a
//! submission and stopping cleanly on SIGTERM, through the binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir)
        .env_remove("ZICHT_DB")
        .env_remove("ZICHT_KEY_FILE")
        .env_remove("ZICHT_PASSWORD")
        .env("ZICHT_ACTOR", "test");
    c
}

#[test]
fn accounts_are_made_from_the_command_line_and_never_show_a_secret() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    zicht(dir).arg("init").assert().success();
    zicht(dir).args(["org", "add", "NIDOS", "--type", "guardianship"]).assert().success();
    zicht(dir)
        .args(["org", "add", "NIDOS", "--type", "police"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already registered as guardianship"));
    zicht(dir).args(["org", "list"]).assert().success().stdout("NIDOS\tguardianship\n");

    // The password never on the command line: from the environment or a file.
    zicht(dir)
        .args(["user", "add", "admin", "--role", "admin"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ZICHT_PASSWORD"));
    zicht(dir)
        .args(["user", "add", "admin", "--role", "admin"])
        .env("ZICHT_PASSWORD", "correct horse battery")
        .assert()
        .success();
    std::fs::write(dir.join("pw.txt"), "another long secret\n").unwrap();
    zicht(dir)
        .args(["user", "add", "jan", "--role", "reporter", "--org", "NIDOS", "--password-file", "pw.txt"])
        .assert()
        .success();
    zicht(dir)
        .args(["user", "add", "kim", "--role", "reporter", "--password-file", "pw.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--org"));
    zicht(dir).args(["user", "disable", "jan"]).assert().success();
    let listed = zicht(dir).args(["user", "list", "--json"]).output().unwrap();
    let text = String::from_utf8(listed.stdout).unwrap();
    let users: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2, "{text}");
    assert_eq!(users[1]["disabled"], true, "{text}");
    assert!(!text.contains("argon2") && !text.contains("secret"), "no hash or password listed: {text}");

    // A token is printed once, on stdout; the list never shows it.
    let out = zicht(dir).args(["token", "add", "--org", "NIDOS"]).output().unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("zt_") && token.len() == 67, "{token}");
    let list = zicht(dir).args(["token", "list"]).output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(list.contains("NIDOS") && !list.contains(&token[3..]), "{list}");
    zicht(dir)
        .args(["token", "add", "--org", "NOPE"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("zicht org add"));
}

#[test]
fn zicht_serve_takes_a_submission_and_stops_cleanly_on_sigterm() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    zicht(dir).arg("init").assert().success();
    zicht(dir).args(["org", "add", "SHELTER-1", "--type", "shelter"]).assert().success();
    let out = zicht(dir).args(["token", "add", "--org", "SHELTER-1"]).output().unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();

    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("zicht"))
        .current_dir(dir)
        .env_remove("ZICHT_DB")
        .env_remove("ZICHT_KEY_FILE")
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_string();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = serde_json::json!([{"external_id": "S-1", "report_date": "2024-02-01", "identification": "statistical",
        "lawful_basis": "public_task", "sex": "female", "nationality": "NL", "exploitation": "sexual"}]);
    let answer: serde_json::Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/reports"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(answer["inserted"], 1, "{answer}");

    std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "SIGTERM stops the server cleanly: {status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("stopping"), "{rest}");
}
