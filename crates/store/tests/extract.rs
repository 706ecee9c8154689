//! The monitor's extract reads the same plain rows from SQLite and PostgreSQL, and only
//! non-identifying columns (no name, birth date or identity number can reach it: the rows have no
//! field for them).

mod common;

use std::path::PathBuf;

use chrono::NaiveDate;
use zicht_store::import::{ImportOptions, Kind, OnError};
use zicht_store::{NoProgress, Store};

fn examples(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

#[tokio::test]
async fn extract_is_the_same_on_both_backends() {
    let mut extracts = Vec::new();
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        for (kind, file) in
            [(Kind::Reports, "reports.csv"), (Kind::Events, "events.csv"), (Kind::Signals, "signals.csv")]
        {
            let o = ImportOptions {
                kind,
                on_error: OnError::Abort,
                rejects: None,
                actor: "test".into(),
                purpose: "test".into(),
                today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                batch_size: 100,
                encoding: Default::default(),
            };
            store.import(&keys, &[examples(file)], &o, &NoProgress).await.unwrap();
        }
        let x = store.extract().await.unwrap();
        assert!(!x.reports.is_empty() && !x.events.is_empty() && !x.signals.is_empty(), "{}", db.label);
        // Before linkage the person is the pseudonym: every event's person is a hex pseudonym too.
        assert!(x.reports.iter().all(|r| !r.person.is_empty()), "{}", db.label);
        let counts = store.counts().await.unwrap();
        assert_eq!(x.reports.len() as i64, counts.reports, "{}", db.label);
        assert_eq!(x.events.len() as i64, counts.events, "{}", db.label);
        assert_eq!(x.signals.len() as i64, counts.signals, "{}", db.label);
        // Typed as import parsed them: the example's multi-form report keeps its forms in order.
        let forms: Vec<String> = x.reports.iter().flat_map(|r| r.exploitation.iter().map(|e| e.code())).collect();
        assert!(
            forms.iter().any(|f| f == "sexual:prostitution") && forms.iter().any(|f| f == "criminal"),
            "{}",
            db.label
        );

        // A stored code import would never write (the database changed by hand) is an error naming the
        // table and column, not a category of its own in the monitor; the value is not repeated.
        let before = store.extract().await.unwrap();
        sqlx::query("UPDATE reports SET sex = 'femail' WHERE id = (SELECT MIN(id) FROM reports)")
            .execute(&store.db.pool)
            .await
            .unwrap();
        let err = store.extract().await.unwrap_err().to_string();
        assert!(
            err.contains("reports.sex") && err.contains("outside zicht") && !err.contains("femail"),
            "{}: {err}",
            db.label
        );
        sqlx::query("UPDATE reports SET sex = 'female' WHERE id = (SELECT MIN(id) FROM reports)")
            .execute(&store.db.pool)
            .await
            .unwrap();
        assert_eq!(store.extract().await.unwrap().reports.len(), before.reports.len(), "{}", db.label);
        extracts.push((db.label, x));
    }
    // Pseudonyms are keyed per key file, so compare everything else.
    let strip = |x: &zicht_store::extract::Extract| {
        let mut x = x.clone();
        x.reports.iter_mut().for_each(|r| r.person.clear());
        x.events.iter_mut().for_each(|e| e.person.clear());
        x
    };
    if let [(_, a), (_, b)] = extracts.as_slice() {
        assert_eq!(strip(a), strip(b), "SQLite and PostgreSQL extracts differ");
    }
}
