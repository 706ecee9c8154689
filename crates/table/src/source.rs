//! Reading import files as a stream of raw rows: CSV (header, RFC 4180 quoting, BOM and CRLF tolerated)
//! or JSON lines. Rows come out as text cells keyed by column; a row that cannot be read as text (invalid
//! UTF-8, a wrong number of fields, a line that is not a JSON object) comes out as a rejected row with its
//! raw content, so that nothing is silently dropped.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zicht_model::Row;

use crate::bounded::{Bounded, Limits, Mode, TooLong, Tripped};

/// The most bytes one record of an import file may take: a CSV row (quoted line breaks included) or a
/// JSON line. A report is a few hundred bytes; 1 MiB is thousands of times that, and bounds what one row
/// can make import hold in memory (`/dev/zero` given as an input stops here, not at a 2 GB allocation).
/// A longer record stops the file: past it, where the next record starts is a guess.
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

/// The most bytes one field may take. The longest real value is an address of a few hundred bytes; a
/// longer field is a rejected row (the column and the limit named), not something for the vault.
pub const MAX_FIELD_BYTES: usize = 64 << 10;

/// The limits of any file of rows about people or records, for the readers outside import that read
/// them (`pseudonymise`, `match`, the survival commands): what import allows, record and field.
pub const ROW_FILE_LIMITS: Limits = Limits { record: MAX_RECORD_BYTES, field: MAX_FIELD_BYTES as u64 };

/// The reader's limits: records are bounded while read; fields are checked per row (so that in reject
/// mode the row is rejected and the rest of the file still read).
const LIMITS: Limits = Limits { record: MAX_RECORD_BYTES, field: MAX_RECORD_BYTES };

fn field_rule() -> String {
    format!("is longer than {} KiB (the limit for one field)", MAX_FIELD_BYTES >> 10)
}

/// The file formats import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    /// A workbook's first sheet ([`crate::workbook`]), read as the CSV it would be saved as.
    Workbook,
}

impl Format {
    pub fn of_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson") => Format::JsonLines,
            Some(e) if crate::workbook::EXTENSIONS.contains(&e) || crate::workbook::REFUSED_EXTENSIONS.contains(&e) => {
                Format::Workbook
            }
            _ => Format::Csv,
        }
    }
}

/// Where an import's rows come from: a file, or any byte stream (a form post, an API body) with the
/// name its messages give and the format it is in. Either is decoded alike ([`Encoding`]).
pub enum Input {
    File(PathBuf),
    Stream { name: String, format: Format, reader: Box<dyn Read + Send> },
}

impl Input {
    /// A stream of bytes in memory.
    pub fn bytes(name: impl Into<String>, format: Format, bytes: Vec<u8>) -> Input {
        Input::Stream { name: name.into(), format, reader: Box::new(Cursor::new(bytes)) }
    }

    /// The name messages give: the path, or the stream's name.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stream { name, .. } => name.clone(),
        }
    }

    pub fn format(&self) -> Format {
        match self {
            Input::File(p) => Format::of_path(p),
            Input::Stream { format, .. } => *format,
        }
    }

    /// The file, for an input that is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::File(p) => Some(p),
            Input::Stream { .. } => None,
        }
    }

    /// Bytes to read, for progress (0 when unknown).
    pub fn size_hint(&self) -> u64 {
        self.path().map_or(0, file_len)
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Input").field(&self.name()).field(&self.format()).finish()
    }
}

impl From<PathBuf> for Input {
    fn from(p: PathBuf) -> Input {
        Input::File(p)
    }
}

impl From<&PathBuf> for Input {
    fn from(p: &PathBuf) -> Input {
        Input::File(p.clone())
    }
}

impl From<&Path> for Input {
    fn from(p: &Path) -> Input {
        Input::File(p.to_path_buf())
    }
}

/// The character encoding of a text file: found from its start ([`Encoding::Auto`]) or as `--encoding`
/// says, for a file the guess gets wrong (a Windows-1252 file whose first 64 KiB are plain ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Auto,
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl Encoding {
    /// The names `--encoding` takes, in the order of [`Encoding::parse`].
    pub const NAMES: [&str; 5] = ["auto", "utf-8", "utf-16le", "utf-16be", "windows-1252"];

    pub fn parse(s: &str) -> Option<Encoding> {
        let all = [Encoding::Auto, Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Windows1252];
        let s = s.trim().to_ascii_lowercase();
        let s = match s.as_str() {
            "utf8" => "utf-8",
            "latin-1" | "latin1" | "iso-8859-1" | "cp1252" => "windows-1252",
            other => other,
        };
        Self::NAMES.iter().position(|n| *n == s).map(|i| all[i])
    }

    fn fixed(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Auto => None,
            Encoding::Utf8 => Some(encoding_rs::UTF_8),
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            Encoding::Windows1252 => Some(encoding_rs::WINDOWS_1252),
        }
    }
}

