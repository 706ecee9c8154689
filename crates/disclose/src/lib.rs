//! `zicht-disclose`: statistical disclosure control for every number the monitor publishes.
//!
//! Rules (the design's disclosure section; Hundepool et al. 2012, *Statistical Disclosure Control*,
//! Wiley, ch. 4 and 5):
//!
//! - **Primary suppression**: a count below [`Policy::threshold`] (10) is never shown; it is written
//!   as `<10`. Zero counts are suppressed too: "no published count below 10" admits no exception.
//! - **Secondary suppression** ([`suppress`]): in a table with row and column totals, a hidden cell
//!   must not be recoverable from the totals. In a two-way table with margins a hidden cell is exactly
//!   determined if and only if its edge is a *bridge* of the bipartite graph whose nodes are the
//!   table's lines (rows and columns, the total row and column included) and whose edges are the
//!   hidden cells (Gusfield 1988, "A graph theoretic approach to statistical data security", SIAM J.
//!   Comput. 17(3)). The heuristic repeatedly takes a bridge and hides the cheapest cell (smallest
//!   count; totals cost extra) that closes a cycle through it — one cell when one exists, otherwise
//!   the cheapest rectangle. This is the minimum-cost, one-cycle-at-a-time idea of the hypercube and
//!   "smallest cell" heuristics (Giessing & Repsilber 2002; Hundepool et al. 2012 §5.3), not an
//!   optimal (integer-programming) pattern: few and small cells, not provably fewest.
//! - **Percentages** and other ratios are shown only on a base of at least [`Policy::min_base`] (50).
//! - **Public edition**: counts (and bases) are rounded to base 5, and optionally perturbed first with
//!   discrete Laplace noise of parameter ε per table, sampled exactly ([`noise`], Canonne, Kamath &
//!   Steinke 2020) — never floating-point Laplace (Mironov 2012).
//!
//! The [`check`] module is the independent auditor: it knows nothing of the heuristic and judges a
//! published grid (as re-read from JSON or XLSX) by the rules alone.

pub mod cellkey;
pub mod check;
pub mod linked;
pub mod noise;
mod suppress;

pub use suppress::{Hidden, suppress};

use serde::{Deserialize, Serialize};

/// What the publisher promises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Smallest count that may be shown (10).
    pub threshold: i64,
    /// Smallest base of a percentage, rate or estimate (50).
    pub min_base: i64,
    /// Rounding base for counts in the public edition (5); `None` in the internal edition.
    pub rounding_base: Option<i64>,
    /// ε of the discrete Laplace noise per table, as a rational `numerator / 1000`; `None`: no noise.
    pub epsilon_milli: Option<u64>,
    /// Seed of the noise: never published (with it anyone could regenerate and remove the noise).
    #[serde(skip, default)]
    pub seed: u64,
    /// The public edition's cell-key perturbation: its largest noise ([`cellkey::MAX_NOISE`]), public;
    /// `None`: counts are shown unperturbed (or rounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perturbation: Option<i64>,
    /// The perturbation's key: never published.
    #[serde(skip, default)]
    pub cell_key: Option<cellkey::CellKey>,
}

impl Policy {
    /// The internal edition: suppression and small-base rules only.
    pub fn internal() -> Self {
        Policy {
            threshold: 10,
            min_base: 50,
            rounding_base: None,
            epsilon_milli: None,
            seed: 0,
            perturbation: None,
            cell_key: None,
        }
    }

    /// The monitor's public edition: every count (and base) perturbed by the cell-key method
    /// ([`cellkey`]) under the register's secret `key`, then suppressed and audited like the
    /// internal edition against the perturbation's windows.
    pub fn public_perturbed(key: cellkey::CellKey) -> Self {
        Policy { perturbation: Some(cellkey::MAX_NOISE), cell_key: Some(key), ..Policy::internal() }
    }

    /// The public edition as a reader of its files knows it (the noise's bound, not its key).
    pub fn public_as_published() -> Self {
        Policy { perturbation: Some(cellkey::MAX_NOISE), ..Policy::internal() }
    }

    /// The public edition: also rounding to base 5 and, with `epsilon`, discrete Laplace noise.
    pub fn public(epsilon: Option<f64>, seed: u64) -> Result<Self, DiscloseError> {
        let epsilon_milli = match epsilon {
            None => None,
            Some(e) if e.is_finite() && (0.001..=100.0).contains(&e) => Some((e * 1000.0).round() as u64),
            Some(e) => return Err(DiscloseError::Epsilon(e)),
        };
        Ok(Policy { rounding_base: Some(5), epsilon_milli, seed, ..Policy::internal() })
    }

