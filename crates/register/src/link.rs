//! Linkage of the register: reports → persons, follow-up events → persons, with stable person ids.
//!
//! Identified records are compared on their identity (opened from the vault, an audited read) and every
//! record on its keyed pseudonym, so that a statistical report joins the person whose identified reports
//! carry the same pseudonym, without anyone seeing who it is. Fellegi–Sunter with EM (`zicht-link`);
//! a cluster that holds at least one report is a person; events in clusters without a report belong to
//! nobody in the register (people who were never reported as victims).

use std::collections::{HashMap, HashSet};

use zicht_link::{BlockingRule, Comparison, FieldKind, LinkSpec, Progress, RecordsBuilder};
use zicht_model::Layers;
use zicht_model::pseudonym::{PARTICLES, known_name};
use zicht_store::linkage::{Assignment, LinkRecord, RunSummary, Table};

use crate::{Register, RegisterError};

/// How to link: the match probability at or above which two records are one person, and, for
/// clerical review, the lower end of the band of pairs below it to return.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    pub threshold: f64,
    pub review_from: Option<f64>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions { threshold: zicht_link::DEFAULT_THRESHOLD, review_from: None }
    }
}

impl LinkOptions {
    /// The caller's error when the threshold is no probability or the review band is empty; the
    /// messages name the command line's options, which a form's fields mirror.
    pub fn check(&self) -> Result<(), RegisterError> {
        let threshold = self.threshold;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(RegisterError::Input(format!("--threshold {threshold}: must lie in [0, 1]")));
        }
        if let Some(from) = self.review_from
            && !(from > 0.0 && from < threshold)
        {
            return Err(RegisterError::Input(format!(
                "--review-from {from}: must lie above 0 and below --threshold {threshold}"
            )));
        }
        Ok(())
    }
}

/// A pair for clerical review: record ids (`r<reports.id>`, `e<events.id>`), probability, weight (bits).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewPair {
    pub left: String,
    pub right: String,
    pub probability: f64,
    pub weight: f64,
}

/// What a linkage run did: its counts (also recorded in the register) and the review band.
#[derive(Debug, Clone)]
pub struct LinkRun {
    pub summary: RunSummary,
    pub review: Vec<ReviewPair>,
}

