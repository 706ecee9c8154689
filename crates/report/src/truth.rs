//! The simulator's truth files (`zicht simulate` writes them to `DIR/truth/`), for validation.

use std::collections::BTreeMap;
use std::path::Path;

use crate::ReportError;

/// The parts of the truth the monitor validates against.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// year → (persons registered, identified reports, true population).
    pub registered: BTreeMap<i32, (u64, u64, u64)>,
    /// (group, years) → (cohort, cumulative incidence).
    pub revictimisation: BTreeMap<(String, u32), (u64, f64)>,
}

fn read(path: &Path) -> Result<csv::Reader<std::fs::File>, ReportError> {
    csv::Reader::from_path(path)
        .map_err(|e| ReportError::Truth { path: path.display().to_string(), detail: e.to_string() })
}

impl Truth {
    /// Reads `registered.csv` and `revictimisation.csv` from a truth directory.
    pub fn read(dir: &Path) -> Result<Truth, ReportError> {
        let mut t = Truth::default();
        let p = dir.join("registered.csv");
        let bad = |p: &Path, line: u64, d: String| ReportError::Truth {
            path: p.display().to_string(),
            detail: format!("line {line}: {d}"),
        };
        let mut r = read(&p)?;
        let h = r.headers().map_err(|e| bad(&p, 1, e.to_string()))?.clone();
        let col = |name: &str, p: &Path| {
            h.iter().position(|c| c == name).ok_or_else(|| bad(p, 1, format!("no column `{name}`")))
        };
        let (y, pi, rep, st, pop) = (
            col("year", &p)?,
            col("persons_identified", &p)?,
            col("reports", &p)?,
            col("reports_statistical", &p)?,
            col("true_population", &p)?,
        );
        for (i, rec) in r.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| bad(&p, line, e.to_string()))?;
            let num = |c: usize| {
                rec.get(c).unwrap_or("").parse::<u64>().map_err(|e| bad(&p, line, format!("column {c}: {e}")))
            };
            let year: i32 = rec.get(y).unwrap_or("").parse().map_err(|e| bad(&p, line, format!("year: {e}")))?;
            t.registered.insert(year, (num(pi)?, num(rep)?.saturating_sub(num(st)?), num(pop)?));
        }
        let p = dir.join("revictimisation.csv");
        let mut r = read(&p)?;
        for (i, rec) in r.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| bad(&p, line, e.to_string()))?;
            let group = rec.get(0).unwrap_or("").to_string();
            let years: u32 = rec.get(1).unwrap_or("").parse().map_err(|e| bad(&p, line, format!("years: {e}")))?;
            let cohort: u64 = rec.get(2).unwrap_or("").parse().map_err(|e| bad(&p, line, format!("cohort: {e}")))?;
            let ci: f64 =
                rec.get(4).unwrap_or("").parse().map_err(|e| bad(&p, line, format!("cumulative_incidence: {e}")))?;
            t.revictimisation.insert((group, years), (cohort, ci));
        }
        Ok(t)
    }
}
