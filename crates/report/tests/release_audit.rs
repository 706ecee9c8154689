//! The release audit end to end: a register-shaped extract (built here, not by the simulator) is
//! published, then every file is mutated the ways an intruder or a careless editor would, and
//! `verify` must name the rule each mutation breaks. Two releases over overlapping periods must be
//! caught unless the second was protected against the first.

use std::path::Path;

use serde_json::Value;
use zicht_disclose::Policy;
use zicht_disclose::cellkey::CellKey;
use zicht_report::{Lang, Options, build, verify, write};
use zicht_store::extract::{Extract, ReportRow};

/// A small deterministic generator (xorshift), so the extract owes nothing to `zicht-sim`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TYPES: [&str; 6] =
    ["police", "border_police", "labour_inspectorate", "care_coordinator", "shelter", "youth_care"];

/// Reports 2016–2022: forms sexual and labour in bulk, criminal exploitation 20 a year but 3 in
/// 2022, youth care a handful a year; persons mostly one report each.
fn extract() -> Extract {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut reports = Vec::new();
    let mut person = 0u64;
    for year in 2016..=2022 {
        let n_crim = if year == 2022 { 3 } else { 20 };
        let mut forms: Vec<&str> = Vec::new();
        forms.extend(std::iter::repeat_n("sexual", 180));
        forms.extend(std::iter::repeat_n("labour", 120));
        forms.extend(std::iter::repeat_n("criminal", n_crim));
        for (k, f) in forms.iter().enumerate() {
            let reporter_type = if k % 37 == 0 { "youth_care" } else { TYPES[rng.below(5) as usize] };
            let age = 14 + rng.below(40) as i64;
            person += if rng.below(10) == 0 { 0 } else { 1 };
            reports.push(ReportRow {
                report_date: format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
                reporter: format!("R{}", rng.below(20)),
                reporter_type: reporter_type.into(),
                identification: if rng.below(20) == 0 { "statistical" } else { "identified" }.into(),
                sex: Some(if rng.below(3) == 0 { "male" } else { "female" }.into()),
                birth_year: Some(i64::from(year) - age),
                age_band: None,
                age_at_report: Some(age),
                minor: Some(age < 18),
                age_at_start: Some(age - rng.below(2) as i64),
                nationality_group: Some(["home", "eu", "non_eu"][rng.below(3) as usize].into()),
                exploitation: (*f).into(),
                domestic: Some(rng.below(2) == 0),
                municipality: Some(format!("GM{:04}", 300 + rng.below(4))),
                person: format!("p{person}"),
            });
        }
    }
    Extract { reports, events: vec![], signals: vec![] }
}

fn options(to: i32, public: bool) -> Options {
    Options {
        from: Some(2016),
        to: Some(to),
        lang: Lang::En,
        policy: if public { Policy::public_perturbed(CellKey::new([7; 32])) } else { Policy::internal() },
        truth: None,
        earlier: vec![],
        dark_replicates: 0,
        dark_design: Default::default(),
    }
}

fn publish(dir: &Path, opts: &Options) -> zicht_report::Monitor {
    let m = build(&extract(), opts).expect("the release builds");
    write(&m, dir, zicht_report::Access::Private).expect("the release is written");
    m
}

fn rules(dir: &Path, with: &[&Path]) -> Vec<String> {
    verify::verify_with(dir, with).expect("the files are readable").findings.into_iter().map(|f| f.rule).collect()
}

fn read_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("monitor.json")).unwrap()).unwrap()
}

fn write_json(dir: &Path, v: &Value) {
    std::fs::write(dir.join("monitor.json"), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn table<'a>(v: &'a mut Value, id: &str) -> &'a mut Value {
    v["tables"].as_array_mut().unwrap().iter_mut().find(|t| t["id"] == id).unwrap()
}

/// The first hidden cell of a table, as (row, column).
fn first_hidden(t: &Value) -> (usize, usize) {
    for (i, row) in t["cells"].as_array().unwrap().iter().enumerate() {
        for (j, c) in row.as_array().unwrap().iter().enumerate() {
            if c["flag"] == "suppressed" {
                return (i, j);
            }
        }
    }
    panic!("table {} has no suppressed cell", t["id"]);
}

