//! `zicht`: the command-line interface. Thin: parses arguments, calls the library crates, prints.
//!
//! Exit codes (the contract in `shared/design.md`): 0 success, 1 bad input (the message names the file,
//! line, field and rule), 2 internal error.

mod commands;
mod exit;

/// mimalloc instead of glibc's allocator: linkage and import build and drop millions of small
/// strings, and glibc's free-list consolidation took a fifth of `zicht link`'s CPU. Built without
/// transparent huge pages (`no_thp`): with them a Cox fit's CPU time went bimodal (0.55 or 1.2 s on
/// 1M × 10, the kernel compacting memory for huge pages); without, it is steady and no slower than
/// with glibc (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "zicht", version, about = "A human-trafficking victim monitor", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: simulate a register, import, link and write the monitor
    Demo(commands::demo::DemoArgs),
    /// Create the key file (if none) and the database
    Init(commands::init::InitArgs),
    /// Import reports, follow-up events or anonymous signals
    Import(commands::import::ImportArgs),
    /// Key files: the reporter's file, and migrating a register to two-layer pseudonyms
    Key(commands::key::KeyCmd),
    /// Replace identities in a CSV by keyed pseudonyms (for reporters, offline)
    Pseudonymise(commands::pseudonymise::PseudonymiseArgs),
    /// Link reports and follow-up events to persons (stable person ids)
    Link(commands::link::LinkArgs),
    /// The audit log of every access to personal data
    Audit(commands::audit::AuditArgs),
    /// The server's reporting organisations
    Org(commands::accounts::OrgCmd),
    /// The server's users and their roles
    User(commands::accounts::UserCmd),
    /// API tokens for system-to-system submission, one organisation each
    Token(commands::accounts::TokenCmd),
    /// The register as a service: the submission API for reporting organisations
    Serve(commands::serve::ServeArgs),
    /// Multiple systems estimation of the dark number from a capture-history table.
    Mse(commands::mse::Args),
    /// Kaplan–Meier survival per group, medians and the log-rank test (CSV in).
    Survival(commands::survival::Args),
    /// Cumulative incidence of competing causes per group and Gray's test (CSV in).
    Cif(commands::cif::Args),
    /// Cox proportional hazards regression (CSV in).
    Cox(commands::cox::Args),
    /// Write a synthetic population in the import formats, with its ground truth.
    Simulate(commands::simulate::Args),
    /// Deduplicate one CSV file or link two (Fellegi–Sunter with EM), write pairs and clusters.
    Match(commands::matching::Args),
    /// The monitor: tables, charts and alerts as HTML, XLSX and JSON, through disclosure control.
    Monitor(commands::monitor::Args),
    /// Check a written monitor (JSON and XLSX) for disclosure violations.
    CheckDisclosure(commands::check_disclosure::Args),
}

fn main() -> ExitCode {
    // Usage errors are bad input (exit 1); --help and --version are not errors.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("ZICHT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Demo(a) => commands::demo::run(a),
        Command::Init(a) => commands::init::run(a),
        Command::Import(a) => commands::import::run(a),
        Command::Key(a) => commands::key::run(a),
        Command::Pseudonymise(a) => commands::pseudonymise::run(a),
        Command::Link(a) => commands::link::run(a),
        Command::Audit(a) => commands::audit::run(a),
        Command::Org(a) => commands::accounts::run_org(a),
        Command::User(a) => commands::accounts::run_user(a),
        Command::Token(a) => commands::accounts::run_token(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::Mse(args) => commands::mse::run(args),
        Command::Survival(args) => commands::survival::run(args),
        Command::Cif(args) => commands::cif::run(args),
        Command::Cox(args) => commands::cox::run(args),
        Command::Simulate(args) => commands::simulate::run(args),
        Command::Match(args) => commands::matching::run(args),
        Command::Monitor(args) => commands::monitor::run(args),
        Command::CheckDisclosure(args) => commands::check_disclosure::run(args),
    };
    exit::finish(result)
}
