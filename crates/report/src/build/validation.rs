//! The validation block: the monitor's numbers beside the simulator's truth (only with a truth).

use std::collections::{BTreeMap, BTreeSet};

use zicht_disclose::Unit;

use super::*;

pub(super) fn validation(
    c: &mut Ctx,
    s: &Scope<'_>,
    persons_year: &BTreeMap<i32, BTreeSet<&str>>,
    revict: &Revictimisation,
    dark_all: &DarkByYear,
) -> Result<(), ReportError> {
    let (opts, lang) = (s.opts, s.lang);
    let (years, year_labels, identified) = (&s.years, &s.year_labels, &s.identified);
    let (persons, base_of, revict_overall, ci_cols) =
        (&revict.persons, &revict.base_of, &revict.overall, &revict.ci_cols);
    // Validation.
    if let Some(truth) = &opts.truth {
        let mut m = vec![vec![0i64; 5]; years.len()];
        for (i, y) in years.iter().enumerate() {
            let (tp, tr, pop) = truth.registered.get(y).copied().unwrap_or_default();
            m[i] = vec![
                identified.iter().filter(|r| report_year(r) == Some(*y)).count() as i64,
                tr as i64,
                persons_year.get(y).map_or(0, BTreeSet::len) as i64,
                tp as i64,
                pop as i64,
            ];
        }
        let cols: Vec<String> =
            ["reports_monitor", "reports_truth", "persons_monitor", "persons_truth", "population_truth"]
                .iter()
                .map(|k| t(lang, &format!("col.{k}")))
                .collect();
        let keys: Vec<Vec<String>> = year_labels
            .iter()
            .map(|y| {
                ["reports", "truth_reports", "persons", "truth_persons", "truth_population"]
                    .iter()
                    .map(|p| c.key(p, &[("year", y)]))
                    .collect()
            })
            .collect();
        c.flat("val_registered", "validation", year_labels.clone(), cols, &keys, &m)?;
        let mut rows_l = Vec::new();
        let mut cells = Vec::new();
        for g in ["all", "minor", "adult"] {
            let name = if g == "all" { "all" } else { "minor" };
            if let Some(est) = revict_overall.get(g) {
                let n = persons.iter().filter(|p| g == "all" || p.minor_at_registration == Some(g == "minor")).count();
                let base = base_of.get(&(name, g.to_string())).copied();
                rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.monitor")));
                cells.push(est.iter().map(|v| c.share(*v, None, base, n as i64, None)).collect());
            }
            rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.truth")));
            cells.push(
                YEARS_CI
                    .iter()
                    .map(|&yv| {
                        let k = (g.to_string(), yv as u32);
                        let (n, ci) = truth.revictimisation.get(&k).copied().unwrap_or((0, f64::NAN));
                        c.share(ci.is_finite().then(|| round1(100.0 * ci)), None, None, n as i64, None)
                    })
                    .collect(),
            );
        }
        c.push("val_revict", "validation", Unit::Percent, false, rows_l, ci_cols.clone(), cells, vec![]);
        let mut cells = Vec::new();
        for y in years {
            let (est, n, base) = dark_all.get(y).copied().unwrap_or((None, 0, None));
            let pop = truth.registered.get(y).map_or(0, |v| v.2);
            cells
                .push(vec![c.share(est, None, base, n, None), c.share(Some(pop as f64), None, None, pop as i64, None)]);
        }
        let cols = vec![t(lang, "col.estimate"), t(lang, "col.population_truth")];
        c.push("val_dark", "validation", Unit::Estimate, false, year_labels.clone(), cols, cells, vec![]);
    }
    Ok(())
}