#[test]
fn both_editions_pass_and_the_small_year_is_hidden() {
    for public in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let m = publish(dir.path(), &options(2022, public));
        assert_eq!(rules(dir.path(), &[]), Vec::<String>::new(), "public {public}");
        assert!(m.audit.primary > 0 && m.audit.audited > 0, "{:?}", m.audit);
        let t = m.tables.iter().find(|t| t.id == "reg_by_form").unwrap();
        let crim = t.grid.columns.iter().position(|c| c.to_lowercase().contains("criminal")).unwrap();
        let y2022 = t.grid.rows.iter().position(|r| r == "2022").unwrap();
        assert!(t.grid.cells[y2022][crim].value.is_none(), "the 3 of 2022 is hidden");
        // The headline stays published: every year's total of registrations.
        let total = t.grid.columns.len() - 1;
        for (i, row) in t.grid.cells.iter().enumerate().take(t.grid.rows.len() - 1) {
            assert!(row[total].value.is_some(), "year {} total hidden", t.grid.rows[i]);
        }
    }
}

/// Each mutation and the rule that must catch it.
#[test]
fn the_checker_catches_every_mutation() {
    let base = tempfile::tempdir().unwrap();
    let m = publish(base.path(), &options(2022, false));
    let original = read_json(base.path());
    type Mutation = (&'static str, &'static str, Box<dyn Fn(&mut Value)>);
    let truth = |key: &str| -> f64 {
        // reports|form=F|year=Y of the identified reports.
        let attr = |k: &str| key.split('|').find_map(|p| p.strip_prefix(k)).unwrap_or("").to_string();
        let (form, year) = (attr("form="), attr("year="));
        extract()
            .reports
            .iter()
            .filter(|r| r.identification == "identified" && r.exploitation == form && r.report_date.starts_with(&year))
            .count() as f64
    };
    let mut mutations: Vec<Mutation> = vec![
        (
            "a small count planted in a hidden cell",
            "primary",
            Box::new(|v| {
                let t = table(v, "reg_by_form");
                let (i, j) = first_hidden(t);
                t["cells"][i][j] = serde_json::json!({"value": 4.0, "flag": "shown"});
            }),
        ),
        (
            "the <10 mark instead of x",
            "mark",
            Box::new(|v| {
                let t = table(v, "reg_by_reporter");
                let (i, j) = first_hidden(t);
                t["cells"][i][j]["flag"] = "primary".into();
            }),
        ),
        (
            "an interval on a hidden cell",
            "hidden_with_numbers",
            Box::new(|v| {
                let t = table(v, "reg_by_form");
                let (i, j) = first_hidden(t);
                t["cells"][i][j]["lower"] = 1.0.into();
                t["cells"][i][j]["upper"] = 6.0.into();
            }),
        ),
        (
            "a count table relabelled as estimates",
            "layout",
            Box::new(|v| {
                table(v, "reg_by_form")["unit"] = "estimate".into();
            }),
        ),
        (
            "a table with margins relabelled as without",
            "layout",
            Box::new(|v| {
                table(v, "reg_by_reporter")["totals"] = false.into();
            }),
        ),
        (
            "a table that is not in the release definition",
            "unknown_table",
            Box::new(|v| {
                let mut t = table(v, "reg_by_form").clone();
                t["id"] = "reg_by_form_copy".into();
                v["tables"].as_array_mut().unwrap().push(t);
            }),
        ),
        (
            "keys removed, so the release cannot be audited",
            "keys",
            Box::new(|v| {
                table(v, "reg_by_form").as_object_mut().unwrap().remove("keys");
            }),
        ),
        (
            "a total that does not add up",
            "additivity",
            Box::new(|v| {
                let t = table(v, "reg_by_form");
                let n = t["cells"].as_array().unwrap().len();
                let last = t["cells"][n - 1].as_array().unwrap().len() - 1;
                let g = t["cells"][n - 1][last]["value"].as_f64().unwrap();
                t["cells"][n - 1][last]["value"] = (g + 7.0).into();
            }),
        ),
        (
            "a percentage on a base of 49",
            "small_base",
            Box::new(|v| {
                let t = table(v, "hidden_share");
                t["cells"][0][0]["value"] = 12.0.into();
                t["cells"][0][0]["flag"] = "shown".into();
                t["cells"][0][0]["base"] = 49.into();
            }),
        ),
        (
            // Perturbation cannot be seen without the register's key; the page, which states the
            // edition and is re-rendered from the JSON, gives the relabelling away.
            "an internal release relabelled public",
            "html_differs_from_json",
            Box::new(|v| {
                v["edition"] = "public".into();
            }),
        ),
        (
            "a single organisation's alert in a public release",
            "alert_level",
            Box::new(|v| {
                v["edition"] = "public".into();
                v["alerts"] = serde_json::json!([{"level": "reporter", "subject": "R7", "kind": "fell",
                "start": "2020-01", "signalled": "2020-04", "level_after_percent": 30}]);
            }),
        ),
    ];
    // The same table a second time with another pattern (as a second table printing the same
    // keys would): every cell the first hides but one, shown with its true value, gives the last.
    mutations.push((
        "the same counts printed twice with two patterns",
        "narrow_range",
        Box::new(move |v| {
            let t = table(v, "reg_by_form");
            let mut copy = t.clone();
            let keys = t["keys"].clone();
            let target = keys
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|r| r.as_array().unwrap().iter())
                .position(|k| k == "reports|form=criminal|year=2022")
                .expect("the 2022 criminal cell");
            let nc = keys[0].as_array().unwrap().len();
            let (ti, tj) = (target / nc, target % nc);
            let rows = keys.as_array().unwrap().len();
            for i in 0..rows - 1 {
                for j in 0..nc - 1 {
                    if (i, j) != (ti, tj) && copy["cells"][i][j]["flag"] == "suppressed" {
                        let k = keys[i][j].as_str().unwrap();
                        copy["cells"][i][j] = serde_json::json!({"value": truth(k), "flag": "shown"});
                    }
                }
            }
            copy["id"] = "reg_by_group".into();
            let tables = v["tables"].as_array_mut().unwrap();
            let at = tables.iter().position(|t| t["id"] == "reg_by_group").unwrap();
            tables[at] = copy;
        }),
    ));
    let mut missed = Vec::new();
    for (what, rule, mutate) in &mutations {
        let dir = tempfile::tempdir().unwrap();
        write(&m, dir.path(), zicht_report::Access::Private).unwrap();
        let mut v = original.clone();
        mutate(&mut v);
        write_json(dir.path(), &v);
        let found = rules(dir.path(), &[]);
        if !found.iter().any(|r| r == rule) {
            missed.push(format!("{what}: expected `{rule}`, found {found:?}"));
        }
    }
    // The workbook says something the JSON does not.
    let dir = tempfile::tempdir().unwrap();
    let mut changed = m.clone();
    let t = changed.tables.iter_mut().find(|t| t.id == "reg_by_sex").unwrap();
    t.grid.cells[0][0].value = t.grid.cells[0][0].value.map(|v| v + 5.0);
    write(&changed, dir.path(), zicht_report::Access::Private).unwrap();
    write_json(dir.path(), &original);
    if !rules(dir.path(), &[]).iter().any(|r| r == "differs_from_json") {
        missed.push("a workbook cell that differs from the JSON".into());
    }
    // The page says something the JSON does not: a hidden cell's number in the page only, a
    // number added to a chart's text alternative, a sentence with a count.
    type PageMutation = (&'static str, fn(&str) -> String);
    let page_mutations: [PageMutation; 3] = [
        ("a hidden cell's value in the page only", |h| h.replacen(">x</abbr>", ">4</abbr>", 1)),
        ("a number in a chart's text alternative", |h| {
            let at = h.find("<details><summary>").expect("a figure");
            let mut out = h.to_string();
            out.insert_str(at + "<details><summary>".len(), "3 ");
            out
        }),
        ("a sentence with a small count", |h| h.replacen("</h2>", "</h2><p>2 children in GM0301</p>", 1)),
    ];
    for (what, mutate) in page_mutations {
        let dir = tempfile::tempdir().unwrap();
        write(&m, dir.path(), zicht_report::Access::Private).unwrap();
        let p = dir.path().join("report.html");
        let page = std::fs::read_to_string(&p).unwrap();
        let changed = mutate(&page);
        assert_ne!(changed, page, "{what}: the mutation must change the page");
        std::fs::write(&p, changed).unwrap();
        if !rules(dir.path(), &[]).iter().any(|r| r == "html_differs_from_json") {
            missed.push(format!("{what}: expected `html_differs_from_json`"));
        }
    }
    assert!(missed.is_empty(), "{} of {} mutations missed:\n{}", missed.len(), mutations.len() + 4, missed.join("\n"));
}

