//! The checker behind `zicht check-disclosure DIR`: re-reads `monitor.json` and `monitor.xlsx` as
//! written, rebuilds every table from the file alone, and audits it with [`zicht_disclose::check`] —
//! which knows nothing of how the tables were protected. The thresholds are fixed (10 and 50), never
//! read from the files; the public edition's rounding is checked when the JSON says `public`.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde::Serialize;
use zicht_disclose::linked::{CellId, Known, Release};
use zicht_disclose::{Cell, Flag, Grid, Policy, Unit, check};

use crate::TABLES;

use crate::xlsx::HEADER_ROW;

mod texts;

/// One violation found in a written file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub file: String,
    pub table: String,
    pub row: usize,
    pub column: usize,
    pub rule: String,
    pub detail: String,
}

/// What the checker read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub edition: String,
    pub tables_json: usize,
    pub tables_xlsx: usize,
    pub cells: usize,
    pub findings: Vec<Finding>,
}

/// A file that cannot be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{path}: {detail}")]
    Read { path: String, detail: String },
}

fn read_err(path: &Path, detail: impl std::fmt::Display) -> VerifyError {
    VerifyError::Read { path: path.display().to_string(), detail: detail.to_string() }
}

#[derive(Debug, Clone, serde::Deserialize)]
struct JsonTable {
    id: String,
    #[serde(default)]
    keys: Vec<Vec<Option<String>>>,
    #[serde(flatten)]
    grid: Grid,
}

/// What the checker reads of a `monitor.json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct JsonMonitor {
    edition: String,
    tables: Vec<JsonTable>,
    #[serde(default)]
    model: crate::ReleaseModel,
    #[serde(default)]
    alerts: Vec<serde_json::Value>,
}

impl JsonMonitor {
    /// Reads `monitor.json` in `dir`.
    pub fn read(dir: &Path) -> Result<JsonMonitor, VerifyError> {
        let jp = dir.join("monitor.json");
        let text = std::fs::read_to_string(&jp).map_err(|e| read_err(&jp, e))?;
        Self::parse(&jp, &text)
    }

    /// Parses a `monitor.json` read from `origin` (a file, or the register's publication history),
    /// which errors name.
    pub fn parse(origin: &Path, text: &str) -> Result<JsonMonitor, VerifyError> {
        serde_json::from_str(text).map_err(|e| read_err(origin, e))
    }
}

fn finding(table: &str, row: usize, column: usize, rule: &str, detail: String) -> Finding {
    Finding { file: "monitor.json".into(), table: table.into(), row, column, rule: rule.into(), detail }
}

/// The intruder's audit of one or more releases read from their files (jointly: a key printed in
/// two releases is one count). Everything a reader knows goes in — the published relations, the
/// margins of every table the release definition ([`crate::TABLES`]) says has them (whatever the
/// file says), each shown count exactly (internal) or within its rounding (public) and at least
/// 10, the bases of shown ratios, the numerators that shown percentages bound, the stated zeros —
/// and every count not known exactly must keep a feasible range that is wholly ≥ 10 or contains
/// all of 0–9 ([`Release::protects`]). Published numbers that cannot all be true (totals that do
/// not add up) are a finding too.
pub fn audit_releases(monitors: &[JsonMonitor]) -> Vec<Finding> {
    let mut out = Vec::new();
    let read = read_releases(monitors, &mut out);
    let (r, known) = (read.model, read.known);
    audit_read(&r, &known, &mut out);
    out
}

/// What readers know from published releases: a model whose relations and stated zeros are the
/// files' and the release definition's (true counts unknown: all 0), a window per cell, and the keys
/// hidden somewhere.
#[derive(Debug)]
pub struct ReadReleases {
    pub model: Release,
    pub known: Vec<Option<(i64, i64)>>,
    pub hidden: Vec<String>,
}

