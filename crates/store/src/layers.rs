//! The layer scheme of the register's digests, and `zicht key migrate`.
//!
//! Scheme 1 (registers written before two-layer pseudonyms): `reports.pseudonym`, `match_keys`,
//! `birth_date_key`, `events.pseudonym` and every `row_digest` are layer-1 digests, made with the
//! reporters' pseudonym key, so a reporter's key file tests guesses against a copy of the database.
//! Scheme 2: each is re-keyed with the register key ([`zicht_model::RegisterKey::rekey`]). Meta row
//! `pseudonym_layers` records the scheme (migration 0005 sets it). [`Store::migrate_keys`] takes a
//! register from 1 to 2 in one transaction, audited; on scheme 2 it does nothing.

use sqlx::Row as _;
use zicht_model::{DigestKind, Pseudonym, RegisterKey};

use crate::audit::{self, AuditEntry};
use crate::keys::{self, KeyError, Keys};
use crate::{Store, StoreError};

/// The scheme this version writes.
pub const SCHEME: i64 = 2;

/// What `zicht key migrate` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MigrateSummary {
    /// The scheme found (1: re-keyed now; 2: nothing to do).
    pub from_scheme: i64,
    pub scheme: i64,
    /// Whether a register key was generated and written into the key file.
    pub register_key_added: bool,
    pub reports: u64,
    pub events: u64,
    pub signals: u64,
    /// Identified records whose pseudonym was recomputed from the vault to confirm the pseudonym key.
    pub pseudonym_key_confirmed_by: u64,
}

/// How many identified records confirm the pseudonym key before a migration.
const CONFIRMING: i64 = 20;

fn rekey_hex(key: &RegisterKey, kind: DigestKind, hex: &str) -> Result<String, StoreError> {
    let layer1 = Pseudonym::parse(hex).map_err(|e| StoreError::Io(format!("a stored digest is not one: {e}")))?;
    Ok(key.rekey(kind, &layer1).to_hex())
}

