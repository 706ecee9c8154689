//! Builds every table of the monitor from the extract and protects it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use zicht_disclose::linked::{AuditSummary, CellId, Release};
use zicht_disclose::{Cell, Flag, Grid, Policy, Unit, cellkey, round};
use zicht_model::extract::{Extract, ReportRow};
use zicht_stats::alerts::{AlertKind, AlertOptions, detect, seasonal_profile};
use zicht_stats::survival::{
    CohortOptions, CohortRow, FollowUpEvent, FollowUpKind, Outcome, Person, Subgrouping, build_cohort,
    incidence_by_subgroup,
};

use crate::messages::{Lang, cat, t, tf};
use crate::{AlertRow, Monitor, Options, Period, ReportError, SCHEMA, Table};

const FORMS: [&str; 5] = ["sexual", "labour", "criminal", "other", "unknown"];
const GROUPS: [&str; 5] = ["domestic_sexual", "cross_border_sexual", "labour", "criminal", "other"];
const AGES: [&str; 4] = ["minor", "18-22", "23+", "unknown"];
const SEXES: [&str; 3] = ["female", "male", "unknown"];
const NATIONALITIES: [&str; 4] = ["home", "eu", "non_eu", "unknown"];
const DOMESTIC: [&str; 3] = ["domestic", "cross_border", "unknown"];
/// The reporter types, in the model's order (one owner: `zicht_model::ReporterType`).
pub(crate) const REPORTER_TYPES: &[&str] = zicht_model::ReporterType::CODES;
const CRIMES: [&str; 6] = ["exploitation", "assault", "threat", "sexual_violence", "property", "other"];
/// The lists of the dark-number studies.
const LISTS: [&str; 6] = zicht_model::MseList::CODES;
/// The months of follow-up the published curves have a column for (seven years).
pub(crate) const CURVE_MONTHS: usize = 84;
pub(crate) const YEARS_CI: [f64; 7] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];

/// The dark-number list of a report's reporter type, as the register defines it
/// ([`zicht_model::ReporterType::mse_list`]); a code the register does not know (none is stored) is Z.
fn list_of(reporter_type: zicht_model::ReporterType) -> &'static str {
    reporter_type.mse_list().code()
}

/// A "missing" column of the quality table: column code, the attribute whose unknown class it
/// counts, and the test.
type Missing = (&'static str, &'static str, fn(&ReportRow) -> bool);

/// A registration table: id, attribute, category codes, and the category of a report.
type Breakdown = (&'static str, &'static str, &'static [&'static str], fn(&ReportRow) -> &str);

/// The first form the reporter named (`labour:cleaning;sexual` → `labour`).
fn form(r: &ReportRow) -> &'static str {
    use zicht_model::ExploitationForm as F;
    match r.exploitation.first().map(|e| e.form()) {
        Some(f @ (F::Sexual | F::Labour | F::Criminal)) => f.as_str(),
        Some(F::OrganRemoval | F::Other) => "other",
        None => "unknown",
    }
}

fn group(r: &ReportRow) -> &'static str {
    match (form(r), r.domestic) {
        ("sexual", Some(true)) => "domestic_sexual",
        ("sexual", _) => "cross_border_sexual",
        ("labour", _) => "labour",
        ("criminal", _) => "criminal",
        _ => "other",
    }
}

fn age(r: &ReportRow) -> &'static str {
    match (r.age_at_report, r.minor) {
        (Some(a), _) if a < 18 => "minor",
        (Some(a), _) if a <= 22 => "18-22",
        (Some(_), _) => "23+",
        (None, Some(true)) => "minor",
        _ => "unknown",
    }
}

fn sex(r: &ReportRow) -> &'static str {
    known(r.sex.map(|s| s.as_str()), &["female", "male"])
}

fn nationality(r: &ReportRow) -> &'static str {
    known(r.nationality_group.map(|g| g.as_str()), &["home", "eu", "non_eu"])
}

fn domestic(r: &ReportRow) -> &'static str {
    match r.domestic {
        Some(true) => "domestic",
        Some(false) => "cross_border",
        None => "unknown",
    }
}

fn age_cat(a: Option<i64>) -> &'static str {
    match a {
        Some(a) if a < 18 => "minor",
        Some(a) if a <= 22 => "18-22",
        Some(_) => "23+",
        None => "unknown",
    }
}

