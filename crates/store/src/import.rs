//! Import of reports, events and signals: all-or-nothing (`OnError::Abort`), or the good rows committed
//! and every bad row written with its reason to a rejects file (`OnError::Reject`) or handed back as a
//! value (`OnError::Return`, for a caller that holds the rows itself: a form, an API). Reads files or any
//! byte stream ([`Input`]), in batches, so memory stays bounded whatever the size. Re-importing a row
//! already imported changes nothing; a different row under an already imported id is refused (import
//! does not overwrite).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use hmac::Mac;
use sqlx::{AssertSqlSafe, Row as _};
use zicht_model::{
    DigestKind, EVENT_COLUMNS, EVENT_REQUIRED_COLUMNS, Event, Identity, ParseContext, Pseudonym, REPORT_COLUMNS,
    REPORT_REQUIRED_COLUMNS, RegisterKey, Report, RowErrors, SIGNAL_COLUMNS, SIGNAL_REQUIRED_COLUMNS, Signal, Subject,
    report::join_codes,
};

use zicht_output::{Access, Output, spreadsheet_safe_bytes};

use crate::audit::{self, AuditEntry};
use crate::keys::Keys;
use crate::source::{Cells, Encoding, FileError, Format, Input, RawContent, RawRow, RowReader};
use crate::sql::{Val, insert_rows, opt_bool, opt_int, opt_text, text};
use crate::vault::{Sealed, Vault};
use crate::{Progress, Store, StoreError};

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reports,
    Events,
    Signals,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reports => "reports",
            Kind::Events => "events",
            Kind::Signals => "signals",
        }
    }
    fn columns(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Kind::Reports => (REPORT_COLUMNS, REPORT_REQUIRED_COLUMNS),
            Kind::Events => (EVENT_COLUMNS, EVENT_REQUIRED_COLUMNS),
            Kind::Signals => (SIGNAL_COLUMNS, SIGNAL_REQUIRED_COLUMNS),
        }
    }
    fn table(self) -> &'static str {
        self.as_str()
    }
    fn owner_column(self) -> &'static str {
        match self {
            Kind::Reports => "reporter",
            Kind::Events | Kind::Signals => "source",
        }
    }
}

/// What to do with a bad row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Any bad row: nothing is written.
    #[default]
    Abort,
    /// Good rows commit; bad rows go to the rejects file with their reason.
    Reject,
    /// Good rows commit; bad rows come back in [`FileSummary::rejected_rows`] (line and reasons; the
    /// cells stay with the caller, who sent them), and no file is written.
    Return,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: Kind,
    pub on_error: OnError,
    /// Where rejected rows go (with `OnError::Reject`). For several input files: a directory.
    /// Default: beside each input, `NAME.rejects.EXT`.
    pub rejects: Option<PathBuf>,
    pub actor: String,
    pub purpose: String,
    pub today: NaiveDate,
    /// Rows per database batch.
    pub batch_size: usize,
    /// The encoding of the input files ([`Encoding::Auto`]: found from each file).
    pub encoding: Encoding,
}

/// One rule broken by one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    pub file: String,
    pub line: u64,
    pub field: Option<String>,
    pub rule: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}:{}: column {}: {}", self.file, self.line, field, self.rule),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.rule),
        }
    }
}

/// A row refused by an `OnError::Return` import: its line and every rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedRow {
    pub line: u64,
    pub problems: Vec<RowProblem>,
}

