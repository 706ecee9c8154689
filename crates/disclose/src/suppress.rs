//! Secondary cell suppression for a two-way table with margins (see the crate documentation).

use crate::Flag;

/// The suppression pattern of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    primary: Vec<Vec<bool>>,
    secondary: Vec<Vec<bool>>,
}

impl Hidden {
    /// A pattern with primary suppressions only (tables without totals).
    pub fn from_primary(primary: &[Vec<bool>]) -> Hidden {
        Hidden { secondary: primary.iter().map(|r| vec![false; r.len()]).collect(), primary: primary.to_vec() }
    }

    /// The flag of cell (i, j).
    pub fn flag(&self, i: usize, j: usize) -> Flag {
        if self.primary[i][j] {
            Flag::Primary
        } else if self.secondary[i][j] {
            Flag::Secondary
        } else {
            Flag::Shown
        }
    }

    /// Number of secondary suppressions.
    pub fn secondary_count(&self) -> usize {
        self.secondary.iter().flatten().filter(|&&b| b).count()
    }
}

/// Cost of hiding a cell: its value, and totals cost more (hiding a total hurts readers most).
fn cost(values: &[Vec<i64>], i: usize, j: usize) -> i64 {
    let last_row = values.len() - 1;
    let last_col = values[0].len() - 1;
    let mut c = values[i][j].max(0) + 1;
    if i == last_row || j == last_col {
        c = c.saturating_mul(4).saturating_add(1000);
    }
    c
}

/// Adds secondary suppressions to `primary` on the table `values`, whose last row and last column
/// are totals, until no hidden cell is a bridge of the suppression graph (so none is determined by
/// the margins). Deterministic: ties go to the first cell in row-major order.
pub fn suppress(values: &[Vec<i64>], primary: &mut [Vec<bool>]) -> Hidden {
    let nr = values.len();
    let nc = values.first().map_or(0, Vec::len);
    let mut hidden: Vec<Vec<bool>> = primary.to_vec();
    if nr < 2 || nc < 2 {
        return Hidden::from_primary(primary);
    }
    // Bound: each step turns at least one more hidden cell into a non-bridge.
    for _ in 0..=(nr * nc) {
        let Some((r, c)) = crate::check::bridges(&hidden).into_iter().next() else { break };
        // Sides of the bridge: nodes reachable from row r / from column c without the bridge.
        let (rows_a, cols_a) = crate::check::component(&hidden, Some((r, c)), Node::Row(r));
        let (rows_b, cols_b) = crate::check::component(&hidden, Some((r, c)), Node::Col(c));
        let mut best: Option<(i64, Vec<(usize, usize)>)> = None;
        let consider = |best: &mut Option<(i64, Vec<(usize, usize)>)>, cells: Vec<(usize, usize)>| {
            let cost: i64 = cells.iter().filter(|&&(i, j)| !hidden[i][j]).map(|&(i, j)| cost(values, i, j)).sum();
            if best.as_ref().is_none_or(|b| cost < b.0) {
                *best = Some((cost, cells));
            }
        };
        // One cell closing a cycle: a row on the bridge's row side and a column on its column side.
        for &i in &rows_a {
            for &j in &cols_b {
                if !hidden[i][j] {
                    consider(&mut best, vec![(i, j)]);
                }
            }
        }
        // Rows of side B joined to columns of side A would close a cycle as well.
        for &i in &rows_b {
            for &j in &cols_a {
                if !hidden[i][j] {
                    consider(&mut best, vec![(i, j)]);
                }
            }
        }
        if best.is_none() {
            // A rectangle through the bridge: (r, y), (x, c), (x, y).
            for x in (0..nr).filter(|&x| x != r) {
                for y in (0..nc).filter(|&y| y != c) {
                    consider(&mut best, vec![(r, y), (x, c), (x, y)]);
                }
            }
        }
        let Some((_, cells)) = best else { break };
        for (i, j) in cells {
            hidden[i][j] = true;
        }
    }
    let secondary =
        hidden.iter().zip(primary.iter()).map(|(h, p)| h.iter().zip(p).map(|(&h, &p)| h && !p).collect()).collect();
    Hidden { primary: primary.to_vec(), secondary }
}

/// A node of the suppression graph: a row line or a column line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Row(usize),
    Col(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn margins(m: &[Vec<i64>]) -> Vec<Vec<i64>> {
        let mut out: Vec<Vec<i64>> = m.iter().map(|r| [r.clone(), vec![r.iter().sum()]].concat()).collect();
        let c = out[0].len();
        out.push((0..c).map(|j| out.iter().map(|r| r[j]).sum()).collect());
        out
    }

    #[test]
    fn single_hidden_cell_in_a_line_gets_a_partner_in_that_line() {
        let v = margins(&[vec![5, 100, 12], vec![40, 11, 90]]);
        let mut p: Vec<Vec<bool>> = v.iter().map(|r| r.iter().map(|&x| x < 10).collect()).collect();
        let h = suppress(&v, &mut p);
        assert!(h.secondary_count() >= 3);
        let hidden: Vec<Vec<bool>> =
            (0..v.len()).map(|i| (0..v[0].len()).map(|j| h.flag(i, j) != Flag::Shown).collect()).collect();
        assert!(crate::check::bridges(&hidden).is_empty());
        // the cheapest complements are the 12 and the 11 with the 40 or 90 ... never a total
        assert_eq!(h.flag(0, 2), Flag::Secondary);
        assert_eq!(h.flag(1, 2), Flag::Secondary);
        assert_eq!(h.flag(1, 0), Flag::Secondary);
        assert_eq!(h.flag(2, 3), Flag::Shown);
    }
}
