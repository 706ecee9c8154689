//! The independent checker: judges a published grid by the rules alone, without knowing how it was
//! protected. Used by `zicht check-disclosure` on the re-read JSON and XLSX.
//!
//! Rules checked:
//! 1. every shown count is at least the threshold (10) and, in the public edition, a multiple of 5;
//! 2. every shown percentage or estimate has a base of at least 50;
//! 3. in a table with totals, no hidden cell is determined by the margins. A line (row or column, the
//!    total line included) with exactly one hidden cell gives it away as total minus the visible
//!    cells (reported as such); more generally a hidden cell is determined if and only if it is a
//!    bridge of the graph of hidden cells over the table's lines (Gusfield 1988).

use std::collections::VecDeque;

use serde::Serialize;

use crate::suppress::Node;
use crate::{Flag, Grid, Policy, Unit};

/// A broken rule, with the cell it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub row: usize,
    pub column: usize,
    pub rule: &'static str,
    pub detail: String,
}

/// Audits one grid against the policy: the cell rules of [`audit_cells`], and for a table with
/// totals protected on its own, that no hidden cell is determined by its margins.
pub fn audit(grid: &Grid, policy: &Policy) -> Vec<Violation> {
    let mut out = audit_cells(grid, policy);
    out.extend(audit_margins(grid));
    out
}

/// The rules of one cell: a shown count is whole, at least the threshold and (public) a multiple
/// of the rounding base; a shown ratio has a base of at least 50 (or a base hidden by the
/// publisher, who guarantees it); a hidden cell carries one mark that says nothing of its value
/// (`primary` and `secondary` marks reveal a bound).
pub fn audit_cells(grid: &Grid, policy: &Policy) -> Vec<Violation> {
    let mut out = Vec::new();
    let is_total = |i: usize, j: usize| grid.totals && (i + 1 == grid.cells.len() || j + 1 == grid.columns.len());
    for (i, row) in grid.cells.iter().enumerate() {
        if row.len() != grid.columns.len() {
            out.push(Violation {
                row: i,
                column: 0,
                rule: "shape",
                detail: "row length differs from the header".into(),
            });
        }
        for (j, c) in row.iter().enumerate() {
            let shown = c.value.is_some();
            if shown != (c.flag == Flag::Shown) {
                out.push(Violation {
                    row: i,
                    column: j,
                    rule: "flag",
                    detail: format!("flag {:?} with value {:?}", c.flag, c.value),
                });
            }
            let Some(v) = c.value else {
                if c.base.is_some() || c.lower.is_some() || c.upper.is_some() {
                    out.push(Violation {
                        row: i,
                        column: j,
                        rule: "hidden_with_numbers",
                        detail: "a hidden cell carries a base or an interval".into(),
                    });
                }
                continue;
            };
            match grid.unit {
                Unit::Count => {
                    if !v.is_finite() || v.fract() != 0.0 {
                        out.push(Violation {
                            row: i,
                            column: j,
                            rule: "integer",
                            detail: format!("count {v} is not whole"),
                        });
                    } else if (v as i64) < policy.threshold {
                        out.push(Violation {
                            row: i,
                            column: j,
                            rule: "primary",
                            detail: format!(
                                "count {v} below {}{}",
                                policy.threshold,
                                if is_total(i, j) { " (a total)" } else { "" }
                            ),
                        });
                    }
                    if let Some(b) = policy.rounding_base
                        && (v as i64) % b != 0
                    {
                        out.push(Violation {
                            row: i,
                            column: j,
                            rule: "rounding",
                            detail: format!("count {v} is not a multiple of {b}"),
                        });
                    }
                }
                Unit::Percent | Unit::Estimate => match c.base {
                    // Hidden to protect a small count; shown only because the publisher's rule
                    // guarantees a base of at least 50.
                    None if c.base_suppressed => {}
                    // A perturbed base may be published up to the noise's bound below its truth.
                    Some(b) if b >= policy.min_base - policy.perturbation.unwrap_or(0) => {
                        if let Some(r) = policy.rounding_base
                            && b % r != 0
                        {
                            out.push(Violation {
                                row: i,
                                column: j,
                                rule: "rounding",
                                detail: format!("base {b} is not a multiple of {r}"),
                            });
                        }
                    }
                    b => out.push(Violation {
                        row: i,
                        column: j,
                        rule: "small_base",
                        detail: format!("shown on base {b:?}, needs at least {}", policy.min_base),
                    }),
                },
            }
        }
    }
    out
}

