//! The monitor's read-only extract: plain rows of non-identifying columns, for statistics.
//!
//! Nothing here opens the vault or reads a name, an exact birth date or an identity number. The person
//! of a record is its `person_id` when linkage has run, otherwise its pseudonym (exact-pseudonym
//! linkage), so the monitor works before and after `zicht link`. One code path for SQLite and
//! PostgreSQL: only text, integers and NULLs travel through sqlx `Any`.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Store, StoreError};

pub use zicht_model::extract::{EventRow, Extract, ReportRow, SignalRow};

fn flag(row: &AnyRow, col: &str) -> Result<Option<bool>, sqlx::Error> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
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
            reports.push(ReportRow {
                report_date: r.try_get("report_date")?,
                reporter: r.try_get("reporter")?,
                reporter_type: r.try_get("reporter_type")?,
                identification: r.try_get("identification")?,
                sex: r.try_get("sex")?,
                birth_year: r.try_get("birth_year")?,
                age_band: r.try_get("age_band")?,
                age_at_report: r.try_get("age_at_report")?,
                minor: flag(r, "minor")?,
                age_at_start: r.try_get("age_at_start")?,
                nationality_group: r.try_get("nationality_group")?,
                exploitation: r.try_get("exploitation")?,
                domestic: flag(r, "domestic")?,
                municipality: r.try_get("municipality")?,
                person: r.try_get("person")?,
            });
        }
        let rows = sqlx::query(event_sql).fetch_all(pool).await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.push(EventRow {
                event_date: r.try_get("event_date")?,
                kind: r.try_get("kind")?,
                crime_category: r.try_get("crime_category")?,
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
            signals.push(SignalRow {
                source: r.try_get("source")?,
                signal_date: r.try_get("signal_date")?,
                channel: r.try_get("channel")?,
                age_band: r.try_get("age_band")?,
                exploitation: r.try_get("exploitation")?,
                region: r.try_get("region")?,
            });
        }
        Ok(Extract { reports, events, signals })
    }
}
