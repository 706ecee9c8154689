//! `zicht match` end to end: output files, JSON summary, stable clusters, and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn febrl(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../link/tests/fixtures/febrl").join(file)
}

fn zicht() -> Command {
    Command::cargo_bin("zicht").unwrap()
}

const COMPARE: &[&str] =
    &["--compare", "given_name:name", "surname:name", "date_of_birth:date", "soc_sec_id:text", "postcode:postcode"];

/// FEBRL headers and values carry a blank after each comma; `zicht match` trims both.
fn febrl_args(cmd: &mut Command) -> &mut Command {
    cmd.args(["--id", "rec_id"]).args(COMPARE).args([
        "--block",
        "surname",
        "--block",
        "date_of_birth",
        "--block",
        "soc_sec_id",
    ])
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn dedupe_writes_pairs_clusters_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.csv");
    let clusters = dir.path().join("clusters.csv");
    let model = dir.path().join("model.json");
    let mut cmd = zicht();
    cmd.arg("match").arg(febrl("dataset3.csv"));
    febrl_args(&mut cmd)
        .arg("--out")
        .arg(&out)
        .arg("--clusters")
        .arg(&clusters)
        .arg("--model")
        .arg(&model)
        .arg("--json");
    let assert = cmd.assert().success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["mode"], "dedupe");
    assert_eq!(json["records"], 5000);
    assert!(json["pairs_scored"].as_u64().unwrap() > 6000);
    let above = json["pairs_above_threshold"].as_u64().unwrap();
    assert!((6100..=6600).contains(&above), "{above}");
    assert_eq!(json["model_trained"], true);
    assert!(json["seconds"].as_f64().unwrap() >= 0.0);

    let pairs = std::fs::read_to_string(&out).unwrap();
    let mut lines = pairs.lines();
    assert_eq!(lines.next(), Some("id_l,id_r,match_probability,match_weight"));
    let mut correct = 0;
    for line in lines.clone() {
        let f: Vec<&str> = line.split(',').collect();
        let p: f64 = f[2].parse().unwrap();
        assert!((0.9..=1.0).contains(&p));
        if f[0].split('-').nth(1) == f[1].split('-').nth(1) {
            correct += 1;
        }
    }
    assert!(correct as f64 >= 0.995 * lines.count() as f64);

    let cl = std::fs::read_to_string(&clusters).unwrap();
    assert!(cl.starts_with("id,cluster\n"));
    assert_eq!(cl.lines().count(), 5001);

    // Second run: loads the saved model and keeps every cluster id.
    let clusters2 = dir.path().join("clusters2.csv");
    let mut cmd = zicht();
    cmd.arg("match").arg(febrl("dataset3.csv"));
    febrl_args(&mut cmd)
        .arg("--out")
        .arg(dir.path().join("pairs2.csv"))
        .arg("--clusters")
        .arg(&clusters2)
        .arg("--previous-clusters")
        .arg(&clusters)
        .arg("--model")
        .arg(&model)
        .arg("--json");
    let assert = cmd.assert().success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["model_trained"], false);
    assert_eq!(json["new_clusters"], 0);
    assert_eq!(json["merges"], serde_json::json!([]));
    assert_eq!(std::fs::read_to_string(&clusters2).unwrap(), cl);
}

#[test]
fn links_two_files_with_review_band() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pairs.csv");
    let review = dir.path().join("review.csv");
    let mut cmd = zicht();
    cmd.arg("match")
        .arg(febrl("dataset4a.csv"))
        .arg(febrl("dataset4b.csv"))
        .args(["--explain", "rec-1070-org,rec-1070-dup-0"]);
    febrl_args(&mut cmd).arg("--out").arg(&out).arg("--review").arg(&review).args(["--review-from", "0.01", "--json"]);
    let assert = cmd.assert().success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["mode"], "link");
    assert_eq!(json["records"], 10_000);
    // The explanation adds up: prior plus field weights and tf adjustments is the match weight.
    let ex = &json["explanations"][0];
    assert_eq!(ex["id_l"], "rec-1070-org");
    let fields = ex["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 5);
    let sum: f64 = ex["prior_weight"].as_f64().unwrap()
        + fields.iter().map(|f| f["weight"].as_f64().unwrap() + f["tf_adjustment"].as_f64().unwrap()).sum::<f64>();
    assert!((sum - ex["match_weight"].as_f64().unwrap()).abs() < 1e-9);
    assert!(ex["match_probability"].as_f64().unwrap() > 0.9);
    let pairs = std::fs::read_to_string(&out).unwrap();
    let n = pairs.lines().count() - 1;
    assert!((4850..=5010).contains(&n), "{n}");
    for line in pairs.lines().skip(1) {
        assert!(line.contains("-org,") && line.contains("-dup-"), "left then right: {line}");
    }
    let rev = std::fs::read_to_string(&review).unwrap();
    for line in rev.lines().skip(1) {
        let p: f64 = line.split(',').nth(2).unwrap().parse().unwrap();
        assert!((0.01..0.9).contains(&p), "{line}");
    }
}

