//! Import behaviour through the public interface, on SQLite and PostgreSQL: every kind of bad input is
//! refused with file, line, column and rule, and an import either commits whole or commits the good rows
//! and writes every bad row with its reason. Nothing is half-written.

mod common;

use std::path::{Path, PathBuf};

use zicht_store::import::{FileSummary, ImportError, ImportOptions, Kind, OnError};
use zicht_store::{Counts, Keys, NoProgress, Store};

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,given_names,family_name,birth_date,sex,nationality,exploitation";
const GOOD1: &str =
    "POL-AMS,police,r1,2020-01-02,identified,legal_obligation,Ioana,Popescu,1998-05-03,female,RO,sexual:prostitution";
const GOOD2: &str =
    "NLA,labour_inspectorate,r2,2021-03-04,identified,legal_obligation,An,Nguyen,1990-01-09,male,VN,labour:hospitality";

fn opts(kind: Kind, on_error: OnError, rejects: Option<PathBuf>) -> ImportOptions {
    common::import_options(kind, on_error, rejects, 2)
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

async fn import(
    store: &Store,
    keys: &Keys,
    files: &[PathBuf],
    o: &ImportOptions,
) -> Result<Vec<FileSummary>, ImportError> {
    store.import(keys, files, o, &NoProgress).await
}

async fn setup(db: &common::TestDb) -> (Store, Keys) {
    let store = Store::open(&db.url).await.unwrap();
    let keys = common::keys(db.dir.path());
    store.init_keys(&keys).await.unwrap();
    (store, keys)
}

#[tokio::test]
async fn good_file_imports_and_reimport_changes_nothing() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let f = write(db.dir.path(), "r.csv", format!("{HEADER}\n{GOOD1}\n{GOOD2}\n{GOOD1}\n"));
        let s =
            import(&store, &keys, std::slice::from_ref(&f), &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].rows, s[0].inserted, s[0].unchanged, s[0].vault_records), (3, 2, 1, 2), "{}", db.label);
        let before = store.counts().await.unwrap();
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].unchanged), (0, 3), "{}", db.label);
        assert_eq!(
            store.counts().await.unwrap(),
            before,
            "{}: a re-import writes nothing, not even an audit entry",
            db.label
        );
        assert_eq!(before.reports, 2);
        assert_eq!(before.vault, 2);
    }
}

/// Each case: (name, file bytes, the column the error must name or a phrase it must contain).
fn bad_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let big = "x".repeat(100_000);
    vec![
        ("missing header column", format!("reporter,external_id\n{GOOD1}\n").into_bytes(), "reporter_type"),
        ("unknown column", format!("{HEADER},colour\n{GOOD1},red\n").into_bytes(), "colour"),
        ("typo column", HEADER.replace("report_date", "report_dat").into_bytes(), "did you mean"),
        ("empty file", Vec::new(), "empty"),
        (
            "bad date",
            format!("{HEADER}\n{GOOD2}\n{}\n", GOOD1.replace("2020-01-02", "2020-13-02")).into_bytes(),
            "report_date",
        ),
        ("unknown code", format!("{HEADER}\n{}\n", GOOD1.replace("police,", "politie,")).into_bytes(), "reporter_type"),
        ("extra field in a row", format!("{HEADER}\n{GOOD1},extra\n").into_bytes(), "fields"),
        (
            "statistical report with a name and a pseudonym",
            {
                let h = format!("{HEADER},pseudonym");
                let row = GOOD1.replace("identified", "statistical") + "," + &"a".repeat(64);
                format!("{h}\n{row}\n").into_bytes()
            },
            "given_names",
        ),
        ("100 kB field", format!("{HEADER}\n{}\n", GOOD1.replace("Popescu", &big)).into_bytes(), "family_name"),
        ("future date", format!("{HEADER}\n{}\n", GOOD1.replace("2020-01-02", "2099-01-02")).into_bytes(), "future"),
        (
            "birth after report",
            format!("{HEADER}\n{}\n", GOOD1.replace("1998-05-03", "2020-05-03")).into_bytes(),
            "birth_date",
        ),
        (
            // Past the first 64 KiB, which decide the encoding (a Latin-1 file from the start is read as
            // Windows-1252: see `latin1_and_utf16_files_import`).
            "invalid UTF-8 far into the file",
            {
                let mut b = format!("{HEADER}\n{}", format!("{GOOD2}\n").repeat(800)).into_bytes();
                b.extend_from_slice(
                    &GOOD1
                        .replace("Ioana", "Io\u{0}na")
                        .into_bytes()
                        .iter()
                        .map(|&c| if c == 0 { 0xff } else { c })
                        .collect::<Vec<_>>(),
                );
                b.push(b'\n');
                b
            },
            "UTF-8",
        ),
        (
            "same id, other content",
            format!("{HEADER}\n{GOOD1}\n{}\n", GOOD1.replace("Ioana", "Ilona")).into_bytes(),
            "different row",
        ),
    ]
}

