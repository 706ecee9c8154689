//! What linkage reads from the store and writes back: the records to link (pseudonyms, non-identifying
//! attributes and, for identified records, the identity opened from the vault — an audited read), the
//! previous person of every record (for stable ids), and the new assignment.

use std::collections::HashMap;

use sqlx::Row as _;
use zicht_model::Identity;

use crate::audit::{self, AuditEntry};
use crate::keys::Keys;
use crate::sql::{insert_rows, text};
use crate::vault::Vault;
use crate::{Store, StoreError};

/// Which table a record lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Table {
    Reports,
    Events,
}

/// One record to link.
#[derive(Debug, Clone)]
pub struct LinkRecord {
    pub table: Table,
    pub row_id: i64,
    pub pseudonym: String,
    /// Report or event date, ISO.
    pub date: String,
    pub sex: Option<String>,
    pub birth_year: Option<i64>,
    pub nationality: Option<String>,
    /// Municipality where the exploitation took place (reports only).
    pub municipality: Option<String>,
    /// Form of exploitation and means of control as reported (reports only; codes).
    pub exploitation: Option<String>,
    pub means_of_control: Option<String>,
    /// The identity, for identified records (opened from the vault).
    pub identity: Option<Identity>,
    /// Match keys of a statistical report (space-separated hex), when import computed them.
    pub match_keys: Option<String>,
    /// Birth-date key of a statistical report (hex), when import computed it.
    pub birth_date_key: Option<String>,
    /// The person this record belonged to after the previous run.
    pub previous_person: Option<String>,
}

/// A person assignment to write.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub table: Table,
    pub row_id: i64,
    pub person_id: String,
}

/// Counts of one linkage run, kept in `link_runs`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunSummary {
    pub method: String,
    pub reports: i64,
    pub events: i64,
    pub persons: i64,
    pub new_persons: i64,
    pub merges: i64,
    pub splits: i64,
}

impl Store {
    /// Loads every report and event for linkage. Opening the vault is logged as one audit entry.
    pub async fn linkage_records(
        &self,
        keys: &Keys,
        actor: &str,
        purpose: &str,
    ) -> Result<Vec<LinkRecord>, StoreError> {
        self.check_keys(keys).await?;
        let vault = Vault::new(keys.vault()?);
        let mut tx = self.db.begin_write().await?;
        let mut out = Vec::new();
        let mut opened = 0u64;
        for (table, sql) in [
            (
                Table::Reports,
                "SELECT r.id, r.pseudonym, r.report_date, r.sex, r.birth_year, r.nationality, r.person_id, v.id, v.nonce, v.ciphertext, r.match_keys, r.municipality, r.birth_date_key, r.exploitation, r.means_of_control \
                 FROM reports r LEFT JOIN vault v ON v.id = r.vault_id ORDER BY r.id",
            ),
            (
                Table::Events,
                "SELECT e.id, e.pseudonym, e.event_date, e.sex, e.birth_year, e.nationality, e.person_id, v.id, v.nonce, v.ciphertext, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT) \
                 FROM events e LEFT JOIN vault v ON v.id = e.vault_id ORDER BY e.id",
            ),
        ] {
            let rows = sqlx::query(sql).fetch_all(&mut *tx).await?;
            out.reserve(rows.len());
            for row in rows {
                let vault_id: Option<String> = row.try_get(7)?;
                let identity = match vault_id {
                    Some(id) => {
                        opened += 1;
                        Some(vault.open(&id, &row.try_get::<Vec<u8>, _>(8)?, &row.try_get::<Vec<u8>, _>(9)?)?)
                    }
                    None => None,
                };
                out.push(LinkRecord {
                    table,
                    row_id: row.try_get(0)?,
                    pseudonym: row.try_get(1)?,
                    date: row.try_get(2)?,
                    sex: row.try_get(3)?,
                    birth_year: row.try_get(4)?,
                    nationality: row.try_get(5)?,
                    previous_person: row.try_get(6)?,
                    match_keys: row.try_get(10)?,
                    municipality: row.try_get(11)?,
                    birth_date_key: row.try_get(12)?,
                    exploitation: row.try_get::<Option<String>, _>(13)?.filter(|s| !s.is_empty()),
                    means_of_control: row.try_get::<Option<String>, _>(14)?.filter(|s| !s.is_empty()),
                    identity,
                });
            }
        }
        if opened > 0 {
            let subject = format!("{opened} vault records opened for record linkage");
            audit::append(&mut tx, &AuditEntry { actor, action: "read identities", subject: &subject, purpose })
                .await?;
        }
        self.commit_audited(tx).await?;
        Ok(out)
    }

    /// Writes a linkage result in one transaction: new persons, every record's person, the run's counts.
    pub async fn save_persons(
        &self,
        assignments: &[Assignment],
        summary: &RunSummary,
        actor: &str,
    ) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut tx = self.db.begin_write().await?;
        let existing: Vec<String> = sqlx::query("SELECT id FROM persons")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let existing: std::collections::HashSet<String> = existing.into_iter().collect();
        let mut new: Vec<&str> =
            assignments.iter().map(|a| a.person_id.as_str()).filter(|p| !existing.contains(*p)).collect();
        new.sort_unstable();
        new.dedup();
        let rows = new.iter().map(|p| vec![text(p), text(&now)]).collect();
        insert_rows(&mut tx, "persons", &["id", "created_at"], rows, self.db.max_params()).await?;
        // Group by person so that one UPDATE sets many rows.
        let mut by_person: HashMap<(Table, &str), Vec<i64>> = HashMap::new();
        for a in assignments {
            by_person.entry((a.table, a.person_id.as_str())).or_default().push(a.row_id);
        }
        let mut groups: Vec<_> = by_person.into_iter().collect();
        groups.sort();
        for ((table, person), ids) in groups {
            let t = match table {
                Table::Reports => "reports",
                Table::Events => "events",
            };
            for chunk in ids.chunks(self.db.max_params() - 1) {
                let placeholders = (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
                let sql = format!("UPDATE {t} SET person_id = $1 WHERE id IN ({placeholders})");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(person);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await?;
            }
        }
        // The run's own audit entry, so that a run whose entry is cut from the log is noticed.
        let id: i64 =
            sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM link_runs").fetch_one(&mut *tx).await?.try_get(0)?;
        let subject = format!(
            "link run {id}: {} reports and {} events to {} persons ({} new, {} merges, {} splits)",
            summary.reports, summary.events, summary.persons, summary.new_persons, summary.merges, summary.splits
        );
        let purpose = "record linkage: reports and follow-up to persons";
        let seq =
            audit::append(&mut tx, &AuditEntry { actor, action: "link persons", subject: &subject, purpose }).await?;
        sqlx::query(
            "INSERT INTO link_runs (id, at, actor, method, reports, events, persons, new_persons, merges, splits, audit_seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(&now)
        .bind(actor)
        .bind(&summary.method)
        .bind(summary.reports)
        .bind(summary.events)
        .bind(summary.persons)
        .bind(summary.new_persons)
        .bind(summary.merges)
        .bind(summary.splits)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        self.commit_audited(tx).await?;
        Ok(())
    }
}
