//! `zicht monitor` and `zicht check-disclosure` end to end on a small simulated register: the three
//! files, the checker on every written report, a crafted leak caught, the JSON snapshot on a fixed
//! seed, the public edition, and the HTML in headless Chromium.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;

fn zicht() -> Command {
    Command::cargo_bin("zicht").expect("binary")
}

/// A small simulated register (seed 5, 2015–2019, scale 0.3), imported once per test run.
fn fixture() -> &'static (PathBuf, String) {
    static F: OnceLock<(PathBuf, String)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("monitor-fixture-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("fixture dir");
        let sim = dir.join("sim");
        simulate_small(&sim, &["--decoy-events", "1000"]);
        let db = register(&sim, &dir.join("m.db"), &dir.join("m.key"));
        (dir, db)
    })
}

/// The small simulated register's files (seed 5, 2015–2019, scale 0.3) in `out`, with `extra` options.
fn simulate_small(out: &Path, extra: &[&str]) {
    zicht()
        .args(["simulate", "--out"])
        .arg(out)
        .args(["--seed", "5", "--from", "2015", "--to", "2019", "--scale", "0.3"])
        .args(extra)
        .assert()
        .success();
}

/// A register at `db_file` with key file `key`, holding the simulated files in `sim`; its URL.
fn register(sim: &Path, db_file: &Path, key: &Path) -> String {
    let db = format!("sqlite://{}", db_file.display());
    zicht().args(["init", "--db", &db, "--key-file"]).arg(key).assert().success();
    for kind in ["reports", "events", "signals"] {
        zicht()
            .args(["import", "--db", &db, "--key-file"])
            .arg(key)
            .arg(kind)
            .arg(sim.join(format!("{kind}.csv")))
            .assert()
            .success();
    }
    db
}

fn monitor(out: &Path, extra: &[&str]) -> serde_json::Value {
    let (dir, db) = fixture();
    let a = zicht()
        .args(["monitor", "--db", db, "--out"])
        .arg(out)
        .args(["--truth"])
        .arg(dir.join("sim/truth"))
        .args(["--json"])
        .args(extra)
        .assert()
        .success();
    let stdout = String::from_utf8(a.get_output().stdout.clone()).expect("utf-8");
    // Every test that writes a report runs the checker on it.
    zicht().arg("check-disclosure").arg(out).assert().success();
    serde_json::from_str(&stdout).expect("one JSON document on stdout")
}

#[test]
fn writes_three_files_that_pass_the_checker_and_matches_the_snapshot() {
    let out = tempfile::tempdir().expect("tempdir");
    let s = monitor(out.path(), &["--lang", "en"]);
    assert_eq!(s["from"], 2015);
    assert_eq!(s["to"], 2019);
    for f in ["report.html", "monitor.xlsx", "monitor.json"] {
        assert!(out.path().join(f).metadata().expect(f).len() > 1000, "{f}");
    }
    let json = std::fs::read_to_string(out.path().join("monitor.json")).expect("json");
    let v: serde_json::Value = serde_json::from_str(&json).expect("parse");
    assert_eq!(v["schema"], "zicht-monitor/1");
    let ids: Vec<&str> = v["tables"].as_array().expect("tables").iter().filter_map(|t| t["id"].as_str()).collect();
    for id in [
        "reg_by_form",
        "reg_by_group",
        "reg_by_age",
        "hidden",
        "hidden_share",
        "revict",
        "overlap",
        "dark",
        "care",
        "age_start",
        "quality",
        "val_registered",
    ] {
        assert!(ids.contains(&id), "table {id} missing: {ids:?}");
    }
    // The pseudonym-keyed ids differ per key file; the JSON holds none, so it is stable.
    insta::assert_snapshot!("monitor_json_seed5", json);
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("html");
    assert!(!html.contains("<script"), "no JavaScript");
    // The SVG namespace is a name, not a request; nothing else may point outside the file.
    let html_refs = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!html_refs.contains("http://") && !html_refs.contains("https://"), "no external reference");
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("role=\"img\" aria-label=").count(), 4);
}

