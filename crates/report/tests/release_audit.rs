//! The release audit end to end: a register-shaped extract (built here, not by the simulator) is
//! published, then every file is mutated the ways an intruder or a careless editor would, and
//! `verify` must name the rule each mutation breaks. Two releases over overlapping periods must be
//! caught unless the second was protected against the first.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use zicht_disclose::Policy;
use zicht_disclose::cellkey::CellKey;
use zicht_model::extract::{Extract, ReportRow};
use zicht_model::{Exploitation, Identification, NationalityGroup, ReporterType, Sex};
use zicht_report::{Lang, Options, build, verify, write};

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
                report_date: NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32).unwrap(),
                reporter: format!("R{}", rng.below(20)),
                reporter_type: ReporterType::parse(reporter_type).unwrap(),
                identification: if rng.below(20) == 0 {
                    Identification::Statistical
                } else {
                    Identification::Identified
                },
                sex: Some(if rng.below(3) == 0 { Sex::Male } else { Sex::Female }),
                birth_year: Some(i64::from(year) - age),
                age_band: None,
                age_at_report: Some(age),
                minor: Some(age < 18),
                age_at_start: Some(age - rng.below(2) as i64),
                nationality_group: Some(NationalityGroup::ALL[rng.below(3) as usize]),
                exploitation: vec![Exploitation::parse(f).unwrap()],
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
    // As the monitor writes it (keys in order, a final newline), so that only the mutation differs.
    std::fs::write(dir.join("monitor.json"), serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
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
            .filter(|r| {
                r.identification == Identification::Identified
                    && r.exploitation[0].code() == form
                    && r.report_date.year().to_string() == year
            })
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
            // Perturbation cannot be seen without the register's key; the rules the file states
            // are not the public edition's.
            "an internal release relabelled public",
            "policy",
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
    // Counts in the release's words: every text must be the release definition's.
    let text_mutations: Vec<Mutation> = vec![
        (
            "a small count in a document note",
            "text",
            Box::new(|v| {
                let n = v["notes"][0].as_str().unwrap().to_string();
                v["notes"][0] = format!("{n} 3 children in GM0301 were not counted.").into();
            }),
        ),
        (
            "a note added to the document",
            "text",
            Box::new(|v| {
                v["notes"].as_array_mut().unwrap().push("Youth care reported 4 minors in 2022.".into());
            }),
        ),
        (
            "a small count in a table's definition",
            "text",
            Box::new(|v| {
                let t = table(v, "reg_by_form");
                let d = t["definition"].as_str().unwrap().to_string();
                t["definition"] = format!("{d} (3 in 2022)").into();
            }),
        ),
        (
            "a small count in a table's title",
            "text",
            Box::new(|v| {
                table(v, "reg_by_reporter")["title"] = "Reports by reporter type (youth care: 7)".into();
            }),
        ),
        (
            "a small count in a row label",
            "text",
            Box::new(|v| {
                table(v, "reg_by_form")["rows"][0] = "2016 (4 minors)".into();
            }),
        ),
        (
            "a small count in a column label",
            "text",
            Box::new(|v| {
                table(v, "reg_by_form")["columns"][2] = "criminal exploitation (3 in 2022)".into();
            }),
        ),
        (
            "a number in a row note beside an estimate that is not shown",
            "text",
            Box::new(|v| {
                let t = table(v, "dark");
                let i = t["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|r| r[0]["value"].is_null())
                    .expect("a dark row without an estimate");
                t["row_notes"][i] = "lists P Z O; 4 persons seen".into();
            }),
        ),
        (
            "a table moved to a section the page does not show",
            "text",
            Box::new(|v| {
                table(v, "reg_by_reporter")["section"] = "annex".into();
            }),
        ),
        (
            "a field the monitor does not write, holding the hidden counts",
            "json_not_canonical",
            Box::new(|v| {
                table(v, "reg_by_form")["hidden_values"] = serde_json::json!([3, 2]);
            }),
        ),
        (
            "a field the monitor does not write, in an alert",
            "json_not_canonical",
            Box::new(|v| {
                v["alerts"].as_array_mut().unwrap().push(serde_json::json!({"level": "reporter_type",
                    "subject": "police", "kind": "fell", "start": "2018-01", "signalled": "2018-03",
                    "level_after_percent": 50, "reports_after": 3}));
            }),
        ),
        (
            "an alert's level after the change not rounded to 10 %",
            "alert",
            Box::new(|v| {
                v["alerts"].as_array_mut().unwrap().push(serde_json::json!({"level": "reporter_type",
                    "subject": "police", "kind": "fell", "start": "2018-01", "signalled": "2018-03",
                    "level_after_percent": 37}));
            }),
        ),
        (
            "an alert whose subject carries a count",
            "alert",
            Box::new(|v| {
                v["alerts"].as_array_mut().unwrap().push(serde_json::json!({"level": "reporter_type",
                    "subject": "youth care (3 reports)", "kind": "fell", "start": "2018-01",
                    "signalled": "2018-03", "level_after_percent": 50}));
            }),
        ),
        (
            "an alert whose kind carries a count",
            "alert",
            Box::new(|v| {
                v["alerts"].as_array_mut().unwrap().push(serde_json::json!({"level": "reporter_type",
                    "subject": "police", "kind": "fell to 2 reports", "start": "2018-01",
                    "signalled": "2018-03", "level_after_percent": 50}));
            }),
        ),
        (
            "an alert in months outside the period",
            "alert",
            Box::new(|v| {
                v["alerts"].as_array_mut().unwrap().push(serde_json::json!({"level": "reporter_type",
                    "subject": "police", "kind": "fell", "start": "2018-07", "signalled": "2018-03",
                    "level_after_percent": 50}));
            }),
        ),
        (
            "a figure's text alternative with a count in the JSON only",
            "figure",
            Box::new(|v| {
                let a = v["figures"][0]["alt"].as_str().unwrap().to_string();
                v["figures"][0]["alt"] = format!("{a}; criminal 2022: 3").into();
            }),
        ),
        (
            "rules stated with a lower threshold",
            "policy",
            Box::new(|v| {
                v["policy"]["threshold"] = 3.into();
            }),
        ),
        (
            "a hidden count stated as a known fact",
            "stated",
            Box::new(|v| {
                v["model"]["stated"].as_array_mut().unwrap().push(serde_json::json!([
                    "reports|form=criminal|year=2022",
                    3,
                    3
                ]));
            }),
        ),
    ];
    mutations.extend(text_mutations);
    // 2.0 % on a base of 50: one person. The ratio's keys are made its own, so that nothing else
    // published about its base contradicts the planted base.
    mutations.push((
        "2.0 % on a base of 50 (one person)",
        "narrow_range",
        Box::new(|v| {
            v["model"]["ratios"][0]["numerator"] = "planted|numerator".into();
            v["model"]["ratios"][0]["base"] = "planted|base".into();
            let q = v["model"]["ratios"][0].clone();
            let (id, i, j) = (
                q["table"].as_str().unwrap().to_string(),
                q["row"].as_u64().unwrap() as usize,
                q["column"].as_u64().unwrap() as usize,
            );
            let t = table(v, &id);
            t["keys"][i][j] = "planted|base".into();
            t["cells"][i][j] = serde_json::json!({"value": 2.0, "flag": "shown", "base": 50});
        }),
    ));
    // A table relabelled as without margins, and a pattern that its (defined) margins give away:
    // every hidden cell of 2022 but the small one shown with its true value.
    mutations.push((
        "a leak inside a table relabelled as without margins",
        "narrow_range",
        Box::new(move |v| {
            let t = table(v, "reg_by_form");
            t["totals"] = false.into();
            let keys = t["keys"].clone();
            let row = keys
                .as_array()
                .unwrap()
                .iter()
                .position(|r| r.as_array().unwrap().iter().any(|k| k == "reports|form=criminal|year=2022"))
                .unwrap();
            let n = keys[row].as_array().unwrap().len();
            for j in 0..n - 1 {
                let k = keys[row][j].as_str().unwrap();
                if k != "reports|form=criminal|year=2022" && t["cells"][row][j]["flag"] == "suppressed" {
                    t["cells"][row][j] = serde_json::json!({"value": truth(k), "flag": "shown"});
                }
            }
        }),
    ));
    // A 2×2 cycle of hidden counts whose margins are shown: non-negativity pins each to a small
    // range (the table's keys made its own, so that nothing else constrains it).
    mutations.push((
        "a 2×2 cycle of hidden counts pinned by non-negativity",
        "narrow_range",
        Box::new(|v| {
            let t = table(v, "reg_by_municipality");
            let nr = t["rows"].as_array().unwrap().len();
            let nc = t["columns"].as_array().unwrap().len();
            let hidden = [[3.0, 2.0], [1.0, 4.0]];
            let mut row_sum = vec![0.0; nr];
            let mut col_sum = vec![0.0; nc];
            for i in 0..nr - 1 {
                for j in 0..nc - 1 {
                    let x = if i < 2 && j < 2 { hidden[i][j] } else { 20.0 };
                    row_sum[i] += x;
                    col_sum[j] += x;
                    t["keys"][i][j] = format!("cycle|r{i}|c{j}").into();
                    t["cells"][i][j] = if i < 2 && j < 2 {
                        serde_json::json!({"value": null, "flag": "suppressed"})
                    } else {
                        serde_json::json!({"value": x, "flag": "shown"})
                    };
                }
            }
            let grand: f64 = row_sum.iter().sum();
            for i in 0..nr - 1 {
                t["keys"][i][nc - 1] = format!("cycle|r{i}|total").into();
                t["cells"][i][nc - 1] = serde_json::json!({"value": row_sum[i], "flag": "shown"});
            }
            for j in 0..nc - 1 {
                t["keys"][nr - 1][j] = format!("cycle|total|c{j}").into();
                t["cells"][nr - 1][j] = serde_json::json!({"value": col_sum[j], "flag": "shown"});
            }
            t["keys"][nr - 1][nc - 1] = "cycle|total|total".into();
            t["cells"][nr - 1][nc - 1] = serde_json::json!({"value": grand, "flag": "shown"});
        }),
    ));
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
    // The control: the file read and written back as the mutations write it passes.
    let dir = tempfile::tempdir().unwrap();
    write(&m, dir.path(), zicht_report::Access::Private).unwrap();
    write_json(dir.path(), &original);
    assert_eq!(rules(dir.path(), &[]), Vec::<String>::new(), "the unmutated release passes");
    let mut tried = 0;
    // Each mutation of `json` (the release `monitor`'s), written as a consistent release, must be
    // caught by its rule.
    let mut try_all = |mutations: &[Mutation], monitor: &zicht_report::Monitor, json: &Value| {
        for (what, rule, mutate) in mutations {
            tried += 1;
            let dir = tempfile::tempdir().unwrap();
            let mut v = json.clone();
            mutate(&mut v);
            assert_ne!(&v, json, "{what}: the mutation must change the file");
            write_consistently(dir.path(), &v, monitor);
            let found = rules(dir.path(), &[]);
            if !found.iter().any(|r| r == rule) {
                missed.push(format!("{what}: expected `{rule}`, found {found:?}"));
            }
        }
    };
    try_all(&mutations, &m, &original);
    // The public edition's own: what its files state about the edition and its noise.
    let public_base = tempfile::tempdir().unwrap();
    let pm = publish(public_base.path(), &options(2022, true));
    let public = read_json(public_base.path());
    let public_mutations: Vec<Mutation> = vec![
        (
            "a count below 10 in a public release",
            "primary",
            Box::new(|v| {
                let t = table(v, "reg_by_form");
                let (i, j) = first_hidden(t);
                t["cells"][i][j] = serde_json::json!({"value": 5.0, "flag": "shown"});
            }),
        ),
        (
            "a public release relabelled internal (its counts would read as exact)",
            "policy",
            Box::new(|v| {
                v["edition"] = "internal".into();
            }),
        ),
        (
            "a public release that states no noise",
            "policy",
            Box::new(|v| {
                v["policy"].as_object_mut().unwrap().remove("perturbation");
            }),
        ),
    ];
    try_all(&public_mutations, &pm, &public);
    // The workbook says something the JSON does not: a cell of a table, a sentence on the notes
    // sheet, a cell off the grid, a cell comment, the document's properties.
    let dir = tempfile::tempdir().unwrap();
    let mut changed = m.clone();
    let t = changed.tables.iter_mut().find(|t| t.id == "reg_by_sex").unwrap();
    t.grid.cells[0][0].value = t.grid.cells[0][0].value.map(|v| v + 5.0);
    write(&changed, dir.path(), zicht_report::Access::Private).unwrap();
    write_json(dir.path(), &original);
    std::fs::copy(base.path().join("report.html"), dir.path().join("report.html")).unwrap();
    tried += 1;
    if !rules(dir.path(), &[]).iter().any(|r| r == "differs_from_json") {
        missed.push("a workbook cell that differs from the JSON".into());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut changed = m.clone();
    changed.notes.push("Youth care: 4 minors in 2022.".into());
    write(&changed, dir.path(), zicht_report::Access::Private).unwrap();
    write_json(dir.path(), &original);
    std::fs::copy(base.path().join("report.html"), dir.path().join("report.html")).unwrap();
    tried += 1;
    if !rules(dir.path(), &[]).iter().any(|r| r == "xlsx_differs_from_json") {
        missed.push("a sentence with a count on the workbook's notes sheet".into());
    }
    type BookMutation = (&'static str, fn(&mut std::collections::BTreeMap<String, Vec<u8>>));
    let book_mutations: [BookMutation; 3] = [
        ("a count in a cell off the table's grid", |z| {
            let s = z.get_mut("xl/worksheets/sheet1.xml").expect("the first sheet");
            let xml = String::from_utf8(s.clone()).unwrap();
            let xml = xml.replacen(
                "</sheetData>",
                "<row r=\"300\"><c r=\"Z300\" t=\"inlineStr\"><is><t>criminal 2022: 3</t></is></c></row></sheetData>",
                1,
            );
            *s = xml.into_bytes();
        }),
        ("a count in a cell comment", |z| {
            z.insert(
                "xl/comments1.xml".into(),
                b"<?xml version=\"1.0\"?><comments xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><authors><author>a</author></authors><commentList><comment ref=\"B8\" authorId=\"0\"><text><t>3 of them minors</t></text></comment></commentList></comments>".to_vec(),
            );
            z.insert(
                "xl/worksheets/_rels/sheet1.xml.rels".into(),
                b"<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments\" Target=\"../comments1.xml\"/></Relationships>".to_vec(),
            );
        }),
        ("a count in the document's properties", |z| {
            let s = z.get_mut("docProps/core.xml").expect("the properties");
            let xml = String::from_utf8(s.clone()).unwrap();
            *s = xml.replacen("</dc:title>", " (3 minors hidden)</dc:title>", 1).into_bytes();
        }),
    ];
    for (what, mutate) in book_mutations {
        tried += 1;
        let dir = tempfile::tempdir().unwrap();
        write(&m, dir.path(), zicht_report::Access::Private).unwrap();
        let p = dir.path().join("monitor.xlsx");
        let mut members = unzip(&std::fs::read(&p).unwrap());
        let before = members.clone();
        mutate(&mut members);
        assert_ne!(members, before, "{what}: the mutation must change the workbook");
        std::fs::write(&p, rezip(&members)).unwrap();
        if !rules(dir.path(), &[]).iter().any(|r| r == "xlsx_differs_from_json") {
            missed.push(format!("{what}: expected `xlsx_differs_from_json`"));
        }
    }
    // The page says something the JSON does not: a hidden cell's number in the page only, a
    // number added to a chart's text alternative or drawn in the chart, a sentence with a count,
    // a count in a tooltip or an HTML comment.
    type PageMutation = (&'static str, fn(&str) -> String);
    let page_mutations: [PageMutation; 6] = [
        ("a hidden cell's value in the page only", |h| h.replacen(">x</abbr>", ">4</abbr>", 1)),
        ("a number in a chart's text alternative", |h| {
            let at = h.find("<details><summary>").expect("a figure");
            let mut out = h.to_string();
            out.insert_str(at + "<details><summary>".len(), "3 ");
            out
        }),
        ("a sentence with a small count", |h| h.replacen("</h2>", "</h2><p>2 children in GM0301</p>", 1)),
        ("a number drawn in a chart", |h| h.replacen("</svg>", "<text x=\"5\" y=\"5\">3</text></svg>", 1)),
        ("a count in a tooltip", |h| h.replacen("<table", "<table title=\"criminal 2022: 3\"", 1)),
        ("a count in an HTML comment", |h| h.replacen("<main>", "<main><!-- criminal 2022: 3 -->", 1)),
    ];
    for (what, mutate) in page_mutations {
        tried += 1;
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
    assert!(tried >= 32, "the suite has {tried} kinds of mutation");
    assert!(missed.is_empty(), "{} of {tried} mutations missed:\n{}", missed.len(), missed.join("\n"));
}

/// The release a careful editor of `v` would write: the page and the workbook rendered from the
/// mutated JSON (where it still reads as a monitor; else `fallback`'s), and the JSON as mutated, so
/// that only a rule about what the JSON says can catch the mutation.
fn write_consistently(dir: &Path, v: &Value, fallback: &zicht_report::Monitor) {
    let text = serde_json::to_string_pretty(v).unwrap() + "\n";
    match zicht_report::Monitor::from_json(&text) {
        Ok(full) => write(&full, dir, zicht_report::Access::Private).unwrap(),
        Err(_) => write(fallback, dir, zicht_report::Access::Private).unwrap(),
    }
    write_json(dir, v);
}

/// A zip's members by name, inflated.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().unwrap().to_string(), b);
    }
    out
}

/// The members zipped again (deflated).
fn rezip(members: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, b) in members {
        w.start_file(name.as_str(), o).unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
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
