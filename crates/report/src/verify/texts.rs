//! The checker's audit of the release's words: every text in `monitor.json` (titles, definitions,
//! labels, notes, figure texts, alerts, the stated policy) is either a fixed text of the release
//! definition or has the one form the definition gives it, so a count cannot ride in a sentence.
//! What the page and the workbook say is the JSON rendered again ([`super::verify_against`]), so
//! auditing the JSON's texts audits theirs.
//!
//! Digits are where the definition puts them: years of the period, the horizons of the curves
//! (`{n} yr`, months 1–84), CBS municipality codes, digits inside a message text, and the model
//! estimates in the dark number's row notes beside an estimate that is shown.

use zicht_disclose::Policy;

use super::{Finding, finding};
use crate::build::{CURVE_MONTHS, REPORTER_TYPES, YEARS_CI, document_notes};
use crate::messages::{Lang, cat, is_message, t, tf};
use crate::{Monitor, SCHEMA};

/// Every text of `m` checked against the release definition (rules `text`, `figure`, `alert`,
/// `policy`).
pub(super) fn audit_texts(m: &Monitor) -> Vec<Finding> {
    let mut out = Vec::new();
    let lang = m.lang;
    let mut fixed = |table: &str, what: &str, found: &str, want: &str| {
        if found != want {
            out.push(finding(table, 0, 0, "text", format!("the {what} is not the release definition's: `{found}`")));
        }
    };
    fixed("", "schema", &m.schema, SCHEMA);
    fixed("", "title", &m.title, &t(lang, "doc.title"));
    let period = format!("{}–{}", m.period.from, m.period.to);
    for tab in &m.tables {
        fixed(&tab.id, "title", &tab.title, &t(lang, &format!("t.{}", tab.id)));
        fixed(&tab.id, "definition", &tab.definition, &t(lang, &format!("t.{}.def", tab.id)));
        fixed(&tab.id, "source", &tab.source, &t(lang, "doc.source"));
        fixed(&tab.id, "period", &tab.period, &period);
    }
    let notes = document_notes(lang, &m.edition);
    if m.notes != notes {
        let at = m.notes.iter().zip(&notes).position(|(a, b)| a != b).unwrap_or(m.notes.len().min(notes.len()));
        out.push(finding(
            "notes",
            at,
            0,
            "text",
            format!(
                "note {} is not the release definition's (it has {} notes, the file {})",
                at + 1,
                notes.len(),
                m.notes.len()
            ),
        ));
    }
    for tab in &m.tables {
        if !crate::html::SECTIONS.contains(&tab.section.as_str()) {
            out.push(finding(&tab.id, 0, 0, "text", format!("section `{}` is not a section of the page", tab.section)));
        }
        for (i, l) in tab.grid.rows.iter().enumerate() {
            if !label_allowed(m, &tab.id, l, false) {
                out.push(finding(
                    &tab.id,
                    i,
                    0,
                    "text",
                    format!("row label `{l}` has digits the release definition does not give"),
                ));
            }
        }
        for (j, l) in tab.grid.columns.iter().enumerate() {
            if !label_allowed(m, &tab.id, l, true) {
                out.push(finding(
                    &tab.id,
                    0,
                    j,
                    "text",
                    format!("column label `{l}` has digits the release definition does not give"),
                ));
            }
        }
        if tab.row_notes.len() > tab.grid.rows.len() {
            out.push(finding(&tab.id, 0, 0, "text", "more row notes than rows".into()));
        }
        // A row note's numbers are the model estimates of the row's estimate: only beside one shown.
        for (i, n) in tab.row_notes.iter().enumerate() {
            let shown = tab.id == "dark"
                && tab.grid.cells.get(i).is_some_and(|r| !r.is_empty() && r.iter().all(|c| c.value.is_some()));
            if !shown && has_digits_beyond_messages(lang, n) {
                out.push(finding(
                    &tab.id,
                    i,
                    0,
                    "text",
                    "a row note with numbers beside a row that shows no estimate".to_string(),
                ));
            }
        }
    }
    match crate::html::figures(&m.tables, lang) {
        Ok(want) => {
            let same = want.len() == m.figures.len()
                && want.iter().zip(&m.figures).all(|(a, b)| {
                    (&a.id, &a.section, &a.title, &a.alt, &a.table) == (&b.id, &b.section, &b.title, &b.alt, &b.table)
                });
            if !same {
                out.push(finding(
                    "figures",
                    0,
                    0,
                    "figure",
                    "the figures' titles or text alternatives are not those the tables give".into(),
                ));
            }
        }
        Err(e) => out.push(finding("figures", 0, 0, "figure", format!("the figures cannot be drawn: {e}"))),
    }
    out.extend(audit_alerts(m));
    let want = if m.edition == "public" { Policy::public_as_published() } else { Policy::internal() };
    if serde_json::to_value(&m.policy).ok() != serde_json::to_value(&want).ok() {
        out.push(finding(
            "policy",
            0,
            0,
            "policy",
            format!("the stated rules are not the {} edition's (threshold 10, base 50)", m.edition),
        ));
    }
    out
}

