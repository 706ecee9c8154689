//! The register's whole pipeline through the library, without the binary, on a fresh SQLite and a
//! fresh PostgreSQL database: a simulated register is imported, linked (twice: ids stay), and the
//! monitor is published, recorded, and a second release is protected against the first.

#[path = "../../store/tests/common/mod.rs"]
mod common;

use std::sync::atomic::AtomicBool;

use zicht_register::link::{LinkOptions, link};
use zicht_register::monitor::{Request, publish};
use zicht_register::{Register, RegisterError};
use zicht_store::Store;
use zicht_store::import::{Kind, OnError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_register_imports_links_and_publishes_on_both_backends() {
    let sim_dir = tempfile::tempdir().unwrap();
    let config =
        zicht_sim::Config { seed: 11, from: 2016, to: 2019, scale: 0.2, decoy_events: 2000, statistical_minors: true };
    let sim = zicht_sim::simulate(&config).unwrap();
    zicht_sim::write_dir(&sim, sim_dir.path()).unwrap();
    let rows = |kind: &str| {
        std::fs::read_to_string(sim_dir.path().join(format!("{kind}.csv"))).unwrap().lines().count() as i64 - 1
    };
    for db in common::databases().await {
        let keys = common::keys(db.dir.path());
        let store = Store::open(&db.url).await.unwrap();
        store.init_keys(&keys).await.unwrap();
        let reg = Register::new(store, Some(keys), "test");

        // Linking an empty register is the caller's error, said as such.
        let ctl = zicht_progress::NoProgress;
        let empty = link(&reg, &LinkOptions::default(), &ctl).await.unwrap_err();
        assert!(empty.is_input() && empty.to_string().contains("no reports"), "{}: {empty}", db.label);

        for (kind, file) in [(Kind::Reports, "reports"), (Kind::Events, "events"), (Kind::Signals, "signals")] {
            let opts = common::import_options(kind, OnError::Abort, None, 500);
            let path = sim_dir.path().join(format!("{file}.csv"));
            let s = reg.store.import(reg.keys().unwrap(), &[path], &opts, &zicht_store::NoProgress).await;
            assert_eq!(s.unwrap()[0].inserted as i64, rows(file), "{}: every {file} row", db.label);
        }
        let first = link(&reg, &LinkOptions::default(), &ctl).await.unwrap().summary;
        assert_eq!(first.reports, rows("reports"), "{}: every report belongs to a person", db.label);
        assert!(first.persons < first.reports && first.persons > 0, "{}: {first:?}", db.label);
        let again = link(&reg, &LinkOptions::default(), &ctl).await.unwrap().summary;
        assert_eq!((again.new_persons, again.merges, again.persons), (0, 0, first.persons), "{}", db.label);

        // The monitor, recorded; the next release of an overlapping period is protected against it.
        let out = db.dir.path().join("monitor");
        let mut req = Request::new(&out);
        req.lang = zicht_report::Lang::En;
        req.dark_replicates = 0;
        req.publish = Some("test".into());
        let one = publish(&reg, req.clone(), &zicht_progress::NoProgress).await.unwrap();
        let id = one.publication.expect("recorded");
        assert!(one.tables > 10 && one.cells_checked > 500, "{}: {one:?}", db.label);
        for f in zicht_report::RELEASE_FILES {
            assert!(out.join(f).is_file(), "{}: {f} written", db.label);
        }
        assert!(zicht_report::verify::verify(&out).unwrap().findings.is_empty(), "{}", db.label);
        let out2 = db.dir.path().join("monitor-2019");
        req.out = out2.clone();
        req.from = Some(2017);
        req.publish = None;
        let two = publish(&reg, req.clone(), &zicht_progress::NoProgress).await.unwrap();
        assert_eq!(two.protected_against, vec![id], "{}", db.label);
        let first_release = zicht_report::verify::JsonMonitor::read(&out).unwrap();
        let joint = zicht_report::verify::verify_against(&out2, vec![first_release]).unwrap();
        assert!(joint.findings.is_empty(), "{}: {:?}", db.label, joint.findings);

        // A cancelled publication writes nothing.
        let stopped = AtomicBool::new(true);
        req.out = db.dir.path().join("never");
        let e = publish(&reg, req, &stopped).await.unwrap_err();
        assert!(matches!(e, RegisterError::Cancelled(_)), "{}: {e}", db.label);
        assert!(!db.dir.path().join("never").exists(), "{}: nothing in place", db.label);
    }
}