#[tokio::test]
async fn abort_mode_writes_nothing_and_names_line_column_and_rule() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let before = store.counts().await.unwrap();
        for (name, content, needle) in bad_files() {
            let f = write(db.dir.path(), "bad.csv", &content);
            let err = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(needle), "{}: {name}: {msg}", db.label);
            assert!(msg.contains("bad.csv"), "{}: {name}: error must name the file: {msg}", db.label);
            assert!(!msg.contains(&"x".repeat(100)), "{name}: a huge value must not be echoed");
            assert_eq!(store.counts().await.unwrap(), before, "{}: {name}: nothing may be written", db.label);
        }
    }
}

#[tokio::test]
async fn reject_mode_commits_good_rows_and_writes_each_bad_row_with_its_reason() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let bad_date = GOOD1.replace("r1", "r3").replace("2020-01-02", "2020-02-30");
        let bad_code = GOOD2.replace("r2", "r4").replace("male,VN", "m,VN");
        let f = write(
            db.dir.path(),
            "mixed.csv",
            format!("{HEADER}\r\n{GOOD1}\r\n{bad_date}\r\n{GOOD2}\r\n{bad_code}\r\n"),
        );
        let rejects = db.dir.path().join("rejects.csv");
        let s =
            import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Reject, Some(rejects.clone()))).await.unwrap();
        assert_eq!((s[0].rows, s[0].inserted, s[0].rejected), (4, 2, 2), "{}", db.label);
        assert_eq!(store.counts().await.unwrap().reports, 2);
        let mut rdr = csv::Reader::from_path(&rejects).unwrap();
        let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header.last().map(String::as_str), Some("reject_reason"));
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][2], "r3", "original content kept");
        assert_eq!(&rows[0][header.len() - 2], "3", "line number");
        assert!(rows[0][header.len() - 1].contains("report_date"), "{:?}", &rows[0]);
        assert!(rows[1][header.len() - 1].contains("sex"), "{:?}", &rows[1]);

        // The rejects file, corrected, imports as it is.
        let fixed =
            std::fs::read_to_string(&rejects).unwrap().replace("2020-02-30", "2020-02-28").replace(",m,VN", ",male,VN");
        let f2 = write(db.dir.path(), "fixed.csv", fixed);
        let s = import(&store, &keys, &[f2], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!(s[0].inserted, 2, "{}", db.label);
    }
}

#[tokio::test]
async fn bom_crlf_quoted_newlines_and_json_lines_are_read() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let quoted = GOOD2.replace("An,Nguyen", "\"An\",\"Nguyen\nVan\"");
        let mut content = b"\xEF\xBB\xBF".to_vec();
        content.extend(format!("{HEADER}\r\n{GOOD1}\r\n{quoted}\r\n").into_bytes());
        let f = write(db.dir.path(), "bom.csv", content);
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await;
        let msg = s.as_ref().err().map(|e| e.to_string()).unwrap_or_default();
        // A line break inside a name is a control character: refused, with the line where the row starts.
        assert!(msg.contains("bom.csv:3") && msg.contains("family_name"), "{}: {msg}", db.label);
        let plain = GOOD2.replace("An,Nguyen", "\"An\",\"Nguyen, Van\"");
        let mut content = b"\xEF\xBB\xBF".to_vec();
        content.extend(format!("{HEADER}\r\n{GOOD1}\r\n{plain}\r\n").into_bytes());
        let f = write(db.dir.path(), "bom.csv", content);
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!(s[0].inserted, 2, "{}", db.label);

        let jl = write(
            db.dir.path(),
            "signals.jsonl",
            "{\"source\":\"chat\",\"external_id\":\"c1\",\"signal_date\":\"2023-01-02\",\"channel\":\"chat\",\"age_band\":\"9-17\",\"exploitation\":[\"sexual\"]}\n\n\
             {\"source\":\"chat\",\"external_id\":\"c2\",\"signal_date\":\"2023-01-03\",\"channel\":\"phone\"}\n",
        );
        let s = import(&store, &keys, &[jl], &opts(Kind::Signals, OnError::Abort, None)).await.unwrap();
        assert_eq!(s[0].inserted, 2);
        let bad = write(db.dir.path(), "bad.jsonl", "{\"source\":\"chat\"}\n[1,2]\n");
        let err =
            import(&store, &keys, &[bad], &opts(Kind::Signals, OnError::Abort, None)).await.unwrap_err().to_string();
        assert!(err.contains("bad.jsonl:1: column external_id") && err.contains("bad.jsonl:2"), "{err}");
    }
}

