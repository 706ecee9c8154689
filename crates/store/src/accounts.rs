//! Accounts of the register's server: organisations (the registered reporters), users with a role,
//! and API tokens scoped to one organisation. The store keeps hashes only (the register crate makes
//! them); every change is an audit row in the same transaction.

use sqlx::Row as _;

use crate::audit::{self, AuditEntry};
use crate::{Store, StoreError};

/// A user as stored: never the password, only whether one can log in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub username: String,
    pub role: String,
    pub organisation: Option<String>,
    pub disabled: bool,
    pub created_at: String,
}

/// An API token as stored: its public id and organisation, never the token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token {
    pub id: String,
    pub organisation: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Why an account change was refused: the caller's to fix.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("organisation {0:?} is already registered as {1}")]
    OrganisationType(String, String),
    #[error("no organisation {0:?}: add it first (`zicht org add {0} --type TYPE`)")]
    NoOrganisation(String),
    #[error("user {0:?} exists already")]
    UserExists(String),
    #[error("no user {0:?}")]
    NoUser(String),
    #[error("no API token {0:?}")]
    NoToken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Store(e.into())
    }
}

/// Whether an organisation is registered.
async fn organisation_known(conn: &mut sqlx::AnyConnection, code: &str) -> Result<bool, AccountError> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) FROM reporters WHERE id = $1").bind(code).fetch_one(conn).await?.try_get(0)?;
    Ok(n > 0)
}

/// The columns of a [`User`], in [`user_of`]'s order.
const USER_COLUMNS: &str = "username, role, organisation, disabled, created_at";

/// A user from a row that starts with [`USER_COLUMNS`].
fn user_of(r: &sqlx::any::AnyRow) -> Result<User, StoreError> {
    Ok(User {
        username: r.try_get(0)?,
        role: r.try_get(1)?,
        organisation: r.try_get(2)?,
        disabled: r.try_get::<i64, _>(3)? != 0,
        created_at: r.try_get(4)?,
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Commits an account change with its audit row (who, what, of whom).
    async fn commit_account_change(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        actor: &str,
        action: &str,
        subject: &str,
    ) -> Result<(), AccountError> {
        let e = AuditEntry { actor, action, subject, purpose: "account administration" };
        audit::append(&mut tx, &e).await?;
        self.commit_audited(tx).await?;
        Ok(())
    }

    /// Registers an organisation (a reporter code and its type); the same again changes nothing.
    pub async fn add_organisation(&self, code: &str, reporter_type: &str, actor: &str) -> Result<(), AccountError> {
        let mut tx = self.db.begin_write().await?;
        let known: Option<String> = sqlx::query("SELECT reporter_type FROM reporters WHERE id = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        match known {
            Some(t) if t == reporter_type => return Ok(()),
            Some(t) => return Err(AccountError::OrganisationType(code.into(), t)),
            None => {}
        }
        sqlx::query("INSERT INTO reporters (id, reporter_type) VALUES ($1, $2)")
            .bind(code)
            .bind(reporter_type)
            .execute(&mut *tx)
            .await?;
        let subject = format!("organisation {code} ({reporter_type})");
        self.commit_account_change(tx, actor, "organisation add", &subject).await
    }

    /// The registered organisations and their types, by code.
    pub async fn organisations(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, reporter_type FROM reporters ORDER BY id").fetch_all(&self.db.pool).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    /// Adds a user with a password hash; a reporter's organisation must be registered.
    pub async fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        organisation: Option<&str>,
        actor: &str,
    ) -> Result<(), AccountError> {
        let mut tx = self.db.begin_write().await?;
        if let Some(org) = organisation
            && !organisation_known(&mut tx, org).await?
        {
            return Err(AccountError::NoOrganisation(org.into()));
        }
        let taken: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if taken > 0 {
            return Err(AccountError::UserExists(username.into()));
        }
        sqlx::query(
            "INSERT INTO users (username, password_hash, role, organisation, disabled, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role)
        .bind(organisation)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let subject =
            format!("user {username} ({role}{})", organisation.map(|o| format!(" of {o}")).unwrap_or_default());
        self.commit_account_change(tx, actor, "user add", &subject).await
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.db.pool).await?;
        rows.iter().map(user_of).collect()
    }

    /// A user and the password hash to check a login against.
    pub async fn user_login(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(&self.db.pool).await?;
        row.map(|r| Ok((user_of(&r)?, r.try_get(5)?))).transpose()
    }

    /// Disables a user (kept, so that the audit log's actors stay known).
    pub async fn disable_user(&self, username: &str, actor: &str) -> Result<(), AccountError> {
        let mut tx = self.db.begin_write().await?;
        let n = sqlx::query("UPDATE users SET disabled = 1 WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(AccountError::NoUser(username.into()));
        }
        let subject = format!("user {username}");
        self.commit_account_change(tx, actor, "user disable", &subject).await
    }

    /// Stores a new API token's hash under its public id for one registered organisation.
    pub async fn add_token(
        &self,
        id: &str,
        token_hash: &str,
        organisation: &str,
        actor: &str,
    ) -> Result<(), AccountError> {
        let mut tx = self.db.begin_write().await?;
        if !organisation_known(&mut tx, organisation).await? {
            return Err(AccountError::NoOrganisation(organisation.into()));
        }
        sqlx::query("INSERT INTO api_tokens (id, token_hash, organisation, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(token_hash)
            .bind(organisation)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        let subject = format!("API token {id} for {organisation}");
        self.commit_account_change(tx, actor, "token add", &subject).await
    }

    /// The organisation and id of a token that is not revoked, by its hash.
    pub async fn token_organisation(&self, token_hash: &str) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query("SELECT id, organisation FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// Every token, newest first.
    pub async fn tokens(&self) -> Result<Vec<Token>, StoreError> {
        let rows =
            sqlx::query("SELECT id, organisation, created_at, revoked_at FROM api_tokens ORDER BY created_at DESC, id")
                .fetch_all(&self.db.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Token {
                    id: r.try_get(0)?,
                    organisation: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    revoked_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Revokes a token: it no longer authenticates; the row stays for the audit log.
    pub async fn revoke_token(&self, id: &str, actor: &str) -> Result<(), AccountError> {
        let mut tx = self.db.begin_write().await?;
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(AccountError::NoToken(id.into()));
        }
        let subject = format!("API token {id}");
        self.commit_account_change(tx, actor, "token revoke", &subject).await
    }
}
