//! The fast path of the survival commands' CSV reader: plain files (no quotes, one record per
//! line, no blank lines) are read in blocks (the next read while this one is parsed), split into
//! pieces at line ends and parsed in parallel straight into typed columns ([`read`]), numbers with
//! an exact decimal fast path; or, for a single Kaplan–Meier curve, counted per distinct time
//! without keeping the rows ([`km_counts`]). Anything unusual — a quote, a lone carriage return,
//! a blank line, a wrong field count, a field that is not a finite number where one is wanted —
//! returns `None` and the caller falls back (counting to columns, columns to the `csv` crate,
//! whose messages name the line and field). So the fast paths change speed, never results or
//! messages.

use std::io::Read as _;
use std::path::Path;

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

/// The fast path's result: the header, the number of data rows and the wanted columns in the
/// order of `wanted` (without repeats), except the `matrix` columns, which are in `matrix`.
#[derive(Debug)]
pub(super) struct Read {
    pub header: Vec<String>,
    pub rows: usize,
    pub columns: Vec<(String, Parsed)>,
    /// The numbers of the `matrix` columns, row-major (`rows` x their number).
    pub matrix: Vec<f64>,
}

/// Bytes read from the file at a time: the block buffer is reused, so only it and the columns
/// themselves take fresh memory (page faults on fresh pages cost as much as the parsing here).
const BLOCK: usize = 8 << 20;
/// Bytes per parallel piece of a block: a piece's numbers stay in the core's cache until copied.
const PIECE: usize = 1 << 20;

/// Reads the file at `path` if it is plain; `None` when it must be read by the `csv` crate
/// (including any I/O problem or a missing column, so that reader reports it in its words).
/// `labels` (a subset of `wanted`) are kept as text, the other wanted columns as numbers;
/// `matrix` (a subset of `wanted`, distinct, no labels) as one row-major matrix of numbers, which
/// a model reads by rows (no column copy of them is kept).
pub(super) fn read(path: &Path, wanted: &[&str], labels: &[&str], matrix: &[&str]) -> Option<Read> {
    struct State {
        ncols: usize,
        picks: Vec<(usize, Kind)>,
        names: Vec<String>,
        out: Vec<Parsed>,
        scratch: Vec<Chunk>,
        rows: usize,
        /// the picks that go to the matrix, in matrix order
        mat: Vec<usize>,
        matrix: Vec<f64>,
    }
    let file_len = std::fs::metadata(path).ok()?.len();
    let (header, st) = blocks(
        path,
        |header| {
            let mut st = State {
                ncols: header.len(),
                picks: vec![],
                names: vec![],
                out: vec![],
                scratch: vec![],
                rows: 0,
                mat: vec![],
                matrix: vec![],
            };
            for &name in wanted {
                let c = header.iter().position(|h| h == name)?;
                if !st.names.iter().any(|n| n == name) {
                    st.picks.push((c, if labels.contains(&name) { Kind::Label } else { Kind::Number }));
                    st.names.push(name.to_string());
                }
            }
            for &name in matrix {
                let k = st.names.iter().position(|n| n == name)?;
                if st.picks[k].1 != Kind::Number || st.mat.contains(&k) {
                    return None;
                }
                st.mat.push(k);
            }
            st.out = st.picks.iter().map(|&(_, kind)| Parsed::empty(kind, 0)).collect();
            Some(st)
        },
        |st, block| {
            let rows = parse_block(block, st.ncols, &st.picks, &mut st.scratch, &mut st.out, &st.mat)?;
            if st.rows == 0 && rows > 0 {
                // Room for the whole file, from the first block's rows per byte (+10 %): grown by
                // doubling, the matrix and columns would fault in, and the kernel zero, about
                // twice their final size. Capacity that is never written costs no memory.
                let estimate = (file_len as f64 / block.len() as f64 * rows as f64 * 1.1) as usize;
                st.matrix.reserve(estimate.saturating_mul(st.mat.len()).saturating_sub(st.matrix.len()));
                for c in &mut st.out {
                    c.reserve(estimate);
                }
            }
            for c in st.scratch.iter().take_while(|c| c.rows != usize::MAX) {
                st.matrix.extend_from_slice(&c.mat);
            }
            st.rows += rows;
            Some(())
        },
    )?;
    let columns =
        st.names.into_iter().zip(st.out).enumerate().filter(|(k, _)| !st.mat.contains(k)).map(|(_, c)| c).collect();
    Some(Read { header, rows: st.rows, columns, matrix: st.matrix })
}

