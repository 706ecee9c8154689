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

/// The JSON type a column takes in a JSON-lines file. Every column also takes a string (parsed like a
/// CSV cell) and `null` (not known); anything else is refused, so that `"given_names": true` or a date
/// given as an array is an error rather than a silent `"true"` or `"1987;6;15"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A string only.
    Text,
    /// `true` / `false`.
    Bool,
    /// A whole number.
    Integer,
    /// An array of strings (a `;`-separated list in CSV).
    List,
}

/// The JSON type of a column of any file kind: the one list of which columns are not text.
pub fn json_type(column: &str) -> JsonType {
    match column {
        "unaccompanied_minor" | "domestic" => JsonType::Bool,
        "birth_year" | "age_at_start" => JsonType::Integer,
        "exploitation" | "means_of_control" | "recruitment" => JsonType::List,
        _ => JsonType::Text,
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

    /// A name of at most 200 characters, or `None` when the cell is empty or a placeholder (`onbekend`,
    /// `-`, `N/A`: [`crate::pseudonym::known_name`]), as if it were empty.
    pub fn name(&mut self, row: &(impl Row + ?Sized), field: &'static str) -> Option<String> {
        self.optional(row, field, |s| bounded_text(s, 200)).filter(|n| crate::pseudonym::known_name(n).is_some())
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
    let wrong = || {
        let hint = crate::hint::date(s).map(|h| format!("; {h}")).unwrap_or_default();
        format!("is not a valid date in the form YYYY-MM-DD ({}{hint})", describe(s))
    };
    if s.len() != 10 {
        return Err(wrong());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| wrong())
}

/// A birth date: a date ([`parse_date`]) no earlier than [`crate::bounds::FIRST_BIRTH_DATE`].
pub fn parse_birth_date(s: &str) -> Result<NaiveDate, String> {
    let d = parse_date(s)?;
    crate::bounds::birth_date_rule(d).map_or(Ok(d), Err)
}

/// `true` / `false` (also `1`/`0`, `yes`/`no`, `ja`/`nee`).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "ja" | "y" | "j" => Ok(true),
        "false" | "0" | "no" | "nee" | "n" => Ok(false),
        _ => Err(format!("is not true or false ({})", describe(s))),
    }
}

/// A whole number in `lo..=hi`.
pub fn parse_int_in(s: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v: i64 = s.parse().map_err(|_| format!("is not a whole number ({})", describe(s)))?;
    if v < lo {
        return Err(format!("is below {lo} (allowed: {lo} to {hi})"));
    }
    if v > hi {
        return Err(format!("is above {hi} (allowed: {lo} to {hi})"));
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

/// What a value looks like, without the value: its length and the kinds of characters in it
/// (`10 characters: digits, "-"`). Every message about a cell says this instead of echoing it, because
/// messages reach stderr, logs and the `reject_reason` column, and a value in the wrong column may be a
/// name, a birth date or a document number. ASCII punctuation is listed by itself (it identifies no one
/// and is what a fix needs); letters, digits and everything else only by kind.
pub fn describe(s: &str) -> String {
    let n = s.chars().count();
    if n == 0 {
        return "an empty value".into();
    }
    let (mut letters, mut digits, mut spaces, mut other) = (false, false, false, false);
    let mut punct: Vec<char> = Vec::new();
    for c in s.chars() {
        if c.is_alphabetic() {
            letters = true;
        } else if c.is_ascii_digit() {
            digits = true;
        } else if c == ' ' {
            spaces = true;
        } else if c.is_ascii_punctuation() {
            if !punct.contains(&c) {
                punct.push(c);
            }
        } else {
            other = true;
        }
    }
    let mut kinds: Vec<String> = Vec::new();
    for (present, kind) in [(letters, "letters"), (digits, "digits"), (spaces, "spaces")] {
        if present {
            kinds.push(kind.into());
        }
    }
    kinds.extend(punct.iter().map(|c| format!("{:?}", c.to_string())));
    if other {
        kinds.push("other characters".into());
    }
    let unit = if n == 1 { "character" } else { "characters" };
    format!("{n} {unit}: {}", kinds.join(", "))
}

/// Whole years between a birth date and a later date.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}
