//! The rules of a report, through the public `parse` interface.

use chrono::NaiveDate;
use zicht_model::*;

/// The register's own key (the second layer of every stored digest).
static REGISTER: std::sync::LazyLock<RegisterKey> = std::sync::LazyLock::new(|| RegisterKey::from_bytes([2; 32]));

fn ctx(key: &PseudonymKey) -> ParseContext<'_> {
    ParseContext { today: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(), pseudonym_key: key, register_key: &REGISTER }
}

/// The pseudonym the register stores for an identity: the reporters' (layer 1), re-keyed.
fn stored(key: &PseudonymKey, given: &str, family: &str, birth: Option<NaiveDate>) -> Pseudonym {
    let layer1 = Pseudonym::of(key, given, family, birth);
    let p = REGISTER.rekey(DigestKind::Pseudonym, &layer1);
    assert_ne!(p, layer1, "the register never stores what a reporter can compute");
    p
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("reporter", "POL-AMS"),
        ("reporter_type", "police"),
        ("external_id", "r1"),
        ("report_date", "2020-03-04"),
        ("identification", "identified"),
        ("lawful_basis", "legal_obligation"),
        ("given_names", "Anna"),
        ("family_name", "van der Berg"),
        ("birth_date", "2005-07-08"),
        ("sex", "female"),
        ("nationality", "NL"),
        ("exploitation", "sexual:prostitution;criminal"),
    ]
}

fn with(
    mut row: Vec<(&'static str, &'static str)>,
    k: &'static str,
    v: &'static str,
) -> Vec<(&'static str, &'static str)> {
    row.retain(|(c, _)| *c != k);
    row.push((k, v));
    row
}

fn fields(err: RowErrors) -> Vec<&'static str> {
    err.0.iter().map(|e| e.field).collect()
}

#[test]
fn a_valid_identified_minor_report_under_legal_obligation_needs_no_consent() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let r = Report::parse(base().as_slice(), &ctx(&key)).unwrap();
    assert_eq!(r.attributes.age_at_report, Some(14));
    assert_eq!(r.attributes.minor, Some(true));
    assert_eq!(r.attributes.age_band, Some(AgeBand::A9to17));
    assert_eq!(r.attributes.birth_year, Some(2005));
    assert_eq!(
        r.attributes.exploitation,
        vec![Exploitation::Sexual(Some(SexualSector::Prostitution)), Exploitation::Criminal]
    );
    assert!(matches!(r.subject, Subject::Identified(_)));
    assert_eq!(r.pseudonym, stored(&key, "Anna", "van der Berg", NaiveDate::from_ymd_opt(2005, 7, 8)));
}

#[test]
fn consent_for_a_minor_needs_the_guardian() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let row = with(base(), "lawful_basis", "consent");
    assert_eq!(fields(Report::parse(row.as_slice(), &ctx(&key)).unwrap_err()), vec!["guardian_consent"]);
    let row = with(row, "guardian_consent", "given");
    assert!(Report::parse(row.as_slice(), &ctx(&key)).is_ok());
    let row = with(base(), "guardian_consent", "not_obtainable");
    assert!(Report::parse(row.as_slice(), &ctx(&key)).is_ok(), "public task / legal duty need no consent");
}

#[test]
fn a_statistical_report_with_a_pseudonym_carries_no_name_nor_birth_date() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let p = "ab".repeat(32);
    let p: &'static str = Box::leak(p.into_boxed_str());
    let row = with(with(base(), "identification", "statistical"), "pseudonym", p);
    let err = Report::parse(row.as_slice(), &ctx(&key)).unwrap_err();
    assert!(fields(err.clone()).contains(&"given_names") && fields(err).contains(&"birth_date"));
    let clean: Vec<_> =
        row.into_iter().filter(|(c, _)| !["given_names", "family_name", "birth_date"].contains(c)).collect();
    let clean = with(clean, "birth_year", "2005");
    let r = Report::parse(clean.as_slice(), &ctx(&key)).unwrap();
    assert_eq!(r.subject, Subject::Statistical);
    assert_eq!(
        r.pseudonym,
        REGISTER.rekey(DigestKind::Pseudonym, &Pseudonym::parse(p).unwrap()),
        "re-keyed on arrival"
    );
    assert_eq!(r.attributes.minor, Some(true), "a birth year of 2005 makes 14 or 15 in 2020");
}

