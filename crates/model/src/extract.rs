//! The monitor's input: plain rows of non-identifying columns, for statistics, as the store's extract
//! reads them (`zicht_store::Store::extract`). No name, exact birth date or identity number is among
//! them; the person of a record is its linked person id, or its pseudonym before linkage.

/// One report, non-identifying columns only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportRow {
    /// ISO date.
    pub report_date: String,
    pub reporter: String,
    pub reporter_type: String,
    pub identification: String,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
    pub age_band: Option<String>,
    pub age_at_report: Option<i64>,
    pub minor: Option<bool>,
    pub age_at_start: Option<i64>,
    pub nationality_group: Option<String>,
    pub exploitation: String,
    pub domestic: Option<bool>,
    pub municipality: Option<String>,
    /// `person_id` after linkage, else the pseudonym.
    pub person: String,
}

/// One follow-up event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EventRow {
    pub event_date: String,
    pub kind: String,
    pub crime_category: Option<String>,
    /// `person_id` after linkage, else the pseudonym.
    pub person: String,
}

/// One anonymous signal (signals carry no identity at all).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignalRow {
    pub source: String,
    pub signal_date: String,
    pub channel: String,
    pub age_band: Option<String>,
    pub exploitation: String,
    pub region: Option<String>,
}

/// The whole extract.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Extract {
    pub reports: Vec<ReportRow>,
    pub events: Vec<EventRow>,
    pub signals: Vec<SignalRow>,
}