/// Comparisons and blocking for persons. Records with the same keyed pseudonym of a full identity
/// (all name tokens and the birth date), or the same match key (the name without particles, or
/// with only its first given name, or the Soundex codes of the latter, and the birth date:
/// `zicht_model::pseudonym::match_keys`), are one person outright: that is how a statistical
/// report, which keeps nothing else that identifies, joins its person. The pseudonym is not also
/// a comparison, because its agreement is implied by the name and birth date and would count twice.
/// Compared are the citizen service number and the identity-document number (exact; each also a
/// blocking rule), the name (particles dropped, token subsets, Jaro–Winkler / Monge–Elkan levels),
/// the birth date (exact with term frequencies, as registers default unknown days to 1 January /
/// swapped / one edit / same year levels), sex and nationality. Where one side has no full birth
/// date, the keyed birth date stands in for it, and where one side has neither, the birth year
/// (exact / within a year / else); where one side has no name (a statistical report), match key
/// (c), whose disagreement when the birth dates agree says that the names differ beyond a typo
/// that keeps their Soundex codes (−3.8 bits on seed 5; its agreement joins the two outright
/// anyway). The bare year is its own comparison rather than a level of the
/// birth date so that EM learns how often it agrees among matches that have one: as a level of
/// the birth date its m also carried how rarely a match has a bare year at all (+2.5 bits for
/// agreement where it is now +5.3).
/// Two reports are also compared on what they say about the episode: the days between their
/// report dates, the municipality of exploitation (exact, with term frequencies, as a few cities
/// hold most reports), the form of exploitation and the means of control (exact codes, with term
/// frequencies). Organisations refer victims to each other, so one episode is reported by several
/// of them within weeks, in one place and in the same terms, which settles pairs whose identities
/// are incomplete (a bare birth year, a name many people share, a statistical report); a
/// follow-up event is another episode, so it is null on all of them and they weigh nothing there.
/// They weigh in the match weight but never veto a join (`Comparison::episode`): a person
/// reported again years later, elsewhere, for another form of exploitation is still one person
/// when the identity says so.
/// Candidate pairs share a citizen or document number; or a birth date and the initial of the
/// family or of the given name, or both initials in either order (a register that swaps given and
/// family name); a birth date alone makes blocks of thousands where registers default unknown days
/// to 1 January; or the whole name and the birth year (catches day/month errors); or the whole name
/// and the municipality, or the report year and the family name or the first given name (two
/// reports of one episode where one has no birth date or a typo in the name); or the keyed birth
/// date and nationality (a statistical report whose name has a typo; the key is compared only
/// where one side has no plain birth date: `Comparison::fallback_for`); or, among reports only (a
/// few thousand records, so these blocks are small), the whole name, or the family name or the
/// first given name with the birth year or the municipality (reports of one person years apart,
/// one without a birth date or with a typo in a name).
///
/// The prior is per pair of sources (`LinkSpec::prior_by`, Sadinle & Fienberg 2013): two reports
/// in the victims' register are the same person about once in 27,000 pairs, a report and a police
/// record once in 180,000, two police records once in 280,000; one λ for all is set by the police
/// register and put the prior of two reports 2.5 bits too low.
///
/// EM trains on rules that each leave some fields free to disagree (as Splink does): never on a
/// single low-cardinality field such as sex, whose block is half the register, and not on the
/// pseudonym, whose block holds only exact names and birth dates and would teach EM that matches
/// never differ in them. Nor on the name and birth year: the birth year is part of the birth date,
/// so in that block every pair, matching or not, agrees at least on the year, and EM explained the
/// many different people with one name and birth year by raising m of "same year" (+3.3 bits
/// where it is now −14: two full birth dates that share only the year are two people).
pub fn spec() -> LinkSpec {
    let mut spec = LinkSpec::new(
        vec![
            Comparison::new("name", FieldKind::Name),
            Comparison { tf: true, ..Comparison::new("birth_date", FieldKind::Date) },
            Comparison::new("sex", FieldKind::Exact),
            Comparison::new("nationality", FieldKind::Exact),
            Comparison::new("citizen_number", FieldKind::Exact),
            Comparison::new("document_number", FieldKind::Exact),
            Comparison::new("birth_date_key", FieldKind::Exact).fallback_for("birth_date"),
            Comparison::new("birth_year", FieldKind::Date).fallback_for("birth_date_key"),
            Comparison::new("match_key_c", FieldKind::Exact).fallback_for("name"),
            Comparison::new("report_date", FieldKind::Days).episode(),
            Comparison { tf: true, ..Comparison::new("municipality", FieldKind::Exact) }.episode(),
            Comparison { tf: true, ..Comparison::new("exploitation", FieldKind::Exact) }.episode(),
            Comparison { tf: true, ..Comparison::new("means_of_control", FieldKind::Exact) }.episode(),
        ],
        vec![
            BlockingRule::on(&["citizen_number"]),
            BlockingRule::on(&["document_number"]),
            BlockingRule::on(&["birth_date", "family_initial"]),
            BlockingRule::on(&["birth_date", "given_initial"]),
            BlockingRule::on(&["birth_date", "initials"]),
            BlockingRule::on(&["name", "birth_year"]),
            BlockingRule::on(&["name", "municipality"]),
            BlockingRule::on(&["birth_date_key", "nationality"]),
            BlockingRule::on(&["report_year", "family"]),
            BlockingRule::on(&["report_year", "given"]),
            BlockingRule::on(&["report", "name"]),
            BlockingRule::on(&["report", "family", "birth_year"]),
            BlockingRule::on(&["report", "given", "birth_year"]),
            BlockingRule::on(&["report", "family", "municipality"]),
            BlockingRule::on(&["report", "given", "municipality"]),
        ],
    );
    spec.veto_evidence = Some(VETO_BITS);
    spec.person_keys = vec!["citizen_number".into()];
    spec.prior_by = Some("source".into());
    spec.link_keys = vec!["pseudonym".into(), "match_key_a".into(), "match_key_b".into(), "match_key_c".into()];
    spec.training = vec![BlockingRule::on(&["citizen_number"]), BlockingRule::on(&["birth_date", "family_initial"])];
    spec
}

