//! What a reporting organisation holds (its key file: the reporters' pseudonym key) together with a
//! copy of the register confirms no guess: the register stores only digests re-keyed with a key of its
//! own (two-layer pseudonyms). And a key file whose keys are not the register's is refused, naming
//! the key. On SQLite and PostgreSQL.

mod common;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sqlx::Row as _;
use zicht_model::Pseudonym;
use zicht_store::import::{ImportOptions, Kind, OnError};
use zicht_store::{Keys, NoProgress, Store};

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,given_names,family_name,birth_date,sex,nationality,exploitation";
/// Statistical reports of minors, with name and birth date: import computes pseudonym, match keys
/// and birth-date key, and drops the name and date.
const STAT: &[(&str, &str, &str)] = &[
    ("Maud Lotte", "van Leeuwen", "2009-06-25"),
    ("Sem", "de Jong", "2010-01-01"),
    ("Noor", "El Amrani", "2008-12-31"),
    ("Daan", "Visser", "2011-03-07"),
];

fn opts() -> ImportOptions {
    ImportOptions {
        kind: Kind::Reports,
        on_error: OnError::Abort,
        rejects: None,
        actor: "test".into(),
        purpose: "test".into(),
        today: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        batch_size: 2,
        encoding: Default::default(),
    }
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn statistical_file(dir: &Path) -> PathBuf {
    let mut s = format!("{HEADER}\n");
    for (i, (given, family, birth)) in STAT.iter().enumerate() {
        s.push_str(&format!(
            "JZ-UTR,youth_care,s{i},2023-05-0{},statistical,legal_obligation,{given},{family},{birth},female,NL,sexual\n",
            i + 1
        ));
    }
    write(dir, "stat.csv", s)
}

/// The file a reporting organisation holds: the pseudonym_key line only.
fn reporter_key_file(register: &Keys, dir: &Path) -> Keys {
    let p = dir.join("reporter.key");
    register.write_reporter_file(&p).unwrap();
    Keys::load(&p).unwrap()
}

#[tokio::test]
async fn a_reporters_key_and_a_copy_of_the_register_confirm_no_birth_date_and_no_pseudonym() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        let f = statistical_file(db.dir.path());
        store.import(&keys, &[f], &opts(), &NoProgress).await.unwrap();

        // The attacker: a reporter's key file and the database, nothing else.
        let reporter = reporter_key_file(&keys, db.dir.path());
        let rows = sqlx::query("SELECT pseudonym, match_keys, birth_date_key, row_digest FROM reports")
            .fetch_all(&store.db.pool)
            .await
            .unwrap();
        assert_eq!(rows.len(), STAT.len(), "{}", db.label);
        let mut stored = std::collections::HashSet::new();
        let mut birth_date_keys = std::collections::HashSet::new();
        for r in &rows {
            stored.insert(r.get::<String, _>(0));
            stored.insert(r.get::<String, _>(3));
            if let Some(m) = r.get::<Option<String>, _>(1) {
                stored.extend(m.split_whitespace().map(str::to_string));
            }
            let b: Option<String> = r.get(2);
            let b = b.expect("import computed a birth-date key");
            birth_date_keys.insert(b.clone());
            stored.insert(b);
        }
        // Every birth date 1900-01-01 ..= 2026-12-31 through the layer-1 birth-date key.
        let mut d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let mut tried = 0;
        while d <= end {
            let guess = zicht_model::pseudonym::birth_date_key(&reporter.pseudonym, d).to_hex();
            assert!(
                !birth_date_keys.contains(&guess),
                "{}: the birth date {d} is confirmed by a reporter's key",
                db.label
            );
            assert!(!stored.contains(&guess), "{}", db.label);
            tried += 1;
            d = d.succ_opt().unwrap();
        }
        assert_eq!(tried, 46_386);
        // The true identities, with the reporter's key: neither pseudonym nor match key is stored.
        for (given, family, birth) in STAT {
            let b = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
            let p = Pseudonym::of(&reporter.pseudonym, given, family, Some(b)).to_hex();
            assert!(!stored.contains(&p), "{}: the pseudonym of a true identity is confirmed", db.label);
            for k in zicht_model::pseudonym::match_keys(&reporter.pseudonym, given, family, Some(b)).unwrap() {
                assert!(!stored.contains(&k.to_hex()), "{}: a match key of a true identity is confirmed", db.label);
            }
        }
    }
}