/// The counts of one imported file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileSummary {
    pub file: String,
    pub rows: u64,
    pub inserted: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub vault_records: u64,
    pub rejects_file: Option<String>,
    /// Set when the rows were committed but the rejects file could not be put in place: why, and where
    /// the rejected rows are instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects_error: Option<String>,
    /// A CSV's field separator when it is not a comma (`semicolon`, `tab`), as found in its header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// The encoding the file was read in when it is not UTF-8 (`UTF-16LE`, `windows-1252`), as found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The sheet read, for a workbook (its first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The rows refused, with `OnError::Return`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected_rows: Vec<RejectedRow>,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: {error}")]
    File { file: String, error: FileError },
    #[error("{} bad row(s), nothing was imported; first: {}", .total, .problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" | "))]
    Rows { problems: Vec<RowProblem>, total: u64 },
    #[error("cancelled: nothing was imported")]
    Cancelled,
    #[error("cannot write rejects file {path}: {reason}; nothing was imported")]
    Rejects { path: String, reason: String },
    /// An output path the operator gave that zicht will not write (one of the inputs).
    #[error("{0}; nothing was imported")]
    Output(zicht_output::OutputError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Store(e.into())
    }
}

/// How many problems an aborted import lists.
const MAX_LISTED: usize = 20;

/// A parsed row, ready to write.
enum Parsed {
    Report(Box<Report>),
    Event(Box<Event>),
    Signal(Box<Signal>),
}

impl Parsed {
    fn key(&self) -> (&str, &str) {
        match self {
            Parsed::Report(r) => (&r.reporter, &r.external_id),
            Parsed::Event(e) => (&e.source, &e.external_id),
            Parsed::Signal(s) => (&s.source, &s.external_id),
        }
    }
    fn identity(&self) -> Option<&Identity> {
        match self {
            Parsed::Report(r) => match &r.subject {
                Subject::Identified(id) => Some(id),
                Subject::Statistical => None,
            },
            Parsed::Event(e) => e.identity.as_ref(),
            Parsed::Signal(_) => None,
        }
    }
}

const REPORT_INSERT: &[&str] = &[
    "reporter",
    "reporter_type",
    "external_id",
    "row_digest",
    "report_date",
    "identification",
    "lawful_basis",
    "guardian_consent",
    "sex",
    "birth_year",
    "age_band",
    "age_at_report",
    "minor",
    "age_at_start",
    "nationality",
    "nationality_group",
    "residence_status",
    "unaccompanied_minor",
    "exploitation",
    "domestic",
    "municipality",
    "means_of_control",
    "recruitment",
    "pseudonym",
    "match_keys",
    "birth_date_key",
    "vault_id",
    "import_id",
];
const EVENT_INSERT: &[&str] = &[
    "source",
    "external_id",
    "row_digest",
    "event_date",
    "kind",
    "crime_category",
    "sex",
    "nationality",
    "birth_year",
    "pseudonym",
    "vault_id",
    "import_id",
];
const SIGNAL_INSERT: &[&str] = &[
    "source",
    "external_id",
    "row_digest",
    "signal_date",
    "channel",
    "age_band",
    "exploitation",
    "region",
    "import_id",
];

fn values(p: &Parsed, digest: &str, vault_id: Option<&str>, import_id: i64) -> Vec<Val> {
    match p {
        Parsed::Report(r) => {
            let a = &r.attributes;
            vec![
                text(&r.reporter),
                text(r.reporter_type),
                text(&r.external_id),
                text(digest),
                text(r.report_date),
                text(r.identification()),
                text(r.lawful_basis),
                opt_text(r.guardian_consent),
                opt_text(a.sex),
                opt_int(a.birth_year),
                opt_text(a.age_band),
                opt_int(a.age_at_report),
                opt_bool(a.minor),
                opt_int(a.age_at_start),
                opt_text(a.nationality),
                opt_text(a.nationality.map(|n| n.group().as_str())),
                opt_text(a.residence_status),
                opt_bool(a.unaccompanied_minor),
                text(join_codes(&a.exploitation.iter().map(|e| e.code()).collect::<Vec<_>>())),
                opt_bool(a.domestic),
                opt_text(a.municipality.as_deref()),
                text(join_codes(&a.means_of_control)),
                text(join_codes(&a.recruitment)),
                text(r.pseudonym),
                opt_text(r.match_keys.map(|keys| keys.map(|k| k.to_hex()).join(" "))),
                opt_text(r.birth_date_key.map(|k| k.to_hex())),
                opt_text(vault_id),
                Val::Int(Some(import_id)),
            ]
        }
        Parsed::Event(e) => vec![
            text(&e.source),
            text(&e.external_id),
            text(digest),
            text(e.event_date),
            text(e.kind),
            opt_text(e.crime_category),
            opt_text(e.sex),
            opt_text(e.nationality),
            opt_int(e.birth_year),
            text(e.pseudonym),
            opt_text(vault_id),
            Val::Int(Some(import_id)),
        ],
        Parsed::Signal(s) => vec![
            text(&s.source),
            text(&s.external_id),
            text(digest),
            text(s.signal_date),
            text(s.channel),
            opt_text(s.age_band),
            text(join_codes(&s.exploitation.iter().map(|e| e.code()).collect::<Vec<_>>())),
            opt_text(s.region.as_deref()),
            Val::Int(Some(import_id)),
        ],
    }
}

