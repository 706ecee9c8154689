//! A table of an analysis extract (the survival, competing-risks and Cox commands' input): the columns a
//! command needs, numbers parsed once into `f64` columns and labels kept as bytes, read from a CSV in
//! any encoding and separator or a workbook's first sheet ([`crate::source::open_table`]), with
//! the file and line of every row for messages.
//!
//! Every field is checked where it is used ([`Table::numbers`], [`Table::codes`], …), and each error
//! names file, line, field and rule.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::source::Encoding;

/// A table that cannot be read or a value that breaks its column's rule: the message names the file,
/// line, field and rule. Always the user's input to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TableError(pub String);

impl TableError {
    fn new(message: impl Into<String>) -> Self {
        TableError(message.into())
    }
}

pub mod bounded;
mod fast_csv;
pub mod source;
pub mod workbook;

/// The limits of an extract: those of any file of rows
/// ([`crate::source::ROW_FILE_LIMITS`]), so that a wrong file (`/dev/zero`, a binary) is not
/// buffered whole and reading stops with the file, line and limit named. The fast path gives up on a
/// line over them, so the `csv` crate's reading reports it.
pub const LIMITS: crate::bounded::Limits = crate::source::ROW_FILE_LIMITS;

/// The columns a command needs from a CSV file: numbers parsed once into f64 columns, labels kept
/// as raw bytes (one buffer per column, so ten million rows stay small), with enough to name the
/// line of any row in messages.
///
/// Plain files (no quotes, one record per line) are parsed in parallel by a fast path
/// ([`fast_csv`]); anything else, and any error, goes through the `csv` crate, whose reading
/// defines the results and the messages.
#[derive(Debug)]
pub struct Table {
    pub file: String,
    path: PathBuf,
    wanted: Vec<String>,
    labels: Vec<String>,
    header: Vec<String>,
    columns: HashMap<String, Data>,
    rows: usize,
    /// (row, line) where the line numbering jumps (records spanning several lines); row r is on
    /// line `line + (r - row)` of the last entry with `row <= r`.
    line_marks: Vec<(usize, u64)>,
}

#[derive(Debug)]
enum Data {
    Text(Column),
    /// From the fast path: every field a finite number; `integers` when every one was written as
    /// an integer (so codes can be read from the values).
    Numbers {
        values: Vec<f64>,
        integers: bool,
    },
}

#[derive(Debug, Default)]
struct Column {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Column {
    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

impl Table {
    /// Reads the named columns of the file (all must exist); errors name the file and line.
    /// `labels` (a subset of `wanted`) are the columns used as categories (groups, strata,
    /// clusters): their text is kept as written.
    pub fn read(path: &Path, encoding: Encoding, wanted: &[&str], labels: &[&str]) -> Result<Self, TableError> {
        Ok(Self::read_with_rows(path, encoding, wanted, labels, &[])?.0)
    }

    /// [`Table::read`], and the numeric columns `matrix` (a subset of `wanted`, distinct, no
    /// labels) as one row-major matrix when the fast path can parse them straight into it: then
    /// the table does not hold them, and [`Table::rows_of`] hands the matrix on.
    pub fn read_with_rows(
        path: &Path,
        encoding: Encoding,
        wanted: &[&str],
        labels: &[&str],
        matrix: &[&str],
    ) -> Result<(Self, Option<Vec<f64>>), TableError> {
        let source = crate::source::open_table(path, encoding, LIMITS)
            .map_err(|e| TableError::new(format!("{}: {e}", path.display())))?;
        if source.is_plain_csv()
            && let Some(t) = Self::read_fast(path, wanted, labels, matrix)
        {
            return Ok(t);
        }
        Ok((Self::read_csv(path, source, wanted, labels)?, None))
    }

    /// The numeric columns `names` as a row-major matrix: `read` when [`Table::read_with_rows`]
    /// gave one for them, else built from [`Table::numbers`] (with its messages).
    pub fn rows_of(&self, names: &[&str], read: Option<Vec<f64>>) -> Result<Vec<f64>, TableError> {
        if let Some(x) = read {
            return Ok(x);
        }
        let p = names.len();
        let mut x = vec![0.0; self.rows * p];
        for (j, name) in names.iter().enumerate() {
            let col = self.numbers(name)?;
            for (row, &v) in x.chunks_exact_mut(p).zip(col.iter()) {
                row[j] = v;
            }
        }
        Ok(x)
    }

    fn new(path: &Path, wanted: &[&str], labels: &[&str], header: Vec<String>) -> Self {
        Self {
            file: path.display().to_string(),
            path: path.to_path_buf(),
            wanted: wanted.iter().map(|s| s.to_string()).collect(),
            labels: labels.iter().map(|s| s.to_string()).collect(),
            header,
            columns: HashMap::new(),
            rows: 0,
            line_marks: vec![(0, 2)],
        }
    }

