//! The monitor's read-only extract: plain rows of non-identifying columns, for statistics.
//!
//! Nothing here opens the vault or reads a name, an exact birth date or an identity number. The person
//! of a record is its `person_id` when linkage has run, otherwise its pseudonym (exact-pseudonym
//! linkage), so the monitor works before and after `zicht link`. One code path for SQLite and
//! PostgreSQL: only text, integers and NULLs travel through sqlx `Any`; codes and dates are typed here,
//! once, by the model's own parsers.

use chrono::NaiveDate;
use sqlx::Row as _;
use sqlx::any::AnyRow;
use zicht_model::{
    AgeBand, Channel, CrimeCategory, EventKind, Exploitation, Identification, NationalityGroup, ReporterType, Sex,
};

use crate::{Store, StoreError};

pub use zicht_model::extract::{EventRow, Extract, ReportRow, SignalRow};

fn flag(row: &AnyRow, col: &str) -> Result<Option<bool>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
}

/// One table's typed reads: a stored value that does not parse is [`StoreError::Stored`].
struct Typed<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl Typed<'_> {
    fn opt<T>(
        &self,
        column: &'static str,
        what: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, StoreError> {
        let bad = || StoreError::Stored { table: self.table, column, what };
        match self.row.try_get::<Option<String>, _>(column)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(bad),
        }
    }

    fn req<T>(
        &self,
        column: &'static str,
        what: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        self.opt(column, what, parse)?.ok_or(StoreError::Stored { table: self.table, column, what })
    }

    /// An ISO date (a stored timestamp's date part).
    fn date(&self, column: &'static str) -> Result<NaiveDate, StoreError> {
        self.req(column, "an ISO date", |s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
    }

    /// A `;`-joined list of `form[:sector]` codes.
    fn exploitation(&self, column: &'static str) -> Result<Vec<Exploitation>, StoreError> {
        let list = |s: &str| s.split(';').map(|c| Exploitation::parse(c).ok()).collect::<Option<Vec<_>>>();
        Ok(self.opt(column, "a list of exploitation codes", list)?.unwrap_or_default())
    }
}

impl Store {
    /// Reads the monitor's extract, ordered by date (and insertion within a date).
    pub async fn extract(&self) -> Result<Extract, StoreError> {
        let pool = &self.db.pool;
        // Before `zicht link` has run, person_id is empty and the pseudonym stands in for the person.
        let report_sql = "SELECT report_date, reporter, reporter_type, identification, sex, birth_year, age_band, \
             age_at_report, minor, age_at_start, nationality_group, exploitation, domestic, municipality, \
             COALESCE(person_id, pseudonym) AS person FROM reports ORDER BY report_date, id";
        let event_sql = "SELECT event_date, kind, crime_category, COALESCE(person_id, pseudonym) AS person \
             FROM events ORDER BY event_date, id";
        let rows = sqlx::query(report_sql).fetch_all(pool).await?;
        let mut reports = Vec::with_capacity(rows.len());
        for r in &rows {
            let t = Typed { row: r, table: "reports" };
            reports.push(ReportRow {
                report_date: t.date("report_date")?,
                reporter: r.try_get("reporter")?,
                reporter_type: t.req("reporter_type", "a reporter type", |s| ReporterType::parse(s).ok())?,
                identification: t.req("identification", "an identification code", |s| Identification::parse(s).ok())?,
                sex: t.opt("sex", "a sex code", |s| Sex::parse(s).ok())?,
                birth_year: r.try_get("birth_year")?,
                age_band: t.opt("age_band", "an age band", |s| AgeBand::parse(s).ok())?,
                age_at_report: r.try_get("age_at_report")?,
                minor: flag(r, "minor")?,
                age_at_start: r.try_get("age_at_start")?,
                nationality_group: t.opt("nationality_group", "a nationality group", NationalityGroup::parse)?,
                exploitation: t.exploitation("exploitation")?,
                domestic: flag(r, "domestic")?,
                municipality: r.try_get("municipality")?,
                person: r.try_get("person")?,
            });
        }
        let rows = sqlx::query(event_sql).fetch_all(pool).await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            let t = Typed { row: r, table: "events" };
            events.push(EventRow {
                event_date: t.date("event_date")?,
                kind: t.req("kind", "an event kind", |s| EventKind::parse(s).ok())?,
                crime_category: t.opt("crime_category", "a crime category", |s| CrimeCategory::parse(s).ok())?,
                person: r.try_get("person")?,
            });
        }
        let rows = sqlx::query(
            "SELECT source, signal_date, channel, age_band, exploitation, region FROM signals \
             ORDER BY signal_date, id",
        )
        .fetch_all(pool)
        .await?;
        let mut signals = Vec::with_capacity(rows.len());
        for r in &rows {
            let t = Typed { row: r, table: "signals" };
            signals.push(SignalRow {
                source: r.try_get("source")?,
                signal_date: t.date("signal_date")?,
                channel: t.req("channel", "a signal channel", |s| Channel::parse(s).ok())?,
                age_band: t.opt("age_band", "an age band", |s| AgeBand::parse(s).ok())?,
                exploitation: t.exploitation("exploitation")?,
                region: r.try_get("region")?,
            });
        }
        Ok(Extract { reports, events, signals })
    }
}