#[tokio::test]
async fn a_key_file_with_a_foreign_pseudonym_key_is_refused() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        let f = statistical_file(db.dir.path());
        store.import(&keys, std::slice::from_ref(&f), &opts(), &NoProgress).await.unwrap();
        // Same vault key, another pseudonym key: its reports would silently never link.
        let text = std::fs::read_to_string(&keys.path).unwrap();
        let foreign = text
            .lines()
            .map(|l| {
                if l.starts_with("pseudonym_key") {
                    format!("pseudonym_key = {}", "ab".repeat(32))
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let p = db.dir.path().join("foreign.key");
        write(db.dir.path(), "foreign.key", foreign);
        chmod600(&p);
        let other = Keys::load(&p).unwrap();
        let g = write(db.dir.path(), "more.csv", std::fs::read_to_string(&f).unwrap().replace(",s", ",t"));
        let before = store.counts().await.unwrap();
        let err = store.import(&other, &[g], &opts(), &NoProgress).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("pseudonym_key") && msg.contains("foreign.key"), "{}: {msg}", db.label);
        assert_eq!(store.counts().await.unwrap(), before, "{}: nothing imported", db.label);
    }
}

fn chmod600(p: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[tokio::test]
async fn a_key_file_with_a_foreign_register_key_is_refused() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        let f = statistical_file(db.dir.path());
        store.import(&keys, std::slice::from_ref(&f), &opts(), &NoProgress).await.unwrap();
        let p = with_line(&keys, db.dir.path(), "register_key", &"cd".repeat(32));
        let other = Keys::load(&p).unwrap();
        let err = store.import(&other, &[f], &opts(), &NoProgress).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("register_key") && msg.contains("foreign.key"), "{}: {msg}", db.label);
        let err = store.linkage_records(&other, "test", "test").await.unwrap_err().to_string();
        assert!(err.contains("register_key"), "{}: linkage refuses it too: {err}", db.label);
        // The right key file still works, and a reporter's file (no register key) says what is missing.
        store.check_keys(&keys).await.unwrap();
        let reporter = reporter_key_file(&keys, db.dir.path());
        let g = statistical_file(db.dir.path());
        let err = store.import(&reporter, &[g], &opts(), &NoProgress).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("vault_key") || msg.contains("register_key"), "{}: {msg}", db.label);
    }
}

/// A copy of the key file with one line's key replaced, as `foreign.key` (mode 0600).
fn with_line(keys: &Keys, dir: &Path, name: &str, hex: &str) -> PathBuf {
    let text = std::fs::read_to_string(&keys.path).unwrap();
    let lines: Vec<String> =
        text.lines().map(|l| if l.starts_with(name) { format!("{name} = {hex}") } else { l.to_string() }).collect();
    let p = write(dir, "foreign.key", lines.join("\n") + "\n");
    chmod600(&p);
    p
}

#[test]
fn the_reporters_key_file_holds_the_pseudonym_key_only_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let keys = common::keys(dir.path());
    let out = dir.path().join("reporter.key");
    keys.write_reporter_file(&out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let register_text = std::fs::read_to_string(&keys.path).unwrap();
    let pseudonym_line = register_text.lines().find(|l| l.starts_with("pseudonym_key")).unwrap();
    assert_eq!(text, format!("{pseudonym_line}\n"), "one line: the pseudonym key");
    for secret in ["vault_key", "register_key"] {
        let line = register_text.lines().find(|l| l.starts_with(secret)).unwrap();
        let hex = line.split('=').nth(1).unwrap().trim();
        assert!(!text.contains(hex), "the reporter's file holds no {secret}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let loaded = Keys::load(&out).unwrap();
    assert!(loaded.vault.is_none() && loaded.register.is_none());
    // Never overwrites, never writes through a symbolic link (final component or a folder on the way).
    let err = keys.write_reporter_file(&out).unwrap_err().to_string();
    assert!(err.contains("exists") && err.contains("reporter.key"), "{err}");
    #[cfg(unix)]
    {
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.path().join("link.key")).unwrap();
        let err = keys.write_reporter_file(&dir.path().join("link.key")).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!target.exists(), "nothing written where the link points");
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("dirlink")).unwrap();
        let err = keys.write_reporter_file(&dir.path().join("dirlink/r.key")).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!dir.path().join("real/r.key").exists());
    }
}

