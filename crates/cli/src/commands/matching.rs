//! `zicht match`: deduplicate one CSV file or link two with the Fellegi–Sunter model of
//! `zicht-link` (u from random pairs, m by EM, λ from the training rules), write scored pairs
//! and, optionally, clusters with stable ids.

use super::common::{Bar, EncodingArgs, Units};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use std::time::Instant;
use zicht_output::{Access, Output};

use anyhow::Context;
use serde::Serialize;
use zicht_link::cluster::{self, Clustering};
use zicht_link::predict::{self, RuleStats};
use zicht_link::{BlockingRule, Comparison, Error as LinkError, FieldKind, LinkSpec, Model, RecordsBuilder};

use crate::exit::bad_input;

const EXAMPLE: &str = "\
Examples:
  # deduplicate one file
  zicht match reports.csv --id report_id \\
      --compare first_name:name surname:name birth_date:date postcode:postcode sex:exact \\
      --block birth_date --block surname,postcode \\
      --threshold 0.9 --out pairs.csv --clusters clusters.csv --json

  # link two files, reusing (or creating) a trained model
  zicht match left.csv right.csv --id id --compare name:name dob:date --block dob \\
      --out pairs.csv --model model.json

Field kinds: name, date, exact, text, postcode, numeric, days (days between two dates: 31 / 92 / 366).
PAIRS.csv has id_l,id_r,match_probability,match_weight; --clusters writes id,cluster.";

/// Arguments of `zicht match`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLE)]
pub struct Args {
    /// CSV file to deduplicate (or the left file when linking two).
    #[arg(value_name = "LEFT.csv")]
    pub left: PathBuf,
    /// Second CSV file: link LEFT to RIGHT instead of deduplicating LEFT.
    #[arg(value_name = "RIGHT.csv")]
    pub right: Option<PathBuf>,
    #[command(flatten)]
    pub encoding: EncodingArgs,
    /// Column holding the record id (unique within each file).
    #[arg(long, value_name = "COL")]
    pub id: String,
    /// Field comparisons as COLUMN:KIND (kinds: name, date, exact, text, postcode, numeric, days).
    #[arg(long, value_name = "COL:KIND", num_args = 1.., required = true)]
    pub compare: Vec<String>,
    /// Blocking rule: comma-joined columns that must agree exactly (repeat for a union of
    /// rules). Default: chosen from the trained model, by the recall among matches each rule
    /// adds per pair, within --max-pairs (the choice is printed).
    #[arg(long, value_name = "COLS")]
    pub block: Vec<String>,
    /// Blocking rule for EM training of m (repeatable, as --block); each rule estimates m for the
    /// fields it does not block on. Default: chosen from the data (the most discriminating
    /// column, then the smallest rules that leave it free; never a low-cardinality field alone;
    /// the choice is printed).
    #[arg(long, value_name = "COLS")]
    pub train_block: Vec<String>,
    /// COL=PRIMARY: compare COL only where PRIMARY is missing on one side or both, as COL repeats
    /// PRIMARY's evidence (birth_year=birth_date). Comparisons found to be derived from another
    /// (the year of a date, a prefix, the first name of the given names, a copy) or implied by it
    /// across records (sex by the given name, a city by its postcode) are made so without asking;
    /// the choice is printed.
    #[arg(long, value_name = "COL=PRIMARY")]
    pub fallback: Vec<String>,
    /// Count a derived comparison as evidence of its own (no automatic --fallback).
    #[arg(long)]
    pub keep_derived: bool,
    /// How pairs are scored. within-rules: λ and u fitted within each blocking rule's pairs (m
    /// from training) and each pair scored within the rule that made it, so probabilities stay
    /// calibrated where non-matches that share a blocking key resemble each other (relatives,
    /// namesakes of one nationality). global: one λ and the random pairs' u for every pair, as
    /// Splink scores.
    #[arg(long, value_enum, default_value_t = Scoring::WithinRules)]
    pub scoring: Scoring,
    /// Match-probability threshold for a pair to count as a match. The probabilities are
    /// calibrated (within-rules scoring), so 0.9 keeps links nine in ten sure; where F1 is the
    /// goal, about half the attainable F1 maximises it (0.5 is close).
    #[arg(long, value_name = "P", default_value_t = zicht_link::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Where to write the pairs at or above the threshold.
    #[arg(long, value_name = "PAIRS.csv")]
    pub out: PathBuf,
    /// Write each record's cluster (connected components at the threshold) as id,cluster.
    #[arg(long, value_name = "FILE")]
    pub clusters: Option<PathBuf>,
    /// Previous id,cluster file: existing clusters keep their ids; splits and merges are reported.
    #[arg(long, value_name = "FILE", requires = "clusters")]
    pub previous_clusters: Option<PathBuf>,
    /// Trained model (JSON): used when the file exists, else trained and written there.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Write pairs for clerical review: probability in [--review-from, --threshold).
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// A clerical review of scored pairs (id_l,id_r,match with match 1/0, yes/no, true/false):
    /// the probabilities are refitted to its decisions (Platt scaling on the match weight) before
    /// the threshold is applied. Needs at least five pairs of each decision.
    #[arg(long, value_name = "REVIEWED.csv")]
    pub calibrate: Option<PathBuf>,
    /// Lower end of the review band.
    #[arg(long, value_name = "P", default_value_t = 0.1, requires = "review")]
    pub review_from: f64,
    /// Column naming each record's source (register, file): the prior match probability is then
    /// estimated per pair of sources, as two records of one register can be far likelier the same
    /// person than a record of it and one of another (at most 14 sources).
    #[arg(long, value_name = "COL")]
    pub prior_by: Option<String>,
    /// Refuse blocking rules that make more candidate pairs than this.
    #[arg(long, value_name = "N", default_value_t = 100_000_000)]
    pub max_pairs: u64,
    /// Seed of the random pair sampling for u and training.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Explain a pair: each field's level, m, u and weight (repeatable; ids as ID_L,ID_R;
    /// with --json in the summary under "explanations", else on stderr).
    #[arg(long, value_name = "ID_L,ID_R")]
    pub explain: Vec<String>,
    /// Print a JSON summary on stdout.
    #[arg(long)]
    pub json: bool,
}