/// Whether a row or column label of `table` has digits only where the release definition puts them.
fn label_allowed(m: &Monitor, table: &str, label: &str, column: bool) -> bool {
    let lang = m.lang;
    if !label.chars().any(|c| c.is_ascii_digit()) || is_message(lang, label) {
        return true;
    }
    let year = |s: &str| s.len() == 4 && s.parse::<i32>().is_ok_and(|y| (m.period.from..=m.period.to).contains(&y));
    // A year, alone or with a category (the dark number's rows).
    if let Some((y, rest)) = label.split_once(' ').map_or(Some((label, "")), Some)
        && year(y)
        && (rest.is_empty() || is_message(lang, rest))
    {
        return true;
    }
    // A horizon of the re-victimisation tables.
    if column && YEARS_CI.iter().any(|y| label == tf(lang, "col.years", &[("n", format!("{y}"))])) {
        return true;
    }
    if column && table == "revict_curves" && label.parse::<usize>().is_ok_and(|k| (1..=CURVE_MONTHS).contains(&k)) {
        return true;
    }
    // A CBS municipality code (GM and four digits).
    table == "reg_by_municipality"
        && label.len() == 6
        && label.starts_with("GM")
        && label[2..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether `text` holds a digit outside the message texts it is built from (the lists' letters and
/// the fixed words are not numbers; an estimate is).
fn has_digits_beyond_messages(lang: Lang, text: &str) -> bool {
    text.split("; ").any(|part| part.chars().any(|c| c.is_ascii_digit()) && !is_message(lang, part))
}

/// The alerts: a reporter type of the definition (a single organisation only in the internal
/// edition, rule `alert_level` elsewhere), one of the two kinds, months of the period in order, and
/// the level after the change rounded to 10 % of before.
fn audit_alerts(m: &Monitor) -> Vec<Finding> {
    let lang = m.lang;
    let mut out = Vec::new();
    let month = |s: &str| -> Option<(i32, u32)> {
        let (y, mo) = s.split_once('-')?;
        let (y, mo) = (y.parse::<i32>().ok()?, mo.parse::<u32>().ok()?);
        (s.len() == 7 && (m.period.from..=m.period.to).contains(&y) && (1..=12).contains(&mo)).then_some((y, mo))
    };
    for (i, a) in m.alerts.iter().enumerate() {
        let mut bad = |what: String| out.push(finding("alerts", i, 0, "alert", what));
        match a.level.as_str() {
            "reporter_type" => {
                if !REPORTER_TYPES.iter().any(|c| cat(lang, c) == a.subject) {
                    bad(format!("`{}` is not a reporter type", a.subject));
                }
            }
            // A single organisation, by its reporter code (checked against the edition elsewhere).
            "reporter" => {
                if a.subject.is_empty() || a.subject.len() > 64 || a.subject.chars().any(char::is_whitespace) {
                    bad(format!("`{}` is not a reporter code", a.subject));
                }
            }
            other => bad(format!("level `{other}` is neither reporter_type nor reporter")),
        }
        if a.kind != t(lang, "alert.drop") && a.kind != t(lang, "alert.silence") {
            bad(format!("kind `{}` is not an alert of the definition", a.kind));
        }
        match (month(&a.start), month(&a.signalled)) {
            (Some(s), Some(e)) if s <= e => {}
            _ => bad(format!("months `{}` → `{}` are not months of the period in order", a.start, a.signalled)),
        }
        if a.level_after_percent % 10 != 0 || !(0..=100).contains(&a.level_after_percent) {
            bad(format!("level after {} % is not a multiple of 10 from 0 to 100", a.level_after_percent));
        }
    }
    out
}
