//! A reader that refuses over-long records and fields *while* the bytes pass, before whatever parses them
//! has buffered them: `/dev/zero` as an input, or a 100 MB field, must end in a message naming the line and
//! the limit, not in a 2 GB allocation. It follows CSV's quoting as the `csv` crate reads it (RFC 4180,
//! comma, `"`, `""` inside quotes; a record ends at `\n` or `\r` outside quotes), so that a line break in a
//! quoted field does not start a new record; [`Mode::Lines`] treats every `\n` as a record end (JSON lines).
//!
//! Each reader keeps its own limits as named constants beside it; this module only enforces them.

use std::io::Read;
use std::sync::{Arc, Mutex};

/// How records are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// CSV with `"` quotes and `,` between fields.
    Csv,
    /// One record per `\n`-terminated line, no fields (the field limit is not applied).
    Lines,
}

/// The limits of one reader, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes one record (a CSV row, quoted line breaks included; a JSON line) may take.
    pub record: u64,
    /// The most bytes one CSV field may take (quotes excluded).
    pub field: u64,
}

/// A record or field over its limit: where it starts, and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooLong {
    #[error("line {line}: the record is longer than {} (the limit for one record): is this the right file, or does a quote (\") opened on this line never close?", bytes(*.limit))]
    Record { line: u64, limit: u64 },
    #[error("line {line}, field {field}: longer than {} (the limit for one field)", bytes(*.limit))]
    Field {
        line: u64,
        /// 1-based position of the field in its record.
        field: usize,
        limit: u64,
    },
}

impl TooLong {
    /// The line where the record (or field) starts.
    pub fn line(&self) -> u64 {
        match self {
            TooLong::Record { line, .. } | TooLong::Field { line, .. } => *line,
        }
    }

    /// The same problem, the field named by `name` (e.g. its header) when there is one.
    pub fn describe(&self, name: impl Fn(usize) -> Option<String>) -> String {
        match self {
            TooLong::Field { line, field, limit } => match name(*field - 1) {
                Some(n) => format!("line {line}, column {n}: longer than {} (the limit for one field)", bytes(*limit)),
                None => self.to_string(),
            },
            TooLong::Record { .. } => self.to_string(),
        }
    }
}

/// `1 MiB`, `64 KiB` or a byte count.
fn bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: the end of the quotes, or the first of `""`.
    QuoteInQuoted,
}

/// Wraps a byte stream; reading fails with an [`std::io::Error`] carrying a [`TooLong`] as soon as a record
/// or field passes its limit. The [`Tripped`] handle tells the consumer afterwards, also when the parser in
/// between reworded the I/O error.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: R,
    mode: Mode,
    limits: Limits,
    state: State,
    line: u64,
    record_line: u64,
    record_len: u64,
    field: usize,
    field_len: u64,
    tripped: Tripped,
}

/// What stopped a [`Bounded`] reader, if anything.
#[derive(Debug, Clone, Default)]
pub struct Tripped(Arc<Mutex<Option<TooLong>>>);

impl Tripped {
    /// The limit that stopped reading, if one did.
    pub fn get(&self) -> Option<TooLong> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

impl<R: Read> Bounded<R> {
    pub fn new(inner: R, mode: Mode, limits: Limits) -> Self {
        Bounded {
            inner,
            mode,
            limits,
            state: State::StartField,
            line: 1,
            record_line: 1,
            record_len: 0,
            field: 1,
            field_len: 0,
            tripped: Tripped::default(),
        }
    }

    /// A handle that reports the limit that stopped reading.
    pub fn tripped(&self) -> Tripped {
        self.tripped.clone()
    }

    fn end_record(&mut self) {
        self.state = State::StartField;
        self.record_len = 0;
        self.field = 1;
        self.field_len = 0;
        self.record_line = self.line;
    }