/// Reads the knowledge of `monitors` (see [`audit_releases`]); problems of layout go to `out`.
pub fn read_releases(monitors: &[JsonMonitor], out: &mut Vec<Finding>) -> ReadReleases {
    let mut hidden_keys = Vec::new();
    let mut r = Release::new();
    let mut known: Vec<Option<(i64, i64)>> = Vec::new();
    let cell = |r: &mut Release, known: &mut Vec<Option<(i64, i64)>>, key: &str| -> CellId {
        let id = match r.id(key) {
            Some(id) => id,
            None => r.latent(key, 0).expect("all truths are 0"),
        };
        if known.len() <= id {
            known.resize(id + 1, None);
        }
        id
    };
    let meet = |known: &mut Vec<Option<(i64, i64)>>, id: CellId, lo: i64, hi: i64| {
        known[id] = Some(match known[id] {
            Some((a, b)) => (a.max(lo), b.min(hi)),
            None => (lo, hi),
        });
    };
    for m in monitors {
        let public = m.edition == "public";
        let window = |v: i64| if public { zicht_disclose::cellkey::window(v, 10) } else { (v, v) };
        for t in &m.tables {
            let Some(&(_, unit, margins)) = TABLES.iter().find(|d| d.0 == t.id) else {
                out.push(finding(&t.id, 0, 0, "unknown_table", "not a table of the release definition".into()));
                continue;
            };
            if t.grid.unit != unit || t.grid.totals != margins {
                out.push(finding(
                    &t.id,
                    0,
                    0,
                    "layout",
                    format!(
                        "labelled {:?} totals {} but defined as {unit:?} totals {margins}",
                        t.grid.unit, t.grid.totals
                    ),
                ));
            }
            if t.keys.len() != t.grid.cells.len() || t.keys.iter().zip(&t.grid.cells).any(|(k, c)| k.len() != c.len()) {
                out.push(finding(
                    &t.id,
                    0,
                    0,
                    "keys",
                    "the cells have no model keys: the release cannot be audited".into(),
                ));
                continue;
            }
            let mut ids: Vec<Vec<Option<CellId>>> = Vec::with_capacity(t.keys.len());
            for (i, row) in t.keys.iter().enumerate() {
                let mut rid = Vec::with_capacity(row.len());
                for (j, k) in row.iter().enumerate() {
                    let c = &t.grid.cells[i][j];
                    let Some(k) = k else {
                        if unit == Unit::Count {
                            out.push(finding(&t.id, i, j, "keys", "a count without a model key".into()));
                        }
                        rid.push(None);
                        continue;
                    };
                    let id = cell(&mut r, &mut known, k);
                    rid.push(Some(id));
                    if unit == Unit::Count {
                        if let Some(v) = c.value {
                            let (lo, hi) = window(v as i64);
                            meet(&mut known, id, lo.max(10), hi);
                        } else {
                            hidden_keys.push(k.clone());
                        }
                    } else if c.value.is_some() {
                        match c.base {
                            Some(b) => {
                                // A shown ratio's base is at least 50: the rule is public.
                                let (lo, hi) = window(b);
                                meet(&mut known, id, lo.max(50), hi);
                            }
                            None if c.base_suppressed => meet(&mut known, id, 50, i64::MAX / 4),
                            None => {}
                        }
                    } else if c.flag == Flag::SmallBase {
                        meet(&mut known, id, 0, 49);
                    }
                }
                ids.push(rid);
            }
            // The margins the definition says the table has, from its own layout.
            if margins && unit == Unit::Count && ids.len() >= 2 {
                let nr = ids.len();
                let nc = ids[0].len();
                for line in &ids {
                    if let Some(row) = line.iter().copied().collect::<Option<Vec<_>>>() {
                        r.published_relation(row[nc - 1], &row[..nc - 1]);
                    }
                }
                for j in 0..nc {
                    if let Some(col) = ids.iter().map(|line| line[j]).collect::<Option<Vec<_>>>() {
                        r.published_relation(col[nr - 1], &col[..nr - 1]);
                    }
                }
            }
        }
        for (total, parts) in &m.model.relations {
            let t = cell(&mut r, &mut known, total);
            let p: Vec<CellId> = parts.iter().map(|k| cell(&mut r, &mut known, k)).collect();
            r.published_relation(t, &p);
        }
        for (k, lo, hi) in &m.model.stated {
            // The publisher states zeros only (empty categories, structural zeros, and what they
            // imply): a stated count above 0 would be a count published outside every table.
            if (*lo, *hi) != (0, 0) {
                out.push(finding(
                    "model",
                    0,
                    0,
                    "stated",
                    format!("`{k}` is stated as {lo}–{hi}; only zeros are stated"),
                ));
            }
            let id = cell(&mut r, &mut known, k);
            meet(&mut known, id, *lo, *hi);
            if lo == hi {
                r.state_as(id, *lo);
            }
        }
        for q in &m.model.ratios {
            let Some(t) = m.tables.iter().find(|t| t.id == q.table) else { continue };
            let Some(c) = t.grid.cells.get(q.row).and_then(|r| r.get(q.column)) else { continue };
            let (Some(p), Some(b)) = (c.value, c.base) else { continue };
            let n = cell(&mut r, &mut known, &q.numerator);
            let (lo, hi) = if public {
                // The public edition's percentage is of the perturbed counts: with the printed
                // base it gives the numerator's published value, and that its window.
                window((p * b as f64 / 100.0).round() as i64)
            } else {
                (((p - 0.05) * b as f64 / 100.0).ceil() as i64, ((p + 0.05) * b as f64 / 100.0).floor() as i64)
            };
            meet(&mut known, n, lo.max(0), hi);
        }
    }
    known.resize(r.len(), None);
    r.close_stated();
    ReadReleases { model: r, known, hidden: hidden_keys }
}