#[tokio::test]
async fn several_files_are_one_transaction() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let a = write(db.dir.path(), "a.csv", format!("{HEADER}\n{GOOD1}\n"));
        let b = write(db.dir.path(), "b.csv", format!("{HEADER}\n{}\n", GOOD2.replace("2021-03-04", "yesterday")));
        let err = import(&store, &keys, &[a, b], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err();
        assert!(err.to_string().contains("b.csv:2: column report_date"), "{err}");
        assert_eq!(store.counts().await.unwrap().reports, 0, "{}: a.csv must not commit alone", db.label);
    }
}

#[tokio::test]
async fn statistical_reports_keep_no_identity_and_link_by_pseudonym() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let stat =
            GOOD1.replace("r1", "s1").replace("POL-AMS,police", "JZ,youth_care").replace("identified", "statistical");
        let f = write(db.dir.path(), "s.csv", format!("{HEADER}\n{GOOD1}\n{stat}\n"));
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].vault_records), (2, 1), "{}", db.label);
        let c: Counts = store.counts().await.unwrap();
        assert_eq!((c.identified_reports, c.statistical_reports, c.vault), (1, 1, 1));
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT pseudonym, vault_id FROM reports ORDER BY external_id")
                .fetch_all(&store.db.pool)
                .await
                .unwrap();
        assert_eq!(rows[0].0, rows[1].0, "same person, same pseudonym");
        assert!(rows[0].1.is_some() && rows[1].1.is_none());
    }
}

#[tokio::test]
async fn a_wrong_vault_key_is_a_clear_error() {
    for db in common::databases().await {
        let (store, _keys) = setup(&db).await;
        let other_dir = tempfile::tempdir().unwrap();
        let other = common::keys(other_dir.path());
        let f = write(db.dir.path(), "r.csv", format!("{HEADER}\n{GOOD1}\n"));
        let err =
            import(&store, &other, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err().to_string();
        assert!(err.contains("does not belong to this database"), "{err}");
        assert_eq!(store.counts().await.unwrap().reports, 0);
    }
}

#[tokio::test]
async fn the_database_file_holds_no_plaintext_name() {
    let db = common::databases().await.remove(0);
    let (store, keys) = setup(&db).await;
    let f = write(db.dir.path(), "r.csv", format!("{HEADER}\n{GOOD1}\n{GOOD2}\n"));
    import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
    store.db.pool.close().await;
    let path = db.sqlite_path().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    for name in ["Ioana", "Popescu", "Nguyen", "1998-05-03"] {
        assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{name} found in the database file");
    }
    assert!(bytes.windows(7).any(|w| w == b"POL-AMS"), "sanity: the file does hold the reporter id");
}

#[tokio::test]
async fn vault_reads_are_audited_and_the_chain_detects_an_edit() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let f = write(db.dir.path(), "r.csv", format!("{HEADER}\n{GOOD1}\n"));
        import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        let (vault_id,): (String,) =
            sqlx::query_as("SELECT vault_id FROM reports").fetch_one(&store.db.pool).await.unwrap();
        let id =
            store.read_identity(&keys, &vault_id, "registrar:1", "victim asked for their data").await.unwrap().unwrap();
        assert_eq!(id.family_name.as_deref(), Some("Popescu"));
        let v = zicht_store::audit::verify(&store.db).await.unwrap();
        assert_eq!((v.entries, v.broken_at.clone()), (2, None), "{}", db.label);

        let edit =
            sqlx::query("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 2").execute(&store.db.pool).await;
        assert!(edit.is_err(), "{}: the append-only trigger refuses edits", db.label);
        // Someone with raw access goes around the trigger:
        let drop = match store.db.backend {
            zicht_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            zicht_store::Backend::Postgres => "DROP TRIGGER audit_log_no_update ON audit_log",
        };
        sqlx::query(drop).execute(&store.db.pool).await.unwrap();
        sqlx::query("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 2")
            .execute(&store.db.pool)
            .await
            .unwrap();
        let v = zicht_store::audit::verify(&store.db).await.unwrap();
        assert_eq!(v.broken_at.map(|b| b.0), Some(2), "{}", db.label);
    }
}

