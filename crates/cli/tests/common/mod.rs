//! What the CLI tests share: a fresh PostgreSQL database per test, when the run has a server.

/// A fresh PostgreSQL database named `prefix_PID` on the server of `ZICHT_TEST_PG_URL`, when there is
/// one; with `ZICHT_REQUIRE_PG=1` a missing server fails the test instead of skipping PostgreSQL.
pub fn postgres(prefix: &str) -> Option<String> {
    let Ok(admin) = std::env::var("ZICHT_TEST_PG_URL") else {
        let required = std::env::var("ZICHT_REQUIRE_PG").is_ok_and(|v| v == "1");
        assert!(!required, "PostgreSQL tests are required (ZICHT_TEST_PG_URL is not set)");
        return None;
    };
    let name = format!("{prefix}_{}", std::process::id());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&pool).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
    });
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}