/// A keyed digest of a row's content, to tell a re-import of the same row from a different row under an
/// already used id without storing the content (keyed, so it cannot be tested against guessed names).
/// Two layers like every stored digest: the content under the pseudonym key, re-keyed with the register
/// key, so that a reporter's key tests no guess of a row against it either.
fn row_digest(keys: &Keys, register: &RegisterKey, cells: &Cells) -> String {
    let mut pairs: Vec<(&str, &str)> = cells
        .columns
        .iter()
        .zip(&cells.values)
        .filter(|(c, v)| !crate::source::REJECT_COLUMNS.contains(&c.as_str()) && !v.trim().is_empty())
        .map(|(c, v)| (c.as_str(), v.trim()))
        .collect();
    pairs.sort();
    let mut mac = keys.pseudonym.mac();
    mac.update(b"zicht row digest v1\x00");
    for (c, v) in pairs {
        mac.update(c.as_bytes());
        mac.update(b"\x1f");
        mac.update(v.as_bytes());
        mac.update(b"\x1e");
    }
    let mut layer1 = [0u8; 32];
    layer1.copy_from_slice(&mac.finalize().into_bytes());
    register.rekey(DigestKind::Row, &Pseudonym::from_bytes(layer1)).to_hex()
}

/// Where a rejected row goes: a CSV (or JSON lines) file that has no name while it is written (nothing of
/// it is left after a crash), named when the import is about to commit and renamed into place after.
struct Rejects {
    path: PathBuf,
    out: RejectsOut,
}

enum RejectsOut {
    Csv(Box<csv::Writer<Output>>),
    Json(Output),
}

/// A rejects file written whole, waiting for the import to commit.
struct PreparedRejects {
    file: zicht_output::Prepared,
}

