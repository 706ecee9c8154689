//! `zicht monitor`: the monitor's tables and charts from the store, through disclosure control, as
//! `report.html`, `monitor.xlsx` and `monitor.json`; the written files are re-read and checked.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args as ClapArgs;
use zicht_report::{Lang, Options, Truth};

use super::common::{ActorArgs, KeyArgs, cancel_on_ctrl_c, classify, load_keys, runtime};

#[derive(Debug, Clone, ClapArgs)]
#[command(
    after_help = "Example:\n  zicht monitor --db sqlite://zicht.db --out monitor --lang nl\n  zicht monitor --out public-2023 --edition public --previous public-2022\n\nWrites DIR/report.html, DIR/monitor.xlsx and DIR/monitor.json (docs/monitor-json.md), then runs\nthe disclosure checker on the written files (as `zicht check-disclosure DIR` does)."
)]
pub struct Args {
    /// Database URL (sqlite://FILE or postgres://...)
    #[arg(long, env = "ZICHT_DB", default_value = zicht_store::DEFAULT_URL)]
    pub db: String,
    /// Directory to write into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// First year (default: the first year with reports)
    #[arg(long, value_name = "YEAR")]
    pub from: Option<i32>,
    /// Last year (default: the last year with reports)
    #[arg(long, value_name = "YEAR")]
    pub to: Option<i32>,
    /// Language of the report: nl or en
    #[arg(long, default_value = "nl", value_parser = ["nl", "en"])]
    pub lang: String,
    /// internal (suppression) or public (also cell-key perturbation; needs the register's --key-file)
    #[arg(long, default_value = "internal", value_parser = ["internal", "public"])]
    pub edition: String,
    /// Withdrawn: noise drawn afresh per table and release averages away; refused with the reason
    #[arg(long, value_name = "EPSILON", hide = true)]
    pub epsilon: Option<f64>,
    /// Withdrawn with --epsilon
    #[arg(long, default_value_t = 1, hide = true)]
    pub noise_seed: u64,
    /// An earlier release (its DIR with monitor.json) whose period overlaps this one: protect this
    /// release jointly with it, so that no difference between the two reveals a small count
    #[arg(long, value_name = "DIR")]
    pub previous: Vec<PathBuf>,
    /// The register's key file: the public edition's perturbation is keyed by it (a reader without it
    /// cannot remove the noise)
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Record this release in the register's publication history once it has passed the checker:
    /// later releases are then protected jointly with it without --previous
    #[arg(long)]
    pub publish: bool,
    /// A recorded release (its id, from an earlier --publish) not to protect this one against, e.g.
    /// when this release revises it; recorded releases of the edition are used otherwise
    #[arg(long, value_name = "ID")]
    pub leave_out: Vec<i64>,
    /// Why the release is published (audit log, with --publish)
    #[arg(long, default_value = "publication of the monitor")]
    pub purpose: String,
    #[command(flatten)]
    pub actor: ActorArgs,
    /// The simulator's truth directory (DIR/truth of `zicht simulate`): adds a validation block
    #[arg(long, value_name = "DIR")]
    pub truth: Option<PathBuf>,
    /// Make the written files readable by other users (0644; public edition only). Without it every
    /// file is its owner's only (0600) and a created DIR is 0700
    #[arg(long)]
    pub readable_by_all: bool,
    /// Bootstrap replicates of the dark number's interval, each repeating the model search (below 2:
    /// the model average's Burnham–Anderson interval, which does not carry the choice)
    #[arg(long, value_name = "N", default_value_t = DARK_REPLICATES)]
    pub dark_replicates: usize,
    /// Let the dark number's model search also take a term for capture heterogeneity shared by all
    /// lists (log-normal frailty; see docs/benchmarks.md: on the simulator it does not help, so it is off)
    #[arg(long)]
    pub dark_heterogeneity: bool,
    /// Print a JSON summary on stdout
    #[arg(long)]
    pub json: bool,
}

/// The dark number's bootstrap replicates by default: enough for a stable 95 % percentile interval
/// for a yearly release; a coverage study used 40.
pub const DARK_REPLICATES: usize = 200;

