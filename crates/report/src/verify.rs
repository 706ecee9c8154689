//! The checker behind `zicht check-disclosure DIR`: re-reads `monitor.json` and `monitor.xlsx` as
//! written, rebuilds every table from the file alone, and audits it with [`zicht_disclose::check`] —
//! which knows nothing of how the tables were protected. The thresholds are fixed (10 and 50), never
//! read from the files; the public edition's rounding is checked when the JSON says `public`.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde::Serialize;
use zicht_disclose::{Cell, Flag, Grid, Policy, Unit, check};

use crate::xlsx::HEADER_ROW;

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

#[derive(serde::Deserialize)]
struct JsonTable {
    id: String,
    #[serde(flatten)]
    grid: Grid,
}

#[derive(serde::Deserialize)]
struct JsonMonitor {
    edition: String,
    tables: Vec<JsonTable>,
}

fn flag_of_mark(s: &str) -> Option<Flag> {
    match s.trim() {
        "<10" => Some(Flag::Primary),
        "x" => Some(Flag::Secondary),
        "n<50" => Some(Flag::SmallBase),
        "." => Some(Flag::Missing),
        _ => None,
    }
}

/// Checks the JSON and XLSX in `dir`.
pub fn verify(dir: &Path) -> Result<Summary, VerifyError> {
    let jp = dir.join("monitor.json");
    let text = std::fs::read_to_string(&jp).map_err(|e| read_err(&jp, e))?;
    let m: JsonMonitor = serde_json::from_str(&text).map_err(|e| read_err(&jp, e))?;
    let policy =
        if m.edition == "public" { Policy::public(None, 0).map_err(|e| read_err(&jp, e))? } else { Policy::internal() };
    let mut s = Summary { edition: m.edition.clone(), tables_json: m.tables.len(), ..Default::default() };
    for t in &m.tables {
        s.cells += t.grid.cells.iter().map(Vec::len).sum::<usize>();
        for v in check::audit(&t.grid, &policy) {
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
    let xp = dir.join("monitor.xlsx");
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
                        lower: None,
                        upper: None,
                    },
                    Some(Data::String(m)) => match flag_of_mark(m) {
                        Some(f) => Cell { value: None, flag: f, base: None, lower: None, upper: None },
                        None => {
                            s.findings.push(Finding {
                                file: "monitor.xlsx".into(),
                                table: name.clone(),
                                row: rows.len() - 1,
                                column: j as usize,
                                rule: "text_number".into(),
                                detail: format!("`{m}` is neither a number nor a mark"),
                            });
                            Cell { value: None, flag: Flag::Missing, base: None, lower: None, upper: None }
                        }
                    },
                    _ => Cell { value: None, flag: Flag::Missing, base: None, lower: None, upper: None },
                };
                row.push(cell);
            }
            cells.push(row);
            r += 1;
        }
        let g = Grid { unit, totals, rows, columns, cells };
        s.cells += g.cells.iter().map(Vec::len).sum::<usize>();
        for v in check::audit(&g, &policy) {
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
