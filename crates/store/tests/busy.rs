//! SQLite has one writer at a time: a second writer (`zicht link` during an import, a submission to
//! the server during `zicht link`) must wait for the first, not fail with "database is locked".

mod common;

use sqlx::Connection as _;
use zicht_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_waits_for_another_longer_than_sqlites_default_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    let keys = common::keys(dir.path());
    let store = Store::open(&url).await.unwrap();
    store.init_keys(&keys).await.unwrap();

    // Another process holds the write lock for seven seconds.
    sqlx::any::install_default_drivers();
    let mut other = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
    sqlx::query("INSERT INTO reporters (id, reporter_type) VALUES ('OTHER', 'police')")
        .execute(&mut other)
        .await
        .unwrap();
    let holder = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(7)).await;
        sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    });

    let started = std::time::Instant::now();
    store.add_organisation("SHELTER-1", "shelter", "test").await.expect("waits for the other writer, then writes");
    assert!(started.elapsed().as_secs() >= 6, "it did wait: {:?}", started.elapsed());
    holder.await.unwrap();
    let orgs = store.organisations().await.unwrap();
    assert_eq!(orgs.len(), 2, "{orgs:?}");
}
