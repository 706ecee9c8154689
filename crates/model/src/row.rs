//! Field-level parsing shared by reports, events and signals: one place that turns a column's text into a
//! typed value or a [`FieldError`] that names the column and the rule broken.

use chrono::NaiveDate;

/// One input row, by column name. Implementations return `None` for an absent or blank cell, and the
/// cell trimmed otherwise.
pub trait Row {
    fn get(&self, column: &str) -> Option<&str>;
}

impl Row for std::collections::HashMap<String, String> {
    fn get(&self, column: &str) -> Option<&str> {
        self.get(column).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

impl Row for [(&str, &str)] {
    fn get(&self, column: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == column).map(|(_, v)| v.trim()).filter(|s| !s.is_empty())
    }
}

/// A broken rule, tied to the column that broke it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct FieldError {
    pub field: &'static str,
    pub rule: String,
}

/// All the rules a row broke (at least one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct RowErrors(pub Vec<FieldError>);

/// Collects field errors while a row is parsed, so that one pass reports every problem of a row.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn fail(&mut self, field: &'static str, rule: impl Into<String>) {
        self.errors.push(FieldError { field, rule: rule.into() });
    }

    /// Whether a field already failed.
    pub fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, RowErrors> {
        if self.errors.is_empty() { Ok(value()) } else { Err(RowErrors(self.errors)) }
    }

    /// Parses an optional cell with `parse`, recording its error.
    pub fn optional<T, E: std::fmt::Display>(
        &mut self,
        row: &(impl Row + ?Sized),
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = row.get(field)?;
        match parse(raw) {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(field, e.to_string());
                None
            }
        }
    }

    /// Parses a required cell with `parse`.
    pub fn parsed<T, E: std::fmt::Display>(
        &mut self,
        row: &(impl Row + ?Sized),
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        if row.get(field).is_none() {
            self.fail(field, "is required");
            return None;
        }
        self.optional(row, field, parse)
    }

    /// An identifier-like text of 1..=max characters without control characters.
    pub fn text_id(&mut self, row: &(impl Row + ?Sized), field: &'static str, max: usize) -> Option<String> {
        self.parsed(row, field, |s| bounded_text(s, max))
    }
}

/// Text of at most `max` characters with no control characters.
pub fn bounded_text(s: &str, max: usize) -> Result<String, String> {
    let n = s.chars().count();
    if n > max {
        return Err(format!("is {n} characters long, at most {max} allowed"));
    }
    if s.chars().any(char::is_control) {
        return Err("contains a control character (line break, tab, …)".into());
    }
    Ok(s.to_string())
}

/// An ISO 8601 calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    if s.len() != 10 {
        return Err(format!("{:?} is not a date in the form YYYY-MM-DD", truncate(s)));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{:?} is not a valid date in the form YYYY-MM-DD", truncate(s)))
}

/// `true` / `false` (also `1`/`0`, `yes`/`no`, `ja`/`nee`).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "ja" | "y" | "j" => Ok(true),
        "false" | "0" | "no" | "nee" | "n" => Ok(false),
        _ => Err(format!("{:?} is not true or false", truncate(s))),
    }
}

/// A whole number in `lo..=hi`.
pub fn parse_int_in(s: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v: i64 = s.parse().map_err(|_| format!("{:?} is not a whole number", truncate(s)))?;
    if v < lo || v > hi {
        return Err(format!("{v} is outside {lo}..={hi}"));
    }
    Ok(v)
}

/// A `;`-separated list, each item parsed, duplicates removed, order kept.
pub fn parse_list<T: PartialEq, E: std::fmt::Display>(
    s: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for item in s.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let v = parse(item).map_err(|e| e.to_string())?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// At most 40 characters of a value for an error message (a 100 kB cell must not flood the output).
pub fn truncate(s: &str) -> String {
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s.to_string() }
}

/// Whole years between a birth date and a later date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}