/// How `zicht match` scores pairs (`--scoring`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scoring {
    /// Within each blocking rule's pairs ([`zicht_link::model::fit_conditional`]).
    WithinRules,
    /// One model for all pairs.
    Global,
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
struct Summary {
    mode: &'static str,
    records: usize,
    pairs_scored: u64,
    pairs_above_threshold: usize,
    review_pairs: Option<usize>,
    threshold: f64,
    clusters: Option<usize>,
    new_clusters: Option<usize>,
    merges: Option<Vec<cluster::Merge>>,
    splits: Option<Vec<cluster::Split>>,
    rules: Vec<RuleStats>,
    lambda: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    source_priors: Vec<zicht_link::prior::SourcePrior>,
    model_trained: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    explanations: Vec<PairExplanation>,
    design: zicht_link::design::Design,
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration: Option<zicht_link::calibrate::Platt>,
    seconds: f64,
}

/// An explained pair in the `--json` summary.
#[derive(Debug, Serialize)]
struct PairExplanation {
    id_l: String,
    id_r: String,
    #[serde(flatten)]
    explanation: zicht_link::model::Explanation,
}

/// Runs `zicht match`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    for (name, p) in [("--threshold", args.threshold), ("--review-from", args.review_from)] {
        if !(p > 0.0 && p < 1.0) {
            return Err(bad_input(format!("{name} {p}: must lie strictly between 0 and 1")));
        }
    }
    if args.review.is_some() && args.review_from >= args.threshold {
        return Err(bad_input(format!(
            "--review-from {} must be below --threshold {}",
            args.review_from, args.threshold
        )));
    }
    refuse_writing_inputs(&args)?;
    let mut comparisons = parse_compare(&args.compare)?;
    apply_fallbacks(&mut comparisons, &args.fallback)?;
    let auto_blocking = args.block.is_empty();
    let blocking = if auto_blocking {
        // Placeholder until the model chooses the rules (the records need only compared columns).
        comparisons.iter().take(1).map(|c| BlockingRule { columns: vec![c.column.clone()] }).collect()
    } else {
        args.block
            .iter()
            .map(|b| {
                BlockingRule::parse(b)
                    .ok_or_else(|| bad_input(format!("--block {b:?}: expected comma-joined column names")))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let training = args
        .train_block
        .iter()
        .map(|b| {
            BlockingRule::parse(b)
                .ok_or_else(|| bad_input(format!("--train-block {b:?}: expected comma-joined column names")))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut spec = LinkSpec::new(comparisons, blocking);
    spec.training = training;
    spec.max_pairs = args.max_pairs;
    spec.seed = args.seed;
    spec.prior_by = args.prior_by.clone();

    let mut builder = RecordsBuilder::new(&spec);
    read_csv(&args.left, &args.encoding, &args.id, &spec, &mut builder)?;
    if let Some(right) = &args.right {
        builder.start_right();
        read_csv(right, &args.encoding, &args.id, &spec, &mut builder)?;
    }
    let records = builder.finish().map_err(|e| bad_input(format!("{}: {e}", inputs(&args))))?;
    let given = match &args.model {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Some(Model::from_json(&text).map_err(|e| bad_input(format!("{}: {e}", path.display())))?)
        }
        _ => None,
    };
    let choices = zicht_link::Choices {
        derived: !args.keep_derived,
        training: true,
        blocking: auto_blocking,
        within_rules: args.scoring == Scoring::WithinRules,
    };
    let ctl = Bar::new(false, Units::Work);
    let prepared = zicht_link::prepare(spec, &records, given, &choices, &ctl).map_err(|e| match e {
        e @ LinkError::ModelMismatch(_) => {
            bad_input(format!("{}: {e}", args.model.as_ref().map(|p| p.display().to_string()).unwrap_or_default()))
        }
        e => link_error(e, &args),
    })?;
    print_design(&prepared.design);
    let zicht_link::Prepared { spec, model, trained, refit, plan, design } = prepared;
    if (trained || refit)
        && let Some(path) = &args.model
    {
        zicht_output::write(path, model.to_json()?.as_bytes(), Access::Private)?;
    }

    let floor = if args.review.is_some() { args.review_from } else { args.threshold };
    // A calibration can move any pair across the threshold: keep (nearly) every scored pair.
    let floor = if args.calibrate.is_some() { floor.min(1e-6) } else { floor };
    let mut prediction =
        predict::predict_planned(&model, &plan, &records, floor, &ctl).map_err(|e| link_error(e, &args))?;
    ctl.clear();
    let calibration = match &args.calibrate {
        Some(path) => {
            let decisions = read_review(path, &args.encoding, &records, &prediction.pairs)?;
            let platt = zicht_link::calibrate::Platt::fit(&decisions)
                .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
            eprintln!(
                "calibrated on {} reviewed pairs ({} matches): p = 1 / (1 + exp(-({:.4} · weight + {:.4})))",
                platt.pairs, platt.matches, platt.a, platt.b
            );
            for p in &mut prediction.pairs {
                p.probability = platt.probability(p.weight);
            }
            Some(platt)
        }
        None => None,
    };

    let above: Vec<&predict::ScoredPair> =
        prediction.pairs.iter().filter(|p| p.probability >= args.threshold).collect();
    let named = |p: &&predict::ScoredPair| {
        (records.ids[p.a as usize].as_str(), records.ids[p.b as usize].as_str(), p.probability, p.weight)
    };
    write_pairs(&args.out, above.iter().map(named))?;
    let review_pairs = match &args.review {
        Some(path) => {
            let band: Vec<&predict::ScoredPair> =
                prediction.pairs.iter().filter(|p| p.probability < args.threshold).collect();
            write_pairs(path, band.iter().map(named))?;
            Some(band.len())
        }
        None => None,
    };

    let clustering: Option<Clustering> = match &args.clusters {
        Some(path) => {
            if records.link {
                let left: std::collections::HashSet<&str> =
                    records.ids[..records.n_left].iter().map(String::as_str).collect();
                if let Some(dup) = records.ids[records.n_left..].iter().find(|id| left.contains(id.as_str())) {
                    return Err(bad_input(format!(
                        "{}: id {dup:?} occurs in both files; --clusters writes one id,cluster row per id, so ids must differ between the files",
                        inputs(&args)
                    )));
                }
            }
            let previous = match &args.previous_clusters {
                Some(p) => read_previous(p, &args.encoding)?,
                None => HashMap::new(),
            };
            let c = zicht_link::cluster_pairs(&spec, &model, &records, &prediction.pairs, args.threshold, &previous)
                .map_err(|e| link_error(e, &args))?;
            let mut w = Output::create(path, Access::Private)?;
            writeln!(w, "id,cluster")?;
            for (id, cl) in records.ids.iter().zip(&c.cluster) {
                writeln!(w, "{},{cl}", csv_field(id))?;
            }
            w.commit()?;
            Some(c)
        }
        None => None,
    };

    let mut explanations = Vec::new();
    for pair in &args.explain {
        let Some((l, r)) = pair.split_once(',') else {
            return Err(bad_input(format!("--explain {pair:?}: expected ID_L,ID_R")));
        };
        let (l, r) = (l.trim(), r.trim());
        let find = |id: &str, range: std::ops::Range<usize>| {
            records.ids[range.clone()].iter().position(|x| x == id).map(|k| k + range.start)
        };
        let right_range = if records.link { records.n_left..records.len() } else { 0..records.len() };
        let (Some(i), Some(j)) = (find(l, 0..records.n_left), find(r, right_range)) else {
            return Err(bad_input(format!(
                "--explain {pair:?}: no record with id {l:?} (left) and {r:?} ({})",
                if records.link { "right" } else { "same file" }
            )));
        };
        let explanation = model.explain(&records, i, j).map_err(anyhow::Error::new)?;
        if !args.json {
            eprintln!(
                "{l} – {r}: weight {:.3}, probability {:.6} (prior {:.3})",
                explanation.match_weight, explanation.match_probability, explanation.prior_weight
            );
            for f in &explanation.fields {
                eprintln!(
                    "  {:<20} {:<26} weight {:>8.3} tf {:>7.3}  ({:?} / {:?})",
                    f.column, f.level, f.weight, f.tf_adjustment, f.left, f.right
                );
            }
        }
        explanations.push(PairExplanation { id_l: l.to_string(), id_r: r.to_string(), explanation });
    }
    let summary = Summary {
        mode: if records.link { "link" } else { "dedupe" },
        records: records.len(),
        pairs_scored: prediction.scored,
        pairs_above_threshold: above.len(),
        review_pairs,
        threshold: args.threshold,
        clusters: clustering.as_ref().map(|c| c.clusters),
        new_clusters: clustering.as_ref().map(|c| c.new_clusters),
        merges: clustering.as_ref().map(|c| c.merges.clone()),
        splits: clustering.as_ref().map(|c| c.splits.clone()),
        rules: prediction.rules,
        lambda: model.lambda,
        source_priors: model.source_priors.clone(),
        model_trained: trained,
        explanations,
        design,
        calibration,
        seconds: started.elapsed().as_secs_f64(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        eprintln!(
            "{} records, {} pairs scored, {} at or above {}{} in {:.2} s",
            summary.records,
            summary.pairs_scored,
            summary.pairs_above_threshold,
            summary.threshold,
            summary.clusters.map(|c| format!(", {c} clusters")).unwrap_or_default(),
            summary.seconds
        );
    }
    Ok(())
}

/// Says on stderr what the run chose from the data, and why, and what it warns of.
fn print_design(design: &zicht_link::design::Design) {
    for w in &design.warnings {
        eprintln!("warning: {w}");
    }
    for d in &design.derived {
        eprintln!(
            "{} is {} {} on {:.1} % of {} records: compared only where {} is missing (--keep-derived to count both)",
            d.column,
            d.how,
            d.from,
            100.0 * d.share,
            d.records,
            d.from
        );
    }
    for c in &design.training {
        eprintln!("training rule {} ({} pairs): {}", c.rule, c.pairs, c.reason);
    }
    for c in &design.blocking {
        eprintln!("blocking rule {} ({} pairs): {}", c.rule, c.pairs, c.reason);
    }
    if let Some(recall) = design.blocking_recall {
        eprintln!("blocking: estimated recall among matches {recall:.3} (give --block to choose the rules)");
    }
}

fn inputs(args: &Args) -> String {
    match &args.right {
        Some(r) => format!("{} and {}", args.left.display(), r.display()),
        None => args.left.display().to_string(),
    }
}

/// Library errors caused by the input (bad spec, too many pairs, empty input) exit 1.
fn link_error(e: LinkError, args: &Args) -> anyhow::Error {
    match e {
        LinkError::TooManyPairs { .. } => bad_input(format!("{}: --block: {e}", inputs(args))),
        LinkError::Spec(_) | LinkError::Empty(_) | LinkError::DuplicateId { .. } | LinkError::Arity { .. } => {
            bad_input(format!("{}: {e}", inputs(args)))
        }
        other => anyhow::Error::new(other),
    }
}

/// The `(match weight, decision)` of each reviewed pair, its weight from this run's scores. Names
/// file, line and field for an unknown id, a pair not scored, or a decision that is not 1/0.
fn read_review(
    path: &Path,
    encoding: &EncodingArgs,
    records: &zicht_link::Records,
    pairs: &[predict::ScoredPair],
) -> anyhow::Result<Vec<(f64, bool)>> {
    let source = open(path, encoding)?;
    let mut rdr = csv::ReaderBuilder::new().delimiter(source.delimiter).from_reader(source.reader);
    let headers = rdr.headers().map_err(|e| bad_input(format!("{}: line 1: {e}", path.display())))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            bad_input(format!("{}: line 1: no column {name:?}; a review has id_l,id_r,match", path.display()))
        })
    };
    let (l, r, m) = (col("id_l")?, col("id_r")?, col("match")?);
    let index: HashMap<&str, Vec<usize>> = records.ids.iter().enumerate().fold(HashMap::new(), |mut h, (i, id)| {
        h.entry(id.as_str()).or_insert_with(Vec::new).push(i);
        h
    });
    let mut out = Vec::new();
    for (k, row) in rdr.records().enumerate() {
        let line = k + 2;
        let row = row.map_err(|e| bad_input(format!("{}: line {line}: {e}", path.display())))?;
        let decision = match row.get(m).unwrap_or("").trim().to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "match" | "ja" => true,
            "0" | "no" | "false" | "non-match" | "nee" => false,
            other => {
                return Err(bad_input(format!(
                    "{}: line {line}: field \"match\": {other:?} is not a decision; write 1 (the same person) or 0 (not)",
                    path.display()
                )));
            }
        };
        let find = |field: &str, id: &str| {
            index.get(id).cloned().ok_or_else(|| {
                bad_input(format!("{}: line {line}: field {field:?}: no record with id {id:?}", path.display()))
            })
        };
        let (a, b) = (find("id_l", row.get(l).unwrap_or("").trim())?, find("id_r", row.get(r).unwrap_or("").trim())?);
        let scored = a
            .iter()
            .flat_map(|&i| b.iter().map(move |&j| (i.min(j) as u32, i.max(j) as u32)))
            .find_map(|key| pairs.binary_search_by_key(&key, |p| (p.a, p.b)).ok().map(|x| pairs[x].weight));
        let Some(weight) = scored else {
            return Err(bad_input(format!(
                "{}: line {line}: the pair {} – {} was not scored in this run (no blocking rule makes it); review pairs from this run's --review file",
                path.display(),
                row.get(l).unwrap_or(""),
                row.get(r).unwrap_or("")
            )));
        };
        out.push((weight, decision));
    }
    Ok(out)
}

