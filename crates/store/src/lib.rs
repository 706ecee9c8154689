//! Storage for zicht: one code path over SQLite (the embedded default) and PostgreSQL, the encrypted
//! identity vault, the hash-chained audit log, and import.
//!
//! Data flows one way: import writes reports, events and signals (identities sealed in the vault); later
//! stages read pseudonyms and non-identifying attributes only, except where they open the vault, which
//! they log.

pub mod accounts;
pub mod audit;
/// Tabular input (bounded readers, CSV in any encoding, workbooks) is `zicht-table`'s; re-exported for
/// the importer's callers.
pub use zicht_table::{bounded, source, workbook};
mod db;
mod error;
pub mod extract;
pub mod import;
pub mod keys;
pub mod layers;
pub mod linkage;
pub mod publications;
mod sql;
pub mod vault;

pub use db::{Backend, DEFAULT_URL, Db, database_files};
pub use error::StoreError;
pub use keys::{KeyError, Keys, VaultKey};

use sqlx::Row as _;

pub use zicht_progress::{Cancelled, NoProgress, Progress, Stoppable};

/// The store: a database with zicht's schema.
#[derive(Debug, Clone)]
pub struct Store {
    pub db: Db,
    /// Where the audit log's head is written after every commit that appends ([`audit::head_path`]).
    audit_head: Option<std::path::PathBuf>,
}

/// Row counts per table, for summaries and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub reports: i64,
    pub identified_reports: i64,
    pub statistical_reports: i64,
    pub events: i64,
    pub signals: i64,
    pub vault: i64,
    pub audit_log: i64,
}