#[test]
fn a_crafted_leak_is_caught_by_the_checker() {
    let out = tempfile::tempdir().expect("tempdir");
    monitor(out.path(), &["--lang", "nl"]);
    let p = out.path().join("monitor.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("parse");
    // Show a suppressed cell of a table with margins (as an editor "fixing" an x would): the
    // intruder's LP then pins a small count, or the published numbers no longer add up.
    let mut done = false;
    for t in v["tables"].as_array_mut().expect("tables") {
        if done || t["totals"] != true {
            continue;
        }
        for row in t["cells"].as_array_mut().expect("cells") {
            for c in row.as_array_mut().expect("row") {
                if !done && c["flag"] == "suppressed" {
                    c["flag"] = "shown".into();
                    c["value"] = 25.0.into();
                    done = true;
                }
            }
        }
    }
    assert!(done, "the fixture should need a suppression in a table with margins");
    std::fs::write(&p, serde_json::to_string(&v).expect("json")).expect("write");
    let a = zicht().arg("check-disclosure").arg(out.path()).arg("--json").assert().code(1);
    let s: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).expect("json");
    let rules: Vec<&str> =
        s["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"narrow_range") || rules.contains(&"additivity"), "{rules:?}");
    assert!(rules.contains(&"differs_from_json"), "{rules:?}");
}

#[test]
fn the_public_edition_is_perturbed_under_the_register_key_and_refuses_noise() {
    let (dir, db) = fixture();
    let key = dir.join("m.key");
    let out = tempfile::tempdir().expect("tempdir");
    // Noise drawn afresh per release averages away, and its seed was published: refused, with why.
    let a = zicht()
        .args(["monitor", "--db", db, "--out"])
        .arg(out.path())
        .args(["--edition", "public", "--epsilon", "1.0", "--key-file"])
        .arg(&key)
        .assert()
        .code(1);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("averages away"));
    // The perturbation is keyed by the register key: a reporter's key file (no register key) or no
    // key file at all is refused, naming the file.
    let reporter = dir.join("reporter.key");
    let _ = std::fs::remove_file(&reporter);
    zicht().args(["key", "reporter", "--key-file"]).arg(&key).arg("--out").arg(&reporter).assert().success();
    for k in [reporter.clone(), dir.join("absent.key")] {
        let a = zicht()
            .args(["monitor", "--db", db, "--out"])
            .arg(out.path())
            .args(["--edition", "public", "--key-file"])
            .arg(&k)
            .assert()
            .code(1);
        let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(err.contains(k.to_str().unwrap()), "{err}");
    }
    let key_s = key.to_str().unwrap();
    monitor(out.path(), &["--edition", "public", "--lang", "en", "--key-file", key_s]);
    let read = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("monitor.json")).expect("read")).expect("parse")
    };
    let v = read(out.path());
    assert_eq!(v["edition"], "public");
    assert_eq!(v["policy"]["perturbation"], 2, "the noise's bound is published");
    let internal = tempfile::tempdir().expect("tempdir");
    monitor(internal.path(), &["--lang", "en"]);
    let w = read(internal.path());
    let (mut counts, mut moved) = (0, 0);
    for (t, u) in v["tables"].as_array().expect("tables").iter().zip(w["tables"].as_array().expect("tables")) {
        if t["unit"] != "count" {
            continue;
        }
        assert_eq!(t["id"], u["id"]);
        for (c, d) in t["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .flat_map(|r| r.as_array().expect("row"))
            .zip(u["cells"].as_array().expect("cells").iter().flat_map(|r| r.as_array().expect("row")))
        {
            if let (Some(x), Some(y)) = (c["value"].as_f64(), d["value"].as_f64()) {
                assert!(x >= 10.0 && (x - y).abs() <= 2.0, "{}: {x} published for {y}", t["id"]);
                counts += 1;
                moved += usize::from(x != y);
            }
        }
    }
    assert!(counts > 100 && moved * 4 > counts, "{moved} of {counts} counts perturbed");
}

