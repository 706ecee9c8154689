//! Section 4, re-victimisation: the cohort's cumulative incidence by subgroup, its curves, the crimes that follow.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use zicht_disclose::Unit;
use zicht_disclose::linked::CellId;

use super::*;

pub(super) fn revictimisation(c: &mut Ctx, s: &Scope<'_>) -> Result<Revictimisation, ReportError> {
    let (x, lang, from, to) = (s.x, s.lang, s.from, s.to);
    // 4. Re-victimisation.
    let end = NaiveDate::from_ymd_opt(to, 12, 31).unwrap_or(NaiveDate::MAX);
    let persons = cohort(x, from, to, end);
    let ci_cols: Vec<String> = YEARS_CI.iter().map(|y| tf(lang, "col.years", &[("n", format!("{y}"))])).collect();
    let victim = CohortOptions { outcome: Outcome::Victimisation { categories: None } };
    let suspect = CohortOptions { outcome: Outcome::Suspect };
    let mut revict_overall: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    // The cohort's sizes per subgroup are cells of the model (the bases of every curve), with
    // "unknown" latent: all = Σ groups for each subgrouping.
    let subgroupings = [
        (Subgrouping::All, "all"),
        (Subgrouping::MinorAtRegistration, "minor"),
        (Subgrouping::FormOfExploitation, "form"),
        (Subgrouping::VictimGroup, "group"),
    ];
    let mut base_of: BTreeMap<(&str, String), CellId> = BTreeMap::new();
    if !persons.is_empty() {
        let all = c.printed("cohort", &[], persons.len() as i64, W_HEADLINE)?;
        base_of.insert(("all", "all".into()), all);
        for (by, name) in &subgroupings[1..] {
            let mut n: BTreeMap<String, i64> = BTreeMap::new();
            for p in &persons {
                *n.entry(by.label(p)).or_default() += 1;
            }
            let mut parts = Vec::new();
            for (g, v) in n {
                let id = if g == "unknown" {
                    c.latent("cohort", &[(name, &g)], v)?
                } else {
                    c.printed("cohort", &[(name, &g)], v, W_TOTAL)?
                };
                parts.push(id);
                base_of.insert((name, g), id);
            }
            c.relation(all, &parts)?;
        }
    }
    if !persons.is_empty() {
        for (outcome, id) in [(&victim, "revict"), (&suspect, "overlap")] {
            let mut ci_rows = Vec::new();
            let mut ci_cells = Vec::new();
            let rows = build_cohort(&persons, outcome).map_err(|e| ReportError::Chart(e.to_string()))?;
            let subs: &[(Subgrouping, &str)] = if id == "revict" { &subgroupings } else { &subgroupings[..2] };
            for &(by, name) in subs {
                let inc = incidence_by_subgroup(&persons, &rows, by, &YEARS_CI, true).unwrap_or_default();
                for g in inc {
                    if g.group == "unknown" {
                        continue;
                    }
                    ci_rows.push(cat(lang, &g.group));
                    let base = base_of.get(&(name, g.group.clone())).copied();
                    let follow = FollowUp::of(&persons, &rows, by, &g.group);
                    let cells: Vec<Pending> =
                        g.at.iter()
                            .map(|&(t, p, v)| {
                                let iv = p.zip(v).map(|(p, v)| {
                                    let se = v.max(0.0).sqrt();
                                    (round1(100.0 * (p - 1.96 * se).max(0.0)), round1(100.0 * (p + 1.96 * se).min(1.0)))
                                });
                                c.share(p.map(|p| round1(100.0 * p)), iv, base, g.n as i64, Some(follow.at(t)))
                            })
                            .collect();
                    if id == "revict" && by != Subgrouping::FormOfExploitation && by != Subgrouping::VictimGroup {
                        revict_overall.insert(g.group.clone(), cells.iter().map(pending_value).collect());
                    }
                    ci_cells.push(cells);
                }
            }
            c.push(id, "revictimisation", Unit::Percent, false, ci_rows, ci_cols.clone(), ci_cells, vec![]);
            if id == "revict" {
                // Curves by month, minors and adults and all; every step under the frequency rule.
                let months: Vec<f64> = (1..=CURVE_MONTHS).map(|m| m as f64 / 12.0).collect();
                let mut rows_l = Vec::new();
                let mut cells = Vec::new();
                for (by, name) in &subgroupings[..2] {
                    for g in incidence_by_subgroup(&persons, &rows, *by, &months, true).unwrap_or_default() {
                        if g.group == "unknown" {
                            continue;
                        }
                        rows_l.push(cat(lang, &g.group));
                        let base = base_of.get(&(*name, g.group.clone())).copied();
                        let follow = FollowUp::of(&persons, &rows, *by, &g.group);
                        cells.push(
                            g.at.iter()
                                .map(|&(t, p, _)| {
                                    c.share(p.map(|p| round1(100.0 * p)), None, base, g.n as i64, Some(follow.at(t)))
                                })
                                .collect(),
                        );
                    }
                }
                let cols: Vec<String> = (1..=CURVE_MONTHS).map(|m| format!("{m}")).collect();
                c.push("revict_curves", "revictimisation", Unit::Percent, false, rows_l, cols, cells, vec![]);
                // Crimes that follow.
                let mut m = vec![vec![0i64; 1]; CRIMES.len()];
                for p in &persons {
                    let mut seen = BTreeSet::new();
                    for e in &p.events {
                        if let FollowUpKind::Victimisation { category } = &e.kind
                            && e.date > p.entry
                            && e.date <= p.end_of_follow_up
                        {
                            seen.insert(pos(&CRIMES, category));
                        }
                    }
                    for s in seen {
                        m[s][0] += 1;
                    }
                }
                let rows_l = c.labels(&CRIMES);
                let keys: Vec<Vec<String>> =
                    CRIMES.iter().map(|k| vec![c.key("cohort_later", &[("crime", k)])]).collect();
                c.flat("crimes_after", "revictimisation", rows_l, vec![t(lang, "col.later_victims")], &keys, &m)?;
                // Each crime's later victims are persons of the cohort.
                if let Some(&all) = base_of.get(&("all", "all".to_string())) {
                    for ((k, row), name) in keys.iter().zip(&m).zip(CRIMES) {
                        let crime = c.release.id(&k[0]).expect("just added");
                        let rest = c.latent("cohort_not_later", &[("crime", name)], persons.len() as i64 - row[0])?;
                        c.relation(all, &[crime, rest])?;
                    }
                }
            }
        }
    }
    Ok(Revictimisation { persons, base_of, overall: revict_overall, ci_cols })
}