/// A file of rows opened for reading as UTF-8 CSV, whatever it was on disk: a CSV in any of the
/// [`Encoding`]s and separators, or a workbook's first sheet.
pub struct Table {
    /// UTF-8 text, bounded by the limits it was opened with.
    pub reader: Box<dyn Read + Send>,
    /// What stopped the bounded reader, if anything did.
    pub tripped: Tripped,
    /// The field separator (`,`, `;` or tab); always `,` for a workbook.
    pub delimiter: u8,
    /// The encoding the file was read in (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`).
    pub encoding: &'static str,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// A workbook's cells that hold an error value: by line, the 1-based column and the error.
    pub cell_errors: CellErrors,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({}, {:?}, {:?})", self.encoding, self.delimiter as char, self.sheet)
    }
}

impl Table {
    /// Whether the file is plain UTF-8 CSV with commas, which a reader may parse straight from disk.
    pub fn is_plain_csv(&self) -> bool {
        self.sheet.is_none() && self.encoding == "UTF-8" && self.delimiter == b','
    }
}

/// A workbook's cells that hold an error value (`#N/A`, `#DIV/0!`): by line, the 1-based column of the
/// first in the row and the error as the spreadsheet shows it.
pub type CellErrors = std::collections::BTreeMap<u64, (usize, String)>;

/// The first error cell on `line` (any line with `None`) as a message, for commands that refuse a table
/// with one: the line and column, and what to do.
pub fn refuse_cell_error(errors: &CellErrors, line: Option<u64>, header: &[String]) -> Result<(), FileError> {
    let found = match line {
        Some(l) => errors.get_key_value(&l),
        None => errors.iter().next(),
    };
    match found {
        None => Ok(()),
        Some((&line, (column, error))) => Err(FileError::Read {
            line,
            reason: format!(
                "column {:?} {}",
                header.get(column - 1).map_or("?", String::as_str),
                cell_error_rule(error)
            ),
        }),
    }
}

fn cell_error_rule(error: &str) -> String {
    format!("holds the spreadsheet error {error}, not a value: correct its formula or clear the cell")
}

/// Opens a file of rows (CSV in any [`Encoding`], or a workbook) as UTF-8 CSV, with `limits`.
pub fn open_table(path: &Path, encoding: Encoding, limits: Limits) -> Result<Table, FileError> {
    let d = open_text(Input::File(path.to_path_buf()), encoding)?;
    let bounded = Bounded::new(d.reader, Mode::Csv, limits);
    let tripped = bounded.tripped();
    Ok(Table {
        reader: Box::new(bounded),
        tripped,
        delimiter: d.delimiter,
        encoding: d.encoding,
        sheet: d.sheet,
        cell_errors: d.cell_errors,
    })
}

/// A file as UTF-8 text with no byte-order mark, and what was found on the way ([`open_text`]).
struct Decoded {
    reader: Box<dyn Read + Send>,
    /// The encoding on disk.
    encoding: &'static str,
    /// The CSV separator.
    delimiter: u8,
    /// The sheet read, for a workbook.
    sheet: Option<String>,
    cell_errors: CellErrors,
}

