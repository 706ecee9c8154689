//! One module per subcommand.

pub mod accounts;
pub mod audit;
pub mod check_disclosure;
pub mod cif;
pub mod common;
pub mod cox;
pub mod demo;
pub mod import;
pub mod init;
pub mod key;
pub mod link;
pub mod matching;
pub mod monitor;
pub mod mse;
pub mod pseudonymise;
pub mod serve;
pub mod simulate;
pub mod survival;
