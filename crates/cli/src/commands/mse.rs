//! `zicht mse`: multiple systems estimation of the dark number from a capture-history table.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::{Value, json};
use zicht_stats::mse::{self, BootstrapOptions, CaptureTable, Method, ModelFit, MseError, term_name};

use zicht_store::bounded::Limits;

use crate::exit::bad_input;

/// Model choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    /// Add the most significant two-list term while its Poisson p-value is below --threshold (SparseMSE).
    Stepwise,
    /// Exhaustive search over all two-list models by BIC.
    Bic,
    /// Exhaustive search over all two-list models by AIC.
    Aic,
    /// Main effects only (independent lists).
    Main,
    /// Every two-list term, no selection (covers the truth more often than stepwise; wider intervals).
    TwoWay,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  zicht mse lists.csv --method stepwise --bootstrap 1000 --seed 7 --json\n\n\
TABLE.csv has one 0/1 column per list and, last, the number of cases with that capture history:\n  \
\"LA\",\"NG\",\"PF\",\"count\"\n  1,0,0,54\n  1,1,0,15\n  ...\n\
Without --bootstrap the interval is the profile-likelihood interval of the chosen model \
(model-conditional); with it, a BCa interval that repeats the model choice in every replicate.\n\n\
--json prints {observed, lists, method, model, estimate, unobserved, ci{type,level,low,high}, \
models[{terms, estimate, deviance, df, aic, bic, mle_exists, identifiable, empty_terms}], note, \
empty_terms, ci_lognormal, bootstrap, models_evaluated}. `models` is the stepwise path, or the 20 best \
models of an exhaustive search. Without a finite estimate (no MLE, not identifiable, lists that never \
overlap) estimate and ci are null and `note` says why.")]
pub struct Args {
    /// Capture-history table (CSV with `,` `;` or tab, or a workbook's first sheet): 0/1 list columns, then a count column.
    pub table: PathBuf,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// How to choose the log-linear model.
    #[arg(long, value_enum, default_value_t = MethodArg::Stepwise)]
    pub method: MethodArg,
    /// p-value threshold of stepwise selection.
    #[arg(long, default_value_t = 0.02)]
    pub threshold: f64,
    /// Number of bootstrap replicates for a BCa interval (0: profile interval only).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Seed of the bootstrap's random streams.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The most bytes one line of a capture-history table may take. A line is at most a few dozen 0/1
/// fields and a count (the header: as many list names), so 64 KiB is far beyond any real table and
/// keeps a wrong file (`/dev/zero`, a dump) from being buffered whole.
const MAX_RECORD_BYTES: u64 = 64 << 10;
/// The most bytes one field may take: a list name or a count.
const MAX_FIELD_BYTES: u64 = 1 << 10;
const LIMITS: Limits = Limits { record: MAX_RECORD_BYTES, field: MAX_FIELD_BYTES };

/// The most bootstrap replicates: BCa needs about 2,000 for a 95 % interval (Efron & Tibshirani 1993,
/// §14.3), and each replicate refits the models, so a typo of a few zeros must not start a days-long run.
const MAX_BOOTSTRAP: usize = 100_000;

fn model_json(f: &ModelFit, lists: &[String]) -> Value {
    json!({
        "terms": f.model.term_names(lists),
        "estimate": f.estimate,
        "deviance": f.deviance,
        "df": f.df,
        "aic": f.aic,
        "bic": f.bic,
        "mle_exists": f.mle_exists,
        "identifiable": f.identifiable,
        "empty_terms": f.empty_terms.iter().map(|&t| term_name(t, lists)).collect::<Vec<_>>(),
    })
}

fn user_error(path: &std::path::Path, e: MseError) -> anyhow::Error {
    match e {
        MseError::Lp(_) => anyhow::Error::new(e).context(format!("{}", path.display())),
        other => bad_input(format!("{}: {other}", path.display())),
    }
}

/// Runs `zicht mse`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let path = &args.table;
    if !(args.threshold >= 0.0 && args.threshold <= 1.0) {
        return Err(bad_input(format!("--threshold {}: must lie in [0, 1]", args.threshold)));
    }
    if !(args.level > 0.0 && args.level < 1.0) {
        return Err(bad_input(format!("--level {}: must lie strictly between 0 and 1", args.level)));
    }
    if args.bootstrap == 1 {
        return Err(bad_input("--bootstrap 1: a bootstrap needs at least 2 replicates"));
    }
    if args.bootstrap > MAX_BOOTSTRAP {
        return Err(bad_input(format!(
            "--bootstrap {}: at most {MAX_BOOTSTRAP} replicates (a BCa interval is stable by a few thousand)",
            args.bootstrap
        )));
    }
    // `;` or tab as well as `,`, any encoding, or a workbook: read as `zicht import` reads its files.
    let source = super::common::open_table(path, &args.encoding, LIMITS)?;
    let tripped = source.tripped.clone();
    // The list names are the header; the error's column is named by number until it is read.
    let numbers: Vec<String> =
        (1..=source.cell_errors.values().map(|(c, _)| *c).max().unwrap_or(0)).map(|c| format!("#{c}")).collect();
    zicht_store::source::refuse_cell_error(&source.cell_errors, None, &numbers)
        .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    let (reader, separator) = (std::io::BufReader::new(source.reader), source.delimiter);
    let table = CaptureTable::read_csv_separated(reader, separator).map_err(|e| match tripped.get() {
        Some(t) => bad_input(format!("{}: {t}", path.display())),
        None => user_error(path, e),
    })?;
    let lists = table.lists().to_vec();
    let method = match args.method {
        MethodArg::Stepwise => Method::Stepwise { threshold: args.threshold },
        MethodArg::Bic => Method::Bic,
        MethodArg::Aic => Method::Aic,
        MethodArg::Main => Method::Main,
        MethodArg::TwoWay => Method::TwoWay,
    };
    let selection = mse::select(&table, &method).map_err(|e| user_error(path, e))?;
    let f = &selection.fit;
    let mut note = f.note.clone();
    if let Some(d) = table.degeneracy() {
        note = Some(format!("no finite estimate: {d}"));
    }
    let finite = note.is_none() && f.is_finite();

