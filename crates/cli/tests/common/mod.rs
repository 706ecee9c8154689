//! What the CLI tests share: a fresh PostgreSQL database per test, when the run has a server; a large
//! file of reports.

// Each test binary uses a part of this.
#![allow(dead_code)]

use std::path::Path;

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

/// `n` reports: the first row of the examples under ids `PREFIX-k`, the first with a bad date when `bad`.
pub fn big_reports_file(to: &Path, prefix: &str, n: usize, bad: bool) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reports.csv");
    let text = std::fs::read_to_string(examples).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let id = cols.iter().position(|c| *c == "external_id").unwrap();
    let date = cols.iter().position(|c| *c == "report_date").unwrap();
    let mut out = String::from(header);
    out.push('\n');
    for k in 0..n {
        let mut r: Vec<String> = row.iter().map(|s| s.to_string()).collect();
        r[id] = format!("{prefix}-{k}");
        if bad && k == 0 {
            r[date] = "2024-13-45".into();
        }
        out.push_str(&r.join(","));
        out.push('\n');
    }
    std::fs::write(to, out).unwrap();
}
