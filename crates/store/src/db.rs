//! One code path over SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Only primitives travel through `Any` (integers, floats, text, bytes), so dates are ISO text and
//! booleans 0/1 integers; placeholders are `$1, $2, …` in every statement (the SQLite driver maps them by
//! position). Migrations are embedded per backend and kept in lockstep.

use std::borrow::Cow;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::StoreError;

/// Which server a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(url.split('@').next_back().unwrap_or_default().to_string()))
        }
    }
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://zicht.db";

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
    (2, "persons", include_str!("../migrations/sqlite/0002_persons.sql")),
    (3, "match keys", include_str!("../migrations/sqlite/0003_match_keys.sql")),
    (4, "birth date key", include_str!("../migrations/sqlite/0004_birth_date_key.sql")),
    (5, "pseudonym layers", include_str!("../migrations/sqlite/0005_pseudonym_layers.sql")),
    (6, "publications", include_str!("../migrations/sqlite/0006_publications.sql")),
    (7, "audit head", include_str!("../migrations/sqlite/0007_audit_head.sql")),
    (8, "accounts", include_str!("../migrations/sqlite/0008_accounts.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/postgres/0001_init.sql")),
    (2, "persons", include_str!("../migrations/postgres/0002_persons.sql")),
    (3, "match keys", include_str!("../migrations/postgres/0003_match_keys.sql")),
    (4, "birth date key", include_str!("../migrations/postgres/0004_birth_date_key.sql")),
    (5, "pseudonym layers", include_str!("../migrations/postgres/0005_pseudonym_layers.sql")),
    (6, "publications", include_str!("../migrations/postgres/0006_publications.sql")),
    (7, "audit head", include_str!("../migrations/postgres/0007_audit_head.sql")),
    (8, "accounts", include_str!("../migrations/postgres/0008_accounts.sql")),
];

fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    Migrator::with_migrations(
        list.iter()
            .map(|(v, d, sql)| {
                Migration::new(*v, Cow::Borrowed(d), MigrationType::Simple, sqlx::SqlSafeStr::into_sql_str(*sql), false)
            })
            .collect(),
    )
}

/// The files of a register's database on this host (the SQLite file first, then its `-wal` and `-shm`; none for
/// PostgreSQL or an in-memory database): paths no output may be written to.
pub fn database_files(url: &str) -> Vec<std::path::PathBuf> {
    match Backend::of_url(url) {
        Ok(Backend::Sqlite) => match sqlite_file(url) {
            Ok(Some(f)) => {
                let with = |suffix: &str| {
                    let mut s = f.clone().into_os_string();
                    s.push(suffix);
                    std::path::PathBuf::from(s)
                };
                vec![f.clone(), with("-wal"), with("-shm")]
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// How long a PostgreSQL server may take to accept the first connection.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The file of a SQLite URL, or `None` for an in-memory database.
fn sqlite_file(url: &str) -> Result<Option<std::path::PathBuf>, StoreError> {
    use std::str::FromStr as _;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(StoreError::connect)?;
    let name = opts.get_filename();
    let memory = name.as_os_str().is_empty() || name.as_os_str() == ":memory:" || url.contains("mode=memory");
    Ok((!memory).then(|| name.to_path_buf()))
}

/// The register's files are readable by their owner only (mode 0600), whatever the umask: a missing
/// database file is created so before SQLite opens it, and an existing one readable by others (made by
/// an older zicht) is tightened, with a warning.
fn make_private(path: &std::path::Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Like a connection failure (a missing folder, no permission): the operator's to fix.
        let io = |e: std::io::Error| StoreError::Connect(format!("{}: {e}", path.display()));
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
                f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
            Err(e) => return Err(io(e)),
            Ok(m) => {
                let mode = m.permissions().mode() & 0o777;
                if m.is_file() && mode & 0o077 != 0 {
                    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)) {
                        Ok(()) => {
                            tracing::warn!(file = %path.display(), mode = format!("{mode:o}"), "was readable by other users: now owner-only")
                        }
                        Err(e) => {
                            tracing::warn!(file = %path.display(), mode = format!("{mode:o}"), error = %e, "readable by other users, and cannot be changed")
                        }
                    }
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A connection pool and the backend it talks to.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// How long a SQLite writer waits for another to finish before it fails with "database is locked":
/// longer than the longest write transaction (an import of a large file takes minutes), so that an
/// import, a link and the server's submissions queue for the one writer instead of failing.
pub const SQLITE_BUSY_TIMEOUT_MS: u64 = 600_000;

/// The PostgreSQL advisory lock key of the register's writer ("zicht" in ASCII).
const WRITER_LOCK: i64 = 0x7a_69_63_68_74;

impl Db {
    /// A write transaction, the register's one writer at a time on both backends. On SQLite it takes
    /// the write lock at its start (`BEGIN IMMEDIATE`): a deferred transaction that first reads and
    /// then writes fails at once with "database is locked" when another writer committed in between,
    /// which no busy timeout waits out. On PostgreSQL it takes a transaction-scoped advisory lock:
    /// every write appends to the hash-chained audit log, whose next entry follows the last one, so
    /// two writers at once would both read the same last entry (a duplicate sequence number, seen as
    /// concurrent API submissions failing).
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITER_LOCK).execute(&mut *tx).await?;
                Ok(tx)
            }
        }
    }

    /// Bound parameters per statement: sqlx's SQLite driver binds by looking up each parameter's name,
    /// quadratic in their number, so SQLite gets short statements; PostgreSQL gets long ones (fewer
    /// round trips), under its limit of 65,535.
    pub fn max_params(&self) -> usize {
        match self.backend {
            Backend::Sqlite => 256,
            Backend::Postgres => 30_000,
        }
    }

    /// Connects (a SQLite file is created when missing) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let file = match backend {
            Backend::Sqlite => sqlite_file(&url)?,
            Backend::Postgres => None,
        };
        if let Some(path) = &file {
            make_private(path)?;
        }
        let max = if backend == Backend::Sqlite { 4 } else { 8 };
        // SQLite's page cache is 2 MiB by default: an import (one transaction) spills dirty pages to the
        // write-ahead log again and again. 64 MiB per connection took the import of the demo's 284,630
        // events from 15.9 s to 11.7 s (kernel time 7.6 s to 3.6 s); 256 MiB gained nothing more.
        let sqlite = backend == Backend::Sqlite;
        if backend == Backend::Postgres {
            // One connection first, to fail fast with the real cause ("connection refused"): the pool
            // retries for its acquire timeout (30 s) and then says only "pool timed out".
            use sqlx::Connection as _;
            let first = tokio::time::timeout(CONNECT_TIMEOUT, sqlx::AnyConnection::connect(&url)).await;
            match first {
                Err(_) => {
                    return Err(StoreError::Connect(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())));
                }
                Ok(Err(e)) => return Err(StoreError::connect(e)),
                Ok(Ok(conn)) => conn.close().await.map_err(StoreError::connect)?,
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        sqlx::query("PRAGMA cache_size = -65536").execute(&mut *conn).await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")))
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(StoreError::connect)?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode=WAL").execute(&pool).await?;
            sqlx::query("PRAGMA foreign_keys=ON").execute(&pool).await?;
        }
        if let Some(path) = &file {
            // SQLite creates the write-ahead log and the shared-memory index with the database file's
            // mode; files left by an older zicht (0644) are tightened all the same.
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                let side = std::path::PathBuf::from(side);
                if side.exists() {
                    make_private(&side)?;
                }
            }
        }
        migrator(backend).run(&pool).await?;
        Ok(Db { pool, backend })
    }
}