/// Reads a plain file block by block: `on_header` gets the header's names and makes the state,
/// `on_block` each run of whole data lines in file order. Returns the header and the state, or
/// `None` when either gives up or the file cannot be read.
fn blocks<S: Send>(
    path: &Path,
    on_header: impl FnOnce(&[String]) -> Option<S>,
    mut on_block: impl FnMut(&mut S, &[u8]) -> Option<()> + Send,
) -> Option<(Vec<String>, S)> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + PIECE);
    let mut eof = false;
    let mut target = BLOCK;
    let nl = loop {
        if let Some(k) = buf.iter().position(|&b| b == b'\n') {
            break k;
        }
        if eof || buf.len() as u64 > crate::LIMITS.record {
            return None; // the csv crate's reading names the limit
        }
        target = target.max(2 * buf.len());
        eof = fill(&mut file, &mut buf, target)?;
    };
    let header = header(&buf[..nl])?;
    let mut state = on_header(&header)?;
    buf.drain(..=nl);
    // Double buffering: the next block is read while this one is parsed.
    let mut next: Vec<u8> = Vec::with_capacity(BLOCK + PIECE);
    loop {
        if !eof && buf.len() < target {
            eof = fill(&mut file, &mut buf, target)?;
        }
        let cut = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(k) => k + 1,
                // a line longer than a block is over the record limit: the csv crate's reading names it
                None => return None,
            }
        };
        let (parsed, read) = rayon::join(
            || on_block(&mut state, &buf[..cut]),
            || {
                next.clear();
                next.extend_from_slice(&buf[cut..]);
                if eof { Some(true) } else { fill(&mut file, &mut next, target) }
            },
        );
        parsed?;
        eof = read?;
        std::mem::swap(&mut buf, &mut next);
        if eof && buf.is_empty() {
            break;
        }
    }
    Some((header, state))
}

/// Piece boundaries of a block: about `PIECE` bytes each, ending at line ends.
fn pieces(block: &[u8]) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut pos = 0;
    while pos < block.len() {
        let mut end = (pos + PIECE).min(block.len());
        if end < block.len() {
            end = match block[end..].iter().position(|&b| b == b'\n') {
                Some(k) => end + k + 1,
                None => block.len(),
            };
        }
        bounds.push(end);
        pos = end;
    }
    bounds
}

/// Appends up to `target - buf.len()` bytes of the file; `Some(true)` at the end of the file.
fn fill(file: &mut std::fs::File, buf: &mut Vec<u8>, target: usize) -> Option<bool> {
    let want = target.saturating_sub(buf.len()).max(1);
    let got = file.take(want as u64).read_to_end(buf).ok()?;
    Some(got < want)
}