fn known<'a>(v: Option<&'a str>, allowed: &[&'static str]) -> &'a str {
    match v {
        Some(s) if allowed.contains(&s) => s,
        _ => "unknown",
    }
}

/// Every table the monitor publishes, with its unit and whether its last row and column are
/// margins: the release definition the checker reads instead of the file's own labels.
pub const TABLES: [(&str, Unit, bool); 22] = [
    ("reg_by_form", Unit::Count, true),
    ("reg_by_group", Unit::Count, true),
    ("reg_by_age", Unit::Count, true),
    ("reg_by_sex", Unit::Count, true),
    ("reg_by_nationality", Unit::Count, true),
    ("reg_by_reporter", Unit::Count, true),
    ("reg_by_domestic", Unit::Count, true),
    ("reg_by_municipality", Unit::Count, true),
    ("persons", Unit::Count, false),
    ("hidden", Unit::Count, false),
    ("hidden_share", Unit::Percent, false),
    ("revict", Unit::Percent, false),
    ("overlap", Unit::Percent, false),
    ("revict_curves", Unit::Percent, false),
    ("crimes_after", Unit::Count, false),
    ("dark", Unit::Estimate, false),
    ("care", Unit::Count, false),
    ("age_start", Unit::Count, true),
    ("quality", Unit::Count, false),
    ("val_registered", Unit::Count, false),
    ("val_revict", Unit::Percent, false),
    ("val_dark", Unit::Estimate, false),
];

/// A cell of a table before protection: a count of the release's model, or a ratio (percentage
/// or estimate) with the model cell of its base.
#[derive(Debug, Clone)]
enum Pending {
    Count(CellId),
    Share {
        value: Option<f64>,
        interval: Option<(f64, f64)>,
        base: Option<CellId>,
        base_n: i64,
        /// The frequency rule's verdict (numerator and complement at least 10): `Shown`, or the flag.
        rule: Flag,
    },
}

struct PendingTable {
    id: String,
    section: String,
    unit: Unit,
    totals: bool,
    rows: Vec<String>,
    columns: Vec<String>,
    cells: Vec<Vec<Pending>>,
    row_notes: Vec<String>,
}

/// Cost weights of hiding a cell (multiplying its count): totals hurt readers more, the year totals
/// (the registrations per year, the headline) most.
const W_CELL: i64 = 1;
const W_TOTAL: i64 = 5;
const W_HEADLINE: i64 = 50;

/// The value a count of the model with key `name` and true value `v` is published as: perturbed by
/// its cell key (the public edition), rounded (an old public policy), or exact.
pub(crate) fn published(policy: &Policy, name: &str, v: i64) -> i64 {
    match &policy.cell_key {
        Some(k) => k.perturb(name, v, policy.threshold),
        None => round(v, policy.rounding_base),
    }
}

/// What a reader learns of the true value `v` of count `name` when it is shown: the window of its
/// published value.
fn published_window(policy: &Policy, name: &str, v: i64) -> (i64, i64) {
    match (&policy.cell_key, policy.rounding_base) {
        (Some(_), _) => cellkey::window(published(policy, name, v), policy.threshold),
        (None, Some(b)) => {
            let s = round(v, Some(b));
            (s - b / 2, s + b / 2)
        }
        (None, None) => (v, v),
    }
}

/// A key of the release's model: population, then attributes sorted by name; without a year the
/// cell covers the whole period (`period=2012-2022`), so releases over other periods never share it
/// by accident.
fn key(pop: &str, period: &str, attrs: &[(&str, &str)]) -> String {
    let mut a: Vec<(&str, &str)> = attrs.to_vec();
    if !a.iter().any(|(k, _)| *k == "year") {
        a.push(("period", period));
    }
    a.sort();
    let mut s = pop.to_string();
    for (k, v) in a {
        s.push('|');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

/// One axis of a two-way count table: the attribute, its codes and their labels.
struct Axis<'a> {
    attr: &'a str,
    codes: Vec<String>,
    labels: Vec<String>,
}

struct Ctx<'a> {
    lang: Lang,
    policy: &'a Policy,
    period: String,
    period_code: String,
    source: String,
    release: Release,
    tables: Vec<PendingTable>,
    ratios: Vec<crate::Ratio>,
    /// What a shown percentage tells of its numerator (a latent cell), by numerator, with the base it
    /// needs: known only while the base is published ([`Ctx::finish`] drops it when the base is hidden).
    ratio_known: Vec<(CellId, CellId, i64, i64)>,
}

impl Ctx<'_> {
    fn labels(&self, codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| cat(self.lang, c)).collect()
    }

    fn axis<'c>(&self, attr: &'c str, codes: &[&str]) -> Axis<'c> {
        Axis { attr, codes: codes.iter().map(|c| c.to_string()).collect(), labels: self.labels(codes) }
    }

    fn years_axis(years: &[i32]) -> Axis<'static> {
        let codes: Vec<String> = years.iter().map(|y| y.to_string()).collect();
        Axis { attr: "year", labels: codes.clone(), codes }
    }

    fn key(&self, pop: &str, attrs: &[(&str, &str)]) -> String {
        key(pop, &self.period_code, attrs)
    }

    fn printed(&mut self, pop: &str, attrs: &[(&str, &str)], v: i64, w: i64) -> Result<CellId, ReportError> {
        let k = self.key(pop, attrs);
        Ok(self.release.printed(&k, v, w)?)
    }

    fn latent(&mut self, pop: &str, attrs: &[(&str, &str)], v: i64) -> Result<CellId, ReportError> {
        let k = self.key(pop, attrs);
        Ok(self.release.latent(&k, v)?)
    }

    fn relation(&mut self, total: CellId, parts: &[CellId]) -> Result<(), ReportError> {
        Ok(self.release.relation(total, parts)?)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        id: &str,
        section: &str,
        unit: Unit,
        totals: bool,
        rows: Vec<String>,
        columns: Vec<String>,
        cells: Vec<Vec<Pending>>,
        row_notes: Vec<String>,
    ) {
        debug_assert!(TABLES.iter().any(|t| t.0 == id && t.1 == unit && t.2 == totals), "table {id} not in TABLES");
        self.tables.push(PendingTable {
            id: id.into(),
            section: section.into(),
            unit,
            totals,
            rows,
            columns,
            cells,
            row_notes,
        });
    }

    /// A two-way count table of population `pop` (within the fixed attributes), rows × columns, with
    /// its margins as cells of the model and their relations; `totals` prints the margins. Lines with
    /// no case at all are left out of the print (they tell only that the category is empty) but stay
    /// in the model as known zeros, so the relations remain whole.
    #[allow(clippy::too_many_arguments)]
    fn two_way(
        &mut self,
        id: &str,
        section: &str,
        pop: &str,
        rows: Axis<'_>,
        cols: Axis<'_>,
        m: &[Vec<i64>],
        totals: bool,
    ) -> Result<(), ReportError> {
        let (nr, nc) = (rows.codes.len(), cols.codes.len());
        let weight_of_line = |axis: &Axis<'_>| if axis.attr == "year" { W_HEADLINE } else { W_TOTAL };
        let mut inner = vec![vec![0; nc]; nr];
        for i in 0..nr {
            for j in 0..nc {
                let attrs = [(rows.attr, rows.codes[i].as_str()), (cols.attr, cols.codes[j].as_str())];
                inner[i][j] = self.printed(pop, &attrs, m[i][j], W_CELL)?;
            }
        }
        let row_tot: Vec<CellId> = (0..nr)
            .map(|i| {
                let v = m[i].iter().sum();
                // A row's total is the total of a value of the row attribute: a year's total is the headline.
                self.printed(pop, &[(rows.attr, rows.codes[i].as_str())], v, weight_of_line(&rows))
            })
            .collect::<Result<_, _>>()?;
        let col_tot: Vec<CellId> = (0..nc)
            .map(|j| {
                let v = m.iter().map(|r| r[j]).sum();
                self.printed(pop, &[(cols.attr, cols.codes[j].as_str())], v, weight_of_line(&cols))
            })
            .collect::<Result<_, _>>()?;
        let grand_v: i64 = m.iter().flatten().sum();
        let grand = self.printed(pop, &[], grand_v, W_HEADLINE)?;
        for i in 0..nr {
            self.relation(row_tot[i], &inner[i].clone())?;
        }
        for j in 0..nc {
            let col: Vec<CellId> = (0..nr).map(|i| inner[i][j]).collect();
            self.relation(col_tot[j], &col)?;
        }
        self.relation(grand, &row_tot)?;
        self.relation(grand, &col_tot)?;
        // What is printed: lines with a case (all of them when none has one).
        let keep_c: Vec<usize> = (0..nc).filter(|&j| m.iter().any(|r| r[j] != 0)).collect();
        let keep_r: Vec<usize> = (0..nr).filter(|&i| m[i].iter().any(|&v| v != 0)).collect();
        let (keep_c, keep_r) = if keep_c.is_empty() || keep_r.is_empty() {
            ((0..nc).collect(), (0..nr).collect())
        } else {
            (keep_c, keep_r)
        };
        let mut printed = vec![vec![false; nc]; nr];
        for &i in &keep_r {
            for &j in &keep_c {
                printed[i][j] = true;
            }
        }
        // Cells left out are zeros the reader can infer, and so are the totals of lines left out:
        // known exactly.
        for i in 0..nr {
            for j in 0..nc {
                if !printed[i][j] {
                    self.release.state(inner[i][j]);
                }
            }
        }
        for i in (0..nr).filter(|i| !keep_r.contains(i)) {
            self.release.state(row_tot[i]);
        }
        for j in (0..nc).filter(|j| !keep_c.contains(j)) {
            self.release.state(col_tot[j]);
        }
        let mut cells: Vec<Vec<Pending>> = keep_r
            .iter()
            .map(|&i| {
                let mut r: Vec<Pending> = keep_c.iter().map(|&j| Pending::Count(inner[i][j])).collect();
                if totals {
                    r.push(Pending::Count(row_tot[i]));
                }
                r
            })
            .collect();
        let mut row_labels: Vec<String> = keep_r.iter().map(|&i| rows.labels[i].clone()).collect();
        let mut col_labels: Vec<String> = keep_c.iter().map(|&j| cols.labels[j].clone()).collect();
        if totals {
            let mut last: Vec<Pending> = keep_c.iter().map(|&j| Pending::Count(col_tot[j])).collect();
            last.push(Pending::Count(grand));
            cells.push(last);
            let total = t(self.lang, "col.total");
            row_labels.push(total.clone());
            col_labels.push(total);
        }
        self.push(id, section, Unit::Count, totals, row_labels, col_labels, cells, Vec::new());
        Ok(())
    }

    /// A count table without margins whose every cell is a model cell named by `keys` (so a cell
    /// printed elsewhere under the same key is the same cell).
    fn flat(
        &mut self,
        id: &str,
        section: &str,
        rows: Vec<String>,
        cols: Vec<String>,
        keys: &[Vec<String>],
        m: &[Vec<i64>],
    ) -> Result<(), ReportError> {
        let mut cells = Vec::with_capacity(rows.len());
        for (i, r) in m.iter().enumerate() {
            let mut row = Vec::with_capacity(r.len());
            for (j, &v) in r.iter().enumerate() {
                row.push(Pending::Count(self.release.printed(&keys[i][j], v, W_CELL)?));
            }
            cells.push(row);
        }
        self.push(id, section, Unit::Count, false, rows, cols, cells, Vec::new());
        Ok(())
    }

    /// A share or estimate: the small-base rule on `base`, and the frequency rule on its numerator
    /// and complement (each at least 10; `None` where the ratio has none, as for an estimate).
    fn share(
        &self,
        value: Option<f64>,
        interval: Option<(f64, f64)>,
        base: Option<CellId>,
        base_n: i64,
        numerator: Option<(i64, i64)>,
    ) -> Pending {
        let rule = if value.is_none() {
            Flag::Missing
        } else if base_n < self.policy.min_base {
            Flag::SmallBase
        } else if numerator.is_some_and(|(n, c)| n < self.policy.threshold || c < self.policy.threshold) {
            Flag::Suppressed
        } else {
            Flag::Shown
        };
        Pending::Share { value, interval, base, base_n, rule }
    }

    /// Protects the whole release and turns the pending tables into published ones.
    fn finish(
        mut self,
        earlier: &[crate::verify::JsonMonitor],
    ) -> Result<(Vec<Table>, AuditSummary, crate::ReleaseModel), ReportError> {
        let policy = self.policy;
        // The rules are public: a shown ratio's base is at least 50 (also when the base is hidden),
        // a ratio marked n<50 has a base below 50.
        for p in &self.tables {
            for c in p.cells.iter().flatten() {
                if let Pending::Share { base: Some(b), rule, .. } = *c {
                    match rule {
                        Flag::Shown => self.release.known_range(b, policy.min_base, i64::MAX / 4),
                        Flag::SmallBase => self.release.known_range(b, 0, policy.min_base - 1),
                        _ => {}
                    }
                }
            }
        }
        self.release.close_stated();
        let mut start: Vec<bool> = (0..self.release.len())
            .map(|i| self.release.is_printed(i) && self.release.truth(i) < policy.threshold)
            .collect();
        if !earlier.is_empty() {
            let mut problems = Vec::new();
            let read = crate::verify::read_releases(earlier, &mut problems);
            let changed = self.release.learn(&read.model, &read.known);
            if let Some(k) = changed.first() {
                return Err(ReportError::Changed { count: changed.len(), first: k.clone() });
            }
            start.resize(self.release.len(), false);
            self.release.close_stated();
            for k in &read.hidden {
                if let Some(id) = self.release.id(k)
                    && self.release.is_printed(id)
                {
                    start[id] = true;
                }
            }
        }
        // A percentage tells its numerator only to a reader who has its base: protect as if every base
        // were shown, and where the pattern hides one, forget what its percentage told and protect
        // again from that pattern (knowing more is not always safer: a count known exactly to be 63
        // passes, the same count known to be at least 7 does not).
        let before: Vec<Option<(i64, i64)>> =
            self.ratio_known.iter().map(|&(num, ..)| self.release.known_of(num)).collect();
        for &(num, _, lo, hi) in &self.ratio_known {
            self.release.known_range(num, lo, hi);
        }
        let mut ratio_known: Vec<_> = self.ratio_known.iter().copied().zip(before).collect();
        // Whether the percentages that bound a numerator are suppressed: the last resort when what
        // they tell, with what earlier releases told, pins a count that no more hiding can free (an
        // internal release after a public one of the same period: the exact percentage gives its
        // numerator, the public windows the rest).
        let mut withdrawn = false;
        let mut hidden = start.clone();
        let pattern = loop {
            let release = &self.release;
            let window = |id: CellId, v: i64| published_window(policy, release.key(id), v);
            let pattern = match release.protect_from(hidden, &window) {
                Ok(p) => p,
                Err(zicht_disclose::linked::LinkedError::Unprotectable { .. })
                    if !withdrawn && !self.ratio_known.is_empty() =>
                {
                    for &((num, ..), before) in &ratio_known {
                        self.release.restore_known(num, before);
                    }
                    ratio_known.clear();
                    withdrawn = true;
                    hidden = start.clone();
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let (lost, kept): (Vec<_>, Vec<_>) =
                ratio_known.into_iter().partition(|&((_, base, ..), _)| pattern.hidden[base]);
            if lost.is_empty() {
                break pattern;
            }
            for &((num, ..), before) in &lost {
                self.release.restore_known(num, before);
            }
            ratio_known = kept;
            hidden = pattern.hidden;
        };
        let release = &self.release;
        // Only a printed cell is ever published: a latent one (a slack, a cell no table shows) has no
        // place in the pattern, and its value would reach the reader unprotected.
        let publish = |id: CellId| -> Option<f64> {
            (release.is_printed(id) && !pattern.hidden[id])
                .then(|| published(policy, release.key(id), release.truth(id)) as f64)
        };
        let mut out = Vec::with_capacity(self.tables.len());
        let key_of = |c: &Pending| match *c {
            Pending::Count(id) => Some(self.release.key(id).to_string()),
            Pending::Share { base, .. } => base.map(|b| self.release.key(b).to_string()),
        };
        let ratios = &self.ratios;
        for p in self.tables {
            let keys: Vec<Vec<Option<String>>> = p.cells.iter().map(|r| r.iter().map(key_of).collect()).collect();
            let is_ratio = |i: usize, j: usize| ratios.iter().any(|q| q.table == p.id && q.row == i && q.column == j);
            let cells: Vec<Vec<Cell>> = p
                .cells
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    row.iter()
                        .enumerate()
                        .map(|(j, c)| match *c {
                            Pending::Share { .. } if withdrawn && is_ratio(i, j) => Cell::hidden(Flag::Suppressed),
                            Pending::Count(id) => match publish(id) {
                                Some(v) => Cell::shown(v),
                                None => Cell::hidden(Flag::Suppressed),
                            },
                            Pending::Share { value, interval, base, base_n, rule } => match (rule, value) {
                                (Flag::Shown, Some(v)) => {
                                    let (b, hidden) = match base {
                                        Some(id) => (publish(id).map(|b| b as i64), publish(id).is_none()),
                                        None => (Some(round(base_n, policy.rounding_base)), false),
                                    };
                                    Cell {
                                        value: Some(v),
                                        flag: Flag::Shown,
                                        base: b,
                                        base_suppressed: hidden,
                                        lower: interval.map(|i| i.0),
                                        upper: interval.map(|i| i.1),
                                    }
                                }
                                (f, _) => Cell::hidden(if f == Flag::Shown { Flag::Missing } else { f }),
                            },
                        })
                        .collect()
                })
                .collect();
            out.push(Table {
                id: p.id.clone(),
                section: p.section,
                title: t(self.lang, &format!("t.{}", p.id)),
                definition: t(self.lang, &format!("t.{}.def", p.id)),
                source: self.source.clone(),
                period: self.period.clone(),
                row_notes: p.row_notes,
                keys,
                grid: Grid { unit: p.unit, totals: p.totals, rows: p.rows, columns: p.columns, cells },
            });
        }
        let model = crate::ReleaseModel {
            relations: self.release.relations_by_key(),
            stated: self.release.stated(),
            ratios: self.ratios,
        };
        Ok((out, pattern.audit, model))
    }
}

