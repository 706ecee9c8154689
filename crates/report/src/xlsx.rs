//! `monitor.xlsx`: one sheet per table (title, definition, unit, totals, header, rows), numbers as
//! numbers, hidden cells as their mark (`x`, `n<50`, `.`), and a notes sheet. Percentages and
//! estimates take four columns per column: value, lower, upper, base.
//!
//! Layout (read back by [`crate::verify`]): A1 title, A2 definition, A3 `unit: <unit>`, A4
//! `totals: yes|no`, A5 period and source, row 7 the header, data from row 8.

use rust_xlsxwriter::{Format, Workbook};
use zicht_disclose::{Flag, Unit};

use crate::messages::t;
use crate::{Monitor, ReportError};

/// The first data row (0-based) of a table sheet.
pub const HEADER_ROW: u32 = 6;

pub fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Count => "count",
        Unit::Percent => "percent",
        Unit::Estimate => "estimate",
    }
}

/// Sheet name of a table: its id (at most 31 characters, unique by construction).
pub fn sheet_name(id: &str) -> String {
    id.chars().take(31).collect()
}

/// The workbook's bytes (written whole by the caller).
pub fn render(m: &Monitor) -> Result<Vec<u8>, ReportError> {
    let mut wb = Workbook::new();
    // The same register gives the same bytes (a release can be checked by its digest, and a folder
    // after a crash told to be the old release or the new one): the document's date is the end of the
    // period it reports on, not the moment it was written.
    let year = u16::try_from(m.period.to).unwrap_or(9999).clamp(1900, 9999);
    let end = rust_xlsxwriter::ExcelDateTime::from_ymd(year, 12, 31)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(m.title.as_str()).set_creation_datetime(&end));
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let mark = Format::new()
        .set_align(rust_xlsxwriter::FormatAlign::Right)
        .set_font_color(rust_xlsxwriter::Color::RGB(0xAA3333));
    for tab in &m.tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&tab.id))?;
        ws.write_string_with_format(0, 0, &tab.title, &title)?;
        ws.write_string(1, 0, &tab.definition)?;
        ws.write_string(2, 0, format!("unit: {}", unit_name(tab.grid.unit)))?;
        ws.write_string(3, 0, format!("totals: {}", if tab.grid.totals { "yes" } else { "no" }))?;
        ws.write_string(4, 0, format!("{} — {}", tab.period, tab.source))?;
        let wide = tab.grid.unit != Unit::Count;
        let per = if wide { 4 } else { 1 };
        ws.set_column_width(0, 28)?;
        for (j, c) in tab.grid.columns.iter().enumerate() {
            let col = 1 + (j * per) as u16;
            ws.write_string_with_format(HEADER_ROW, col, c, &bold)?;
            if wide {
                ws.write_string_with_format(HEADER_ROW, col + 1, format!("{c} | lower"), &bold)?;
                ws.write_string_with_format(HEADER_ROW, col + 2, format!("{c} | upper"), &bold)?;
                ws.write_string_with_format(HEADER_ROW, col + 3, format!("{c} | base"), &bold)?;
            }
        }
        let notes_col = 1 + (tab.grid.columns.len() * per) as u16;
        if !tab.row_notes.is_empty() {
            ws.write_string_with_format(HEADER_ROW, notes_col, "model", &bold)?;
        }
        for (i, row) in tab.grid.rows.iter().enumerate() {
            let r = HEADER_ROW + 1 + i as u32;
            ws.write_string(r, 0, row)?;
            for (j, c) in tab.grid.cells[i].iter().enumerate() {
                let col = 1 + (j * per) as u16;
                match c.value {
                    Some(v) => {
                        ws.write_number(r, col, v)?;
                        if wide {
                            if let Some(l) = c.lower {
                                ws.write_number(r, col + 1, l)?;
                            }
                            if let Some(u) = c.upper {
                                ws.write_number(r, col + 2, u)?;
                            }
                            if let Some(b) = c.base {
                                ws.write_number(r, col + 3, b as f64)?;
                            } else if c.base_suppressed {
                                ws.write_string_with_format(r, col + 3, Flag::Suppressed.mark(), &mark)?;
                            }
                        }
                    }
                    None => {
                        ws.write_string_with_format(r, col, c.flag.mark(), &mark)?;
                    }
                }
            }
            if let Some(n) = tab.row_notes.get(i) {
                ws.write_string(r, notes_col, n)?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("notes")?;
    ws.set_column_width(0, 120)?;
    ws.write_string_with_format(0, 0, &m.title, &title)?;
    ws.write_string(
        1,
        0,
        format!("{}: {}–{}; edition {}", t(m.lang, "doc.source"), m.period.from, m.period.to, m.edition),
    )?;
    let mut r = 3;
    for n in &m.notes {
        ws.write_string(r, 0, n)?;
        r += 1;
    }
    r += 1;
    for a in &m.alerts {
        ws.write_string(
            r,
            0,
            format!(
                "alert ({}): {} {} from {} (signalled {}), level after {}% of before",
                a.level, a.subject, a.kind, a.start, a.signalled, a.level_after_percent
            ),
        )?;
        r += 1;
    }
    Ok(wb.save_to_buffer()?)
}
