//! Builds every table of the monitor from the extract and protects it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use zicht_disclose::linked::{AuditSummary, CellId, Release};
use zicht_disclose::{Cell, Flag, Grid, Policy, Unit, cellkey, round};
use zicht_stats::alerts::{AlertKind, AlertOptions, detect, seasonal_profile};
use zicht_stats::survival::{
    CohortOptions, CohortRow, FollowUpEvent, FollowUpKind, Outcome, Person, Subgrouping, build_cohort,
    incidence_by_subgroup,
};
use zicht_store::extract::{Extract, ReportRow};

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
fn list_of(reporter_type: &str) -> &'static str {
    zicht_model::ReporterType::parse(reporter_type).map_or("Z", |r| r.mse_list().code())
}

/// A "missing" column of the quality table: column code, the attribute whose unknown class it
/// counts, and the test.
type Missing = (&'static str, &'static str, fn(&ReportRow) -> bool);

/// A registration table: id, attribute, category codes, and the category of a report.
type Breakdown = (&'static str, &'static str, &'static [&'static str], fn(&ReportRow) -> &str);

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The first form the reporter named (`labour:cleaning;sexual` → `labour`).
fn form(r: &ReportRow) -> &str {
    let f = r.exploitation.split(';').next().unwrap_or("").split(':').next().unwrap_or("").trim();
    match f {
        "sexual" | "labour" | "criminal" => f,
        "" => "unknown",
        _ => "other",
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

fn sex(r: &ReportRow) -> &str {
    known(r.sex.as_deref(), &["female", "male"])
}

fn nationality(r: &ReportRow) -> &str {
    known(r.nationality_group.as_deref(), &["home", "eu", "non_eu"])
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

/// The longest period one monitor covers, in years.
pub const MAX_PERIOD_YEARS: i64 = 100;

/// Builds the monitor.
pub fn build(x: &Extract, opts: &Options) -> Result<Monitor, ReportError> {
    let lang = opts.lang;
    let report_year = |r: &ReportRow| date(&r.report_date).map(|d| d.year());
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
    let identified: Vec<&ReportRow> = in_period.iter().copied().filter(|r| r.identification == "identified").collect();
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
    let yr = |r: &&ReportRow| report_year(r);

    // 1. Registrations: year × one attribute each, all over the same reports, so their year totals
    // are one cell of the model and their column totals are the period totals the quality table sums.
    let breakdowns: [Breakdown; 7] = [
        ("reg_by_form", "form", &FORMS, |r| form(r)),
        ("reg_by_group", "group", &GROUPS, group),
        ("reg_by_age", "age", &AGES, age),
        ("reg_by_sex", "sex", &SEXES, sex),
        ("reg_by_nationality", "nationality", &NATIONALITIES, nationality),
        ("reg_by_reporter", "reporter", REPORTER_TYPES, |r| r.reporter_type.as_str()),
        ("reg_by_domestic", "domestic", &DOMESTIC, domestic),
    ];
    for (id, attr, codes, f) in breakdowns {
        let m = cross(&identified, &years, yr, |r| pos(codes, f(r)), codes.len());
        let cols = c.axis(attr, codes);
        c.two_way(id, "registrations", "reports", Ctx::years_axis(&years), cols, &m, true)?;
    }
    // The victim group refines the form: sexual = domestic + cross-border sexual; other and unknown
    // form = the group "other".
    for y in &year_labels {
        let f = |c: &Ctx<'_>, attr: &str, v: &str| c.release.id(&c.key("reports", &[("year", y), (attr, v)]));
        let g = |name: &str| f(&c, "group", name);
        let fm = |name: &str| f(&c, "form", name);
        let rels: [(Option<CellId>, Vec<Option<CellId>>); 4] = [
            (fm("sexual"), vec![g("domestic_sexual"), g("cross_border_sexual")]),
            (fm("labour"), vec![g("labour")]),
            (fm("criminal"), vec![g("criminal")]),
            (g("other"), vec![fm("other"), fm("unknown")]),
        ];
        for (total, parts) in rels {
            if let (Some(total), Some(parts)) = (total, parts.into_iter().collect::<Option<Vec<_>>>()) {
                c.relation(total, &parts)?;
            }
        }
    }
    // Region: municipality (CBS code) by year. Municipalities are the finest public geography; small
    // ones fall under the suppression rules like any cell.
    let municipalities: Vec<String> = identified
        .iter()
        .filter_map(|r| r.municipality.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .chain(std::iter::once("unknown".to_string()))
        .collect();
    let mut m = vec![vec![0i64; years.len()]; municipalities.len()];
    for r in &identified {
        if let Some(y) = report_year(r).and_then(|y| years.iter().position(|&x| x == y)) {
            let code = r.municipality.as_deref().unwrap_or("unknown");
            let i = municipalities.iter().position(|c| c == code).unwrap_or(municipalities.len() - 1);
            m[i][y] += 1;
        }
    }
    let rows = Axis {
        attr: "municipality",
        labels: municipalities.iter().map(|c| cat(lang, c)).collect(),
        codes: municipalities.clone(),
    };
    c.two_way("reg_by_municipality", "registrations", "reports", rows, Ctx::years_axis(&years), &m, true)?;
    // Persons and reports.
    let mut first_seen: HashMap<&str, i32> = HashMap::new();
    for r in &x.reports {
        if r.identification == "identified"
            && let Some(y) = report_year(r)
        {
            let e = first_seen.entry(r.person.as_str()).or_insert(y);
            *e = (*e).min(y);
        }
    }
    let mut m = vec![vec![0i64; 3]; years.len()];
    let mut persons_year: BTreeMap<i32, BTreeSet<&str>> = BTreeMap::new();
    for r in &identified {
        if let Some(y) = report_year(r) {
            persons_year.entry(y).or_default().insert(r.person.as_str());
        }
    }
    for (i, y) in years.iter().enumerate() {
        m[i][0] = identified.iter().filter(|r| report_year(r) == Some(*y)).count() as i64;
        let ps = persons_year.get(y).cloned().unwrap_or_default();
        m[i][1] = ps.len() as i64;
        m[i][2] = ps.iter().filter(|p| first_seen.get(*p) == Some(y)).count() as i64;
    }
    let cols = vec![t(lang, "col.reports"), t(lang, "col.persons"), t(lang, "col.new_persons")];
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| ["reports", "persons", "new_persons"].iter().map(|p| c.key(p, &[("year", y)])).collect())
        .collect();
    c.flat("persons", "registrations", year_labels.clone(), cols, &keys, &m)?;
    // New persons are persons of the year: persons = new + seen before.
    for (i, y) in year_labels.iter().enumerate() {
        let all = c.release.id(&keys[i][1]).expect("just added");
        let new = c.release.id(&keys[i][2]).expect("just added");
        let old = c.latent("persons_seen_before", &[("year", y)], m[i][1] - m[i][2])?;
        c.relation(all, &[new, old])?;
    }

    // 2. Statistical reports and signals.
    let signal_year = |s: &zicht_store::extract::SignalRow| date(&s.signal_date).map(|d| d.year());
    let mut m = vec![vec![0i64; 6]; years.len()];
    for (i, y) in years.iter().enumerate() {
        for r in in_period.iter().filter(|r| report_year(r) == Some(*y)) {
            let minor = age(r) == "minor";
            if r.identification == "identified" {
                m[i][0] += 1;
                m[i][3] += i64::from(minor);
            } else {
                m[i][1] += 1;
                m[i][4] += i64::from(minor);
            }
        }
        for s in x.signals.iter().filter(|s| signal_year(s) == Some(*y)) {
            m[i][2] += 1;
            m[i][5] += i64::from(matches!(s.age_band.as_deref(), Some("0-8" | "9-17")));
        }
    }
    let cols: Vec<String> =
        ["identified", "statistical", "signals", "minors_identified", "minors_statistical", "minors_signals"]
            .iter()
            .map(|k| t(lang, &format!("col.{k}")))
            .collect();
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| {
            let yy = ("year", y.as_str());
            vec![
                c.key("reports", &[yy]),
                c.key("statistical", &[yy]),
                c.key("signals", &[yy]),
                c.key("reports", &[yy, ("age", "minor")]),
                c.key("statistical", &[yy, ("age", "minor")]),
                c.key("signals", &[yy, ("age", "minor")]),
            ]
        })
        .collect();
    c.flat("hidden", "hidden", year_labels.clone(), cols, &keys, &m)?;
    let m_hidden = m.clone();
    // The share of minors added by statistical reports and signals: its base is the sum of the three
    // minors' cells and its numerator the last two, both cells of the model; the printed percentage
    // (one decimal) bounds the numerator for the reader.
    let mut share = Vec::with_capacity(years.len());
    for (i, y) in year_labels.iter().enumerate() {
        let r = &m[i];
        let ids: Vec<CellId> = keys[i][3..].iter().map(|k| c.release.id(k).expect("just added")).collect();
        let all = r[3] + r[4] + r[5];
        let base = c.printed("minors_all", &[("year", y)], all, W_TOTAL)?;
        c.relation(base, &ids)?;
        let added = c.latent("minors_added", &[("year", y)], r[4] + r[5])?;
        c.relation(added, &ids[1..])?;
        // The public edition computes the percentage from the published (perturbed) counts
        // (post-processing), so it says no more than they do.
        let (num, den) =
            (published(c.policy, c.release.key(added), r[4] + r[5]), published(c.policy, c.release.key(base), all));
        let v = (den > 0).then(|| round1(100.0 * num as f64 / den as f64));
        let cell = c.share(v, None, Some(base), all, Some((r[4] + r[5], r[3])));
        if let (Pending::Share { rule: Flag::Shown, .. }, Some(p)) = (&cell, v) {
            let (lo, hi) = if c.policy.edition() == "public" {
                // The reader gets the published numerator from the published base.
                published_window(c.policy, c.release.key(added), r[4] + r[5])
            } else {
                // p ± 0.05 % of the base.
                (((p - 0.05) * all as f64 / 100.0).ceil() as i64, ((p + 0.05) * all as f64 / 100.0).floor() as i64)
            };
            c.ratio_known.push((added, base, lo.max(0), hi));
        }
        c.ratios.push(crate::Ratio {
            numerator: c.release.key(added).to_string(),
            base: c.release.key(base).to_string(),
            table: "hidden_share".into(),
            row: i,
            column: 0,
        });
        share.push(vec![cell]);
    }
    c.push(
        "hidden_share",
        "hidden",
        Unit::Percent,
        false,
        year_labels.clone(),
        vec![t(lang, "col.share_added")],
        share,
        vec![],
    );

    // 3. Alerts: in the public edition by reporter type only.
    let alerts = alerts(x, from, to, lang, opts.policy.edition() == "internal");

    // 4. Re-victimisation.
    let end = NaiveDate::from_ymd_opt(to, 12, 31).unwrap_or(NaiveDate::MAX);
    let persons = cohort(x, from, to, end);
    let ci_cols: Vec<String> = YEARS_CI.iter().map(|y| tf(lang, "col.years", &[("n", format!("{y}"))])).collect();
    let victim = CohortOptions { outcome: Outcome::Victimisation { categories: None } };
    let suspect = CohortOptions { outcome: Outcome::Suspect };
    let mut revict_overall: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    // The cohort's sizes per subgroup are cells of the model (the bases of every curve), with
    // "unknown" latent: all = Σ groups for each subgrouping.
    let subgroupings = [
        (Subgrouping::All, "all"),
        (Subgrouping::MinorAtRegistration, "minor"),
        (Subgrouping::FormOfExploitation, "form"),
        (Subgrouping::VictimGroup, "group"),
    ];
    let mut base_of: BTreeMap<(&str, String), CellId> = BTreeMap::new();
    if !persons.is_empty() {
        let all = c.printed("cohort", &[], persons.len() as i64, W_HEADLINE)?;
        base_of.insert(("all", "all".into()), all);
        for (by, name) in &subgroupings[1..] {
            let mut n: BTreeMap<String, i64> = BTreeMap::new();
            for p in &persons {
                *n.entry(by.label(p)).or_default() += 1;
            }
            let mut parts = Vec::new();
            for (g, v) in n {
                let id = if g == "unknown" {
                    c.latent("cohort", &[(name, &g)], v)?
                } else {
                    c.printed("cohort", &[(name, &g)], v, W_TOTAL)?
                };
                parts.push(id);
                base_of.insert((name, g), id);
            }
            c.relation(all, &parts)?;
        }
    }
    if !persons.is_empty() {
        for (outcome, id) in [(&victim, "revict"), (&suspect, "overlap")] {
            let mut ci_rows = Vec::new();
            let mut ci_cells = Vec::new();
            let rows = build_cohort(&persons, outcome).map_err(|e| ReportError::Chart(e.to_string()))?;
            let subs: &[(Subgrouping, &str)] = if id == "revict" { &subgroupings } else { &subgroupings[..2] };
            for &(by, name) in subs {
                let inc = incidence_by_subgroup(&persons, &rows, by, &YEARS_CI, true).unwrap_or_default();
                for g in inc {
                    if g.group == "unknown" {
                        continue;
                    }
                    ci_rows.push(cat(lang, &g.group));
                    let base = base_of.get(&(name, g.group.clone())).copied();
                    let follow = FollowUp::of(&persons, &rows, by, &g.group);
                    let cells: Vec<Pending> =
                        g.at.iter()
                            .map(|&(t, p, v)| {
                                let iv = p.zip(v).map(|(p, v)| {
                                    let se = v.max(0.0).sqrt();
                                    (round1(100.0 * (p - 1.96 * se).max(0.0)), round1(100.0 * (p + 1.96 * se).min(1.0)))
                                });
                                c.share(p.map(|p| round1(100.0 * p)), iv, base, g.n as i64, Some(follow.at(t)))
                            })
                            .collect();
                    if id == "revict" && by != Subgrouping::FormOfExploitation && by != Subgrouping::VictimGroup {
                        revict_overall.insert(g.group.clone(), cells.iter().map(pending_value).collect());
                    }
                    ci_cells.push(cells);
                }
            }
            c.push(id, "revictimisation", Unit::Percent, false, ci_rows, ci_cols.clone(), ci_cells, vec![]);
            if id == "revict" {
                // Curves by month, minors and adults and all; every step under the frequency rule.
                let months: Vec<f64> = (1..=CURVE_MONTHS).map(|m| m as f64 / 12.0).collect();
                let mut rows_l = Vec::new();
                let mut cells = Vec::new();
                for (by, name) in &subgroupings[..2] {
                    for g in incidence_by_subgroup(&persons, &rows, *by, &months, true).unwrap_or_default() {
                        if g.group == "unknown" {
                            continue;
                        }
                        rows_l.push(cat(lang, &g.group));
                        let base = base_of.get(&(*name, g.group.clone())).copied();
                        let follow = FollowUp::of(&persons, &rows, *by, &g.group);
                        cells.push(
                            g.at.iter()
                                .map(|&(t, p, _)| {
                                    c.share(p.map(|p| round1(100.0 * p)), None, base, g.n as i64, Some(follow.at(t)))
                                })
                                .collect(),
                        );
                    }
                }
                let cols: Vec<String> = (1..=CURVE_MONTHS).map(|m| format!("{m}")).collect();
                c.push("revict_curves", "revictimisation", Unit::Percent, false, rows_l, cols, cells, vec![]);
                // Crimes that follow.
                let mut m = vec![vec![0i64; 1]; CRIMES.len()];
                for p in &persons {
                    let mut seen = BTreeSet::new();
                    for e in &p.events {
                        if let FollowUpKind::Victimisation { category } = &e.kind
                            && e.date > p.entry
                            && e.date <= p.end_of_follow_up
                        {
                            seen.insert(pos(&CRIMES, category));
                        }
                    }
                    for s in seen {
                        m[s][0] += 1;
                    }
                }
                let rows_l = c.labels(&CRIMES);
                let keys: Vec<Vec<String>> =
                    CRIMES.iter().map(|k| vec![c.key("cohort_later", &[("crime", k)])]).collect();
                c.flat("crimes_after", "revictimisation", rows_l, vec![t(lang, "col.later_victims")], &keys, &m)?;
                // Each crime's later victims are persons of the cohort.
                if let Some(&all) = base_of.get(&("all", "all".to_string())) {
                    for ((k, row), name) in keys.iter().zip(&m).zip(CRIMES) {
                        let crime = c.release.id(&k[0]).expect("just added");
                        let rest = c.latent("cohort_not_later", &[("crime", name)], persons.len() as i64 - row[0])?;
                        c.relation(all, &[crime, rest])?;
                    }
                }
            }
        }
    }

    // 5. Dark number per year, from one model over the period (crate::dark). The bases are persons of
    // the year (all, with a minor's report, with no minor's report): cells of the model shared with the
    // persons and care tables, with the persons seen as both latent.
    let seen = crate::dark::person_years(&identified, &years, report_year, |r| age(r) == "minor", list_of);
    let dark = crate::dark::estimate_people(&seen, &years, &LISTS, opts.dark_replicates, opts.dark_design);
    let mut rows_l = Vec::new();
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    let mut dark_all: BTreeMap<i32, (Option<f64>, i64, Option<CellId>)> = BTreeMap::new();
    for &y in &years {
        let ys = y.to_string();
        let mut kinds: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for r in identified.iter().filter(|r| report_year(r) == Some(y)) {
            let e = kinds.entry(r.person.as_str()).or_default();
            if age(r) == "minor" {
                e.0 = true;
            } else {
                e.1 = true;
            }
        }
        let count = |f: fn(&(bool, bool)) -> bool| kinds.values().filter(|k| f(k)).count() as i64;
        let n_all = kinds.len() as i64;
        let all_id = c.printed("persons", &[("year", &ys)], n_all, W_TOTAL)?;
        let minor_id = c.printed("persons", &[("year", &ys), ("age", "minor")], count(|k| k.0), W_TOTAL)?;
        // Persons with an adult's report: no table prints them since the adult estimate is of the
        // persons with no minor's report, but readers' facts below still hold of them.
        let adult_id = c.latent("persons", &[("year", &ys), ("age", "adult")], count(|k| k.1))?;
        let mo = c.latent("persons", &[("year", &ys), ("age", "minor_only")], count(|k| k.0 && !k.1))?;
        // Printed: the base of the adult estimate (persons with no minor's report).
        let ao = c.printed("persons", &[("year", &ys), ("age", "adult_only")], count(|k| !k.0 && k.1), W_TOTAL)?;
        let both = c.latent("persons", &[("year", &ys), ("age", "minor_and_adult")], count(|k| k.0 && k.1))?;
        c.relation(all_id, &[mo, ao, both])?;
        c.relation(minor_id, &[mo, both])?;
        c.relation(adult_id, &[ao, both])?;
        // A person with a minor's report in the year counts as a minor, so that the groups add up:
        // the adult group is the persons with no minor's report (all − minor, known to every reader).
        for (stratum, base, n) in
            [("all", all_id, n_all), ("minor", minor_id, count(|k| k.0)), ("adult", ao, count(|k| !k.0 && k.1))]
        {
            let e = dark.estimates.get(&(y, stratum));
            rows_l.push(format!("{y} {}", cat(lang, stratum)));
            cells.push(vec![c.share(
                e.map(|e| e.estimate.round()),
                e.map(|e| (e.interval.0.round(), e.interval.1.round())),
                Some(base),
                n,
                None,
            )]);
            // The lists, the estimate's warnings, and why there is none.
            let flags = e.into_iter().flat_map(|e| e.flags.iter().map(|f| t(lang, f)));
            // The models that carry the average, side by side: how much the choice of model matters.
            // Only beside an estimate that is shown (a base of at least 50).
            let models = e.filter(|_| dark.models.len() > 1 && n >= c.policy.min_base).map(|e| {
                let list: Vec<String> = dark
                    .models
                    .iter()
                    .zip(&e.by_model)
                    .map(|(m, v)| {
                        let name = if m.against_best.is_empty() {
                            t(lang, "note.chosen_model")
                        } else {
                            m.against_best.clone()
                        };
                        let v = v.map_or("–".to_string(), |v| format!("{v:.0}"));
                        format!("{name} {v} ({:.0} %)", 100.0 * m.weight)
                    })
                    .collect();
                tf(lang, "note.dark_models", &[("list", list.join("; "))])
            });
            let note = std::iter::once(format!("lists {}", dark.lists.join(" ")))
                .chain(flags)
                .chain(models)
                .chain(dark.note.clone());
            notes.push(note.collect::<Vec<_>>().join("; "));
            if stratum == "all" {
                dark_all.insert(y, (e.map(|e| e.estimate.round()), n, Some(base)));
            }
        }
    }
    // One model for every row: named once, on the first.
    if let Some(first) = notes.first_mut()
        && !dark.model.is_empty()
    {
        first.push_str(&format!("; model {}", dark.model));
    }
    c.push("dark", "dark", Unit::Estimate, false, rows_l, vec![t(lang, "col.estimate")], cells, notes);

    // What every reader knows besides: a person of a year has at least one report of that year
    // (of a minor's report, a minor's report; of an adult's, a report that is not a minor's); a
    // statistical report or signal of a minor is one of the year's. Each as `total = part + slack`
    // with the slack latent.
    for (i, y) in year_labels.iter().enumerate() {
        let yy = ("year", y.as_str());
        let id = |c: &Ctx<'_>, pop: &str, attrs: &[(&str, &str)]| c.release.id(&c.key(pop, attrs));
        let (Some(reports), Some(minor_reports), Some(persons), Some(minor_persons), Some(adult_persons)) = (
            id(&c, "reports", &[yy]),
            id(&c, "reports", &[yy, ("age", "minor")]),
            id(&c, "persons", &[yy]),
            id(&c, "persons", &[yy, ("age", "minor")]),
            id(&c, "persons", &[yy, ("age", "adult")]),
        ) else {
            continue;
        };
        let t = |c: &Ctx<'_>, id: CellId| c.release.truth(id);
        let not_minor = c.latent("reports", &[yy, ("age", "not_minor")], t(&c, reports) - t(&c, minor_reports))?;
        c.relation(reports, &[minor_reports, not_minor])?;
        for (total, part, name) in [
            (reports, persons, "all"),
            (minor_reports, minor_persons, "minor"),
            (not_minor, adult_persons, "not_minor"),
        ] {
            let slack = c.latent("reports_beyond_first", &[yy, ("age", name)], t(&c, total) - t(&c, part))?;
            c.relation(total, &[part, slack])?;
        }
        for pop in ["statistical", "signals"] {
            if let (Some(all), Some(minors)) = (id(&c, pop, &[yy]), id(&c, pop, &[yy, ("age", "minor")])) {
                let rest = c.latent(
                    pop,
                    &[yy, ("age", "not_minor")],
                    m_hidden[i][if pop == "statistical" { 1 } else { 2 }] - t(&c, minors),
                )?;
                let _ = t(&c, all);
                c.relation(all, &[minors, rest])?;
            }
        }
    }

    // 6. Care after 18; age at start by age at registration.
    let mut m = vec![vec![0i64; 2]; years.len()];
    for (i, y) in years.iter().enumerate() {
        let mut minors = BTreeSet::new();
        let mut turning = BTreeSet::new();
        for r in identified.iter().filter(|r| report_year(r) == Some(*y) && age(r) == "minor") {
            minors.insert(r.person.as_str());
            if r.age_at_report == Some(17) {
                turning.insert(r.person.as_str());
            }
        }
        m[i] = vec![minors.len() as i64, turning.len() as i64];
    }
    let cols = vec![t(lang, "col.minors"), t(lang, "col.turn18")];
    let keys: Vec<Vec<String>> = year_labels
        .iter()
        .map(|y| {
            vec![
                c.key("persons", &[("year", y), ("age", "minor")]),
                c.key("persons", &[("year", y), ("age", "minor_17")]),
            ]
        })
        .collect();
    c.flat("care", "care", year_labels.clone(), cols, &keys, &m)?;
    for (i, y) in year_labels.iter().enumerate() {
        let minors = c.release.id(&keys[i][0]).expect("just added");
        let at17 = c.release.id(&keys[i][1]).expect("just added");
        let younger = c.latent("persons", &[("year", y), ("age", "minor_under_17")], m[i][0] - m[i][1])?;
        c.relation(minors, &[at17, younger])?;
    }
    let mut firsts: BTreeMap<&str, &ReportRow> = BTreeMap::new();
    for r in &identified {
        firsts.entry(r.person.as_str()).or_insert(r);
    }
    let mut m = vec![vec![0i64; AGES.len()]; AGES.len()];
    for r in firsts.values() {
        m[pos(&AGES, age_cat(r.age_at_start))][pos(&AGES, age(r))] += 1;
    }
    let (rows, cols) = (c.axis("age_start", &AGES), c.axis("age", &AGES));
    c.two_way("age_start", "care", "persons_first", rows, cols, &m, true)?;
    // A person's first report is one of the period's reports of that age.
    for a in AGES {
        if let (Some(first), Some(reports)) =
            (c.release.id(&c.key("persons_first", &[("age", a)])), c.release.id(&c.key("reports", &[("age", a)])))
        {
            let v = c.release.truth(reports) - c.release.truth(first);
            let slack = c.latent("reports_beyond_first", &[("age", a)], v)?;
            c.relation(reports, &[first, slack])?;
        }
    }
    // Nobody is older at the start of the exploitation than at the report: those cells are zeros
    // every reader knows (structural zeros), not small counts.
    for (i, j) in [(1, 0), (2, 0), (2, 1)] {
        if m[i][j] == 0 {
            let k = c.key("persons_first", &[("age_start", AGES[i]), ("age", AGES[j])]);
            let id = c.release.id(&k).expect("just added");
            c.release.state(id);
        }
    }

    // 7. Data quality per reporter type: each "missing" column counts the same reports as the
    // "unknown" column of a registration table, so its column sum is that table's period total.
    let missing: [Missing; 5] = [
        ("missing_sex", "sex", |r| sex(r) == "unknown"),
        ("missing_birth_year", "birth_year", |r| r.birth_year.is_none()),
        ("missing_nationality", "nationality", |r| nationality(r) == "unknown"),
        ("missing_domestic", "domestic", |r| domestic(r) == "unknown"),
        ("missing_municipality", "municipality", |r| r.municipality.is_none()),
    ];
    let mut m = vec![vec![0i64; 1 + missing.len()]; REPORTER_TYPES.len()];
    for r in &identified {
        let i = pos(REPORTER_TYPES, &r.reporter_type);
        m[i][0] += 1;
        for (k, (_, _, f)) in missing.iter().enumerate() {
            m[i][k + 1] += i64::from(f(r));
        }
    }
    let cols: Vec<String> =
        std::iter::once("reports").chain(missing.iter().map(|x| x.0)).map(|k| t(lang, &format!("col.{k}"))).collect();
    let keep: Vec<usize> = (0..REPORTER_TYPES.len()).filter(|&i| m[i][0] > 0).collect();
    let keys: Vec<Vec<String>> = keep
        .iter()
        .map(|&i| {
            let rt = ("reporter", REPORTER_TYPES[i]);
            std::iter::once(c.key("reports", &[rt]))
                .chain(missing.iter().map(|(_, attr, _)| c.key("reports", &[rt, (attr, "unknown")])))
                .collect()
        })
        .collect();
    let mk: Vec<Vec<i64>> = keep.iter().map(|&i| m[i].clone()).collect();
    let rl: Vec<String> = keep.iter().map(|&i| cat(lang, REPORTER_TYPES[i])).collect();
    c.flat("quality", "quality", rl, cols, &keys, &mk)?;
    for (k, (_, attr, _)) in missing.iter().enumerate() {
        let mut parts = Vec::new();
        for (row, &i) in keep.iter().enumerate() {
            let rt = ("reporter", REPORTER_TYPES[i]);
            let reports = c.release.id(&keys[row][0]).expect("just added");
            let miss = c.release.id(&keys[row][k + 1]).expect("just added");
            let known = c.latent("reports", &[rt, (attr, "known")], m[i][0] - m[i][k + 1])?;
            c.relation(reports, &[miss, known])?;
            parts.push(miss);
        }
        let total: i64 = keep.iter().map(|&i| m[i][k + 1]).sum();
        let unknown = match c.release.id(&c.key("reports", &[(attr, "unknown")])) {
            Some(id) => id,
            None => c.latent("reports", &[(attr, "unknown")], total)?,
        };
        c.relation(unknown, &parts)?;
    }

    // Validation.
    if let Some(truth) = &opts.truth {
        let mut m = vec![vec![0i64; 5]; years.len()];
        for (i, y) in years.iter().enumerate() {
            let (tp, tr, pop) = truth.registered.get(y).copied().unwrap_or_default();
            m[i] = vec![
                identified.iter().filter(|r| report_year(r) == Some(*y)).count() as i64,
                tr as i64,
                persons_year.get(y).map_or(0, BTreeSet::len) as i64,
                tp as i64,
                pop as i64,
            ];
        }
        let cols: Vec<String> =
            ["reports_monitor", "reports_truth", "persons_monitor", "persons_truth", "population_truth"]
                .iter()
                .map(|k| t(lang, &format!("col.{k}")))
                .collect();
        let keys: Vec<Vec<String>> = year_labels
            .iter()
            .map(|y| {
                ["reports", "truth_reports", "persons", "truth_persons", "truth_population"]
                    .iter()
                    .map(|p| c.key(p, &[("year", y)]))
                    .collect()
            })
            .collect();
        c.flat("val_registered", "validation", year_labels.clone(), cols, &keys, &m)?;
        let mut rows_l = Vec::new();
        let mut cells = Vec::new();
        for g in ["all", "minor", "adult"] {
            let name = if g == "all" { "all" } else { "minor" };
            if let Some(est) = revict_overall.get(g) {
                let n = persons.iter().filter(|p| g == "all" || p.minor_at_registration == Some(g == "minor")).count();
                let base = base_of.get(&(name, g.to_string())).copied();
                rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.monitor")));
                cells.push(est.iter().map(|v| c.share(*v, None, base, n as i64, None)).collect());
            }
            rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.truth")));
            cells.push(
                YEARS_CI
                    .iter()
                    .map(|&yv| {
                        let k = (g.to_string(), yv as u32);
                        let (n, ci) = truth.revictimisation.get(&k).copied().unwrap_or((0, f64::NAN));
                        c.share(ci.is_finite().then(|| round1(100.0 * ci)), None, None, n as i64, None)
                    })
                    .collect(),
            );
        }
        c.push("val_revict", "validation", Unit::Percent, false, rows_l, ci_cols.clone(), cells, vec![]);
        let mut cells = Vec::new();
        for y in &years {
            let (est, n, base) = dark_all.get(y).copied().unwrap_or((None, 0, None));
            let pop = truth.registered.get(y).map_or(0, |v| v.2);
            cells
                .push(vec![c.share(est, None, base, n, None), c.share(Some(pop as f64), None, None, pop as i64, None)]);
        }
        let cols = vec![t(lang, "col.estimate"), t(lang, "col.population_truth")];
        c.push("val_dark", "validation", Unit::Estimate, false, year_labels.clone(), cols, cells, vec![]);
    }

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
        let Some(d) = date(&r.report_date) else { continue };
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
        let Some(d) = date(&e.event_date) else { continue };
        let kind = match e.kind.as_str() {
            "victimisation" => {
                FollowUpKind::Victimisation { category: e.crime_category.clone().unwrap_or_else(|| "other".into()) }
            }
            "suspect" => FollowUpKind::Suspect,
            "emigration" => FollowUpKind::Emigration,
            "death" => FollowUpKind::Death,
            _ => continue,
        };
        events.entry(e.person.as_str()).or_default().push(FollowUpEvent { date: d, kind });
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
            sex: r.sex.clone(),
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
    let idx = |d: &str| {
        date(d).and_then(|d| {
            let k = (d.year() - from) * 12 + d.month0() as i32;
            (0..n as i32).contains(&k).then_some(k as usize)
        })
    };
    let mut all = vec![0u64; n];
    let mut by_type: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut by_reporter: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in &x.reports {
        if let Some(k) = idx(&r.report_date) {
            all[k] += 1;
            by_type.entry(&r.reporter_type).or_insert_with(|| vec![0; n])[k] += 1;
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

    fn report(exploitation: &str, domestic: Option<bool>, age: Option<i64>) -> ReportRow {
        ReportRow {
            report_date: "2018-05-01".into(),
            reporter: "R".into(),
            reporter_type: "police".into(),
            identification: "identified".into(),
            sex: None,
            birth_year: None,
            age_band: None,
            age_at_report: age,
            minor: age.map(|a| a < 18),
            age_at_start: None,
            nationality_group: None,
            exploitation: exploitation.into(),
            domestic,
            municipality: None,
            person: "p".into(),
        }
    }

    #[test]
    fn cohort_counts_statistical_reports_and_enters_at_the_first_report() {
        let mut stat = report("sexual", None, Some(15));
        stat.identification = "statistical".into();
        stat.person = "minor".into();
        stat.report_date = "2016-03-01".into();
        let mut later = report("sexual", None, Some(16));
        later.person = "minor".into();
        later.report_date = "2017-03-01".into();
        let adult = report("labour", None, Some(30));
        let event = |person: &str, date: &str| zicht_store::extract::EventRow {
            event_date: date.into(),
            kind: "victimisation".into(),
            crime_category: Some("assault".into()),
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
        assert_eq!(age(&report("x", None, Some(17))), "minor");
        assert_eq!(age(&report("x", None, Some(18))), "18-22");
        assert_eq!(age(&report("x", None, Some(22))), "18-22");
        assert_eq!(age(&report("x", None, Some(23))), "23+");
        assert_eq!(age(&report("x", None, None)), "unknown");
        assert_eq!(list_of("youth_care"), "O");
        assert_eq!(list_of("guardianship"), "Z");
        assert_eq!(list_of("ngo"), "Z");
        assert_eq!(month_label(2012, 76), "2018-05");
    }

    #[test]
    fn an_empty_period_or_one_outside_the_data_is_an_error() {
        let late = ReportRow { report_date: "2022-05-01".into(), ..report("sexual", None, Some(30)) };
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