fn cross<T>(
    items: &[T],
    years: &[i32],
    year: impl Fn(&T) -> Option<i32>,
    col: impl Fn(&T) -> usize,
    nc: usize,
) -> Vec<Vec<i64>> {
    let mut m = vec![vec![0i64; nc]; years.len()];
    for it in items {
        if let Some(y) = year(it)
            && let Some(i) = years.iter().position(|&x| x == y)
        {
            m[i][col(it)] += 1;
        }
    }
    m
}

fn pos(codes: &[&str], v: &str) -> usize {
    codes.iter().position(|c| *c == v).unwrap_or(codes.len() - 1)
}

mod care;
mod dark_number;
mod hidden;
mod quality;
mod registrations;
mod revictimisation;
mod validation;

/// What every section reads: the extract, the options, the period and the reports in it.
struct Scope<'a> {
    x: &'a Extract,
    opts: &'a Options,
    lang: Lang,
    from: i32,
    to: i32,
    years: Vec<i32>,
    year_labels: Vec<String>,
    in_period: Vec<&'a ReportRow>,
    identified: Vec<&'a ReportRow>,
}

/// What the re-victimisation section leaves for the validation block.
struct Revictimisation {
    persons: Vec<Person>,
    base_of: BTreeMap<(&'static str, String), CellId>,
    overall: BTreeMap<String, Vec<Option<f64>>>,
    ci_cols: Vec<String>,
}

/// The dark number of all persons per year: estimate, base, base cell.
type DarkByYear = BTreeMap<i32, (Option<f64>, i64, Option<CellId>)>;

/// The year of a report.
fn report_year(r: &ReportRow) -> Option<i32> {
    Some(r.report_date.year())
}

/// The longest period one monitor covers, in years.
pub const MAX_PERIOD_YEARS: i64 = 100;

/// Builds the monitor.
pub fn build(x: &Extract, opts: &Options) -> Result<Monitor, ReportError> {
    let lang = opts.lang;
    let all_years: BTreeSet<i32> = x.reports.iter().filter_map(report_year).collect();
    let from = opts.from.or(all_years.first().copied()).unwrap_or(2000);
    let to = opts.to.or(all_years.last().copied()).unwrap_or(2000);
    // The period lies within the data and spans at most a century: `--to 2147483647` must be an error,
    // not a table of two billion years.
    if let (Some(&first), Some(&last)) = (all_years.first(), all_years.last())
        && from <= to
        && (from < first || to > last || i64::from(to) - i64::from(from) >= MAX_PERIOD_YEARS)
    {
        return Err(ReportError::Period { from, to, first, last });
    }
    let years: Vec<i32> = (from..=to).collect();
    let in_period: Vec<&ReportRow> =
        x.reports.iter().filter(|r| report_year(r).is_some_and(|y| (from..=to).contains(&y))).collect();
    if in_period.is_empty() || from > to {
        return Err(ReportError::Empty { from, to });
    }
    let identified: Vec<&ReportRow> =
        in_period.iter().copied().filter(|r| r.identification == zicht_model::Identification::Identified).collect();
    let year_labels: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let mut c = Ctx {
        lang,
        policy: &opts.policy,
        period: format!("{from}–{to}"),
        period_code: format!("{from}-{to}"),
        source: t(lang, "doc.source"),
        release: Release::new(),
        tables: Vec::new(),
        ratios: Vec::new(),
        ratio_known: Vec::new(),
    };

    let s = Scope { x, opts, lang, from, to, years, year_labels, in_period, identified };
    let persons_year = registrations::registrations(&mut c, &s)?;
    let m_hidden = hidden::hidden(&mut c, &s)?;

    // 3. Alerts: in the public edition by reporter type only.
    let alerts = alerts(x, from, to, lang, opts.policy.edition() == "internal");

    let revict = revictimisation::revictimisation(&mut c, &s)?;
    let dark_all = dark_number::dark_number(&mut c, &s, &m_hidden)?;
    care::care(&mut c, &s)?;
    quality::quality(&mut c, &s)?;
    validation::validation(&mut c, &s, &persons_year, &revict, &dark_all)?;

    let notes = document_notes(lang, opts.policy.edition());
    let (tables, audit, model) = c.finish(&opts.earlier)?;
    let figures = crate::html::figures(&tables, lang)?;
    Ok(Monitor {
        schema: SCHEMA.into(),
        title: t(lang, "doc.title"),
        lang,
        edition: opts.policy.edition().into(),
        policy: opts.policy.clone(),
        period: Period { from, to },
        tables,
        figures,
        alerts,
        notes,
        validation: opts.truth.is_some(),
        audit,
        model,
    })
}

/// The release's notes on methods: fixed texts of the release definition (the checker requires exactly
/// these, so that no number can ride in a note).
pub(crate) fn document_notes(lang: Lang, edition: &str) -> Vec<String> {
    let public: &[&str] = if edition == "public" { &["m.public"] } else { &[] };
    [&["doc.marks", "m.disclosure"][..], public, &["m.alerts", "m.survival", "m.mse", "m.persons"]]
        .concat()
        .into_iter()
        .map(|k| t(lang, k))
        .collect()
}

/// The value a pending ratio will show if its rule allows (for the validation table).
fn pending_value(p: &Pending) -> Option<f64> {
    match p {
        Pending::Share { value, rule: Flag::Shown, .. } => *value,
        _ => None,
    }
}

/// The frequency rule's counts for the steps of one subgroup's curve: events up to `t` years and
/// persons still followed at `t`, from the subgroup's follow-up times sorted once.
struct FollowUp {
    event_times: Vec<f64>,
    end_times: Vec<f64>,
}

impl FollowUp {
    fn of(persons: &[Person], rows: &[CohortRow], by: Subgrouping, group: &str) -> FollowUp {
        let mut event_times = Vec::new();
        let mut end_times = Vec::new();
        for (p, r) in persons.iter().zip(rows) {
            if by.label(p) == group {
                end_times.push(r.time);
                if r.event() {
                    event_times.push(r.time);
                }
            }
        }
        event_times.sort_by(f64::total_cmp);
        end_times.sort_by(f64::total_cmp);
        FollowUp { event_times, end_times }
    }

