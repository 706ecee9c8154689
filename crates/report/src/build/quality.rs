//! Section 7, data quality per reporter type.

use super::*;

pub(super) fn quality(c: &mut Ctx, s: &Scope<'_>) -> Result<(), ReportError> {
    let lang = s.lang;
    let identified = &s.identified;
    // 7. Data quality per reporter type: each "missing" column counts the same reports as the
    // "unknown" column of a registration table, so its column sum is that table's period total.
    let missing: [Missing; 5] = [
        ("missing_sex", "sex", |r| sex(r) == "unknown"),
        ("missing_birth_year", "birth_year", |r| r.birth_year.is_none()),
        ("missing_nationality", "nationality", |r| nationality(r) == "unknown"),
        ("missing_domestic", "domestic", |r| domestic(r) == "unknown"),
        ("missing_municipality", "municipality", |r| r.municipality.is_none()),
    ];
    let mut m = vec![vec![0i64; 1 + missing.len()]; REPORTER_TYPES.len()];
    for r in identified {
        let i = pos(REPORTER_TYPES, r.reporter_type.as_str());
        m[i][0] += 1;
        for (k, (_, _, f)) in missing.iter().enumerate() {
            m[i][k + 1] += i64::from(f(r));
        }
    }
    let cols: Vec<String> =
        std::iter::once("reports").chain(missing.iter().map(|x| x.0)).map(|k| t(lang, &format!("col.{k}"))).collect();
    let keep: Vec<usize> = (0..REPORTER_TYPES.len()).filter(|&i| m[i][0] > 0).collect();
    let keys: Vec<Vec<String>> = keep
        .iter()
        .map(|&i| {
            let rt = ("reporter", REPORTER_TYPES[i]);
            std::iter::once(c.key("reports", &[rt]))
                .chain(missing.iter().map(|(_, attr, _)| c.key("reports", &[rt, (attr, "unknown")])))
                .collect()
        })
        .collect();
    let mk: Vec<Vec<i64>> = keep.iter().map(|&i| m[i].clone()).collect();
    let rl: Vec<String> = keep.iter().map(|&i| cat(lang, REPORTER_TYPES[i])).collect();
    c.flat("quality", "quality", rl, cols, &keys, &mk)?;
    for (k, (_, attr, _)) in missing.iter().enumerate() {
        let mut parts = Vec::new();
        for (row, &i) in keep.iter().enumerate() {
            let rt = ("reporter", REPORTER_TYPES[i]);
            let reports = c.release.id(&keys[row][0]).expect("just added");
            let miss = c.release.id(&keys[row][k + 1]).expect("just added");
            let known = c.latent("reports", &[rt, (attr, "known")], m[i][0] - m[i][k + 1])?;
            c.relation(reports, &[miss, known])?;
            parts.push(miss);
        }
        let total: i64 = keep.iter().map(|&i| m[i][k + 1]).sum();
        let unknown = match c.release.id(&c.key("reports", &[(attr, "unknown")])) {
            Some(id) => id,
            None => c.latent("reports", &[(attr, "unknown")], total)?,
        };
        c.relation(unknown, &parts)?;
    }
    Ok(())
}