#[test]
fn a_statistical_report_without_pseudonym_is_pseudonymised_and_keeps_no_identity() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let row = with(base(), "identification", "statistical");
    let r = Report::parse(row.as_slice(), &ctx(&key)).unwrap();
    assert_eq!(r.subject, Subject::Statistical);
    assert_eq!(r.pseudonym, stored(&key, "Anna", "van der Berg", NaiveDate::from_ymd_opt(2005, 7, 8)));
    let row = with(row, "citizen_number", "123456782");
    assert_eq!(fields(Report::parse(row.as_slice(), &ctx(&key)).unwrap_err()), vec!["citizen_number"]);
}

#[test]
fn dates_ages_and_codes_are_checked() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let cases: &[(&str, &str, &str)] = &[
        ("birth_date", "2021-01-01", "birth_date"),
        ("report_date", "2030-01-01", "report_date"),
        ("report_date", "2020-02-30", "report_date"),
        ("report_date", "04-03-2020", "report_date"),
        ("birth_year", "2004", "birth_year"),
        ("age_band", "18-20", "age_band"),
        ("age_at_start", "15", "age_at_start"),
        ("nationality", "XX", "nationality"),
        ("reporter_type", "politie", "reporter_type"),
        ("exploitation", "criminal:drugs", "exploitation"),
        ("municipality", "0363", "municipality"),
        ("sex", "f", "sex"),
    ];
    for (col, val, field) in cases {
        let row = with(base(), col, val);
        let err = Report::parse(row.as_slice(), &ctx(&key)).unwrap_err();
        assert!(fields(err.clone()).contains(field), "{col}={val}: {err}");
    }
    let adult = with(base(), "birth_date", "1990-01-01");
    let err = Report::parse(with(adult, "unaccompanied_minor", "true").as_slice(), &ctx(&key)).unwrap_err();
    assert_eq!(fields(err), vec!["unaccompanied_minor"]);
}

#[test]
fn every_broken_rule_of_a_row_is_reported_at_once() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let row: Vec<(&str, &str)> = vec![("reporter_type", "x"), ("report_date", "y")];
    let err = Report::parse(row.as_slice(), &ctx(&key)).unwrap_err();
    let f = fields(err);
    for want in
        ["reporter", "reporter_type", "external_id", "report_date", "identification", "lawful_basis", "exploitation"]
    {
        assert!(f.contains(&want), "{want} missing from {f:?}");
    }
}

#[test]
fn events_need_a_category_for_crimes_and_a_name_or_pseudonym() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let row: Vec<(&str, &str)> = vec![
        ("source", "police-victims"),
        ("external_id", "e1"),
        ("event_date", "2021-01-02"),
        ("kind", "victimisation"),
        ("family_name", "Jansen"),
    ];
    assert_eq!(fields(Event::parse(row.as_slice(), &ctx(&key)).unwrap_err()), vec!["crime_category"]);
    let ok = with(row.clone(), "crime_category", "assault");
    let e = Event::parse(ok.as_slice(), &ctx(&key)).unwrap();
    assert_eq!(e.crime_category, Some(CrimeCategory::Assault));
    assert_eq!(e.pseudonym, stored(&key, "", "Jansen", None), "events are re-keyed like reports");
    let death = with(with(row, "kind", "death"), "crime_category", "assault");
    assert_eq!(fields(Event::parse(death.as_slice(), &ctx(&key)).unwrap_err()), vec!["crime_category"]);
}

#[test]
fn dates_and_ages_outside_the_plausible_bounds_are_refused() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let adult = || with(with(base(), "birth_date", "1980-01-01"), "lawful_basis", "legal_obligation");
    let cases: &[(&str, &str, &str)] = &[
        ("report_date", "0001-01-01", "report_date"),
        ("report_date", "1989-12-31", "report_date"),
        ("birth_date", "1800-06-15", "birth_date"),
        ("birth_date", "1899-12-31", "birth_date"),
        ("age_at_start", "121", "age_at_start"),
    ];
    for (col, val, field) in cases {
        let err = Report::parse(with(adult(), col, val).as_slice(), &ctx(&key)).unwrap_err();
        assert!(fields(err.clone()).contains(field), "{col}={val}: {err}");
    }
    // 1900 is allowed, an age of 123 at the report date is not (119 is).
    let old = with(with(adult(), "birth_date", "1900-06-01"), "report_date", "2024-03-04");
    let err = Report::parse(old.as_slice(), &ctx(&key)).unwrap_err();
    assert!(err.to_string().contains("above 120"), "{err}");
    let stat = with(with(with(adult(), "identification", "statistical"), "birth_date", ""), "birth_year", "1890");
    assert!(fields(Report::parse(stat.as_slice(), &ctx(&key)).unwrap_err()).contains(&"birth_year"));
    let ok = with(with(base(), "report_date", "1990-01-01"), "birth_date", "1972-05-05");
    assert!(Report::parse(ok.as_slice(), &ctx(&key)).is_ok());
    let ok = with(adult(), "birth_date", "1900-06-01");
    assert_eq!(Report::parse(ok.as_slice(), &ctx(&key)).unwrap().attributes.age_at_report, Some(119));
    let event: Vec<(&str, &str)> = vec![
        ("source", "police-victims"),
        ("external_id", "e1"),
        ("event_date", "0001-01-01"),
        ("kind", "emigration"),
        ("family_name", "Jansen"),
    ];
    assert_eq!(fields(Event::parse(event.as_slice(), &ctx(&key)).unwrap_err()), vec!["event_date"]);
}

