//! Every written row passes the rules of `docs/formats.md`, checked here from the CSV text alone
//! (independently of the generator's types): required cells, code lists, dates, and the cross-field
//! rules the importer enforces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use zicht_sim::Config;
use zicht_sim::codes::{
    AGE_BANDS, CHANNELS, CRIME_CATEGORIES, EVENT_KINDS, EXPLOITATION_FORMS, GUARDIAN_CONSENTS, IDENTIFICATIONS,
    LABOUR_SECTORS, LAWFUL_BASES, MEANS_OF_CONTROL, RECRUITMENT, REPORTER_TYPES, RESIDENCE_STATUSES, SEXES,
    SEXUAL_SECTORS,
};

type Row = BTreeMap<String, String>;

fn read(path: &Path) -> (Vec<String>, Vec<Row>) {
    let mut r = csv::Reader::from_path(path).expect("open");
    let header: Vec<String> = r.headers().expect("header").iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.expect("record");
            assert_eq!(rec.len(), header.len(), "{}: ragged row", path.display());
            header.iter().cloned().zip(rec.iter().map(String::from)).collect()
        })
        .collect();
    (header, rows)
}

fn date(s: &str, what: &str) -> NaiveDate {
    assert_eq!(s.len(), 10, "{what}: {s:?} is not YYYY-MM-DD");
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("{what}: {s:?} is not a date"))
}

