//! `zicht import`: reports, events or signals from CSV or JSON-lines files.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use zicht_register::RegisterError;
use zicht_register::intake::{ImportError, Kind, OnError, Request};

use super::common::{
    ActorArgs, Bar, DbArgs, EncodingArgs, KeyArgs, Units, cancel_on_ctrl_c, classify, load_keys, runtime,
};
use crate::exit::bad_input;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Reports,
    Events,
    Signals,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum OnErrorArg {
    /// Any bad row: nothing is written, exit 1
    #[default]
    Abort,
    /// Good rows commit; bad rows go to the rejects file with their reason
    Reject,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  zicht import reports examples/reports.csv\n  \
    zicht import --on-error reject --rejects bad.csv reports new.csv\n\nFormats: docs/formats.md")]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub encoding: EncodingArgs,
    /// What the files hold
    #[arg(value_enum)]
    pub kind: KindArg,
    /// CSV (header row; `,` `;` or tab), workbooks (.xlsx .xlsm .ods: the first sheet; .xls and .xlsb are refused) or JSON-lines (.jsonl/.ndjson) files, imported in one transaction
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What to do with bad rows
    #[arg(long, value_enum, default_value_t)]
    pub on_error: OnErrorArg,
    /// Rejects file (a directory when several files are imported); default NAME.rejects.EXT beside each input
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Why the data is processed (audit log)
    #[arg(long, default_value = "registration of presumed victims")]
    pub purpose: String,
    /// Print a JSON summary on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let keys = load_keys(&args.keys)?;
    let mut req = Request::new(match args.kind {
        KindArg::Reports => Kind::Reports,
        KindArg::Events => Kind::Events,
        KindArg::Signals => Kind::Signals,
    });
    req.on_error = match args.on_error {
        OnErrorArg::Abort => OnError::Abort,
        OnErrorArg::Reject => OnError::Reject,
    };
    req.rejects = args.rejects.clone();
    req.purpose = args.purpose.clone();
    req.encoding = args.encoding.encoding;
    if let Some(rejects) = &args.rejects {
        super::common::refuse_register_files("--rejects", rejects, &args.db.db, &args.keys.key_file)?;
    }
    if let (Some(dir), true) = (&args.rejects, args.files.len() > 1) {
        // With several inputs --rejects is a folder; `--rejects bad.csv` made a folder of that name.
        let file_like = dir
            .extension()
            .is_some_and(|e| ["csv", "jsonl", "ndjson", "txt"].contains(&e.to_string_lossy().to_lowercase().as_str()));
        if file_like && !dir.is_dir() {
            return Err(bad_input(format!(
                "--rejects {}: with {} inputs --rejects names a folder (each input gets its NAME.rejects.csv there); give a folder, e.g. --rejects rejects/",
                dir.display(),
                args.files.len()
            )));
        }
        zicht_output::create_dir(dir).map_err(|e| bad_input(format!("--rejects: {e}")))?;
    }
    let rt = runtime()?;
    let cancel = cancel_on_ctrl_c(&rt);
    let bar = Bar::new(args.json, Units::Bytes).stopping_on(cancel);
    let summaries = rt.block_on(async {
        let store = zicht_store::Store::open_existing(&args.db.db)
            .await
            .map_err(classify)?
            .keep_audit_head(zicht_store::audit::head_path(&keys.path));
        let reg = zicht_register::Register::new(store, Some(keys), args.actor.actor());
        let imported = zicht_register::intake::import(&reg, &args.files, &req, &bar).await;
        imported.map_err(|e| match e {
            RegisterError::Import(e) => import_error(e),
            RegisterError::Store(s) => classify(s),
            e if e.is_input() => bad_input(e.to_string()),
            e => anyhow::Error::new(e),
        })
    })?;
    if args.json {
        println!("{}", serde_json::json!({ "kind": req.kind.as_str(), "files": summaries }));
    } else {
        for s in &summaries {
            let verdict = if s.rows == 0 {
                "no rows: the file has its header and nothing else".to_string()
            } else if s.inserted == 0 && s.rejected == 0 {
                "nothing new: every row was already imported".to_string()
            } else {
                format!("{} inserted", s.inserted)
            };
            let read_as: Vec<String> = s
                .sheet
                .iter()
                .map(|n| format!("sheet {n:?}"))
                .chain(s.separator.iter().map(|d| format!("{d}-separated")))
                .chain(s.encoding.iter().cloned())
                .collect();
            let separated = if read_as.is_empty() { String::new() } else { format!(" ({})", read_as.join(", ")) };
            eprintln!(
                "{}{separated}: {} rows read; {verdict}; {} unchanged; {} rejected{}",
                s.file,
                s.rows,
                s.unchanged,
                s.rejected,
                s.rejects_file.as_ref().filter(|_| s.rejected > 0).map(|f| format!(" (see {f})")).unwrap_or_default()
            );
        }
    }
    // The rows are committed: say so, and where the rejected rows are, rather than "nothing imported".
    let lost: Vec<String> =
        summaries.iter().filter_map(|s| s.rejects_error.as_ref().map(|e| format!("{}: {e}", s.file))).collect();
    if !lost.is_empty() {
        anyhow::bail!("the good rows were imported, but a rejects file could not be put in place: {}", lost.join("; "));
    }
    Ok(())
}

/// The command line's words for an import that wrote nothing.
fn import_error(e: ImportError) -> anyhow::Error {
    match e {
        ImportError::Store(s) => classify(s),
        e @ (ImportError::Cancelled | ImportError::Rejects { .. }) => anyhow::Error::new(e),
        e @ ImportError::Output(_) => bad_input(format!("the rejects file: {e}")),
        ImportError::Rows { problems, total } => {
            let mut msg = format!(
                "{total} bad row(s) in the input; nothing was imported (use --on-error reject to import the good rows)"
            );
            for p in &problems {
                msg.push_str(&format!("\n  {p}"));
            }
            if total as usize > problems.len() {
                msg.push_str(&format!("\n  … and more (first {} listed)", problems.len()));
            }
            bad_input(msg)
        }
        e @ ImportError::File { .. } => bad_input(format!("{e}; nothing was imported")),
    }
}