impl Args {
    /// The defaults of the command line for a database and an output directory (for `zicht demo`).
    pub fn new(db: &str, out: &Path) -> Args {
        Args {
            db: db.to_string(),
            out: out.to_path_buf(),
            from: None,
            to: None,
            lang: "nl".into(),
            edition: "internal".into(),
            epsilon: None,
            noise_seed: 1,
            truth: None,
            keys: KeyArgs { key_file: "zicht.key".into() },
            publish: false,
            leave_out: Vec::new(),
            purpose: "publication of the monitor".into(),
            actor: ActorArgs { actor: None },
            previous: Vec::new(),
            readable_by_all: false,
            dark_replicates: DARK_REPLICATES,
            dark_heterogeneity: false,
            json: false,
        }
    }
}

/// What `run_monitor` wrote.
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
    /// Its id in the publication history (with --publish).
    pub publication: Option<i64>,
}

/// Builds and writes the monitor, then checks the written files. Used by `zicht monitor` and
/// `zicht demo`.
pub fn run_monitor(args: &Args) -> anyhow::Result<Summary> {
    let rt = runtime()?;
    // SIGINT and SIGTERM stop the monitor between its steps: before the files are committed nothing
    // in DIR changes (the staging folder goes with it), and a publication is recorded only with them.
    let cancel = cancel_on_ctrl_c(&rt);
    let stop_if_cancelled = |step: &str| {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            anyhow::bail!("interrupted {step}: nothing was written or recorded");
        }
        Ok(())
    };
    let lang = Lang::parse(&args.lang)
        .ok_or_else(|| crate::exit::bad_input(format!("--lang: `{}` is not nl or en", args.lang)))?;
    let mut store = rt.block_on(zicht_store::Store::open_existing(&args.db)).map_err(classify)?;
    // Recording a publication appends to the audit log: keep its head beside the key file, when there
    // is one here (the monitor itself reads no key unless it perturbs).
    if args.keys.key_file.exists() {
        store = store.keep_audit_head(zicht_store::audit::head_path(&args.keys.key_file));
    }
    let policy = match args.edition.as_str() {
        "internal" => {
            if args.epsilon.is_some() {
                return Err(crate::exit::bad_input("--epsilon: noise belongs to --edition public"));
            }
            zicht_disclose::Policy::internal()
        }
        "public" => {
            if args.epsilon.is_some() {
                return Err(crate::exit::bad_input(
                    "--epsilon: noise is withdrawn: noise drawn afresh per table and per release averages away over \
                     releases, and a published seed lets anyone remove it. The public edition is protected by \
                     cell-key perturbation (the same noise for the same cell in every release) under the \
                     release-wide suppression audit (docs/privacy.md)",
                ));
            }
            let keys = load_keys(&args.keys)?;
            let secret = keys.cell_key_secret().map_err(|e| crate::exit::bad_input(e.to_string()))?;
            rt.block_on(store.check_digest_keys(&keys)).map_err(classify)?;
            zicht_disclose::Policy::public_perturbed(zicht_disclose::cellkey::CellKey::new(secret))
        }
        other => return Err(crate::exit::bad_input(format!("--edition: `{other}` is not internal or public"))),
    };
    if let (Some(f), Some(t)) = (args.from, args.to)
        && f > t
    {
        return Err(crate::exit::bad_input(format!("--from {f} is after --to {t}")));
    }
    let truth = match &args.truth {
        Some(dir) => Some(Truth::read(dir).map_err(|e| crate::exit::bad_input(e.to_string()))?),
        None => None,
    };
    let public = policy.edition() == "public";
    if args.readable_by_all && !public {
        return Err(crate::exit::bad_input(
            "--readable-by-all: only the public edition may be readable by other users; the internal edition \
             shows counts per organisation and stays its owner's (0600)",
        ));
    }
    let (extract, recorded) = rt
        .block_on(async { Ok::<_, zicht_store::StoreError>((store.extract().await?, store.publications().await?)) })
        .map_err(classify)?;
    for id in &args.leave_out {
        if !recorded.iter().any(|p| p.id == *id) {
            return Err(crate::exit::bad_input(format!("--leave-out {id}: the register has no publication {id}")));
        }
    }
    // A public release's readers know the public releases; an internal release's readers know both.
    let (lo, hi) = (args.from.unwrap_or(i32::MIN), args.to.unwrap_or(i32::MAX));
    let against: Vec<&zicht_store::publications::Publication> = recorded
        .iter()
        .filter(|p| !args.leave_out.contains(&p.id) && (!public || p.edition == "public") && p.overlaps(lo, hi))
        .collect();
    let mut earlier = Vec::with_capacity(against.len() + args.previous.len());
    for p in &against {
        let origin = PathBuf::from(format!("publication {} ({} {}-{})", p.id, p.edition, p.from, p.to));
        earlier.push(
            zicht_report::verify::JsonMonitor::parse(&origin, &p.monitor_json)
                .map_err(|e| crate::exit::bad_input(e.to_string()))?,
        );
    }
    for d in &args.previous {
        earlier.push(zicht_report::verify::JsonMonitor::read(d).map_err(|e| crate::exit::bad_input(e.to_string()))?);
    }
    let opts = Options {
        from: args.from,
        to: args.to,
        lang,
        policy,
        truth,
        earlier,
        dark_replicates: args.dark_replicates,
        dark_design: zicht_report::dark::Design { heterogeneity: args.dark_heterogeneity },
    };
    let monitor = match zicht_report::build(&extract, &opts) {
        Ok(m) => m,
        Err(
            e @ (zicht_report::ReportError::Empty { .. }
            | zicht_report::ReportError::Period { .. }
            | zicht_report::ReportError::Changed { .. }),
        ) => {
            return Err(crate::exit::bad_input(e.to_string()));
        }
        Err(e) => return Err(e).context("building the monitor"),
    };
    stop_if_cancelled("after building the monitor")?;
    // Written into a staging folder beside DIR, checked there, and only then put in place of DIR whole:
    // a release that fails the checker, or a crash, leaves DIR as it was.
    let access = if args.readable_by_all { zicht_report::Access::Public } else { zicht_report::Access::Private };
    let staged = zicht_report::stage(&monitor, &args.out, access).context("writing the monitor")?;
    for left in staged.removed() {
        eprintln!("removed {}: the unfinished output of an interrupted run", left.display());
    }
    stop_if_cancelled("after writing the staged files")?;
    let check =
        zicht_report::verify::verify_against(staged.path(), opts.earlier).context("re-reading the written monitor")?;
    stop_if_cancelled("after checking the staged files")?;
    if let Some(f) = check.findings.first() {
        anyhow::bail!(
            "disclosure check failed on the written files ({} findings); first: {} table {} row {} column {}: {} ({})",
            check.findings.len(),
            f.file,
            f.table,
            f.row,
            f.column,
            f.rule,
            f.detail
        );
    }
    let publication = if args.publish {
        let json = std::fs::read_to_string(staged.path().join("monitor.json")).context("re-reading monitor.json")?;
        let id = rt
            .block_on(store.record_publication(
                &monitor.edition,
                monitor.period.from,
                monitor.period.to,
                &json,
                &args.actor.actor(),
                &args.purpose,
            ))
            .map_err(classify)?;
        Some(id)
    } else {
        None
    };
    staged.commit().context("writing the monitor")?;
    Ok(Summary {
        out: args.out.clone(),
        files: vec!["report.html".into(), "monitor.xlsx".into(), "monitor.json".into()],
        from: monitor.period.from,
        to: monitor.period.to,
        edition: monitor.edition.clone(),
        tables: monitor.tables.len(),
        figures: monitor.figures.len(),
        alerts: monitor.alerts.clone(),
        cells_checked: check.cells,
        protected_against: against.iter().map(|p| p.id).collect(),
        publication,
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = run_monitor(&args)?;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        eprintln!(
            "monitor {}–{} ({} edition): {} tables, {} figures, {} alerts; {} cells passed the disclosure check",
            s.from,
            s.to,
            s.edition,
            s.tables,
            s.figures,
            s.alerts.len(),
            s.cells_checked
        );
        for a in &s.alerts {
            eprintln!("  alert: {} {} from {} (signalled {})", a.subject, a.kind, a.start, a.signalled);
        }
        if !s.protected_against.is_empty() {
            let ids: Vec<String> = s.protected_against.iter().map(|i| i.to_string()).collect();
            eprintln!("protected jointly with the recorded publications {}", ids.join(", "));
        }
        if let Some(id) = s.publication {
            eprintln!("recorded as publication {id}: later releases will be protected jointly with it");
        }
        eprintln!("open {}", s.out.join("report.html").display());
    }
    Ok(())
}