/// An empty actor or purpose, or one with a newline, is refused and nothing is imported (issue 25,
/// item 6); the message names the field and the rule.
#[tokio::test]
async fn an_empty_or_multi_line_actor_or_purpose_is_refused_and_nothing_is_written() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let f = write(db.dir.path(), "r.csv", format!("{HEADER}\n{GOOD1}\n"));
        for (actor, purpose) in [("", "test"), ("test", " "), ("a\nb", "test"), ("test", "why\r\nseq 9")] {
            let mut o = opts(Kind::Reports, OnError::Abort, None);
            o.actor = actor.into();
            o.purpose = purpose.into();
            let e = import(&store, &keys, std::slice::from_ref(&f), &o).await.unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains("audit log") && (msg.contains("actor") || msg.contains("purpose")),
                "{}: {msg}",
                db.label
            );
            assert_eq!(store.counts().await.unwrap().reports, 0, "{}: nothing imported", db.label);
        }
        let ok = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!(ok[0].inserted, 1, "{}", db.label);
    }
}

/// Cutting the log's tail (the last entry, the last two, all of them) is told: by the head kept beside
/// the key file, and, without any head, by imports whose entries are gone. Each entry records the OS user.
#[tokio::test]
async fn a_cut_audit_tail_is_detected_by_the_head_beside_the_key_file_and_by_the_imports() {
    use zicht_store::audit;
    for db in common::databases().await {
        let store = Store::open(&db.url).await.unwrap();
        let keys = common::keys(db.dir.path());
        store.init_keys(&keys).await.unwrap();
        let head_file = audit::head_path(&keys.path);
        assert_eq!(head_file.file_name().unwrap(), "zicht.key.audit-head");
        let store = store.keep_audit_head(head_file.clone());
        for (i, row) in [GOOD1, GOOD2].iter().enumerate() {
            let f = write(db.dir.path(), &format!("r{i}.csv"), format!("{HEADER}\n{row}\n"));
            import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        }
        let (vault_id,): (String,) =
            sqlx::query_as("SELECT vault_id FROM reports LIMIT 1").fetch_one(&store.db.pool).await.unwrap();
        store.read_identity(&keys, &vault_id, "registrar:1", "a request for access").await.unwrap();
        let head = audit::read_head(&head_file).unwrap().expect("the head is written on every append");
        assert_eq!(head.seq, 3, "{}", db.label);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&head_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let c = audit::check(&store.db, Some(head.clone())).await.unwrap();
        assert!(c.ok() && c.beyond_head == 0, "{}: {c:?}", db.label);
        let (user,): (Option<String>,) =
            sqlx::query_as("SELECT os_user FROM audit_log WHERE seq = 3").fetch_one(&store.db.pool).await.unwrap();
        assert!(user.is_some_and(|u| u.contains("uid")), "{}", db.label);

        // Someone with a copy of the database goes around the trigger and cuts the tail.
        let drop = match store.db.backend {
            zicht_store::Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
            zicht_store::Backend::Postgres => "DROP TRIGGER audit_log_no_delete ON audit_log",
        };
        sqlx::query(drop).execute(&store.db.pool).await.unwrap();
        // The last entry (a read of an identity, which no table records): only the head tells.
        sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&store.db.pool).await.unwrap();
        let c = audit::check(&store.db, Some(head.clone())).await.unwrap();
        assert!(c.chain.broken_at.is_none(), "{}: the shorter chain still chains", db.label);
        assert!(!c.ok() && c.problems[0].contains("removed"), "{}: {c:?}", db.label);
        let c = audit::check(&store.db, None).await.unwrap();
        assert!(c.ok(), "{}: without a head, a cut read cannot be told: {c:?}", db.label);
        // The last two: the head, and the second import without its entry.
        sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&store.db.pool).await.unwrap();
        let c = audit::check(&store.db, None).await.unwrap();
        assert!(
            !c.ok() && c.problems.iter().any(|p| p.contains("import(s) have no audit entry")),
            "{}: {c:?}",
            db.label
        );
        // All of them.
        sqlx::query("DELETE FROM audit_log").execute(&store.db.pool).await.unwrap();
        let c = audit::check(&store.db, Some(head.clone())).await.unwrap();
        assert_eq!(c.problems.len(), 2, "{}: {c:?}", db.label);
        // A replaced tail: as long as the head, with other content.
        let other = audit::Head { seq: 0, hash: audit::GENESIS.into() };
        let c = audit::check(&store.db, Some(other)).await.unwrap();
        assert!(c.problems.iter().all(|p| !p.contains("removed")), "{}: {c:?}", db.label);
    }
}

