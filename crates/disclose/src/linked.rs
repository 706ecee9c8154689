//! One protection model for a whole release: every count the monitor publishes is a cell of one set
//! of linked tables, and suppression and audit work on that set jointly (the linked-tables model of
//! τ-ARGUS and sdcTable's `protectLinkedTables`; Hundepool et al. 2012, *Statistical Disclosure
//! Control*, §4.4 and §5.4; de Wolf & Giessing 2009, "Adjusting the τ-ARGUS modular approach to deal
//! with linked tables", *Data & Knowledge Engineering* 68(11)).
//!
//! - A [`Release`] holds **cells** named by a key (`reports|year=2019|form=sexual`); a key printed in
//!   two tables is one cell. Cells that no table prints but that the relations run through (a period
//!   total of one reporter type, the persons seen both as minor and as adult) are **latent**.
//! - **Relations** `total = Σ parts` state what every reader knows: margins, hierarchies, one table's
//!   column summing to another table's cell. They are declared where the tables are built.
//! - The **intruder** knows every relation, that every count is a whole number ≥ 0, every shown value
//!   (exactly, or within its rounding), that a shown count is ≥ 10, and every range published some
//!   other way (a percentage and its base bound its numerator). One mark for every hidden cell tells
//!   nothing more.
//! - **Protection interval**: every cell of the model (shown, hidden or latent) whose true count is
//!   below [`PROTECT_UP_TO`]` + 1` must keep a feasible range that contains the whole of `[0, 9]`:
//!   the intruder cannot tell it from 0 nor from 9. [`Release::audit`] computes each cell's range by
//!   linear programming (min and max of the cell subject to all the above), confirmed by integer
//!   programming where the LP optimum is fractional, on the connected component of the cell only.
//! - [`Release::protect`] adds complementary suppressions greedily until the audit passes: for the
//!   first under-protected cell it tries the cheapest shown cells that share a relation with its
//!   component and keeps the one that protects it at least cost (else the one that widens its range
//!   most per unit of cost). Not an optimal pattern (Fischetti & Salazar-González 2001 solve that as
//!   a MILP); every pattern it returns is audited.

use std::collections::{BTreeSet, HashMap};

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::Serialize;

/// A cell of the release's model.
pub type CellId = usize;

/// The largest count that must stay indistinguishable from 0: counts 0–9 are protected.
pub const PROTECT_UP_TO: i64 = 9;

/// Upper bound given to integer variables (no published count comes near it).
const BIG: i32 = 100_000_000;

/// A cell's feasible range for the intruder: `(lo, hi)`, `hi` `None` when unbounded.
pub type Range = (i64, Option<i64>);

/// The cells an audit finds under-protected, with their ranges.
pub type Failing = Vec<(CellId, Range)>;

/// How a shown count is published, as the reader's window on its truth: `(cell, truth) → (lo, hi)`
/// (exact: `(v, v)`; rounded or perturbed: the values that could have given the published one).
pub type Shown<'a> = dyn Fn(CellId, i64) -> (i64, i64) + 'a;

/// `total = Σ parts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relation {
    pub total: CellId,
    pub parts: Vec<CellId>,
}

impl Relation {
    /// Every cell of the relation: the parts, then the total.
    pub fn cells(&self) -> impl Iterator<Item = CellId> + '_ {
        self.parts.iter().copied().chain(std::iter::once(self.total))
    }
}

/// What the reader learns of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// Nothing but the relations and `≥ 0` (hidden or latent).
    Nothing,
    /// The true value lies in `[lo, hi]` (shown exactly: `lo == hi`; rounded: a window).
    Range(i64, i64),
}

#[derive(Debug, Clone)]
struct Def {
    key: String,
    truth: i64,
    printed: bool,
    /// Cost of hiding the cell (its value, more for totals); `None`: may not be hidden.
    weight: i64,
    /// A range known from elsewhere (e.g. a percentage's numerator), independent of the pattern.
    known: Option<(i64, i64)>,
    /// Stated exactly by the publisher on purpose (an empty category, a structural zero): known,
    /// published as such, and not judged by the audit.
    stated: bool,
}

/// The cells and relations of one release (or of several releases audited jointly).
#[derive(Debug, Clone, Default)]
pub struct Release {
    index: HashMap<String, CellId>,
    defs: Vec<Def>,
    relations: Vec<Relation>,
    /// Cells of each relation, for the component search.
    by_cell: Vec<Vec<usize>>,
}

