//! Maps command results to the exit-code contract: 0 ok, 1 bad input, 2 internal error.

use std::fmt;
use std::process::ExitCode;

/// An error caused by the user's input (bad file, bad argument): exit code 1.
///
/// Wrap the message so that it names file, line, field and the rule broken.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Shorthand: `Err(bad_input(format!(...)))`.
pub fn bad_input(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

/// Prints the whole error chain on stderr and returns the contract's exit code. A table reader's error
/// ([`zicht_table::TableError`]) is always the input's.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.chain().any(|e| e.is::<BadInput>() || e.is::<zicht_table::TableError>()) {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