#[test]
fn bad_input_exits_1_with_file_line_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Good input: two records of one person and one of another (records identical on every
    // compared column are refused on their own, see fields_that_carry_no_evidence_are_named).
    let good = write(d, "good.csv", "id,name,dob\n1,Anna,1990-01-01\n2,Anna,1990-01-01\n3,Bert,1985-05-05\n");
    let out = d.join("p.csv");
    let run = |args: &[&str]| {
        let mut c = zicht();
        c.arg("match").args(args).arg("--out").arg(&out);
        c.assert().code(1)
    };
    let g = good.to_str().unwrap();
    // Missing id column.
    run(&[g, "--id", "key", "--compare", "name:name"])
        .stderr(predicate::str::contains("good.csv: line 1: id column \"key\""));
    // Compared column absent.
    run(&[g, "--id", "id", "--compare", "nmae:name"])
        .stderr(predicate::str::contains("column \"nmae\" (--compare) is not in the header"));
    // Blocking column absent.
    run(&[g, "--id", "id", "--compare", "name:name", "--block", "city"])
        .stderr(predicate::str::contains("column \"city\" (--block)"));
    // Unknown kind.
    run(&[g, "--id", "id", "--compare", "name:fuzzy"]).stderr(predicate::str::contains("unknown kind \"fuzzy\""));
    // Duplicate ids.
    let dup = write(d, "dup.csv", "id,name\n1,Anna\n2,Bob\n1,Carl\n");
    run(&[dup.to_str().unwrap(), "--id", "id", "--compare", "name:name"])
        .stderr(predicate::str::contains("dup.csv: line 4: field \"id\": duplicate id \"1\""));
    // Empty file and header-only file.
    let empty = write(d, "empty.csv", "");
    run(&[empty.to_str().unwrap(), "--id", "id", "--compare", "name:name"])
        .stderr(predicate::str::contains("empty.csv"));
    let header = write(d, "header.csv", "id,name\n");
    run(&[header.to_str().unwrap(), "--id", "id", "--compare", "name:name"])
        .stderr(predicate::str::contains("no records"));
    // Threshold out of range.
    run(&[g, "--id", "id", "--compare", "name:name", "--threshold", "1.5"])
        .stderr(predicate::str::contains("--threshold"));
    // Explaining a pair of unknown ids.
    run(&[g, "--id", "id", "--compare", "name:name", "--explain", "1,9"])
        .stderr(predicate::str::contains("--explain \"1,9\": no record with id"));
    // Blocking that makes too many pairs: refused with the count and a suggestion.
    let mut big = String::from("id,name,sex\n");
    for i in 0..200 {
        big.push_str(&format!("{i},n{i},F\n"));
    }
    let big = write(d, "big.csv", &big);
    run(&[
        big.to_str().unwrap(),
        "--id",
        "id",
        "--compare",
        "name:name",
        "sex:exact",
        "--block",
        "sex",
        "--max-pairs",
        "1000",
    ])
    .stderr(predicate::str::contains("19900 candidate pairs").and(predicate::str::contains("--block sex,name")));
    assert!(!out.exists() || std::fs::read_to_string(&out).is_ok());
}

#[test]
fn help_has_an_example() {
    zicht().args(["match", "--help"]).assert().success().stdout(predicate::str::contains("zicht match reports.csv"));
}

/// FEBRL3 with each record's kind as its source: originals never duplicate each other, so the
/// prior of two originals is far below that of an original and a duplicate. A model trained with
/// a source column is refused for a run without one.
#[test]
fn prior_by_estimates_a_prior_per_pair_of_sources() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(febrl("dataset3.csv")).unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{}, src\n", lines.next().unwrap());
    for l in lines {
        let src = if l.contains("-org") { "org" } else { "dup" };
        csv.push_str(&format!("{l}, {src}\n"));
    }
    let input = write(dir.path(), "sources.csv", &csv);
    let model = dir.path().join("model.json");
    let mut cmd = zicht();
    cmd.arg("match").arg(&input);
    febrl_args(&mut cmd).args(["--prior-by", "src", "--json", "--out"]).arg(dir.path().join("p.csv"));
    let out = cmd.arg("--model").arg(&model).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let lambda = |a: &str, b: &str| {
        json["source_priors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["sources"] == serde_json::json!([a, b]) || p["sources"] == serde_json::json!([b, a]))
            .and_then(|p| p["lambda"].as_f64())
    };
    // 2,000 originals and 3,000 duplicates of them: 3,000 original–duplicate matches in
    // 6,000,000 pairs (5e-4).
    let od = lambda("org", "dup").unwrap();
    assert!((od / 5e-4 - 1.0).abs() < 0.2, "{json}");
    assert!(lambda("org", "org").is_none_or(|oo| oo < od / 100.0), "{json}");

    let mut cmd = zicht();
    cmd.arg("match").arg(&input);
    febrl_args(&mut cmd).arg("--out").arg(dir.path().join("q.csv")).arg("--model").arg(&model);
    cmd.assert().code(1).stderr(predicate::str::contains("prior by"));
    let mut cmd = zicht();
    cmd.arg("match").arg(febrl("dataset3.csv"));
    febrl_args(&mut cmd).args(["--prior-by", "src", "--out"]).arg(dir.path().join("r.csv"));
    cmd.assert().code(1).stderr(predicate::str::contains("column \"src\" (--prior-by) is not in the header"));
}

