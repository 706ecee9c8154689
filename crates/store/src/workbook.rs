//! A workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) read as the CSV text its first sheet would be
//! saved as, so that every table reader reads it with the same rules and messages as a CSV.
//!
//! Cells become text as a careful export would write them: a date cell `YYYY-MM-DD` (with the time when
//! it has one), a whole number without `.0`, other numbers in the shortest form that reads back the same,
//! `true`/`false`. An error cell (`#N/A`, `#DIV/0!`) is not a value: its row is refused, naming the cell.
//! Line numbers are the sheet's row numbers (empty rows are kept as empty lines, which every reader skips),
//! except after a cell that holds a line break, which counts as a line as in a CSV.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use calamine::{Data, Reader};

/// The most bytes a workbook may inflate to: a register's yearly file of reports is a few MB; a zip bomb
/// of 3 MB made the reader use 5 GB.
pub const MAX_INFLATED: u64 = 256 << 20;

/// The most bytes a workbook file may have (the old `.xls` format is not zipped, so this bounds it).
const MAX_FILE: u64 = MAX_INFLATED;

/// The extensions read as workbooks.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// The first sheet of a workbook as CSV.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The sheet's name, as the workbook shows it.
    pub name: String,
    /// UTF-8 CSV, comma-separated.
    pub csv: Vec<u8>,
    /// Cells that hold an error value, by line (sheet row): the 1-based column and the error as Excel
    /// shows it.
    pub errors: BTreeMap<u64, (usize, String)>,
}

/// Reads the first sheet of the workbook at `path`.
pub fn read_path(path: &Path) -> Result<Sheet, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_FILE {
        return Err(format!("is larger than {} MiB (the limit for a workbook)", MAX_FILE >> 20));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(path).and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
    read_bytes(bytes)
}

/// Reads the first sheet of a workbook held in memory (also what the fuzz target drives).
pub fn read_bytes(bytes: Vec<u8>) -> Result<Sheet, String> {
    let zipped = bytes.starts_with(b"PK\x03\x04");
    if zipped {
        check_inflated_within(Cursor::new(&bytes), MAX_INFLATED)?;
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|_| "is not a workbook calamine can read (save it again as .xlsx, or as CSV UTF-8)".to_string())?;
    let names = book.sheet_names();
    let Some(name) = names.first().cloned() else {
        return Err("has no sheets".into());
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name:?} cannot be read: {e} (save it again as .xlsx, or as CSV UTF-8)"))?;
    if range.is_empty() && names.len() > 1 {
        return Err(format!("its first sheet {name:?} is empty: put the rows on the first sheet"));
    }
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut out = Sheet { name, ..Sheet::default() };
    // Rows above the used range, and the columns left of it, are empty: keep the line numbers and column
    // positions of the sheet.
    out.csv.extend(std::iter::repeat_n(b'\n', first_row as usize));
    let mut cells: Vec<String> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let line = u64::from(first_row) + i as u64 + 1;
        cells.clear();
        cells.extend(std::iter::repeat_n(String::new(), first_col as usize));
        for (j, cell) in row.iter().enumerate() {
            if let Data::Error(e) = cell {
                out.errors.entry(line).or_insert((first_col as usize + j + 1, e.to_string()));
            }
            cells.push(cell_text(cell));
        }
        // An empty row is an empty line, which every reader skips.
        if !cells.iter().all(String::is_empty) {
            for (j, c) in cells.iter().enumerate() {
                if j > 0 {
                    out.csv.push(b',');
                }
                write_field(&mut out.csv, c);
            }
        }
        out.csv.push(b'\n');
    }
    Ok(out)
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
fn write_field(out: &mut Vec<u8>, field: &str) {
    let quote = field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !quote {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    for b in field.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// A cell as the text a CSV export would hold.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(d) => number_text(d.as_f64()),
        // ODS writes dates as ISO text already: `2024-03-05` or `2024-03-05T00:00:00`.
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
    }
}

/// A number as written by hand: `12`, not `12.0`; otherwise the shortest text that reads back the same.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

/// Inflates every member of a zip into nothing, counting, and refuses it once the total passes `limit`.
/// The sizes a zip declares may lie, so the bytes themselves are counted.
pub fn check_inflated_within(zip: impl Read + Seek, limit: u64) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(zip).map_err(|e| e.to_string())?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(|e| e.to_string())?;
        let room = limit - total;
        total += std::io::copy(&mut (&mut member).take(room + 1), &mut std::io::sink()).map_err(|e| e.to_string())?;
        if total > limit {
            return Err(format!("inflates to more than {} KiB (a zip bomb, or not a workbook)", limit >> 10));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(1.5), "1.5");
        assert_eq!(number_text(0.1), "0.1");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read_bytes(b"PK\x03\x04garbage".to_vec()).is_err());
        assert!(read_bytes(b"not a workbook".to_vec()).is_err());
        assert!(read_bytes(Vec::new()).is_err());
    }
}
