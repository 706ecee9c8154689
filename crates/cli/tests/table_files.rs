//! Every command that reads a table reads it as organisations save it (issue 20): `;`-separated
//! Windows-1252 with CRLF and the empty rows Excel leaves below the data, UTF-16 "Unicode text" with
//! tabs, and an `.xlsx` workbook. Each gives the same result as the plain CSV, to the byte.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn zicht() -> Command {
    Command::cargo_bin("zicht").unwrap()
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    r.records().map(|r| r.unwrap().iter().map(|f| f.trim().to_string()).collect()).collect()
}

/// The table as Excel with Dutch settings saves "CSV (puntkomma-gescheiden)": Windows-1252, `;`, CRLF,
/// and two rows of empty cells below the data.
fn dutch_csv(rows: &[Vec<String>], to: &Path) {
    let mut text = String::new();
    for r in rows {
        text += &r.join(";");
        text += "\r\n";
    }
    text += &";".repeat(rows[0].len() - 1);
    text += "\r\n";
    text += &";".repeat(rows[0].len() - 1);
    text += "\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    std::fs::write(to, bytes).unwrap();
}

/// As Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-separated, CRLF.
fn unicode_text(rows: &[Vec<String>], to: &Path) {
    let mut bytes = vec![0xFF, 0xFE];
    for r in rows {
        for u in (r.join("\t") + "\r\n").encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
    }
    std::fs::write(to, bytes).unwrap();
}

/// A workbook whose first sheet holds the table, numbers as number cells, with formatted empty cells
/// below it (which Excel keeps in the sheet's used range) and a second sheet after it.
fn workbook(rows: &[Vec<String>], to: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Gegevens").unwrap();
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            let (i, j) = (i as u32, j as u16);
            // A number cell where the text is a number as written (`0800` stays text, as a careful
            // organisation formats postcodes).
            match v.parse::<f64>() {
                Ok(x) if i > 0 && x.to_string() == *v => sheet.write_number(i, j, x).map(|_| ()).unwrap(),
                _ if v.is_empty() => {}
                _ => sheet.write_string(i, j, v).map(|_| ()).unwrap(),
            }
        }
    }
    let yellow = rust_xlsxwriter::Format::new().set_background_color(rust_xlsxwriter::Color::Yellow);
    for i in 0..3 {
        sheet.write_blank(rows.len() as u32 + i, 0, &yellow).unwrap();
    }
    book.add_worksheet().set_name("Toelichting").unwrap();
    book.save(to).unwrap();
}

/// `zicht ARGS…` with the table at `{}` gives the same stdout, and the same file at `{out}`, for the plain
/// file and each saved form. Runs in `cwd` (where a key file may be).
fn same_output_in(cwd: &Path, plain: &Path, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let rows = read(plain);
    let forms = [
        ("dutch.csv", dutch_csv as fn(&[Vec<String>], &Path)),
        ("unicode.txt", unicode_text),
        ("table.xlsx", workbook),
    ];
    let run = |table: &Path, out: &Path| {
        let args: Vec<String> = args
            .iter()
            .map(|a| match *a {
                "{}" => table.display().to_string(),
                "{out}" => out.display().to_string(),
                a => a.to_string(),
            })
            .collect();
        let res = zicht().current_dir(cwd).args(&args).output().unwrap();
        assert!(res.status.success(), "{args:?}: {}", String::from_utf8_lossy(&res.stderr));
        (res.stdout, std::fs::read(out).unwrap_or_default())
    };
    let want = run(plain, &dir.path().join("plain.out"));
    for (name, write) in forms {
        let path = dir.path().join(name);
        write(&rows, &path);
        let got = run(&path, &dir.path().join(format!("{name}.out")));
        for (what, g, w) in [("stdout", &got.0, &want.0), ("--out", &got.1, &want.1)] {
            assert!(g == w, "{name} {what}: {}\nplain: {}", String::from_utf8_lossy(g), String::from_utf8_lossy(w));
        }
    }
}

fn same_output(plain: &Path, args: &[&str]) {
    same_output_in(Path::new("."), plain, args)
}

#[test]
fn survival_reads_every_saved_form() {
    same_output(
        &fixture("tests/fixtures/lung.csv"),
        &["survival", "{}", "--time", "time", "--event", "status", "--group", "sex", "--at", "100,365", "--json"],
    );
}

#[test]
fn cox_reads_every_saved_form() {
    same_output(
        &fixture("tests/fixtures/rossi.csv"),
        &["cox", "{}", "--time", "week", "--event", "arrest", "--covariates", "fin,age,prio", "--json"],
    );
}

#[test]
fn mse_reads_every_saved_form() {
    same_output(&fixture("../stats/tests/fixtures/mse/UKdat_5.csv"), &["mse", "{}", "--json"]);
}

#[test]
fn match_reads_every_saved_form() {
    let args = ["match", "{}", "--id", "rec_id", "--compare", "given_name:name", "surname:name"];
    let more = ["date_of_birth:date", "postcode:postcode", "--block", "surname", "--block", "date_of_birth"];
    let all: Vec<&str> = args.iter().chain(&more).copied().chain(["--out", "{out}"]).collect();
    same_output(&fixture("../link/tests/fixtures/febrl/dataset3.csv"), &all);
}

/// Names with letters outside ASCII arrive as written: the pseudonyms of the Windows-1252, UTF-16 and
/// workbook forms equal those of the UTF-8 file.
#[test]
fn pseudonymise_reads_every_saved_form() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = format!("sqlite://{}", d.join("zicht.db").display());
    let ok = |args: &[&str]| {
        let out = zicht().current_dir(d).env("ZICHT_DB", &db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    ok(&["init"]);
    ok(&["key", "reporter", "--out", "reporter.key"]);
    let plain = d.join("in.csv");
    std::fs::write(
        &plain,
        "given_names,family_name,birth_date,sex\nZoë,Müller,2004-06-17,female\nFenna,Kuipers,2001-01-30,female\nJosé,Peña,1999-12-31,male\n",
    )
    .unwrap();
    same_output_in(d, &plain, &["pseudonymise", "{}", "--out", "{out}", "--key-file", "reporter.key"]);
}
