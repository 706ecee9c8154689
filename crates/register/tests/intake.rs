//! Intake through the library, as a server will drive it: rows sent as bytes (a form post, an API
//! body) rather than a file, bad rows handed back as values, nothing written to disk; on a fresh
//! SQLite and a fresh PostgreSQL database.

#[path = "../../store/tests/common/mod.rs"]
mod common;

use zicht_register::intake::{Format, ImportError, Input, Kind, OnError, Request, import};
use zicht_register::{Register, RegisterError};
use zicht_store::Store;

const HEADER: &str = "reporter,reporter_type,external_id,report_date,identification,lawful_basis,given_names,family_name,birth_date,sex,nationality,exploitation";

/// Three reports from one organisation, the second with two broken rules (a date in the future and an
/// unknown sex), the third a statistical report.
fn posted() -> Vec<u8> {
    format!(
        "{HEADER}\n\
         SHELTER-1,shelter,A-1,2024-02-01,identified,consent,Anna,Jansen,1990-04-02,female,NL,labour\n\
         SHELTER-1,shelter,A-2,2031-01-01,identified,consent,Piet,Smit,1988-01-01,unknown-sex,NL,sexual\n\
         SHELTER-1,shelter,A-3,2024-03-01,statistical,public_task,,,,male,UA,criminal\n"
    )
    .into_bytes()
}

fn request(on_error: OnError) -> Request {
    let mut req = Request::new(Kind::Reports);
    req.on_error = on_error;
    req.purpose = "test".into();
    req.today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    req
}

async fn register(db: &common::TestDb) -> Register {
    let keys = common::keys(db.dir.path());
    let store = Store::open(&db.url).await.unwrap();
    store.init_keys(&keys).await.unwrap();
    Register::new(store, Some(keys), "org:SHELTER-1")
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posted_rows_commit_and_the_bad_ones_come_back_as_values() {
    for db in common::databases().await {
        let reg = register(&db).await;
        let before = files_in(db.dir.path());
        let input = Input::bytes("form", Format::Csv, posted());
        let summary = import(&reg, [input], &request(OnError::Return), &zicht_progress::NoProgress).await.unwrap();
        let s = &summary[0];
        assert_eq!((s.file.as_str(), s.rows, s.inserted, s.rejected), ("form", 3, 2, 1), "{}: {s:?}", db.label);
        assert_eq!(s.rejects_file, None, "{}: no rejects file for a stream", db.label);
        let [row] = s.rejected_rows.as_slice() else { panic!("{}: one rejected row: {s:?}", db.label) };
        assert_eq!(row.line, 3, "{}: the line of the posted text", db.label);
        let fields: Vec<Option<&str>> = row.problems.iter().map(|p| p.field.as_deref()).collect();
        assert!(
            fields.contains(&Some("report_date")) && fields.contains(&Some("sex")),
            "{}: every broken rule of the row, each naming its field: {:?}",
            db.label,
            row.problems
        );
        assert_eq!(files_in(db.dir.path()), before, "{}: nothing written beside the register", db.label);

        // The rows are in: sending the same text again changes nothing, and the bad row is refused again.
        let again = import(
            &reg,
            [Input::bytes("form", Format::Csv, posted())],
            &request(OnError::Return),
            &zicht_progress::NoProgress,
        )
        .await
        .unwrap();
        assert_eq!((again[0].inserted, again[0].unchanged, again[0].rejected), (0, 2, 1), "{}", db.label);
        let recorded: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&reg.store.db.pool).await.unwrap();
        assert_eq!(recorded, 2, "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_all_or_nothing_by_default_and_needs_a_place_for_a_rejects_file() {
    for db in common::databases().await {
        let reg = register(&db).await;
        let err = import(
            &reg,
            [Input::bytes("api", Format::Csv, posted())],
            &request(OnError::Abort),
            &zicht_progress::NoProgress,
        )
        .await
        .unwrap_err();
        assert!(err.is_input(), "{}: bad rows are the sender's to fix: {err}", db.label);
        let RegisterError::Import(ImportError::Rows { problems, total }) = &err else { panic!("{}: {err}", db.label) };
        assert_eq!(*total, 1, "{}", db.label);
        assert!(problems.iter().all(|p| p.file == "api" && p.line == 3), "{}: {problems:?}", db.label);
        let reports: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM reports").fetch_one(&reg.store.db.pool).await.unwrap();
        assert_eq!(reports, 0, "{}: nothing of an aborted import", db.label);

        // A rejects file beside a stream has nowhere to go: said before anything is read.
        let err = import(
            &reg,
            [Input::bytes("api", Format::Csv, posted())],
            &request(OnError::Reject),
            &zicht_progress::NoProgress,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("api") && err.to_string().contains("OnError::Return"), "{}: {err}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_workbook_or_windows_text_reads_as_its_file_would() {
    // The posted rows as a workbook's first sheet, and as Windows-1252 text with a semicolon (what Excel
    // writes as "CSV" in a Dutch locale).
    let text = String::from_utf8(posted()).unwrap().replace("Jansen", "Jansen-Çelik");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r as u32, c as u16, cell).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let dutch_excel = text.replace(',', ";");
    let (cp1252, _, lossy) = encoding_rs::WINDOWS_1252.encode(&dutch_excel);
    assert!(!lossy);
    for db in common::databases().await {
        let reg = register(&db).await;
        let inputs = [
            Input::bytes("upload.xlsx", Format::Workbook, xlsx.clone()),
            Input::bytes("upload.csv", Format::Csv, cp1252.to_vec()),
        ];
        let s = import(&reg, inputs, &request(OnError::Return), &zicht_progress::NoProgress).await.unwrap();
        assert_eq!((s[0].inserted, s[0].rejected), (2, 1), "{}: workbook: {:?}", db.label, s[0]);
        assert!(s[0].sheet.is_some(), "{}", db.label);
        assert_eq!(
            (s[1].inserted, s[1].unchanged, s[1].rejected),
            (0, 2, 1),
            "{}: the same rows: {:?}",
            db.label,
            s[1]
        );
        assert_eq!(s[1].encoding.as_deref(), Some("windows-1252"), "{}", db.label);
        assert_eq!(s[1].separator.as_deref(), Some("semicolon"), "{}", db.label);
    }
}

/// A server runs intake on a multi-threaded runtime: the operation's future must be `Send`.
#[allow(dead_code)]
fn intake_runs_on_any_worker_thread(reg: &Register, req: &Request) {
    fn send<T: Send>(_: T) {}
    send(import(reg, [Input::bytes("x", Format::Csv, Vec::new())], req, &zicht_progress::NoProgress));
}
