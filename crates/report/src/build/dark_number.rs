//! Section 5, the dark number per year, from one model over the period ([`crate::dark`]).

use std::collections::BTreeMap;

use zicht_disclose::Unit;
use zicht_disclose::linked::CellId;

use super::*;

pub(super) fn dark_number(c: &mut Ctx, s: &Scope<'_>, m_hidden: &[Vec<i64>]) -> Result<DarkByYear, ReportError> {
    let (opts, lang) = (s.opts, s.lang);
    let (years, year_labels, identified) = (&s.years, &s.year_labels, &s.identified);
    // 5. Dark number per year, from one model over the period (crate::dark). The bases are persons of
    // the year (all, with a minor's report, with no minor's report): cells of the model shared with the
    // persons and care tables, with the persons seen as both latent.
    let seen = crate::dark::person_years(identified, years, report_year, |r| age(r) == "minor", list_of);
    let dark = crate::dark::estimate_people(&seen, years, &LISTS, opts.dark_replicates, opts.dark_design);
    let mut rows_l = Vec::new();
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    let mut dark_all: BTreeMap<i32, (Option<f64>, i64, Option<CellId>)> = BTreeMap::new();
    for &y in years {
        let ys = y.to_string();
        let mut kinds: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for r in identified.iter().filter(|r| report_year(r) == Some(y)) {
            let e = kinds.entry(r.person.as_str()).or_default();
            if age(r) == "minor" {
                e.0 = true;
            } else {
                e.1 = true;
            }
        }
        let count = |f: fn(&(bool, bool)) -> bool| kinds.values().filter(|k| f(k)).count() as i64;
        let n_all = kinds.len() as i64;
        let all_id = c.printed("persons", &[("year", &ys)], n_all, W_TOTAL)?;
        let minor_id = c.printed("persons", &[("year", &ys), ("age", "minor")], count(|k| k.0), W_TOTAL)?;
        // Persons with an adult's report: no table prints them since the adult estimate is of the
        // persons with no minor's report, but readers' facts below still hold of them.
        let adult_id = c.latent("persons", &[("year", &ys), ("age", "adult")], count(|k| k.1))?;
        let mo = c.latent("persons", &[("year", &ys), ("age", "minor_only")], count(|k| k.0 && !k.1))?;
        // Printed: the base of the adult estimate (persons with no minor's report).
        let ao = c.printed("persons", &[("year", &ys), ("age", "adult_only")], count(|k| !k.0 && k.1), W_TOTAL)?;
        let both = c.latent("persons", &[("year", &ys), ("age", "minor_and_adult")], count(|k| k.0 && k.1))?;
        c.relation(all_id, &[mo, ao, both])?;
        c.relation(minor_id, &[mo, both])?;
        c.relation(adult_id, &[ao, both])?;
        // A person with a minor's report in the year counts as a minor, so that the groups add up:
        // the adult group is the persons with no minor's report (all − minor, known to every reader).
        for (stratum, base, n) in
            [("all", all_id, n_all), ("minor", minor_id, count(|k| k.0)), ("adult", ao, count(|k| !k.0 && k.1))]
        {
            let e = dark.estimates.get(&(y, stratum));
            rows_l.push(format!("{y} {}", cat(lang, stratum)));
            cells.push(vec![c.share(
                e.map(|e| e.estimate.round()),
                e.map(|e| (e.interval.0.round(), e.interval.1.round())),
                Some(base),
                n,
                None,
            )]);
            // The lists, the estimate's warnings, and why there is none.
            let flags = e.into_iter().flat_map(|e| e.flags.iter().map(|f| t(lang, f)));
            // The models that carry the average, side by side: how much the choice of model matters.
            // Only beside an estimate that is shown (a base of at least 50).
            let models = e.filter(|_| dark.models.len() > 1 && n >= c.policy.min_base).map(|e| {
                let list: Vec<String> = dark
                    .models
                    .iter()
                    .zip(&e.by_model)
                    .map(|(m, v)| {
                        let name = if m.against_best.is_empty() {
                            t(lang, "note.chosen_model")
                        } else {
                            m.against_best.clone()
                        };
                        let v = v.map_or("–".to_string(), |v| format!("{v:.0}"));
                        format!("{name} {v} ({:.0} %)", 100.0 * m.weight)
                    })
                    .collect();
                tf(lang, "note.dark_models", &[("list", list.join("; "))])
            });
            let note = std::iter::once(format!("lists {}", dark.lists.join(" ")))
                .chain(flags)
                .chain(models)
                .chain(dark.note.clone());
            notes.push(note.collect::<Vec<_>>().join("; "));
            if stratum == "all" {
                dark_all.insert(y, (e.map(|e| e.estimate.round()), n, Some(base)));
            }
        }
    }
    // One model for every row: named once, on the first.
    if let Some(first) = notes.first_mut()
        && !dark.model.is_empty()
    {
        first.push_str(&format!("; model {}", dark.model));
    }
    c.push("dark", "dark", Unit::Estimate, false, rows_l, vec![t(lang, "col.estimate")], cells, notes);

    // What every reader knows besides: a person of a year has at least one report of that year
    // (of a minor's report, a minor's report; of an adult's, a report that is not a minor's); a
    // statistical report or signal of a minor is one of the year's. Each as `total = part + slack`
    // with the slack latent.
    for (i, y) in year_labels.iter().enumerate() {
        let yy = ("year", y.as_str());
        let id = |c: &Ctx<'_>, pop: &str, attrs: &[(&str, &str)]| c.release.id(&c.key(pop, attrs));
        let (Some(reports), Some(minor_reports), Some(persons), Some(minor_persons), Some(adult_persons)) = (
            id(c, "reports", &[yy]),
            id(c, "reports", &[yy, ("age", "minor")]),
            id(c, "persons", &[yy]),
            id(c, "persons", &[yy, ("age", "minor")]),
            id(c, "persons", &[yy, ("age", "adult")]),
        ) else {
            continue;
        };
        let t = |c: &Ctx<'_>, id: CellId| c.release.truth(id);
        let not_minor = c.latent("reports", &[yy, ("age", "not_minor")], t(c, reports) - t(c, minor_reports))?;
        c.relation(reports, &[minor_reports, not_minor])?;
        for (total, part, name) in [
            (reports, persons, "all"),
            (minor_reports, minor_persons, "minor"),
            (not_minor, adult_persons, "not_minor"),
        ] {
            let slack = c.latent("reports_beyond_first", &[yy, ("age", name)], t(c, total) - t(c, part))?;
            c.relation(total, &[part, slack])?;
        }
        for pop in ["statistical", "signals"] {
            if let (Some(all), Some(minors)) = (id(c, pop, &[yy]), id(c, pop, &[yy, ("age", "minor")])) {
                let rest = c.latent(
                    pop,
                    &[yy, ("age", "not_minor")],
                    m_hidden[i][if pop == "statistical" { 1 } else { 2 }] - t(c, minors),
                )?;
                let _ = t(c, all);
                c.relation(all, &[minors, rest])?;
            }
        }
    }
    Ok(dark_all)
}
