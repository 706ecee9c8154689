//! One module per subcommand.
pub mod cif;
pub mod cox;
pub mod survival;
