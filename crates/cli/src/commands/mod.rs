//! One module per subcommand.
pub mod matching;
