//! Pseudonymisation for a reporting organisation, offline, with the pseudonym key only: the rows of a
//! reports (or events) table with every direct identifier the model names
//! ([`zicht_model::IDENTIFYING_COLUMNS`]) replaced by the keyed pseudonym of the name and birth date,
//! so that a statistical report leaves the organisation without a name.

use std::io::Write;

use zicht_model::Pseudonym;
use zicht_model::pseudonym::{PseudonymKey, known_name};
use zicht_model::row::parse_birth_date;
use zicht_store::source::Table;

use crate::RegisterError;

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pseudonymised {
    pub rows: u64,
    /// Rows without a known name (empty or a placeholder such as `onbekend`): no pseudonym, so the
    /// register counts them and never links them.
    pub unnamed: u64,
}

/// Reads `source` (named `name` in errors) and writes the same rows to `out` as CSV with commas:
/// every identifying column dropped, `birth_year` kept or added, a `pseudonym` column last.
/// Errors name the line and column and are the caller's to fix.
pub fn pseudonymise(
    source: Table,
    name: &str,
    key: &PseudonymKey,
    out: &mut impl Write,
) -> Result<Pseudonymised, RegisterError> {
    let bad = |msg: String| RegisterError::Input(format!("{name}: {msg}"));
    let cell_errors = source.cell_errors;
    let mut rdr = csv::ReaderBuilder::new().delimiter(source.delimiter).from_reader(source.reader);
    let header: Vec<String> =
        rdr.headers().map_err(|e| bad(format!("line 1: {e}")))?.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |c: &str| header.iter().position(|h| h == c);
    let (given, family, birth) = (col("given_names"), col("family_name"), col("birth_date"));
    if given.is_none() && family.is_none() {
        return Err(bad("line 1: needs a given_names or family_name column".into()));
    }
    if col("pseudonym").is_some() {
        return Err(bad("line 1, column \"pseudonym\": the file already has pseudonyms".into()));
    }
    let birth_year = col("birth_year");
    let keep: Vec<usize> =
        (0..header.len()).filter(|i| !zicht_model::IDENTIFYING_COLUMNS.contains(&header[*i].as_str())).collect();
    let mut w = csv::Writer::from_writer(out);
    let write_err = |e: csv::Error| RegisterError::Io { path: name.to_string(), source: std::io::Error::other(e) };
    let mut out_header: Vec<&str> = keep.iter().map(|i| header[*i].as_str()).collect();
    if birth_year.is_none() {
        out_header.push("birth_year");
    }
    out_header.push("pseudonym");
    w.write_record(&out_header).map_err(write_err)?;
    let mut done = Pseudonymised::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        // A row of empty cells (`;;;`, as Excel leaves below the data) is no row.
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        zicht_store::source::refuse_cell_error(&cell_errors, Some(line), &header).map_err(|e| bad(e.to_string()))?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
        let date = match get(birth) {
            "" => None,
            d => Some(
                parse_birth_date(d)
                    .map_err(|rule| RegisterError::Input(format!("{name}:{line}: column birth_date: {rule}")))?,
            ),
        };
        // A placeholder name (`onbekend`, `-`) is not known: no pseudonym, so the register counts the
        // report and never links it (the pseudonym of a placeholder is shared by everyone unnamed).
        let (g, f) = (known_name(get(given)).unwrap_or(""), known_name(get(family)).unwrap_or(""));
        let p = (!g.is_empty() || !f.is_empty()).then(|| Pseudonym::of(key, g, f, date));
        done.unnamed += u64::from(p.is_none());
        let mut fields: Vec<String> = keep.iter().map(|i| rec.get(*i).unwrap_or("").to_string()).collect();
        if birth_year.is_none() {
            fields.push(date.map(|d| chrono::Datelike::year(&d).to_string()).unwrap_or_default());
        } else if let (Some(d), Some(pos)) = (date, keep.iter().position(|i| Some(*i) == birth_year))
            && fields[pos].trim().is_empty()
        {
            fields[pos] = chrono::Datelike::year(&d).to_string();
        }
        fields.push(p.map(|p| p.to_hex()).unwrap_or_default());
        w.write_record(&fields).map_err(write_err)?;
        done.rows += 1;
    }
    w.flush().map_err(|source| RegisterError::Io { path: name.to_string(), source })?;
    Ok(done)
}