/// Errors of the linked model.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum LinkedError {
    #[error("cell `{key}` declared twice with different counts ({a} and {b})")]
    Conflict { key: String, a: i64, b: i64 },
    #[error("relation for `{key}` does not hold: {total} ≠ {sum} (sum of its parts)")]
    Relation { key: String, total: i64, sum: i64 },
    #[error("cell `{key}` cannot be protected: every cell that could hide it is already hidden")]
    Unprotectable { key: String },
    #[error("the audit's linear program failed on `{key}`: {detail}")]
    Lp { key: String, detail: String },
}

/// The outcome of protection: which printed cells are hidden, and the audit's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pattern {
    /// Hidden, per cell id (latent cells are `false`: they are never printed).
    #[serde(skip)]
    pub hidden: Vec<bool>,
    pub audit: AuditSummary,
}

/// The audit's figures, published in `monitor.json`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, Default)]
pub struct AuditSummary {
    /// Cells of the model (printed and latent).
    pub cells: usize,
    pub relations: usize,
    /// Printed cells below the threshold (primary suppressions).
    pub primary: usize,
    /// Printed cells hidden to protect others.
    pub secondary: usize,
    /// Cells whose true count is 0–9 (printed or latent), each audited.
    pub audited: usize,
    /// The narrowest feasible range over the audited cells, as `hi − lo` (∞ as `None`).
    pub narrowest_width: Option<i64>,
}

impl Release {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(&mut self, key: &str, truth: i64, printed: bool, weight: i64) -> Result<CellId, LinkedError> {
        if let Some(&id) = self.index.get(key) {
            let d = &mut self.defs[id];
            if d.truth != truth {
                return Err(LinkedError::Conflict { key: key.into(), a: d.truth, b: truth });
            }
            d.printed |= printed;
            d.weight = d.weight.max(weight);
            return Ok(id);
        }
        let id = self.defs.len();
        self.defs.push(Def { key: key.into(), truth, printed, weight, known: None, stated: false });
        self.by_cell.push(Vec::new());
        self.index.insert(key.into(), id);
        Ok(id)
    }

    /// A printed count; `weight` multiplies the cost of hiding it (1 for an interior cell, more
    /// for totals). A key seen before is the same cell.
    pub fn printed(&mut self, key: &str, truth: i64, weight: i64) -> Result<CellId, LinkedError> {
        self.add(key, truth, true, weight.max(1))
    }

    /// A latent count: never printed, but the relations run through it.
    pub fn latent(&mut self, key: &str, truth: i64) -> Result<CellId, LinkedError> {
        self.add(key, truth, false, 1)
    }

    /// The publisher states the cell's true count on purpose (a category left out of a table
    /// because it is empty, a structural zero).
    pub fn state(&mut self, id: CellId) {
        self.state_as(id, self.defs[id].truth);
    }

    /// [`Release::state`] with the value as published (the checker, which has no true counts).
    pub fn state_as(&mut self, id: CellId, v: i64) {
        self.known_range(id, v, v);
        self.defs[id].stated = true;
    }

    /// The reader knows `lo ≤ cell ≤ hi` from numbers published outside the count tables (e.g. a
    /// percentage and its base bound the numerator). The cell is still judged by the audit.
    pub fn known_range(&mut self, id: CellId, lo: i64, hi: i64) {
        let d = &mut self.defs[id];
        d.known = Some(match d.known {
            Some((a, b)) => (a.max(lo), b.min(hi)),
            None => (lo, hi),
        });
    }

    /// What the reader is known to know of a cell besides the relations ([`Release::known_range`]).
    pub fn known_of(&self, id: CellId) -> Option<(i64, i64)> {
        self.defs[id].known
    }

    /// Puts back what [`Release::known_of`] gave, for knowledge that turned out not to be the
    /// reader's (a percentage whose base the pattern hides).
    pub fn restore_known(&mut self, id: CellId, known: Option<(i64, i64)>) {
        self.defs[id].known = known;
    }

    /// Declares `total = Σ parts`; refuses a relation the true counts do not satisfy (a wrong
    /// relation would make the audit wrong).
    pub fn relation(&mut self, total: CellId, parts: &[CellId]) -> Result<(), LinkedError> {
        let sum: i64 = parts.iter().map(|&p| self.defs[p].truth).sum();
        if sum != self.defs[total].truth {
            return Err(LinkedError::Relation {
                key: self.defs[total].key.clone(),
                total: self.defs[total].truth,
                sum,
            });
        }
        self.published_relation(total, parts);
        Ok(())
    }