impl Rejects {
    fn create(path: PathBuf, format: Format, columns: &[String]) -> Result<Rejects, ImportError> {
        let err = |e: &dyn std::fmt::Display| ImportError::Rejects {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        // Rejected rows hold identities in plain text: the file is the owner's only (0600), whatever
        // the umask, and never written through a symlink planted at its name.
        let f = Output::create(&path, Access::Private).map_err(|e| err(&e))?;
        let out = match format {
            Format::Csv | Format::Workbook => {
                let mut w = csv::Writer::from_writer(f);
                let mut header: Vec<&str> =
                    columns.iter().map(String::as_str).filter(|c| !crate::source::REJECT_COLUMNS.contains(c)).collect();
                header.extend(crate::source::REJECT_COLUMNS);
                w.write_record(&header).map_err(|e| err(&e))?;
                RejectsOut::Csv(Box::new(w))
            }
            Format::JsonLines => RejectsOut::Json(f),
        };
        Ok(Rejects { path, out })
    }

    /// Writes one rejected row as it came, with its line and reason. CSV cells are made spreadsheet-safe
    /// (a rejects file is opened in a spreadsheet to be corrected); [`RowReader`] undoes that on import.
    fn write(&mut self, columns: &[String], raw: &RawRow, reason: &str) -> Result<(), ImportError> {
        let line = raw.line.to_string();
        let path = self.path.display().to_string();
        let err = |e: &dyn std::fmt::Display| ImportError::Rejects { path: path.clone(), reason: e.to_string() };
        let safe = |b: &[u8]| spreadsheet_safe_bytes(b).into_owned();
        match (&mut self.out, &raw.content) {
            (RejectsOut::Csv(w), RawContent::Cells(cells)) => {
                let mut rec: Vec<Vec<u8>> = columns
                    .iter()
                    .zip(&cells.values)
                    .filter(|(c, _)| !crate::source::REJECT_COLUMNS.contains(&c.as_str()))
                    .map(|(_, v)| safe(v.as_bytes()))
                    .collect();
                rec.push(line.into_bytes());
                rec.push(safe(reason.as_bytes()));
                w.write_record(rec).map_err(|e| err(&e))
            }
            (RejectsOut::Csv(w), RawContent::Unreadable { raw: fields, .. }) => {
                let mut rec: Vec<Vec<u8>> = fields.iter().map(|f| safe(f)).collect();
                rec.resize(
                    columns
                        .iter()
                        .filter(|c| !crate::source::REJECT_COLUMNS.contains(&c.as_str()))
                        .count()
                        .max(rec.len()),
                    Vec::new(),
                );
                rec.push(line.into_bytes());
                rec.push(safe(reason.as_bytes()));
                w.write_record(rec).map_err(|e| err(&e))
            }
            (RejectsOut::Json(w), content) => {
                let mut obj = serde_json::Map::new();
                match content {
                    RawContent::Cells(cells) => {
                        for (c, v) in columns.iter().zip(&cells.values) {
                            if !v.is_empty() && !crate::source::REJECT_COLUMNS.contains(&c.as_str()) {
                                obj.insert(c.clone(), v.clone().into());
                            }
                        }
                    }
                    RawContent::Unreadable { raw, .. } => {
                        let text = raw.first().map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
                        obj.insert(crate::source::REJECT_ORIGINAL.into(), text.into());
                    }
                }
                obj.insert("reject_line".into(), raw.line.into());
                obj.insert("reject_reason".into(), reason.into());
                writeln!(w, "{}", serde_json::Value::Object(obj)).map_err(|e| err(&e))
            }
        }
    }

    /// Writes and syncs the file whole, still without a name where the file system allows: before the
    /// import commits, so that a failure here still rolls the import back, and a crash before the commit
    /// leaves no plain-text rows behind.
    fn prepare(self) -> Result<PreparedRejects, ImportError> {
        let path = self.path;
        let err = |e: &dyn std::fmt::Display| ImportError::Rejects {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let out = match self.out {
            RejectsOut::Csv(w) => w.into_inner().map_err(|e| err(&e.error()))?,
            RejectsOut::Json(o) => o,
        };
        let file = out.prepare().map_err(|e| err(&e))?;
        Ok(PreparedRejects { file })
    }
}

impl PreparedRejects {
    /// Puts the file in place after the import has committed. The rows are then in no other file, so
    /// when the rename fails they stay under the hidden name that the error gives.
    fn commit(self) -> Result<String, String> {
        self.file.commit_or_keep().map(|p| p.display().to_string()).map_err(|(e, kept)| match kept {
            Some(kept) => format!("{e}; the rejected rows are in {}", kept.display()),
            None => format!("{e}; the rejected rows could not be kept, they are still in the input file"),
        })
    }
}

/// The rejects file of every input, decided before anything is read: beside each input as
/// `NAME.rejects.EXT`, or the file `--rejects` names (one input), or in the folder it names (several).
/// Inputs that share a name get `NAME.2.rejects.EXT`, `NAME.3…`, so that no file's rejected rows replace
/// another's; a rejects path that is one of the inputs is refused.
fn rejects_paths(opts: &ImportOptions, inputs: &[Input]) -> Result<Vec<PathBuf>, ImportError> {
    let several = inputs.len() > 1;
    let all: Vec<&Path> = inputs.iter().filter_map(Input::path).collect();
    let mut taken: Vec<PathBuf> = Vec::new();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = PathBuf::from(input.name());
        // A workbook's rejected rows are written as CSV (its cells are read as CSV text).
        let ext = match input.format() {
            Format::Workbook => "csv",
            Format::JsonLines => name.extension().and_then(|e| e.to_str()).unwrap_or("jsonl"),
            Format::Csv => name.extension().and_then(|e| e.to_str()).unwrap_or("csv"),
        };
        let stem = name.file_stem().and_then(|s| s.to_str()).unwrap_or("input");
        let at = |file_name: String| match (&opts.rejects, input.path()) {
            (Some(p), _) if several => Ok(p.join(file_name)),
            (Some(p), _) => Ok(p.clone()),
            (None, Some(path)) => Ok(path.with_file_name(file_name)),
            (None, None) => Err(ImportError::Rejects { path: input.name(), reason: STREAM_REJECTS.into() }),
        };
        let mut path = at(format!("{stem}.rejects.{ext}"))?;
        let mut n = 1;
        while taken.iter().any(|t| zicht_output::same_file(t, &path)) {
            n += 1;
            path = at(format!("{stem}.{n}.rejects.{ext}"))?;
        }
        zicht_output::refuse_input(&path, &all).map_err(ImportError::Output)?;
        taken.push(path.clone());
        out.push(path);
    }
    Ok(out)
}

/// Why a stream cannot have its rejects file beside it.
const STREAM_REJECTS: &str =
    "a stream has no folder for its rejects file: name one, or take the rejected rows back as values (OnError::Return)";

/// State of one import run across its files.
struct Run<'a> {
    keys: &'a Keys,
    register: &'a RegisterKey,
    vault: Option<Vault>,
    opts: &'a ImportOptions,
    /// Reporter id → type, as registered; one reporter has one type.
    reporters: HashMap<String, String>,
    problems: Vec<RowProblem>,
    problem_count: u64,
    /// Bound parameters per statement ([`crate::Db::max_params`]).
    max_params: usize,
}