fn examples(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/single-layer").join(name)
}

/// The files of one register: the examples and the fixture's statistical reports.
fn register_files() -> Vec<(Kind, PathBuf)> {
    vec![
        (Kind::Reports, examples("reports.csv")),
        (Kind::Events, examples("events.csv")),
        (Kind::Signals, examples("signals.csv")),
        (Kind::Reports, fixture("stat.csv")),
    ]
}

async fn import_all(store: &Store, keys: &Keys) -> Result<(), zicht_store::import::ImportError> {
    for (kind, f) in register_files() {
        let o = ImportOptions { kind, today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), ..opts() };
        store.import(keys, &[f], &o, &NoProgress).await?;
    }
    Ok(())
}

/// Every stored digest by table, owner and external id.
async fn digests(store: &Store) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for sql in [
        "SELECT 'reports', reporter, external_id, pseudonym || '/' || COALESCE(match_keys, '-') || '/' || COALESCE(birth_date_key, '-') || '/' || row_digest FROM reports",
        "SELECT 'events', source, external_id, pseudonym || '/' || row_digest FROM events",
        "SELECT 'signals', source, external_id, row_digest FROM signals",
    ] {
        for r in sqlx::query(sql).fetch_all(&store.db.pool).await.unwrap() {
            out.push((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
    }
    out.sort();
    out
}

/// The single-layer (scheme 1) digests of one input row, as registers before two-layer pseudonyms
/// stored them: everything under the reporters' key alone.
fn layer1(key: &zicht_model::PseudonymKey, kind: Kind, cols: &[String], vals: &[String]) -> (String, String, String) {
    let get = |c: &str| cols.iter().position(|x| x == c).map(|i| vals[i].trim()).filter(|v| !v.is_empty());
    let row = {
        use hmac::Mac;
        let mut pairs: Vec<(&str, &str)> =
            cols.iter().zip(vals).filter(|(_, v)| !v.trim().is_empty()).map(|(c, v)| (c.as_str(), v.trim())).collect();
        pairs.sort();
        let mut mac = key.mac();
        mac.update(b"zicht row digest v1\x00");
        for (c, v) in pairs {
            mac.update(c.as_bytes());
            mac.update(b"\x1f");
            mac.update(v.as_bytes());
            mac.update(b"\x1e");
        }
        hex::encode(mac.finalize().into_bytes())
    };
    if kind == Kind::Signals {
        return (String::new(), String::new(), row);
    }
    let (given, family) = (get("given_names").unwrap_or(""), get("family_name").unwrap_or(""));
    let birth = get("birth_date").map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
    let pseudonym = match get("pseudonym") {
        Some(p) => Pseudonym::parse(p).unwrap().to_hex(),
        None => Pseudonym::of(key, given, family, birth).to_hex(),
    };
    // Statistical reports whose pseudonym import computed keep match keys and a birth-date key.
    let computed_statistical = get("identification") == Some("statistical") && get("pseudonym").is_none();
    let extra = if computed_statistical {
        let m = zicht_model::pseudonym::match_keys(key, given, family, birth)
            .map(|k| k.iter().map(|p| p.to_hex()).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| "-".into());
        let b = birth.map(|b| zicht_model::pseudonym::birth_date_key(key, b).to_hex()).unwrap_or_else(|| "-".into());
        format!("{m}/{b}")
    } else {
        "-/-".into()
    };
    (pseudonym, extra, row)
}

/// Turns a freshly imported register into one written before two-layer pseudonyms: layer-1 digests in
/// every column, scheme 1, no pseudonym or register key check; and a key file without register key.
async fn make_single_layer(store: &Store, keys: &Keys, dir: &Path) -> Keys {
    for (kind, f) in register_files() {
        let mut rdr = csv::Reader::from_path(&f).unwrap();
        let cols: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        for rec in rdr.records() {
            let vals: Vec<String> = rec.unwrap().iter().map(String::from).collect();
            let (p, extra, row) = layer1(&keys.pseudonym, kind, &cols, &vals);
            let owner = vals[0].clone();
            let ext = vals[cols.iter().position(|c| c == "external_id").unwrap()].clone();
            match kind {
                Kind::Reports => {
                    let (m, b) = extra.split_once('/').unwrap();
                    let opt = |s: &str| (s != "-").then(|| s.to_string());
                    sqlx::query("UPDATE reports SET pseudonym = $1, match_keys = $2, birth_date_key = $3, row_digest = $4 WHERE reporter = $5 AND external_id = $6")
                        .bind(p).bind(opt(m)).bind(opt(b)).bind(row).bind(owner).bind(ext)
                        .execute(&store.db.pool).await.unwrap();
                }
                Kind::Events => {
                    sqlx::query(
                        "UPDATE events SET pseudonym = $1, row_digest = $2 WHERE source = $3 AND external_id = $4",
                    )
                    .bind(p)
                    .bind(row)
                    .bind(owner)
                    .bind(ext)
                    .execute(&store.db.pool)
                    .await
                    .unwrap();
                }
                Kind::Signals => {
                    sqlx::query("UPDATE signals SET row_digest = $1 WHERE source = $2 AND external_id = $3")
                        .bind(row)
                        .bind(owner)
                        .bind(ext)
                        .execute(&store.db.pool)
                        .await
                        .unwrap();
                }
            }
        }
    }
    sqlx::query("UPDATE meta SET value = '1' WHERE key = 'pseudonym_layers'").execute(&store.db.pool).await.unwrap();
    sqlx::query("DELETE FROM meta WHERE key IN ('pseudonym_key_check', 'register_key_check')")
        .execute(&store.db.pool)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&keys.path).unwrap();
    let old: Vec<&str> = text.lines().filter(|l| !l.starts_with("register_key")).collect();
    let p = write(dir, "old.key", old.join("\n") + "\n");
    chmod600(&p);
    Keys::load(&p).unwrap()
}

/// Migrates `store` (scheme 1) with `old_keys` and checks it against a fresh register made with the
/// migrated key file: the same digests everywhere, re-imports unchanged, a second run a no-op.
async fn migrate_and_compare(store: &Store, mut old_keys: Keys, fresh_url: &str, label: &str) {
    assert_eq!(store.layer_scheme().await.unwrap(), 1, "{label}");
    let before = digests(store).await;
    // Every command that reads or writes digests refuses it, saying what to do.
    let err = import_all(store, &old_keys).await.unwrap_err().to_string();
    assert!(err.contains("zicht key migrate"), "{label}: {err}");
    let err = store.linkage_records(&old_keys, "test", "test").await.unwrap_err().to_string();
    assert!(err.contains("zicht key migrate"), "{label}: {err}");

    let audit_before = store.counts().await.unwrap().audit_log;
    let s = store.migrate_keys(&mut old_keys, "registrar:1", "two-layer pseudonyms").await.unwrap();
    assert!(s.register_key_added, "{label}");
    assert_eq!((s.from_scheme, s.scheme, s.reports, s.events, s.signals), (1, 2, 9, 3, 3), "{label}");
    assert!(s.pseudonym_key_confirmed_by > 0, "{label}: the pseudonym key was confirmed against the vault");
    let migrated = Keys::load(&old_keys.path).unwrap();
    assert!(migrated.register.is_some(), "{label}: the key file now has a register key");
    let after = digests(store).await;
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_ne!(a.3, b.3, "{label}: every digest re-keyed ({} {})", a.0, a.2);
    }
    let c = store.counts().await.unwrap();
    assert_eq!(c.audit_log, audit_before + 1, "{label}: one audit entry");
    let (action, actor): (String, String) =
        sqlx::query_as("SELECT action, actor FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&store.db.pool)
            .await
            .unwrap();
    assert_eq!((action.as_str(), actor.as_str()), ("re-key digests", "registrar:1"));
    assert_eq!(zicht_store::audit::verify(&store.db).await.unwrap().broken_at, None);

    // A fresh register with the migrated key file stores exactly the same digests.
    let fresh = Store::open(fresh_url).await.unwrap();
    fresh.init_keys(&migrated).await.unwrap();
    import_all(&fresh, &migrated).await.unwrap();
    assert_eq!(digests(&fresh).await, after, "{label}: migrated = fresh");

    // Re-importing the same files into the migrated register changes nothing.
    let counts = store.counts().await.unwrap();
    import_all(store, &migrated).await.unwrap();
    assert_eq!(store.counts().await.unwrap(), counts, "{label}: re-import after migration writes nothing");

    // Idempotent: the second run does nothing.
    let mut again = migrated.clone();
    let s = store.migrate_keys(&mut again, "registrar:1", "again").await.unwrap();
    assert_eq!((s.from_scheme, s.reports, s.register_key_added), (2, 0, false), "{label}");
    assert_eq!(store.counts().await.unwrap().audit_log, counts.audit_log, "{label}");
    assert_eq!(digests(store).await, after);
}

#[tokio::test]
async fn a_single_layer_register_migrates_to_the_digests_of_a_fresh_one() {
    let fresh = common::databases().await;
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        import_all(&store, &keys).await.unwrap();
        let old = make_single_layer(&store, &keys, db.dir.path()).await;
        let fresh_url = &fresh.iter().find(|f| f.label == db.label).unwrap().url;
        migrate_and_compare(&store, old, fresh_url, db.label).await;
    }
}

