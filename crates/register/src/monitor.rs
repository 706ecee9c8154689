//! Publishing the monitor: build from the register, write into a staging folder beside the target,
//! check the written files with the disclosure checker (jointly with the earlier releases), record
//! the release in the register's publication history if asked, and only then put it in place whole.
//! A release that fails the checker, a crash or an interruption leaves the target as it was.

use std::path::{Path, PathBuf};

use zicht_progress::Progress;

use zicht_report::verify::JsonMonitor;
use zicht_report::{Access, Lang, Options, Truth};

use crate::{Register, RegisterError};

/// The edition of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Suppression and small-base rules; counts per organisation; its owner's only.
    Internal,
    /// Also cell-key perturbation under the register key (the register's keys are needed).
    Public,
}

/// What to publish.
#[derive(Debug, Clone)]
pub struct Request {
    pub out: PathBuf,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub lang: Lang,
    pub edition: Edition,
    /// Earlier releases read from files, to protect this one against jointly (besides the recorded ones).
    pub previous: Vec<JsonMonitor>,
    /// Recorded releases not to protect against (e.g. the one this release revises).
    pub leave_out: Vec<i64>,
    /// Record the release in the publication history, with this purpose (audit log).
    pub publish: Option<String>,
    /// The simulator's truth: adds the validation block.
    pub truth: Option<Truth>,
    pub access: Access,
    pub dark_replicates: usize,
    pub dark_design: zicht_report::dark::Design,
}

/// The dark number's bootstrap replicates by default: enough for a stable 95 % percentile interval
/// for a yearly release; a coverage study used 40.
pub const DARK_REPLICATES: usize = 200;

impl Request {
    /// The defaults: the whole period, Dutch, the internal edition, owner-only files.
    pub fn new(out: &Path) -> Request {
        Request {
            out: out.to_path_buf(),
            from: None,
            to: None,
            lang: Lang::Nl,
            edition: Edition::Internal,
            previous: Vec::new(),
            leave_out: Vec::new(),
            publish: None,
            truth: None,
            access: Access::Private,
            dark_replicates: DARK_REPLICATES,
            dark_design: Default::default(),
        }
    }
}

/// What was published.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub files: Vec<String>,
    pub from: i32,
    pub to: i32,
    pub edition: String,
    pub tables: usize,
    pub figures: usize,
    pub alerts: Vec<zicht_report::AlertRow>,
    pub cells_checked: usize,
    /// The recorded releases this one was protected jointly with.
    pub protected_against: Vec<i64>,
    /// Its id in the publication history (when recorded).
    pub publication: Option<i64>,
    /// Unfinished outputs of an interrupted earlier run that were removed.
    #[serde(skip)]
    pub removed: Vec<PathBuf>,
}

/// Builds, writes, checks and (if asked) records the monitor, reporting its four steps to
/// `progress`, and stops cleanly between them when `progress` answers that it must.
pub async fn publish(reg: &Register, req: Request, progress: &dyn Progress) -> Result<Summary, RegisterError> {
    let stop_if_cancelled = |step: &'static str| progress.advance(1).map_err(|_| RegisterError::Cancelled(step));
    progress.start("monitor: build, write, check, record", 4);
    let policy = match req.edition {
        Edition::Internal => zicht_disclose::Policy::internal(),
        Edition::Public => {
            let keys = reg.keys()?;
            let secret = keys.cell_key_secret().map_err(|e| RegisterError::Input(e.to_string()))?;
            reg.store.check_digest_keys(keys).await?;
            zicht_disclose::Policy::public_perturbed(zicht_disclose::cellkey::CellKey::new(secret))
        }
    };
    if let (Some(f), Some(t)) = (req.from, req.to)
        && f > t
    {
        return Err(RegisterError::Input(format!("--from {f} is after --to {t}")));
    }
    let public = req.edition == Edition::Public;
    if req.access == Access::Public && !public {
        return Err(RegisterError::Input(
            "--readable-by-all: only the public edition may be readable by other users; the internal edition \
             shows counts per organisation and stays its owner's (0600)"
                .into(),
        ));
    }
    let extract = reg.store.extract().await?;
    let recorded = reg.store.publications().await?;
    for id in &req.leave_out {
        if !recorded.iter().any(|p| p.id == *id) {
            return Err(RegisterError::Input(format!("--leave-out {id}: the register has no publication {id}")));
        }
    }
    // A public release's readers know the public releases; an internal release's readers know both.
    let (lo, hi) = (req.from.unwrap_or(i32::MIN), req.to.unwrap_or(i32::MAX));
    let against: Vec<&zicht_store::publications::Publication> = recorded
        .iter()
        .filter(|p| !req.leave_out.contains(&p.id) && (!public || p.edition == "public") && p.overlaps(lo, hi))
        .collect();
    let mut earlier = Vec::with_capacity(against.len() + req.previous.len());
    for p in &against {
        let origin = PathBuf::from(format!("publication {} ({} {}-{})", p.id, p.edition, p.from, p.to));
        earlier.push(JsonMonitor::parse(&origin, &p.monitor_json).map_err(|e| RegisterError::Input(e.to_string()))?);
    }
    earlier.extend(req.previous);
    let opts = Options {
        from: req.from,
        to: req.to,
        lang: req.lang,
        policy,
        truth: req.truth,
        earlier,
        dark_replicates: req.dark_replicates,
        dark_design: req.dark_design,
    };
    let monitor = zicht_report::build(&extract, &opts)?;
    stop_if_cancelled("after building the monitor")?;
    let staged = zicht_report::stage(&monitor, &req.out, req.access)?;
    let removed = staged.removed().to_vec();
    stop_if_cancelled("after writing the staged files")?;
    let check = zicht_report::verify::verify_against(staged.path(), opts.earlier)?;
    stop_if_cancelled("after checking the staged files")?;
    if let Some(f) = check.findings.first() {
        return Err(RegisterError::Disclosure { count: check.findings.len(), first: Box::new(f.clone()) });
    }
    let publication = match &req.publish {
        Some(purpose) => {
            let path = staged.path().join("monitor.json");
            let json = std::fs::read_to_string(&path)
                .map_err(|source| RegisterError::Io { path: path.display().to_string(), source })?;
            let (from, to) = (monitor.period.from, monitor.period.to);
            Some(reg.store.record_publication(&monitor.edition, from, to, &json, &reg.actor, purpose).await?)
        }
        None => None,
    };
    staged.commit()?;
    let _ = progress.advance(1);
    progress.finish();
    Ok(Summary {
        out: req.out,
        files: vec!["report.html".into(), "monitor.xlsx".into(), "monitor.json".into()],
        from: monitor.period.from,
        to: monitor.period.to,
        edition: monitor.edition.clone(),
        tables: monitor.tables.len(),
        figures: monitor.figures.len(),
        alerts: monitor.alerts,
        cells_checked: check.cells,
        protected_against: against.iter().map(|p| p.id).collect(),
        publication,
        removed,
    })
}