/// The input as UTF-8: decoded from the encoding found or given, or a workbook's first sheet as CSV.
fn open_text(input: Input, encoding: Encoding) -> Result<Decoded, FileError> {
    if input.format() == Format::Workbook {
        let sheet = match input {
            Input::File(path) => crate::workbook::read_path(&path),
            Input::Stream { reader, .. } => crate::workbook::read_reader(reader),
        }
        .map_err(FileError::Open)?;
        return Ok(Decoded {
            reader: Box::new(Cursor::new(sheet.csv)),
            encoding: "UTF-8",
            delimiter: b',',
            sheet: Some(sheet.name),
            cell_errors: sheet.errors,
        });
    }
    let mut file: Box<dyn Read + Send> = match input {
        Input::File(path) => Box::new(File::open(path).map_err(|e| FileError::Open(e.to_string()))?),
        Input::Stream { reader, .. } => reader,
    };
    let (found, start) = sniff_encoding(&mut file).map_err(|e| FileError::Open(e.to_string()))?;
    let chosen = encoding.fixed().or(found);
    // The separator, from the decoded start (the transcoding reader hands its first bytes on a few
    // at a time, too few to find a header line in).
    let text = chosen.unwrap_or(encoding_rs::UTF_8).decode(&start).0;
    let delimiter = sniff_delimiter(text.as_bytes());
    let utf8 = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(chosen)
        // A byte-order mark wins over a guess, not over what the user said; readers never see it.
        .bom_override(encoding == Encoding::Auto)
        .strip_bom(true)
        .build(Cursor::new(start).chain(file));
    Ok(Decoded {
        reader: Box::new(utf8),
        encoding: chosen.map_or("UTF-8", |e| e.name()),
        delimiter,
        sheet: None,
        cell_errors: CellErrors::new(),
    })
}

/// Columns a rejects file adds; import accepts and ignores them, so that a corrected rejects file can be
/// imported as it is. A CSV with `reject_reason` is a rejects file: its cells were made spreadsheet-safe
/// ([`zicht_output::spreadsheet_safe`]) and are read back as they were given.
pub const REJECT_COLUMNS: [&str; 2] = ["reject_line", "reject_reason"];

/// The key under which a JSON-lines rejects file keeps a line that could not be read as a JSON object.
pub const REJECT_ORIGINAL: &str = "original";

/// One row of an input file.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// Byte offset after the row (for progress).
    pub end_byte: u64,
    pub content: RawContent,
}

/// A row as cells, or as raw bytes with the reason it could not be read.
#[derive(Debug, Clone)]
pub enum RawContent {
    Cells(Cells),
    Unreadable { raw: Vec<Vec<u8>>, column: Option<String>, rule: String },
}

/// The cells of one row, in the header's column order.
#[derive(Debug, Clone)]
pub struct Cells {
    pub columns: std::sync::Arc<Vec<String>>,
    pub values: Vec<String>,
}

impl Row for Cells {
    fn get(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.values.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

/// A problem with the file as a whole (nothing of it can be imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("cannot open: {0}")]
    Open(String),
    #[error("line 1: the file is empty (expected a header row)")]
    Empty,
    #[error("line 1, column {column:?}: {rule}")]
    Header { column: String, rule: String },
    #[error("line {line}: cannot be read: {reason}")]
    Read { line: u64, reason: String },
    #[error(transparent)]
    TooLong(#[from] TooLong),
}

/// Streams the rows of one file.
pub struct RowReader {
    inner: Inner,
    pub columns: std::sync::Arc<Vec<String>>,
    pub format: Format,
    /// The encoding the file was read in (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `windows-1252`).
    pub encoding: &'static str,
    /// The field separator found in a CSV's header line (`,`, `;` or tab): Excel with Dutch settings
    /// writes `;`.
    pub delimiter: u8,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// A workbook's error cells, by line: their rows are rejected.
    cell_errors: CellErrors,
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RowReader({:?}, {} columns)", self.format, self.columns.len())
    }
}

enum Inner {
    /// The reader, its record buffer, line numbers, what stopped it, and whether it reads a rejects file.
    Csv(csv::Reader<Box<dyn Read + Send>>, csv::ByteRecord, Arc<Mutex<LineIndex>>, Tripped, bool),
    Json {
        lines: Box<dyn BufRead + Send>,
        line: u64,
        bytes: u64,
        tripped: Tripped,
    },
}

impl RowReader {
    /// Opens a file and checks its columns: all of `required` present, none outside `allowed` (plus the
    /// reject columns), none twice. For JSON lines the columns are `allowed`.
    pub fn open(path: &Path, encoding: Encoding, allowed: &[&str], required: &[&str]) -> Result<RowReader, FileError> {
        Self::open_input(Input::File(path.to_path_buf()), encoding, allowed, required)
    }

    /// As [`RowReader::open`], on a file or any byte stream, decoded as a file would be.
    pub fn open_input(
        input: Input,
        encoding: Encoding,
        allowed: &[&str],
        required: &[&str],
    ) -> Result<RowReader, FileError> {
        let format = input.format();
        let d = open_text(input, encoding)?;
        let format = if format == Format::Workbook { Format::Csv } else { format };
        let mut reader = Self::read(d.reader, format, allowed, required, Some(d.delimiter))?;
        reader.encoding = d.encoding;
        reader.sheet = d.sheet;
        reader.cell_errors = d.cell_errors;
        Ok(reader)
    }