fn audit_read(r: &Release, known: &[Option<(i64, i64)>], out: &mut Vec<Finding>) {
    let mut k = Vec::with_capacity(r.len());
    for (id, w) in known.iter().enumerate() {
        match *w {
            Some((lo, hi)) if lo > hi => {
                out.push(finding(
                    "",
                    0,
                    0,
                    "additivity",
                    format!("`{}`: the published numbers give {lo} > {hi}", r.key(id)),
                ));
                k.push(Known::Nothing);
            }
            Some((lo, hi)) => k.push(Known::Range(lo, hi)),
            None => k.push(Known::Nothing),
        }
    }
    match r.audit_knowledge(&k) {
        Ok((failing, _, _)) => {
            for (id, (lo, hi)) in failing {
                let hi = hi.map_or("∞".to_string(), |h| h.to_string());
                out.push(finding(
                    "",
                    0,
                    0,
                    "narrow_range",
                    format!("`{}` lies in {lo}–{hi}: an intruder can tell it is a small count", r.key(id)),
                ));
            }
        }
        Err(e) => out.push(finding("", 0, 0, "additivity", format!("the published numbers cannot all be true: {e}"))),
    }
}

fn json_finding(table: &str, rule: &str, detail: String) -> Finding {
    finding(table, 0, 0, rule, detail)
}

/// The first member (sheet, comments, drawing, properties …) in which two workbooks differ once
/// inflated, or `None` when they hold the same members with the same bytes. `written` has passed
/// the zip-bomb check.
fn first_different_member(written: &[u8], again: &[u8]) -> Option<String> {
    use std::io::Read;
    let members = |bytes: &[u8]| -> Result<std::collections::BTreeMap<String, Vec<u8>>, String> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let mut out = std::collections::BTreeMap::new();
        for i in 0..z.len() {
            let mut f = z.by_index(i).map_err(|e| e.to_string())?;
            let mut b = Vec::new();
            f.read_to_end(&mut b).map_err(|e| e.to_string())?;
            out.insert(f.name().map_err(|e| e.to_string())?.to_string(), b);
        }
        Ok(out)
    };
    let (a, b) = match (members(written), members(again)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return Some(format!("the archive ({e})")),
    };
    a.keys().chain(b.keys()).find(|k| a.get(*k) != b.get(*k)).cloned()
}

