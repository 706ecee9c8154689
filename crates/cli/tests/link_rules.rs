//! `zicht link` on a small simulated register plus a few crafted reports, checked through the database:
//! a statistical report whose name and birth date another register rendered differently (a dropped
//! particle and second given name, day and month swapped) still joins its person through the match
//! keys; two people with the same name and birth date but different citizen service numbers stay two
//! persons, even when a record without a number matches both; a statistical report whose name has a
//! typo that changes its Soundex code (so no match key agrees) joins its person through the keyed
//! birth date and the episode (same municipality, weeks apart), while one with the same birth date in
//! another municipality two years later stays apart; typos that keep the Soundex codes join through
//! match key (c) without any episode (another municipality, two years later: attributes of an
//! episode weigh in the match weight but never veto a join). The review band is written for
//! clerical review.

use std::collections::HashMap;
use std::path::Path;

use assert_cmd::Command;

fn zicht(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("zicht").unwrap();
    c.current_dir(dir).env_remove("ZICHT_DB").env_remove("ZICHT_KEY_FILE").env("ZICHT_ACTOR", "test");
    c
}

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,guardian_consent,\
given_names,family_name,birth_date,birth_year,age_band,age_at_start,sex,nationality,residence_status,\
unaccompanied_minor,exploitation,domestic,municipality,means_of_control,recruitment,document_number,\
citizen_number,address";

const CRAFTED: &[&str] = &[
    "POL-T,police,T-1,2017-02-01,identified,legal_obligation,,Maud Lotte,van Leeuwen,2003-03-11,,,,female,NL,,,sexual:prostitution,,GM0546,,,,,",
    "ZC-T,care_coordinator,T-2,2018-05-26,statistical,public_task,not_obtainable,Maud,Leeuwen,2003-11-03,2003,9-17,,female,NL,,,sexual:prostitution,,GM0546,,,,,",
    "POL-T,police,T-4,2017-03-01,identified,legal_obligation,,Jan,Smit,1980-01-05,,,,male,NL,,,sexual:prostitution,,GM0546,,,,999000003,",
    "POL-T,police,T-5,2017-04-01,identified,legal_obligation,,Jan,Smit,1980-01-05,,,,male,NL,,,sexual:prostitution,,GM0546,,,,999000004,",
    "POL-T,police,T-6,2017-05-01,identified,legal_obligation,,Jan,Smit,1980-01-05,,,,male,NL,,,sexual:prostitution,,GM0546,,,,,",
    "POL-T,police,T-7,2017-06-01,identified,legal_obligation,,Fenna,Kuipers,2004-06-17,,,,female,NL,,,sexual:prostitution,,GM0088,,,,,",
    "ZC-T,care_coordinator,T-8,2017-06-20,statistical,public_task,not_obtainable,Venna,Kuipers,2004-06-17,2004,9-17,,female,NL,,,sexual:prostitution,,GM0088,,,,,",
    "POL-T,police,T-10,2017-01-10,identified,legal_obligation,,Sanne,Kuipers,2005-02-14,,,,female,NL,,,sexual:prostitution,,GM0344,,,,,",
    "ZC-T,care_coordinator,T-11,2019-05-01,statistical,public_task,not_obtainable,Sane,Kuipres,2005-02-14,2005,9-17,,female,NL,,,sexual:prostitution,,GM0599,,,,,",
    "ZC-T,care_coordinator,T-9,2019-09-01,statistical,public_task,not_obtainable,Lieke,Bos,2004-06-17,2004,9-17,,female,NL,,,sexual:prostitution,,GM0363,,,,,",
];

#[test]
fn statistical_reports_join_their_person_and_citizen_numbers_keep_people_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    zicht(d)
        .args(["simulate", "--out", "sim", "--from", "2016", "--to", "2018", "--scale", "0.2"])
        .args(["--decoy-events", "2000", "--statistical-minors"])
        .assert()
        .success();
    zicht(d).arg("init").assert().success();
    for kind in ["reports", "events"] {
        zicht(d).args(["import", kind, &format!("sim/{kind}.csv")]).assert().success();
    }
    std::fs::write(d.join("crafted.csv"), format!("{HEADER}\n{}\n", CRAFTED.join("\n"))).unwrap();
    let out = zicht(d).args(["import", "reports", "crafted.csv"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = zicht(d).args(["link", "--json", "--review", "review.csv", "--review-from", "0.05"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The review band: pairs below the threshold, at or above --review-from, by record id.
    let review = std::fs::read_to_string(d.join("review.csv")).unwrap();
    let mut lines = review.lines();
    assert_eq!(lines.next(), Some("id_l,id_r,match_probability,match_weight"));
    let band: Vec<f64> = lines.map(|l| l.split(',').nth(2).unwrap().parse().unwrap()).collect();
    assert!(!band.is_empty());
    assert!(band.iter().all(|p| (0.05..0.9).contains(p)), "{band:?}");
    assert!(review.lines().skip(1).all(|l| l.starts_with(['r', 'e'])), "{review}");
    let out = zicht(d).args(["link", "--review", "r.csv", "--review-from", "0.95"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--review-from 0.95"));

    let url = format!("sqlite://{}", d.join("zicht.db").display());
    let person: HashMap<String, String> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT external_id, person_id FROM reports WHERE external_id LIKE 'T-%'")
                .fetch_all(&pool)
                .await
                .unwrap();
        rows.into_iter().collect()
    });
    assert_eq!(person.len(), 10, "{person:?}");
    assert_eq!(person["T-1"], person["T-2"], "the statistical report joins its person: {person:?}");
    assert_ne!(person["T-4"], person["T-5"], "two citizen numbers are two people: {person:?}");
    assert!(person["T-6"] == person["T-4"] || person["T-6"] == person["T-5"], "{person:?}");
    assert!(![&person["T-4"], &person["T-5"]].contains(&&person["T-1"]), "{person:?}");
    assert_eq!(person["T-7"], person["T-8"], "the keyed birth date and the episode join a typo: {person:?}");
    assert_ne!(person["T-7"], person["T-9"], "a birth date alone, elsewhere and years later, does not: {person:?}");
    assert_eq!(person["T-10"], person["T-11"], "typos that keep the Soundex codes: match key (c): {person:?}");
}
