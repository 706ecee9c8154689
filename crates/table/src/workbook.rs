//! A workbook (`.xlsx`, `.xlsm`, `.ods`) read as the CSV text its first sheet would be saved as, so that
//! every table reader reads it with the same rules and messages as a CSV.
//!
//! Cells become text as a careful export would write them: a date cell `YYYY-MM-DD` (with the time when
//! it has one), a whole number without `.0`, other numbers in the shortest form that reads back the same,
//! `true`/`false`. An error cell (`#N/A`, `#DIV/0!`) is not a value: its row is refused, naming the cell.
//! Line numbers are the sheet's row numbers (empty rows are kept as empty lines, which every reader skips),
//! except after a cell that holds a line break, which counts as a line as in a CSV.
//!
//! Bounded whatever the file holds: a zip that inflates past [`MAX_INFLATED`] is refused before it is
//! read; an `.xlsx` sheet is streamed cell by cell (calamine's whole-sheet range allocates rows × columns
//! of the used area, 17 billion cells for a file that sets only `A1` and `XFD1048576`), and a cell past
//! column [`MAX_COLUMNS`] is refused. An `.ods` sheet goes through calamine's range, which caps it at
//! 100 million cells. The binary `.xls` and `.xlsb` formats have no such bound and are refused with
//! what to do.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use calamine::{DataType, Reader};

/// The most bytes a workbook may inflate to: a register's yearly file of reports is a few MB; a zip bomb
/// of 3 MB made the reader use 5 GB.
pub const MAX_INFLATED: u64 = 256 << 20;

/// The most bytes a workbook file may have.
const MAX_FILE: u64 = MAX_INFLATED;

/// The right-most column a sheet may use: a file of reports has a few dozen; column `ALL`.
pub const MAX_COLUMNS: u32 = 1000;

/// The extensions read as workbooks (the others of [`REFUSED_EXTENSIONS`] are refused with a message).
pub const EXTENSIONS: [&str; 3] = ["xlsx", "xlsm", "ods"];

/// Workbook formats zicht does not read: saved again as `.xlsx` they are.
pub const REFUSED_EXTENSIONS: [&str; 2] = ["xls", "xlsb"];

/// The first sheet of a workbook as CSV.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The sheet's name, as the workbook shows it.
    pub name: String,
    /// UTF-8 CSV, comma-separated.
    pub csv: Vec<u8>,
    /// Cells that hold an error value, by line (sheet row): the 1-based column and the error as the
    /// spreadsheet shows it (the first in the row).
    pub errors: BTreeMap<u64, (usize, String)>,
}

/// Reads the first sheet of the workbook at `path`.
pub fn read_path(path: &Path) -> Result<Sheet, String> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    if REFUSED_EXTENSIONS.contains(&ext.as_str()) {
        return Err(format!(
            "is an .{ext} workbook, which zicht does not read: open it and save it as .xlsx (Excel workbook) or CSV UTF-8"
        ));
    }
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_FILE {
        return Err(format!("is larger than {} MiB (the limit for a workbook)", MAX_FILE >> 20));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(path).and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes)).map_err(|e| e.to_string())?;
    read_bytes(bytes)
}

/// Reads the first sheet of a workbook from a byte stream (an upload), within the same size limit.
pub fn read_reader(reader: impl Read) -> Result<Sheet, String> {
    let mut bytes = Vec::new();
    reader.take(MAX_FILE + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(format!("is larger than {} MiB (the limit for a workbook)", MAX_FILE >> 20));
    }
    read_bytes(bytes)
}