fn age_on(birth: NaiveDate, d: NaiveDate) -> i32 {
    let mut a = d.year() - birth.year();
    if (d.month(), d.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

fn band_of(age: i32) -> &'static str {
    match age {
        ..=8 => "0-8",
        9..=17 => "9-17",
        18..=20 => "18-20",
        21..=23 => "21-23",
        24..=26 => "24-26",
        27..=29 => "27-29",
        30..=38 => "30-38",
        39..=47 => "39-47",
        _ => "48+",
    }
}

fn band_range(b: &str) -> (i32, i32) {
    match b {
        "0-8" => (0, 8),
        "9-17" => (9, 17),
        "18-20" => (18, 20),
        "21-23" => (21, 23),
        "24-26" => (24, 26),
        "27-29" => (27, 29),
        "30-38" => (30, 38),
        "39-47" => (39, 47),
        _ => (48, 150),
    }
}

fn check_exploitation(s: &str, what: &str) {
    assert!(!s.is_empty(), "{what}: exploitation required");
    for part in s.split(';') {
        let (form, sector) = match part.split_once(':') {
            Some((f, s)) => (f, Some(s)),
            None => (part, None),
        };
        assert!(EXPLOITATION_FORMS.contains(&form), "{what}: form {form:?}");
        if let Some(sector) = sector {
            let ok = match form {
                "sexual" => SEXUAL_SECTORS.contains(&sector),
                "labour" => LABOUR_SECTORS.contains(&sector),
                _ => false,
            };
            assert!(ok, "{what}: sector {sector:?} of {form}");
        }
    }
}

fn check_list(s: &str, allowed: &[&str], what: &str) {
    if s.is_empty() {
        return;
    }
    for part in s.split(';') {
        assert!(allowed.contains(&part), "{what}: {part:?} not in the list");
    }
}

fn in_list(v: &str, allowed: &[&str], what: &str) {
    assert!(v.is_empty() || allowed.contains(&v), "{what}: {v:?} not in the list");
}

fn check_reports(dir: &Path, last_day: NaiveDate) -> usize {
    let (header, rows) = read(&dir.join("reports.csv"));
    let documented = [
        "reporter",
        "reporter_type",
        "external_id",
        "report_date",
        "identification",
        "lawful_basis",
        "guardian_consent",
        "given_names",
        "family_name",
        "birth_date",
        "birth_year",
        "age_band",
        "age_at_start",
        "sex",
        "nationality",
        "residence_status",
        "unaccompanied_minor",
        "exploitation",
        "domestic",
        "municipality",
        "means_of_control",
        "recruitment",
        "document_number",
        "citizen_number",
        "address",
        "pseudonym",
    ];
    for h in &header {
        assert!(documented.contains(&h.as_str()), "unknown column {h}");
    }
    let mut ids: BTreeSet<(String, String)> = BTreeSet::new();
    let mut statistical = 0;
    for (i, r) in rows.iter().enumerate() {
        let line = i + 2;
        let what = format!("reports.csv line {line}");
        let g = |k: &str| r[k].as_str();
        assert!((1..=64).contains(&g("reporter").len()), "{what}: reporter length");
        assert!(REPORTER_TYPES.contains(&g("reporter_type")), "{what}: reporter_type");
        assert!((1..=128).contains(&g("external_id").len()), "{what}: external_id length");
        assert!(ids.insert((g("reporter").into(), g("external_id").into())), "{what}: duplicate id");
        let d = date(g("report_date"), &what);
        assert!(d <= last_day, "{what}: report date after the window");
        assert!(IDENTIFICATIONS.contains(&g("identification")), "{what}: identification");
        assert!(LAWFUL_BASES.contains(&g("lawful_basis")), "{what}: lawful_basis");
        in_list(g("guardian_consent"), &GUARDIAN_CONSENTS, &what);
        in_list(g("sex"), &SEXES, &what);
        in_list(g("residence_status"), &RESIDENCE_STATUSES, &what);
        in_list(g("unaccompanied_minor"), &["true", "false"], &what);
        in_list(g("domestic"), &["true", "false"], &what);
        in_list(g("age_band"), &AGE_BANDS, &what);
        check_exploitation(g("exploitation"), &what);
        check_list(g("means_of_control"), &MEANS_OF_CONTROL, &what);
        check_list(g("recruitment"), &RECRUITMENT, &what);
        let nat = g("nationality");
        assert!(
            nat.is_empty() || (nat.len() == 2 && nat.chars().all(|c| c.is_ascii_uppercase())),
            "{what}: nationality"
        );
        let m = g("municipality");
        assert!(
            m.is_empty() || (m.len() == 6 && m.starts_with("GM") && m[2..].chars().all(|c| c.is_ascii_digit())),
            "{what}: municipality {m}"
        );
        let bsn = g("citizen_number");
        assert!(bsn.is_empty() || zicht_sim::is_valid_citizen_number(bsn), "{what}: citizen number");

        // Ages: birth date not after the report; birth year and age band agree with it.
        let birth = (!g("birth_date").is_empty()).then(|| date(g("birth_date"), &what));
        let birth_year: Option<i32> = (!g("birth_year").is_empty()).then(|| g("birth_year").parse().expect("year"));
        if let Some(b) = birth {
            assert!(b <= d, "{what}: birth date after report date");
            if let Some(y) = birth_year {
                assert_eq!(y, b.year(), "{what}: birth_year disagrees with birth_date");
            }
        }
        let (lo, hi) = match (birth, birth_year) {
            (Some(b), _) => (age_on(b, d), age_on(b, d)),
            (None, Some(y)) => (d.year() - y - 1, d.year() - y),
            (None, None) if !g("age_band").is_empty() => band_range(g("age_band")),
            // Nothing to check against: no age is known.
            _ => (150, 0),
        };
        if !g("age_band").is_empty() && (birth.is_some() || birth_year.is_some()) {
            assert_eq!(band_of(lo), g("age_band"), "{what}: age band vs age {lo}");
            assert_eq!(band_of(hi), g("age_band"), "{what}: age band vs age {hi}");
        }
        if !g("age_at_start").is_empty() {
            let a: i32 = g("age_at_start").parse().expect("age_at_start");
            assert!((0..=120).contains(&a), "{what}: age_at_start {a}");
            assert!(lo == 150 || a <= lo, "{what}: age_at_start {a} above age at report {lo}");
        }
        if g("unaccompanied_minor") == "true" {
            assert!(lo != 150 && hi < 18, "{what}: unaccompanied minor who is not a minor");
        }
        if !g("guardian_consent").is_empty() {
            assert!(lo == 150 || lo < 18, "{what}: guardian consent for a row that shows an adult ({lo})");
        }
        if g("lawful_basis") == "consent" && lo < 18 {
            assert_eq!(g("guardian_consent"), "given", "{what}: consent for a minor needs guardian consent");
        }
        match g("identification") {
            "statistical" => {
                statistical += 1;
                for k in ["document_number", "citizen_number", "address"] {
                    assert!(g(k).is_empty(), "{what}: statistical row carries {k}");
                }
                for k in ["given_names", "family_name", "birth_date"] {
                    assert!(!g(k).is_empty(), "{what}: statistical row lacks {k} for the pseudonym");
                }
                assert!(matches!(g("lawful_basis"), "public_task" | "legal_obligation"), "{what}");
            }
            _ => {
                assert!(
                    !g("given_names").is_empty() && !g("family_name").is_empty(),
                    "{what}: identified without name"
                );
            }
        }
    }
    assert!(rows.len() > 1000);
    statistical
}

fn check_events(dir: &Path, last_day: NaiveDate) {
    let (header, rows) = read(&dir.join("events.csv"));
    assert_eq!(
        header,
        [
            "source",
            "external_id",
            "event_date",
            "kind",
            "crime_category",
            "given_names",
            "family_name",
            "birth_date",
            "sex",
            "nationality",
            "citizen_number"
        ]
    );
    let mut ids = BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let what = format!("events.csv line {}", i + 2);
        let g = |k: &str| r[k].as_str();
        assert!(!g("source").is_empty());
        assert!(ids.insert((g("source").to_string(), g("external_id").to_string())), "{what}: duplicate id");
        let d = date(g("event_date"), &what);
        assert!(d <= last_day, "{what}: after the window");
        assert!(EVENT_KINDS.contains(&g("kind")), "{what}: kind");
        if matches!(g("kind"), "victimisation" | "suspect") {
            assert!(CRIME_CATEGORIES.contains(&g("crime_category")), "{what}: crime category required");
        } else {
            assert!(g("crime_category").is_empty(), "{what}: crime category on {}", g("kind"));
        }
        if !g("birth_date").is_empty() {
            assert!(date(g("birth_date"), &what) <= d, "{what}: birth after event");
        }
        in_list(g("sex"), &SEXES, &what);
        let bsn = g("citizen_number");
        assert!(bsn.is_empty() || zicht_sim::is_valid_citizen_number(bsn), "{what}: citizen number");
    }
}

