//! Options and plumbing shared by the database commands.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// `--db`: where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB
    #[arg(long, env = "ZICHT_DB", default_value = zicht_store::DEFAULT_URL)]
    pub db: String,
}

/// `--key-file`: the vault and pseudonym keys.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// Key file (vault, pseudonym and register key; mode 0600). `zicht init` creates it.
    #[arg(long, env = "ZICHT_KEY_FILE", default_value = "zicht.key")]
    pub key_file: PathBuf,
}

/// Who is acting and why: written to the audit log with every access to personal data.
#[derive(Debug, Clone, Args)]
pub struct ActorArgs {
    /// Who runs this (default: cli:$USER)
    #[arg(long, env = "ZICHT_ACTOR")]
    pub actor: Option<String>,
}

impl ActorArgs {
    pub fn actor(&self) -> String {
        self.actor
            .clone()
            .unwrap_or_else(|| format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into())))
    }
}

/// A runtime for the async store.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Loads the key file, naming it in every error. A missing or unreadable key file is the user's to fix.
pub fn load_keys(args: &KeyArgs) -> anyhow::Result<zicht_store::Keys> {
    zicht_store::Keys::load(&args.key_file).map_err(|e| crate::exit::bad_input(e.to_string()))
}

/// Maps store errors that are the user's to fix (keys, URLs) to exit code 1.
pub fn classify(e: zicht_store::StoreError) -> anyhow::Error {
    use zicht_store::StoreError as E;
    match e {
        E::Key(_) | E::BadUrl(_) | E::Connect(_) | E::NeedsMigration | E::AuditField { .. } | E::NoRegister(_) => {
            crate::exit::bad_input(e.to_string())
        }
        other => anyhow::Error::new(other),
    }
}

/// Maps a register operation's error to the exit-code contract: the caller's to fix exits 1.
pub fn register_error(e: zicht_register::RegisterError) -> anyhow::Error {
    if e.is_input() { crate::exit::bad_input(e.to_string()) } else { anyhow::Error::new(e) }
}

/// A flag that Ctrl-C (SIGINT) or SIGTERM sets, for work that can stop cleanly: SIGTERM is what
/// systemd, docker and Kubernetes send, and must leave no half-written file behind either.
pub fn cancel_on_ctrl_c(rt: &tokio::runtime::Runtime) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // The SIGTERM handler is installed here, before the work starts, not when the task first runs.
    #[cfg(unix)]
    let terminate = {
        let _in_runtime = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok()
    };
    rt.spawn(async move {
        #[cfg(unix)]
        let term = async {
            match terminate {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            r = tokio::signal::ctrl_c() => {
                if r.is_err() {
                    return;
                }
            }
            () = term => {}
        }
        eprintln!("\ninterrupted: stopping cleanly, nothing of the unfinished step is kept");
        f.store(true, Ordering::Relaxed);
    });
    flag
}

/// What a bar counts: bytes (imports) or units of work (pairs, replicates, iterations).
#[derive(Debug, Clone, Copy)]
pub enum Units {
    Bytes,
    Work,
}

/// The command line's one adapter of the progress contract ([`zicht_progress::Progress`]): an indicatif
/// bar on stderr (hidden when quiet or not a terminal) that answers [`zicht_progress::Cancelled`] once
/// its stop flag (Ctrl-C, SIGTERM: [`cancel_on_ctrl_c`]) is set.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    stop: Option<Arc<AtomicBool>>,
}

impl Bar {
    pub fn new(quiet: bool, units: Units) -> Bar {
        let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
        let template = match units {
            Units::Bytes => "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            Units::Work => "{msg:40!} [{bar:30}] {pos}/{len} eta {eta}",
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar { bar, stop: None }
    }

    /// The bar also stops the work once `flag` is set.
    pub fn stopping_on(mut self, flag: Arc<AtomicBool>) -> Bar {
        self.stop = Some(flag);
        self
    }

    /// Removes the bar from the terminal.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl zicht_progress::Progress for Bar {
    fn start(&self, step: &str, total: u64) {
        self.bar.reset();
        self.bar.set_length(total);
        self.bar.set_message(step.to_string());
    }
    fn advance(&self, n: u64) -> Result<(), zicht_progress::Cancelled> {
        self.bar.inc(n);
        match &self.stop {
            Some(flag) => flag.advance(0),
            None => Ok(()),
        }
    }
    fn finish(&self) {
        self.bar.set_position(self.bar.length().unwrap_or(0));
    }
}

/// Refuses an output path that is one of the register's own files (its database with WAL and SHM, its
/// key file): `--review zicht.db` would replace the register with a CSV.
pub fn refuse_register_files(flag: &str, out: &Path, db_url: &str, key_file: &Path) -> anyhow::Result<()> {
    let mut own = zicht_store::database_files(db_url);
    own.push(key_file.to_path_buf());
    let own: Vec<&Path> = own.iter().map(PathBuf::as_path).collect();
    zicht_output::refuse_input(out, &own).map_err(|e| crate::exit::bad_input(format!("{flag}: {e}")))
}

/// `--encoding`: the character encoding of input text files.
#[derive(Debug, Clone, Args)]
pub struct EncodingArgs {
    /// Encoding of the input files: auto (UTF-8 with or without BOM, UTF-16 by its BOM, else Windows-1252), utf-8, utf-16le, utf-16be, windows-1252. Workbooks (.xlsx, .ods) need none
    #[arg(long, default_value = "auto", value_parser = parse_encoding)]
    pub encoding: zicht_store::source::Encoding,
}

fn parse_encoding(s: &str) -> Result<zicht_store::source::Encoding, String> {
    zicht_store::source::Encoding::parse(s)
        .ok_or_else(|| format!("one of {}", zicht_store::source::Encoding::NAMES.join(", ")))
}

/// Opens a table for an analysis command (CSV in any encoding or separator, or a workbook), bounded by
/// `limits`; errors name the file.
pub fn open_table(
    path: &Path,
    encoding: &EncodingArgs,
    limits: zicht_store::bounded::Limits,
) -> anyhow::Result<zicht_store::source::Table> {
    zicht_store::source::open_table(path, encoding.encoding, limits)
        .map_err(|e| crate::exit::bad_input(format!("{}: {e}", path.display())))
}