    /// `(events with time ≤ t, persons with time ≥ t)`.
    fn at(&self, t: f64) -> (i64, i64) {
        let events = self.event_times.partition_point(|&x| x <= t);
        let at_risk = self.end_times.len() - self.end_times.partition_point(|&x| x < t);
        (events as i64, at_risk as i64)
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The re-victimisation cohort: persons with a report in the period, identified or statistical
/// (leaving out statistical reports would drop the minors whose guardians could not consent),
/// entering at their first report; follow-up events from the extract; end of data at the end of
/// the last year. On the simulator with the true person of every record this gives the true
/// cumulative incidence within half a percentage point (see docs/benchmarks.md).
fn cohort(x: &Extract, from: i32, to: i32, end: NaiveDate) -> Vec<Person> {
    let mut first: BTreeMap<&str, (NaiveDate, &ReportRow)> = BTreeMap::new();
    for r in &x.reports {
        let d = r.report_date;
        if !(from..=to).contains(&d.year()) {
            continue;
        }
        let e = first.entry(r.person.as_str()).or_insert((d, r));
        if d < e.0 {
            *e = (d, r);
        }
    }
    let mut events: HashMap<&str, Vec<FollowUpEvent>> = HashMap::new();
    for e in &x.events {
        if !first.contains_key(e.person.as_str()) {
            continue;
        }
        let kind = match e.kind {
            zicht_model::EventKind::Victimisation => {
                FollowUpKind::Victimisation { category: e.crime_category.map_or("other", |c| c.as_str()).to_string() }
            }
            zicht_model::EventKind::Suspect => FollowUpKind::Suspect,
            zicht_model::EventKind::Emigration => FollowUpKind::Emigration,
            zicht_model::EventKind::Death => FollowUpKind::Death,
        };
        events.entry(e.person.as_str()).or_default().push(FollowUpEvent { date: e.event_date, kind });
    }
    first
        .iter()
        .enumerate()
        .filter(|(_, (_, (d, _)))| *d < end)
        .map(|(i, (p, (d, r)))| Person {
            id: i as u64,
            entry: *d,
            end_of_follow_up: end,
            events: events.remove(p).unwrap_or_default(),
            minor_at_registration: match age(r) {
                "minor" => Some(true),
                "unknown" => None,
                _ => Some(false),
            },
            form_of_exploitation: Some(form(r).to_string()),
            victim_group: Some(group(r).to_string()),
            sex: r.sex.map(|s| s.as_str().to_string()),
        })
        .collect()
}

fn month_label(from: i32, k: usize) -> String {
    format!("{}-{:02}", from + (k / 12) as i32, k % 12 + 1)
}

/// Alerts per reporter type and (with `per_reporter`, the internal edition only: an alert about one
/// organisation names it) per reporter, months from January of `from` to December of `to`.
fn alerts(x: &Extract, from: i32, to: i32, lang: Lang, per_reporter: bool) -> Vec<AlertRow> {
    let n = ((to - from + 1) * 12).max(0) as usize;
    let idx = |d: NaiveDate| {
        let k = (d.year() - from) * 12 + d.month0() as i32;
        (0..n as i32).contains(&k).then_some(k as usize)
    };
    let mut all = vec![0u64; n];
    let mut by_type: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut by_reporter: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in &x.reports {
        if let Some(k) = idx(r.report_date) {
            all[k] += 1;
            by_type.entry(r.reporter_type.as_str()).or_insert_with(|| vec![0; n])[k] += 1;
            by_reporter.entry(&r.reporter).or_insert_with(|| vec![0; n])[k] += 1;
        }
    }
    let profile = seasonal_profile(&all, 0);
    let mut out = Vec::new();
    let levels: &[(&str, &BTreeMap<&str, Vec<u64>>)] = if per_reporter {
        &[("reporter_type", &by_type), ("reporter", &by_reporter)]
    } else {
        &[("reporter_type", &by_type)]
    };
    for &(level, series) in levels {
        // Many single reporters are tested at once: a stricter silence level keeps chance runs out.
        let opts = if level == "reporter" {
            AlertOptions { silence_p: 1e-4, ..AlertOptions::default() }
        } else {
            AlertOptions::default()
        };
        for (subject, s) in series {
            let Ok(found) = detect(s, 0, Some(&profile), &opts) else { continue };
            for a in found {
                let ratio = if a.baseline > 0.0 { (a.after / a.baseline * 10.0).round() as i64 * 10 } else { 0 };
                out.push(AlertRow {
                    level: level.into(),
                    subject: if level == "reporter_type" { cat(lang, subject) } else { subject.to_string() },
                    kind: match a.kind {
                        AlertKind::Drop => t(lang, "alert.drop"),
                        AlertKind::Silence => t(lang, "alert.silence"),
                    },
                    start: month_label(from, a.start),
                    signalled: month_label(from, a.signalled),
                    level_after_percent: ratio,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zicht_model::{CrimeCategory, EventKind, Exploitation, Identification, ReporterType};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn report(exploitation: &str, domestic: Option<bool>, age: Option<i64>) -> ReportRow {
        ReportRow {
            report_date: day("2018-05-01"),
            reporter: "R".into(),
            reporter_type: ReporterType::Police,
            identification: Identification::Identified,
            sex: None,
            birth_year: None,
            age_band: None,
            age_at_report: age,
            minor: age.map(|a| a < 18),
            age_at_start: None,
            nationality_group: None,
            exploitation: exploitation.split(';').map(|e| Exploitation::parse(e).unwrap()).collect(),
            domestic,
            municipality: None,
            person: "p".into(),
        }
    }

    #[test]
    fn cohort_counts_statistical_reports_and_enters_at_the_first_report() {
        let mut stat = report("sexual", None, Some(15));
        stat.identification = Identification::Statistical;
        stat.person = "minor".into();
        stat.report_date = day("2016-03-01");
        let mut later = report("sexual", None, Some(16));
        later.person = "minor".into();
        later.report_date = day("2017-03-01");
        let adult = report("labour", None, Some(30));
        let event = |person: &str, date: &str| zicht_model::extract::EventRow {
            event_date: day(date),
            kind: EventKind::Victimisation,
            crime_category: Some(CrimeCategory::parse("assault").unwrap()),
            person: person.into(),
        };
        let x = Extract {
            reports: vec![stat, later, adult],
            events: vec![event("minor", "2016-09-01"), event("nobody", "2019-01-01")],
            signals: vec![],
        };
        let end = NaiveDate::from_ymd_opt(2022, 12, 31).unwrap();
        let persons = cohort(&x, 2012, 2022, end);
        assert_eq!(persons.len(), 2);
        let minor = persons.iter().find(|p| p.minor_at_registration == Some(true)).unwrap();
        assert_eq!(minor.entry, NaiveDate::from_ymd_opt(2016, 3, 1).unwrap());
        assert_eq!(minor.events.len(), 1);
    }

    #[test]
    fn categories_follow_the_monitor() {
        assert_eq!(form(&report("labour:cleaning;sexual", None, None)), "labour");
        assert_eq!(group(&report("sexual:prostitution", Some(true), None)), "domestic_sexual");
        assert_eq!(group(&report("sexual:prostitution", Some(false), None)), "cross_border_sexual");
        assert_eq!(group(&report("criminal", None, None)), "criminal");
        assert_eq!(form(&report("organ_removal", None, None)), "other");
        assert_eq!(form(&ReportRow { exploitation: vec![], ..report("sexual", None, None) }), "unknown");
        assert_eq!(age(&report("other", None, Some(17))), "minor");
        assert_eq!(age(&report("other", None, Some(18))), "18-22");
        assert_eq!(age(&report("other", None, Some(22))), "18-22");
        assert_eq!(age(&report("other", None, Some(23))), "23+");
        assert_eq!(age(&report("other", None, None)), "unknown");
        assert_eq!(list_of(ReporterType::YouthCare), "O");
        assert_eq!(list_of(ReporterType::Guardianship), "Z");
        assert_eq!(list_of(ReporterType::Ngo), "Z");
        assert_eq!(month_label(2012, 76), "2018-05");
    }

    #[test]
    fn an_empty_period_or_one_outside_the_data_is_an_error() {
        let late = ReportRow { report_date: day("2022-05-01"), ..report("sexual", None, Some(30)) };
        let x = Extract { reports: vec![report("sexual", None, Some(30)), late], ..Default::default() };
        let opts = |from, to| Options {
            from: Some(from),
            to: Some(to),
            lang: Lang::En,
            policy: Policy::internal(),
            truth: None,
            earlier: vec![],
            dark_replicates: 0,
            dark_design: Default::default(),
        };
        // Within the data (2018–2022) but without reports.
        assert!(matches!(build(&x, &opts(2019, 2021)), Err(ReportError::Empty { .. })));
        // Outside the data, or too long: refused before a table of every year is made.
        for (from, to) in [(2000, 2001), (2017, 2018), (2018, 2023), (2018, i32::MAX), (i32::MIN, 2022)] {
            assert!(matches!(build(&x, &opts(from, to)), Err(ReportError::Period { .. })), "{from}–{to}");
        }
    }
}
