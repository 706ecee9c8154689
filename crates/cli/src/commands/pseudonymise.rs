//! `zicht pseudonymise`: for a reporting organisation, offline. Replaces the identity columns of a
//! reports (or events) CSV by the keyed pseudonym ([`zicht_register::pseudonymise`]), so that a
//! statistical report leaves the organisation without a name. Needs only the pseudonym key.

use std::path::PathBuf;

use clap::Args;
use zicht_register::pseudonymise::pseudonymise;

use super::common::{KeyArgs, load_keys, register_error};
use crate::exit::bad_input;

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  zicht pseudonymise minors.csv --out minors-statistical.csv --key-file pseudonym.key\n\n\
    Reads given_names, family_name and birth_date, writes the same rows with a pseudonym column instead\n\
    (birth_year is kept or added) and without any direct identifier (also citizen_number, document_number\n\
    and address). Rows whose identity cannot be read are reported, none written."
)]
pub struct PseudonymiseArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub encoding: super::common::EncodingArgs,
    /// Input CSV (`,` `;` or tab) or workbook (first sheet) with given_names, family_name and (optionally) birth_date columns
    pub input: PathBuf,
    /// Output CSV
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: PseudonymiseArgs) -> anyhow::Result<()> {
    zicht_output::refuse_input(&args.out, &[&args.input]).map_err(|e| bad_input(format!("--out: {e}")))?;
    let keys = load_keys(&args.keys)?;
    let name = args.input.display().to_string();
    // The import's limits: this reads the same files, before they are imported.
    let source = super::common::open_table(&args.input, &args.encoding, zicht_store::source::ROW_FILE_LIMITS)?;
    // The output has no name until it is whole: an error or a crash leaves nothing (an unfinished file
    // would still hold the rows' other columns).
    let mut out = zicht_output::Output::create(&args.out, zicht_output::Access::Private)?;
    let done = pseudonymise(source, &name, &keys.pseudonym, &mut out).map_err(register_error)?;
    out.commit()?;
    eprintln!(
        "{} rows pseudonymised into {} (names, birth dates and every other direct identifier removed)",
        done.rows,
        args.out.display()
    );
    if done.unnamed > 0 {
        eprintln!(
            "{} of them have no known name (empty or a placeholder such as \"onbekend\"): no pseudonym; the register counts them and never links them",
            done.unnamed
        );
    }
    Ok(())
}