impl Store {
    /// Opens (and migrates) the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Ok(Store { db: Db::open(url).await?, audit_head: None })
    }

    /// Opens a register that exists: a SQLite URL whose file is missing is [`StoreError::NoRegister`],
    /// not a new empty register (only `zicht init` and `zicht demo` make one).
    pub async fn open_existing(url: &str) -> Result<Store, StoreError> {
        if let Some(first) = db::database_files(url).first()
            && !first.exists()
        {
            return Err(StoreError::NoRegister(first.display().to_string()));
        }
        Store::open(url).await
    }

    /// Keeps the audit log's head in `path` (beside the key file: [`audit::head_path`]) from now on, so
    /// that `zicht audit verify` can tell a cut tail. Every command that appends to the log sets it.
    pub fn keep_audit_head(mut self, path: std::path::PathBuf) -> Store {
        self.audit_head = Some(path);
        self
    }

    /// Commits a transaction that appended to the audit log, then writes the log's head. The head is
    /// written after the commit: a crash between the two leaves a head one entry behind, which
    /// [`audit::check`] reports as such, never as a cut. A head that cannot be written is a warning, not
    /// an error: the work is committed, and saying otherwise would make an operator do it twice.
    pub(crate) async fn commit_audited(&self, tx: sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
        tx.commit().await?;
        if let Some(path) = &self.audit_head
            && let Err(e) = audit::write_head(&self.db, path).await
        {
            tracing::warn!(error = %e, "the audit head was not updated; `zicht audit verify` will find it behind");
        }
        Ok(())
    }

    /// Ties the database to the key file on first use (stores a check value of each key in `meta`),
    /// and from then on refuses any other key, naming it. Returns whether this call tied the vault key.
    /// A register still on single-layer digests (see [`layers`]) is tied by its vault key only until
    /// `zicht key migrate` ties the other two.
    pub async fn init_keys(&self, keys: &Keys) -> Result<bool, StoreError> {
        let created = self.check_vault_key(keys).await?;
        if self.layer_scheme().await? == layers::SCHEME {
            self.tie_digest_keys(keys).await?;
        }
        Ok(created)
    }

    /// Fails unless the key file's vault key is the one this database was initialised with (ties it
    /// on first use). Returns whether this call tied it.
    pub async fn check_vault_key(&self, keys: &Keys) -> Result<bool, StoreError> {
        let vault = vault::Vault::new(keys.vault()?);
        self.tie(
            "vault_key_check",
            vault.key_check(),
            |check| vault.verifies(check),
            KeyError::WrongVaultKey { path: keys.path.clone() },
        )
        .await
    }

    /// Fails unless the register is on two-layer digests and the key file's pseudonym and register keys
    /// are the register's (tied on first use). Every command that reads or writes digests calls it.
    pub async fn check_digest_keys(&self, keys: &Keys) -> Result<(), StoreError> {
        self.require_current_scheme().await?;
        self.tie_digest_keys(keys).await
    }

    /// All three keys: [`Store::check_vault_key`] and [`Store::check_digest_keys`].
    pub async fn check_keys(&self, keys: &Keys) -> Result<(), StoreError> {
        self.check_vault_key(keys).await?;
        self.check_digest_keys(keys).await
    }

    async fn tie_digest_keys(&self, keys: &Keys) -> Result<(), StoreError> {
        let p = keys::pseudonym_key_check(&keys.pseudonym);
        self.tie("pseudonym_key_check", p.clone(), |c| c == p, KeyError::WrongPseudonymKey { path: keys.path.clone() })
            .await?;
        let r = keys::register_key_check(keys.register()?);
        self.tie("register_key_check", r.clone(), |c| c == r, KeyError::WrongRegisterKey { path: keys.path.clone() })
            .await?;
        Ok(())
    }

    /// Stores `value` under `name` in `meta` if absent (returns true); else checks it.
    async fn tie(
        &self,
        name: &str,
        value: String,
        verifies: impl Fn(&str) -> bool,
        wrong: KeyError,
    ) -> Result<bool, StoreError> {
        let existing =
            sqlx::query("SELECT value FROM meta WHERE key = $1").bind(name).fetch_optional(&self.db.pool).await?;
        match existing {
            Some(row) => {
                let check: String = row.try_get(0)?;
                if verifies(&check) { Ok(false) } else { Err(wrong.into()) }
            }
            None => {
                sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                    .bind(name)
                    .bind(value)
                    .execute(&self.db.pool)
                    .await?;
                Ok(true)
            }
        }
    }

    /// How many rows each table holds.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let one = |sql: &'static str| {
            let pool = self.db.pool.clone();
            async move { sqlx::query(sql).fetch_one(&pool).await?.try_get::<i64, _>(0).map_err(StoreError::from) }
        };
        Ok(Counts {
            reports: one("SELECT COUNT(*) FROM reports").await?,
            identified_reports: one("SELECT COUNT(*) FROM reports WHERE identification = 'identified'").await?,
            statistical_reports: one("SELECT COUNT(*) FROM reports WHERE identification = 'statistical'").await?,
            events: one("SELECT COUNT(*) FROM events").await?,
            signals: one("SELECT COUNT(*) FROM signals").await?,
            vault: one("SELECT COUNT(*) FROM vault").await?,
            audit_log: one("SELECT COUNT(*) FROM audit_log").await?,
        })
    }

    /// Reads one identity from the vault, and logs who read it and why (in the same transaction).
    pub async fn read_identity(
        &self,
        keys: &Keys,
        vault_id: &str,
        actor: &str,
        purpose: &str,
    ) -> Result<Option<zicht_model::Identity>, StoreError> {
        self.check_vault_key(keys).await?;
        let v = vault::Vault::new(keys.vault()?);
        let mut tx = self.db.begin_write().await?;
        let row = sqlx::query("SELECT nonce, ciphertext FROM vault WHERE id = $1")
            .bind(vault_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let identity = v.open(vault_id, &row.try_get::<Vec<u8>, _>(0)?, &row.try_get::<Vec<u8>, _>(1)?)?;
        let subject = format!("vault record {vault_id}");
        audit::append(&mut tx, &audit::AuditEntry { actor, action: "read identity", subject: &subject, purpose })
            .await?;
        self.commit_audited(tx).await?;
        Ok(Some(identity))
    }
}