/// Reads the first sheet of a workbook held in memory (also what the fuzz target drives): `.xlsx` or
/// `.ods`, told apart by their content.
pub fn read_bytes(bytes: Vec<u8>) -> Result<Sheet, String> {
    const UNREADABLE: &str = "is not a workbook zicht can read (save it again as .xlsx, or as CSV UTF-8)";
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(UNREADABLE.into());
    }
    check_inflated_within(Cursor::new(&bytes), MAX_INFLATED)?;
    // calamine checks some arithmetic on cell references only in debug builds (a panic there, a wrapped
    // number in release): a damaged file is an error either way, never a crash.
    let read = std::panic::catch_unwind(move || {
        let cursor = Cursor::new(bytes);
        if let Ok(book) = calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(cursor.clone()) {
            return read_xlsx(book);
        }
        match calamine::open_workbook_from_rs::<calamine::Ods<_>, _>(cursor) {
            Ok(book) => read_ods(book),
            Err(_) => Err(UNREADABLE.to_string()),
        }
    });
    read.unwrap_or_else(|_| Err("is damaged: its sheet cannot be read (save it again as .xlsx)".into()))
}

/// The first sheet of an `.xlsx`, streamed cell by cell.
fn read_xlsx<RS: Read + Seek>(mut book: calamine::Xlsx<RS>) -> Result<Sheet, String> {
    let names = book.sheet_names();
    let Some(name) = names.first().cloned() else { return Err("has no sheets".into()) };
    let damaged = |e: calamine::XlsxError| format!("sheet {name:?} cannot be read: {e} (save it again as .xlsx)");
    let mut cells: Vec<(u32, u32, String, Option<String>)> = Vec::new();
    let mut reader = book.worksheet_cells_reader(&name).map_err(damaged)?;
    while let Some(cell) = reader.next_cell().map_err(damaged)? {
        let (row, col) = cell.get_position();
        let (text, error) = cell_text(cell.get_value());
        if text.is_empty() && error.is_none() {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(format!(
                "sheet {name:?}, row {}: a cell lies in column {} (at most {MAX_COLUMNS} columns are read): delete the columns right of the table",
                u64::from(row) + 1,
                u64::from(col) + 1
            ));
        }
        cells.push((row, col, text, error));
    }
    drop(reader);
    if cells.is_empty() && names.len() > 1 {
        return Err(format!("its first sheet {name:?} is empty: put the rows on the first sheet"));
    }
    cells.sort_by_key(|c| (c.0, c.1));
    // A damaged file may give a cell twice: the first counts.
    cells.dedup_by_key(|c| (c.0, c.1));
    Ok(sheet_of(name, cells))
}

/// The first sheet of an `.ods`, through calamine's range (which caps it at 100 million cells).
fn read_ods<RS: Read + Seek>(mut book: calamine::Ods<RS>) -> Result<Sheet, String> {
    let names = book.sheet_names();
    let Some(name) = names.first().cloned() else { return Err("has no sheets".into()) };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name:?} cannot be read: {e} (save it again as .xlsx, or as CSV UTF-8)"))?;
    if range.is_empty() && names.len() > 1 {
        return Err(format!("its first sheet {name:?} is empty: put the rows on the first sheet"));
    }
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    if range.end().is_some_and(|(_, c)| c >= MAX_COLUMNS) {
        return Err(format!(
            "sheet {name:?}: cells lie past column {MAX_COLUMNS} (at most {MAX_COLUMNS} columns are read): delete the columns right of the table"
        ));
    }
    let mut cells = Vec::new();
    for (i, row) in range.rows().enumerate() {
        for (j, cell) in row.iter().enumerate() {
            let (text, error) = cell_text(cell);
            if !text.is_empty() || error.is_some() {
                cells.push((first_row + i as u32, first_col + j as u32, text, error));
            }
        }
    }
    Ok(sheet_of(name, cells))
}