    let mut ci = Value::Null;
    let mut bca_extra = Value::Null;
    if finite {
        if args.bootstrap >= 2 {
            let progress = super::common::Bar::new(args.json, super::common::Units::Work);
            let opts = BootstrapOptions {
                replicates: args.bootstrap,
                seed: args.seed,
                level: args.level,
                progress: &progress,
            };
            let b = mse::bootstrap(&table, &method, &opts).map_err(|e| user_error(path, e))?;
            progress.clear();
            ci = json!({"type": "bca", "level": args.level, "low": b.low, "high": b.high});
            bca_extra = json!({
                "replicates": args.bootstrap,
                "seed": args.seed,
                "z0": b.z0,
                "acceleration": b.acceleration,
                "non_finite_replicates": b.non_finite(),
            });
        } else {
            let (lo, hi) = mse::profile_interval(&table, f, args.level).context("profile interval")?;
            ci = json!({"type": "profile", "level": args.level, "low": lo, "high": hi});
        }
    }
    let lognormal = f
        .lognormal_interval(args.level)
        .filter(|_| finite)
        .map(|(lo, hi)| json!({"type": "lognormal", "level": args.level, "low": lo, "high": hi}));

    let doc = json!({
        "observed": table.observed() as u64,
        "lists": lists,
        "method": method.name(),
        "model": f.model.describe(&lists),
        "estimate": if finite { f.estimate } else { None },
        "unobserved": if finite { f.unobserved } else { None },
        "ci": ci,
        "models": selection.models.iter().map(|m| model_json(m, &lists)).collect::<Vec<_>>(),
        "note": note,
        "empty_terms": f.empty_terms.iter().map(|&t| term_name(t, &lists)).collect::<Vec<_>>(),
        "ci_lognormal": lognormal,
        "bootstrap": bca_extra,
        "models_evaluated": selection.models_evaluated,
    });
    if args.json {
        return emit(&format!("{}\n", serde_json::to_string_pretty(&doc)?));
    }
    emit(&human(&args, &table, f, &ci, lognormal.as_ref(), note.as_deref(), finite))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn human(
    args: &Args,
    table: &CaptureTable,
    f: &ModelFit,
    ci: &Value,
    lognormal: Option<&Value>,
    note: Option<&str>,
    finite: bool,
) -> String {
    use std::fmt::Write;
    let lists = table.lists();
    let method = clap::ValueEnum::to_possible_value(&args.method).map(|v| v.get_name().to_owned()).unwrap_or_default();
    let mut s = String::new();
    let _ = writeln!(s, "lists:      {} ({} cases observed)", lists.join(", "), table.observed());
    let _ = writeln!(s, "method:     {method}");
    let _ = writeln!(s, "model:      {}", f.model.describe(lists));
    if !f.empty_terms.is_empty() {
        let _ = writeln!(
            s,
            "            non-overlapping lists {} fitted by the extended MLE (interaction −∞)",
            f.empty_terms.iter().map(|&t| term_name(t, lists)).collect::<Vec<_>>().join(", ")
        );
    }
    match (finite, f.estimate, f.unobserved) {
        (true, Some(e), Some(u)) => {
            let _ = writeln!(s, "estimate:   {e:.0} (unobserved {u:.0})");
            let fmt = |v: &Value| v.as_f64().map_or("none (no finite bound)".to_owned(), |x| format!("{x:.0}"));
            if !ci.is_null() {
                let _ = writeln!(
                    s,
                    "{:.0}% {:<7} {} – {}",
                    args.level * 100.0,
                    ci["type"].as_str().unwrap_or(""),
                    fmt(&ci["low"]),
                    fmt(&ci["high"])
                );
            }
            if let Some(l) = lognormal {
                let _ = writeln!(
                    s,
                    "{:.0}% lognormal {} – {} (SparseMSE's model-conditional)",
                    args.level * 100.0,
                    fmt(&l["low"]),
                    fmt(&l["high"])
                );
            }
        }
        _ => {
            let _ = writeln!(s, "estimate:   {}", note.unwrap_or("no finite estimate"));
        }
    }
    s
}
