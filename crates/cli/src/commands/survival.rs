//! `zicht survival`: Kaplan–Meier curves per group with Greenwood errors, pointwise intervals,
//! medians, and the log-rank test, from a CSV extract.
//!
//! Also home of the small CSV reader shared by `zicht cif` and `zicht cox`: it validates every
//! field and names file, line, field and rule in its messages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;
use zicht_stats::survival::{ConfType, KaplanMeier, SurvivalError, kaplan_meier, kaplan_meier_counts, log_rank};

use crate::exit::bad_input;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  zicht survival cohort.csv --time years --event revictimised --group minor --at 1,5,7 --json\n\n\
The event column holds 0 (censored) or 1 (event). The table lists the event times; `se` is the\n\
Greenwood standard error of S(t); intervals are pointwise (default log-log, as R survfit's\n\
conf.type). Undefined values (e.g. the interval once S reaches 0) are null in --json."
)]
pub struct Args {
    /// CSV file with a header row (`,` `;` or tab), or a workbook (.xlsx, .ods: its first sheet).
    pub data: PathBuf,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// Column with the follow-up time (>= 0).
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator: 1 = event, 0 = censored.
    #[arg(long)]
    pub event: String,
    /// Column that splits the data into groups (compared by the log-rank test).
    #[arg(long)]
    pub group: Option<String>,
    /// Column whose values define strata for a stratified log-rank test.
    #[arg(long, requires = "group")]
    pub strata: Option<String>,
    /// Times at which to report survival, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub at: Vec<f64>,
    /// Scale of the confidence intervals.
    #[arg(long, default_value = "log-log", value_parser = ["log-log", "log", "plain"])]
    pub conf: String,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

mod fast_csv;

/// The limits of a survival, cif or cox extract: those of any file of rows
/// ([`zicht_store::source::ROW_FILE_LIMITS`]), so that a wrong file (`/dev/zero`, a binary) is not
/// buffered whole and reading stops with the file, line and limit named. The fast path gives up on a
/// line over them, so the `csv` crate's reading reports it.
const LIMITS: zicht_store::bounded::Limits = zicht_store::source::ROW_FILE_LIMITS;

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
    pub fn read(
        path: &Path,
        encoding: &super::common::EncodingArgs,
        wanted: &[&str],
        labels: &[&str],
    ) -> anyhow::Result<Self> {
        Ok(Self::read_with_rows(path, encoding, wanted, labels, &[])?.0)
    }

    /// [`Table::read`], and the numeric columns `matrix` (a subset of `wanted`, distinct, no
    /// labels) as one row-major matrix when the fast path can parse them straight into it: then
    /// the table does not hold them, and [`Table::rows_of`] hands the matrix on.
    pub fn read_with_rows(
        path: &Path,
        encoding: &super::common::EncodingArgs,
        wanted: &[&str],
        labels: &[&str],
        matrix: &[&str],
    ) -> anyhow::Result<(Self, Option<Vec<f64>>)> {
        let source = super::common::open_table(path, encoding, LIMITS)?;
        if source.is_plain_csv()
            && let Some(t) = Self::read_fast(path, wanted, labels, matrix)
        {
            return Ok(t);
        }
        Ok((Self::read_csv(path, source, wanted, labels)?, None))
    }