/// A register written by zicht before two-layer pseudonyms (the fixture was made with that version:
/// `zicht init`, the three example files and `stat.csv` imported, `zicht link` run).
#[tokio::test]
async fn the_register_of_the_previous_version_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("zicht.db");
    std::fs::copy(fixture("zicht.db"), &db).unwrap();
    let key = dir.path().join("zicht.key");
    std::fs::copy(fixture("zicht.key"), &key).unwrap();
    chmod600(&key);
    let store = Store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    let fresh = dir.path().join("fresh.db");
    migrate_and_compare(&store, Keys::load(&key).unwrap(), &format!("sqlite://{}", fresh.display()), "fixture").await;
}

#[tokio::test]
async fn migrate_refuses_a_foreign_pseudonym_key_before_changing_anything() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        import_all(&store, &keys).await.unwrap();
        let old = make_single_layer(&store, &keys, db.dir.path()).await;
        let before = digests(&store).await;
        let p = with_line(&old, db.dir.path(), "pseudonym_key", &"ef".repeat(32));
        let key_text = std::fs::read_to_string(&p).unwrap();
        let mut foreign = Keys::load(&p).unwrap();
        let err = store.migrate_keys(&mut foreign, "test", "test").await.unwrap_err().to_string();
        assert!(err.contains("pseudonym_key") && err.contains("foreign.key"), "{}: {err}", db.label);
        assert_eq!(digests(&store).await, before, "{}", db.label);
        assert_eq!(store.layer_scheme().await.unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), key_text, "{}: the key file is untouched", db.label);
    }
}

