//! The fast path of the survival commands' CSV reader: plain files (no quotes, one record per
//! line, no blank lines) are split into chunks at line ends and parsed in parallel straight into
//! typed columns, numbers with an exact decimal fast path. Anything unusual — a quote, a lone
//! carriage return, a blank line, a wrong field count, a field that is not a finite number where
//! one is wanted — returns `None` and the caller re-reads the file with the `csv` crate, whose
//! messages name the line and field. So the fast path changes speed, never results or messages.

use rayon::prelude::*;

/// How a wanted column is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Parsed to f64 (times, event codes, covariates).
    Number,
    /// Kept as trimmed bytes (group, strata and cluster labels).
    Label,
}

/// One parsed column.
#[derive(Debug)]
pub(super) enum Parsed {
    /// Every field a finite number; `integers` when every field was also written as an integer
    /// that `i64::from_str` accepts and f64 holds exactly (so codes can be read from the values).
    Numbers { values: Vec<f64>, integers: bool },
    /// Trimmed field bytes, concatenated, with the end offset of each field.
    Text { bytes: Vec<u8>, ends: Vec<usize> },
}

/// Splits a header line (without its terminator) into trimmed names, or `None` when it needs the
/// full reader (quotes, a byte-order mark, a carriage return inside).
pub(super) fn header(line: &[u8]) -> Option<Vec<String>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.starts_with(b"\xEF\xBB\xBF") || line.iter().any(|&b| b == b'"' || b == b'\r') {
        return None;
    }
    let s = std::str::from_utf8(line).ok()?;
    Some(s.split(',').map(|f| f.trim().to_string()).collect())
}

/// Parses the data lines `body` (everything after the header line) of a file with `ncols` fields
/// per record, keeping the columns `picks` (index, kind) in that order. Returns the number of
/// rows and the columns, or `None` when the full reader must be used.
pub(super) fn parse(body: &[u8], ncols: usize, picks: &[(usize, Kind)]) -> Option<(usize, Vec<Parsed>)> {
    // Chunks of about 4 MB ending at line ends: enough of them to keep both cores busy when one
    // is taken away by another process for a while.
    let target = (body.len() / (4 * rayon::current_num_threads().max(1))).clamp(1 << 16, 4 << 20);
    let mut bounds = vec![0];
    let mut pos = 0;
    while pos < body.len() {
        let mut end = (pos + target).min(body.len());
        if end < body.len() {
            end = match body[end..].iter().position(|&b| b == b'\n') {
                Some(k) => end + k + 1,
                None => body.len(),
            };
        }
        bounds.push(end);
        pos = end;
    }
    let parts: Vec<Option<Chunk>> =
        bounds.par_windows(2).map(|w| parse_chunk(&body[w[0]..w[1]], ncols, picks)).collect();
    let parts: Vec<Chunk> = parts.into_iter().collect::<Option<_>>()?;
    let rows: usize = parts.iter().map(|p| p.rows).sum();
    let mut out: Vec<Parsed> = picks
        .iter()
        .map(|&(_, kind)| match kind {
            Kind::Number => Parsed::Numbers { values: Vec::with_capacity(rows), integers: true },
            Kind::Label => Parsed::Text { bytes: Vec::new(), ends: Vec::with_capacity(rows) },
        })
        .collect();
    for part in parts {
        for (o, p) in out.iter_mut().zip(part.cols) {
            match (o, p) {
                (Parsed::Numbers { values, integers }, Parsed::Numbers { values: v, integers: i }) => {
                    values.extend_from_slice(&v);
                    *integers &= i;
                }
                (Parsed::Text { bytes, ends }, Parsed::Text { bytes: b, ends: e }) => {
                    let base = bytes.len();
                    bytes.extend_from_slice(&b);
                    ends.extend(e.iter().map(|&x| x + base));
                }
                _ => unreachable!("a chunk keeps each column in the kind asked for"),
            }
        }
    }
    Some((rows, out))
}

struct Chunk {
    rows: usize,
    cols: Vec<Parsed>,
}

/// Bytes that end a field or send the file to the full reader.
const SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'"' as usize] = true;
    t
};

fn parse_chunk(chunk: &[u8], ncols: usize, picks: &[(usize, Kind)]) -> Option<Chunk> {
    const SKIP: usize = usize::MAX;
    let mut slot = vec![SKIP; ncols];
    for (k, &(c, _)) in picks.iter().enumerate() {
        slot[c] = k;
    }
    let first_line = chunk.iter().position(|&b| b == b'\n').unwrap_or(chunk.len()) + 1;
    let guess = chunk.len() / first_line + 16;
    let mut cols: Vec<Parsed> = picks
        .iter()
        .map(|&(_, kind)| match kind {
            Kind::Number => Parsed::Numbers { values: Vec::with_capacity(guess), integers: true },
            Kind::Label => Parsed::Text { bytes: Vec::new(), ends: Vec::with_capacity(guess) },
        })
        .collect();
    let mut rows = 0;
    let mut field = 0;
    let mut start = 0;
    let mut line_start = 0;
    let n = chunk.len();
    let mut i = 0;
    while i <= n {
        // Past the end acts as a final line terminator (the last line may lack one).
        let b = if i < n { chunk[i] } else { b'\n' };
        if i < n && !SPECIAL[b as usize] {
            i += 1;
            continue;
        }
        let mut end = i;
        match b {
            b'"' => return None,
            b'\r' => {
                // Only as part of "\r\n"; a lone carriage return ends a record for the csv crate.
                if chunk.get(i + 1) != Some(&b'\n') {
                    return None;
                }
                i += 1; // the field ends before the '\r'; the '\n' ends the line
            }
            _ => {}
        }
        if i == n && start == n && field == 0 {
            break; // the chunk ended with a line terminator
        }
        if b != b',' && field == 0 && end == line_start {
            return None; // a blank line: the csv crate skips it and line numbers shift
        }
        if field >= ncols {
            return None;
        }
        let k = slot[field];
        if k != SKIP {
            let f = chunk[start..end].trim_ascii();
            match &mut cols[k] {
                Parsed::Numbers { values, integers } => {
                    let (v, int) = number(f)?;
                    values.push(v);
                    *integers &= int;
                }
                Parsed::Text { bytes, ends } => {
                    bytes.extend_from_slice(f);
                    ends.push(bytes.len());
                }
            }
        }
        if b == b',' {
            field += 1;
        } else {
            if field + 1 != ncols {
                return None;
            }
            rows += 1;
            field = 0;
            line_start = i + 1;
        }
        end = i + 1;
        start = end;
        i += 1;
    }
    Some(Chunk { rows, cols })
}