    /// As [`RowReader::open`], on any byte stream of UTF-8 (in-memory data, fuzzing).
    pub fn from_reader(
        file: Box<dyn Read + Send>,
        format: Format,
        allowed: &[&str],
        required: &[&str],
    ) -> Result<RowReader, FileError> {
        Self::read(file, format, allowed, required, None)
    }

    /// Reads UTF-8 with the given CSV separator, or the one found in the header line.
    fn read(
        file: Box<dyn Read + Send>,
        format: Format,
        allowed: &[&str],
        required: &[&str],
        delimiter: Option<u8>,
    ) -> Result<RowReader, FileError> {
        match format {
            Format::Csv | Format::Workbook => {
                let lines = Arc::new(Mutex::new(LineIndex::default()));
                let bounded = Bounded::new(file, Mode::Csv, LIMITS);
                let tripped = bounded.tripped();
                let counting = LineCounting { inner: BufReader::new(bounded), index: lines.clone(), pos: 0 };
                let mut peek = BufReader::with_capacity(64 << 10, counting);
                let delimiter = match delimiter {
                    Some(d) => d,
                    None => sniff_delimiter(peek.fill_buf().map_err(|e| read_error(&tripped, 1, e))?),
                };
                let mut rdr = csv::ReaderBuilder::new()
                    .flexible(true)
                    .has_headers(true)
                    .delimiter(delimiter)
                    .from_reader(Box::new(peek) as Box<dyn Read + Send>);
                let header = rdr.byte_headers().map_err(|e| read_error(&tripped, 1, e))?.clone();
                if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
                    return Err(FileError::Empty);
                }
                let mut columns = Vec::with_capacity(header.len());
                for (i, raw) in header.iter().enumerate() {
                    let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
                    let name = std::str::from_utf8(raw)
                        .map_err(|_| FileError::Header {
                            column: format!("#{}", i + 1),
                            rule: "is not valid UTF-8".into(),
                        })?
                        .trim()
                        .to_ascii_lowercase();
                    columns.push(name);
                }
                if let Some((i, _)) = header.iter().enumerate().find(|(_, h)| h.len() > MAX_FIELD_BYTES) {
                    return Err(FileError::Header { column: format!("#{}", i + 1), rule: field_rule() });
                }
                check_columns(&columns, allowed, required)?;
                let rejects_file = columns.iter().any(|c| c == REJECT_COLUMNS[1]);
                let inner = Inner::Csv(rdr, csv::ByteRecord::new(), lines, tripped, rejects_file);
                Ok(RowReader {
                    inner,
                    columns: columns.into(),
                    format,
                    delimiter,
                    encoding: "UTF-8",
                    sheet: None,
                    cell_errors: CellErrors::new(),
                })
            }
            Format::JsonLines => {
                let columns: Vec<String> =
                    allowed.iter().map(|s| s.to_string()).chain(REJECT_COLUMNS.map(String::from)).collect();
                let bounded = Bounded::new(file, Mode::Lines, LIMITS);
                let tripped = bounded.tripped();
                let lines: Box<dyn BufRead + Send> = Box::new(BufReader::new(bounded));
                let inner = Inner::Json { lines, line: 0, bytes: 0, tripped };
                Ok(RowReader {
                    inner,
                    columns: columns.into(),
                    format,
                    delimiter: b',',
                    encoding: "UTF-8",
                    sheet: None,
                    cell_errors: CellErrors::new(),
                })
            }
        }
    }