    /// The edition's name.
    pub fn edition(&self) -> &'static str {
        if self.rounding_base.is_some() || self.perturbation.is_some() { "public" } else { "internal" }
    }
}

/// Errors of disclosure control.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DiscloseError {
    #[error(transparent)]
    Linked(#[from] linked::LinkedError),
    #[error("epsilon must be between 0.001 and 100, got {0}")]
    Epsilon(f64),
    #[error("table `{0}`: rows have different lengths")]
    Ragged(String),
    #[error("table `{0}`: a count is negative")]
    Negative(String),
}

/// Why a cell is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Shown,
    /// Below the threshold.
    Primary,
    /// Hidden so that totals cannot reveal a primary cell.
    Secondary,
    /// A ratio or estimate whose base is below `min_base`.
    SmallBase,
    /// Hidden in a release protected as a whole ([`linked`]): a small count, a cell hidden to
    /// protect one, or a ratio whose numerator or complement is small. One mark for all, so the
    /// mark tells nothing about the value.
    Suppressed,
    /// No value (e.g. follow-up does not reach that far).
    Missing,
}

impl Flag {
    /// The mark written in place of the number.
    pub fn mark(self) -> &'static str {
        match self {
            Flag::Shown => "",
            Flag::Primary => "<10",
            Flag::Secondary => "x",
            Flag::SmallBase => "n<50",
            Flag::Suppressed => "x",
            Flag::Missing => ".",
        }
    }
}

/// The unit of a published table, which decides the rules the checker applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Counts of persons, reports or signals.
    Count,
    /// Percentages with a base.
    Percent,
    /// Model estimates (e.g. a population size) with a base of observed persons.
    Estimate,
}

/// One published cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The shown value; `None` when hidden.
    pub value: Option<f64>,
    pub flag: Flag,
    /// The base of a percentage or estimate (rounded like a count in the public edition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
    /// The base is hidden (it would reveal a small count); the rule still guarantees it is ≥ 50.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub base_suppressed: bool,
    /// Lower and upper limit of an interval, when the value has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
}

impl Cell {
    /// A hidden cell with its flag.
    pub fn hidden(flag: Flag) -> Cell {
        Cell { value: None, flag, base: None, base_suppressed: false, lower: None, upper: None }
    }

    /// A shown count.
    pub fn shown(v: f64) -> Cell {
        Cell { value: Some(v), ..Cell::hidden(Flag::Shown) }
    }
}

/// A published grid: labels and protected cells. With `totals`, the last row and the last column
/// are the totals of the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub unit: Unit,
    pub totals: bool,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<Cell>>,
}

/// A count table to protect: `counts` are the interior cells (rows × columns); with `totals` (the
/// label of the total line), a total column and a total row are added.
#[derive(Debug, Clone)]
pub struct Counts<'a> {
    pub name: &'a str,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub counts: &'a [Vec<i64>],
    pub totals: Option<&'a str>,
}

/// Protects a count table. `salt` makes the noise of each table independent.
pub fn protect_counts(table: Counts<'_>, policy: &Policy, salt: u64) -> Result<Grid, DiscloseError> {
    let Counts { name, rows, columns, counts, totals } = table;
    let total_label = totals.unwrap_or("");
    let totals = totals.is_some();
    let c = columns.len();
    if counts.iter().any(|r| r.len() != c) || counts.len() != rows.len() {
        return Err(DiscloseError::Ragged(name.into()));
    }
    if counts.iter().flatten().any(|&v| v < 0) {
        return Err(DiscloseError::Negative(name.into()));
    }
    // Noise first, on the interior cells: ε-DP for a record that counts once in one interior cell (L1
    // sensitivity 1); a unit counted k times gets kε (group privacy). The totals are sums of noisy
    // cells, post-processing that costs no privacy.
    let noisy: Vec<Vec<i64>> = match policy.epsilon_milli {
        Some(e) => {
            let mut rng = noise::rng(policy.seed, salt);
            counts
                .iter()
                .map(|r| r.iter().map(|&v| (v + noise::discrete_laplace(&mut rng, e, 1000)).max(0)).collect())
                .collect()
        }
        None => counts.to_vec(),
    };
    let with_margins = |m: &[Vec<i64>]| -> Vec<Vec<i64>> {
        let mut out: Vec<Vec<i64>> = m.to_vec();
        if totals {
            for r in out.iter_mut() {
                let s = r.iter().sum();
                r.push(s);
            }
            let mut tot = vec![0i64; c + 1];
            for r in &out {
                for (t, v) in tot.iter_mut().zip(r) {
                    *t += v;
                }
            }
            out.push(tot);
        }
        out
    };
    let truth = with_margins(counts);
    let shown = with_margins(&noisy);
    let mut primary: Vec<Vec<bool>> = truth
        .iter()
        .zip(&shown)
        .map(|(t, s)| t.iter().zip(s).map(|(&a, &b)| a < policy.threshold || b < policy.threshold).collect())
        .collect();
    let hidden = if totals { suppress(&shown, &mut primary) } else { Hidden::from_primary(&primary) };
    let mut cells = Vec::with_capacity(shown.len());
    for (i, r) in shown.iter().enumerate() {
        let mut row = Vec::with_capacity(r.len());
        for (j, &v) in r.iter().enumerate() {
            let cell = match hidden.flag(i, j) {
                Flag::Shown => Cell { value: Some(round(v, policy.rounding_base) as f64), ..Cell::hidden(Flag::Shown) },
                f => Cell::hidden(f),
            };
            row.push(cell);
        }
        cells.push(row);
    }
    let mut rows = rows;
    let mut columns = columns;
    if totals {
        rows.push(total_label.into());
        columns.push(total_label.into());
    }
    Ok(Grid { unit: Unit::Count, totals, rows, columns, cells })
}