/// Two groups of records are never joined into one person when a pair across them has evidence of
/// 2^-10 (about a thousand to one) against being the same person in what identifies a person
/// (birth dates or names that disagree outright, whatever else agrees; not the episode fields),
/// or two different citizen service numbers (a person has one). Without it a record with only a
/// common name and no birth date chains different people with that name into one.
const VETO_BITS: f64 = 10.0;

/// What the register compares and blocks on for one record, derived once from it (and from its
/// identity, opened from the vault): the parts of the name, the keys, the episode it reports.
struct Features<'r> {
    record: &'r LinkRecord,
    /// The keyed pseudonym, where it identifies (a full name and a birth date, not placeholders).
    pseudonym: Option<&'r str>,
    name: Option<String>,
    birth_date: Option<String>,
    birth_date_key: Option<String>,
    birth_year: Option<String>,
    match_keys: Vec<String>,
    family: Option<String>,
    given: Option<String>,
    family_initial: Option<String>,
    given_initial: Option<String>,
    initials: Option<String>,
    report_year: Option<&'r str>,
}

impl<'r> Features<'r> {
    fn of(r: &'r LinkRecord, layers: &Layers<'_>, placeholders: &HashSet<String>) -> Features<'r> {
        let identity = r.identity.as_ref();
        // Placeholders (`onbekend`, `-`) stored before import recognised them are unknown names here too.
        let given_names = identity.and_then(|i| i.given_names.as_deref()).and_then(known_name);
        let family_name = identity.and_then(|i| i.family_name.as_deref()).and_then(known_name);
        let named = given_names.is_some() || family_name.is_some();
        let name = identity
            .map(|_| format!("{} {}", given_names.unwrap_or(""), family_name.unwrap_or("")).trim().to_string())
            .filter(|n| !n.is_empty());
        let birth_year = r
            .birth_year
            .or_else(|| identity.and_then(|i| i.birth_date).map(|d| i64::from(chrono::Datelike::year(&d))))
            .map(|y| y.to_string());
        // The keyed birth date: a statistical report's from import; an identified record's from its
        // identity. It is compared only where one side has no plain birth date (a fallback), so a
        // statistical report that has it does not also offer its bare birth year.
        let birth_date_key = match (identity, r.birth_date_key.as_deref()) {
            (Some(i), _) => i.birth_date.map(|b| layers.birth_date_key(b).to_hex()),
            (None, stored) => stored.map(str::to_string),
        };
        // Match keys: a statistical report's from import; an identified record's from its identity.
        // Reports imported before key (c) existed keep two keys.
        let match_keys: Vec<String> = match (identity, r.match_keys.as_deref()) {
            (Some(i), _) => layers
                .match_keys(given_names.unwrap_or(""), family_name.unwrap_or(""), i.birth_date)
                .map(|k| k.iter().map(|p| p.to_hex()).collect())
                .unwrap_or_default(),
            (None, Some(stored)) => stored.split_whitespace().map(str::to_string).collect(),
            (None, None) => Vec::new(),
        };
        let family = first_token(family_name);
        let given = first_token(given_names);
        let family_initial = initial(family.as_deref());
        let given_initial = initial(given.as_deref());
        // Both initials in either order: a register that swaps given and family name keeps the pair.
        let initials = match (&given_initial, &family_initial) {
            (Some(g), Some(f)) => Some(if g <= f { format!("{g}{f}") } else { format!("{f}{g}") }),
            _ => None,
        };
        // Without a birth date the pseudonym is of a name alone, which many people share. Nor is a
        // pseudonym of placeholders alone, or of an identity without a known name.
        let pseudonym = (identity.is_none_or(|i| i.birth_date.is_some() && named)
            && !placeholders.contains(&r.pseudonym))
        .then_some(r.pseudonym.as_str());
        Features {
            record: r,
            pseudonym,
            name,
            birth_date: identity.and_then(|i| i.birth_date).map(|d| d.to_string()),
            birth_date_key,
            birth_year,
            match_keys,
            family,
            given,
            family_initial,
            given_initial,
            initials,
            report_year: (r.table == Table::Reports).then(|| r.date.get(..4)).flatten(),
        }
    }

    fn is_report(&self) -> bool {
        self.record.table == Table::Reports
    }
}