/// Parses whole lines in pieces in parallel and appends them to `out` in file order.
/// Pieces past the block's last are marked with `rows == usize::MAX`; the picks in `skip` (in
/// matrix order) are left in the pieces' row-major `mat`.
fn parse_block(
    block: &[u8],
    ncols: usize,
    picks: &[(usize, Kind)],
    scratch: &mut Vec<Chunk>,
    out: &mut [Parsed],
    skip: &[usize],
) -> Option<usize> {
    let bounds = pieces(block);
    let pieces = bounds.len() - 1;
    while scratch.len() < pieces {
        scratch.push(Chunk {
            rows: 0,
            cols: picks.iter().map(|&(_, kind)| Parsed::empty(kind, 0)).collect(),
            mat: Vec::new(),
        });
    }
    scratch[pieces..].iter_mut().for_each(|c| c.rows = usize::MAX);
    let ok = scratch[..pieces]
        .par_iter_mut()
        .zip(bounds.par_windows(2))
        .map(|(chunk, w)| parse_chunk(&block[w[0]..w[1]], ncols, picks, skip, chunk))
        .all(|ok| ok);
    if !ok {
        return None;
    }
    let mut rows = 0;
    for chunk in &scratch[..pieces] {
        rows += chunk.rows;
        for (k, (o, p)) in out.iter_mut().zip(&chunk.cols).enumerate() {
            if skip.contains(&k) {
                continue;
            }
            match (o, p) {
                (Parsed::Numbers { values, integers }, Parsed::Numbers { values: v, integers: i }) => {
                    values.extend_from_slice(v);
                    *integers &= i;
                }
                (Parsed::Text { bytes, ends }, Parsed::Text { bytes: b, ends: e }) => {
                    let base = bytes.len();
                    bytes.extend_from_slice(b);
                    ends.extend(e.iter().map(|&x| x + base));
                }
                _ => unreachable!("a chunk keeps each column in the kind asked for"),
            }
        }
    }
    Some(rows)
}

impl Parsed {
    fn empty(kind: Kind, capacity: usize) -> Self {
        match kind {
            Kind::Number => Self::Numbers { values: Vec::with_capacity(capacity), integers: true },
            Kind::Label => Self::Text { bytes: Vec::new(), ends: Vec::with_capacity(capacity) },
        }
    }

    fn reserve(&mut self, rows: usize) {
        match self {
            Self::Numbers { values, .. } => values.reserve(rows.saturating_sub(values.len())),
            Self::Text { ends, .. } => ends.reserve(rows.saturating_sub(ends.len())),
        }
    }

    fn clear(&mut self) {
        match self {
            Self::Numbers { values, integers } => {
                values.clear();
                *integers = true;
            }
            Self::Text { bytes, ends } => {
                bytes.clear();
                ends.clear();
            }
        }
    }
}

struct Chunk {
    rows: usize,
    cols: Vec<Parsed>,
    /// the numbers of the matrix picks, row-major
    mat: Vec<f64>,
}

/// Parses the whole lines of `chunk` into `out` (cleared first); false when the file needs the
/// `csv` crate: a quote, a lone carriage return, a blank line, a line without `ncols` fields, a
/// wanted number that is not one. A number written plainly (`-`, digits, one `.`, no spaces) is
/// parsed as its bytes are scanned; any other field is cut out, trimmed and given to [`number`].
fn parse_chunk(chunk: &[u8], ncols: usize, picks: &[(usize, Kind)], mat: &[usize], out: &mut Chunk) -> bool {
    const SKIP: usize = usize::MAX;
    let mut slot = vec![SKIP; ncols];
    for (k, &(c, _)) in picks.iter().enumerate() {
        slot[c] = k;
    }
    // column of the matrix of each pick, if it goes there
    let mut mat_col = vec![SKIP; picks.len()];
    for (j, &k) in mat.iter().enumerate() {
        mat_col[k] = j;
    }
    let width = mat.len();
    out.cols.iter_mut().for_each(Parsed::clear);
    out.mat.clear();
    let cols = &mut out.cols;
    let row_major = &mut out.mat;
    let n = chunk.len();
    // past the end reads as a line end (the last line may lack one)
    let at = |i: usize| if i < n { chunk[i] } else { b'\n' };
    let mut i = 0;
    let mut rows = 0;
    while i < n {
        if at(i) == b'\n' || (at(i) == b'\r' && at(i + 1) == b'\n') {
            return false; // a blank line: the csv crate skips it and line numbers shift
        }
        let line_start = i;
        // every matrix pick is set below (a line without it gives up)
        let base = row_major.len();
        row_major.resize(base + width, 0.0);
        for (field, &k) in slot.iter().enumerate() {
            let start = i;
            let mut quick = None;
            if k != SKIP && matches!(cols[k], Parsed::Numbers { .. }) {
                let neg = at(i) == b'-';
                i += usize::from(neg);
                let mut dec = Decimal::default();
                while dec.push(at(i)) {
                    i += 1;
                }
                if let (b',' | b'\n' | b'\r', Some(v)) = (at(i), dec.exact()) {
                    // -v by setting the sign bit of v >= 0 (also -0 for 0), without a branch on
                    // the sign, which is as unpredictable as the data
                    let v = f64::from_bits(v.to_bits() | (u64::from(neg) << 63));
                    quick = Some((v, !dec.dot));
                }
            }
            loop {
                match at(i) {
                    b',' | b'\n' | b'\r' => break,
                    b'"' => return false,
                    _ => i += 1,
                }
            }
            if k != SKIP {
                let f = chunk[start..i.min(n)].trim_ascii();
                match &mut cols[k] {
                    Parsed::Numbers { values, integers } => {
                        let Some((v, int)) = quick.or_else(|| number(f)) else {
                            return false;
                        };
                        if mat_col[k] == SKIP {
                            values.push(v);
                            *integers &= int;
                        } else {
                            row_major[base + mat_col[k]] = v;
                        }
                    }
                    Parsed::Text { bytes, ends } => {
                        bytes.extend_from_slice(f);
                        ends.push(bytes.len());
                    }
                }
            }
            match (at(i), field + 1 == ncols) {
                (b',', false) | (b'\n', true) => i += 1,
                (b'\r', true) if at(i + 1) == b'\n' => i += 2,
                _ => return false,
            }
        }
        if (i - line_start) as u64 > crate::LIMITS.field {
            return false; // a field may be over its limit: the csv crate's reading decides and names it
        }
        rows += 1;
    }
    out.rows = rows;
    true
}