    /// Declares `total = Σ parts` as read from a published release (no true counts to check it by).
    pub fn published_relation(&mut self, total: CellId, parts: &[CellId]) {
        let mut parts: Vec<CellId> = parts.to_vec();
        parts.sort_unstable();
        parts.dedup();
        let r = Relation { total, parts };
        if self.relations.contains(&r) || (r.parts.len() == 1 && r.parts[0] == total) {
            return;
        }
        let k = self.relations.len();
        for c in r.cells() {
            self.by_cell[c].push(k);
        }
        self.relations.push(r);
    }

    /// Closes the stated facts under the relations: a cell whose relation has every other cell
    /// stated is stated too (the slack between two empty categories is an empty count, not a
    /// secret). Run before protecting or auditing.
    pub fn close_stated(&mut self) {
        let value = |d: &Def| d.known.map_or(d.truth, |k| k.0);
        loop {
            let mut changed = false;
            for k in 0..self.relations.len() {
                let r = self.relations[k].clone();
                let open: Vec<CellId> = r.cells().filter(|&c| !self.defs[c].stated).collect();
                // Parts of a stated zero are zeros (counts are not negative).
                if self.defs[r.total].stated && value(&self.defs[r.total]) == 0 && !open.is_empty() {
                    for c in open {
                        self.state_as(c, 0);
                    }
                    changed = true;
                    continue;
                }
                if open.len() != 1 {
                    continue;
                }
                let c = open[0];
                let parts: i64 = r.parts.iter().filter(|&&p| p != c).map(|&p| value(&self.defs[p])).sum();
                let v = if c == r.total { parts } else { value(&self.defs[r.total]) - parts };
                self.state_as(c, v);
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }

    /// The exact facts the publisher states on purpose (known zeros), as `(key, lo, hi)`.
    pub fn stated(&self) -> Vec<(String, i64, i64)> {
        self.defs
            .iter()
            .filter(|d| d.stated)
            .map(|d| {
                let v = d.known.map_or(d.truth, |k| k.0);
                (d.key.clone(), v, v)
            })
            .collect()
    }

    /// The relations as keys, for publication.
    pub fn relations_by_key(&self) -> Vec<(String, Vec<String>)> {
        self.relations
            .iter()
            .map(|r| (self.defs[r.total].key.clone(), r.parts.iter().map(|&p| self.defs[p].key.clone()).collect()))
            .collect()
    }

    /// Adds what readers know from another release (`other`, its cells' windows `known` and its
    /// stated zeros): its relations and its cells, by key, latent where this release has no such
    /// cell. A window that this release's true count lies outside of (the data changed between
    /// releases) is not added; those keys are returned, for the publisher to decide.
    pub fn learn(&mut self, other: &Release, known: &[Option<(i64, i64)>]) -> Vec<String> {
        let mut map = Vec::with_capacity(other.len());
        let mut existed = Vec::with_capacity(other.len());
        for (i, d) in other.defs.iter().enumerate() {
            let id = match self.id(&d.key) {
                Some(id) => {
                    existed.push(true);
                    id
                }
                None => {
                    existed.push(false);
                    // Its true count is unknown here: a placeholder that only costs and the initial
                    // pattern read, never the audit.
                    let v = known.get(i).copied().flatten().map_or(0, |w| w.0);
                    self.add(&d.key, v, false, 1).expect("a new key")
                }
            };
            map.push(id);
        }
        for r in &other.relations {
            let parts: Vec<CellId> = r.parts.iter().map(|&p| map[p]).collect();
            self.published_relation(map[r.total], &parts);
        }
        let mut changed = Vec::new();
        for (i, d) in other.defs.iter().enumerate() {
            let Some((lo, hi)) = known.get(i).copied().flatten() else { continue };
            let id = map[i];
            let t = self.defs[id].truth;
            if existed[i] && !(lo..=hi).contains(&t) {
                changed.push(d.key.clone());
                continue;
            }
            if d.stated && lo == hi {
                self.state_as(id, lo);
            } else {
                self.known_range(id, lo, hi);
            }
        }
        changed
    }

    /// The id of a key.
    pub fn id(&self, key: &str) -> Option<CellId> {
        self.index.get(key).copied()
    }

    pub fn key(&self, id: CellId) -> &str {
        &self.defs[id].key
    }

    pub fn truth(&self, id: CellId) -> i64 {
        self.defs[id].truth
    }

    pub fn is_printed(&self, id: CellId) -> bool {
        self.defs[id].printed
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// What the reader knows of each cell under `hidden`, given how shown counts are published
    /// (`shown(truth)` → the published window; exact: `(v, v)`).
    pub fn knowledge(&self, hidden: &[bool], shown: &Shown<'_>) -> Vec<Known> {
        self.defs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let base = if d.printed && !hidden[i] {
                    let (lo, hi) = shown(i, d.truth);
                    // A shown count is at least the threshold: the reader knows the rule (a small
                    // count shown by mistake is simply known).
                    if d.truth > PROTECT_UP_TO {
                        Known::Range(lo.max(PROTECT_UP_TO + 1), hi)
                    } else {
                        Known::Range(lo, hi)
                    }
                } else {
                    Known::Nothing
                };
                match (base, d.known) {
                    (Known::Range(a, b), Some((c, e))) => Known::Range(a.max(c), b.min(e)),
                    (Known::Nothing, Some((c, e))) => Known::Range(c, e),
                    (k, None) => k,
                }
            })
            .collect()
    }

    /// The cells connected to `start` through relations over cells the reader does not know exactly.
    fn component(&self, start: CellId, known: &[Known]) -> (Vec<CellId>, Vec<usize>) {
        let exact = |c: CellId| matches!(known[c], Known::Range(a, b) if a == b);
        let mut cells = BTreeSet::from([start]);
        let mut rels = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(c) = stack.pop() {
            for &k in &self.by_cell[c] {
                if !rels.insert(k) {
                    continue;
                }
                for o in self.relations[k].cells() {
                    if !exact(o) && cells.insert(o) {
                        stack.push(o);
                    }
                }
            }
        }
        (cells.into_iter().collect(), rels.into_iter().collect())
    }

    /// Whether what the reader knows of a cell alone proves it is not small: its range lies inside
    /// its window, so a window starting above 9 needs no programme (most shown cells).
    fn surely_large(known: &[Known], c: CellId) -> bool {
        matches!(known[c], Known::Range(lo, _) if lo > PROTECT_UP_TO)
    }

    /// The intruder's feasible range of `target`: min and max over whole numbers ≥ 0 satisfying
    /// every relation and everything known. `hi` is `None` when unbounded.
    pub fn range_of(&self, target: CellId, known: &[Known]) -> Result<Range, LinkedError> {
        if let Known::Range(a, b) = known[target]
            && a == b
        {
            return Ok((a, Some(b)));
        }
        let (cells, rels) = self.component(target, known);
        let lo = self.optimise(target, &cells, &rels, known, false)?;
        let hi = self.optimise(target, &cells, &rels, known, true)?;
        Ok((lo.unwrap_or(0), hi))
    }

    /// One bound by LP, then by integer programming if the LP's optimum is not whole.
    fn optimise(
        &self,
        target: CellId,
        cells: &[CellId],
        rels: &[usize],
        known: &[Known],
        maximise: bool,
    ) -> Result<Option<i64>, LinkedError> {
        let lp = self.solve(target, cells, rels, known, maximise, false)?;
        let Some((value, whole)) = lp else { return Ok(None) };
        if whole {
            return Ok(Some(value.round() as i64));
        }
        match self.solve(target, cells, rels, known, maximise, true)? {
            Some((v, _)) => Ok(Some(v.round() as i64)),
            None => Ok(None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn solve(
        &self,
        target: CellId,
        cells: &[CellId],
        rels: &[usize],
        known: &[Known],
        maximise: bool,
        integer: bool,
    ) -> Result<Option<(f64, bool)>, LinkedError> {
        let dir = if maximise { OptimizationDirection::Maximize } else { OptimizationDirection::Minimize };
        let mut p = Problem::new(dir);
        let mut var = HashMap::with_capacity(cells.len());
        for &c in cells {
            let (lo, hi) = match known[c] {
                Known::Range(a, b) => (a.max(0), Some(b)),
                Known::Nothing => (0, None),
            };
            let obj = if c == target { 1.0 } else { 0.0 };
            let v = if integer {
                let hi = hi.map_or(BIG, |h| h.min(i64::from(BIG)) as i32);
                p.add_integer_var(obj, (lo as i32, hi))
            } else {
                p.add_var(obj, (lo as f64, hi.map_or(f64::INFINITY, |h| h as f64)))
            };
            var.insert(c, v);
        }
        for &k in rels {
            let r = &self.relations[k];
            let mut expr = Vec::new();
            let mut rhs = 0.0;
            let mut term = |c: CellId, coef: f64| match var.get(&c) {
                Some(&v) => expr.push((v, coef)),
                None => {
                    // Known exactly: a constant.
                    if let Known::Range(a, _) = known[c] {
                        rhs -= coef * a as f64;
                    }
                }
            };
            for &c in &r.parts {
                term(c, 1.0);
            }
            term(r.total, -1.0);
            if !expr.is_empty() {
                p.add_constraint(expr.as_slice(), ComparisonOp::Eq, rhs);
            }
        }
        let key = || self.defs[target].key.clone();
        match p.solve() {
            Ok(outcome) => {
                let sol = outcome.into_solution().map_err(|e| LinkedError::Lp {
                    key: key(),
                    detail: format!("interrupted: {:?}", e.termination_reason()),
                })?;
                let whole = cells.iter().all(|c| {
                    let x = sol.var_value(var[c]);
                    (x - x.round()).abs() < 1e-6
                });
                Ok(Some((sol.objective(), whole)))
            }
            Err(microlp::Error::Unbounded) => Ok(None),
            Err(e) => Err(LinkedError::Lp { key: key(), detail: e.to_string() }),
        }
    }

    /// Whether a range protects a cell: it lies wholly at the threshold or above (the cell is not
    /// small, whatever it is), or it contains the whole of `[0, 9]`. The rule needs no true value,
    /// so the checker applies it to a published release exactly as the publisher does.
    pub fn protects(range: Range) -> bool {
        range.0 > PROTECT_UP_TO || (range.0 <= 0 && range.1.is_none_or(|h| h >= PROTECT_UP_TO))
    }

    /// How far a range is from protecting: the part of `[0, 9]` it misses (0 when protected).
    fn deficit(range: Range) -> i64 {
        if Self::protects(range) {
            return 0;
        }
        range.0.clamp(0, PROTECT_UP_TO + 1) + (PROTECT_UP_TO - range.1.unwrap_or(PROTECT_UP_TO)).max(0)
    }

    /// The cells the audit judges: every cell but those the publisher states exactly on purpose
    /// (a category left out because it is empty, a structural zero).
    fn judged(&self) -> Vec<CellId> {
        // A cell known exactly is judged too: cheaply (its range is the point), and rightly, since
        // a small count known exactly is exposed whether it was shown or worked out.
        (0..self.defs.len()).filter(|&i| !self.defs[i].stated).collect()
    }

    /// Audits what a reader knows (`known`, one entry per cell): the feasible range of every cell
    /// not known exactly. Returns the cells the rule of [`Release::protects`] fails, with their
    /// ranges, and the narrowest range of a cell that could be small.
    pub fn audit_knowledge(&self, known: &[Known]) -> Result<(Failing, usize, Option<i64>), LinkedError> {
        let mut failing = Vec::new();
        let mut narrowest: Option<i64> = None;
        let judged = self.judged();
        for &c in &judged {
            if Self::surely_large(known, c) {
                continue;
            }
            let r = self.range_of(c, known)?;
            if r.0 <= PROTECT_UP_TO
                && let Some(h) = r.1
            {
                narrowest = Some(narrowest.map_or(h - r.0, |n: i64| n.min(h - r.0)));
            }
            if !Self::protects(r) {
                failing.push((c, r));
            }
        }
        Ok((failing, judged.len(), narrowest))
    }

    /// Audits a pattern of the publisher's (see [`Release::audit_knowledge`]).
    pub fn audit(&self, hidden: &[bool], shown: &Shown<'_>) -> Result<(Failing, AuditSummary), LinkedError> {
        let known = self.knowledge(hidden, shown);
        let (failing, audited, narrowest) = self.audit_knowledge(&known)?;
        let primary =
            (0..self.defs.len()).filter(|&i| self.defs[i].printed && self.defs[i].truth <= PROTECT_UP_TO).count();
        let hidden_n = (0..self.defs.len()).filter(|&i| self.defs[i].printed && hidden[i]).count();
        Ok((
            failing,
            AuditSummary {
                cells: self.defs.len(),
                relations: self.relations.len(),
                primary,
                secondary: hidden_n - primary.min(hidden_n),
                audited,
                narrowest_width: narrowest,
            },
        ))
    }

    /// Hides every printed cell below the threshold, then adds complementary suppressions until
    /// the audit passes; `shown` says how a shown count is published (exact, or the window of its
    /// rounding). Deterministic.
    pub fn protect(&self, shown: &Shown<'_>) -> Result<Pattern, LinkedError> {
        self.protect_from(self.defs.iter().map(|d| d.printed && d.truth <= PROTECT_UP_TO).collect(), shown)
    }

    /// [`Release::protect`] starting from a given pattern (e.g. the cells an earlier release hid).
    pub fn protect_from(&self, mut hidden: Vec<bool>, shown: &Shown<'_>) -> Result<Pattern, LinkedError> {
        hidden.resize(self.defs.len(), false);
        // Hiding a cell widens every range, which can take a cell that was provably ≥ 10 below 10
        // without reaching 0: so passes repeat until one changes nothing. Each change hides one
        // more printed cell, so this ends.
        loop {
            let mut changed = false;
            let known = self.knowledge(&hidden, shown);
            for c in self.judged() {
                if Self::surely_large(&known, c) {
                    continue;
                }
                loop {
                    let known = self.knowledge(&hidden, shown);
                    let r = self.range_of(c, &known)?;
                    if Self::protects(r) {
                        break;
                    }
                    let pick = self.complement(c, r, &known, &hidden, shown)?;
                    let Some(pick) = pick else {
                        return Err(LinkedError::Unprotectable { key: self.defs[c].key.clone() });
                    };
                    hidden[pick] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let (failing, audit) = self.audit(&hidden, shown)?;
        if let Some((c, _)) = failing.first() {
            return Err(LinkedError::Unprotectable { key: self.defs[*c].key.clone() });
        }
        Ok(Pattern { hidden, audit })
    }

    /// The complementary cell to hide next for `target`, whose range under `known` (what the
    /// reader knows with `hidden` hidden) is `range`.
    fn complement(
        &self,
        target: CellId,
        range: Range,
        known: &[Known],
        hidden: &[bool],
        shown: &Shown<'_>,
    ) -> Result<Option<CellId>, LinkedError> {
        // The target itself first, when it is printed and shown.
        if self.defs[target].printed && !hidden[target] {
            return Ok(Some(target));
        }
        // Candidates by distance from the target in the relation graph (hops through relations
        // over cells the reader does not know exactly), then by cost: a cell that shares a
        // relation with the target first. In the public edition no shown cell is known exactly,
        // so the component spans the release and cost alone would pick unrelated small cells.
        let (_, rels) = self.component(target, known);
        let in_comp: BTreeSet<usize> = rels.into_iter().collect();
        let mut dist: HashMap<CellId, usize> = HashMap::from([(target, 0)]);
        let mut frontier = vec![target];
        let mut seen_rel: BTreeSet<usize> = BTreeSet::new();
        let mut rel_order: Vec<usize> = Vec::new();
        let mut level = 0;
        while !frontier.is_empty() && level < 6 {
            level += 1;
            let mut next = Vec::new();
            for c in frontier {
                for &k in &self.by_cell[c] {
                    if !in_comp.contains(&k) || !seen_rel.insert(k) {
                        continue;
                    }
                    rel_order.push(k);
                    for o in self.relations[k].cells() {
                        if let std::collections::hash_map::Entry::Vacant(e) = dist.entry(o) {
                            e.insert(level);
                            next.push(o);
                        }
                    }
                }
            }
            frontier = next;
        }
        let cost = |c: CellId| (self.defs[c].truth.max(0) + 1).saturating_mul(self.defs[c].weight);
        let mut cand: Vec<CellId> =
            dist.keys().copied().filter(|&o| o != target && self.defs[o].printed && !hidden[o]).collect();
        cand.sort_by_key(|&c| (dist[&c], cost(c), c));
        let before = Self::deficit(range);
        let mut best: Option<(CellId, f64)> = None;
        let mut trial = hidden.to_vec();
        for &c in cand.iter().take(24) {
            trial[c] = true;
            let k = self.knowledge(&trial, shown);
            let r = self.range_of(target, &k)?;
            trial[c] = false;
            if Self::protects(r) {
                return Ok(Some(c));
            }
            let gain = (before - Self::deficit(r)) as f64 / cost(c) as f64;
            if gain > 0.0 && best.is_none_or(|(_, g)| gain > g) {
                best = Some((c, gain));
            }
        }
        if let Some((c, _)) = best {
            return Ok(Some(c));
        }
        // No single cell widens the range: the target is pinned by several relations at once (a
        // line and a column, say, or a second table over the same counts), each of which must get
        // a complement. First the nearest relation that determines one of its cells (all others
        // shown: "total minus the visible cells"), at its cheapest shown cell.
        for &k in &rel_order {
            let members: Vec<CellId> = self.relations[k].cells().collect();
            let open =
                members.iter().filter(|&&o| !self.defs[o].stated && (hidden[o] || !self.defs[o].printed)).count();
            if open == 1
                && let Some(c) = members
                    .iter()
                    .copied()
                    .filter(|&o| self.defs[o].printed && !hidden[o])
                    .min_by_key(|&o| (cost(o), o))
            {
                return Ok(Some(c));
            }
        }
        // Else the relation of the target that is most nearly determined (fewest unknown cells).
        let mut pinning: Option<(usize, i64, CellId)> = None;
        for &k in &self.by_cell[target] {
            let members: Vec<CellId> = self.relations[k].cells().collect();
            let unknown = members.iter().filter(|&&o| o != target && (hidden[o] || !self.defs[o].printed)).count();
            let shown_cells = members.iter().copied().filter(|&o| o != target && self.defs[o].printed && !hidden[o]);
            if let Some(c) = shown_cells.min_by_key(|&o| (cost(o), o))
                && pinning.is_none_or(|(u, co, _)| (unknown, cost(c)) < (u, co))
            {
                pinning = Some((unknown, cost(c), c));
            }
        }
        Ok(pinning.map(|p| p.2).or_else(|| cand.first().copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(_: CellId, v: i64) -> (i64, i64) {
        (v, v)
    }

    /// A 2×2 interior with margins; returns the release and the interior ids (row-major).
    fn two_by_two(m: [[i64; 2]; 2]) -> (Release, Vec<CellId>) {
        let mut r = Release::new();
        let mut ids = Vec::new();
        for (i, row) in m.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                ids.push(r.printed(&format!("t|r={i}|c={j}"), v, 1).unwrap());
            }
        }
        let rt: Vec<CellId> = (0..2).map(|i| r.printed(&format!("t|r={i}"), m[i][0] + m[i][1], 4).unwrap()).collect();
        let ct: Vec<CellId> = (0..2).map(|j| r.printed(&format!("t|c={j}"), m[0][j] + m[1][j], 4).unwrap()).collect();
        let g = r.printed("t", m[0][0] + m[0][1] + m[1][0] + m[1][1], 4).unwrap();
        for i in 0..2 {
            r.relation(rt[i], &[ids[2 * i], ids[2 * i + 1]]).unwrap();
            r.relation(ct[i], &[ids[i], ids[2 + i]]).unwrap();
        }
        r.relation(g, &rt).unwrap();
        r.relation(g, &ct).unwrap();
        (r, ids)
    }

    /// The bridge test passes a 2×2 cycle of hidden cells, but non-negativity pins it: with
    /// 3 | 2 over a row total 5 and column totals 4 and 1 … each cell is bounded far inside [0, 9].
    #[test]
    fn a_cycle_pinned_by_non_negativity_is_caught_and_fixed() {
        let (r, ids) = two_by_two([[3, 2], [1, 40]]);
        let mut hidden = vec![false; r.len()];
        for &i in &ids {
            hidden[i] = true;
        }
        let (failing, _) = r.audit(&hidden, &exact).unwrap();
        let bad: Vec<&str> = failing.iter().map(|(c, _)| r.key(*c)).collect();
        assert!(bad.contains(&"t|r=0|c=0"), "{bad:?}");
        // The fix hides totals until the small cells are free.
        let p = r.protect(&exact).unwrap();
        let (failing, a) = r.audit(&p.hidden, &exact).unwrap();
        assert!(failing.is_empty());
        assert_eq!(a.primary, 5, "3, 2, 1 and the totals 5 and 4");
    }

    /// A column whose sum is printed in another table: hiding the small cell in this table alone
    /// is not enough.
    #[test]
    fn a_sum_printed_elsewhere_is_linked() {
        let mut r = Release::new();
        let a = r.printed("x|y=1", 4, 1).unwrap();
        let b = r.printed("x|y=2", 50, 1).unwrap();
        let c = r.printed("x|y=3", 60, 1).unwrap();
        // Another table prints the period total of x.
        let t = r.printed("x", 114, 4).unwrap();
        r.relation(t, &[a, b, c]).unwrap();
        let mut hidden = vec![false; r.len()];
        hidden[a] = true;
        let (failing, _) = r.audit(&hidden, &exact).unwrap();
        assert_eq!(failing.len(), 1, "the total minus the shown cells gives the 4");
        let p = r.protect(&exact).unwrap();
        assert!(p.hidden[a] && (p.hidden[b] || p.hidden[t]), "{:?}", p.hidden);
        assert!(r.audit(&p.hidden, &exact).unwrap().0.is_empty());
    }

    /// Two releases: 2012–2021 and 2012–2022 print period totals whose difference is the 2022
    /// cell. Audited jointly, the difference is caught.
    #[test]
    fn two_releases_whose_difference_isolates_a_small_cell() {
        let mut r = Release::new();
        let years: Vec<CellId> = (2012..=2022)
            .map(|y| r.printed(&format!("x|year={y}"), if y == 2022 { 3 } else { 20 }, 1).unwrap())
            .collect();
        let p1 = r.printed("x|period=2012-2021", 200, 4).unwrap();
        let p2 = r.printed("x|period=2012-2022", 203, 4).unwrap();
        r.relation(p1, &years[..10]).unwrap();
        r.relation(p2, &years).unwrap();
        // Release two hides its 3 and one partner; release one printed its period total.
        let mut hidden = vec![false; r.len()];
        hidden[years[10]] = true;
        hidden[years[9]] = true;
        let (failing, _) = r.audit(&hidden, &exact).unwrap();
        assert!(!failing.is_empty(), "p2 − p1 = the 2022 cell");
        let p = r.protect(&exact).unwrap();
        assert!(r.audit(&p.hidden, &exact).unwrap().0.is_empty());
    }

    #[test]
    fn a_latent_cell_derived_from_printed_ones_is_protected() {
        // all = minor_only + adult_only + both; minor = minor_only + both; adult = adult_only + both.
        let mut r = Release::new();
        let all = r.printed("p|all", 300, 1).unwrap();
        let minor = r.printed("p|minor", 40, 1).unwrap();
        let adult = r.printed("p|adult", 262, 1).unwrap();
        let mo = r.latent("p|minor_only", 38).unwrap();
        let ao = r.latent("p|adult_only", 260).unwrap();
        let both = r.latent("p|both", 2).unwrap();
        r.relation(all, &[mo, ao, both]).unwrap();
        r.relation(minor, &[mo, both]).unwrap();
        r.relation(adult, &[ao, both]).unwrap();
        let (failing, _) = r.audit(&vec![false; r.len()], &exact).unwrap();
        assert_eq!(failing.iter().map(|f| f.0).collect::<Vec<_>>(), vec![both]);
        let p = r.protect(&exact).unwrap();
        assert!(p.hidden.iter().filter(|&&h| h).count() >= 1);
        assert!(r.audit(&p.hidden, &exact).unwrap().0.is_empty());
    }

    #[test]
    fn a_false_relation_is_refused() {
        let mut r = Release::new();
        let a = r.printed("a", 3, 1).unwrap();
        let t = r.printed("t", 5, 1).unwrap();
        assert!(matches!(r.relation(t, &[a]), Err(LinkedError::Relation { .. })));
        assert!(matches!(r.printed("a", 4, 1), Err(LinkedError::Conflict { .. })));
    }

    #[test]
    fn rounding_windows_count_as_knowledge() {
        // Rounded to 5, a shown 45 says 43–47; with the total's window the small cell is free.
        let mut r = Release::new();
        let a = r.printed("a", 4, 1).unwrap();
        let b = r.printed("b", 45, 1).unwrap();
        let t = r.printed("t", 49, 4).unwrap();
        r.relation(t, &[a, b]).unwrap();
        let mut hidden = vec![false; r.len()];
        hidden[a] = true;
        let window = |_: CellId, v: i64| {
            let s = crate::round(v, Some(5));
            (s - 2, s + 2)
        };
        let k = r.knowledge(&hidden, &window);
        // t shows 50 (48–52), b shows 45 (43–47): a = t − b lies in 1–9, not down to 0.
        assert_eq!(r.range_of(a, &k).unwrap(), (1, Some(9)));
    }
}