#[test]
fn bad_arguments_exit_with_one() {
    let (_, db) = fixture();
    let out = tempfile::tempdir().expect("tempdir");
    zicht()
        .args(["monitor", "--db", db, "--out"])
        .arg(out.path())
        .args(["--from", "2019", "--to", "2015"])
        .assert()
        .code(1);
    zicht().args(["monitor", "--db", db, "--out"]).arg(out.path()).args(["--epsilon", "1"]).assert().code(1);
    zicht()
        .args(["monitor", "--db", db, "--out"])
        .arg(out.path())
        .args(["--from", "1990", "--to", "1991"])
        .assert()
        .code(1);
    zicht().arg("check-disclosure").arg(out.path().join("nothing-here")).assert().code(1);
}

/// The HTML in headless Chromium: no request at all (so none fails), every chart visible. Saves the
/// first screen; with `ZICHT_SAVE_SCREENSHOT=1` also to `docs/monitor-screenshot.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_renders_in_headless_chromium() {
    let out = tempfile::tempdir().expect("tempdir");
    let out_path = out.path().to_path_buf();
    tokio::task::spawn_blocking(move || monitor(&out_path, &["--lang", "nl"])).await.expect("monitor");
    let html = out.path().join("report.html");

    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut driver = std::process::Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver (Debian package chromium-driver) must be installed");
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    let mut chrome = serde_json::json!({"args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        format!("--user-data-dir={}", profile.path().display()), "--window-size=1280,900"
    ]});
    if Path::new("/usr/bin/chromium").exists() {
        chrome["binary"] = "/usr/bin/chromium".into();
    }
    caps.insert("goog:chromeOptions".into(), chrome);
    let url = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..100 {
        match fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let c = client.expect("connect to chromedriver");
    let result = async {
        c.goto(&format!("file://{}", html.display())).await?;
        let resources = c.execute("return performance.getEntriesByType('resource').map(e => e.name)", vec![]).await?;
        let figures = c
            .execute(
                "return Array.from(document.querySelectorAll('figure svg')).map(s => { const r = s.getBoundingClientRect(); \
                 return {w: r.width, h: r.height, visible: s.checkVisibility(), marks: s.querySelectorAll('path, polyline, line, rect').length}; })",
                vec![],
            )
            .await?;
        let title = c.execute("return document.querySelector('h1').textContent", vec![]).await?;
        let png = c.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((resources, figures, title, png))
    }
    .await;
    let _ = c.close().await;
    let _ = driver.kill();
    let _ = driver.wait();
    let (resources, figures, title, png) = result.expect("browser session");
    assert_eq!(resources, serde_json::json!([]), "the page must request nothing");
    assert_eq!(title, "Slachtoffermonitor mensenhandel");
    let figures = figures.as_array().expect("array").clone();
    assert_eq!(figures.len(), 4, "{figures:?}");
    for f in &figures {
        assert!(f["w"].as_f64().unwrap_or(0.0) > 300.0 && f["h"].as_f64().unwrap_or(0.0) > 150.0, "{f}");
        assert_eq!(f["visible"], true, "{f}");
        assert!(f["marks"].as_u64().unwrap_or(0) > 5, "{f}");
    }
    assert!(png.starts_with(b"\x89PNG"));
    std::fs::write(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("monitor-screenshot.png"), &png).expect("write");
    if std::env::var("ZICHT_SAVE_SCREENSHOT").as_deref() == Ok("1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/monitor-screenshot.png");
        std::fs::write(docs, &png).expect("write docs screenshot");
    }
}

