//! `zicht monitor`: the monitor's tables and charts from the store, through disclosure control, as
//! `report.html`, `monitor.xlsx` and `monitor.json`; the written files are re-read and checked.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args as ClapArgs;
use zicht_report::{Lang, Options, Truth};

use super::common::{KeyArgs, classify, load_keys, runtime};

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
    /// The simulator's truth directory (DIR/truth of `zicht simulate`): adds a validation block
    #[arg(long, value_name = "DIR")]
    pub truth: Option<PathBuf>,
    /// Print a JSON summary on stdout
    #[arg(long)]
    pub json: bool,
}

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
            previous: Vec::new(),
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
}

/// Builds and writes the monitor, then checks the written files. Used by `zicht monitor` and
/// `zicht demo`.
pub fn run_monitor(args: &Args) -> anyhow::Result<Summary> {
    let rt = runtime()?;
    let lang = Lang::parse(&args.lang)
        .ok_or_else(|| crate::exit::bad_input(format!("--lang: `{}` is not nl or en", args.lang)))?;
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
            rt.block_on(async {
                let store = zicht_store::Store::open(&args.db).await.map_err(classify)?;
                store.check_digest_keys(&keys).await.map_err(classify)
            })?;
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
    let extract = rt.block_on(async {
        let store = zicht_store::Store::open(&args.db).await.map_err(classify)?;
        store.extract().await.map_err(classify)
    })?;
    let earlier = args
        .previous
        .iter()
        .map(|d| zicht_report::verify::JsonMonitor::read(d).map_err(|e| crate::exit::bad_input(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = Options { from: args.from, to: args.to, lang, policy, truth, earlier };
    let monitor = match zicht_report::build(&extract, &opts) {
        Ok(m) => m,
        Err(e @ (zicht_report::ReportError::Empty { .. } | zicht_report::ReportError::Changed { .. })) => {
            return Err(crate::exit::bad_input(e.to_string()));
        }
        Err(e) => return Err(e).context("building the monitor"),
    };
    zicht_report::write(&monitor, &args.out).context("writing the monitor")?;
    let earlier: Vec<&Path> = args.previous.iter().map(PathBuf::as_path).collect();
    let check = zicht_report::verify::verify_with(&args.out, &earlier).context("re-reading the written monitor")?;
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
        eprintln!("open {}", s.out.join("report.html").display());
    }
    Ok(())
}
