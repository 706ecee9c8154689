//! Hierarchical log-linear models for capture histories.
//!
//! The model for the expected count of history `h` is
//! `log μ_h = β₀ + Σ_{i∈h} α_i + Σ_{T ∈ terms, T ⊆ h} θ_T`: an intercept (the log of the dark
//! figure, since the unobserved history has no list), one main effect per list, and interaction
//! terms `T` (sets of at least two lists). Only hierarchical models are allowed: every subset of
//! two or more lists of a term is itself a term (Bishop, Fienberg & Holland 1975, §3.4).

use super::MseError;

/// A set of interaction terms (list masks with at least two bits) on top of all main effects.
///
/// The order of the terms is kept (stepwise selection adds them in order and reports them so);
/// equality compares the sets.
#[derive(Debug, Clone, Default, Eq)]
pub struct Model {
    terms: Vec<u32>,
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        let mut a = self.terms.clone();
        let mut b = other.terms.clone();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    }
}

impl Model {
    /// Main effects only: the lists are independent given the population.
    pub fn main_effects() -> Self {
        Self::default()
    }

    /// A model with the given interaction terms (masks over the lists), which must each have at
    /// least two lists, lie within the `k` lists, and form a hierarchical set.
    pub fn new(terms: Vec<u32>, k: usize) -> Result<Self, MseError> {
        let mut seen = Vec::with_capacity(terms.len());
        for &t in &terms {
            if t.count_ones() < 2 {
                return Err(MseError::Invalid(format!("interaction term {t:#b} names fewer than two lists")));
            }
            if k < 32 && t >> k != 0 {
                return Err(MseError::Invalid(format!("interaction term {t:#b} names a list beyond the {k} lists")));
            }
            if seen.contains(&t) {
                return Err(MseError::Invalid(format!("interaction term {t:#b} given twice")));
            }
            seen.push(t);
        }
        let model = Self { terms };
        if let Some((t, missing)) = model.hierarchy_violation() {
            return Err(MseError::Invalid(format!(
                "model is not hierarchical: term {t:#b} needs its sub-term {missing:#b}"
            )));
        }
        Ok(model)
    }

    /// Parses `[A:B, B:C]` (brackets optional, `*` accepted for `:`) against the list names.
    pub fn parse(text: &str, lists: &[String]) -> Result<Self, MseError> {
        let inner = text.trim().trim_start_matches('[').trim_end_matches(']').trim();
        let mut terms = Vec::new();
        if !inner.is_empty() {
            for part in inner.split(',') {
                let mut mask = 0u32;
                for name in part.split([':', '*']) {
                    let name = name.trim();
                    let i = lists.iter().position(|l| l == name).ok_or_else(|| {
                        MseError::Invalid(format!("model term `{}` names unknown list `{name}`", part.trim()))
                    })?;
                    mask |= 1 << i;
                }
                if mask.count_ones() >= 2 {
                    terms.push(mask);
                }
            }
        }
        Self::new(terms, lists.len())
    }

    /// The interaction terms in the order given.
    pub fn terms(&self) -> &[u32] {
        &self.terms
    }

    /// Whether the model has the term.
    pub fn contains(&self, term: u32) -> bool {
        self.terms.contains(&term)
    }

    /// The model with one more term appended (no hierarchy check).
    pub fn with_term(&self, term: u32) -> Self {
        let mut terms = self.terms.clone();
        terms.push(term);
        Self { terms }
    }

    /// A term whose proper sub-term of two or more lists is missing, if any.
    fn hierarchy_violation(&self) -> Option<(u32, u32)> {
        for &t in &self.terms {
            // every subset of t with at least two bits, except t itself
            let mut s = (t.wrapping_sub(1)) & t;
            while s != 0 {
                if s.count_ones() >= 2 && !self.terms.contains(&s) {
                    return Some((t, s));
                }
                s = (s.wrapping_sub(1)) & t;
            }
        }
        None
    }

    /// Writes the model as `[LA:NG, NG:GP]` (main effects implied; `[]` is main effects only).
    pub fn describe(&self, lists: &[String]) -> String {
        let parts: Vec<String> = self.terms.iter().map(|&t| term_name(t, lists)).collect();
        format!("[{}]", parts.join(", "))
    }

    /// The term names, e.g. `["LA:NG", "NG:GP"]`.
    pub fn term_names(&self, lists: &[String]) -> Vec<String> {
        self.terms.iter().map(|&t| term_name(t, lists)).collect()
    }
}

/// A term's name: its lists joined by `:` in list order.
pub fn term_name(term: u32, lists: &[String]) -> String {
    (0..lists.len()).filter(|i| term & (1 << i) != 0).map(|i| lists[i].as_str()).collect::<Vec<_>>().join(":")
}

/// All two-list terms in SparseMSE's order: (1,2), (1,3), …, (1,k), (2,3), … — the order that
/// breaks ties in stepwise selection.
pub fn pairs(k: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(k * k.saturating_sub(1) / 2);
    for i in 0..k {
        for j in i + 1..k {
            out.push((1 << i) | (1 << j));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists() -> Vec<String> {
        ["A", "B", "C"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parse_and_describe() {
        let m = Model::parse("[A:B, C:B]", &lists()).unwrap();
        assert_eq!(m.terms(), &[0b011, 0b110]);
        assert_eq!(m.describe(&lists()), "[A:B, B:C]");
        assert_eq!(Model::parse("[]", &lists()).unwrap(), Model::main_effects());
        assert!(Model::parse("[A:D]", &lists()).is_err());
    }

    #[test]
    fn hierarchy_enforced() {
        assert!(Model::new(vec![0b111], 3).is_err());
        assert!(Model::new(vec![0b011, 0b101, 0b110, 0b111], 3).is_ok());
        assert!(Model::new(vec![0b001], 3).is_err());
        assert!(Model::new(vec![0b011, 0b011], 3).is_err());
    }

    #[test]
    fn pair_order_is_sparsemse() {
        assert_eq!(pairs(3), vec![0b011, 0b101, 0b110]);
    }
}