/// A CSV as Excel writes it with Dutch settings (`;`), a tab-separated export, and the empty rows Excel
/// leaves below the data: all import, and the summary says which separator was found (issue 20,
/// items 1 and 6). A rejected row of a `;` file goes to a rejects file that imports again.
#[tokio::test]
async fn semicolon_and_tab_separated_files_import_and_empty_rows_are_skipped() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let semi = |line: &str| line.replace(',', ";");
        let bad = GOOD2.replace("r2", "r9").replace("2021-03-04", "2021-02-30");
        let f = write(
            db.dir.path(),
            "excel.csv",
            format!("{}\r\n{}\r\n{}\r\n;;;;;;;;;;;\r\n;;;;;;;;;;;\r\n", semi(HEADER), semi(GOOD1), semi(&bad)),
        );
        let rejects = db.dir.path().join("rej.csv");
        let s =
            import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Reject, Some(rejects.clone()))).await.unwrap();
        assert_eq!((s[0].rows, s[0].inserted, s[0].rejected), (2, 1, 1), "{}: {s:?}", db.label);
        assert_eq!(s[0].separator.as_deref(), Some("semicolon"));
        let fixed = std::fs::read_to_string(&rejects).unwrap().replace("2021-02-30", "2021-02-28");
        let f2 = write(db.dir.path(), "fixed.csv", fixed);
        let s = import(&store, &keys, &[f2], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!(s[0].inserted, 1, "{}", db.label);
        let tab = |line: &str| line.replace(',', "\t");
        let f3 =
            write(db.dir.path(), "export.tsv.csv", format!("{}\n{}\n", tab(HEADER), tab(&GOOD2.replace("r2", "r3"))));
        let s = import(&store, &keys, &[f3], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].separator.as_deref()), (1, Some("tab")), "{}", db.label);
        // A comma file says nothing about its separator, and a comma inside quotes does not count.
        let quoted = GOOD1.replace("r1", "r4").replace("Ioana", "\"Ioana; Maria\"");
        let f4 = write(db.dir.path(), "plain.csv", format!("{HEADER}\n{quoted}\n"));
        let s = import(&store, &keys, &[f4], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].separator.clone()), (1, None), "{}", db.label);
    }
}

/// Header mistakes as organisations make them (issue 20, items 6 and 8): every unknown column named at
/// once, with the register's name for a Dutch or English synonym; an events file given as reports is
/// said to be one.
#[tokio::test]
async fn every_unknown_column_is_named_at_once_and_a_file_of_another_kind_is_recognised() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let header = HEADER.replace("sex", "geslacht").replace("given_names", "voornamen") + ",colour";
        let f = write(db.dir.path(), "dutch.csv", format!("{header}\n{GOOD1},red\n"));
        let err =
            import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err().to_string();
        for want in ["geslacht (did you mean sex?)", "voornamen (did you mean given_names?)", "colour", "3 of them"] {
            assert!(err.contains(want), "{}: {want}: {err}", db.label);
        }
        let events = write(
            db.dir.path(),
            "events.csv",
            "source,external_id,event_date,kind,crime_category,family_name\npolice-victims,e1,2021-01-02,victimisation,assault,Jansen\n",
        );
        let err =
            import(&store, &keys, &[events], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err().to_string();
        assert!(err.contains("columns of a events file") || err.contains("zicht import events"), "{}: {err}", db.label);
        assert_eq!(store.counts().await.unwrap().reports, 0);
    }
}

