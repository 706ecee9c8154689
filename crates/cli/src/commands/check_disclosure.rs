//! `zicht check-disclosure DIR`: the independent disclosure checker on a written monitor.

use std::path::PathBuf;

use clap::Args as ClapArgs;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  zicht check-disclosure monitor/\n\nRe-reads DIR/monitor.json and DIR/monitor.xlsx and fails (exit 1) on any count below 10, a\npercentage or estimate on a base below 50, a hidden cell that totals reveal, or (public edition) a\ncount that is not a multiple of 5."
)]
pub struct Args {
    /// Directory holding monitor.json and monitor.xlsx
    pub dir: PathBuf,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let s = zicht_report::verify::verify(&args.dir).map_err(|e| crate::exit::bad_input(e.to_string()))?;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        for f in &s.findings {
            eprintln!("{}: table {} row {} column {}: {}: {}", f.file, f.table, f.row, f.column, f.rule, f.detail);
        }
        eprintln!(
            "{} edition: {} tables in the JSON, {} sheets, {} cells checked, {} violations",
            s.edition,
            s.tables_json,
            s.tables_xlsx,
            s.cells,
            s.findings.len()
        );
    }
    if s.findings.is_empty() {
        Ok(())
    } else {
        Err(crate::exit::bad_input(format!(
            "{}: {} disclosure violations (first: {} table {}: {})",
            args.dir.display(),
            s.findings.len(),
            s.findings[0].file,
            s.findings[0].table,
            s.findings[0].rule
        )))
    }
}