/// Reads one column of a record's [`Features`].
type Read = for<'a> fn(&'a Features<'_>) -> Option<&'a str>;

/// Every column the register's linkage specification can name, and how a record gives it: one
/// owner, so that a column of [`spec`] no record has is an error, not a silently empty field.
const FEATURES: [(&str, Read); 24] = [
    ("pseudonym", |f| f.pseudonym),
    ("name", |f| f.name.as_deref()),
    ("birth_date", |f| f.birth_date.as_deref()),
    ("birth_date_key", |f| f.birth_date_key.as_deref()),
    ("birth_year", |f| f.birth_year.as_deref()),
    ("sex", |f| f.record.sex.as_deref().filter(|s| *s != "unknown")),
    ("nationality", |f| f.record.nationality.as_deref()),
    ("match_key_a", |f| f.match_keys.first().map(String::as_str)),
    ("match_key_b", |f| f.match_keys.get(1).map(String::as_str)),
    ("match_key_c", |f| f.match_keys.get(2).map(String::as_str)),
    ("citizen_number", |f| f.record.identity.as_ref().and_then(|i| i.citizen_number.as_deref())),
    ("document_number", |f| f.record.identity.as_ref().and_then(|i| i.document_number.as_deref())),
    ("report_date", |f| f.is_report().then_some(f.record.date.as_str())),
    ("municipality", |f| f.record.municipality.as_deref()),
    ("exploitation", |f| f.record.exploitation.as_deref()),
    ("means_of_control", |f| f.record.means_of_control.as_deref()),
    ("family_initial", |f| f.family_initial.as_deref()),
    ("given_initial", |f| f.given_initial.as_deref()),
    ("initials", |f| f.initials.as_deref()),
    ("family", |f| f.family.as_deref()),
    ("given", |f| f.given.as_deref()),
    ("report_year", |f| f.report_year),
    ("report", |f| f.is_report().then_some("1")),
    ("source", |f| Some(if f.is_report() { "report" } else { "event" })),
];

fn record_id(r: &LinkRecord) -> String {
    match r.table {
        Table::Reports => format!("r{}", r.row_id),
        Table::Events => format!("e{}", r.row_id),
    }
}

/// A name's first token that is not a particle (or its first token), after normalisation.
fn first_token(name: Option<&str>) -> Option<String> {
    let tokens = zicht_model::pseudonym::name_tokens(name?);
    tokens.iter().find(|t| !PARTICLES.contains(&t.as_str())).or(tokens.first()).cloned()
}

/// The first letter of [`first_token`].
fn initial(token: Option<&str>) -> Option<String> {
    token?.chars().next().map(String::from)
}

/// Person ids are `P` and seven digits, from the linkage's stable cluster numbers.
fn person_id(n: u64) -> String {
    format!("P{n:07}")
}

fn person_number(id: &str) -> Option<u64> {
    id.strip_prefix('P')?.parse().ok()
}

