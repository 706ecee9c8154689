//! Section 6, care after 18, and the age at the start of the exploitation by age at registration.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub(super) fn care(c: &mut Ctx, s: &Scope<'_>) -> Result<(), ReportError> {
    let lang = s.lang;
    let (years, year_labels, identified) = (&s.years, &s.year_labels, &s.identified);
    // 6. Care after 18; age at start by age at registration.
    let mut m = vec![vec![0i64; 2]; years.len()];
    for (i, y) in years.iter().enumerate() {
        let mut minors = BTreeSet::new();
        let mut turning = BTreeSet::new();
        for r in identified.iter().filter(|r| report_year(r) == Some(*y) && age(r) == "minor") {
            minors.insert(r.person.as_str());
            if r.age_at_report == Some(17) {
                turning.insert(r.person.as_str());
            }
        }
        m[i] = vec![minors.len() as i64, turning.len() as i64];
    }
    let cols = vec![t(lang, "col.minors"), t(lang, "col.turn18")];
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| {
            vec![
                c.key("persons", &[("year", y), ("age", "minor")]),
                c.key("persons", &[("year", y), ("age", "minor_17")]),
            ]
        })
        .collect();
    c.flat("care", "care", year_labels.clone(), cols, &keys, &m)?;
    for (i, y) in year_labels.iter().enumerate() {
        let minors = c.release.id(&keys[i][0]).expect("just added");
        let at17 = c.release.id(&keys[i][1]).expect("just added");
        let younger = c.latent("persons", &[("year", y), ("age", "minor_under_17")], m[i][0] - m[i][1])?;
        c.relation(minors, &[at17, younger])?;
    }
    let mut firsts: BTreeMap<&str, &ReportRow> = BTreeMap::new();
    for r in identified {
        firsts.entry(r.person.as_str()).or_insert(r);
    }
    let mut m = vec![vec![0i64; AGES.len()]; AGES.len()];
    for r in firsts.values() {
        m[pos(&AGES, age_cat(r.age_at_start))][pos(&AGES, age(r))] += 1;
    }
    let (rows, cols) = (c.axis("age_start", &AGES), c.axis("age", &AGES));
    c.two_way("age_start", "care", "persons_first", rows, cols, &m, true)?;
    // A person's first report is one of the period's reports of that age.
    for a in AGES {
        if let (Some(first), Some(reports)) =
            (c.release.id(&c.key("persons_first", &[("age", a)])), c.release.id(&c.key("reports", &[("age", a)])))
        {
            let v = c.release.truth(reports) - c.release.truth(first);
            let slack = c.latent("reports_beyond_first", &[("age", a)], v)?;
            c.relation(reports, &[first, slack])?;
        }
    }
    // Nobody is older at the start of the exploitation than at the report: those cells are zeros
    // every reader knows (structural zeros), not small counts.
    for (i, j) in [(1, 0), (2, 0), (2, 1)] {
        if m[i][j] == 0 {
            let k = c.key("persons_first", &[("age_start", AGES[i]), ("age", AGES[j])]);
            let id = c.release.id(&k).expect("just added");
            c.release.state(id);
        }
    }
    Ok(())
}
