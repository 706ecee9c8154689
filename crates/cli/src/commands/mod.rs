//! One module per subcommand.

pub mod mse;