/// Applies `--fallback COL=PRIMARY` to the comparisons.
fn apply_fallbacks(comparisons: &mut [Comparison], items: &[String]) -> anyhow::Result<()> {
    for item in items {
        let Some((col, primary)) = item.split_once('=') else {
            return Err(bad_input(format!("--fallback {item:?}: expected COL=PRIMARY, e.g. birth_year=birth_date")));
        };
        let (col, primary) = (col.trim(), primary.trim());
        if col == primary || !comparisons.iter().any(|c| c.column == primary) {
            return Err(bad_input(format!(
                "--fallback {item:?}: {primary:?} must be another compared column (--compare)"
            )));
        }
        let Some(c) = comparisons.iter_mut().find(|c| c.column == col) else {
            return Err(bad_input(format!("--fallback {item:?}: {col:?} is not a compared column (--compare)")));
        };
        c.fallback_for = Some(primary.to_string());
    }
    Ok(())
}

fn parse_compare(items: &[String]) -> anyhow::Result<Vec<Comparison>> {
    let mut out: Vec<Comparison> = Vec::new();
    for item in items.iter().flat_map(|s| s.split_whitespace()) {
        let Some((col, kind)) = item.rsplit_once(':') else {
            return Err(bad_input(format!("--compare {item:?}: expected COLUMN:KIND, e.g. surname:name")));
        };
        let Some(kind) = FieldKind::parse(kind) else {
            let kinds: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(bad_input(format!(
                "--compare {item:?}: unknown kind {kind:?}; kinds are {}",
                kinds.join(", ")
            )));
        };
        if col.is_empty() {
            return Err(bad_input(format!("--compare {item:?}: empty column name")));
        }
        if out.iter().any(|c| c.column == col) {
            return Err(bad_input(format!("--compare {item:?}: column {col:?} is compared twice")));
        }
        out.push(Comparison::new(col, kind));
    }
    if out.len() > zicht_link::model::MAX_COMPARISONS {
        return Err(bad_input(format!("--compare: at most {} comparisons", zicht_link::model::MAX_COMPARISONS)));
    }
    Ok(out)
}

