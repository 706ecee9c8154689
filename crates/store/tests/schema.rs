//! The SQLite and PostgreSQL migrations reach the same schema: same tables, same columns in the same
//! order, same type family, same nullability.

mod common;

use sqlx::Row;
use zicht_store::{Backend, Store};

/// (table, column, type family, not null), sorted by table and column position.
async fn schema(store: &Store) -> Vec<(String, String, &'static str, bool)> {
    let family = |t: &str| -> &'static str {
        let t = t.to_ascii_lowercase();
        if t.contains("int") {
            "integer"
        } else if t.contains("text") || t.contains("char") {
            "text"
        } else if t.contains("blob") || t.contains("bytea") {
            "bytes"
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            "real"
        } else {
            "other"
        }
    };
    let mut out = Vec::new();
    match store.db.backend {
        Backend::Sqlite => {
            let tables = sqlx::query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
            )
            .fetch_all(&store.db.pool)
            .await
            .unwrap();
            for t in tables {
                let name: String = t.get(0);
                let cols = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}') ORDER BY cid"
                )))
                .fetch_all(&store.db.pool)
                .await
                .unwrap();
                for c in cols {
                    let ty: String = c.get(1);
                    // A primary key is NOT NULL in PostgreSQL; SQLite reports 0 for INTEGER PRIMARY KEY.
                    let not_null = c.get::<i64, _>(2) == 1 || c.get::<i64, _>(3) > 0;
                    out.push((name.clone(), c.get::<String, _>(0), family(&ty), not_null));
                }
            }
        }
        Backend::Postgres => {
            let cols = sqlx::query(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%' ORDER BY table_name, ordinal_position",
            )
            .fetch_all(&store.db.pool)
            .await
            .unwrap();
            for c in cols {
                let ty: String = c.get(2);
                out.push((c.get(0), c.get(1), family(&ty), c.get::<String, _>(3) == "NO"));
            }
        }
    }
    out
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_reach_the_same_schema() {
    let dbs = common::databases().await;
    let mut schemas = Vec::new();
    for db in &dbs {
        let store = Store::open(&db.url).await.unwrap();
        let s = schema(&store).await;
        assert!(s.iter().any(|(t, c, ..)| t == "reports" && c == "pseudonym"), "{}: {s:?}", db.label);
        assert!(s.iter().all(|(_, _, f, _)| *f != "other"), "{}: unexpected type family: {s:?}", db.label);
        // Opening again is a no-op (migrations are recorded).
        Store::open(&db.url).await.unwrap();
        schemas.push((db.label, s));
    }
    if let [(_, a), (_, b)] = schemas.as_slice() {
        assert_eq!(a, b);
    }
}

#[tokio::test]
async fn every_migration_file_is_applied() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for backend in ["sqlite", "postgres"] {
        let files = std::fs::read_dir(dir.join(backend)).unwrap().count() as i64;
        assert!(files >= 2);
        for db in common::databases().await {
            if db.label != backend {
                continue;
            }
            let store = Store::open(&db.url).await.unwrap();
            let applied: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&store.db.pool).await.unwrap();
            assert_eq!(applied, files, "{backend}: every file in migrations/{backend} is embedded and applied");
        }
    }
}

/// The publication history is append-only on both backends, and its writes are audited.
#[tokio::test]
async fn publications_are_append_only_and_audited() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let id = store.record_publication("public", 2015, 2019, "{}", "cli:test", "publication").await.unwrap();
        assert_eq!(id, 1);
        assert_eq!(store.record_publication("internal", 2016, 2020, "{}", "cli:test", "p").await.unwrap(), 2);
        let p = store.publications().await.unwrap();
        assert_eq!(p.len(), 2);
        assert!(p[0].overlaps(2019, 2023) && !p[0].overlaps(2020, 2023));
        assert_eq!((p[1].edition.as_str(), p[1].from, p[1].to), ("internal", 2016, 2020));
        assert!(sqlx::query("UPDATE publications SET period_to = 2030").execute(&store.db.pool).await.is_err());
        assert!(sqlx::query("DELETE FROM publications").execute(&store.db.pool).await.is_err());
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'publish'")
            .fetch_one(&store.db.pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 2);
        assert!(store.record_publication("draft", 2015, 2019, "{}", "cli:test", "p").await.is_err());
    }
}