/// A placeholder name (`onbekend`, `-`, `N/A`) is a missing value in `zicht match` as in `zicht link`:
/// two records whose names are both "onbekend" do not agree on their names.
#[test]
fn placeholder_names_are_missing_not_agreeing() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(febrl("dataset3.csv")).unwrap();
    text.push_str("ph-1, onbekend, onbekend, 1, a street, , town, 2000, nsw, 19800101, 1111111\n");
    text.push_str("ph-2, Onbekend, N/A, 2, other street, , city, 3000, vic, 19800101, 2222222\n");
    let input = write(dir.path(), "with-placeholders.csv", &text);
    let out = dir.path().join("pairs.csv");
    let mut cmd = zicht();
    cmd.arg("match").arg(&input).args(["--explain", "ph-1,ph-2", "--json"]);
    let assert = febrl_args(&mut cmd).arg("--out").arg(&out).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let fields = json["explanations"][0]["fields"].as_array().unwrap();
    for name in ["given_name", "surname"] {
        let f = fields.iter().find(|f| f["column"] == name).unwrap();
        assert_eq!(f["level"], "null", "{name}: {f}");
        assert_eq!(f["weight"], 0.0, "{name}: {f}");
    }
}

/// Without --train-block and --block, `zicht match` chooses its rules from the data and says
/// which and why; it never trains on a low-cardinality field alone; a birth year beside the
/// birth date is compared only where the date is missing; the choices are in the summary.
#[test]
fn defaults_choose_rules_from_the_data_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,name,dob,year,sex\n");
    for p in 0..300 {
        let dob = format!("{}-{:02}-{:02}", 1950 + p % 50, 1 + p % 12, 1 + p % 28);
        let year = &dob[..4];
        let sex = if p % 2 == 0 { "F" } else { "M" };
        for copy in 0..2 {
            // Names unlike each other (syllables), one in five recorded once with a typo.
            let syl = [
                "ka", "mor", "lin", "tes", "bru", "van", "dij", "sel", "om", "har", "ut", "zeg", "pol", "fin", "rab",
                "gon", "wes",
            ];
            let mut name = format!("{}{}{}", syl[p % 17], syl[(p / 17) % 17], syl[(p * 7 + 3) % 17]);
            if copy == 1 && p % 5 == 0 {
                name.push('x');
            }
            csv.push_str(&format!("{p}-{copy},{name},{dob},{year},{sex}\n"));
        }
        // Someone else born the same day, so that a birth-date block is not all matches.
        let other = if p % 3 == 0 { "F" } else { "M" };
        csv.push_str(&format!("{}-0,{},{dob},{year},{other}\n", 1000 + p, ["anna", "piet", "joost", "mila"][p % 4]));
    }
    let input = write(dir.path(), "people.csv", &csv);
    let out = dir.path().join("pairs.csv");
    let assert = zicht()
        .arg("match")
        .arg(&input)
        .args(["--id", "id", "--compare", "name:name", "dob:date", "year:exact", "sex:exact", "--json", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("year is the year of dob"))
        .stderr(predicate::str::contains("training rule"))
        .stderr(predicate::str::contains("blocking: estimated recall"));
    let summary: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let design = &summary["design"];
    assert_eq!(design["derived"][0]["column"], "year");
    assert_eq!(design["derived"][0]["from"], "dob");
    let training: Vec<String> = design["training"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cols: Vec<&str> =
                r["rule"]["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            cols.join(",")
        })
        .collect();
    assert!(!training.is_empty());
    for rule in &training {
        assert!(rule != "sex" && rule != "year", "a low-cardinality field alone trains EM: {training:?}");
    }
    assert!(!design["blocking"].as_array().unwrap().is_empty());
    // Each person's two records are found.
    let pairs = std::fs::read_to_string(&out).unwrap();
    let found = pairs.lines().skip(1).filter(|l| {
        let f: Vec<&str> = l.split(',').collect();
        f[0].split('-').next() == f[1].split('-').next()
    });
    assert!(found.count() >= 290, "{pairs}");
    // Declared by hand, and --keep-derived turns the automatic one off.
    zicht()
        .arg("match")
        .arg(&input)
        .args(["--id", "id", "--compare", "name:name", "dob:date", "year:exact", "--keep-derived", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("year is the year of").not());
    zicht()
        .arg("match")
        .arg(&input)
        .args(["--id", "id", "--compare", "name:name", "dob:date", "--fallback", "name=nope", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--fallback \"name=nope\": \"nope\" must be another compared column"));
}

/// Bad input to the model: records identical on every compared column are refused; a column with
/// one value or nearly always empty is named with what to do, never used silently.
#[test]
fn fields_that_carry_no_evidence_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let same = write(dir.path(), "same.csv", "id,a,b\n1,x,y\n2,x,y\n3,x,y\n");
    let out = dir.path().join("pairs.csv");
    zicht()
        .arg("match")
        .arg(&same)
        .args(["--id", "id", "--compare", "a:name", "b:exact", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no compared column has two different values (a, b)"));
    let mut csv = String::from("id,name,dob,country,note\n");
    for p in 0..200 {
        let note = if p == 7 { "seen" } else { "" };
        csv.push_str(&format!("{p}a,person{p},19{:02}-01-{:02},NL,{note}\n", p % 90, 1 + p % 28));
        csv.push_str(&format!("{p}b,person{p},19{:02}-01-{:02},NL,\n", p % 90, 1 + p % 28));
    }
    let input = write(dir.path(), "people.csv", &csv);
    zicht()
        .arg("match")
        .arg(&input)
        .args(["--id", "id", "--compare", "name:name", "dob:date", "country:exact", "note:text", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: country: one value (\"nl\") on every record"))
        .stderr(predicate::str::contains("note: one value"));
}

/// `--calibrate` refits the probabilities to a clerical review's decisions (Platt scaling) and
/// names the line and field of a decision it cannot read or a pair the run did not score.
#[test]
fn a_clerical_review_recalibrates_the_probabilities() {
    let dir = tempfile::tempdir().unwrap();
    let syl = ["ka", "mor", "lin", "tes", "bru", "van", "dij", "sel", "om", "har", "ut", "zeg", "pol"];
    let mut csv = String::from("id,name,dob,town\n");
    for p in 0..200usize {
        let dob = format!("{}-{:02}-{:02}", 1950 + p % 50, 1 + p % 12, 1 + p % 28);
        let name = format!("{}{}{}", syl[p % 13], syl[(p / 13) % 13], syl[(p * 7 + 3) % 13]);
        csv.push_str(&format!("{p}-0,{name},{dob},t{}\n", p % 9));
        csv.push_str(&format!("{p}-1,{name},{dob},t{}\n", (p + p % 2) % 9));
        csv.push_str(&format!("{}-0,{},{dob},t{}\n", 1000 + p, ["anna", "piet", "joost", "mila"][p % 4], p % 7));
    }
    let input = write(dir.path(), "people.csv", &csv);
    let mut review = String::from("id_l,id_r,match\n");
    for p in 0..8 {
        review.push_str(&format!("{p}-0,{p}-1,1\n{p}-0,{}-0,0\n", 1000 + p));
    }
    let review = write(dir.path(), "review.csv", &review);
    let out = dir.path().join("pairs.csv");
    let run = |review: &Path| {
        let mut c = zicht();
        c.arg("match").arg(&input).args(["--id", "id", "--compare", "name:name", "dob:date", "town:exact"]);
        c.args(["--block", "dob", "--json", "--out"]).arg(&out).arg("--calibrate").arg(review);
        c.assert()
    };
    let assert = run(&review).success().stderr(predicate::str::contains("calibrated on 16 reviewed pairs (8 matches)"));
    let summary: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert!(summary["calibration"]["a"].as_f64().unwrap() > 0.0, "{summary}");
    let bad = write(dir.path(), "bad.csv", "id_l,id_r,match\n0-0,0-1,1\n0-0,1000-0,maybe\n");
    run(&bad).code(1).stderr(predicate::str::contains("bad.csv: line 3: field \"match\": \"maybe\" is not a decision"));
    let unscored = write(dir.path(), "unscored.csv", "id_l,id_r,match\n0-0,5-1,1\n");
    run(&unscored).code(1).stderr(predicate::str::contains("line 2: the pair 0-0 – 5-1 was not scored"));
}