/// A parsed row waiting in a batch.
struct Pending {
    raw: RawRow,
    parsed: Parsed,
    digest: String,
}

impl Store {
    /// Imports files or streams in one transaction: either everything valid commits (and, with
    /// `OnError::Reject`, the rejects files are written), or nothing does.
    pub async fn import<I>(
        &self,
        keys: &Keys,
        inputs: I,
        opts: &ImportOptions,
        progress: &dyn Progress,
    ) -> Result<Vec<FileSummary>, ImportError>
    where
        I: IntoIterator,
        I::Item: Into<Input>,
    {
        let inputs: Vec<Input> = inputs.into_iter().map(Into::into).collect();
        let vault = match opts.kind {
            Kind::Signals => None,
            _ => {
                self.check_vault_key(keys).await?;
                Some(Vault::new(keys.vault().map_err(StoreError::from)?))
            }
        };
        // Every kind stores digests (signals their row digests): the register must be on two layers and
        // the pseudonym and register keys its own.
        self.check_digest_keys(keys).await?;
        let register = keys.register().map_err(StoreError::from)?;
        let mut run = Run {
            keys,
            register,
            vault,
            opts,
            reporters: HashMap::new(),
            problems: Vec::new(),
            problem_count: 0,
            max_params: self.db.max_params(),
        };
        for row in sqlx::query("SELECT id, reporter_type FROM reporters").fetch_all(&self.db.pool).await? {
            run.reporters.insert(row.try_get(0)?, row.try_get(1)?);
        }
        let rejects_at = match opts.on_error {
            OnError::Reject => rejects_paths(opts, &inputs)?,
            OnError::Abort | OnError::Return => Vec::new(),
        };
        let mut tx = self.db.begin_write().await?;
        let mut summaries = Vec::new();
        let mut rejects_files = Vec::new();
        let outcome: Result<(), ImportError> = async {
            for (i, input) in inputs.into_iter().enumerate() {
                let (summary, rejects) = run.import_file(&mut tx, input, rejects_at.get(i), progress).await?;
                summaries.push(summary);
                rejects_files.extend(rejects);
            }
            Ok(())
        }
        .await;
        // Dropped rejects files vanish: they never had a name.
        let prepared =
            outcome.and_then(|()| rejects_files.into_iter().map(Rejects::prepare).collect::<Result<Vec<_>, _>>());
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                tx.rollback().await.ok();
                return Err(e);
            }
        };
        if run.problem_count > 0 && opts.on_error == OnError::Abort {
            tx.rollback().await.ok();
            return Err(ImportError::Rows { problems: run.problems, total: run.problem_count });
        }
        self.commit_audited(tx).await?;
        for (summary, rejects) in summaries.iter_mut().zip(prepared) {
            match rejects.commit() {
                Ok(path) => summary.rejects_file = Some(path),
                Err(why) => summary.rejects_error = Some(why),
            }
        }
        Ok(summaries)
    }
}

