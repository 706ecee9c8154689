//! Section 2, the hidden: statistical reports and signals beside the identified reports.

use chrono::Datelike;
use zicht_disclose::Unit;
use zicht_disclose::linked::CellId;

use super::*;

/// Returns the counts per year (identified, statistical, signals; minors of each) for the dark number's facts.
pub(super) fn hidden(c: &mut Ctx, s: &Scope<'_>) -> Result<Vec<Vec<i64>>, ReportError> {
    let (x, lang) = (s.x, s.lang);
    let (years, year_labels, in_period) = (&s.years, &s.year_labels, &s.in_period);
    // 2. Statistical reports and signals.
    let signal_year = |s: &zicht_model::extract::SignalRow| Some(s.signal_date.year());
    let mut m = vec![vec![0i64; 6]; years.len()];
    for (i, y) in years.iter().enumerate() {
        for r in in_period.iter().filter(|r| report_year(r) == Some(*y)) {
            let minor = age(r) == "minor";
            if r.identification == zicht_model::Identification::Identified {
                m[i][0] += 1;
                m[i][3] += i64::from(minor);
            } else {
                m[i][1] += 1;
                m[i][4] += i64::from(minor);
            }
        }
        for s in x.signals.iter().filter(|s| signal_year(s) == Some(*y)) {
            m[i][2] += 1;
            m[i][5] +=
                i64::from(matches!(s.age_band, Some(zicht_model::AgeBand::A0to8 | zicht_model::AgeBand::A9to17)));
        }
    }
    let cols: Vec<String> =
        ["identified", "statistical", "signals", "minors_identified", "minors_statistical", "minors_signals"]
            .iter()
            .map(|k| t(lang, &format!("col.{k}")))
            .collect();
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| {
            let yy = ("year", y.as_str());
            vec![
                c.key("reports", &[yy]),
                c.key("statistical", &[yy]),
                c.key("signals", &[yy]),
                c.key("reports", &[yy, ("age", "minor")]),
                c.key("statistical", &[yy, ("age", "minor")]),
                c.key("signals", &[yy, ("age", "minor")]),
            ]
        })
        .collect();
    c.flat("hidden", "hidden", year_labels.clone(), cols, &keys, &m)?;
    let m_hidden = m.clone();
    // The share of minors added by statistical reports and signals: its base is the sum of the three
    // minors' cells and its numerator the last two, both cells of the model; the printed percentage
    // (one decimal) bounds the numerator for the reader.
    let mut share = Vec::with_capacity(years.len());
    for (i, y) in year_labels.iter().enumerate() {
        let r = &m[i];
        let ids: Vec<CellId> = keys[i][3..].iter().map(|k| c.release.id(k).expect("just added")).collect();
        let all = r[3] + r[4] + r[5];
        let base = c.printed("minors_all", &[("year", y)], all, W_TOTAL)?;
        c.relation(base, &ids)?;
        let added = c.latent("minors_added", &[("year", y)], r[4] + r[5])?;
        c.relation(added, &ids[1..])?;
        // The public edition computes the percentage from the published (perturbed) counts
        // (post-processing), so it says no more than they do.
        let (num, den) =
            (published(c.policy, c.release.key(added), r[4] + r[5]), published(c.policy, c.release.key(base), all));
        let v = (den > 0).then(|| round1(100.0 * num as f64 / den as f64));
        let cell = c.share(v, None, Some(base), all, Some((r[4] + r[5], r[3])));
        if let (Pending::Share { rule: Flag::Shown, .. }, Some(p)) = (&cell, v) {
            let (lo, hi) = if c.policy.edition() == "public" {
                // The reader gets the published numerator from the published base.
                published_window(c.policy, c.release.key(added), r[4] + r[5])
            } else {
                // p ± 0.05 % of the base.
                (((p - 0.05) * all as f64 / 100.0).ceil() as i64, ((p + 0.05) * all as f64 / 100.0).floor() as i64)
            };
            c.ratio_known.push((added, base, lo.max(0), hi));
        }
        c.ratios.push(crate::Ratio {
            numerator: c.release.key(added).to_string(),
            base: c.release.key(base).to_string(),
            table: "hidden_share".into(),
            row: i,
            column: 0,
        });
        share.push(vec![cell]);
    }
    c.push(
        "hidden_share",
        "hidden",
        Unit::Percent,
        false,
        year_labels.clone(),
        vec![t(lang, "col.share_added")],
        share,
        vec![],
    );
    Ok(m_hidden)
}
