//! `zicht check-disclosure DIR`: the independent disclosure checker on a written monitor.

use std::path::PathBuf;

use clap::Args as ClapArgs;

#[derive(Debug, ClapArgs)]
#[command(
    after_help = "Example:\n  zicht check-disclosure monitor-2023/ --with monitor-2022/\n\nRe-reads DIR/monitor.json and DIR/monitor.xlsx and fails (exit 1) on any count below 10, a\npercentage or estimate on a base below 50, a mark that tells a bound, or (public edition) a count\nthat is not a multiple of 5; then solves the intruder's linear programs over every published number\n(of DIR and of every --with release) and fails on any hidden count that they narrow to a small range."
)]
pub struct Args {
    /// Directory holding monitor.json and monitor.xlsx
    pub dir: PathBuf,
    /// An earlier release (its directory) to audit jointly with DIR
    #[arg(long = "with", value_name = "DIR")]
    pub with: Vec<PathBuf>,
    /// Print the result as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let with: Vec<&std::path::Path> = args.with.iter().map(PathBuf::as_path).collect();
    let s = zicht_report::verify::verify_with(&args.dir, &with).map_err(|e| crate::exit::bad_input(e.to_string()))?;
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
