//! Capture-history tables: the data of multiple systems estimation.
//!
//! A case seen by `k` lists has a capture history `h ∈ {0,1}^k \ {0}`; the table holds the number
//! of cases with each history. List `i` (0-based, in column order) is bit `i` of the history mask,
//! so the history of a case on lists 0 and 2 is `0b101`. The all-zero history (cases on no list) is
//! the dark figure: never observed, a structural zero of the table (Bishop, Fienberg & Holland 1975,
//! ch. 6).

use std::collections::HashMap;
use std::io::Read;

use super::MseError;

/// Most lists a table may have. 2^12 cells is far beyond any register split by reporter type, and
/// keeps every dense design matrix small.
pub const MAX_LISTS: usize = 12;

/// Counts of cases by capture history over `k` named lists.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureTable {
    lists: Vec<String>,
    /// Indexed by history mask; `counts[0]` (the unobserved cell) is always 0.
    counts: Vec<f64>,
}

impl CaptureTable {
    /// Builds a table from list names and a count per history mask (`counts.len() == 2^k`,
    /// `counts[0]` must be 0). Checks the rules of [`CaptureTable::validate`].
    pub fn from_counts(lists: Vec<String>, counts: Vec<f64>) -> Result<Self, MseError> {
        let k = lists.len();
        check_list_count(k)?;
        if counts.len() != 1usize << k {
            return Err(MseError::Invalid(format!(
                "a table over {k} lists needs {} cells, got {}",
                1usize << k,
                counts.len()
            )));
        }
        if counts[0] != 0.0 {
            return Err(MseError::Invalid("the all-zero capture history (cases on no list) cannot be observed".into()));
        }
        for (h, &c) in counts.iter().enumerate() {
            if !c.is_finite() || c < 0.0 || c.fract() != 0.0 {
                return Err(MseError::Invalid(format!(
                    "history {} has count {c}; counts must be non-negative whole numbers",
                    history_string(h as u32, k)
                )));
            }
        }
        let table = Self { lists, counts };
        table.validate()?;
        Ok(table)
    }

    /// Builds a table from per-person list memberships: each item is the set of list indices
    /// (into `lists`) on which one person appears, e.g. the reporter types of one linked person in
    /// a period. Repeated indices within a person count once. A person on no list is an error,
    /// because such a person cannot have been observed.
    pub fn from_memberships<I, P>(lists: Vec<String>, persons: I) -> Result<Self, MseError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[usize]>,
    {
        let k = lists.len();
        check_list_count(k)?;
        let mut counts = vec![0.0; 1usize << k];
        for (person, member) in persons.into_iter().enumerate() {
            let mut h = 0u32;
            for &l in member.as_ref() {
                if l >= k {
                    return Err(MseError::Invalid(format!(
                        "person {person} is on list index {l}, but there are only {k} lists"
                    )));
                }
                h |= 1 << l;
            }
            if h == 0 {
                return Err(MseError::Invalid(format!(
                    "person {person} is on no list; only observed persons can be counted"
                )));
            }
            counts[h as usize] += 1.0;
        }
        Self::from_counts(lists, counts)
    }