/// Files as Excel and older systems save them (issue 20, item 2): UTF-16 with a byte-order mark and
/// Windows-1252 (Latin-1) import as they are, and the summary says which encoding was read.
#[tokio::test]
async fn latin1_and_utf16_files_import() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let row = GOOD1.replace("r1", "r5").replace("Ioana,Popescu", "Zoë,Müller");
        let text = format!("{HEADER}\r\n{row}\r\n");
        let (latin1, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
        assert!(!bad);
        let f = write(db.dir.path(), "latin1.csv", latin1.as_ref());
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].encoding.as_deref()), (1, Some("windows-1252")), "{}", db.label);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.replace("r5", "r6").encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let f = write(db.dir.path(), "unicode.csv", utf16);
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].encoding.as_deref()), (1, Some("UTF-16LE")), "{}", db.label);
        // The names arrived as written: the identified report's vault record reads back "Müller".
        let (vault_id,): (String,) = sqlx::query_as("SELECT vault_id FROM reports WHERE external_id = 'r6'")
            .fetch_one(&store.db.pool)
            .await
            .unwrap();
        let id = store.read_identity(&keys, &vault_id, "registrar:1", "test of encodings").await.unwrap().unwrap();
        assert_eq!(id.family_name.as_deref(), Some("Müller"));
        let (vault_id,): (String,) = sqlx::query_as("SELECT vault_id FROM reports WHERE external_id = 'r5'")
            .fetch_one(&store.db.pool)
            .await
            .unwrap();
        let id = store.read_identity(&keys, &vault_id, "registrar:1", "test of encodings").await.unwrap().unwrap();
        assert_eq!(id.given_names.as_deref(), Some("Zoë"));
        // A Windows-1252 file whose first 64 KiB are plain ASCII reads as UTF-8 until its first `ü`,
        // which is refused with what to do; `--encoding windows-1252` reads it whole.
        let mut text = format!("{HEADER}\r\n");
        for i in 0..700 {
            text += &format!("{}\r\n", GOOD2.replace("r2", &format!("a{i}")));
        }
        text += &format!("{}\r\n", GOOD1.replace("r1", "a-last").replace("Popescu", "Müller"));
        let late = write(db.dir.path(), "late.csv", encoding_rs::WINDOWS_1252.encode(&text).0.as_ref());
        let err = import(&store, &keys, std::slice::from_ref(&late), &opts(Kind::Reports, OnError::Abort, None))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(":702: column family_name") && err.contains("not valid UTF-8"), "{}: {err}", db.label);
        let o = ImportOptions {
            encoding: zicht_store::source::Encoding::Windows1252,
            ..opts(Kind::Reports, OnError::Abort, None)
        };
        let s = import(&store, &keys, &[late], &o).await.unwrap();
        assert_eq!((s[0].inserted, s[0].encoding.as_deref()), (701, Some("windows-1252")), "{}", db.label);
    }
}

