//! `zicht`: the command-line interface. Thin: parses arguments, calls the library crates, prints.
//!
//! Exit codes (the contract in `docs/cli.md`): 0 success, 1 bad input (the message names the file,
//! line, field and rule), 2 internal error.

mod commands;
mod exit;

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
    /// Kaplan–Meier survival per group, medians and the log-rank test (CSV in).
    Survival(commands::survival::Args),
    /// Cumulative incidence of competing causes per group and Gray's test (CSV in).
    Cif(commands::cif::Args),
    /// Cox proportional hazards regression (CSV in).
    Cox(commands::cox::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Survival(args) => commands::survival::run(args),
        Command::Cif(args) => commands::cif::run(args),
        Command::Cox(args) => commands::cox::run(args),
    };
    exit::finish(result)
}