fn flag_of_mark(s: &str) -> Option<Flag> {
    match s.trim() {
        "<10" => Some(Flag::Primary),
        "x" => Some(Flag::Suppressed),
        "n<50" => Some(Flag::SmallBase),
        "." => Some(Flag::Missing),
        _ => None,
    }
}

/// Checks the JSON and XLSX in `dir` (see [`verify_with`]).
/// The most bytes a workbook may inflate to ([`zicht_table::workbook::MAX_INFLATED`]).
pub const MAX_XLSX_INFLATED: u64 = zicht_table::workbook::MAX_INFLATED;

fn check_inflated_size(path: &Path) -> Result<(), VerifyError> {
    check_inflated_within(path, MAX_XLSX_INFLATED)
}

/// The workbook, read with the importer's zip-bomb check.
fn check_inflated_within(path: &Path, limit: u64) -> Result<(), VerifyError> {
    let file = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
    zicht_table::workbook::check_inflated_within(std::io::BufReader::new(file), limit).map_err(|e| read_err(path, e))
}

pub fn verify(dir: &Path) -> Result<Summary, VerifyError> {
    verify_with(dir, &[])
}

/// Checks the JSON and XLSX in `dir`, auditing the release jointly with the earlier releases in
/// `earlier` (their `monitor.json`).
pub fn verify_with(dir: &Path, earlier: &[&Path]) -> Result<Summary, VerifyError> {
    let earlier = earlier.iter().map(|d| JsonMonitor::read(d)).collect::<Result<Vec<_>, _>>()?;
    verify_against(dir, earlier)
}

