//! `zicht pseudonymise`: for a reporting organisation, offline. Replaces the identity columns of a
//! reports (or events) CSV by the keyed pseudonym, so that a statistical report leaves the organisation
//! without a name. Needs only the pseudonym key.

use std::path::PathBuf;

use clap::Args;
use zicht_model::Pseudonym;
use zicht_model::pseudonym::known_name;
use zicht_model::row::parse_birth_date;

use super::common::{KeyArgs, load_keys};
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

/// Every direct identifier the register knows is removed, not only the name and birth date: a citizen
/// number, document number or address left in would identify the person as well (and import refuses
/// them on a statistical report).
const DROPPED: [&str; 6] = zicht_model::IDENTIFYING_COLUMNS;

pub fn run(args: PseudonymiseArgs) -> anyhow::Result<()> {
    zicht_output::refuse_input(&args.out, &[&args.input]).map_err(|e| bad_input(format!("--out: {e}")))?;
    let keys = load_keys(&args.keys)?;
    let name = args.input.display().to_string();
    // The import's limits: this reads the same files, before they are imported.
    let source = super::common::open_table(&args.input, &args.encoding, zicht_store::source::ROW_FILE_LIMITS)?;
    let cell_errors = source.cell_errors;
    let mut rdr = csv::ReaderBuilder::new().delimiter(source.delimiter).from_reader(source.reader);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| bad_input(format!("{name}: line 1: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |c: &str| header.iter().position(|h| h == c);
    let (given, family, birth) = (col("given_names"), col("family_name"), col("birth_date"));
    if given.is_none() && family.is_none() {
        return Err(bad_input(format!("{name}: line 1: needs a given_names or family_name column")));
    }
    if col("pseudonym").is_some() {
        return Err(bad_input(format!("{name}: line 1, column \"pseudonym\": the file already has pseudonyms")));
    }
    let birth_year = col("birth_year");
    let keep: Vec<usize> = (0..header.len()).filter(|i| !DROPPED.contains(&header[*i].as_str())).collect();
    // The output has no name until it is whole: an error or a crash leaves nothing (an unfinished file
    // would still hold the rows' other columns).
    let mut out = csv::Writer::from_writer(zicht_output::Output::create(&args.out, zicht_output::Access::Private)?);
    let mut out_header: Vec<&str> = keep.iter().map(|i| header[*i].as_str()).collect();
    if birth_year.is_none() {
        out_header.push("birth_year");
    }
    out_header.push("pseudonym");
    out.write_record(&out_header)?;
    // The output is CSV with commas whatever the input's separator.
    let (mut rows, mut unnamed) = (0u64, 0u64);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| bad_input(format!("{name}: {e}")))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        // A row of empty cells (`;;;`, as Excel leaves below the data) is no row.
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        zicht_store::source::refuse_cell_error(&cell_errors, Some(line), &header)
            .map_err(|e| bad_input(format!("{name}: {e}")))?;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
        let date = match get(birth) {
            "" => None,
            d => Some(
                parse_birth_date(d).map_err(|rule| bad_input(format!("{name}:{line}: column birth_date: {rule}")))?,
            ),
        };
        // A placeholder name (`onbekend`, `-`) is not known: no pseudonym, so the register counts the
        // report and never links it (the pseudonym of a placeholder is shared by everyone unnamed).
        let (g, f) = (known_name(get(given)).unwrap_or(""), known_name(get(family)).unwrap_or(""));
        let p = (!g.is_empty() || !f.is_empty()).then(|| Pseudonym::of(&keys.pseudonym, g, f, date));
        unnamed += u64::from(p.is_none());
        let mut fields: Vec<String> = keep.iter().map(|i| rec.get(*i).unwrap_or("").to_string()).collect();
        if birth_year.is_none() {
            fields.push(date.map(|d| chrono::Datelike::year(&d).to_string()).unwrap_or_default());
        } else if let (Some(d), Some(pos)) = (date, keep.iter().position(|i| Some(*i) == birth_year))
            && fields[pos].trim().is_empty()
        {
            fields[pos] = chrono::Datelike::year(&d).to_string();
        }
        fields.push(p.map(|p| p.to_hex()).unwrap_or_default());
        out.write_record(&fields)?;
        rows += 1;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("writing {}: {}", args.out.display(), e.error()))?.commit()?;
    eprintln!(
        "{rows} rows pseudonymised into {} (names, birth dates and every other direct identifier removed)",
        args.out.display()
    );
    if unnamed > 0 {
        eprintln!(
            "{unnamed} of them have no known name (empty or a placeholder such as \"onbekend\"): no pseudonym; the register counts them and never links them"
        );
    }
    Ok(())
}