/// Links everything in the register and writes the persons (see the module doc).
pub async fn link(reg: &Register, opts: &LinkOptions, progress: &dyn Progress) -> Result<LinkRun, RegisterError> {
    let (store, keys, actor) = (&reg.store, reg.keys()?, reg.actor.as_str());
    opts.check()?;
    let threshold = opts.threshold;
    if store.counts().await?.reports == 0 {
        return Err(RegisterError::Input(
            "the register has no reports to link: import reports first (`zicht import reports FILE`)".into(),
        ));
    }
    let records = store.linkage_records(keys, actor, "record linkage: reports and follow-up to persons").await?;
    // Identified records' match keys and birth-date keys are computed here from the vault, in the same
    // two layers as import stores a statistical report's (checked by linkage_records).
    let layers = keys.layers()?;
    let placeholders: HashSet<String> = layers.placeholder_pseudonyms().iter().map(|p| p.to_hex()).collect();
    let spec = spec();
    let columns = spec.columns();
    let read: Vec<Read> = columns
        .iter()
        .map(|c| {
            FEATURES.iter().find(|(name, _)| name == c).map(|(_, read)| *read).ok_or_else(|| {
                RegisterError::Link(zicht_link::Error::Spec(format!("the register's records have no column {c:?}")))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut builder = RecordsBuilder::new(&spec);
    let mut previous = HashMap::new();
    for r in &records {
        let id = record_id(r);
        let f = Features::of(r, &layers, &placeholders);
        let values: Vec<Option<&str>> = read.iter().map(|read| read(&f)).collect();
        builder.push(&id, &values)?;
        if let Some(n) = r.previous_person.as_deref().and_then(person_number) {
            previous.insert(id, n);
        }
    }
    let linked = builder.finish()?;
    let floor = opts.review_from.unwrap_or(threshold);
    let outcome = zicht_link::run(&spec, &linked, None, floor, threshold, &previous, progress)?;
    let review: Vec<ReviewPair> = outcome
        .prediction
        .pairs
        .iter()
        .filter(|p| p.probability < threshold)
        .map(|p| ReviewPair {
            left: linked.ids[p.a as usize].clone(),
            right: linked.ids[p.b as usize].clone(),
            probability: p.probability,
            weight: p.weight,
        })
        .collect();
    let clusters = &outcome.clustering.cluster;
    tracing::info!(lambda = outcome.model.lambda, prior_bits = outcome.model.prior_weight(), "model");
    for p in &outcome.model.source_priors {
        tracing::info!(sources = %p.sources.join("-"), lambda = p.lambda, pairs = p.pairs, "model");
    }
    for c in &outcome.model.comparisons {
        let weights: Vec<String> = c.levels.iter().map(|l| format!("{}={:.2}", l.label, (l.m / l.u).log2())).collect();
        tracing::info!(column = %c.column, weights = %weights.join(", "), "model");
    }
    for r in &outcome.prediction.rules {
        tracing::info!(rule = %r.rule, pairs = r.pairs, scored = r.scored, "blocking rule");
    }
    tracing::info!(kept = outcome.prediction.pairs.len(), "pairs at or above the floor");

    // A cluster with a report is a person.
    let mut has_report: HashMap<u64, bool> = HashMap::new();
    for (r, c) in records.iter().zip(clusters) {
        *has_report.entry(*c).or_default() |= r.table == Table::Reports;
    }
    let mut assignments = Vec::new();
    let mut summary = RunSummary { method: "fellegi-sunter".into(), ..Default::default() };
    for (r, c) in records.iter().zip(clusters) {
        if has_report[c] {
            assignments.push(Assignment { table: r.table, row_id: r.row_id, person_id: person_id(*c) });
            match r.table {
                Table::Reports => summary.reports += 1,
                Table::Events => summary.events += 1,
            }
        }
    }
    let old: HashSet<u64> = previous.values().copied().collect();
    summary.persons = has_report.values().filter(|h| **h).count() as i64;
    summary.new_persons = has_report.iter().filter(|(c, h)| **h && !old.contains(c)).count() as i64;
    summary.merges = outcome.clustering.merges.len() as i64;
    summary.splits = outcome.clustering.splits.len() as i64;
    store.save_persons(&assignments, &summary, actor).await?;
    Ok(LinkRun { summary, review })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column the specification compares, blocks, keys or sets its prior on is one a record
    /// gives; a column no record gives (a typo) was once an empty field nobody noticed.
    #[test]
    fn every_column_of_the_spec_is_a_feature_of_the_records() {
        let known: Vec<&str> = FEATURES.iter().map(|(c, _)| *c).collect();
        for c in spec().columns() {
            assert!(known.contains(&c.as_str()), "{c} is not a feature");
        }
        let mut names = known.clone();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), known.len(), "a feature named twice");
    }
}