/// Kaplan–Meier input counted while reading: the distinct times in increasing order with their
/// numbers of events and censorings.
#[derive(Debug)]
pub struct Counts {
    pub time: Vec<f64>,
    pub n_event: Vec<f64>,
    pub n_censor: Vec<f64>,
}

/// Times are counted on a dense grid of this many steps of 10^-scale.
const GRID: u64 = 1 << 22;

/// Counts events and censorings per distinct time without keeping the rows: for a plain file
/// whose times are non-negative decimals with at most `scale` decimals (the most seen in the first
/// lines) that fit a grid of `GRID` steps of 10^-scale, and whose event codes are written `0` or `1`.
/// A time's grid index is its digits as an integer (scaled to `scale` decimals), so counting is a
/// single pass with no sort, and the time is rebuilt exactly: index / 10^scale is the same
/// correctly rounded division as [`number`] does on the written digits. `None` otherwise (the
/// caller then reads the columns).
pub(crate) fn km_counts(path: &Path, time: &str, event: &str) -> Option<Counts> {
    struct State {
        ncols: usize,
        tc: usize,
        ec: usize,
        scale: Option<usize>,
        /// One grid per worker, kept across blocks (so each is zeroed once), added up at the end.
        grids: Vec<Vec<[u32; 2]>>,
        bytes: usize,
    }
    let workers = rayon::current_num_threads().max(1);
    let (_, st) = blocks(
        path,
        |header| {
            let tc = header.iter().position(|h| h == time)?;
            let ec = header.iter().position(|h| h == event)?;
            if tc == ec {
                return None;
            }
            Some(State { ncols: header.len(), tc, ec, scale: None, grids: vec![Vec::new(); workers], bytes: 0 })
        },
        |st, block| {
            // a line takes at least 4 bytes, so below 4 * 2^32 bytes no u32 count can overflow
            st.bytes += block.len();
            if st.bytes / 4 >= u32::MAX as usize {
                return None;
            }
            let scale = match st.scale {
                Some(s) => s,
                None => *st.scale.insert(sample_scale(block, st.tc)),
            };
            let bounds = pieces(block);
            let per = (bounds.len() - 1).div_ceil(workers);
            let (ncols, tc, ec) = (st.ncols, st.tc, st.ec);
            st.grids
                .par_iter_mut()
                .enumerate()
                .map(|(g, grid)| {
                    let (from, to) = ((g * per).min(bounds.len() - 1), ((g + 1) * per).min(bounds.len() - 1));
                    for w in bounds[from..=to].windows(2) {
                        count_piece(&block[w[0]..w[1]], ncols, tc, ec, scale, grid)?;
                    }
                    Some(())
                })
                .collect::<Option<Vec<()>>>()?;
            Some(())
        },
    )?;
    let scale = st.scale?;
    let grid = st.grids.into_iter().try_fold(Vec::new(), merge)?;
    let mut out = Counts { time: Vec::new(), n_event: Vec::new(), n_censor: Vec::new() };
    for (k, &[c, d]) in grid.iter().enumerate() {
        if c + d > 0 {
            out.time.push(k as f64 / POW10[scale]);
            out.n_event.push(f64::from(d));
            out.n_censor.push(f64::from(c));
        }
    }
    (!out.time.is_empty()).then_some(out)
}

