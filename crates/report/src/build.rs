//! Builds every table of the monitor from the extract and protects it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use zicht_disclose::{Cell, Counts, Grid, Policy, Unit, grid, protect_counts, protect_share};
use zicht_stats::alerts::{AlertKind, AlertOptions, detect, seasonal_profile};
use zicht_stats::mse::{CaptureTable, Method, select};
use zicht_stats::survival::{
    CohortOptions, FollowUpEvent, FollowUpKind, Outcome, Person, Subgrouping, build_cohort, incidence_by_subgroup,
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
const REPORTER_TYPES: [&str; 13] = [
    "police",
    "border_police",
    "labour_inspectorate",
    "care_coordinator",
    "shelter",
    "youth_care",
    "guardianship",
    "municipality",
    "immigration",
    "legal_aid",
    "help_chat",
    "ngo",
    "other",
];
const CRIMES: [&str; 6] = ["exploitation", "assault", "threat", "sexual_violence", "property", "other"];
/// The lists of the dark-number studies, by reporter type.
const LISTS: [&str; 6] = ["P", "K", "I", "R", "O", "Z"];
const YEARS_CI: [f64; 7] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];

fn list_of(reporter_type: &str) -> &'static str {
    match reporter_type {
        "police" => "P",
        "border_police" => "K",
        "labour_inspectorate" => "I",
        "care_coordinator" => "R",
        "shelter" | "youth_care" | "guardianship" => "O",
        _ => "Z",
    }
}

