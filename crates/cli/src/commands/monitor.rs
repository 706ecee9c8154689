//! `zicht monitor`: the monitor's tables and charts from the store, through disclosure control, as
//! `report.html`, `monitor.xlsx` and `monitor.json`; the written files are re-read and checked
//! ([`zicht_register::monitor`] does the work).

use std::path::PathBuf;

use clap::Args as ClapArgs;
use zicht_register::Register;
use zicht_register::monitor::{DARK_REPLICATES, Edition, Request, Summary, publish};
use zicht_report::verify::JsonMonitor;
use zicht_report::{Lang, Truth};

use super::common::{ActorArgs, Bar, KeyArgs, Units, cancel_on_ctrl_c, classify, load_keys, register_error, runtime};

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

/// Builds, writes and checks the monitor ([`zicht_register::monitor::publish`]).
fn run_monitor(args: &Args) -> anyhow::Result<Summary> {
    let rt = runtime()?;
    // SIGINT and SIGTERM stop the monitor between its steps: before the files are committed nothing
    // in DIR changes (the staging folder goes with it), and a publication is recorded only with them.
    let cancel = cancel_on_ctrl_c(&rt);
    let lang = Lang::parse(&args.lang)
        .ok_or_else(|| crate::exit::bad_input(format!("--lang: `{}` is not nl or en", args.lang)))?;
    let edition = match args.edition.as_str() {
        "internal" => Edition::Internal,
        "public" => Edition::Public,
        other => return Err(crate::exit::bad_input(format!("--edition: `{other}` is not internal or public"))),
    };
    if args.epsilon.is_some() {
        return Err(crate::exit::bad_input(match edition {
            Edition::Internal => "--epsilon: noise belongs to --edition public",
            Edition::Public => {
                "--epsilon: noise is withdrawn: noise drawn afresh per table and per release averages away over \
                 releases, and a published seed lets anyone remove it. The public edition is protected by \
                 cell-key perturbation (the same noise for the same cell in every release) under the \
                 release-wide suppression audit (docs/privacy.md)"
            }
        }));
    }
    let mut store = rt.block_on(zicht_store::Store::open_existing(&args.db)).map_err(classify)?;
    // Recording a publication appends to the audit log: keep its head beside the key file, when there
    // is one here (the monitor itself reads no key unless it perturbs).
    if args.keys.key_file.exists() {
        store = store.keep_audit_head(zicht_store::audit::head_path(&args.keys.key_file));
    }
    let keys = match edition {
        Edition::Public => Some(load_keys(&args.keys)?),
        Edition::Internal => None,
    };
    let mut req = Request::new(&args.out);
    req.from = args.from;
    req.to = args.to;
    req.lang = lang;
    req.edition = edition;
    req.leave_out.clone_from(&args.leave_out);
    req.publish = args.publish.then(|| args.purpose.clone());
    req.access = if args.readable_by_all { zicht_report::Access::Public } else { zicht_report::Access::Private };
    req.dark_replicates = args.dark_replicates;
    req.dark_design = zicht_report::dark::Design { heterogeneity: args.dark_heterogeneity };
    req.truth = match &args.truth {
        Some(dir) => Some(Truth::read(dir).map_err(|e| crate::exit::bad_input(e.to_string()))?),
        None => None,
    };
    for d in &args.previous {
        req.previous.push(JsonMonitor::read(d).map_err(|e| crate::exit::bad_input(e.to_string()))?);
    }
    let reg = Register::new(store, keys, args.actor.actor());
    let bar = Bar::new(args.json, Units::Work).stopping_on(cancel);
    let summary = rt.block_on(publish(&reg, req, &bar)).map_err(register_error);
    bar.clear();
    let summary = summary?;
    for left in &summary.removed {
        eprintln!("removed {}: the unfinished output of an interrupted run", left.display());
    }
    Ok(summary)
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