/// Rows and columns of a table with margins: no hidden cell determined (Gusfield's bridges).
fn audit_margins(grid: &Grid) -> Vec<Violation> {
    let mut out = Vec::new();
    if grid.totals && grid.unit == Unit::Count {
        let hidden: Vec<Vec<bool>> = grid.cells.iter().map(|r| r.iter().map(|c| c.value.is_none()).collect()).collect();
        for (i, row) in hidden.iter().enumerate() {
            if row.iter().filter(|&&h| h).count() == 1 {
                let j = row.iter().position(|&h| h).unwrap_or(0);
                out.push(Violation {
                    row: i,
                    column: j,
                    rule: "total_minus_visible",
                    detail: format!("row {i}: the total minus the visible cells reveals the hidden one"),
                });
            }
        }
        let nc = hidden.first().map_or(0, Vec::len);
        for j in 0..nc {
            let col: Vec<usize> = (0..hidden.len()).filter(|&i| hidden[i].get(j).copied().unwrap_or(false)).collect();
            if col.len() == 1 {
                out.push(Violation {
                    row: col[0],
                    column: j,
                    rule: "total_minus_visible",
                    detail: format!("column {j}: the total minus the visible cells reveals the hidden one"),
                });
            }
        }
        for (i, j) in bridges(&hidden) {
            if !out.iter().any(|v| v.rule == "total_minus_visible" && v.row == i && v.column == j) {
                out.push(Violation {
                    row: i,
                    column: j,
                    rule: "determined",
                    detail: "the margins determine this hidden cell (a bridge of the suppression pattern)".into(),
                });
            }
        }
    }
    out
}

/// The hidden cells that are bridges of the bipartite graph rows × columns whose edges are the
/// hidden cells: exactly the hidden cells that the margins determine (Gusfield 1988).
pub fn bridges(hidden: &[Vec<bool>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, row) in hidden.iter().enumerate() {
        for (j, &h) in row.iter().enumerate() {
            if h {
                let (_, cols) = component(hidden, Some((i, j)), Node::Row(i));
                if !cols.contains(&j) {
                    out.push((i, j));
                }
            }
        }
    }
    out
}

/// Rows and columns reachable from `start` over hidden cells, leaving out the edge `without`.
pub fn component(hidden: &[Vec<bool>], without: Option<(usize, usize)>, start: Node) -> (Vec<usize>, Vec<usize>) {
    let nr = hidden.len();
    let nc = hidden.first().map_or(0, Vec::len);
    let mut seen_r = vec![false; nr];
    let mut seen_c = vec![false; nc];
    let mut q = VecDeque::new();
    match start {
        Node::Row(r) => seen_r[r] = true,
        Node::Col(c) => seen_c[c] = true,
    }
    q.push_back(start);
    let edge = |i: usize, j: usize| hidden[i].get(j).copied().unwrap_or(false) && without != Some((i, j));
    while let Some(n) = q.pop_front() {
        match n {
            Node::Row(i) => {
                for (j, seen) in seen_c.iter_mut().enumerate() {
                    if !*seen && edge(i, j) {
                        *seen = true;
                        q.push_back(Node::Col(j));
                    }
                }
            }
            Node::Col(j) => {
                for (i, seen) in seen_r.iter_mut().enumerate() {
                    if !*seen && edge(i, j) {
                        *seen = true;
                        q.push_back(Node::Row(i));
                    }
                }
            }
        }
    }
    ((0..nr).filter(|&i| seen_r[i]).collect(), (0..nc).filter(|&j| seen_c[j]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cell;

    fn cell(v: Option<f64>) -> Cell {
        Cell {
            value: v,
            flag: if v.is_some() { Flag::Shown } else { Flag::Primary },
            base: None,
            base_suppressed: false,
            lower: None,
            upper: None,
        }
    }

    /// A crafted leaking table: the 4 is hidden but row 0's total minus the visible 40 gives it.
    #[test]
    fn a_total_minus_visible_leak_is_caught() {
        let g = Grid {
            unit: Unit::Count,
            totals: true,
            rows: vec!["a".into(), "b".into(), "total".into()],
            columns: vec!["x".into(), "y".into(), "total".into()],
            cells: vec![
                vec![cell(None), cell(Some(40.0)), cell(Some(44.0))],
                vec![cell(Some(20.0)), cell(Some(30.0)), cell(Some(50.0))],
                vec![cell(Some(24.0)), cell(Some(70.0)), cell(Some(94.0))],
            ],
        };
        let v = audit(&g, &Policy::internal());
        assert!(v.iter().any(|v| v.rule == "total_minus_visible" && v.row == 0 && v.column == 0), "{v:?}");
    }

    /// Every line has two hidden cells, yet the (2,0) cell is a bridge between two 2x2 cycles.
    #[test]
    fn a_bridge_that_no_single_line_shows_is_caught() {
        let mut h = vec![vec![false; 5]; 5];
        for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)] {
            h[i][j] = true;
        }
        assert_eq!(bridges(&h), vec![(1, 2)]);
    }

    #[test]
    fn small_shown_counts_and_small_bases_are_caught() {
        let g = Grid {
            unit: Unit::Count,
            totals: false,
            rows: vec!["a".into()],
            columns: vec!["x".into()],
            cells: vec![vec![cell(Some(7.0))]],
        };
        assert_eq!(audit(&g, &Policy::internal())[0].rule, "primary");
        let mut c = cell(Some(12.5));
        c.base = Some(30);
        let g = Grid {
            unit: Unit::Percent,
            totals: false,
            rows: vec!["a".into()],
            columns: vec!["x".into()],
            cells: vec![vec![c]],
        };
        assert_eq!(audit(&g, &Policy::internal())[0].rule, "small_base");
    }
}