/// `path` opened as every file of rows about people is: any encoding or separator, or a workbook, with
/// the limits of [`zicht_store::source::ROW_FILE_LIMITS`] (a wrong file, `/dev/zero` or a binary, is not
/// buffered whole, and reading stops naming file, line and limit).
fn open(path: &Path, encoding: &EncodingArgs) -> anyhow::Result<zicht_store::source::Table> {
    super::common::open_table(path, encoding, zicht_store::source::ROW_FILE_LIMITS)
}

/// Streams one file of records into the builder.
fn read_csv(
    path: &Path,
    encoding: &EncodingArgs,
    id_col: &str,
    spec: &LinkSpec,
    builder: &mut RecordsBuilder,
) -> anyhow::Result<()> {
    let source = open(path, encoding)?;
    let cell_errors = source.cell_errors;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(source.delimiter)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, source.reader));
    let headers = rdr
        .headers()
        .map_err(|e| bad_input(format!("{}: line 1: cannot read the header: {e}", path.display())))?
        .clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(bad_input(format!("{}: the file is empty (no header line)", path.display())));
    }
    let names: Vec<String> = headers.iter().map(str::to_string).collect();
    zicht_store::source::refuse_cell_error(&cell_errors, None, &names)
        .map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let id = find(id_col).ok_or_else(|| {
        bad_input(format!("{}: line 1: id column {id_col:?} (--id) is not in the header", path.display()))
    })?;
    let cols: Vec<usize> = spec
        .columns()
        .iter()
        .map(|c| {
            find(c).ok_or_else(|| {
                let flag = if spec.comparisons.iter().any(|x| &x.column == c) {
                    "--compare"
                } else if spec.blocking.iter().any(|r| r.columns.contains(c)) {
                    "--block"
                } else if spec.prior_by.as_ref() == Some(c) {
                    "--prior-by"
                } else {
                    "--train-block"
                };
                bad_input(format!("{}: line 1: column {c:?} ({flag}) is not in the header", path.display()))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    // Columns compared as names: their placeholders are missing values.
    let is_name: Vec<bool> = spec
        .columns()
        .iter()
        .map(|c| spec.comparisons.iter().any(|x| &x.column == c && x.kind == zicht_link::FieldKind::Name))
        .collect();
    // Rows are read in batches whose values are normalised in parallel.
    const BATCH: usize = 32_768;
    // Records are reused from batch to batch, so their buffers are allocated once.
    let mut batch: Vec<csv::StringRecord> = Vec::with_capacity(BATCH);
    let mut n = 0usize;
    let mut done = false;
    while !done {
        let mut filled = 0;
        while filled < BATCH {
            if filled == batch.len() {
                batch.push(csv::StringRecord::new());
            }
            match rdr.read_record(&mut batch[filled]) {
                Ok(false) => {
                    done = true;
                    break;
                }
                // A row of empty cells (`,,,`, as Excel leaves below the data) is no record.
                Ok(true) if batch[filled].iter().all(|f| f.trim().is_empty()) => {}
                Ok(true) => filled += 1,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(bad_input(format!("{}: line {line}: {e}", path.display())));
                }
            }
        }
        let mut rows: Vec<(&str, Vec<Option<&str>>)> = Vec::with_capacity(filled);
        for row in &batch[..filled] {
            let rid = row[id].trim();
            if rid.is_empty() {
                let line = row.position().map_or(0, |p| p.line());
                return Err(bad_input(format!(
                    "{}: line {line}: field {id_col:?}: the id is empty; every record needs an id",
                    path.display()
                )));
            }
            rows.push((
                rid,
                cols.iter()
                    .zip(&is_name)
                    .map(|(&c, &name)| {
                        let v = Some(row[c].trim()).filter(|v| !v.is_empty());
                        // A placeholder (`onbekend`, `-`, `N/A`) says the name is not known: compared, it
                        // would make everyone unnamed agree, as `zicht link` never lets it.
                        if name { v.and_then(zicht_model::pseudonym::known_name) } else { v }
                    })
                    .collect(),
            ));
        }
        builder.push_batch(&rows).map_err(|(k, e)| {
            let line = batch[k].position().map_or(0, |p| p.line());
            match e {
                LinkError::DuplicateId { id, .. } => bad_input(format!(
                    "{}: line {line}: field {id_col:?}: duplicate id {id:?}; ids must be unique within a file",
                    path.display()
                )),
                other => bad_input(format!("{}: line {line}: {other}", path.display())),
            }
        })?;
        n += rows.len();
    }
    if n == 0 {
        return Err(bad_input(format!("{}: the file has a header but no records", path.display())));
    }
    Ok(())
}

fn read_previous(path: &Path, encoding: &EncodingArgs) -> anyhow::Result<HashMap<String, u64>> {
    let source = open(path, encoding)?;
    let mut rdr = csv::ReaderBuilder::new().delimiter(source.delimiter).from_reader(source.reader);
    let headers = rdr.headers().map_err(|e| bad_input(format!("{}: line 1: {e}", path.display())))?.clone();
    let (Some(i), Some(c)) = (headers.iter().position(|h| h == "id"), headers.iter().position(|h| h == "cluster"))
    else {
        return Err(bad_input(format!("{}: line 1: expected columns id,cluster", path.display())));
    };
    let mut out = HashMap::new();
    for row in rdr.records() {
        let row = row.map_err(|e| bad_input(format!("{}: {e}", path.display())))?;
        let line = row.position().map_or(0, |p| p.line());
        let cluster: u64 = row[c].trim().parse().map_err(|_| {
            bad_input(format!(
                "{}: line {line}: field \"cluster\": {:?} is not a non-negative integer",
                path.display(),
                &row[c]
            ))
        })?;
        out.insert(row[i].trim().to_string(), cluster);
    }
    Ok(out)
}

/// Writes scored pairs `(id_l, id_r, probability, weight)` as `id_l,id_r,match_probability,match_weight`.
pub(crate) fn write_pairs<'a>(
    path: &Path,
    pairs: impl Iterator<Item = (&'a str, &'a str, f64, f64)>,
) -> anyhow::Result<()> {
    let mut w = Output::create(path, Access::Private)?;
    writeln!(w, "id_l,id_r,match_probability,match_weight")?;
    for (a, b, probability, weight) in pairs {
        writeln!(w, "{},{},{},{:.4}", csv_field(a), csv_field(b), probability, weight)?;
    }
    w.commit()?;
    Ok(())
}

/// A CSV field a spreadsheet shows as text ([`zicht_output::spreadsheet_safe`]), quoted when needed.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    let s = zicht_output::spreadsheet_safe(s);
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")).into() } else { s }
}