    /// The next row, `None` at the end of the file.
    pub fn next_row(&mut self) -> Option<Result<RawRow, FileError>> {
        let columns = self.columns.clone();
        let cell_errors = &self.cell_errors;
        match &mut self.inner {
            Inner::Csv(rdr, rec, lines, tripped, rejects_file) => loop {
                let before = rdr.position().byte();
                let line_at = |byte: u64| lines.lock().map(|mut l| l.line_at(byte)).unwrap_or(0);
                match rdr.read_byte_record(rec) {
                    Ok(false) => return None,
                    Err(e) => {
                        return Some(Err(read_error(tripped, line_at(before), e)));
                    }
                    Ok(true) => {
                        let line = line_at(rec.position().map(|p| p.byte()).unwrap_or(before));
                        // A row of empty cells (`;;;;`, as Excel leaves below the data) is no row.
                        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                            continue;
                        }
                        let end_byte = rdr.position().byte();
                        let raw = || rec.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
                        if rec.len() != columns.len() {
                            // A quote never closed runs to the end of the file: the row is short, and
                            // its last field holds the rows after it (a line break, then separators).
                            let last = rec.len().saturating_sub(1);
                            let delimiter = self.delimiter;
                            let unclosed = rec.len() < columns.len()
                                && rec.get(last).is_some_and(|f| {
                                    f.iter().position(|&b| b == b'\n').is_some_and(|nl| f[nl..].contains(&delimiter))
                                });
                            let (column, rule) = if unclosed {
                                let rule = "opens a quote (\") that is never closed, so the rest of the file was read as this one field: close the quote or remove it";
                                (columns.get(last).cloned(), rule.to_string())
                            } else {
                                (None, format!("has {} fields, the header has {}", rec.len(), columns.len()))
                            };
                            return Some(Ok(RawRow {
                                line,
                                end_byte,
                                content: RawContent::Unreadable { raw: raw(), column, rule },
                            }));
                        }
                        if let Some((c, e)) = cell_errors.get(&line) {
                            let content = RawContent::Unreadable {
                                raw: raw(),
                                column: columns.get(c - 1).cloned(),
                                rule: cell_error_rule(e),
                            };
                            return Some(Ok(RawRow { line, end_byte, content }));
                        }
                        if let Some(i) = rec.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
                            let content = RawContent::Unreadable {
                                raw: raw(),
                                column: Some(columns[i].clone()),
                                rule: field_rule(),
                            };
                            return Some(Ok(RawRow { line, end_byte, content }));
                        }
                        let mut values = Vec::with_capacity(rec.len());
                        for (i, field) in rec.iter().enumerate() {
                            match std::str::from_utf8(field) {
                                Ok(s) if *rejects_file => {
                                    values.push(zicht_output::from_spreadsheet_safe(s).to_string())
                                }
                                Ok(s) => values.push(s.to_string()),
                                Err(_) => {
                                    let content = RawContent::Unreadable {
                                        raw: raw(),
                                        column: Some(columns[i].clone()),
                                        rule: "is not valid UTF-8 (the start of the file is): save the whole file as UTF-8, or give its encoding, e.g. --encoding windows-1252".into(),
                                    };
                                    return Some(Ok(RawRow { line, end_byte, content }));
                                }
                            }
                        }
                        return Some(Ok(RawRow {
                            line,
                            end_byte,
                            content: RawContent::Cells(Cells { columns, values }),
                        }));
                    }
                }
            },
            Inner::Json { lines, line, bytes, tripped } => loop {
                let mut buf = Vec::new();
                match lines.read_until(b'\n', &mut buf) {
                    Ok(0) => return None,
                    Err(e) => {
                        return Some(Err(read_error(tripped, *line + 1, e)));
                    }
                    Ok(n) => {
                        *line += 1;
                        *bytes += n as u64;
                        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
                        let text = text.strip_suffix(b"\r").unwrap_or(text);
                        let text = if *line == 1 { text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text) } else { text };
                        if text.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        let content = json_cells(text, &columns);
                        return Some(Ok(RawRow { line: *line, end_byte: *bytes, content }));
                    }
                }
            },
        }
    }
}

/// A failed read at `line`: the limit that stopped the bounded reader, if one did (the parser in between
/// rewords its error), or the error itself.
fn read_error(tripped: &Tripped, line: u64, e: impl std::fmt::Display) -> FileError {
    match tripped.get() {
        Some(t) => FileError::TooLong(t),
        None => FileError::Read { line, reason: e.to_string() },
    }
}

/// How much of a file is looked at to tell its encoding.
const SNIFF_BYTES: usize = 64 << 10;

