//! Intake: reports, follow-up events and anonymous signals into the register, from files or from any
//! byte stream (a form post, an API body), in one transaction, under the register's actor. Bad rows
//! abort the import, go to a rejects file, or come back as values ([`OnError::Return`]) for a caller
//! that shows them to the person who sent them.

use chrono::NaiveDate;

pub use zicht_store::import::{FileSummary, ImportError, Kind, OnError, RejectedRow, RowProblem};
pub use zicht_store::source::{Encoding, Format, Input};

use crate::{Register, RegisterError};

/// Rows per database batch: one lookup of known ids per thousand rows; the inserts are split to fit
/// each backend's parameter limit.
const BATCH_ROWS: usize = 1000;

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: Kind,
    pub on_error: OnError,
    /// Where rejected rows go with [`OnError::Reject`]: a file (one input) or a folder (several);
    /// default beside each input file.
    pub rejects: Option<std::path::PathBuf>,
    /// Why the data is processed (the audit log).
    pub purpose: String,
    /// The day ages and "not in the future" are judged against.
    pub today: NaiveDate,
    pub encoding: Encoding,
}

impl Request {
    /// Import of `kind`, all or nothing, for the registration of presumed victims, as of today.
    pub fn new(kind: Kind) -> Request {
        Request {
            kind,
            on_error: OnError::Abort,
            rejects: None,
            purpose: "registration of presumed victims".into(),
            today: chrono::Local::now().date_naive(),
            encoding: Encoding::Auto,
        }
    }
}

/// Imports `inputs` (paths or [`Input`] streams): every valid row commits or none does; the summary of
/// each input says what was inserted, unchanged and rejected.
pub async fn import<I>(
    reg: &Register,
    inputs: I,
    req: &Request,
    progress: &dyn zicht_progress::Progress,
) -> Result<Vec<FileSummary>, RegisterError>
where
    I: IntoIterator,
    I::Item: Into<Input>,
{
    let opts = zicht_store::import::ImportOptions {
        kind: req.kind,
        on_error: req.on_error,
        rejects: req.rejects.clone(),
        actor: reg.actor.clone(),
        purpose: req.purpose.clone(),
        today: req.today,
        batch_size: BATCH_ROWS,
        encoding: req.encoding,
    };
    Ok(reg.store.import(reg.keys()?, inputs, &opts, progress).await?)
}