    /// [`CaptureTable::from_memberships`] with list names instead of indices, e.g. the reporter
    /// types of each linked person: `[["police", "ngo"], ["police"]]`. An unknown name is an error.
    pub fn from_named_memberships<I, P, S>(lists: Vec<String>, persons: I) -> Result<Self, MseError>
    where
        I: IntoIterator<Item = P>,
        P: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut idx: Vec<Vec<usize>> = Vec::new();
        for (person, names) in persons.into_iter().enumerate() {
            let mut v = Vec::new();
            for name in names {
                let name = name.as_ref();
                let i = lists
                    .iter()
                    .position(|l| l == name)
                    .ok_or_else(|| MseError::Invalid(format!("person {person} is on unknown list `{name}`")))?;
                v.push(i);
            }
            idx.push(v);
        }
        Self::from_memberships(lists, idx)
    }

    /// Reads a CSV whose header names the lists and, last, the count column; each row is one
    /// capture history of 0/1 values and its count. Histories not listed have count 0.
    ///
    /// Errors name the line, the field and the rule broken: values other than 0/1, a history
    /// listed twice, negative or fractional counts, the all-zero history with a positive count,
    /// fewer than two lists, a table without cases, a list without cases.
    pub fn read_csv<R: Read>(reader: R) -> Result<Self, MseError> {
        Self::read_csv_separated(reader, b',')
    }

    /// As [`CaptureTable::read_csv`], with another field separator (`;` as Excel writes with Dutch
    /// settings, or tab).
    pub fn read_csv_separated<R: Read>(reader: R, separator: u8) -> Result<Self, MseError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .delimiter(separator)
            .from_reader(reader);
        let header = rdr.headers().map_err(|e| MseError::Csv { line: 1, message: e.to_string() })?.clone();
        if header.len() < 3 {
            return Err(MseError::Csv {
                line: 1,
                message: format!(
                    "the header has {} column(s); need at least two 0/1 list columns and a count column",
                    header.len()
                ),
            });
        }
        let k = header.len() - 1;
        let lists: Vec<String> = header.iter().take(k).map(str::to_owned).collect();
        let count_name = header.get(k).unwrap_or("count").to_owned();
        check_list_count(k).map_err(|e| MseError::Csv { line: 1, message: e.to_string() })?;
        for (i, name) in lists.iter().enumerate() {
            if name.is_empty() {
                return Err(MseError::Csv { line: 1, message: format!("list column {} has an empty name", i + 1) });
            }
            if lists[..i].contains(name) {
                return Err(MseError::Csv {
                    line: 1,
                    message: format!("list name `{name}` appears twice in the header"),
                });
            }
        }
        let mut counts = vec![0.0; 1usize << k];
        let mut seen: HashMap<u32, u64> = HashMap::new();
        for record in rdr.records() {
            let record = record
                .map_err(|e| MseError::Csv { line: e.position().map_or(0, |p| p.line()), message: e.to_string() })?;
            let line = record.position().map_or(0, |p| p.line());
            // A row of empty cells (`;;;`, as Excel leaves below the data) is no row.
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != k + 1 {
                return Err(MseError::Csv {
                    line,
                    message: format!("expected {} fields, found {}", k + 1, record.len()),
                });
            }
            let mut h = 0u32;
            for (i, name) in lists.iter().enumerate() {
                match record.get(i).unwrap_or("") {
                    "0" => {}
                    "1" => h |= 1 << i,
                    other => {
                        return Err(MseError::Field {
                            line,
                            field: name.clone(),
                            message: format!("`{other}` is not 0 or 1"),
                        });
                    }
                }
            }
            let raw = record.get(k).unwrap_or("");
            let count: f64 = match raw.parse::<f64>() {
                Ok(c) if c.is_finite() && c >= 0.0 && c.fract() == 0.0 && c <= 1e15 => c,
                Ok(c) if c < 0.0 => {
                    return Err(MseError::Field {
                        line,
                        field: count_name,
                        message: format!("count {raw} is negative"),
                    });
                }
                _ => {
                    return Err(MseError::Field {
                        line,
                        field: count_name,
                        message: format!("count `{raw}` is not a non-negative whole number"),
                    });
                }
            };
            if h == 0 {
                if count > 0.0 {
                    return Err(MseError::Field {
                        line,
                        field: count_name,
                        message: "the all-zero history (on no list) cannot be observed; its count must be 0 or the row left out".into(),
                    });
                }
                continue;
            }
            if let Some(first) = seen.insert(h, line) {
                return Err(MseError::Field {
                    line,
                    field: lists.join(","),
                    message: format!(
                        "capture history {} is listed twice (first on line {first})",
                        history_string(h, k)
                    ),
                });
            }
            counts[h as usize] = count;
        }
        let table = Self { lists, counts };
        table.validate()?;
        Ok(table)
    }

    /// Checks that the table can carry an estimate at all: some cases, and every list with at
    /// least one case (a list without cases has a main effect of −∞ and says nothing).
    pub fn validate(&self) -> Result<(), MseError> {
        if self.observed() <= 0.0 {
            return Err(MseError::Invalid("the table has no cases".into()));
        }
        for (i, name) in self.lists.iter().enumerate() {
            if self.list_total(i) == 0.0 {
                return Err(MseError::Invalid(format!(
                    "list `{name}` has no cases; drop its column (a list that saw nobody carries no information)"
                )));
            }
        }
        Ok(())
    }

    /// Number of lists `k`.
    pub fn k(&self) -> usize {
        self.lists.len()
    }

    /// List names in column order.
    pub fn lists(&self) -> &[String] {
        &self.lists
    }

    /// Count per history mask; index 0 (unobserved) is 0.
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// Count of one history.
    pub fn count(&self, history: u32) -> f64 {
        self.counts.get(history as usize).copied().unwrap_or(0.0)
    }

    /// Total number of observed cases.
    pub fn observed(&self) -> f64 {
        self.counts.iter().sum()
    }

    /// Number of cases on list `i` (alone or with others).
    pub fn list_total(&self, i: usize) -> f64 {
        self.margin(1 << i)
    }

    /// Number of cases on every list of `term` (a mask), whatever their other lists: the
    /// sufficient statistic of the term's parameter.
    pub fn margin(&self, term: u32) -> f64 {
        self.counts.iter().enumerate().filter(|(h, _)| (*h as u32) & term == term).map(|(_, c)| c).sum()
    }

    /// The same lists with other counts (same length), without validation: used for bootstrap
    /// and jackknife replicates, which may legitimately lose a list.
    pub(crate) fn with_counts(&self, counts: Vec<f64>) -> Self {
        Self { lists: self.lists.clone(), counts }
    }

    /// Describes the degenerate patterns that leave no finite estimate under any model, if the
    /// table has one: every case on one list only, or no two lists sharing a case.
    pub fn degeneracy(&self) -> Option<String> {
        let k = self.k();
        let n = self.observed();
        for i in 0..k {
            if self.list_total(i) == n {
                return Some(format!(
                    "every case is on list `{}`: nothing is known about cases it misses",
                    self.lists[i]
                ));
            }
        }
        let any_overlap = (0..k).any(|i| (i + 1..k).any(|j| self.margin((1 << i) | (1 << j)) > 0.0));
        if !any_overlap {
            return Some("no two lists share a case (the lists never overlap)".into());
        }
        None
    }
}