    /// The fast path, or `None` when the file needs the `csv` crate (or has an error to report).
    fn read_fast(path: &Path, wanted: &[&str], labels: &[&str], matrix: &[&str]) -> Option<(Self, Option<Vec<f64>>)> {
        let read = fast_csv::read(path, wanted, labels, matrix)?;
        if read.rows == 0 {
            return None;
        }
        let mut table = Self::new(path, wanted, labels, read.header);
        table.rows = read.rows;
        for (name, col) in read.columns {
            let data = match col {
                fast_csv::Parsed::Numbers { values, integers } => Data::Numbers { values, integers },
                fast_csv::Parsed::Text { bytes, ends } => Data::Text(Column { bytes, ends }),
            };
            table.columns.insert(name, data);
        }
        Some((table, (!matrix.is_empty()).then_some(read.matrix)))
    }

    /// Reads the file with the `csv` crate, keeping every wanted column as text.
    fn read_csv(
        path: &Path,
        source: crate::source::Table,
        wanted: &[&str],
        labels: &[&str],
    ) -> Result<Self, TableError> {
        let file = path.display().to_string();
        let (tripped, cell_errors) = (source.tripped, source.cell_errors);
        let mut rdr = csv::ReaderBuilder::new().flexible(false).delimiter(source.delimiter).from_reader(source.reader);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| match tripped.get() {
                Some(t) => TableError::new(format!("{file}: {t}")),
                None => TableError::new(format!("{file}: line 1: bad header: {e}")),
            })?
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let mut table = Self::new(path, wanted, labels, header);
        let mut picks: Vec<(usize, String)> = Vec::new();
        for &name in wanted {
            let c = table.column(name)?;
            if !picks.iter().any(|(_, n)| n == name) {
                picks.push((c, name.to_string()));
            }
        }
        let mut cols: Vec<Column> = picks.iter().map(|_| Column::default()).collect();
        let mut rec = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(match tripped.get() {
                        Some(t) => {
                            TableError::new(format!("{}: {}", table.file, t.describe(|i| table.header.get(i).cloned())))
                        }
                        None => TableError::new(format!("{}: {e}", table.file)),
                    });
                }
            }
            let line = rec.position().map_or(0, |p| p.line());
            // A row of empty cells (`,,,`, as Excel leaves below the data) is no row.
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            crate::source::refuse_cell_error(&cell_errors, Some(line), &table.header)
                .map_err(|e| TableError::new(format!("{}: {e}", table.file)))?;
            if line != table.line(table.rows) {
                table.line_marks.push((table.rows, line));
            }
            for ((c, _), col) in picks.iter().zip(cols.iter_mut()) {
                col.bytes.extend_from_slice(trim(&rec[*c]));
                col.ends.push(col.bytes.len());
            }
            table.rows += 1;
        }
        if table.rows == 0 {
            return Err(TableError::new(format!("{}: no data rows", table.file)));
        }
        for ((_, name), col) in picks.into_iter().zip(cols) {
            table.columns.insert(name, Data::Text(col));
        }
        Ok(table)
    }

    /// The same columns read again by the `csv` crate, for the exact message of an error the
    /// fast path's numbers cannot name (e.g. the text of a bad code). Only the fast path's tables are
    /// read again, and it reads plain UTF-8 only.
    fn reread(&self) -> Result<Self, TableError> {
        let wanted: Vec<&str> = self.wanted.iter().map(String::as_str).collect();
        let labels: Vec<&str> = self.labels.iter().map(String::as_str).collect();
        let source = crate::source::open_table(&self.path, Default::default(), LIMITS)
            .map_err(|e| TableError::new(format!("{}: {e}", self.file)))?;
        Self::read_csv(&self.path, source, &wanted, &labels)
    }

    /// The line of data row `i` (0-based) in the file.
    pub fn line(&self, i: usize) -> u64 {
        let k = self.line_marks.partition_point(|&(r, _)| r <= i) - 1;
        let (r, l) = self.line_marks[k];
        l + (i - r) as u64
    }

    /// Index of a column, or a bad-input error listing the columns there are.
    fn column(&self, name: &str) -> Result<usize, TableError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            TableError::new(format!("{}: no column '{name}' (columns: {})", self.file, self.header.join(", ")))
        })
    }

    fn col(&self, name: &str) -> Result<&Data, TableError> {
        self.columns.get(name).ok_or_else(|| TableError::new(format!("column '{name}' was not read")))
    }

    /// The number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    fn where_(&self, row: usize, field: &str) -> String {
        format!("{}: line {}, field '{field}'", self.file, self.line(row))
    }

    /// A numeric column; every value must be a finite number.
    pub fn numbers(&self, name: &str) -> Result<Cow<'_, [f64]>, TableError> {
        let col = match self.col(name)? {
            Data::Numbers { values, .. } => return Ok(Cow::Borrowed(values)),
            Data::Text(col) => col,
        };
        (0..self.rows)
            .map(|i| {
                let v = col.get(i);
                if v.is_empty() || v.eq_ignore_ascii_case(b"na") || v.eq_ignore_ascii_case(b"nan") {
                    return Err(TableError::new(format!(
                        "{}: missing value (a number is required)",
                        self.where_(i, name)
                    )));
                }
                match std::str::from_utf8(v).ok().and_then(|s| s.parse::<f64>().ok()) {
                    Some(x) if x.is_finite() => Ok(x),
                    _ => {
                        let text = String::from_utf8_lossy(v);
                        let hint = zicht_model::hint::decimal(&text).map(|h| format!(" ({h})")).unwrap_or_default();
                        Err(TableError::new(format!("{}: '{text}' is not a finite number{hint}", self.where_(i, name))))
                    }
                }
            })
            .collect::<Result<Vec<f64>, TableError>>()
            .map(Cow::Owned)
    }

    /// A time column: present, finite and not negative.
    pub fn times(&self, name: &str) -> Result<Cow<'_, [f64]>, TableError> {
        let v = self.numbers(name)?;
        if let Some(i) = v.iter().position(|&t| t < 0.0) {
            return Err(TableError::new(format!(
                "{}: time {} is negative (times must be >= 0)",
                self.where_(i, name),
                v[i]
            )));
        }
        Ok(v)
    }

    /// An event indicator column: 1 = event (true), 0 = censored (false).
    pub fn events(&self, name: &str) -> Result<Vec<bool>, TableError> {
        if let Data::Numbers { values, integers: true } = self.col(name)?
            && values.iter().all(|&v| v == 0.0 || v == 1.0)
        {
            return Ok(values.iter().map(|&v| v == 1.0).collect());
        }
        Ok(self
            .codes(name, |x| x == 0 || x == 1, "event must be 0 = censored or 1 = event")?
            .into_iter()
            .map(|x| x == 1)
            .collect())
    }

    /// An integer code column restricted to `allowed`, described by `rule` in messages.
    pub fn codes(&self, name: &str, allowed: impl Fn(i64) -> bool, rule: &str) -> Result<Vec<i64>, TableError> {
        let col = match self.col(name)? {
            Data::Text(col) => col,
            Data::Numbers { values, integers } => {
                // Integers up to 2^53 are exact in f64, so `as i64` gives the written value.
                if *integers && values.iter().all(|&v| allowed(v as i64)) {
                    return Ok(values.iter().map(|&v| v as i64).collect());
                }
                return self.reread()?.codes(name, allowed, rule);
            }
        };
        (0..self.rows)
            .map(|i| {
                let v = col.get(i);
                match std::str::from_utf8(v).ok().and_then(|s| s.parse::<i64>().ok()) {
                    Some(x) if allowed(x) => Ok(x),
                    _ if v.is_empty() => {
                        Err(TableError::new(format!("{}: missing value ({rule})", self.where_(i, name))))
                    }
                    _ => Err(TableError::new(format!(
                        "{}: '{}' is not allowed ({rule})",
                        self.where_(i, name),
                        String::from_utf8_lossy(v)
                    ))),
                }
            })
            .collect()
    }

    /// A categorical column as indices 0..k into the sorted labels (numerically when all labels
    /// are numbers). Missing values are errors.
    pub fn categories(&self, name: &str) -> Result<(Vec<usize>, Vec<String>), TableError> {
        let col = match self.col(name)? {
            Data::Text(col) => col,
            Data::Numbers { .. } => return self.reread()?.categories(name),
        };
        let mut index: HashMap<&[u8], usize> = HashMap::new();
        let mut first: Vec<&[u8]> = Vec::new();
        let mut raw = Vec::with_capacity(self.rows);
        for i in 0..self.rows {
            let v = col.get(i);
            if v.is_empty() || v.eq_ignore_ascii_case(b"na") {
                return Err(TableError::new(format!(
                    "{}: missing value (every row needs a {name})",
                    self.where_(i, name)
                )));
            }
            let k = *index.entry(v).or_insert_with(|| {
                first.push(v);
                first.len() - 1
            });
            raw.push(k);
        }
        let labels: Vec<String> = first.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
        let mut order: Vec<usize> = (0..labels.len()).collect();
        let numeric: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
        match &numeric {
            Some(x) => order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(labels[a].cmp(&labels[b]))),
            None => order.sort_by(|&a, &b| labels[a].cmp(&labels[b])),
        }
        let mut new_of = vec![0; labels.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = new;
        }
        let sorted: Vec<String> = order.iter().map(|&o| labels[o].clone()).collect();
        Ok((raw.into_iter().map(|k| new_of[k]).collect(), sorted))
    }
}

pub use fast_csv::Counts;

/// Kaplan–Meier input counted while reading, without keeping the rows, for a plain UTF-8 CSV with commas
/// whose time and event columns the fast path can count; `None` otherwise (read the columns instead).
pub fn km_counts(path: &Path, encoding: Encoding, time: &str, event: &str) -> Option<Counts> {
    // A workbook is never plain: decline before reading it (the caller reads it once, for the columns).
    if crate::source::Format::of_path(path) == crate::source::Format::Workbook {
        return None;
    }
    let source = crate::source::open_table(path, encoding, LIMITS).ok()?;
    if !source.is_plain_csv() {
        return None;
    }
    fast_csv::km_counts(path, time, event)
}