fn check_signals(dir: &Path, last_day: NaiveDate) {
    let (header, rows) = read(&dir.join("signals.csv"));
    assert_eq!(header, ["source", "external_id", "signal_date", "channel", "age_band", "exploitation", "region"]);
    let mut ids = BTreeSet::new();
    for (i, r) in rows.iter().enumerate() {
        let what = format!("signals.csv line {}", i + 2);
        let g = |k: &str| r[k].as_str();
        assert!(ids.insert((g("source").to_string(), g("external_id").to_string())), "{what}: duplicate id");
        assert!(date(g("signal_date"), &what) <= last_day);
        assert!(CHANNELS.contains(&g("channel")), "{what}: channel");
        in_list(g("age_band"), &AGE_BANDS, &what);
        if !g("exploitation").is_empty() {
            check_exploitation(g("exploitation"), &what);
        }
    }
}

fn check_truth(dir: &Path) {
    let (_, reports) = read(&dir.join("reports.csv"));
    let (h, rp) = read(&dir.join("truth/report_persons.csv"));
    assert_eq!(h, ["reporter", "external_id", "person_id"]);
    assert_eq!(rp.len(), reports.len());
    for (a, b) in reports.iter().zip(&rp) {
        assert_eq!((&a["reporter"], &a["external_id"]), (&b["reporter"], &b["external_id"]));
        assert!(b["person_id"].parse::<u64>().is_ok());
    }
    let (_, events) = read(&dir.join("events.csv"));
    let (h, ep) = read(&dir.join("truth/event_persons.csv"));
    assert_eq!(h, ["source", "external_id", "person_id"]);
    assert_eq!(ep.len(), events.len());
    // lists.csv says exactly which reporter types reported each person in each year.
    let mut seen: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (rep, who) in reports.iter().zip(&rp) {
        seen.insert((who["person_id"].clone(), rep["report_date"][..4].to_string(), rep["reporter_type"].clone()));
    }
    let (h, lists) = read(&dir.join("truth/lists.csv"));
    let mut flagged: BTreeSet<(String, String, String)> = BTreeSet::new();
    for l in &lists {
        for t in &h[12..] {
            if l[t] == "1" {
                flagged.insert((l["person_id"].clone(), l["year"].clone(), t.clone()));
            }
        }
        // Each list is on exactly when a reporter type of that list (the register's mapping) is.
        for list in zicht_model::MseList::ALL {
            let on = h[12..].iter().any(|t| {
                l[t.as_str()] == "1" && zicht_model::ReporterType::parse(t).is_ok_and(|r| r.mse_list() == list)
            });
            assert_eq!(l[list.code()] == "1", on, "list {} of person {} in {}", list.code(), l["person_id"], l["year"]);
        }
    }
    assert_eq!(seen, flagged, "truth/lists.csv disagrees with the reports");
    for name in ["population", "lists", "revictimisation", "registered"] {
        let (_, rows) = read(&dir.join(format!("truth/{name}.csv")));
        assert!(!rows.is_empty(), "truth/{name}.csv is empty");
    }
}

fn check_world(config: Config) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = zicht_sim::simulate(&config).expect("runs");
    zicht_sim::write_dir(&sim, dir.path()).expect("writes");
    let last_day = NaiveDate::from_ymd_opt(config.to, 12, 31).expect("date");
    let statistical = check_reports(dir.path(), last_day);
    check_events(dir.path(), last_day);
    check_signals(dir.path(), last_day);
    check_truth(dir.path());
    statistical
}

#[test]
fn every_row_follows_the_import_formats() {
    let n = check_world(Config { seed: 3, decoy_events: 10_000, ..Config::default() });
    assert_eq!(n, 0, "no statistical rows without the switch");
}

#[test]
fn every_row_follows_the_import_formats_with_statistical_minors() {
    let n = check_world(Config { seed: 4, decoy_events: 5_000, statistical_minors: true, ..Config::default() });
    assert!(n > 100, "{n} statistical rows");
}
