//! `report.html`: one self-contained, printable page — inline CSS, inline SVG charts drawn with
//! plotters' SVG backend, no script, no external request — with headings, table captions and a text
//! alternative for every chart.

use std::fmt::Write as _;

use plotters::prelude::*;
use zicht_disclose::{Cell, Flag, Unit};

use crate::messages::{Lang, t, tf};
use crate::{Figure, Monitor, ReportError, Table};

const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 90, 156),
    RGBColor(204, 85, 0),
    RGBColor(0, 128, 96),
    RGBColor(150, 40, 130),
    RGBColor(90, 90, 90),
    RGBColor(170, 140, 0),
];

/// One series of a chart: name and (x, y) points, `None` where the table hides the value.
struct Series {
    name: String,
    points: Vec<(f64, Option<f64>)>,
}

fn chart_err<E: std::fmt::Debug>(e: E) -> ReportError {
    ReportError::Chart(format!("{e:?}"))
}

/// An interval drawn as a shaded band behind the series of the same colour index: (x, lower and
/// upper), `None` where the table hides it.
struct Band {
    name: String,
    colour: usize,
    points: Vec<(f64, Option<(f64, f64)>)>,
}

/// Draws a line chart into an SVG string.
fn line_chart(series: &[Series], x_desc: &str, y_desc: &str, step: bool) -> Result<String, ReportError> {
    banded_chart(series, &[], x_desc, y_desc, step)
}

/// Draws a line chart with interval bands into an SVG string.
fn banded_chart(
    series: &[Series],
    bands: &[Band],
    x_desc: &str,
    y_desc: &str,
    step: bool,
) -> Result<String, ReportError> {
    let xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    let (x0, x1) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    let (x0, x1) = if x0.is_finite() && x1 > x0 { (x0, x1) } else { (0.0, 1.0) };
    let band_max = bands.iter().flat_map(|b| b.points.iter().filter_map(|p| p.1.map(|v| v.1)));
    let ymax = series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).chain(band_max).fold(0.0f64, f64::max);
    let ymax = if ymax > 0.0 { ymax * 1.1 } else { 1.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0.0..ymax)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(chart_err)?;
        for band in bands {
            let colour = COLOURS[band.colour % COLOURS.len()];
            // One polygon per run of years with an interval: along the lower limits, back along the upper.
            let mut runs: Vec<Vec<(f64, (f64, f64))>> = vec![Vec::new()];
            for &(x, v) in &band.points {
                match v {
                    Some(v) => runs.last_mut().expect("never empty").push((x, v)),
                    None => runs.push(Vec::new()),
                }
            }
            let mut first = true;
            for run in runs.into_iter().filter(|r| r.len() >= 2) {
                let outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|&(x, (lo, _))| (x, lo))
                    .chain(run.iter().rev().map(|&(x, (_, hi))| (x, hi)))
                    .collect();
                let drawn = chart
                    .draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.2).filled())))
                    .map_err(chart_err)?;
                if first {
                    drawn
                        .label(band.name.clone())
                        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], colour.mix(0.2).filled()));
                    first = false;
                }
            }
        }
        for (k, s) in series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            // Break the line where a value is hidden.
            let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for &(x, y) in &s.points {
                match y {
                    Some(y) => {
                        let seg = segments.last_mut().expect("never empty");
                        if step && let Some(&(_, py)) = seg.last() {
                            seg.push((x, py));
                        }
                        seg.push((x, y));
                    }
                    None => segments.push(Vec::new()),
                }
            }
            let mut first = true;
            for seg in segments.into_iter().filter(|s| !s.is_empty()) {
                let style = colour.stroke_width(2);
                let drawn = chart.draw_series(LineSeries::new(seg, style)).map_err(chart_err)?;
                if first {
                    drawn
                        .label(s.name.clone())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3)));
                    first = false;
                }
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(svg)
}

fn find<'a>(tables: &'a [Table], id: &str) -> Option<&'a Table> {
    tables.iter().find(|t| t.id == id)
}

/// Series from the columns labelled `labels` (those present: empty categories are left out of
/// tables) of a table's rows, total row excluded; x = the row label parsed.
fn column_series(tab: &Table, labels: &[String]) -> Vec<Series> {
    let rows = if tab.grid.totals { tab.grid.rows.len() - 1 } else { tab.grid.rows.len() };
    let cols: Vec<usize> = labels.iter().filter_map(|l| tab.grid.columns.iter().position(|c| c == l)).collect();
    cols.iter()
        .map(|&j| Series {
            name: tab.grid.columns[j].clone(),
            points: (0..rows)
                .map(|i| {
                    let x = tab.grid.rows[i].split(' ').next().and_then(|s| s.parse().ok()).unwrap_or(i as f64);
                    (x, tab.grid.cells[i][j].value)
                })
                .collect(),
        })
        .collect()
}

