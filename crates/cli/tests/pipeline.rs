//! The simulator's files import with zero rejects, link, and the monitor's registration counts equal the
//! counts computed independently from the files.

use std::path::Path;

use assert_cmd::Command;

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

#[test]
fn simulated_register_imports_with_zero_rejects_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    zicht(d)
        .args([
            "simulate",
            "--out",
            "sim",
            "--from",
            "2016",
            "--to",
            "2019",
            "--scale",
            "0.3",
            "--decoy-events",
            "3000",
        ])
        .args(["--statistical-minors"])
        .assert()
        .success();
    zicht(d).arg("init").assert().success();
    for kind in ["reports", "events", "signals"] {
        // Abort mode: a single bad row would fail the import.
        let out = zicht(d).args(["import", kind, &format!("sim/{kind}.csv"), "--json"]).output().unwrap();
        assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["files"][0]["rejected"], 0);
        let rows = std::fs::read_to_string(d.join(format!("sim/{kind}.csv"))).unwrap().lines().count() as u64 - 1;
        assert_eq!(v["files"][0]["inserted"].as_u64().unwrap(), rows, "{kind}: every row inserted");
    }
    let out = zicht(d).args(["link", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let link: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = std::fs::read_to_string(d.join("sim/reports.csv")).unwrap().lines().count() as i64 - 1;
    assert_eq!(link["reports"].as_i64().unwrap(), reports, "every report belongs to a person");
    assert!(link["persons"].as_i64().unwrap() < reports, "some persons have several reports");
    // Linking again keeps every id.
    let out = zicht(d).args(["link", "--json"]).output().unwrap();
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((again["new_persons"].as_i64(), again["merges"].as_i64()), (Some(0), Some(0)));
    assert_eq!(again["persons"], link["persons"]);

    // Monitor: the registration tables count identified reports (the rapporteur's series) and the
    // statistical reports stand beside them; both equal the counts from the file.
    zicht(d).args(["monitor", "--out", "mon", "--lang", "en"]).assert().success();
    zicht(d).args(["check-disclosure", "mon"]).assert().success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("mon/monitor.json")).unwrap()).unwrap();
    let mut by_year = std::collections::BTreeMap::<(String, String), u64>::new();
    let mut rdr = csv::Reader::from_path(d.join("sim/reports.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let (date, ident) =
        (h.iter().position(|c| c == "report_date").unwrap(), h.iter().position(|c| c == "identification").unwrap());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        *by_year.entry((rec[date][..4].to_string(), rec[ident].to_string())).or_default() += 1;
    }
    let mut compared = 0;
    for (table_id, column, identification) in [
        ("persons", "reports", "identified"),
        ("hidden", "identified reports", "identified"),
        ("hidden", "statistical reports", "statistical"),
    ] {
        let table = json["tables"].as_array().unwrap().iter().find(|t| t["id"] == table_id).expect(table_id);
        let col = table["columns"].as_array().unwrap().iter().position(|c| c == column).expect(column);
        for (i, year) in table["rows"].as_array().unwrap().iter().enumerate() {
            let want =
                by_year.get(&(year.as_str().unwrap().to_string(), identification.to_string())).copied().unwrap_or(0);
            let cell = &table["cells"][i][col];
            if cell["flag"] == "shown" {
                assert_eq!(cell["value"].as_f64().unwrap() as u64, want, "{table_id}/{column} in {year}");
                compared += 1;
            }
        }
    }
    assert!(compared >= 8, "only {compared} cells compared");
    // The audit log chains every import, the linkage's vault read and nothing else changed it.
    zicht(d).args(["audit", "verify"]).assert().success();
}