/// The encoding of a file, from its first [`SNIFF_BYTES`]: `None` (UTF-8, or whatever its byte-order mark
/// says: UTF-8 or UTF-16, as Excel's "Unicode text" writes) unless those bytes are not UTF-8 and have no
/// mark, which is what Excel and older systems write as Windows-1252 (a superset of Latin-1). Returns the
/// bytes read, to be read again.
fn sniff_encoding(file: &mut dyn Read) -> std::io::Result<(Option<&'static encoding_rs::Encoding>, Vec<u8>)> {
    let mut start = Vec::with_capacity(SNIFF_BYTES);
    Read::take(&mut *file, SNIFF_BYTES as u64).read_to_end(&mut start)?;
    if start.starts_with(b"\xFF\xFE") {
        return Ok((Some(encoding_rs::UTF_16LE), start));
    }
    if start.starts_with(b"\xFE\xFF") {
        return Ok((Some(encoding_rs::UTF_16BE), start));
    }
    let utf8 = match std::str::from_utf8(&start) {
        Ok(_) => true,
        // A character cut off at the end of what was read is still UTF-8.
        Err(e) => e.error_len().is_none(),
    };
    Ok(((!start.starts_with(b"\xEF\xBB\xBF") && !utf8).then_some(encoding_rs::WINDOWS_1252), start))
}

/// The separator of a CSV: whichever of `,` `;` and tab occurs most often outside quotes in its first
/// line (a comma when none does). The header names no value with a separator in it, so its count of
/// separators is the number of columns less one.
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
            c.1 += 1;
        }
    }
    // The first of the most frequent, so that a tie keeps the comma.
    counts.iter().fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best }).0
}

fn check_columns(columns: &[String], allowed: &[&str], required: &[&str]) -> Result<(), FileError> {
    let known = |c: &str| allowed.contains(&c) || REJECT_COLUMNS.contains(&c);
    // An events file given to `import reports` (or the like) is said to be one.
    if columns.iter().any(|c| !known(c)) {
        let kinds = [
            ("reports", zicht_model::REPORT_COLUMNS),
            ("events", zicht_model::EVENT_COLUMNS),
            ("signals", zicht_model::SIGNAL_COLUMNS),
        ];
        let fits =
            |cols: &[&str]| columns.iter().all(|c| cols.contains(&c.as_str()) || REJECT_COLUMNS.contains(&c.as_str()));
        if let Some((kind, _)) = kinds.iter().find(|(_, cols)| *cols != allowed && fits(cols)) {
            return Err(FileError::Header {
                column: "(header)".into(),
                rule: format!("these are the columns of a {kind} file: import it with `zicht import {kind}`"),
            });
        }
    }
    // A file without a header row has its first record where the header belongs: say so, and do not
    // echo that record, which holds a person's name and birth date.
    let unknown = columns.iter().filter(|c| !known(c)).count();
    if columns.len() >= 2 && unknown * 2 > columns.len() {
        return Err(FileError::Header {
            column: "(first line)".into(),
            rule: format!(
                "is not a header: {unknown} of its {} cells are not column names; the first line must name the columns (see docs/formats.md)",
                columns.len()
            ),
        });
    }
    // Every unknown column at once, each with its hint.
    let unknown: Vec<(String, Option<&str>)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !known(c))
        .map(|(i, c)| {
            // A column name is shown as it is; anything else only by what it looks like.
            let plain = c.len() <= 40 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b"_- ".contains(&b));
            let shown = if plain { c.clone() } else { format!("#{} ({})", i + 1, zicht_model::row::describe(c)) };
            (shown, column_hint(c, allowed))
        })
        .collect();
    let hint = |n: &Option<&str>| n.map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default();
    match unknown.as_slice() {
        [] => {}
        [(column, near)] => {
            return Err(FileError::Header {
                column: column.clone(),
                rule: format!("is not a known column{}", hint(near)),
            });
        }
        many => {
            // The list is shown quoted, so its hints are not.
            let listed: Vec<String> = many
                .iter()
                .map(|(c, near)| format!("{c}{}", near.map(|n| format!(" (did you mean {n}?)")).unwrap_or_default()))
                .collect();
            return Err(FileError::Header {
                column: listed.join(", "),
                rule: format!("are not known columns ({} of them; see docs/formats.md)", many.len()),
            });
        }
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return Err(FileError::Header { column: c.clone(), rule: "appears twice".into() });
        }
    }
    for r in required {
        if !columns.iter().any(|c| c == r) {
            return Err(FileError::Header {
                column: r.to_string(),
                rule: "is a required column and is missing".into(),
            });
        }
    }
    Ok(())
}