/// A registration table: id, category codes, and the category of a report.
type Breakdown = (&'static str, &'static [&'static str], fn(&ReportRow) -> &str);

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

struct Ctx<'a> {
    lang: Lang,
    policy: &'a Policy,
    period: String,
    source: String,
    salt: u64,
    tables: Vec<Table>,
}

impl Ctx<'_> {
    fn labels(&self, codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| cat(self.lang, c)).collect()
    }

    fn push(&mut self, id: &str, section: &str, g: Grid, row_notes: Vec<String>) {
        self.tables.push(Table {
            id: id.into(),
            section: section.into(),
            title: t(self.lang, &format!("t.{id}")),
            definition: t(self.lang, &format!("t.{id}.def")),
            source: self.source.clone(),
            period: self.period.clone(),
            row_notes,
            grid: g,
        });
    }

    fn counts(
        &mut self,
        id: &str,
        section: &str,
        rows: Vec<String>,
        cols: Vec<String>,
        m: &[Vec<i64>],
        totals: bool,
    ) -> Result<(), ReportError> {
        self.salt += 1;
        // Categories with no case at all (e.g. a form nobody reported) are left out: an all-zero line
        // tells nothing, and hiding it would force needless complementary suppressions.
        let keep_c: Vec<usize> = (0..cols.len()).filter(|&j| m.iter().any(|r| r[j] != 0)).collect();
        let keep_r: Vec<usize> = (0..rows.len()).filter(|&i| m[i].iter().any(|&v| v != 0)).collect();
        let (keep_c, keep_r) = if keep_c.is_empty() || keep_r.is_empty() {
            ((0..cols.len()).collect(), (0..rows.len()).collect())
        } else {
            (keep_c, keep_r)
        };
        let cols: Vec<String> = keep_c.iter().map(|&j| cols[j].clone()).collect();
        let rows: Vec<String> = keep_r.iter().map(|&i| rows[i].clone()).collect();
        let m: Vec<Vec<i64>> = keep_r.iter().map(|&i| keep_c.iter().map(|&j| m[i][j]).collect()).collect();
        let total = t(self.lang, "col.total");
        let table = Counts { name: id, rows, columns: cols, counts: &m, totals: totals.then_some(total.as_str()) };
        let g = protect_counts(table, self.policy, self.salt)?;
        self.push(id, section, g, Vec::new());
        Ok(())
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

/// Builds the monitor.
pub fn build(x: &Extract, opts: &Options) -> Result<Monitor, ReportError> {
    let lang = opts.lang;
    let report_year = |r: &ReportRow| date(&r.report_date).map(|d| d.year());
    let all_years: BTreeSet<i32> = x.reports.iter().filter_map(report_year).collect();
    let from = opts.from.or(all_years.first().copied()).unwrap_or(2000);
    let to = opts.to.or(all_years.last().copied()).unwrap_or(2000);
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
        source: t(lang, "doc.source"),
        salt: 0,
        tables: Vec::new(),
    };
    let yr = |r: &&ReportRow| report_year(r);

    // 1. Registrations.
    let breakdowns: [Breakdown; 7] = [
        ("reg_by_form", &FORMS, |r| form(r)),
        ("reg_by_group", &GROUPS, group),
        ("reg_by_age", &AGES, age),
        ("reg_by_sex", &SEXES, |r| known(r.sex.as_deref(), &["female", "male"])),
        ("reg_by_nationality", &NATIONALITIES, |r| known(r.nationality_group.as_deref(), &["home", "eu", "non_eu"])),
        ("reg_by_reporter", &REPORTER_TYPES, |r| r.reporter_type.as_str()),
        ("reg_by_domestic", &DOMESTIC, |r| match r.domestic {
            Some(true) => "domestic",
            Some(false) => "cross_border",
            None => "unknown",
        }),
    ];
    for (id, codes, f) in breakdowns {
        let m = cross(&identified, &years, yr, |r| pos(codes, f(r)), codes.len());
        let cols = c.labels(codes);
        c.counts(id, "registrations", year_labels.clone(), cols, &m, true)?;
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
    let rows: Vec<String> = municipalities.iter().map(|c| cat(lang, c)).collect();
    c.counts("reg_by_municipality", "registrations", rows, year_labels.clone(), &m, true)?;
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
    c.counts("persons", "registrations", year_labels.clone(), cols, &m, false)?;

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
    c.counts("hidden", "hidden", year_labels.clone(), cols, &m, false)?;
    let share: Vec<Vec<Cell>> = m
        .iter()
        .map(|r| {
            let all = r[3] + r[4] + r[5];
            let v = (all > 0).then(|| round1(100.0 * (r[4] + r[5]) as f64 / all as f64));
            vec![protect_share(v, all, None, &opts.policy)]
        })
        .collect();
    c.push(
        "hidden_share",
        "hidden",
        grid(Unit::Percent, year_labels.clone(), vec![t(lang, "col.share_added")], share),
        vec![],
    );

    // 3. Alerts.
    let alerts = alerts(x, from, to, lang);

    // 4. Re-victimisation.
    let end = NaiveDate::from_ymd_opt(to, 12, 31).unwrap_or(NaiveDate::MAX);
    let persons = cohort(x, from, to, end);
    let ci_cols: Vec<String> = YEARS_CI.iter().map(|y| tf(lang, "col.years", &[("n", format!("{y}"))])).collect();
    let mut ci_rows = Vec::new();
    let mut ci_cells = Vec::new();
    let victim = CohortOptions { outcome: Outcome::Victimisation { categories: None } };
    let suspect = CohortOptions { outcome: Outcome::Suspect };
    let mut revict_overall: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    if !persons.is_empty() {
        for (outcome, id) in [(&victim, "revict"), (&suspect, "overlap")] {
            ci_rows.clear();
            ci_cells.clear();
            let rows = build_cohort(&persons, outcome).map_err(|e| ReportError::Chart(e.to_string()))?;
            let subs: &[Subgrouping] = if id == "revict" {
                &[
                    Subgrouping::All,
                    Subgrouping::MinorAtRegistration,
                    Subgrouping::FormOfExploitation,
                    Subgrouping::VictimGroup,
                ]
            } else {
                &[Subgrouping::All, Subgrouping::MinorAtRegistration]
            };
            for &by in subs {
                let inc = incidence_by_subgroup(&persons, &rows, by, &YEARS_CI, true).unwrap_or_default();
                for g in inc {
                    if g.group == "unknown" {
                        continue;
                    }
                    ci_rows.push(cat(lang, &g.group));
                    let cells: Vec<Cell> =
                        g.at.iter()
                            .map(|&(_, p, v)| {
                                let iv = p.zip(v).map(|(p, v)| {
                                    let se = v.max(0.0).sqrt();
                                    (round1(100.0 * (p - 1.96 * se).max(0.0)), round1(100.0 * (p + 1.96 * se).min(1.0)))
                                });
                                protect_share(p.map(|p| round1(100.0 * p)), g.n as i64, iv, &opts.policy)
                            })
                            .collect();
                    if id == "revict" && by != Subgrouping::FormOfExploitation && by != Subgrouping::VictimGroup {
                        revict_overall.insert(g.group.clone(), cells.iter().map(|c| c.value).collect());
                    }
                    ci_cells.push(cells);
                }
            }
            c.push(
                id,
                "revictimisation",
                grid(Unit::Percent, ci_rows.clone(), ci_cols.clone(), ci_cells.clone()),
                vec![],
            );
            if id == "revict" {
                // Curves by month, minors and adults and all.
                let months: Vec<f64> = (1..=84).map(|m| f64::from(m) / 12.0).collect();
                let mut rows_l = Vec::new();
                let mut cells = Vec::new();
                for by in [Subgrouping::All, Subgrouping::MinorAtRegistration] {
                    for g in incidence_by_subgroup(&persons, &rows, by, &months, true).unwrap_or_default() {
                        if g.group == "unknown" {
                            continue;
                        }
                        rows_l.push(cat(lang, &g.group));
                        cells.push(
                            g.at.iter()
                                .map(|&(_, p, _)| {
                                    protect_share(p.map(|p| round1(100.0 * p)), g.n as i64, None, &opts.policy)
                                })
                                .collect(),
                        );
                    }
                }
                let cols: Vec<String> = (1..=84).map(|m| format!("{m}")).collect();
                c.push("revict_curves", "revictimisation", grid(Unit::Percent, rows_l, cols, cells), vec![]);
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
                c.counts("crimes_after", "revictimisation", rows_l, vec![t(lang, "col.later_victims")], &m, false)?;
            }
        }
    }

    // 5. Dark number per year.
    let mut rows_l = Vec::new();
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    let mut dark_all: BTreeMap<i32, (Option<f64>, i64)> = BTreeMap::new();
    for &y in &years {
        for (stratum, keep) in [("all", None), ("minor", Some(true)), ("adult", Some(false))] {
            let mut member: BTreeMap<&str, BTreeSet<&'static str>> = BTreeMap::new();
            for r in identified.iter().filter(|r| report_year(r) == Some(y)) {
                if keep.is_none() || keep == Some(age(r) == "minor") {
                    member.entry(r.person.as_str()).or_default().insert(list_of(&r.reporter_type));
                }
            }
            let used: Vec<String> =
                LISTS.iter().filter(|l| member.values().any(|s| s.contains(*l))).map(|l| l.to_string()).collect();
            let n = member.len() as i64;
            let fit = CaptureTable::from_named_memberships(used.clone(), member.values().map(|s| s.iter().copied()))
                .ok()
                .and_then(|tab| select(&tab, &Method::Stepwise { threshold: 0.02 }).ok());
            let (est, iv, model) = match &fit {
                Some(s) => (s.fit.estimate, s.fit.lognormal_interval(0.95), s.fit.model.describe(&used)),
                None => (None, None, "-".to_string()),
            };
            rows_l.push(format!("{y} {}", cat(lang, stratum)));
            cells.push(vec![protect_share(
                est.map(|e| e.round()),
                n,
                iv.map(|(a, b)| (a.round(), b.round())),
                &opts.policy,
            )]);
            notes.push(format!("lists {}; model {model}", used.join(" ")));
            if stratum == "all" {
                dark_all.insert(y, (est.map(f64::round), n));
            }
        }
    }
    c.push("dark", "dark", grid(Unit::Estimate, rows_l, vec![t(lang, "col.estimate")], cells), notes);

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
    c.counts("care", "care", year_labels.clone(), cols, &m, false)?;
    let mut firsts: BTreeMap<&str, &ReportRow> = BTreeMap::new();
    for r in &identified {
        firsts.entry(r.person.as_str()).or_insert(r);
    }
    let mut m = vec![vec![0i64; AGES.len()]; AGES.len()];
    for r in firsts.values() {
        m[pos(&AGES, age_cat(r.age_at_start))][pos(&AGES, age(r))] += 1;
    }
    let (rl, cl) = (c.labels(&AGES), c.labels(&AGES));
    c.counts("age_start", "care", rl, cl, &m, true)?;

    // 7. Data quality per reporter type.
    let mut m = vec![vec![0i64; 6]; REPORTER_TYPES.len()];
    for r in &identified {
        let i = pos(&REPORTER_TYPES, &r.reporter_type);
        m[i][0] += 1;
        m[i][1] += i64::from(r.sex.as_deref().is_none_or(|s| s == "unknown"));
        m[i][2] += i64::from(r.birth_year.is_none());
        m[i][3] += i64::from(r.nationality_group.is_none());
        m[i][4] += i64::from(r.domestic.is_none());
        m[i][5] += i64::from(r.municipality.is_none());
    }
    let cols: Vec<String> = [
        "reports",
        "missing_sex",
        "missing_birth_year",
        "missing_nationality",
        "missing_domestic",
        "missing_municipality",
    ]
    .iter()
    .map(|k| t(lang, &format!("col.{k}")))
    .collect();
    let rl = c.labels(&REPORTER_TYPES);
    c.counts("quality", "quality", rl, cols, &m, false)?;

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
        c.counts("val_registered", "validation", year_labels.clone(), cols, &m, false)?;
        let mut rows_l = Vec::new();
        let mut cells = Vec::new();
        for g in ["all", "minor", "adult"] {
            if let Some(est) = revict_overall.get(g) {
                let n = persons.iter().filter(|p| g == "all" || p.minor_at_registration == Some(g == "minor")).count();
                rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.monitor")));
                cells.push(est.iter().map(|v| protect_share(*v, n as i64, None, &opts.policy)).collect());
            }
            rows_l.push(format!("{} ({})", cat(lang, g), t(lang, "col.truth")));
            cells.push(
                YEARS_CI
                    .iter()
                    .map(|&yv| {
                        let k = (g.to_string(), yv as u32);
                        let (n, ci) = truth.revictimisation.get(&k).copied().unwrap_or((0, f64::NAN));
                        protect_share(ci.is_finite().then(|| round1(100.0 * ci)), n as i64, None, &opts.policy)
                    })
                    .collect(),
            );
        }
        c.push("val_revict", "validation", grid(Unit::Percent, rows_l, ci_cols.clone(), cells), vec![]);
        let mut cells = Vec::new();
        for y in &years {
            let (est, n) = dark_all.get(y).copied().unwrap_or((None, 0));
            let pop = truth.registered.get(y).map_or(0, |v| v.2);
            cells.push(vec![
                protect_share(est, n, None, &opts.policy),
                protect_share(Some(pop as f64), pop as i64, None, &opts.policy),
            ]);
        }
        let cols = vec![t(lang, "col.estimate"), t(lang, "col.population_truth")];
        c.push("val_dark", "validation", grid(Unit::Estimate, year_labels.clone(), cols, cells), vec![]);
    }

    let mut notes = vec![t(lang, "doc.marks"), t(lang, "m.disclosure")];
    if opts.policy.rounding_base.is_some() {
        notes.push(t(lang, "m.public"));
    }
    for k in ["m.alerts", "m.survival", "m.mse", "m.persons"] {
        notes.push(t(lang, k));
    }
    let tables = c.tables;
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
    })
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

/// Alerts per reporter type and per reporter, months from January of `from` to December of `to`.
fn alerts(x: &Extract, from: i32, to: i32, lang: Lang) -> Vec<AlertRow> {
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
    for (level, series) in [("reporter_type", &by_type), ("reporter", &by_reporter)] {
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
        assert_eq!(list_of("guardianship"), "O");
        assert_eq!(list_of("ngo"), "Z");
        assert_eq!(month_label(2012, 76), "2018-05");
    }

    #[test]
    fn an_empty_period_is_an_error() {
        let x = Extract { reports: vec![report("sexual", None, Some(30))], ..Default::default() };
        let opts =
            Options { from: Some(2000), to: Some(2001), lang: Lang::En, policy: Policy::internal(), truth: None };
        assert!(matches!(build(&x, &opts), Err(ReportError::Empty { .. })));
    }
}
