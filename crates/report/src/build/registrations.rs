//! Section 1, registrations: year × one attribute each over the same reports, and the persons per year.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use zicht_disclose::linked::CellId;

use super::*;

pub(super) fn registrations<'a>(c: &mut Ctx, s: &Scope<'a>) -> Result<BTreeMap<i32, BTreeSet<&'a str>>, ReportError> {
    let (x, lang) = (s.x, s.lang);
    let (years, year_labels, identified) = (&s.years, &s.year_labels, &s.identified);
    let yr = |r: &&ReportRow| report_year(r);
    // 1. Registrations: year × one attribute each, all over the same reports, so their year totals
    // are one cell of the model and their column totals are the period totals the quality table sums.
    let breakdowns: [Breakdown; 7] = [
        ("reg_by_form", "form", &FORMS, |r| form(r)),
        ("reg_by_group", "group", &GROUPS, group),
        ("reg_by_age", "age", &AGES, age),
        ("reg_by_sex", "sex", &SEXES, sex),
        ("reg_by_nationality", "nationality", &NATIONALITIES, nationality),
        ("reg_by_reporter", "reporter", REPORTER_TYPES, |r| r.reporter_type.as_str()),
        ("reg_by_domestic", "domestic", &DOMESTIC, domestic),
    ];
    for (id, attr, codes, f) in breakdowns {
        let m = cross(identified, years, yr, |r| pos(codes, f(r)), codes.len());
        let cols = c.axis(attr, codes);
        c.two_way(id, "registrations", "reports", Ctx::years_axis(years), cols, &m, true)?;
    }
    // The victim group refines the form: sexual = domestic + cross-border sexual; other and unknown
    // form = the group "other".
    for y in year_labels {
        let f = |c: &Ctx<'_>, attr: &str, v: &str| c.release.id(&c.key("reports", &[("year", y), (attr, v)]));
        let g = |name: &str| f(c, "group", name);
        let fm = |name: &str| f(c, "form", name);
        let rels: [(Option<CellId>, Vec<Option<CellId>>); 4] = [
            (fm("sexual"), vec![g("domestic_sexual"), g("cross_border_sexual")]),
            (fm("labour"), vec![g("labour")]),
            (fm("criminal"), vec![g("criminal")]),
            (g("other"), vec![fm("other"), fm("unknown")]),
        ];
        for (total, parts) in rels {
            if let (Some(total), Some(parts)) = (total, parts.into_iter().collect::<Option<Vec<_>>>()) {
                c.relation(total, &parts)?;
            }
        }
    }
    // Region: municipality (CBS code) by year. Municipalities are the finest public geography; small
    // ones fall under the suppression rules like any cell.
    let municipalities: Vec<String> = identified
        .iter()
        .filter_map(|r| r.municipality.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .chain(std::iter::once("unknown".to_string()))
        .collect();
    let mut m = vec![vec![0i64; years.len()]; municipalities.len()];
    for r in identified {
        if let Some(y) = report_year(r).and_then(|y| years.iter().position(|&x| x == y)) {
            let code = r.municipality.as_deref().unwrap_or("unknown");
            let i = municipalities.iter().position(|c| c == code).unwrap_or(municipalities.len() - 1);
            m[i][y] += 1;
        }
    }
    let rows = Axis {
        attr: "municipality",
        labels: municipalities.iter().map(|c| cat(lang, c)).collect(),
        codes: municipalities.clone(),
    };
    c.two_way("reg_by_municipality", "registrations", "reports", rows, Ctx::years_axis(years), &m, true)?;
    // Persons and reports.
    let mut first_seen: HashMap<&str, i32> = HashMap::new();
    for r in &x.reports {
        if r.identification == zicht_model::Identification::Identified
            && let Some(y) = report_year(r)
        {
            let e = first_seen.entry(r.person.as_str()).or_insert(y);
            *e = (*e).min(y);
        }
    }
    let mut m = vec![vec![0i64; 3]; years.len()];
    let mut persons_year: BTreeMap<i32, BTreeSet<&str>> = BTreeMap::new();
    for r in identified {
        if let Some(y) = report_year(r) {
            persons_year.entry(y).or_default().insert(r.person.as_str());
        }
    }
    for (i, y) in years.iter().enumerate() {
        m[i][0] = identified.iter().filter(|r| report_year(r) == Some(*y)).count() as i64;
        let ps = persons_year.get(y).cloned().unwrap_or_default();
        m[i][1] = ps.len() as i64;
        m[i][2] = ps.iter().filter(|p| first_seen.get(*p) == Some(y)).count() as i64;
    }
    let cols = vec![t(lang, "col.reports"), t(lang, "col.persons"), t(lang, "col.new_persons")];
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| ["reports", "persons", "new_persons"].iter().map(|p| c.key(p, &[("year", y)])).collect())
        .collect();
    c.flat("persons", "registrations", year_labels.clone(), cols, &keys, &m)?;
    // New persons are persons of the year: persons = new + seen before.
    for (i, y) in year_labels.iter().enumerate() {
        let all = c.release.id(&keys[i][1]).expect("just added");
        let new = c.release.id(&keys[i][2]).expect("just added");
        let old = c.latent("persons_seen_before", &[("year", y)], m[i][1] - m[i][2])?;
        c.relation(all, &[new, old])?;
    }
    Ok(persons_year)
}