/// Adds two grids of [censorings, events] counts; `None` on overflow.
fn merge(mut a: Vec<[u32; 2]>, b: Vec<[u32; 2]>) -> Option<Vec<[u32; 2]>> {
    if a.len() < b.len() {
        return merge(b, a);
    }
    for (x, y) in a.iter_mut().zip(&b) {
        x[0] = x[0].checked_add(y[0])?;
        x[1] = x[1].checked_add(y[1])?;
    }
    Some(a)
}

/// The most decimals of the time field in the first lines of the first block (at most 22).
fn sample_scale(block: &[u8], tc: usize) -> usize {
    block
        .split(|&b| b == b'\n')
        .take(1000)
        .filter_map(|line| line.split(|&b| b == b',').nth(tc))
        .map(|f| {
            let f = f.trim_ascii();
            f.iter().position(|&b| b == b'.').map_or(0, |d| f.len() - d - 1)
        })
        .max()
        .unwrap_or(0)
        .min(22)
}

/// Counts the lines of `chunk` into `grid` in one scan of the bytes, parsing the time's digits as
/// they pass. Only the plainest shape is taken: no spaces around the time or the code, no quotes,
/// `\n` or `\r\n` line ends, `ncols` fields per line; `None` otherwise (the caller then reads
/// columns, where the general rules apply).
fn count_piece(chunk: &[u8], ncols: usize, tc: usize, ec: usize, scale: usize, grid: &mut Vec<[u32; 2]>) -> Option<()> {
    let n = chunk.len();
    // past the end reads as a line end (the last line may lack one)
    let at = |i: usize| if i < n { chunk[i] } else { b'\n' };
    let mut i = 0;
    while i < n {
        let line_start = i;
        let (mut key, mut ev) = (0usize, 0usize);
        for field in 0..ncols {
            if field == tc {
                let (mut m, mut nd, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
                loop {
                    let c = at(i);
                    let d = c.wrapping_sub(b'0');
                    if d < 10 {
                        m = m * 10 + u64::from(d);
                        if m >= GRID {
                            return None;
                        }
                        nd += 1;
                        frac += usize::from(dot);
                    } else if c == b'.' && !dot {
                        dot = true;
                    } else {
                        break;
                    }
                    i += 1;
                }
                if nd == 0 || frac > scale {
                    return None;
                }
                for _ in frac..scale {
                    m *= 10;
                    if m >= GRID {
                        return None;
                    }
                }
                key = m as usize;
            } else if field == ec {
                // '0' or '1', as a number rather than a branch: events and censorings alternate
                // unpredictably, and a mispredicted branch per line costs more than the rest
                ev = usize::from(at(i).wrapping_sub(b'0'));
                if ev > 1 {
                    return None;
                }
                i += 1;
            } else {
                loop {
                    match at(i) {
                        b',' | b'\n' | b'\r' => break,
                        b'"' => return None,
                        _ => i += 1,
                    }
                }
            }
            match (at(i), field + 1 == ncols) {
                (b',', false) | (b'\n', true) => i += 1,
                (b'\r', true) if at(i + 1) == b'\n' => i += 2,
                _ => return None,
            }
        }
        if (i - line_start) as u64 > crate::LIMITS.field {
            return None; // a field may be over its limit: the csv crate's reading decides and names it
        }
        if key >= grid.len() {
            grid.resize((key + 1).next_power_of_two().min(GRID as usize), [0, 0]);
        }
        grid[key][ev] += 1;
    }
    Some(())
}

/// 10^k for k = 0..=22, all exact in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A plain decimal (digits and at most one `.`) accumulated byte by byte: the shared scanner of
/// the reader's fast path and of [`number`].
#[derive(Default)]
struct Decimal {
    /// The first 19 digits as an integer.
    m: u64,
    /// Digits seen.
    nd: usize,
    /// Digits after the point.
    frac: usize,
    dot: bool,
}

impl Decimal {
    /// Takes `c` if it continues the number (a digit, or the first `.`); false otherwise.
    #[inline(always)]
    fn push(&mut self, c: u8) -> bool {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            if self.nd < 19 {
                self.m = self.m * 10 + u64::from(d);
            }
            self.nd += 1;
            self.frac += usize::from(self.dot);
            true
        } else if c == b'.' && !self.dot {
            self.dot = true;
            true
        } else {
            false
        }
    }

    /// Its value, unsigned, when one IEEE division gives it correctly rounded: at least one and
    /// at most 19 digits, the mantissa at most 2^53 (exact as i64 and f64; a signed conversion
    /// is one instruction) and at most 22 decimals (powers of ten exact in f64).
    #[inline(always)]
    fn exact(&self) -> Option<f64> {
        (self.nd > 0 && self.nd <= 19 && self.m <= 1 << 53 && self.frac <= 22)
            .then(|| self.m as i64 as f64 / POW10[self.frac])
    }
}

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
    let mut dec = Decimal::default();
    if digits.len() <= 24
        && digits.iter().all(|&c| dec.push(c))
        && let Some(v) = dec.exact()
    {
        return Some((if neg { -v } else { v }, !dec.dot));
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

    fn read_str(body: &[u8], wanted: &[&str], labels: &[&str]) -> Option<Read> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, body).unwrap();
        read(&path, wanted, labels, &[])
    }

    #[test]
    fn plain_files_parse_and_odd_ones_fall_back() {
        let r = read_str(b"t,skip,g\n1.5,x,a\n2, y ,b \r\n3,z,c", &["t", "g", "t"], &["g"]).unwrap();
        assert_eq!(r.rows, 3);
        assert_eq!(r.header, ["t", "skip", "g"]);
        assert_eq!(r.columns.len(), 2);
        match &r.columns[0] {
            (name, Parsed::Numbers { values, integers }) => {
                assert_eq!(name, "t");
                assert_eq!(values, &[1.5, 2.0, 3.0]);
                assert!(!integers);
            }
            _ => panic!("numbers expected"),
        }
        match &r.columns[1].1 {
            Parsed::Text { bytes, ends } => {
                assert_eq!(bytes, b"abc");
                assert_eq!(ends, &[1, 2, 3]);
            }
            Parsed::Numbers { .. } => panic!("text expected"),
        }
        for odd in [
            &b"t,skip,g\n1,x,a\n\n2,y,b\n"[..], // blank line
            b"t,skip,g\n1,\"x\",a\n",           // quote
            b"t,skip,g\n1,x,a\r2,y,b\n",        // lone carriage return
            b"t,skip,g\n1,x\n",                 // too few fields
            b"t,skip,g\n1,x,a,4\n",             // too many
            b"t,skip,g\nNA,x,a\n",              // not a number
            b"t,skip,g\n,x,a\n",                // empty number
            b"\"t\",skip,g\n1,x,a\n",           // quoted header
            b"t,skip,g",                        // no line end after the header
        ] {
            assert!(read_str(odd, &["t", "g"], &["g"]).is_none(), "{}", String::from_utf8_lossy(odd));
        }
        assert!(read_str(b"t,skip,g\n1,x,a\n", &["nope"], &[]).is_none());
        assert_eq!(header(b"time, event ,x\r"), Some(vec!["time".into(), "event".into(), "x".into()]));
        assert_eq!(header(b"\"time\",event"), None);
    }

    #[test]
    fn matrix_columns_are_read_row_major_in_the_order_asked() {
        let body = b"a,t,b,c\n1,2.5,3,x\n-4,5,6.25,y\r\n-0,7,+8,z";
        let r = read_str_matrix(body, &["t", "b", "a", "c"], &["c"], &["b", "a"]).unwrap();
        assert_eq!(r.rows, 3);
        assert_eq!(r.matrix, [3.0, 1.0, 6.25, -4.0, 8.0, -0.0]);
        assert!(r.matrix[5].is_sign_negative());
        let names: Vec<&str> = r.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["t", "c"]);
        // a label, a column not wanted, or one named twice cannot be a matrix column
        assert!(read_str_matrix(body, &["t", "c"], &["c"], &["c"]).is_none());
        assert!(read_str_matrix(body, &["t"], &[], &["b"]).is_none());
        assert!(read_str_matrix(body, &["t", "b"], &[], &["b", "b"]).is_none());
        // a bad number in a matrix column falls back like any other
        assert!(read_str_matrix(b"a,b\n1,NA\n", &["a", "b"], &[], &["b"]).is_none());
    }

    fn read_str_matrix(body: &[u8], wanted: &[&str], labels: &[&str], matrix: &[&str]) -> Option<Read> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, body).unwrap();
        read(&path, wanted, labels, matrix)
    }

    #[test]
    fn km_counts_take_only_the_plainest_shape() {
        let counts = |body: &[u8]| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.csv");
            std::fs::write(&path, body).unwrap();
            km_counts(&path, "t", "e")
        };
        let c = counts(b"x,t,e\na,1.5,1\nb,2,0\r\nc,1.50,1\nd,0.25,0").unwrap();
        assert_eq!(c.time, [0.25, 1.5, 2.0]);
        assert_eq!(c.n_event, [0.0, 2.0, 0.0]);
        assert_eq!(c.n_censor, [1.0, 0.0, 1.0]);
        for odd in [
            &b"x,t,e\na, 1.5,1\n"[..],    // a space
            b"x,t,e\na,1.5,+1\n",         // a code written otherwise
            b"x,t,e\n\"a\",1.5,1\n",      // a quote
            b"x,t,e\na,-1.5,1\n",         // a negative time (the column reader reports it)
            b"x,t,e\na,1.5,1,2\n",        // a field too many
            b"x,t,e\na,1.5\n",            // a field too few
            b"x,t,e\na,1.5,1\n\nb,2,1\n", // a blank line
            b"x,t,e\na,1.5,1\rb,2,1\n",   // a lone carriage return
            b"x,t,e\na,1e3,1\n",          // an exponent
            b"x,t,e\na,99999999,1\n",     // off the grid
        ] {
            assert!(counts(odd).is_none(), "{}", String::from_utf8_lossy(odd));
        }
        // more decimals late in the file than the first lines show
        let mut late = b"x,t,e\n".to_vec();
        late.extend(b"a,1.5,1\n".repeat(1000));
        assert!(counts(&late).is_some());
        late.extend(b"b,1.125,1\n");
        assert!(counts(&late).is_none());
    }

    #[test]
    fn lines_across_block_and_piece_boundaries_are_read_in_order() {
        // ~20 MB: several blocks, many pieces, lines of varying length, last line unterminated.
        let mut body = b"i,pad,code\n".to_vec();
        let n = 700_000usize;
        for i in 0..n {
            let pad = "p".repeat(i % 37);
            body.extend_from_slice(format!("{i},{pad},{}", i % 3).as_bytes());
            if i + 1 < n {
                body.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
            }
        }
        let r = read_str(&body, &["i", "code"], &[]).unwrap();
        assert_eq!(r.rows, n);
        let Parsed::Numbers { values, integers } = &r.columns[0].1 else { panic!("numbers expected") };
        assert!(integers);
        assert!(values.iter().enumerate().all(|(i, &v)| v == i as f64));
        let Parsed::Numbers { values, .. } = &r.columns[1].1 else { panic!("numbers expected") };
        assert!(values.iter().enumerate().all(|(i, &v)| v == (i % 3) as f64));
    }
}