/// Last year's release and this year's: the difference of their period totals gives 2022's small
/// count of criminal exploitation, unless this year's was protected against last year's.
#[test]
fn two_overlapping_releases_are_caught_and_then_protected() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    publish(a.path(), &options(2021, false));
    publish(b.path(), &options(2022, false));
    assert_eq!(rules(b.path(), &[]), Vec::<String>::new(), "alone it passes");
    assert!(rules(b.path(), &[a.path()]).iter().any(|r| r == "narrow_range"), "jointly the difference leaks");
    let c = tempfile::tempdir().unwrap();
    let mut opts = options(2022, false);
    opts.earlier = vec![verify::JsonMonitor::read(a.path()).unwrap()];
    publish(c.path(), &opts);
    assert_eq!(rules(c.path(), &[a.path()]), Vec::<String>::new(), "protected against the earlier release");
}

/// Every shown count of a monitor by its model key.
fn shown_counts(m: &zicht_report::Monitor) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for t in m.tables.iter().filter(|t| t.grid.unit == zicht_disclose::Unit::Count) {
        for (krow, crow) in t.keys.iter().zip(&t.grid.cells) {
            for (k, c) in krow.iter().zip(crow) {
                if let (Some(k), Some(v)) = (k, c.value) {
                    out.insert(k.clone(), v as i64);
                }
            }
        }
    }
    out
}