/// Workbooks as organisations send them (issue 20), written by openpyxl and LibreOffice's format through
/// odfpy (`scripts/reference/workbook_fixtures.py`), not by zicht: the first sheet is read; date cells
/// arrive as `YYYY-MM-DD` and number cells as integers; blank and formatted-but-empty rows are skipped;
/// an error cell rejects its row naming the sheet row and column; the rejects file is CSV and re-imports.
#[tokio::test]
async fn xlsx_and_ods_workbooks_import_as_their_first_sheet() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/workbooks");
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let xlsx = db.dir.path().join("Meldingen 2023.xlsx");
        std::fs::copy(fixtures.join("reports.xlsx"), &xlsx).unwrap();
        let err = import(&store, &keys, std::slice::from_ref(&xlsx), &opts(Kind::Reports, OnError::Abort, None))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(":5: column sex") && err.contains("#N/A"), "{}: {err}", db.label);
        assert!(!err.contains("Popescu"), "{err}");
        let s = import(&store, &keys, std::slice::from_ref(&xlsx), &opts(Kind::Reports, OnError::Reject, None))
            .await
            .unwrap();
        assert_eq!((s[0].rows, s[0].inserted, s[0].rejected), (3, 2, 1), "{}: {s:?}", db.label);
        assert_eq!(s[0].sheet.as_deref(), Some("Meldingen"));
        let rejects = PathBuf::from(s[0].rejects_file.clone().unwrap());
        assert_eq!(rejects, db.dir.path().join("Meldingen 2023.rejects.csv"));
        let text = std::fs::read_to_string(&rejects).unwrap();
        assert!(text.contains("2024-01-02") && text.contains(",5,"), "the row as read, at its sheet row: {text}");
        let (date, year): (String, Option<i64>) =
            sqlx::query_as("SELECT report_date, birth_year FROM reports WHERE external_id = 'x1'")
                .fetch_one(&store.db.pool)
                .await
                .unwrap();
        assert_eq!((date.as_str(), year), ("2023-03-05", Some(1998)), "{}", db.label);
        let fixed = write(db.dir.path(), "fixed.csv", text.replace(",#N/A,", ",female,").replace(",,RO", ",female,RO"));
        let s = import(&store, &keys, &[fixed], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!(s[0].inserted, 1, "{}: the corrected rejects file imports", db.label);
        let ods = db.dir.path().join("meldingen.ods");
        std::fs::copy(fixtures.join("reports.ods"), &ods).unwrap();
        let s = import(&store, &keys, &[ods], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].sheet.as_deref()), (2, Some("Meldingen")), "{}: {s:?}", db.label);
        let (date,): (String,) = sqlx::query_as("SELECT report_date FROM reports WHERE external_id = 'o2'")
            .fetch_one(&store.db.pool)
            .await
            .unwrap();
        assert_eq!(date, "2023-11-30");
        // The binary formats are refused with what to do.
        let xls = write(db.dir.path(), "oud.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        let err =
            import(&store, &keys, &[xls], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err().to_string();
        assert!(err.contains("save it as .xlsx"), "{err}");
    }
}

/// A JSON-lines rejects file re-imports as a CSV one does (issue 20, item 8): corrected, its rows import
/// (the line number it adds is a JSON number); a line that could not be read at all is kept as
/// `original` and refused with what to do, not as an unknown column.
#[tokio::test]
async fn a_json_lines_rejects_file_reimports() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let cols: Vec<&str> = HEADER.split(',').collect();
        let obj = |line: &str| {
            let m: serde_json::Map<String, serde_json::Value> =
                cols.iter().zip(line.split(',')).map(|(k, v)| (k.to_string(), v.into())).collect();
            serde_json::Value::Object(m).to_string()
        };
        let bad_date = GOOD1.replace("r1", "j1").replace("2020-01-02", "2020-02-30");
        let text = format!("{}\n{}\n{{\"reporter\": \"POL\n", obj(&GOOD2.replace("r2", "j2")), obj(&bad_date));
        let f = write(db.dir.path(), "in.jsonl", text);
        let s = import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Reject, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].rejected), (1, 2), "{}: {s:?}", db.label);
        let rejects = PathBuf::from(s[0].rejects_file.clone().unwrap());
        let fixed = std::fs::read_to_string(&rejects).unwrap().replace("2020-02-30", "2020-02-28");
        let f2 = write(db.dir.path(), "fixed.jsonl", fixed);
        let s = import(&store, &keys, &[f2], &opts(Kind::Reports, OnError::Reject, None)).await.unwrap();
        assert_eq!((s[0].inserted, s[0].rejected), (1, 1), "{}: {s:?}", db.label);
        let again = std::fs::read_to_string(s[0].rejects_file.as_ref().unwrap()).unwrap();
        assert!(again.contains("could not be read at all"), "{again}");
    }
}

/// An unclosed quote is named as one (issue 20, item 8), with the column it opens in, not reported as
/// a row with too few fields.
#[tokio::test]
async fn an_unclosed_quote_is_named() {
    for db in common::databases().await {
        let (store, keys) = setup(&db).await;
        let open = GOOD2.replace("r2", "q2").replace(",An,", ",\"An,");
        let f =
            write(db.dir.path(), "quote.csv", format!("{HEADER}\n{GOOD1}\n{open}\n{}\n", GOOD1.replace("r1", "q3")));
        let err =
            import(&store, &keys, &[f], &opts(Kind::Reports, OnError::Abort, None)).await.unwrap_err().to_string();
        assert!(err.contains(":3:") && err.contains("quote") && err.contains("given_names"), "{}: {err}", db.label);
        assert!(!err.contains("fields, the header has"), "{err}");
        assert!(!err.contains("Nguyen") && !err.contains("Ioana"), "{err}");
    }
}
