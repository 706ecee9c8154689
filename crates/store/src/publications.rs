//! The register's history of what it published: every release recorded with `zicht monitor --publish`
//! (edition, period, the `monitor.json` as written), so that later releases are protected jointly
//! with it (Hundepool et al. 2012, §4.5: a new table must be audited with everything released before).
//! Append-only, in the same transaction as its audit entry.

use sqlx::Row;

use crate::audit::{self, AuditEntry};
use crate::{Store, StoreError};

/// One recorded release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub recorded_at: String,
    pub edition: String,
    pub from: i32,
    pub to: i32,
    pub monitor_json: String,
}

impl Publication {
    /// Whether its period shares a year with `from..=to`.
    pub fn overlaps(&self, from: i32, to: i32) -> bool {
        self.from <= to && from <= self.to
    }
}

impl Store {
    /// Records a published release and its audit entry in one transaction; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_publication(
        &self,
        edition: &str,
        from: i32,
        to: i32,
        monitor_json: &str,
        actor: &str,
        purpose: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.db.begin_write().await?;
        let id: i64 =
            sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 FROM publications").fetch_one(&mut *tx).await?.try_get(0)?;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        sqlx::query(
            "INSERT INTO publications (id, recorded_at, edition, period_from, period_to, monitor_json) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&at)
        .bind(edition)
        .bind(i64::from(from))
        .bind(i64::from(to))
        .bind(monitor_json)
        .execute(&mut *tx)
        .await?;
        let subject = format!("publication {id}: {edition} {from}-{to}");
        audit::append(&mut tx, &AuditEntry { actor, action: "publish", subject: &subject, purpose }).await?;
        self.commit_audited(tx).await?;
        Ok(id)
    }

    /// Every recorded release, oldest first.
    pub async fn publications(&self) -> Result<Vec<Publication>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, recorded_at, edition, period_from, period_to, monitor_json FROM publications ORDER BY id",
        )
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Publication {
                    id: r.try_get(0)?,
                    recorded_at: r.try_get(1)?,
                    edition: r.try_get(2)?,
                    from: r.try_get::<i64, _>(3)? as i32,
                    to: r.try_get::<i64, _>(4)? as i32,
                    monitor_json: r.try_get(5)?,
                })
            })
            .collect()
    }
}
