//! `zicht-report`: the monitor. [`build`] turns the store's extract into one list of tables (each
//! protected by `zicht-disclose`) and figures drawn from those protected tables only; [`write`] writes
//! `report.html`, `monitor.xlsx` and `monitor.json`; [`verify`] re-reads the written JSON and XLSX and
//! audits every table independently.
//!
//! Nothing unprotected leaves [`build`]: figures are drawn from the protected grids, so a chart can
//! never show a number the tables hide.

mod build;
pub mod dark;
mod html;
pub mod messages;
mod truth;
pub mod verify;
mod xlsx;

use std::path::Path;

use serde::Serialize;
use zicht_disclose::{Grid, Policy};
pub use zicht_output::{Access, Staged};

pub use build::{TABLES, build};
pub use messages::Lang;
pub use truth::Truth;

/// Errors of the monitor.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("disclosure control: {0}")]
    Disclose(#[from] zicht_disclose::DiscloseError),
    #[error("disclosure control: {0}")]
    Linked(#[from] zicht_disclose::linked::LinkedError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Output(#[from] zicht_output::OutputError),
    #[error("truth file {path}: {detail}")]
    Truth { path: String, detail: String },
    #[error("writing monitor.xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("chart: {0}")]
    Chart(String),
    #[error(
        "{count} counts published by an earlier release have changed since (first: `{first}`): the difference would \
         reveal the late reports; publish the earlier period again as a revision, or leave the earlier release out"
    )]
    Changed { count: usize, first: String },
    #[error("no reports in {from}–{to}")]
    Empty { from: i32, to: i32 },
    #[error(
        "the period {from}–{to} reaches outside the register's reports ({first}–{last}) or spans more than \
         100 years: choose --from and --to within {first}–{last}"
    )]
    Period { from: i32, to: i32, first: i32, last: i32 },
}

/// What to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// First and last year; `None`: the years of the data.
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub lang: Lang,
    pub policy: Policy,
    /// The simulator's truth, for the validation block.
    pub truth: Option<Truth>,
    /// Earlier releases (their `monitor.json`) to protect this one against jointly: everything
    /// they published is known to the intruder, and what they hid stays hidden.
    pub earlier: Vec<verify::JsonMonitor>,
    /// Bootstrap replicates of the dark number's interval (each repeats the model search); below 2,
    /// the Burnham–Anderson interval of the model average.
    pub dark_replicates: usize,
    /// The dark number's model search beyond the published design.
    pub dark_design: dark::Design,
}

/// One protected table with its metadata.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Table {
    pub id: String,
    /// The section it belongs to (message key `s.<section>`).
    pub section: String,
    pub title: String,
    pub definition: String,
    pub source: String,
    pub period: String,
    /// Text per row (e.g. the model of an estimate); empty when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_notes: Vec<String>,
    /// The key of each cell in the release's protection model: a count's own key, or the key of a
    /// ratio's base; `None` where the cell is none of the model's (a model estimate's value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Vec<Option<String>>>,
    #[serde(flatten)]
    pub grid: Grid,
}

/// The structure of the release's protection model, published so that anyone can repeat the audit
/// (it is what every reader can work out from the definitions; it holds no count).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ReleaseModel {
    /// `total = Σ parts`, by key.
    pub relations: Vec<(String, Vec<String>)>,
    /// Counts stated exactly on purpose: categories left out of a table because they are empty,
    /// structural zeros. `(key, lo, hi)`.
    pub stated: Vec<(String, i64, i64)>,
    /// Percentages whose numerator is a cell of the model: a shown percentage (one decimal) on a
    /// shown base bounds the numerator.
    pub ratios: Vec<Ratio>,
}

/// A percentage of the model: `table` row `row` column `column` is `100 · numerator / base`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Ratio {
    pub numerator: String,
    pub base: String,
    pub table: String,
    pub row: usize,
    pub column: usize,
}

/// A chart drawn from one protected table.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Figure {
    pub id: String,
    pub section: String,
    pub title: String,
    /// The text alternative: every series and its values as shown.
    pub alt: String,
    pub table: String,
    /// Inline SVG (in the HTML only).
    #[serde(skip)]
    pub svg: String,
}

/// One reporter alert (no counts: the level after the change is relative, rounded to 10%).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct AlertRow {
    /// `reporter` or `reporter_type`.
    pub level: String,
    pub subject: String,
    pub kind: String,
    /// Month the change began, `YYYY-MM`.
    pub start: String,
    pub signalled: String,
    /// Mean after the change as a percentage of the baseline, rounded to 10.
    pub level_after_percent: i64,
}

/// The monitor: everything the three files say.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Monitor {
    pub schema: String,
    pub title: String,
    pub lang: Lang,
    pub edition: String,
    pub policy: Policy,
    pub period: Period,
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    pub alerts: Vec<AlertRow>,
    pub notes: Vec<String>,
    /// Whether the validation tables (against a simulator's truth) are included.
    pub validation: bool,
    /// The release audit: cells and relations of the protection model, primary and secondary
    /// suppressions, and the narrowest feasible range an intruder can compute for a small count.
    pub audit: zicht_disclose::linked::AuditSummary,
    pub model: ReleaseModel,
}

impl Monitor {
    /// A monitor read back from its `monitor.json`, its charts drawn again from its tables (the
    /// JSON holds each chart's title and text alternative, not its SVG): what the page and the
    /// workbook of that JSON are rendered from.
    pub fn from_json(text: &str) -> Result<Monitor, ReportError> {
        let mut m: Monitor = serde_json::from_str(text)?;
        let drawn = html::figures(&m.tables, m.lang)?;
        for f in &mut m.figures {
            if let Some(d) = drawn.iter().find(|d| d.id == f.id) {
                f.svg.clone_from(&d.svg);
            }
        }
        Ok(m)
    }
}

/// The years covered.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
pub struct Period {
    pub from: i32,
    pub to: i32,
}

/// The JSON schema identifier of `monitor.json`.
pub const SCHEMA: &str = "zicht-monitor/1";

/// The files of a monitor release, the only ones a release folder may hold.
pub const RELEASE_FILES: [&str; 3] = ["monitor.json", "report.html", "monitor.xlsx"];

/// Writes `report.html`, `monitor.xlsx` and `monitor.json` into a staging folder beside `dir`, to be
/// checked there and then put in place of `dir` whole ([`zicht_output::Staged`]): a crash never leaves a
/// part of a file, nor this run's files beside the previous run's. `dir` must be new, empty or a release.
pub fn stage(monitor: &Monitor, dir: &Path, access: Access) -> Result<Staged, ReportError> {
    let staged = Staged::create(dir, access, &RELEASE_FILES)?;
    let json = serde_json::to_string_pretty(monitor)?;
    staged.write("monitor.json", (json + "\n").as_bytes())?;
    staged.write("report.html", html::render(monitor).as_bytes())?;
    staged.write("monitor.xlsx", &xlsx::render(monitor)?)?;
    Ok(staged)
}

/// [`stage`] and commit in one.
pub fn write(monitor: &Monitor, dir: &Path, access: Access) -> Result<(), ReportError> {
    stage(monitor, dir, access)?.commit()?;
    Ok(())
}
