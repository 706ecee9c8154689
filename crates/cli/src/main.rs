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
    /// Deduplicate one CSV file or link two (Fellegi–Sunter with EM), write pairs and clusters.
    Match(commands::matching::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(args) => commands::matching::run(args),
    };
    exit::finish(result)
}