    /// The numeric columns `names` as a row-major matrix: `read` when [`Table::read_with_rows`]
    /// gave one for them, else built from [`Table::numbers`] (with its messages).
    pub fn rows_of(&self, names: &[&str], read: Option<Vec<f64>>) -> anyhow::Result<Vec<f64>> {
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
        source: zicht_store::source::Table,
        wanted: &[&str],
        labels: &[&str],
    ) -> anyhow::Result<Self> {
        let file = path.display().to_string();
        let tripped = source.tripped.clone();
        let cell_errors = source.cell_errors.clone();
        let mut rdr = csv::ReaderBuilder::new().flexible(false).delimiter(source.delimiter).from_reader(source.reader);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| match tripped.get() {
                Some(t) => bad_input(format!("{file}: {t}")),
                None => bad_input(format!("{file}: line 1: bad header: {e}")),
            })?
            .iter()
            .enumerate()
            .map(|(i, s)| if i == 0 { s.trim_start_matches('\u{feff}') } else { s }.trim().to_string())
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
                            bad_input(format!("{}: {}", table.file, t.describe(|i| table.header.get(i).cloned())))
                        }
                        None => bad_input(format!("{}: {e}", table.file)),
                    });
                }
            }
            let line = rec.position().map_or(0, |p| p.line());
            // A row of empty cells (`,,,`, as Excel leaves below the data) is no row.
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            zicht_store::source::refuse_cell_error(&cell_errors, Some(line), &table.header)
                .map_err(|e| bad_input(format!("{}: {e}", table.file)))?;
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
            return Err(bad_input(format!("{}: no data rows", table.file)));
        }
        for ((_, name), col) in picks.into_iter().zip(cols) {
            table.columns.insert(name, Data::Text(col));
        }
        Ok(table)
    }

    /// The same columns read again by the `csv` crate, for the exact message of an error the
    /// fast path's numbers cannot name (e.g. the text of a bad code). Only the fast path's tables are
    /// read again, and it reads plain UTF-8 only.
    fn reread(&self) -> anyhow::Result<Self> {
        let wanted: Vec<&str> = self.wanted.iter().map(String::as_str).collect();
        let labels: Vec<&str> = self.labels.iter().map(String::as_str).collect();
        let source = zicht_store::source::open_table(&self.path, Default::default(), LIMITS)
            .map_err(|e| bad_input(format!("{}: {e}", self.file)))?;
        Self::read_csv(&self.path, source, &wanted, &labels)
    }

    /// The line of data row `i` (0-based) in the file.
    pub fn line(&self, i: usize) -> u64 {
        let k = self.line_marks.partition_point(|&(r, _)| r <= i) - 1;
        let (r, l) = self.line_marks[k];
        l + (i - r) as u64
    }

    /// Index of a column, or a bad-input error listing the columns there are.
    fn column(&self, name: &str) -> anyhow::Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            bad_input(format!("{}: no column '{name}' (columns: {})", self.file, self.header.join(", ")))
        })
    }

    fn col(&self, name: &str) -> anyhow::Result<&Data> {
        self.columns.get(name).ok_or_else(|| anyhow::anyhow!("column '{name}' was not read"))
    }

    fn where_(&self, row: usize, field: &str) -> String {
        format!("{}: line {}, field '{field}'", self.file, self.line(row))
    }

    /// A numeric column; every value must be a finite number.
    pub fn numbers(&self, name: &str) -> anyhow::Result<Cow<'_, [f64]>> {
        let col = match self.col(name)? {
            Data::Numbers { values, .. } => return Ok(Cow::Borrowed(values)),
            Data::Text(col) => col,
        };
        (0..self.rows)
            .map(|i| {
                let v = col.get(i);
                if v.is_empty() || v.eq_ignore_ascii_case(b"na") || v.eq_ignore_ascii_case(b"nan") {
                    return Err(bad_input(format!("{}: missing value (a number is required)", self.where_(i, name))));
                }
                match std::str::from_utf8(v).ok().and_then(|s| s.parse::<f64>().ok()) {
                    Some(x) if x.is_finite() => Ok(x),
                    _ => {
                        let text = String::from_utf8_lossy(v);
                        let hint = zicht_model::hint::decimal(&text).map(|h| format!(" ({h})")).unwrap_or_default();
                        Err(bad_input(format!("{}: '{text}' is not a finite number{hint}", self.where_(i, name))))
                    }
                }
            })
            .collect::<anyhow::Result<Vec<f64>>>()
            .map(Cow::Owned)
    }

    /// A time column: present, finite and not negative.
    pub fn times(&self, name: &str) -> anyhow::Result<Cow<'_, [f64]>> {
        let v = self.numbers(name)?;
        if let Some(i) = v.iter().position(|&t| t < 0.0) {
            return Err(bad_input(format!("{}: time {} is negative (times must be >= 0)", self.where_(i, name), v[i])));
        }
        Ok(v)
    }

    /// An event indicator column: 1 = event (true), 0 = censored (false).
    pub fn events(&self, name: &str) -> anyhow::Result<Vec<bool>> {
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
    pub fn codes(&self, name: &str, allowed: impl Fn(i64) -> bool, rule: &str) -> anyhow::Result<Vec<i64>> {
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
                    _ if v.is_empty() => Err(bad_input(format!("{}: missing value ({rule})", self.where_(i, name)))),
                    _ => Err(bad_input(format!(
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
    pub fn categories(&self, name: &str) -> anyhow::Result<(Vec<usize>, Vec<String>)> {
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
                return Err(bad_input(format!("{}: missing value (every row needs a {name})", self.where_(i, name))));
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

    /// Turns a library error into a bad-input error naming the file and, for row errors, the line.
    pub fn lib_error(&self, e: SurvivalError) -> anyhow::Error {
        let line = |i: usize| if i < self.rows { self.line(i) } else { 0 };
        let msg = match &e {
            SurvivalError::MissingTime { index }
            | SurvivalError::InfiniteTime { index }
            | SurvivalError::NegativeTime { index, .. }
            | SurvivalError::StartNotBeforeStop { index, .. }
            | SurvivalError::MissingCovariate { index, .. } => {
                format!("{}: line {}: {}", self.file, line(*index), strip_row(&e.to_string()))
            }
            SurvivalError::NotConverged { .. } | SurvivalError::Cancelled => {
                return anyhow::Error::new(e).context(self.file.clone());
            }
            _ => format!("{}: {e}", self.file),
        };
        bad_input(msg)
    }
}

fn strip_row(s: &str) -> String {
    match s.split_once(": ") {
        Some((head, rest)) if head.starts_with("row ") => rest.to_string(),
        _ => s.to_string(),
    }
}

#[derive(Debug, Serialize)]
struct Row {
    time: f64,
    n_risk: f64,
    events: f64,
    survival: f64,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Group {
    group: String,
    n: usize,
    events: usize,
    median: Option<f64>,
    table: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct At {
    group: String,
    time: f64,
    survival: f64,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Test {
    chi2: f64,
    df: usize,
    p: f64,
}

#[derive(Debug, Serialize)]
struct Output {
    groups: Vec<Group>,
    at: Vec<At>,
    logrank: Option<Test>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.group.is_none()
        && args.strata.is_none()
        && let Some(counts) = fast_csv::km_counts(&args.data, &args.time, &args.event)
    {
        // One curve from a plain file: counted while reading, no rows kept (the same curve as
        // from the rows, bit for bit: `kaplan_meier_counts`).
        let file = args.data.display().to_string();
        check_options(&args)?;
        let conf = ConfType::parse(&args.conf).context("confidence type")?;
        if counts.n_event.iter().all(|&d| d == 0.0) {
            return Err(no_events(&file, &args.event));
        }
        let km = kaplan_meier_counts(&counts.time, &counts.n_event, &counts.n_censor, conf, 0.95)
            .map_err(|e| bad_input(format!("{file}: {e}")))?;
        return report(&args, &file, vec![("all".to_string(), km)], None);
    }
    let mut wanted = vec![args.time.as_str(), args.event.as_str()];
    wanted.extend(args.group.as_deref());
    wanted.extend(args.strata.as_deref());
    let labels: Vec<&str> = args.group.iter().chain(&args.strata).map(String::as_str).collect();
    let table = Table::read(&args.data, &args.encoding, &wanted, &labels)?;
    let time = table.times(&args.time)?;
    let strata = args.strata.as_deref().map(|c| table.categories(c)).transpose()?.map(|x| x.0);
    let event = table.events(&args.event)?;
    check_options(&args)?;
    let conf = ConfType::parse(&args.conf).context("confidence type")?;
    let (group, labels) = match &args.group {
        Some(g) => table.categories(g)?,
        None => (vec![0; time.len()], vec!["all".to_string()]),
    };
    if !event.iter().any(|&e| e) {
        return Err(no_events(&table.file, &args.event));
    }
    let mut fits: Vec<(String, KaplanMeier)> = Vec::new();
    for (g, label) in labels.iter().enumerate() {
        let km = if labels.len() == 1 {
            kaplan_meier(&time, &event, conf, 0.95)
        } else {
            let idx: Vec<usize> = (0..time.len()).filter(|&i| group[i] == g).collect();
            let t: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
            let e: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
            kaplan_meier(&t, &e, conf, 0.95)
        }
        .map_err(|e| table.lib_error(e))?;
        fits.push((label.clone(), km));
    }
    let logrank = if labels.len() > 1 {
        let lr = log_rank(&time, &event, &group, strata.as_deref()).map_err(|e| table.lib_error(e))?;
        Some(Test { chi2: lr.chi2, df: lr.df, p: lr.p })
    } else {
        None
    };
    report(&args, &table.file, fits, logrank)
}

fn check_options(args: &Args) -> anyhow::Result<()> {
    for &t in &args.at {
        if !t.is_finite() || t < 0.0 {
            return Err(bad_input(format!("--at {t}: times must be finite and >= 0")));
        }
    }
    Ok(())
}

fn no_events(file: &str, column: &str) -> anyhow::Error {
    bad_input(format!("{file}: column '{column}' has no events (all 0): nothing to estimate"))
}

/// Prints the curves (and the log-rank test) as JSON or as tables.
fn report(args: &Args, file: &str, fits: Vec<(String, KaplanMeier)>, logrank: Option<Test>) -> anyhow::Result<()> {
    let mut out = Output { groups: Vec::new(), at: Vec::new(), logrank };
    for (label, km) in &fits {
        if km.events == 0 {
            eprintln!(
                "warning: {file}: group '{label}' has no events: its survival stays 1 and its median is undefined"
            );
        }
        for &at in &args.at {
            let point = km.at(at).map_err(|_| {
                bad_input(format!(
                    "--at {at}: beyond the last observed time {} of group '{label}' in {file} (the curve is not estimated there)",
                    km.last_time(),
                ))
            })?;
            out.at.push(At {
                group: label.clone(),
                time: at,
                survival: point.survival,
                se: point.se,
                ci_low: point.ci_low,
                ci_high: point.ci_high,
            });
        }
        let rows = km
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.n_event > 0.0)
            .map(|(i, r)| {
                let (lo, hi) = km.ci(i);
                Row {
                    time: r.time,
                    n_risk: r.n_risk,
                    events: r.n_event,
                    survival: r.survival,
                    se: km.se_survival(i),
                    ci_low: lo,
                    ci_high: hi,
                }
            })
            .collect();
        out.groups.push(Group { group: label.clone(), n: km.n, events: km.events, median: km.median().0, table: rows });
    }
    if args.json {
        // streamed: a curve with a million event times is a JSON document of ~100 MB
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut w, &out)?;
        writeln!(w)?;
        w.flush()?;
        return Ok(());
    }
    for (g, (label, km)) in out.groups.iter().zip(&fits) {
        let (m, lo, hi) = km.median();
        println!(
            "group {}: n = {}, events = {}, median = {} (95% CI {} to {})",
            label,
            g.n,
            g.events,
            fmt_opt(m),
            fmt_opt(lo),
            fmt_opt(hi)
        );
        println!(
            "  {:>10} {:>8} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "time", "n_risk", "events", "survival", "se", "ci_low", "ci_high"
        );
        for r in &g.table {
            println!(
                "  {:>10} {:>8} {:>6} {:>9.4} {:>9} {:>9} {:>9}",
                r.time,
                r.n_risk,
                r.events,
                r.survival,
                fmt_opt4(r.se),
                fmt_opt4(r.ci_low),
                fmt_opt4(r.ci_high)
            );
        }
    }
    for a in &out.at {
        println!(
            "at {} in group {}: survival {:.4} (se {}, 95% CI {} to {})",
            a.time,
            a.group,
            a.survival,
            fmt_opt4(a.se),
            fmt_opt4(a.ci_low),
            fmt_opt4(a.ci_high)
        );
    }
    if let Some(t) = &out.logrank {
        println!("log-rank test: chi2 = {:.4} on {} df, p = {:.4e}", t.chi2, t.df, t.p);
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |x| format!("{x}"))
}

fn fmt_opt4(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |x| format!("{x:.4}"))
}
