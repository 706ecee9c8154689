//! `zicht-register`: the register's operations, over one [`Register`] handle (the store, the
//! register's keys where the operation needs them, and who acts), shared by the command line and a
//! server. The operations follow the one-way flow of the data:
//!
//! | operation | does | library underneath |
//! | --- | --- | --- |
//! | [`intake::import`] | files or streams of reports, events, signals → the store (rejected rows as files or values) | `zicht-store`, `zicht-table` |
//! | [`link::link`] | reports and follow-up events → persons (the register's linkage specification, [`link::spec`]) | `zicht-link` |
//! | [`monitor::publish`] | the monitor built, written to a staging folder, checked, recorded, put in place | `zicht-report`, `zicht-disclose` |
//! | [`demo::run`] | simulate → init → import → link → monitor, on a fresh SQLite register | `zicht-sim`, all of the above |
//!
//! Every long operation takes one [`zicht_progress::Progress`]: it reports the work done and, in the
//! same call, learns whether to stop ([`RegisterError::Cancelled`], nothing of the step kept).
//!
//! Errors say whose they are to fix: [`RegisterError::Input`] is the caller's (a bad option, an empty
//! register, a period outside the data), the rest the system's.
//!
//! ```no_run
//! # async fn example() -> Result<(), zicht_register::RegisterError> {
//! let store = zicht_store::Store::open_existing("sqlite://zicht.db").await?;
//! let keys = zicht_store::Keys::load(std::path::Path::new("zicht.key"))?;
//! let reg = zicht_register::Register::new(store, Some(keys), "cli:analyst");
//! // Any progress sink: a bar, a server's job row; it also says when to stop.
//! let run = zicht_register::link::link(&reg, &Default::default(), &zicht_progress::NoProgress).await?;
//! println!("{} persons", run.summary.persons);
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod demo;
pub mod intake;
pub mod link;
pub mod monitor;
pub mod pseudonymise;

use zicht_store::{Keys, Store};

/// An open register: its store, its keys (absent where an operation needs none, e.g. the internal
/// monitor), and the actor every access is audited under.
#[derive(Debug)]
pub struct Register {
    pub store: Store,
    keys: Option<Keys>,
    pub actor: String,
}

impl Register {
    pub fn new(store: Store, keys: Option<Keys>, actor: impl Into<String>) -> Register {
        Register { store, keys, actor: actor.into() }
    }

    /// The same register acting for someone else (a server's logged-in user or API token): the audit
    /// log records who did what.
    pub fn acting_as(&self, actor: impl Into<String>) -> Register {
        Register { store: self.store.clone(), keys: self.keys.clone(), actor: actor.into() }
    }

    /// The register's keys, or the caller's error that the operation needs them.
    pub fn keys(&self) -> Result<&Keys, RegisterError> {
        self.keys.as_ref().ok_or_else(|| RegisterError::Input("this needs the register's key file (--key-file)".into()))
    }
}

/// Errors of the register's operations.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The caller's to fix: the message says how.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Store(#[from] zicht_store::StoreError),
    #[error(transparent)]
    Key(#[from] zicht_store::KeyError),
    #[error("writing the monitor: {0}")]
    Output(#[from] zicht_output::OutputError),
    #[error(transparent)]
    Import(#[from] zicht_store::import::ImportError),
    #[error("record linkage: {0}")]
    Link(#[from] zicht_link::Error),
    #[error("building the monitor: {0}")]
    Report(#[from] zicht_report::ReportError),
    #[error("re-reading the written monitor: {0}")]
    Verify(#[from] zicht_report::verify::VerifyError),
    #[error("simulation: {0}")]
    Simulation(String),
    /// Stopped on request between steps; nothing of the unfinished step is kept.
    #[error("interrupted {0}: nothing was written or recorded")]
    Cancelled(&'static str),
    /// The written release failed the disclosure checker: it was not put in place.
    #[error(
        "disclosure check failed on the written files ({count} findings); first: {} table {} row {} column {}: {} ({})",
        first.file, first.table, first.row, first.column, first.rule, first.detail
    )]
    Disclosure { count: usize, first: Box<zicht_report::verify::Finding> },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl RegisterError {
    /// Whether the error is the caller's to fix (the command line exits 1 on those).
    pub fn is_input(&self) -> bool {
        use zicht_store::StoreError as S;
        match self {
            RegisterError::Input(_) | RegisterError::Key(_) => true,
            RegisterError::Import(e) => matches!(
                e,
                zicht_store::import::ImportError::File { .. }
                    | zicht_store::import::ImportError::Rows { .. }
                    | zicht_store::import::ImportError::Output(_)
            ),
            RegisterError::Store(e) => matches!(
                e,
                S::Key(_) | S::BadUrl(_) | S::Connect(_) | S::NeedsMigration | S::AuditField { .. } | S::NoRegister(_)
            ),
            RegisterError::Report(e) => matches!(
                e,
                zicht_report::ReportError::Empty { .. }
                    | zicht_report::ReportError::Period { .. }
                    | zicht_report::ReportError::Changed { .. }
            ),
            _ => false,
        }
    }
}
