//! One module per subcommand.

pub mod audit;
pub mod common;
pub mod import;
pub mod init;
pub mod mse;
pub mod pseudonymise;