#[test]
fn the_public_noise_of_a_cell_is_the_same_in_every_release_and_bounded() {
    let x = extract();
    let exact = shown_counts(&build(&x, &options(2022, false)).unwrap());
    let this = shown_counts(&build(&x, &options(2022, true)).unwrap());
    let last_year = shown_counts(&build(&x, &options(2021, true)).unwrap());
    let again = shown_counts(&build(&x, &options(2022, true)).unwrap());
    assert_eq!(this, again, "a re-run publishes the same values");
    // The same cell (a year's count, whose records did not change) in a release over another period.
    let shared: Vec<&String> = this.keys().filter(|k| k.contains("year=") && last_year.contains_key(*k)).collect();
    assert!(shared.len() > 100, "{} shared cells", shared.len());
    for k in &shared {
        assert_eq!(this[*k], last_year[*k], "`{k}` got other noise in the release over 2016–2021");
    }
    // Perturbed, by at most 2, never below 10, unbiased over the release (mean noise within 0.2).
    let noise: Vec<i64> = this.iter().filter_map(|(k, v)| exact.get(k).map(|e| v - e)).collect();
    assert!(noise.len() > 100);
    assert!(noise.iter().all(|n| n.abs() <= 2), "{noise:?}");
    assert!(this.values().all(|&v| v >= 10));
    let moved = noise.iter().filter(|&&n| n != 0).count();
    assert!(moved * 3 > noise.len(), "only {moved} of {} counts perturbed", noise.len());
    let mean = noise.iter().sum::<i64>() as f64 / noise.len() as f64;
    assert!(mean.abs() < 0.2, "mean noise {mean}");
    // Another register's key: other noise.
    let mut other = options(2022, true);
    other.policy = Policy::public_perturbed(CellKey::new([9; 32]));
    let theirs = shown_counts(&build(&x, &other).unwrap());
    let same = theirs.iter().filter(|(k, v)| this.get(*k) == Some(v)).count();
    assert!(same * 2 < theirs.len(), "{same} of {} equal under another key", theirs.len());
}