/// Refuses an output path that is an input (`--out b.csv` with `b.csv` as the right file would replace
/// it) or another output of the same run.
fn refuse_writing_inputs(args: &Args) -> anyhow::Result<()> {
    let mut inputs: Vec<&Path> = vec![&args.left];
    inputs.extend(args.right.as_deref());
    inputs.extend(args.previous_clusters.as_deref());
    let model_read = args.model.as_deref().filter(|p| p.exists());
    inputs.extend(model_read);
    let mut outputs: Vec<(&str, &Path)> = vec![("--out", &args.out)];
    outputs.extend(args.clusters.as_deref().map(|p| ("--clusters", p)));
    outputs.extend(args.review.as_deref().map(|p| ("--review", p)));
    if model_read.is_none() {
        outputs.extend(args.model.as_deref().map(|p| ("--model", p)));
    }
    for (i, (flag, out)) in outputs.iter().enumerate() {
        zicht_output::refuse_input(out, &inputs).map_err(|e| bad_input(format!("{flag}: {e}")))?;
        if let Some((other, _)) = outputs[..i].iter().find(|(_, o)| zicht_output::same_file(o, out)) {
            return Err(bad_input(format!("{flag} {}: is also {other}; give each output its own path", out.display())));
        }
    }
    Ok(())
}