/// What organisations call a column, Dutch and English, and the register's name for it.
const COLUMN_SYNONYMS: &[(&str, &str)] = &[
    ("gender", "sex"),
    ("geslacht", "sex"),
    ("voornaam", "given_names"),
    ("voornamen", "given_names"),
    ("first_name", "given_names"),
    ("firstname", "given_names"),
    ("given_name", "given_names"),
    ("achternaam", "family_name"),
    ("familienaam", "family_name"),
    ("last_name", "family_name"),
    ("lastname", "family_name"),
    ("surname", "family_name"),
    ("geboortedatum", "birth_date"),
    ("date_of_birth", "birth_date"),
    ("dob", "birth_date"),
    ("geboortejaar", "birth_year"),
    ("nationaliteit", "nationality"),
    ("gemeente", "municipality"),
    ("adres", "address"),
    ("bsn", "citizen_number"),
    ("melder", "reporter"),
    ("meldingsdatum", "report_date"),
];

/// The allowed column an unknown one probably means: a known synonym, or the nearest
/// ([`zicht_model::hint::nearest`]).
fn column_hint<'a>(column: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let synonym = COLUMN_SYNONYMS.iter().find(|(s, _)| *s == column).map(|(_, c)| *c);
    if let Some(c) = synonym.and_then(|c| allowed.iter().find(|a| **a == c)) {
        return Some(c);
    }
    zicht_model::hint::nearest(column, allowed.iter().copied())
}

fn json_cells(text: &[u8], columns: &std::sync::Arc<Vec<String>>) -> RawContent {
    use zicht_model::row::{JsonType, json_type};
    let unreadable =
        |column: Option<String>, rule: String| RawContent::Unreadable { raw: vec![text.to_vec()], column, rule };
    let Ok(s) = std::str::from_utf8(text) else { return unreadable(None, "is not valid UTF-8".into()) };
    // serde_json's messages about data ("invalid type: string \"…\"") quote the value, so only the
    // category and position of a failure are passed on.
    let fields = match serde_json::from_str::<JsonFields>(s) {
        Ok(f) => f.0,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return unreadable(None, "is not a JSON object (one object per line)".into());
        }
        Err(e) => return unreadable(None, format!("is not valid JSON (at character {})", e.column())),
    };
    let mut values: Vec<Option<String>> = vec![None; columns.len()];
    for (k, v) in fields {
        if k == REJECT_ORIGINAL {
            let rule = "holds the line of a row that could not be read at all: replace it by the row's columns";
            return unreadable(Some(k), rule.into());
        }
        let Some(i) = columns.iter().position(|c| *c == k) else {
            return unreadable(Some(k.chars().take(40).collect()), "is not a known column".into());
        };
        if values[i].is_some() {
            return unreadable(Some(k), "appears twice in the object (give each column once)".into());
        }
        // A rejects file's line number is a JSON number.
        let kind = if k == REJECT_COLUMNS[0] { JsonType::Integer } else { json_type(&k) };
        let wrong = |got: &str| {
            let takes = match kind {
                JsonType::Text => "a string",
                JsonType::Bool => "true, false or a string",
                JsonType::Integer => "a whole number or a string",
                JsonType::List => "an array of strings or a string",
            };
            format!("is {got}; this column takes {takes}")
        };
        values[i] = Some(match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s,
            serde_json::Value::Bool(b) if kind == JsonType::Bool => b.to_string(),
            serde_json::Value::Number(n) if kind == JsonType::Integer && n.is_i64() => n.to_string(),
            serde_json::Value::Array(items) if kind == JsonType::List => {
                let mut parts = Vec::new();
                for item in items {
                    match item {
                        serde_json::Value::String(s) => parts.push(s),
                        _ => return unreadable(Some(k), "a list holds only strings".into()),
                    }
                }
                parts.join(";")
            }
            serde_json::Value::Bool(_) => return unreadable(Some(k), wrong("a JSON boolean")),
            serde_json::Value::Number(_) => return unreadable(Some(k), wrong("a JSON number")),
            serde_json::Value::Array(_) => return unreadable(Some(k), wrong("a JSON array")),
            serde_json::Value::Object(_) => return unreadable(Some(k), wrong("a JSON object")),
        });
        if values[i].as_ref().is_some_and(|v| v.len() > MAX_FIELD_BYTES) {
            return unreadable(Some(k), field_rule());
        }
    }
    RawContent::Cells(Cells {
        columns: columns.clone(),
        values: values.into_iter().map(Option::unwrap_or_default).collect(),
    })
}

/// The members of one JSON object in their order, duplicates kept (serde_json's own map keeps the last
/// of two equal keys, and a row must not silently lose a value).
struct JsonFields(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for JsonFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = JsonFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonFields, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    out.push(entry);
                }
                Ok(JsonFields(out))
            }
        }
        d.deserialize_map(Members)
    }
}