impl Run<'_> {
    async fn import_file(
        &mut self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        input: Input,
        rejects_at: Option<&PathBuf>,
        progress: &dyn Progress,
    ) -> Result<(FileSummary, Option<Rejects>), ImportError> {
        let file = input.name();
        let file_name = match input.path() {
            Some(path) => path.file_name().and_then(|n| n.to_str()).unwrap_or("input").to_string(),
            None => file.clone(),
        };
        let len = input.size_hint();
        let kind = self.opts.kind;
        let (allowed, required) = kind.columns();
        let mut reader = RowReader::open_input(input, self.opts.encoding, allowed, required)
            .map_err(|error| ImportError::File { file: file.clone(), error })?;
        progress.start(&file, len);
        let (keys, register) = (self.keys, self.register);
        let ctx = ParseContext { today: self.opts.today, pseudonym_key: &keys.pseudonym, register_key: register };
        let separator = match reader.delimiter {
            b';' => Some("semicolon".to_string()),
            b'\t' => Some("tab".to_string()),
            _ => None,
        };
        let encoding = (reader.encoding != "UTF-8").then(|| reader.encoding.to_string());
        let sheet = reader.sheet.clone();
        let mut summary = FileSummary { file: file.clone(), separator, encoding, sheet, ..Default::default() };
        let mut rejects = match rejects_at {
            Some(at) => Some(Rejects::create(at.clone(), reader.format, &reader.columns)?),
            None => None,
        };
        let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let import_id: i64 = sqlx::query(
            "INSERT INTO imports (kind, file_name, started_at, actor, rows_read, inserted, unchanged, rejected) \
             VALUES ($1, $2, $3, $4, 0, 0, 0, 0) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(&file_name)
        .bind(&started)
        .bind(&self.opts.actor)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;

        let columns = reader.columns.clone();
        let mut batch: Vec<Pending> = Vec::with_capacity(self.opts.batch_size);
        let mut last_byte = 0;
        while let Some(next) = reader.next_row() {
            let raw = next.map_err(|error| ImportError::File { file: file.clone(), error })?;
            summary.rows += 1;
            // Reporting the bytes read is also asking whether to go on.
            if progress.advance(raw.end_byte.saturating_sub(last_byte)).is_err() {
                return Err(ImportError::Cancelled);
            }
            last_byte = raw.end_byte;
            let parsed = match &raw.content {
                RawContent::Unreadable { column, rule, .. } => Err(vec![(column.clone(), rule.clone())]),
                RawContent::Cells(cells) => {
                    let result = match kind {
                        Kind::Reports => Report::parse(cells, &ctx).map(|r| Parsed::Report(Box::new(r))),
                        Kind::Events => Event::parse(cells, &ctx).map(|e| Parsed::Event(Box::new(e))),
                        Kind::Signals => Signal::parse(cells, &ctx).map(|s| Parsed::Signal(Box::new(s))),
                    };
                    result.map(|p| (p, row_digest(keys, register, cells))).map_err(|RowErrors(errs)| {
                        errs.into_iter().map(|e| (Some(e.field.to_string()), e.rule)).collect()
                    })
                }
            };
            match parsed {
                Ok((parsed, digest)) => {
                    if let Parsed::Report(r) = &parsed
                        && let Some(t) = self.reporters.get(&r.reporter)
                        && t != r.reporter_type.as_str()
                    {
                        let rule = format!("reporter {} is registered as {t}, not {}", r.reporter, r.reporter_type);
                        self.reject(
                            &mut summary,
                            &mut rejects,
                            &columns,
                            &file,
                            &raw,
                            vec![(Some("reporter_type".into()), rule)],
                        )?;
                        continue;
                    }
                    batch.push(Pending { raw, parsed, digest });
                }
                Err(errs) => self.reject(&mut summary, &mut rejects, &columns, &file, &raw, errs)?,
            }
            if batch.len() >= self.opts.batch_size {
                self.flush(tx, &mut batch, import_id, &mut summary, &mut rejects, &columns, &file).await?;
            }
        }
        self.flush(tx, &mut batch, import_id, &mut summary, &mut rejects, &columns, &file).await?;
        progress.finish();

        sqlx::query("UPDATE imports SET rows_read = $1, inserted = $2, unchanged = $3, rejected = $4 WHERE id = $5")
            .bind(summary.rows as i64)
            .bind(summary.inserted as i64)
            .bind(summary.unchanged as i64)
            .bind(summary.rejected as i64)
            .bind(import_id)
            .execute(&mut **tx)
            .await?;
        if summary.inserted > 0 {
            let subject = format!(
                "import {import_id} ({} rows of {}): {} inserted, {} identities written to the vault",
                summary.rows,
                kind.as_str(),
                summary.inserted,
                summary.vault_records
            );
            let e = AuditEntry {
                actor: &self.opts.actor,
                action: "import",
                subject: &subject,
                purpose: &self.opts.purpose,
            };
            audit::append(tx, &e).await?;
        }
        Ok((summary, rejects))
    }

    /// Records a bad row: in the rejects file, or in the list an aborted import reports.
    fn reject(
        &mut self,
        summary: &mut FileSummary,
        rejects: &mut Option<Rejects>,
        columns: &[String],
        file: &str,
        raw: &RawRow,
        errs: Vec<(Option<String>, String)>,
    ) -> Result<(), ImportError> {
        summary.rejected += 1;
        self.problem_count += 1;
        let reason = errs
            .iter()
            .map(|(f, r)| match f {
                Some(f) => format!("{f}: {r}"),
                None => r.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        tracing::debug!(file, line = raw.line, "row rejected");
        if let Some(r) = rejects {
            r.write(columns, raw, &reason)?;
        }
        let problems =
            errs.into_iter().map(|(field, rule)| RowProblem { file: file.to_string(), line: raw.line, field, rule });
        if self.opts.on_error == OnError::Return {
            summary.rejected_rows.push(RejectedRow { line: raw.line, problems: problems.collect() });
        } else {
            let room = MAX_LISTED.saturating_sub(self.problems.len());
            self.problems.extend(problems.take(room));
        }
        Ok(())
    }

    /// Writes a batch: skips rows already imported unchanged, rejects rows that reuse an id with other
    /// content, seals identities into the vault and inserts the rest. Nothing is written once an
    /// abort-mode import has seen a bad row (the transaction will be rolled back anyway).
    #[allow(clippy::too_many_arguments)]
    async fn flush(
        &mut self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        batch: &mut Vec<Pending>,
        import_id: i64,
        summary: &mut FileSummary,
        rejects: &mut Option<Rejects>,
        columns: &[String],
        file: &str,
    ) -> Result<(), ImportError> {
        if batch.is_empty() {
            return Ok(());
        }
        let kind = self.opts.kind;
        // Digests of ids already in the database. Both key columns are constrained so that the lookup uses
        // the (owner, external_id) unique index instead of scanning the table.
        let mut owners: Vec<&str> = batch.iter().map(|p| p.parsed.key().0).collect();
        owners.sort_unstable();
        owners.dedup();
        let ids: Vec<&str> = batch.iter().map(|p| p.parsed.key().1).collect();
        let placeholders =
            |from: usize, n: usize| (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let mut known: HashMap<(String, String), String> = HashMap::new();
        for chunk in ids.chunks(self.max_params.saturating_sub(owners.len()).max(1)) {
            let sql = format!(
                "SELECT {owner}, external_id, row_digest FROM {table} WHERE {owner} IN ({}) AND external_id IN ({})",
                placeholders(1, owners.len()),
                placeholders(owners.len() + 1, chunk.len()),
                owner = kind.owner_column(),
                table = kind.table(),
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for v in owners.iter().chain(chunk) {
                q = q.bind(*v);
            }
            for row in q.fetch_all(&mut **tx).await? {
                known.insert((row.try_get(0)?, row.try_get(1)?), row.try_get(2)?);
            }
        }
        let mut vault_rows = Vec::new();
        let mut rows = Vec::new();
        let mut new_reporters = Vec::new();
        for p in batch.drain(..) {
            let (owner, ext) = p.parsed.key();
            let key = (owner.to_string(), ext.to_string());
            if let Some(digest) = known.get(&key) {
                if *digest == p.digest {
                    summary.unchanged += 1;
                } else {
                    let rule = format!(
                        "{owner} already has a different row with this external_id (import never overwrites; send corrections as a new id)"
                    );
                    self.reject(summary, rejects, columns, file, &p.raw, vec![(Some("external_id".into()), rule)])?;
                }
                continue;
            }
            known.insert(key, p.digest.clone());
            if self.problem_count > 0 && self.opts.on_error == OnError::Abort {
                continue;
            }
            if let Parsed::Report(r) = &p.parsed
                && !self.reporters.contains_key(&r.reporter)
            {
                self.reporters.insert(r.reporter.clone(), r.reporter_type.as_str().to_string());
                new_reporters.push(vec![text(&r.reporter), text(r.reporter_type)]);
            }
            let sealed: Option<Sealed> = match (p.parsed.identity(), &self.vault) {
                (Some(identity), Some(vault)) => Some(vault.seal(identity)),
                _ => None,
            };
            rows.push(values(&p.parsed, &p.digest, sealed.as_ref().map(|s| s.id.as_str()), import_id));
            if let Some(s) = sealed {
                vault_rows.push(s);
            }
            summary.inserted += 1;
        }
        if self.problem_count > 0 && self.opts.on_error == OnError::Abort {
            return Ok(());
        }
        insert_rows(tx, "reporters", &["id", "reporter_type"], new_reporters, self.max_params).await?;
        summary.vault_records += vault_rows.len() as u64;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let vault_rows = vault_rows
            .into_iter()
            .map(|s| vec![Val::Text(Some(s.id)), Val::Bytes(s.nonce), Val::Bytes(s.ciphertext), text(&now)])
            .collect();
        insert_rows(tx, "vault", &["id", "nonce", "ciphertext", "created_at"], vault_rows, self.max_params).await?;
        let cols = match kind {
            Kind::Reports => REPORT_INSERT,
            Kind::Events => EVENT_INSERT,
            Kind::Signals => SIGNAL_INSERT,
        };
        insert_rows(tx, kind.table(), cols, rows, self.max_params).await?;
        Ok(())
    }
}