#[test]
fn placeholder_names_are_unknown_and_such_statistical_reports_are_never_one_person() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let placeholders =
        ["-", "?", ".", "N/A", "n/a", "onbekend", "Onbekend", "unknown", "N.N.", "XXX", "\u{200b}", "\u{202e}", "  "];
    let mut seen = std::collections::HashSet::new();
    for (i, p) in placeholders.iter().enumerate() {
        let id: &'static str = Box::leak(format!("s{i}").into_boxed_str());
        let row = with(
            with(
                with(with(with(base(), "identification", "statistical"), "given_names", p), "family_name", p),
                "birth_date",
                "",
            ),
            "external_id",
            id,
        );
        let r = Report::parse(row.as_slice(), &ctx(&key)).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(r.match_keys, None, "{p:?}");
        assert_eq!(r.birth_date_key, None, "{p:?}");
        assert_ne!(r.pseudonym, stored(&key, p, p, None), "{p:?} was used as a name");
        assert!(seen.insert(r.pseudonym), "{p:?}: two unnamed reports share a pseudonym");
        // An identified report needs a real name.
        let ident = with(with(base(), "given_names", p), "family_name", p);
        assert_eq!(fields(Report::parse(ident.as_slice(), &ctx(&key)).unwrap_err()), vec!["family_name"], "{p:?}");
    }
    // Re-importing the same unnamed report gives the same pseudonym (the import recognises it).
    let row = with(with(base(), "identification", "statistical"), "given_names", "-");
    let row = with(with(row, "family_name", "onbekend"), "birth_date", "");
    let a = Report::parse(row.as_slice(), &ctx(&key)).unwrap();
    let b = Report::parse(row.as_slice(), &ctx(&key)).unwrap();
    assert_eq!(a.pseudonym, b.pseudonym);
    // A known part is kept: the family name alone gives the pseudonym.
    let half = with(with(base(), "given_names", "onbekend"), "birth_date", "2005-07-08");
    let r = Report::parse(half.as_slice(), &ctx(&key)).unwrap();
    assert_eq!(r.pseudonym, stored(&key, "", "van der Berg", NaiveDate::from_ymd_opt(2005, 7, 8)));
    // `Na` is a family name; `N/A` is not.
    assert_eq!(zicht_model::pseudonym::known_name("Na"), Some("Na"));
    assert_eq!(zicht_model::pseudonym::known_name("N/A"), None);
    assert_eq!(zicht_model::pseudonym::known_name("Jan\u{200b}"), Some("Jan\u{200b}"));
}

#[test]
fn messages_name_the_column_and_rule_but_never_the_value() {
    let key = PseudonymKey::from_bytes([1; 32]);
    let secrets: &[(&str, &str)] = &[
        ("birth_date", "15-06-1987"),
        ("birth_date", "1987-06-15x"),
        ("birth_year", "1990"),
        ("report_date", "Fatima Jansen"),
        ("sex", "Fatima"),
        ("nationality", "Jansen"),
        ("reporter_type", "Fatima Jansen"),
        ("municipality", "Dorpsstraat 12"),
        ("age_at_start", "Fatima"),
        ("unaccompanied_minor", "Jansen"),
        ("exploitation", "Fatima"),
        ("age_band", "Jansen"),
    ];
    for (col, val) in secrets {
        let row = with(with(base(), "birth_date", "1987-06-15"), col, val);
        let row = with(row, "lawful_basis", "legal_obligation");
        let err = Report::parse(row.as_slice(), &ctx(&key)).unwrap_err().to_string();
        assert!(err.contains(col), "{col}: {err}");
        for secret in [*val, "1987-06-15", "1987", "Fatima", "Jansen", "15-06"] {
            assert!(!err.contains(secret), "{col}={val:?}: the message echoes {secret:?}: {err}");
        }
    }
    let err = Report::parse(with(base(), "birth_date", "15-06-1987").as_slice(), &ctx(&key)).unwrap_err();
    assert!(err.to_string().contains("day-month-year"), "{err}");
}