/// 10^k for k = 0..=22, all exact in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A finite number and whether it was written as an `i64` literal, or `None` if the field is not
/// a finite number. Plain decimals `[+-]digits[.digits]` with at most 2^53 as their digit string and
/// at most 22 decimals take Clinger's (1990) fast path: both the integer of the digits and 10^k
/// are exact in f64, so one IEEE division gives the correctly rounded value — the same f64 as
/// `str::parse`. Everything else goes through `str::parse`.
pub(super) fn number(f: &[u8]) -> Option<(f64, bool)> {
    let (neg, digits) = match f.first() {
        Some(b'-') => (true, &f[1..]),
        Some(b'+') => (false, &f[1..]),
        _ => (false, f),
    };
    let mut m: u64 = 0;
    let mut nd = 0usize;
    let mut frac = 0usize;
    let mut dot = false;
    let mut plain = digits.len() <= 24;
    if plain {
        for &c in digits {
            let d = c.wrapping_sub(b'0');
            if d < 10 {
                if nd < 19 {
                    m = m * 10 + u64::from(d);
                }
                nd += 1;
                frac += usize::from(dot);
            } else if c == b'.' && !dot {
                dot = true;
            } else {
                plain = false;
                break;
            }
        }
    }
    if plain && nd > 0 && nd <= 19 && m <= 1 << 53 && frac <= 22 {
        let v = m as f64 / POW10[frac];
        return Some((if neg { -v } else { v }, !dot));
    }
    let s = std::str::from_utf8(f).ok()?;
    let v: f64 = s.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some((v, s.parse::<i64>().is_ok_and(|x| x.unsigned_abs() <= 1 << 53)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_equal_std_parse() {
        let cases = [
            "0",
            "-0",
            "+0",
            "1",
            "01",
            "4.953",
            "-4.953",
            "0.1",
            ".5",
            "5.",
            "+.5",
            "123456789012345678",
            "9007199254740993",
            "9007199254740992",
            "0.30000000000000004",
            "1e3",
            "1E-3",
            "2.5e+2",
            "12345678901234567890123",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "3.141592653589793238",
            "179769313486231570000000000000000000000",
            "7",
        ];
        for c in cases {
            let std: f64 = c.parse().unwrap();
            let (v, int) = number(c.as_bytes()).unwrap();
            assert_eq!(v.to_bits(), std.to_bits(), "{c}");
            assert_eq!(int, c.parse::<i64>().is_ok_and(|x| x.unsigned_abs() <= 1 << 53), "{c}");
        }
        for bad in ["", ".", "-", "+", "1.2.3", "abc", "nan", "NaN", "inf", "-inf", "1e999", "1,5", "\"1\"", "NA"] {
            assert!(number(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn decimal_fast_path_is_correctly_rounded() {
        // A deterministic sweep of digit strings with up to 17 significant digits and many scales.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 100_000_000_000_000_000).to_string();
            let dot = (x >> 40) as usize % (digits.len() + 1);
            let s = format!("{}.{}", &digits[..dot], &digits[dot..]);
            let std: f64 = s.parse().unwrap();
            assert_eq!(number(s.as_bytes()).unwrap().0.to_bits(), std.to_bits(), "{s}");
        }
    }

    #[test]
    fn plain_files_parse_and_odd_ones_fall_back() {
        let picks = [(0, Kind::Number), (2, Kind::Label)];
        let (rows, cols) = parse(b"1.5,x,a\n2, y ,b \r\n3,z,c", 3, &picks).unwrap();
        assert_eq!(rows, 3);
        match &cols[0] {
            Parsed::Numbers { values, integers } => {
                assert_eq!(values, &[1.5, 2.0, 3.0]);
                assert!(!integers);
            }
            Parsed::Text { .. } => panic!("numbers expected"),
        }
        match &cols[1] {
            Parsed::Text { bytes, ends } => {
                assert_eq!(bytes, b"abc");
                assert_eq!(ends, &[1, 2, 3]);
            }
            Parsed::Numbers { .. } => panic!("text expected"),
        }
        assert!(parse(b"1,x,a\n", 3, &picks).is_some());
        for odd in [
            &b"1,x,a\n\n2,y,b\n"[..], // blank line
            b"1,\"x\",a\n",           // quote
            b"1,x,a\r2,y,b\n",        // lone carriage return
            b"1,x\n",                 // too few fields
            b"1,x,a,4\n",             // too many
            b"NA,x,a\n",              // not a number
            b",x,a\n",                // empty number
        ] {
            assert!(parse(odd, 3, &picks).is_none(), "{}", String::from_utf8_lossy(odd));
        }
        assert_eq!(header(b"time, event ,x\r"), Some(vec!["time".into(), "event".into(), "x".into()]));
        assert_eq!(header(b"\"time\",event"), None);
    }
}
