//! Writes a [`Simulation`] as the import files of `docs/formats.md` plus `truth/`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::codes::ReporterType;
use crate::{EventRow, ReportRow, SignalRow, SimError, Simulation};

/// Columns of `reports.csv`, in the order written: the model's ([`zicht_model::REPORT_COLUMNS`]) but
/// its last, `pseudonym` (statistical rows carry the three identity fields from which the import
/// computes it).
pub const REPORT_COLUMNS: &[&str] = without_pseudonym(zicht_model::REPORT_COLUMNS);

/// Columns of `events.csv`: the model's ([`zicht_model::EVENT_COLUMNS`]) but its last, `pseudonym`.
pub const EVENT_COLUMNS: &[&str] = without_pseudonym(zicht_model::EVENT_COLUMNS);

/// A column list without its last column, which must be `pseudonym` (checked by a unit test).
const fn without_pseudonym(columns: &'static [&'static str]) -> &'static [&'static str] {
    match columns.split_last() {
        Some((_, rest)) => rest,
        None => columns,
    }
}

pub const SIGNAL_COLUMNS: [&str; 7] =
    ["source", "external_id", "signal_date", "channel", "age_band", "exploitation", "region"];

/// `YYYY-MM-DD` (years 0–9999; chrono's `format` is several times slower in this hot loop).
fn date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(date).unwrap_or_default()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> SimError + '_ {
    move |source| SimError::Csv { path: path.to_path_buf(), source }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io { path: path.to_path_buf(), source }
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, SimError> {
    let file = File::create(path).map_err(io_err(path))?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file)))
}

fn finish<W: Write>(mut w: csv::Writer<W>, path: &Path) -> Result<(), SimError> {
    w.flush().map_err(io_err(path))
}

/// Writes `reports.csv`.
pub fn write_reports(rows: &[ReportRow], path: &Path) -> Result<(), SimError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record(REPORT_COLUMNS).map_err(&e)?;
    for r in rows {
        w.write_record([
            r.reporter.as_str(),
            r.reporter_type,
            &r.external_id,
            &date(r.report_date),
            r.identification,
            r.lawful_basis,
            r.guardian_consent.unwrap_or(""),
            r.given_names.as_deref().unwrap_or(""),
            r.family_name.as_deref().unwrap_or(""),
            &opt_date(r.birth_date),
            &opt(&r.birth_year),
            r.age_band.unwrap_or(""),
            &opt(&r.age_at_start),
            r.sex.unwrap_or(""),
            r.nationality.unwrap_or(""),
            r.residence_status.unwrap_or(""),
            &opt(&r.unaccompanied_minor),
            &r.exploitation,
            &opt(&r.domestic),
            r.municipality.unwrap_or(""),
            &r.means_of_control,
            &r.recruitment,
            r.document_number.as_deref().unwrap_or(""),
            r.citizen_number.as_deref().unwrap_or(""),
            r.address.as_deref().unwrap_or(""),
        ])
        .map_err(&e)?;
    }
    finish(w, path)
}

/// Writes `events.csv`.
pub fn write_events(rows: &[EventRow], path: &Path) -> Result<(), SimError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record(EVENT_COLUMNS).map_err(&e)?;
    for r in rows {
        w.write_record([
            r.source,
            &r.external_id,
            &date(r.event_date),
            r.kind,
            r.crime_category.unwrap_or(""),
            r.given_names.as_deref().unwrap_or(""),
            r.family_name.as_deref().unwrap_or(""),
            &opt_date(r.birth_date),
            r.sex.unwrap_or(""),
            r.nationality.unwrap_or(""),
            r.citizen_number.as_deref().unwrap_or(""),
        ])
        .map_err(&e)?;
    }
    finish(w, path)
}

/// Writes `signals.csv`.
pub fn write_signals(rows: &[SignalRow], path: &Path) -> Result<(), SimError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record(SIGNAL_COLUMNS).map_err(&e)?;
    for r in rows {
        w.write_record([
            r.source,
            &r.external_id,
            &date(r.signal_date),
            r.channel,
            r.age_band.unwrap_or(""),
            r.exploitation.unwrap_or(""),
            r.region.unwrap_or(""),
        ])
        .map_err(&e)?;
    }
    finish(w, path)
}

fn write_table<const N: usize>(
    path: &Path,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<(), SimError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record(header).map_err(&e)?;
    for r in rows {
        w.write_record(&r).map_err(&e)?;
    }
    finish(w, path)
}