#[test]
fn a_published_release_is_recorded_and_later_releases_are_protected_against_it() {
    // A register of its own from the fixture's simulated files (a copy of the shared database could
    // catch it mid-write), so the recorded history touches no other test.
    let (dir, _) = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    let db = register(&dir.join("sim"), &work.path().join("h.db"), &work.path().join("h.key"));
    let run = |out: &Path, extra: &[&str]| -> serde_json::Value {
        let a = zicht().args(["monitor", "--db", &db, "--json", "--out"]).arg(out).args(extra).assert().success();
        serde_json::from_str(&String::from_utf8_lossy(&a.get_output().stdout)).expect("JSON summary")
    };
    let (a, b, c) = (work.path().join("a"), work.path().join("b"), work.path().join("c"));
    assert_eq!(run(&a, &["--to", "2018", "--publish"])["publication"], 1);
    // Without --previous, the next year's release is protected jointly with the recorded one.
    assert_eq!(run(&b, &[])["protected_against"], serde_json::json!([1]));
    zicht().arg("check-disclosure").arg(&b).arg("--with").arg(&a).assert().success();
    // Left out, the same release gives small counts away against last year's (so the history matters).
    assert_eq!(run(&c, &["--leave-out", "1"])["protected_against"], serde_json::json!([]));
    zicht().arg("check-disclosure").arg(&c).arg("--with").arg(&a).assert().code(1);
    zicht().args(["monitor", "--db", &db, "--out"]).arg(&c).args(["--leave-out", "9"]).assert().code(1);
}

/// An internal release after a public one of the same period: the internal edition's exact
/// percentage of minors added by statistical reports and signals gives its numerator, and with the
/// public release's windows that pinned a count no further hiding could free, so the monitor refused
/// to write ("cannot be protected"). It now withdraws those percentages and protects again.
#[cfg(unix)]
#[test]
fn an_internal_release_after_a_public_one_withdraws_the_percentages_that_would_pin_a_count() {
    // The fixture's register with the simulator's default decoy events (the follow-up tables differ).
    let work = tempfile::tempdir().expect("tempdir");
    let sim = work.path().join("sim");
    simulate_small(&sim, &[]);
    // A fixed register key: the public edition's noise is keyed by it, and whether the exact
    // percentages then pin a count depends on that noise (with this key they do).
    let key = work.path().join("i.key");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/withdraw.key"), &key).expect("key");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("mode");
    let db = register(&sim, &work.path().join("i.db"), &key);
    zicht().args(["link", "--db", &db, "--key-file"]).arg(&key).assert().success();
    let (public, internal) = (work.path().join("public"), work.path().join("internal"));
    let period = ["--from", "2015", "--to", "2018", "--dark-replicates", "0"];
    zicht()
        .args(["monitor", "--db", &db, "--edition", "public", "--publish", "--key-file"])
        .arg(&key)
        .args(period)
        .arg("--out")
        .arg(&public)
        .assert()
        .success();
    zicht()
        .args(["monitor", "--db", &db, "--key-file"])
        .arg(&key)
        .args(period)
        .arg("--out")
        .arg(&internal)
        .assert()
        .success();
    zicht().arg("check-disclosure").arg(&internal).arg("--with").arg(&public).assert().success();
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(internal.join("monitor.json")).expect("json")).expect("parse");
    let share = m["tables"].as_array().expect("tables").iter().find(|t| t["id"] == "hidden_share").expect("table");
    for row in share["cells"].as_array().expect("cells") {
        assert_eq!(row[0]["flag"], "suppressed", "{row}");
    }
}

#[cfg(unix)]
#[test]
fn outputs_replace_planted_symlinks_are_the_owners_only_and_only_the_public_edition_may_be_shared() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::symlink_metadata(p).expect("written").permissions().mode() & 0o777;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep").expect("victim");
    for f in ["report.html", "monitor.json", "monitor.xlsx"] {
        std::os::unix::fs::symlink(&victim, out.join(f)).expect("planted link");
    }
    monitor(&out, &["--lang", "en"]);
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    names.sort();
    assert_eq!(names, ["monitor.json", "monitor.xlsx", "report.html"], "no staging folder is left");
    for f in &names {
        assert!(std::fs::symlink_metadata(out.join(f)).expect(f).is_file(), "{f}");
        assert_eq!(mode(&out.join(f)), 0o600, "{f}");
    }
    // A folder the monitor creates is 0700; the internal edition may not be shared.
    let fresh = dir.path().join("fresh/monitor");
    monitor(&fresh, &[]);
    assert_eq!(mode(&fresh), 0o700);
    let (_, db) = fixture();
    zicht()
        .args(["monitor", "--db", db, "--readable-by-all", "--out"])
        .arg(dir.path().join("shared"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("public edition"));
    assert!(!dir.path().join("shared").exists());
}