/// The byte size of a file, for progress.
pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Line numbers from byte offsets. The csv crate's own line counter drifts by one on CRLF files, so
/// lines are counted here, on the bytes as read: the line of a record starting at byte `b` is one plus
/// the number of `\n` in bytes `0..=b` (csv reports a CRLF record's start at its preceding `\n`).
/// Offsets already passed are dropped, so memory stays bounded.
#[derive(Debug, Default)]
struct LineIndex {
    passed: u64,
    newlines: std::collections::VecDeque<u64>,
}

impl LineIndex {
    fn line_at(&mut self, byte: u64) -> u64 {
        while self.newlines.front().is_some_and(|&n| n <= byte) {
            self.newlines.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// A reader that records where every `\n` is.
struct LineCounting<R> {
    inner: R,
    index: Arc<Mutex<LineIndex>>,
    pos: u64,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut idx) = self.index.lock() {
            for (i, b) in buf[..n].iter().enumerate() {
                if *b == b'\n' {
                    idx.newlines.push_back(self.pos + i as u64);
                }
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[&str] = &["id", "name"];

    fn reader(format: Format, bytes: impl Read + Send + 'static) -> Result<RowReader, FileError> {
        RowReader::from_reader(Box::new(bytes), format, COLUMNS, &["id"])
    }

    fn rows(format: Format, bytes: Vec<u8>) -> Vec<Result<RawRow, FileError>> {
        let mut r = reader(format, std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        while let Some(row) = r.next_row() {
            let stop = row.is_err(); // the importer stops at a file error too
            out.push(row);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn an_endless_input_stops_at_the_record_limit() {
        for format in [Format::Csv, Format::JsonLines] {
            // /dev/zero: no line end ever
            let zeros = std::io::repeat(0).take(1 << 34);
            let err = match reader(format, zeros) {
                Err(e) => e,
                Ok(mut r) => r.next_row().unwrap().unwrap_err(),
            };
            assert_eq!(err, FileError::TooLong(TooLong::Record { line: 1, limit: MAX_RECORD_BYTES }), "{format:?}");
            assert!(err.to_string().contains("line 1") && err.to_string().contains("1 MiB"), "{err}");
        }
    }

    #[test]
    fn a_record_over_the_limit_names_its_line_and_stops_the_file() {
        let big = "x".repeat(MAX_RECORD_BYTES as usize + 10);
        let csv = format!("id,name\n1,a\n2,\"{big}\"\n3,b\n").into_bytes();
        let got = rows(Format::Csv, csv);
        assert!(got[0].is_ok());
        assert_eq!(
            got[1].as_ref().unwrap_err(),
            &FileError::TooLong(TooLong::Record { line: 3, limit: MAX_RECORD_BYTES })
        );
        let json = format!("{{\"id\":\"1\"}}\n{{\"id\":\"2\",\"name\":\"{big}\"}}\n").into_bytes();
        let got = rows(Format::JsonLines, json);
        assert_eq!(
            got[1].as_ref().unwrap_err(),
            &FileError::TooLong(TooLong::Record { line: 2, limit: MAX_RECORD_BYTES })
        );
    }

    #[test]
    fn a_field_over_the_limit_is_a_rejected_row_naming_the_column() {
        let big = "x".repeat(MAX_FIELD_BYTES + 1);
        let fits = "x".repeat(MAX_FIELD_BYTES);
        let csv = format!("id,name\n1,{big}\n2,{fits}\n").into_bytes();
        let json = format!("{{\"id\":\"1\",\"name\":\"{big}\"}}\n{{\"id\":\"2\",\"name\":\"{fits}\"}}\n").into_bytes();
        for (format, bytes) in [(Format::Csv, csv), (Format::JsonLines, json)] {
            let got = rows(format, bytes);
            assert_eq!(got.len(), 2, "{format:?}: the file goes on after the rejected row");
            match &got[0].as_ref().unwrap().content {
                RawContent::Unreadable { column, rule, .. } => {
                    assert_eq!(column.as_deref(), Some("name"));
                    assert!(rule.contains("64 KiB"), "{rule}");
                }
                other => panic!("{format:?}: {other:?}"),
            }
            assert!(matches!(got[1].as_ref().unwrap().content, RawContent::Cells(_)), "{format:?}");
        }
    }
}