    /// Advances over one byte; `Err` when a limit is passed.
    fn step(&mut self, b: u8) -> Result<(), TooLong> {
        if b == b'\n' {
            self.line += 1;
        }
        match self.mode {
            Mode::Lines => {
                if b == b'\n' {
                    self.end_record();
                    return Ok(());
                }
            }
            Mode::Csv => {
                let ends = matches!(b, b'\n' | b'\r');
                match (self.state, b) {
                    (State::Quoted, b'"') => self.state = State::QuoteInQuoted,
                    (State::Quoted, _) => self.field_len += 1,
                    (State::StartField, b'"') => self.state = State::Quoted,
                    (State::QuoteInQuoted, b'"') => {
                        self.state = State::Quoted;
                        self.field_len += 1;
                    }
                    (_, b',') => {
                        self.state = State::StartField;
                        self.field += 1;
                        self.field_len = 0;
                    }
                    (_, _) if ends => {
                        self.end_record();
                        return Ok(());
                    }
                    (_, _) => {
                        self.state = State::Unquoted;
                        self.field_len += 1;
                    }
                }
            }
        }
        self.record_len += 1;
        if self.record_len > self.limits.record {
            return Err(TooLong::Record { line: self.record_line, limit: self.limits.record });
        }
        if self.mode == Mode::Csv && self.field_len > self.limits.field {
            return Err(TooLong::Field { line: self.record_line, field: self.field, limit: self.limits.field });
        }
        Ok(())
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(t) = self.tripped.get() {
            return Err(std::io::Error::other(t));
        }
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if let Err(t) = self.step(b) {
                if let Ok(mut g) = self.tripped.0.lock() {
                    *g = Some(t.clone());
                }
                // The bytes before the one over the limit are handed on; the next read fails.
                if i == 0 {
                    return Err(std::io::Error::other(t));
                }
                return Ok(i);
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Limits = Limits { record: 32, field: 8 };

    fn read_all(input: &[u8], mode: Mode) -> Result<Vec<u8>, TooLong> {
        let mut r = Bounded::new(input, mode, L);
        let t = r.tripped();
        let mut out = Vec::new();
        match r.read_to_end(&mut out) {
            Ok(_) => Ok(out),
            Err(e) => Err(t.get().unwrap_or_else(|| panic!("an error without a limit: {e}"))),
        }
    }

    #[test]
    fn within_the_limits_everything_passes_unchanged() {
        let input = b"a,b,c\r\n12345678,\"q, \"\"\",x\n\"tw\nline\",y\n\n";
        assert_eq!(read_all(input, Mode::Csv).unwrap(), input);
    }

    #[test]
    fn a_long_field_is_named_by_line_and_position() {
        assert_eq!(read_all(b"a,b\n1,123456789\n", Mode::Csv), Err(TooLong::Field { line: 2, field: 2, limit: 8 }));
        // Quoted, with a line break inside: the record's first line is named.
        assert_eq!(
            read_all(b"a,b\n1,\"1234\n56789\"\n", Mode::Csv),
            Err(TooLong::Field { line: 2, field: 2, limit: 8 })
        );
    }

    #[test]
    fn a_long_record_stops_reading_even_without_a_line_break() {
        let zeros = std::io::repeat(0).take(1 << 30);
        let mut r = Bounded::new(zeros, Mode::Lines, L);
        let t = r.tripped();
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(out.len() <= 32, "stopped at the limit, not at the end of the stream");
        assert_eq!(t.get(), Some(TooLong::Record { line: 1, limit: 32 }));
        // A quoted line break does not end a CSV record.
        let rec = format!("a\n{}\n", "\"x\n\",".repeat(10));
        assert_eq!(read_all(rec.as_bytes(), Mode::Csv), Err(TooLong::Record { line: 2, limit: 32 }));
        // but in lines mode every line break does
        assert!(read_all(rec.as_bytes(), Mode::Lines).is_ok());
    }

    #[test]
    fn messages_name_the_limit() {
        let t = TooLong::Record { line: 7, limit: 1 << 20 };
        assert!(t.to_string().contains("line 7") && t.to_string().contains("1 MiB"), "{t}");
        let f = TooLong::Field { line: 3, field: 2, limit: 64 << 10 };
        let s = f.describe(|i| ["a", "address"].get(i).map(|s| s.to_string()));
        assert_eq!(s, "line 3, column address: longer than 64 KiB (the limit for one field)");
    }
}