/// Rounds to the nearest multiple of `base` (halves away from zero); identity without a base.
pub fn round(v: i64, base: Option<i64>) -> i64 {
    match base {
        Some(b) if b > 1 => {
            let r = v.rem_euclid(b);
            if 2 * r >= b { v - r + b } else { v - r }
        }
        _ => v,
    }
}

/// A percentage (or other ratio in percent) with its base, protected by the small-base rule; the
/// interval, if any, goes with it. `None` value: missing.
pub fn protect_share(value: Option<f64>, base: i64, interval: Option<(f64, f64)>, policy: &Policy) -> Cell {
    match value {
        None => Cell::hidden(Flag::Missing),
        Some(_) if base < policy.min_base => Cell::hidden(Flag::SmallBase),
        Some(v) => Cell {
            value: Some(v),
            flag: Flag::Shown,
            base: Some(round(base, policy.rounding_base)),
            base_suppressed: false,
            lower: interval.map(|i| i.0),
            upper: interval.map(|i| i.1),
        },
    }
}

/// A grid of percentages or estimates from protected cells (no totals).
pub fn grid(unit: Unit, rows: Vec<String>, columns: Vec<String>, cells: Vec<Vec<Cell>>) -> Grid {
    Grid { unit, totals: false, rows, columns, cells }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("l{i}")).collect()
    }

    fn counts_of(m: &[Vec<i64>], r: usize, c: usize) -> Counts<'_> {
        Counts { name: "t", rows: labels(r), columns: labels(c), counts: m, totals: Some("total") }
    }

    #[test]
    fn rounding_to_five() {
        assert_eq!(round(12, Some(5)), 10);
        assert_eq!(round(13, Some(5)), 15);
        assert_eq!(round(15, Some(5)), 15);
        assert_eq!(round(17, None), 17);
    }

    #[test]
    fn small_counts_are_hidden_and_totals_do_not_reveal_them() {
        let counts = vec![vec![3, 40, 50], vec![20, 30, 60], vec![25, 35, 45]];
        let g = protect_counts(counts_of(&counts, 3, 3), &Policy::internal(), 0).unwrap();
        assert_eq!(g.cells[0][0].flag, Flag::Primary);
        assert!(check::audit(&g, &Policy::internal()).is_empty(), "{:?}", check::audit(&g, &Policy::internal()));
        let hidden: usize = g.cells.iter().flatten().filter(|c| c.value.is_none()).count();
        assert_eq!(hidden, 4, "a 2x2 rectangle is the cheapest protection: {g:?}");
        // the complementary cells are the small ones
        assert_eq!(g.cells[1][0].flag, Flag::Secondary);
        assert_eq!(g.cells[0][1].flag, Flag::Secondary);
    }

    #[test]
    fn shares_need_a_base_of_fifty() {
        let p = Policy::internal();
        assert_eq!(protect_share(Some(12.0), 49, None, &p).flag, Flag::SmallBase);
        assert_eq!(protect_share(Some(12.0), 50, None, &p).flag, Flag::Shown);
    }

    #[test]
    fn public_edition_rounds_and_the_checker_agrees() {
        let p = Policy::public(Some(1.0), 7).unwrap();
        let counts = vec![vec![13, 40, 52], vec![20, 31, 60]];
        let g = protect_counts(counts_of(&counts, 2, 3), &p, 1).unwrap();
        for c in g.cells.iter().flatten() {
            if let Some(v) = c.value {
                assert_eq!(v as i64 % 5, 0);
            }
        }
        assert!(check::audit(&g, &p).is_empty());
    }
}
