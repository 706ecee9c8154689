//! The monitor's input: plain rows of non-identifying columns, for statistics, as the store's extract
//! reads them (`zicht_store::Store::extract`). No name, exact birth date or identity number is among
//! them; the person of a record is its linked person id, or its pseudonym before linkage. Codes and
//! dates are typed as the model's parse constructors made them on import: a statistic never parses a
//! stored string again.

use chrono::NaiveDate;

use crate::{
    AgeBand, Channel, CrimeCategory, EventKind, Exploitation, Identification, NationalityGroup, ReporterType, Sex,
};

/// One report, non-identifying columns only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportRow {
    pub report_date: NaiveDate,
    pub reporter: String,
    pub reporter_type: ReporterType,
    pub identification: Identification,
    pub sex: Option<Sex>,
    pub birth_year: Option<i64>,
    pub age_band: Option<AgeBand>,
    pub age_at_report: Option<i64>,
    pub minor: Option<bool>,
    pub age_at_start: Option<i64>,
    pub nationality_group: Option<NationalityGroup>,
    /// The forms (and sectors) as the reporter named them, the first first.
    pub exploitation: Vec<Exploitation>,
    pub domestic: Option<bool>,
    pub municipality: Option<String>,
    /// `person_id` after linkage, else the pseudonym.
    pub person: String,
}

/// One follow-up event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    pub event_date: NaiveDate,
    pub kind: EventKind,
    pub crime_category: Option<CrimeCategory>,
    /// `person_id` after linkage, else the pseudonym.
    pub person: String,
}

/// One anonymous signal (signals carry no identity at all).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignalRow {
    pub source: String,
    pub signal_date: NaiveDate,
    pub channel: Channel,
    pub age_band: Option<AgeBand>,
    pub exploitation: Vec<Exploitation>,
    pub region: Option<String>,
}

/// The whole extract.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Extract {
    pub reports: Vec<ReportRow>,
    pub events: Vec<EventRow>,
    pub signals: Vec<SignalRow>,
}
