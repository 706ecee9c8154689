//! Test databases: a fresh SQLite file per test, and a fresh PostgreSQL database per test on the server
//! named by `ZICHT_TEST_PG_URL` (scripts/test.sh starts a throwaway one and sets it).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use zicht_store::Keys;

/// One test database and the temp dir that holds its files.
pub struct TestDb {
    pub url: String,
    pub label: &'static str,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

/// Whether PostgreSQL must be tested (the test script requires it; a bare `cargo test` may skip it).
fn pg_required() -> bool {
    std::env::var("ZICHT_REQUIRE_PG").is_ok_and(|v| v == "1")
}

/// SQLite always; PostgreSQL when a server is configured (and required under scripts/test.sh).
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut out = vec![TestDb { url, label: "sqlite", dir }];
    match std::env::var("ZICHT_TEST_PG_URL") {
        Ok(admin) => {
            let name = format!("zicht_t_{}", hex::encode(rand_bytes()));
            create_pg_database(&admin, &name).await;
            let (base, _) = admin.rsplit_once('/').unwrap();
            out.push(TestDb { url: format!("{base}/{name}"), label: "postgres", dir: tempfile::tempdir().unwrap() });
        }
        Err(_) if pg_required() => panic!("ZICHT_TEST_PG_URL is not set but PostgreSQL tests are required"),
        Err(_) => eprintln!("note: ZICHT_TEST_PG_URL not set; PostgreSQL not tested (scripts/test.sh sets it)"),
    }
    out
}

fn rand_bytes() -> [u8; 8] {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    h.write_u64(std::process::id() as u64);
    h.finish().to_le_bytes()
}

/// Import options as the tests use them: actor and purpose `test`, today 2024-06-01, small batches.
pub fn import_options(
    kind: zicht_store::import::Kind,
    on_error: zicht_store::import::OnError,
    rejects: Option<PathBuf>,
    batch_size: usize,
) -> zicht_store::import::ImportOptions {
    zicht_store::import::ImportOptions {
        kind,
        on_error,
        rejects,
        actor: "test".into(),
        purpose: "test".into(),
        today: chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        batch_size,
        encoding: Default::default(),
    }
}

/// A fresh key file in `dir`.
pub fn keys(dir: &Path) -> Keys {
    Keys::create(&dir.join("zicht.key")).unwrap()
}

/// Creates an empty database on the PostgreSQL server of `admin_url`.
async fn create_pg_database(admin_url: &str, name: &str) {
    assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    pool.close().await;
}