impl Store {
    /// The register's layer scheme (1 when the meta row is missing, which only a database that was
    /// never migrated by this version can be).
    pub async fn layer_scheme(&self) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT value FROM meta WHERE key = 'pseudonym_layers'").fetch_optional(&self.db.pool).await?;
        Ok(match row {
            Some(r) => r.try_get::<String, _>(0)?.parse().unwrap_or(1),
            None => 1,
        })
    }

    /// Refuses a register that still needs `zicht key migrate`.
    pub async fn require_current_scheme(&self) -> Result<(), StoreError> {
        if self.layer_scheme().await? < SCHEME { Err(StoreError::NeedsMigration) } else { Ok(()) }
    }

    /// Brings a register and its key file to two-layer digests. On a scheme-1 register the pseudonym key
    /// is first confirmed against up to 20 identified reports and 20 events (their pseudonym recomputed
    /// from the vault; a register without identified records cannot confirm it); then, in one
    /// transaction that holds the write lock from its first statement, the scheme is claimed, the key
    /// file gets a register key if it has none (rewritten in place, 0600), every stored digest is
    /// re-keyed, the key check values are stored and the audit entry appended. Running it again, or at
    /// the same time, does nothing.
    pub async fn migrate_keys(
        &self,
        keys: &mut Keys,
        actor: &str,
        purpose: &str,
    ) -> Result<MigrateSummary, StoreError> {
        self.check_vault_key(keys).await?;
        let from = self.layer_scheme().await?;
        let mut summary = MigrateSummary { from_scheme: from, scheme: SCHEME, ..Default::default() };
        let tied = sqlx::query("SELECT 1 FROM meta WHERE key = 'register_key_check'")
            .fetch_optional(&self.db.pool)
            .await?
            .is_some();
        if from < SCHEME {
            summary.pseudonym_key_confirmed_by = self.confirm_pseudonym_key(keys).await?;
        }
        if keys.register.is_none() && tied {
            return Err(KeyError::MissingRegisterKey { path: keys.path.clone() }.into());
        }
        if from >= SCHEME {
            summary.register_key_added = keys.add_register_key()?;
            self.check_digest_keys(keys).await?;
            return Ok(summary);
        }

        let mut tx = self.db.begin_write().await?;
        // Claims the migration and takes the write lock before the key file is touched: a concurrent
        // run waits here (or fails on SQLite's busy timeout), then finds scheme 2 and does nothing, so
        // two runs never write two different register keys.
        let claimed = sqlx::query("UPDATE meta SET value = $1 WHERE key = 'pseudonym_layers' AND value = '1'")
            .bind(SCHEME.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if claimed == 0 {
            let row =
                sqlx::query("SELECT value FROM meta WHERE key = 'pseudonym_layers'").fetch_optional(&mut *tx).await?;
            if row.is_some() {
                // Another run migrated it between our reading the scheme and taking the lock: its key
                // file is the one on disk now.
                tx.rollback().await?;
                *keys = Keys::load(&keys.path)?;
                self.check_digest_keys(keys).await?;
                return Ok(MigrateSummary { from_scheme: SCHEME, ..summary });
            }
            sqlx::query("INSERT INTO meta (key, value) VALUES ('pseudonym_layers', $1)")
                .bind(SCHEME.to_string())
                .execute(&mut *tx)
                .await?;
        }
        // On scheme 1 nothing was ever stored under a register key, so whichever one the register's own
        // key file holds (the vault key was checked) is tied to it here. If the transaction fails after
        // the key was added, the next run uses the same key.
        summary.register_key_added = keys.add_register_key()?;
        let register = keys.register()?.clone();
        let rows = sqlx::query("SELECT id, pseudonym, match_keys, birth_date_key, row_digest FROM reports ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let id: i64 = row.try_get(0)?;
            let pseudonym = rekey_hex(&register, DigestKind::Pseudonym, &row.try_get::<String, _>(1)?)?;
            let match_keys = match row.try_get::<Option<String>, _>(2)? {
                Some(m) => Some(
                    m.split_whitespace()
                        .zip(DigestKind::MATCH_KEYS)
                        .map(|(k, kind)| rekey_hex(&register, kind, k))
                        .collect::<Result<Vec<_>, _>>()?
                        .join(" "),
                ),
                None => None,
            };
            let birth_date_key = match row.try_get::<Option<String>, _>(3)? {
                Some(b) => Some(rekey_hex(&register, DigestKind::BirthDate, &b)?),
                None => None,
            };
            let digest = rekey_hex(&register, DigestKind::Row, &row.try_get::<String, _>(4)?)?;
            sqlx::query(
                "UPDATE reports SET pseudonym = $1, match_keys = $2, birth_date_key = $3, row_digest = $4 WHERE id = $5",
            )
            .bind(pseudonym)
            .bind(match_keys)
            .bind(birth_date_key)
            .bind(digest)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            summary.reports += 1;
        }
        let rows = sqlx::query("SELECT id, pseudonym, row_digest FROM events ORDER BY id").fetch_all(&mut *tx).await?;
        for row in rows {
            sqlx::query("UPDATE events SET pseudonym = $1, row_digest = $2 WHERE id = $3")
                .bind(rekey_hex(&register, DigestKind::Pseudonym, &row.try_get::<String, _>(1)?)?)
                .bind(rekey_hex(&register, DigestKind::Row, &row.try_get::<String, _>(2)?)?)
                .bind(row.try_get::<i64, _>(0)?)
                .execute(&mut *tx)
                .await?;
            summary.events += 1;
        }
        let rows = sqlx::query("SELECT id, row_digest FROM signals ORDER BY id").fetch_all(&mut *tx).await?;
        for row in rows {
            sqlx::query("UPDATE signals SET row_digest = $1 WHERE id = $2")
                .bind(rekey_hex(&register, DigestKind::Row, &row.try_get::<String, _>(1)?)?)
                .bind(row.try_get::<i64, _>(0)?)
                .execute(&mut *tx)
                .await?;
            summary.signals += 1;
        }
        for (name, value) in [
            ("pseudonym_key_check", keys::pseudonym_key_check(&keys.pseudonym)),
            ("register_key_check", keys::register_key_check(&register)),
        ] {
            sqlx::query("DELETE FROM meta WHERE key = $1").bind(name).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                .bind(name)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        let subject = format!(
            "digests re-keyed from pseudonym layer scheme {from} to {SCHEME}: {} reports, {} events, {} signals",
            summary.reports, summary.events, summary.signals
        );
        audit::append(&mut tx, &AuditEntry { actor, action: "re-key digests", subject: &subject, purpose }).await?;
        self.commit_audited(tx).await?;
        Ok(summary)
    }

    /// Recomputes the layer-1 pseudonym of up to [`CONFIRMING`] identified reports and events from
    /// their vault records and compares it with the stored one: a key file with a foreign pseudonym
    /// key is refused before anything is re-keyed. Returns how many records confirmed it.
    async fn confirm_pseudonym_key(&self, keys: &Keys) -> Result<u64, StoreError> {
        let vault = crate::vault::Vault::new(keys.vault()?);
        let mut confirmed = 0;
        for sql in [
            "SELECT r.pseudonym, v.id, v.nonce, v.ciphertext FROM reports r JOIN vault v ON v.id = r.vault_id ORDER BY r.id LIMIT $1",
            "SELECT e.pseudonym, v.id, v.nonce, v.ciphertext FROM events e JOIN vault v ON v.id = e.vault_id ORDER BY e.id LIMIT $1",
        ] {
            for row in sqlx::query(sql).bind(CONFIRMING).fetch_all(&self.db.pool).await? {
                let stored: String = row.try_get(0)?;
                let id: String = row.try_get(1)?;
                let identity = vault.open(&id, &row.try_get::<Vec<u8>, _>(2)?, &row.try_get::<Vec<u8>, _>(3)?)?;
                let p = Pseudonym::of(
                    &keys.pseudonym,
                    identity.given_names.as_deref().unwrap_or(""),
                    identity.family_name.as_deref().unwrap_or(""),
                    identity.birth_date,
                );
                if p.to_hex() != stored {
                    return Err(KeyError::WrongPseudonymKey { path: keys.path.clone() }.into());
                }
                confirmed += 1;
            }
        }
        Ok(confirmed)
    }
}