/// The CSV of a sheet's non-empty cells, in (row, column) order: one line per sheet row, every row as
/// wide as the widest (as a spreadsheet's CSV export writes them), a row without cells an empty line.
fn sheet_of(name: String, cells: Vec<(u32, u32, String, Option<String>)>) -> Sheet {
    let width = cells.iter().map(|c| c.1 + 1).max().unwrap_or(0);
    let mut out = Sheet { name, ..Sheet::default() };
    let mut line = 1u64;
    let mut i = 0;
    while i < cells.len() {
        let row = cells[i].0;
        // Rows without cells are empty lines, so that line numbers stay the sheet's.
        while line < u64::from(row) + 1 {
            out.csv.push(b'\n');
            line += 1;
        }
        let mut col = 0u32;
        while i < cells.len() && cells[i].0 == row {
            let (_, c, text, error) = &cells[i];
            while col < *c {
                out.csv.push(b',');
                col += 1;
            }
            if let Some(e) = error {
                out.errors.entry(line).or_insert((*c as usize + 1, e.clone()));
            }
            write_field(&mut out.csv, text);
            i += 1;
        }
        while col + 1 < width {
            out.csv.push(b',');
            col += 1;
        }
        out.csv.push(b'\n');
        line += 1;
    }
    out
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

/// A cell as the text a CSV export would hold, and its error value if it holds one.
fn cell_text<T: DataType>(cell: &T) -> (String, Option<String>) {
    if let Some(e) = cell.get_error() {
        return (String::new(), Some(e.to_string()));
    }
    let text = if let Some(s) = cell.get_string() {
        s.to_string()
    } else if let Some(i) = cell.get_int() {
        i.to_string()
    } else if let Some(f) = cell.get_float() {
        number_text(f)
    } else if let Some(b) = cell.get_bool() {
        b.to_string()
    } else if let Some(d) = cell.get_datetime() {
        if d.is_datetime() {
            let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{da:02}")
            } else {
                format!("{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}")
            }
        } else {
            number_text(d.as_f64())
        }
    } else if let Some(s) = cell.get_datetime_iso() {
        // ODS writes dates as ISO text already: `2024-03-05` or `2024-03-05T00:00:00`.
        s.strip_suffix("T00:00:00").unwrap_or(s).to_string()
    } else if let Some(s) = cell.get_duration_iso() {
        s.to_string()
    } else {
        String::new()
    };
    (text, None)
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
    fn rows_and_columns_keep_their_sheet_positions() {
        let cells = vec![
            (0, 0, "a".to_string(), None),
            (0, 2, "c, d".to_string(), None),
            (3, 1, String::new(), Some("#N/A".to_string())),
        ];
        let sheet = sheet_of("S".into(), cells);
        assert_eq!(String::from_utf8(sheet.csv).unwrap(), "a,,\"c, d\"\n\n\n,,\n");
        assert_eq!(sheet.errors.get(&4), Some(&(2, "#N/A".to_string())));
    }

    fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for &(r, c, v) in cells {
            sheet.write_string(r, c, v).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    /// calamine's whole-sheet range would allocate 17 billion cells for these two; streamed, the file is
    /// refused at once for its far column, and a far row costs one empty line per row.
    #[test]
    fn far_cells_are_bounded_not_allocated() {
        let err = read_bytes(xlsx(&[(0, 0, "a"), (1_048_575, 16_383, "z")])).unwrap_err();
        assert!(err.contains("column 16384") && err.contains("row 1048576"), "{err}");
        let sheet = read_bytes(xlsx(&[(0, 0, "a"), (999_999, 3, "z")])).unwrap();
        assert_eq!(sheet.csv.len(), "a,,,\n".len() + 999_998 + ",,,z\n".len());
    }

    /// Found by `fuzz/fuzz_targets/workbook.rs`: a cell reference whose column overflows calamine's u32
    /// (a panic in a debug build) is an error.
    #[test]
    fn a_cell_reference_that_overflows_is_an_error() {
        let bytes = include_bytes!("../tests/fixtures/workbooks/fuzz-cell-reference-overflow.xlsx");
        assert!(read_bytes(bytes.to_vec()).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read_bytes(b"PK\x03\x04garbage".to_vec()).is_err());
        assert!(read_bytes(b"not a workbook".to_vec()).is_err());
        assert!(read_bytes(Vec::new()).is_err());
    }
}