/// Checks the JSON and XLSX in `dir`, auditing the release jointly with `earlier` releases (read
/// from files or from the register's publication history).
pub fn verify_against(dir: &Path, earlier: Vec<JsonMonitor>) -> Result<Summary, VerifyError> {
    let jp = dir.join("monitor.json");
    let m = JsonMonitor::read(dir)?;
    let policy = if m.edition == "public" { Policy::public_as_published() } else { Policy::internal() };
    let mut s = Summary { edition: m.edition.clone(), tables_json: m.tables.len(), ..Default::default() };
    for a in &m.alerts {
        if m.edition == "public" && a.get("level").and_then(|l| l.as_str()) != Some("reporter_type") {
            s.findings.push(finding(
                "alerts",
                0,
                0,
                "alert_level",
                "the public edition names a single organisation".into(),
            ));
        }
    }
    for t in &m.tables {
        for (i, row) in t.grid.cells.iter().enumerate() {
            for (j, c) in row.iter().enumerate() {
                if matches!(c.flag, Flag::Primary | Flag::Secondary) {
                    s.findings.push(finding(
                        &t.id,
                        i,
                        j,
                        "mark",
                        format!("the mark `{}` tells the reader a bound", c.flag.mark()),
                    ));
                }
            }
        }
    }
    let mut all = vec![m];
    all.extend(earlier);
    s.findings.extend(audit_releases(&all));
    let m = all.swap_remove(0);
    for t in &m.tables {
        s.cells += t.grid.cells.iter().map(Vec::len).sum::<usize>();
        for v in check::audit_cells(&t.grid, &policy) {
            s.findings.push(Finding {
                file: "monitor.json".into(),
                table: t.id.clone(),
                row: v.row,
                column: v.column,
                rule: v.rule.into(),
                detail: v.detail,
            });
        }
    }
    // The JSON must be exactly what the monitor writes (no field it does not know, nothing in another
    // form), its texts the release definition's, and the page and the workbook must be the JSON
    // rendered again (tables, charts and their text alternatives, notes, alerts): byte for byte for
    // the page, member by member for the workbook, so no number can be in a file alone.
    let text = std::fs::read_to_string(&jp).map_err(|e| read_err(&jp, e))?;
    let full = match crate::Monitor::from_json(&text) {
        Ok(full) => Some(full),
        Err(e) => {
            s.findings.push(json_finding("", "unreadable", format!("not a monitor the tool writes: {e}")));
            None
        }
    };
    if let Some(full) = &full {
        match serde_json::to_string_pretty(full) {
            Ok(again) if again.len() + 1 == text.len() && text.starts_with(&again) && text.ends_with('\n') => {}
            Ok(_) => s.findings.push(json_finding(
                "",
                "json_not_canonical",
                "the file holds fields or forms the monitor does not write".into(),
            )),
            Err(e) => s.findings.push(json_finding("", "unreadable", e.to_string())),
        }
        s.findings.extend(texts::audit_texts(full));
    }
    let hp = dir.join("report.html");
    let html = std::fs::read_to_string(&hp).map_err(|e| read_err(&hp, e))?;
    let rendered = full.map(|full| {
        let book = crate::xlsx::render(&full).map_err(|e| e.to_string())?;
        Ok::<_, String>((crate::html::render(&full), book))
    });
    let mut book_again = None;
    match rendered {
        Some(Ok((page, book))) => {
            book_again = Some(book);
            if page != html {
                let at = page.bytes().zip(html.bytes()).position(|(a, b)| a != b).unwrap_or(page.len().min(html.len()));
                s.findings.push(Finding {
                    file: "report.html".into(),
                    table: String::new(),
                    row: 0,
                    column: 0,
                    rule: "html_differs_from_json".into(),
                    detail: format!("the page differs from the page the JSON renders, from byte {at}"),
                });
            }
        }
        Some(Err(e)) => s.findings.push(json_finding("", "unreadable", format!("cannot render the JSON: {e}"))),
        None => {}
    }
    let xp = dir.join("monitor.xlsx");
    check_inflated_size(&xp)?;
    if let Some(book) = &book_again {
        let file = std::fs::read(&xp).map_err(|e| read_err(&xp, e))?;
        if let Some(member) = first_different_member(&file, book) {
            s.findings.push(Finding {
                file: "monitor.xlsx".into(),
                table: String::new(),
                row: 0,
                column: 0,
                rule: "xlsx_differs_from_json".into(),
                detail: format!("`{member}` differs from the workbook the JSON renders"),
            });
        }
    }
    let mut wb: Xlsx<_> = open_workbook(&xp).map_err(|e| read_err(&xp, e))?;
    let names = wb.sheet_names().to_vec();
    for t in &m.tables {
        let name = crate::xlsx::sheet_name(&t.id);
        if !names.contains(&name) {
            s.findings.push(Finding {
                file: "monitor.xlsx".into(),
                table: t.id.clone(),
                row: 0,
                column: 0,
                rule: "missing_sheet".into(),
                detail: "table of the JSON has no sheet".into(),
            });
        }
    }
    for name in names.iter().filter(|n| *n != "notes") {
        let range = wb.worksheet_range(name).map_err(|e| read_err(&xp, format!("sheet {name}: {e}")))?;
        s.tables_xlsx += 1;
        let text_at = |r: u32, c: u32| match range.get_value((r, c)) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        };
        let unit = match text_at(2, 0).as_str() {
            "unit: count" => Unit::Count,
            "unit: percent" => Unit::Percent,
            "unit: estimate" => Unit::Estimate,
            other => {
                s.findings.push(Finding {
                    file: "monitor.xlsx".into(),
                    table: name.clone(),
                    row: 3,
                    column: 0,
                    rule: "layout".into(),
                    detail: format!("A3 should name the unit, found `{other}`"),
                });
                continue;
            }
        };
        let totals = text_at(3, 0) == "totals: yes";
        let per: u32 = if unit == Unit::Count { 1 } else { 4 };
        let mut columns = Vec::new();
        let mut c = 1u32;
        while let Some(Data::String(h)) = range.get_value((HEADER_ROW, c)) {
            if h == "model" {
                break;
            }
            columns.push(h.clone());
            c += per;
        }
        let mut rows = Vec::new();
        let mut cells = Vec::new();
        let mut r = HEADER_ROW + 1;
        while let Some(Data::String(label)) = range.get_value((r, 0)) {
            rows.push(label.clone());
            let mut row = Vec::new();
            for j in 0..columns.len() as u32 {
                let col = 1 + j * per;
                let num = |c: u32| match range.get_value((r, c)) {
                    Some(Data::Float(v)) => Some(*v),
                    Some(Data::Int(v)) => Some(*v as f64),
                    _ => None,
                };
                let cell = match range.get_value((r, col)) {
                    Some(Data::Float(_)) | Some(Data::Int(_)) => Cell {
                        value: num(col),
                        flag: Flag::Shown,
                        base: if per == 4 { num(col + 3).map(|b| b as i64) } else { None },
                        base_suppressed: per == 4 && text_at(r, col + 3) == Flag::Suppressed.mark(),
                        lower: None,
                        upper: None,
                    },
                    Some(Data::String(m)) => match flag_of_mark(m) {
                        Some(f) => Cell::hidden(f),
                        None => {
                            s.findings.push(Finding {
                                file: "monitor.xlsx".into(),
                                table: name.clone(),
                                row: rows.len() - 1,
                                column: j as usize,
                                rule: "text_number".into(),
                                detail: format!("`{m}` is neither a number nor a mark"),
                            });
                            Cell::hidden(Flag::Missing)
                        }
                    },
                    _ => Cell::hidden(Flag::Missing),
                };
                row.push(cell);
            }
            cells.push(row);
            r += 1;
        }
        let g = Grid { unit, totals, rows, columns, cells };
        s.cells += g.cells.iter().map(Vec::len).sum::<usize>();
        for v in check::audit_cells(&g, &policy) {
            s.findings.push(Finding {
                file: "monitor.xlsx".into(),
                table: name.clone(),
                row: v.row,
                column: v.column,
                rule: v.rule.into(),
                detail: v.detail,
            });
        }
        // The workbook must say what the JSON says.
        if let Some(jt) = m.tables.iter().find(|t| crate::xlsx::sheet_name(&t.id) == *name) {
            for (i, (a, b)) in jt.grid.cells.iter().zip(&g.cells).enumerate() {
                for (j, (x, y)) in a.iter().zip(b).enumerate() {
                    if x.value != y.value || (x.value.is_none() && x.flag != y.flag) {
                        s.findings.push(Finding {
                            file: "monitor.xlsx".into(),
                            table: name.clone(),
                            row: i,
                            column: j,
                            rule: "differs_from_json".into(),
                            detail: format!("{:?} in the JSON, {:?} in the workbook", x.value, y.value),
                        });
                    }
                }
            }
            if jt.grid.cells.len() != g.cells.len() {
                s.findings.push(Finding {
                    file: "monitor.xlsx".into(),
                    table: name.clone(),
                    row: 0,
                    column: 0,
                    rule: "differs_from_json".into(),
                    detail: "row count differs".into(),
                });
            }
        }
    }
    Ok(s)
}

#[cfg(test)]
mod inflate_tests {
    use std::io::Write;

    /// A zip of one member of `n` zero bytes, which deflate shrinks about a thousandfold.
    fn zeros_zip(path: &std::path::Path, n: usize) {
        let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        w.write_all(&vec![0u8; n]).unwrap();
        w.finish().unwrap();
    }

    #[test]
    fn a_workbook_that_inflates_past_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("monitor.xlsx");
        zeros_zip(&p, 4 << 20);
        assert!(std::fs::metadata(&p).unwrap().len() < 64 << 10, "the bomb is small on disk");
        let err = super::check_inflated_within(&p, 1 << 20).unwrap_err().to_string();
        assert!(err.contains("inflates to more than 1024 KiB"), "{err}");
        assert!(super::check_inflated_within(&p, 8 << 20).is_ok());
    }
}