#[tokio::test]
async fn two_migrations_at_once_rekey_once_with_the_key_left_in_the_file() {
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        import_all(&store, &keys).await.unwrap();
        let old = make_single_layer(&store, &keys, db.dir.path()).await;
        let (mut a, mut b) = (Keys::load(&old.path).unwrap(), Keys::load(&old.path).unwrap());
        let (s1, s2) = (store.clone(), store.clone());
        let (ra, rb) = tokio::join!(async move { s1.migrate_keys(&mut a, "a", "race").await }, async move {
            s2.migrate_keys(&mut b, "b", "race").await
        },);
        let rekeyed: Vec<u64> = [&ra, &rb].iter().filter_map(|r| r.as_ref().ok()).map(|s| s.reports).collect();
        assert!(rekeyed.contains(&9), "{}: one run re-keyed: {ra:?} {rb:?}", db.label);
        assert_eq!(rekeyed.iter().filter(|n| **n > 0).count(), 1, "{}: only one: {ra:?} {rb:?}", db.label);
        // The key file holds the register key the digests were made with.
        let now = Keys::load(&old.path).unwrap();
        store.check_keys(&now).await.unwrap();
        let fresh = common::databases().await.into_iter().find(|f| f.label == db.label).unwrap();
        let f = Store::open(&fresh.url).await.unwrap();
        f.init_keys(&now).await.unwrap();
        import_all(&f, &now).await.unwrap();
        assert_eq!(digests(&f).await, digests(&store).await, "{}", db.label);
    }
}
