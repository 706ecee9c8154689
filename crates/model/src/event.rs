//! Follow-up records from other registers (later victimisation, suspect registration, emigration,
//! death), and anonymous signals (help chats, hotlines).

use chrono::NaiveDate;

use crate::bounds;
use crate::codes::*;
use crate::country::Country;
use crate::identity::Identity;
use crate::pseudonym::Pseudonym;
use crate::report::{Exploitation, ParseContext};
use crate::row::*;

/// The columns an events file may have.
pub const EVENT_COLUMNS: &[&str] = &[
    "source",
    "external_id",
    "event_date",
    "kind",
    "crime_category",
    "given_names",
    "family_name",
    "birth_date",
    "sex",
    "nationality",
    "citizen_number",
    "pseudonym",
];
pub const EVENT_REQUIRED_COLUMNS: &[&str] = &["source", "external_id", "event_date", "kind"];

/// A valid follow-up record.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub source: String,
    pub external_id: String,
    pub event_date: NaiveDate,
    pub kind: EventKind,
    pub crime_category: Option<CrimeCategory>,
    /// The identity for the vault, when the register sent one.
    pub identity: Option<Identity>,
    pub pseudonym: Pseudonym,
    pub sex: Option<Sex>,
    pub nationality: Option<Country>,
    pub birth_year: Option<i32>,
}

impl Event {
    /// Parses and validates one row. Reports every rule the row breaks.
    pub fn parse(row: &(impl Row + ?Sized), ctx: &ParseContext<'_>) -> Result<Event, RowErrors> {
        let mut c = Checker::default();
        let source = c.text_id(row, "source", 64);
        let external_id = c.text_id(row, "external_id", 128);
        let event_date = c.parsed(row, "event_date", parse_date);
        if let Some(rule) = event_date.and_then(|d| bounds::record_date_rule(d, ctx.today)) {
            c.fail("event_date", rule);
        }
        let kind = c.parsed(row, "kind", EventKind::parse);
        let crime_category = c.optional(row, "crime_category", CrimeCategory::parse);
        match kind {
            Some(EventKind::Victimisation | EventKind::Suspect)
                if crime_category.is_none() && !c.has_error("crime_category") =>
            {
                c.fail("crime_category", "is required for victimisation and suspect records")
            }
            Some(EventKind::Emigration | EventKind::Death) if crime_category.is_some() => {
                c.fail("crime_category", "applies only to victimisation and suspect records")
            }
            _ => {}
        }
        // A placeholder (`onbekend`, `-`, `N/A`) is an unknown name, as if the cell were empty.
        let given_names = c.name(row, "given_names");
        let family_name = c.name(row, "family_name");
        let birth_date = c.optional(row, "birth_date", parse_birth_date);
        if let (Some(b), Some(e)) = (birth_date, event_date)
            && let Some(rule) = bounds::birth_on_rule(b, e, "event_date")
        {
            c.fail("birth_date", rule);
        }
        let citizen_number = c.optional(row, "citizen_number", |s| bounded_text(s, 64));
        let pseudonym_in = c.optional(row, "pseudonym", Pseudonym::parse);
        let has_name = given_names.is_some() || family_name.is_some();
        if has_name && pseudonym_in.is_some() {
            c.fail("pseudonym", "a record with a name gets its pseudonym from the name; leave the column empty");
        }
        if !has_name && pseudonym_in.is_none() {
            c.fail(
                "family_name",
                "a follow-up record needs a name or a pseudonym to be linked (a placeholder such as \"onbekend\" or \"-\" is no name)",
            );
        }
        let sex = c.optional(row, "sex", Sex::parse);
        let nationality = c.optional(row, "nationality", Country::parse);
        c.finish(|| {
            let identity = has_name.then(|| Identity {
                given_names: given_names.clone(),
                family_name: family_name.clone(),
                birth_date,
                citizen_number,
                ..Identity::default()
            });
            // As stored (layer 2): the pseudonym the source computed, re-keyed, or one computed from the name.
            let layers = ctx.layers();
            let pseudonym = match pseudonym_in {
                Some(p) => layers.incoming(&p),
                None => layers.pseudonym(
                    given_names.as_deref().unwrap_or(""),
                    family_name.as_deref().unwrap_or(""),
                    birth_date,
                ),
            };
            Event {
                source: source.expect("checked"),
                external_id: external_id.expect("checked"),
                event_date: event_date.expect("checked"),
                kind: kind.expect("checked"),
                crime_category,
                identity,
                pseudonym,
                sex,
                nationality,
                birth_year: birth_date.map(|d| chrono::Datelike::year(&d)),
            }
        })
    }
}

/// The columns a signals file may have.
pub const SIGNAL_COLUMNS: &[&str] =
    &["source", "external_id", "signal_date", "channel", "age_band", "exploitation", "region"];
pub const SIGNAL_REQUIRED_COLUMNS: &[&str] = &["source", "external_id", "signal_date", "channel"];

/// An anonymous identification: counted, never linked, carries no identity of any kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub source: String,
    pub external_id: String,
    pub signal_date: NaiveDate,
    pub channel: Channel,
    pub age_band: Option<AgeBand>,
    pub exploitation: Vec<Exploitation>,
    pub region: Option<String>,
}

impl Signal {
    pub fn parse(row: &(impl Row + ?Sized), ctx: &ParseContext<'_>) -> Result<Signal, RowErrors> {
        let mut c = Checker::default();
        let source = c.text_id(row, "source", 64);
        let external_id = c.text_id(row, "external_id", 128);
        let signal_date = c.parsed(row, "signal_date", parse_date);
        if let Some(rule) = signal_date.and_then(|d| bounds::record_date_rule(d, ctx.today)) {
            c.fail("signal_date", rule);
        }
        let channel = c.parsed(row, "channel", Channel::parse);
        let age_band = c.optional(row, "age_band", AgeBand::parse);
        let exploitation = c.optional(row, "exploitation", |s| parse_list(s, Exploitation::parse)).unwrap_or_default();
        let region = c.optional(row, "region", |s| bounded_text(s, 64));
        c.finish(|| Signal {
            source: source.expect("checked"),
            external_id: external_id.expect("checked"),
            signal_date: signal_date.expect("checked"),
            channel: channel.expect("checked"),
            age_band,
            exploitation,
            region,
        })
    }
}