/// A history written as 0/1 digits in list order, e.g. `101`.
pub fn history_string(h: u32, k: usize) -> String {
    (0..k).map(|i| if h & (1 << i) != 0 { '1' } else { '0' }).collect()
}

fn check_list_count(k: usize) -> Result<(), MseError> {
    if k < 2 {
        return Err(MseError::Invalid(format!(
            "a table with {k} list(s) cannot estimate anything; multiple systems estimation needs at least two lists"
        )));
    }
    if k > MAX_LISTS {
        return Err(MseError::Invalid(format!("{k} lists is more than the supported {MAX_LISTS}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| ((b'A' + i as u8) as char).to_string()).collect()
    }

    #[test]
    fn memberships_make_histories() {
        let t = CaptureTable::from_memberships(names(3), [vec![0], vec![0, 2], vec![2, 0, 0], vec![1]]).unwrap();
        assert_eq!(t.count(0b001), 1.0);
        assert_eq!(t.count(0b101), 2.0);
        assert_eq!(t.count(0b010), 1.0);
        assert_eq!(t.observed(), 4.0);
    }

    #[test]
    fn named_memberships() {
        let t = CaptureTable::from_named_memberships(names(2), [vec!["A", "B"], vec!["B"], vec!["B", "B"]]).unwrap();
        assert_eq!(t.count(0b11), 1.0);
        assert_eq!(t.count(0b10), 2.0);
        assert!(CaptureTable::from_named_memberships(names(2), [vec!["Z"]]).is_err());
    }

    #[test]
    fn memberships_reject_person_on_no_list_and_bad_index() {
        assert!(CaptureTable::from_memberships(names(2), [vec![]]).is_err());
        assert!(CaptureTable::from_memberships(names(2), [vec![2]]).is_err());
    }

    #[test]
    fn csv_rules() {
        let ok = "A,B,n\n1,0,3\n0,1,4\n1,1,2\n";
        let t = CaptureTable::read_csv(ok.as_bytes()).unwrap();
        assert_eq!(t.margin(0b11), 2.0);
        let cases = [
            ("A,B,n\n1,2,3\n0,1,1\n", "not 0 or 1"),
            ("A,B,n\n1,0,3\n1,0,4\n0,1,1\n", "listed twice"),
            ("A,B,n\n1,0,-3\n0,1,1\n", "negative"),
            ("A,B,n\n1,0,1.5\n0,1,1\n", "whole number"),
            ("A,n\n1,3\n", "at least two"),
            ("A,B,n\n1,0,3\n", "list `B` has no cases"),
            ("A,B,n\n0,0,3\n1,0,1\n0,1,1\n", "cannot be observed"),
            ("A,B,n\n1,0\n", "expected 3 fields"),
        ];
        for (text, want) in cases {
            let err = CaptureTable::read_csv(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn degeneracy_detected() {
        let t = CaptureTable::read_csv("A,B,n\n1,0,3\n0,1,4\n".as_bytes()).unwrap();
        assert!(t.degeneracy().unwrap().contains("never overlap"));
        let t = CaptureTable::read_csv("A,B,n\n1,0,3\n1,1,4\n".as_bytes()).unwrap();
        assert!(t.degeneracy().unwrap().contains("every case"));
    }
}