fn flag(b: bool) -> String {
    if b { "1".into() } else { "0".into() }
}

/// Writes `reports.csv`, `events.csv`, `signals.csv` and `truth/` into `dir` (created if missing).
///
/// Truth files: `report_persons.csv` (reporter, external_id, person_id), `event_persons.csv`
/// (source, external_id, person_id — empty for decoys), `population.csv` (true victims active per
/// year by group, minor at 1 July, sex, nationality group), `lists.csv` (per person and year reported:
/// the lists P K I R O Z and then each reporter type, as 0/1), `revictimisation.csv` (true cumulative incidence at 1..7 years by
/// group) and `registered.csv` (registered persons, reports and signals per year).
pub fn write_dir(sim: &Simulation, dir: &Path) -> Result<(), SimError> {
    let truth_dir: PathBuf = dir.join("truth");
    fs::create_dir_all(&truth_dir).map_err(io_err(&truth_dir))?;
    write_reports(&sim.reports, &dir.join("reports.csv"))?;
    write_events(&sim.events, &dir.join("events.csv"))?;
    write_signals(&sim.signals, &dir.join("signals.csv"))?;
    write_table(
        &truth_dir.join("report_persons.csv"),
        ["reporter", "external_id", "person_id"],
        sim.reports.iter().map(|r| [r.reporter.clone(), r.external_id.clone(), r.person_id.to_string()]),
    )?;
    write_table(
        &truth_dir.join("event_persons.csv"),
        ["source", "external_id", "person_id"],
        sim.events.iter().map(|e| [e.source.to_string(), e.external_id.clone(), opt(&e.person_id)]),
    )?;
    write_table(
        &truth_dir.join("population.csv"),
        ["year", "group", "minor", "sex", "nationality_group", "persons"],
        sim.truth.population.iter().map(|p| {
            [
                p.year.to_string(),
                p.group.to_string(),
                flag(p.minor),
                p.sex.to_string(),
                p.nationality_group.to_string(),
                p.persons.to_string(),
            ]
        }),
    )?;
    // lists.csv has a variable-width row: the stratum, the six lists, then one flag per reporter type.
    {
        let path = truth_dir.join("lists.csv");
        let mut w = writer(&path)?;
        let e = csv_err(&path);
        let mut header: Vec<&str> = vec!["person_id", "year", "group", "minor", "sex", "nationality_group"];
        header.extend(crate::codes::MseList::CODES);
        header.extend(ReporterType::ALL.iter().map(|r| r.code()));
        w.write_record(&header).map_err(&e)?;
        for l in &sim.truth.lists {
            let mut rec = vec![
                l.person_id.to_string(),
                l.year.to_string(),
                l.group.to_string(),
                flag(l.minor),
                l.sex.to_string(),
                l.nationality_group.to_string(),
            ];
            rec.extend(l.lists.iter().map(|b| flag(*b)));
            rec.extend(l.reporter_types.iter().map(|b| flag(*b)));
            w.write_record(&rec).map_err(&e)?;
        }
        finish(w, &path)?;
    }
    write_table(
        &truth_dir.join("revictimisation.csv"),
        ["group", "years", "cohort", "revictimised", "cumulative_incidence"],
        sim.truth.revictimisation.iter().map(|r| {
            [
                r.group.to_string(),
                r.years.to_string(),
                r.cohort.to_string(),
                r.revictimised.to_string(),
                format!("{:.4}", r.cumulative_incidence),
            ]
        }),
    )?;
    write_table(
        &truth_dir.join("registered.csv"),
        ["year", "persons", "persons_identified", "reports", "reports_statistical", "true_population", "signals"],
        sim.truth.registered.iter().map(|r| {
            [
                r.year.to_string(),
                r.persons.to_string(),
                r.persons_identified.to_string(),
                r.reports.to_string(),
                r.reports_statistical.to_string(),
                r.true_population.to_string(),
                r.signals.to_string(),
            ]
        }),
    )?;
    Ok(())
}

#[cfg(test)]
mod columns_tests {
    #[test]
    fn the_written_columns_are_the_models_but_the_pseudonym() {
        for (written, model) in
            [(super::REPORT_COLUMNS, zicht_model::REPORT_COLUMNS), (super::EVENT_COLUMNS, zicht_model::EVENT_COLUMNS)]
        {
            assert_eq!(model.last(), Some(&"pseudonym"));
            assert_eq!(written, &model[..model.len() - 1]);
        }
    }
}