fn alt_text(series: &[Series], lang: Lang, x_fmt: impl Fn(f64) -> String) -> String {
    series
        .iter()
        .map(|s| {
            let values: Vec<String> = s
                .points
                .iter()
                .map(|(x, y)| format!("{} {}", x_fmt(*x), y.map_or("–".to_string(), |v| format!("{v}"))))
                .collect();
            tf(lang, "alt.series", &[("name", s.name.clone()), ("values", values.join(", "))])
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The figures, each drawn from one protected table.
pub fn figures(tables: &[Table], lang: Lang) -> Result<Vec<Figure>, ReportError> {
    let mut out = Vec::new();
    let year = |x: f64| format!("{x:.0}");
    if let Some(tab) = find(tables, "reg_by_form") {
        let labels: Vec<String> =
            ["sexual", "labour", "criminal"].iter().map(|c| crate::messages::cat(lang, c)).collect();
        let s = column_series(tab, &labels);
        out.push(Figure {
            id: "f_reg_by_form".into(),
            section: tab.section.clone(),
            title: t(lang, "f.reg_by_form"),
            alt: alt_text(&s, lang, year),
            table: tab.id.clone(),
            svg: line_chart(&s, "", &t(lang, "col.reports"), false)?,
        });
    }
    if let Some(tab) = find(tables, "hidden") {
        let labels: Vec<String> =
            ["col.identified", "col.statistical", "col.signals"].iter().map(|k| t(lang, k)).collect();
        let s = column_series(tab, &labels);
        out.push(Figure {
            id: "f_hidden".into(),
            section: tab.section.clone(),
            title: t(lang, "f.hidden"),
            alt: alt_text(&s, lang, year),
            table: tab.id.clone(),
            svg: line_chart(&s, "", "", false)?,
        });
    }
    if let Some(tab) = find(tables, "revict_curves") {
        let s: Vec<Series> = tab
            .grid
            .rows
            .iter()
            .enumerate()
            .map(|(i, name)| Series {
                name: name.clone(),
                points: std::iter::once((0.0, Some(0.0)))
                    .chain(tab.grid.cells[i].iter().enumerate().map(|(m, c)| ((m + 1) as f64 / 12.0, c.value)))
                    .collect(),
            })
            .collect();
        // The text alternative gives whole years only.
        let yearly: Vec<Series> = s
            .iter()
            .map(|x| Series {
                name: x.name.clone(),
                points: x.points.iter().copied().filter(|p| (p.0.fract() == 0.0) && p.0 > 0.0).collect(),
            })
            .collect();
        out.push(Figure {
            id: "f_revict_curves".into(),
            section: tab.section.clone(),
            title: t(lang, "f.revict_curves"),
            alt: alt_text(&yearly, lang, |x| tf(lang, "col.years", &[("n", format!("{x:.0}"))])),
            table: tab.id.clone(),
            svg: line_chart(&s, "", "%", true)?,
        });
    }
    if let Some(tab) = find(tables, "dark") {
        let mut est = Series { name: t(lang, "col.estimate"), points: Vec::new() };
        let mut low = Series { name: t(lang, "col.interval_low"), points: Vec::new() };
        let mut high = Series { name: t(lang, "col.interval_high"), points: Vec::new() };
        let mut obs = Series { name: t(lang, "col.persons"), points: Vec::new() };
        let mut band = Band { name: t(lang, "col.interval"), colour: 0, points: Vec::new() };
        for (i, row) in tab.grid.rows.iter().enumerate() {
            let parts: Vec<&str> = row.splitn(2, ' ').collect();
            if parts.len() == 2 && parts[1] == crate::messages::cat(lang, "all") {
                let x: f64 = parts[0].parse().unwrap_or(0.0);
                let c = &tab.grid.cells[i][0];
                est.points.push((x, c.value));
                low.points.push((x, c.value.and(c.lower)));
                high.points.push((x, c.value.and(c.upper)));
                obs.points.push((x, c.value.and(c.base.map(|b| b as f64))));
                band.points.push((x, c.value.and(c.lower.zip(c.upper))));
            }
        }
        // The interval beside the estimate, as a band: the series a reader will quote is never
        // shown without it. The text alternative gives its limits.
        let all = [est, low, high, obs];
        let alt = alt_text(&all, lang, year);
        let [est, _, _, obs] = all;
        out.push(Figure {
            id: "f_dark".into(),
            section: tab.section.clone(),
            title: t(lang, "f.dark"),
            alt,
            table: tab.id.clone(),
            svg: banded_chart(&[est, obs], &[band], "", "", false)?,
        });
    }
    Ok(out)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fmt_num(v: f64, unit: Unit, lang: Lang) -> String {
    let s = match unit {
        Unit::Percent => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    };
    if lang == Lang::Nl { s.replace('.', ",") } else { s }
}

fn cell_html(c: &Cell, unit: Unit, lang: Lang) -> String {
    match (c.value, c.flag) {
        (Some(v), _) => {
            let mut s = fmt_num(v, unit, lang);
            if let (Some(a), Some(b)) = (c.lower, c.upper) {
                let _ = write!(s, " <small>({}–{})</small>", fmt_num(a, unit, lang), fmt_num(b, unit, lang));
            }
            s
        }
        (None, f) => {
            let title = match f {
                Flag::Primary => "fewer than 10",
                Flag::Secondary => "hidden to protect a small cell",
                Flag::SmallBase => "base below 50",
                Flag::Suppressed => "suppressed",
                _ => "not available",
            };
            format!("<abbr class=\"mark\" title=\"{title}\">{}</abbr>", esc(f.mark()))
        }
    }
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:64rem;padding:1rem 1.5rem;color:#111;line-height:1.45}\
h1{font-size:1.9rem;margin-bottom:.2rem}h2{border-bottom:2px solid #005a9c;padding-bottom:.2rem;margin-top:2.2rem}\
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem;font-variant-numeric:tabular-nums}\
caption{text-align:left;font-weight:600;padding:.3rem 0}th,td{border:1px solid #bbb;padding:.2rem .45rem}\
td{text-align:right}th[scope=row]{text-align:left;font-weight:normal}thead th{background:#e8f0f7}\
tr.total th,tr.total td{font-weight:600;background:#f4f4f4}.mark{text-decoration:none;color:#a33}\
figure{margin:1rem 0;border:1px solid #ddd;padding:.5rem}figcaption{font-weight:600}\
.def{color:#333;font-size:.92rem}.lead{background:#eef5fb;padding:.8rem 1rem;border-left:4px solid #005a9c}\
.scroll{overflow-x:auto}nav ul{columns:2;list-style:none;padding-left:0}\
@media print{h2{break-before:page}figure,table{break-inside:avoid}.scroll{overflow:visible}}";

fn table_html(out: &mut String, tab: &Table, lang: Lang, n: usize) {
    let _ = write!(
        out,
        "<section aria-labelledby=\"{id}\"><h3 id=\"{id}\">{} {n}. {}</h3>",
        t(lang, "doc.table"),
        esc(&tab.title),
        id = tab.id
    );
    let _ = write!(out, "<p class=\"def\">{}</p><div class=\"scroll\"><table>", esc(&tab.definition));
    let _ = write!(
        out,
        "<caption>{} <small>({})</small></caption><thead><tr><th scope=\"col\"></th>",
        esc(&tab.title),
        esc(&tab.period)
    );
    for c in &tab.grid.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(c));
    }
    if !tab.row_notes.is_empty() {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&t(lang, "col.model")));
    }
    out.push_str("</tr></thead><tbody>");
    for (i, row) in tab.grid.rows.iter().enumerate() {
        let total = tab.grid.totals && i + 1 == tab.grid.rows.len();
        let _ = write!(out, "<tr{}><th scope=\"row\">{}</th>", if total { " class=\"total\"" } else { "" }, esc(row));
        for c in &tab.grid.cells[i] {
            let _ = write!(out, "<td>{}</td>", cell_html(c, tab.grid.unit, lang));
        }
        if let Some(note) = tab.row_notes.get(i) {
            let _ = write!(out, "<td style=\"text-align:left\"><small>{}</small></td>", esc(note));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}

/// Renders the page.
/// The page's sections in order (message `s.<section>`): a table or figure of another section would
/// not be on the page.
pub(crate) const SECTIONS: [&str; 9] =
    ["registrations", "hidden", "alerts", "revictimisation", "dark", "care", "quality", "validation", "methods"];

pub fn render(m: &Monitor) -> String {
    let lang = m.lang;
    let mut out = String::with_capacity(1 << 20);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><header><h1>{}</h1><p>{}</p>",
        lang.code(),
        esc(&m.title),
        esc(&m.title),
        esc(&tf(lang, "doc.subtitle", &[("from", m.period.from.to_string()), ("to", m.period.to.to_string())])),
    );
    let _ = write!(out, "<p>{}", esc(&t(lang, &format!("doc.edition.{}", m.edition))));
    if let Some(e) = m.policy.epsilon_milli {
        let _ = write!(out, " {}", esc(&tf(lang, "doc.noise", &[("eps", format!("{}", e as f64 / 1000.0))])));
    }
    out.push_str("</p></header><main>");
    // Summary.
    let reports = m
        .tables
        .iter()
        .find(|t| t.id == "persons")
        .and_then(|tab| tab.grid.cells.last().map(|r| cell_html(&r[0], Unit::Count, lang)))
        .unwrap_or_else(|| ".".into());
    let alerts = if m.alerts.is_empty() {
        t(lang, "doc.no_alerts")
    } else {
        m.alerts
            .iter()
            .filter(|a| a.level == "reporter_type")
            .map(|a| format!("{} ({})", esc(&a.subject), a.start))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The latest whole year of follow-up that the data reach (5 in a long period).
    let ci5 = m
        .tables
        .iter()
        .find(|t| t.id == "revict")
        .and_then(|tab| {
            let row = tab.grid.cells.first()?;
            let k = (0..row.len().min(5)).rev().find(|&k| row[k].value.is_some())?;
            Some(format!("{}% ({})", cell_html(&row[k], Unit::Percent, lang), esc(&tab.grid.columns[k])))
        })
        .unwrap_or_else(|| ".".into());
    let _ = write!(
        out,
        "<section class=\"lead\" aria-labelledby=\"summary\"><h2 id=\"summary\">{}</h2><p>{}</p><p class=\"def\">{}</p></section>",
        t(lang, "doc.summary"),
        tf(
            lang,
            "doc.summary.text",
            &[("to", m.period.to.to_string()), ("reports", reports), ("alerts", alerts), ("ci5", ci5)]
        ),
        esc(&t(lang, "doc.marks"))
    );
    let _ = write!(out, "<nav aria-labelledby=\"toc\"><h2 id=\"toc\">{}</h2><ul>", t(lang, "doc.contents"));
    for s in SECTIONS {
        if s == "validation" && !m.validation {
            continue;
        }
        let _ = write!(out, "<li><a href=\"#s-{s}\">{}</a></li>", esc(&t(lang, &format!("s.{s}"))));
    }
    out.push_str("</ul></nav>");
    let mut n_table = 0;
    let mut n_fig = 0;
    for s in SECTIONS {
        if s == "validation" && !m.validation {
            continue;
        }
        let _ = write!(
            out,
            "<section aria-labelledby=\"s-{s}\"><h2 id=\"s-{s}\">{}</h2>",
            esc(&t(lang, &format!("s.{s}")))
        );
        if s == "alerts" {
            let _ = write!(out, "<p class=\"def\">{}</p>", esc(&t(lang, "t.alerts.def")));
            if m.alerts.is_empty() {
                let _ = write!(out, "<p>{}</p>", t(lang, "doc.no_alerts"));
            } else {
                out.push_str("<ul>");
                for a in &m.alerts {
                    let _ = write!(
                        out,
                        "<li>{} — {}</li>",
                        esc(&t(lang, if a.level == "reporter" { "alert.reporter" } else { "alert.type" })),
                        esc(&tf(
                            lang,
                            "alert.row",
                            &[
                                ("subject", a.subject.clone()),
                                ("kind", a.kind.clone()),
                                ("start", a.start.clone()),
                                ("signalled", a.signalled.clone()),
                                ("ratio", a.level_after_percent.to_string()),
                            ]
                        ))
                    );
                }
                out.push_str("</ul>");
            }
        }
        if s == "methods" {
            for note in &m.notes {
                let _ = write!(out, "<p>{}</p>", esc(note));
            }
        }
        for f in m.figures.iter().filter(|f| f.section == s) {
            n_fig += 1;
            // The SVG is drawn by plotters; the role and label make it one image with a text alternative.
            let svg = f.svg.replacen("<svg ", &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(&f.title)), 1);
            let _ = write!(
                out,
                "<figure id=\"{}\"><figcaption>{} {n_fig}. {}</figcaption>{svg}<details><summary>{}</summary><p>{}</p></details></figure>",
                f.id,
                t(lang, "doc.figure"),
                esc(&f.title),
                t(lang, "doc.alt"),
                esc(&f.alt)
            );
        }
        // Curves by month are in the JSON and XLSX; on the page their figure and text alternative stand.
        for tab in m.tables.iter().filter(|t| t.section == s && t.grid.columns.len() <= 24) {
            n_table += 1;
            table_html(&mut out, tab, lang, n_table);
        }
        out.push_str("</section>");
    }
    let _ = writeln!(out, "</main><footer><p class=\"def\">{}</p></footer></body></html>", esc(&t(lang, "doc.source")));
    out
}
