use thiserror::Error;

/// Errors of the store. Messages never contain personal data.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite:// or postgres:// (got …{0})")]
    BadUrl(String),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    #[error("cannot decrypt vault record {0}: wrong vault key or tampered record")]
    Decrypt(String),
    #[error("{0}")]
    Io(String),
    #[error(
        "this register still stores single-layer pseudonyms (written before two-layer pseudonyms): run `zicht key migrate` once, with the register's key file, before importing or linking"
    )]
    NeedsMigration,
    #[error("audit log: {field} {rule} (give --{field} a short text, e.g. --{field} \"name of the registrar\")")]
    AuditField { field: &'static str, rule: &'static str },
    #[error("audit head: {0}")]
    AuditHead(String),
    #[error("no register at {0}: run `zicht init` first (or give --db the register's URL)")]
    NoRegister(String),
    /// A stored value that import would have refused: the database was changed outside zicht.
    #[error(
        "{table}.{column} holds a value that is not {what} (import never stores one): the database was changed outside zicht; restore it from a backup"
    )]
    Stored { table: &'static str, column: &'static str, what: &'static str },
}

impl StoreError {
    pub(crate) fn connect(e: sqlx::Error) -> StoreError {
        StoreError::Connect(e.to_string())
    }
}
