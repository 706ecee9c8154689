//! Records in: `(id, field values)`, normalised and interned per column as they arrive.
//!
//! Each column keeps a dictionary of distinct normalised values with their frequencies (for
//! term-frequency adjustment) and one `u32` code per record, so exact agreement is a code
//! comparison and memory grows with distinct values, not with raw text.

use rayon::prelude::*;

use std::hash::{BuildHasher, BuildHasherDefault};

use crate::hash::{FastMap, FxHasher};

use crate::compare::{FieldKind, Value, ValueView};
use crate::normalise::Ymd;
use crate::{Error, LinkSpec};

/// Code of a missing value.
pub const NULL: u32 = u32::MAX;

/// One column of the prepared records.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// How values were normalised (blocking-only columns use [`FieldKind::Text`]).
    pub kind: FieldKind,
    /// Distinct normalised values.
    pub values: Vec<Value>,
    /// Records holding each distinct value.
    pub counts: Vec<u32>,
    /// Value code per record ([`NULL`] when missing).
    pub codes: Vec<u32>,
    /// All value texts back to back, for cache-friendly comparison (`offsets[v]..offsets[v+1]`).
    arena: Vec<u8>,
    offsets: Vec<u32>,
    /// Parsed dates (date columns) or numbers (numeric columns) per value; empty otherwise.
    ymd: Vec<Option<Ymd>>,
    num: Vec<Option<f64>>,
}

impl Column {
    fn new(name: String, kind: FieldKind, values: Vec<Value>, counts: Vec<u32>, codes: Vec<u32>) -> Self {
        let mut arena = Vec::with_capacity(values.iter().map(|v| v.text.len()).sum());
        let mut offsets = Vec::with_capacity(values.len() + 1);
        offsets.push(0);
        for v in &values {
            arena.extend_from_slice(v.text.as_bytes());
            offsets.push(arena.len() as u32);
        }
        let ymd = if matches!(kind, FieldKind::Date | FieldKind::Days) {
            values.iter().map(|v| v.ymd).collect()
        } else {
            Vec::new()
        };
        let num = if kind == FieldKind::Numeric { values.iter().map(|v| v.num).collect() } else { Vec::new() };
        Self { name, kind, values, counts, codes, arena, offsets, ymd, num }
    }

    /// The comparison view of value `code`, read from compact arrays.
    #[inline]
    pub fn view(&self, code: u32) -> ValueView<'_> {
        let c = code as usize;
        ValueView {
            text: &self.arena[self.offsets[c] as usize..self.offsets[c + 1] as usize],
            ymd: self.ymd.get(c).copied().flatten(),
            num: self.num.get(c).copied().flatten(),
        }
    }

    /// Records with a value.
    pub fn non_null(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }
}

/// Prepared records: one input (deduplication) or two (linkage, left records first).
#[derive(Debug, Clone)]
pub struct Records {
    /// Record ids in input order, left then right.
    pub ids: Vec<String>,
    /// Columns in the order of [`LinkSpec::columns`].
    pub columns: Vec<Column>,
    /// Number of left records; equals `ids.len()` when deduplicating.
    pub n_left: usize,
    /// Whether two inputs are linked (pairs only across them).
    pub link: bool,
}

impl Records {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Index of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Number of pairs that could be compared: `n(n-1)/2` when deduplicating, `n_l · n_r`
    /// when linking.
    pub fn total_pairs(&self) -> u64 {
        let n = self.len() as u64;
        if self.link {
            let l = self.n_left as u64;
            l * (n - l)
        } else {
            n * n.saturating_sub(1) / 2
        }
    }
}

#[derive(Debug)]
struct Builder {
    name: String,
    kind: FieldKind,
    index: FastMap<String, u32>,
    values: Vec<Value>,
    counts: Vec<u32>,
    codes: Vec<u32>,
}

impl Builder {
    /// Appends the code of `value`, interning it when new.
    fn intern(&mut self, value: Option<Value>) {
        let code = match value {
            None => NULL,
            Some(v) => match self.index.get(&v.text) {
                Some(&c) => {
                    self.counts[c as usize] += 1;
                    c
                }
                None => {
                    let c = self.values.len() as u32;
                    self.index.insert(v.text.clone(), c);
                    self.values.push(v);
                    self.counts.push(1);
                    c
                }
            },
        };
        self.codes.push(code);
    }
}

/// Builds [`Records`] one record at a time.
#[derive(Debug)]
pub struct RecordsBuilder {
    columns: Vec<Builder>,
    ids: Vec<String>,
    /// Hash of each id → index of the latest record with an id of that hash; ids whose hash
    /// collides with a different id go to `collided`. Avoids a second copy of every id.
    seen: FastMap<u64, usize>,
    collided: FastMap<String, usize>,
    n_left: Option<usize>,
    side_start: usize,
}

impl RecordsBuilder {
    /// A builder for the columns of `spec` ([`LinkSpec::columns`]); values are pushed in that
    /// order.
    pub fn new(spec: &LinkSpec) -> Self {
        let columns = spec
            .columns()
            .into_iter()
            .map(|name| {
                let kind = spec.comparisons.iter().find(|c| c.column == name).map_or(FieldKind::Text, |c| c.kind);
                Builder {
                    name,
                    kind,
                    index: FastMap::default(),
                    values: Vec::new(),
                    counts: Vec::new(),
                    codes: Vec::new(),
                }
            })
            .collect();
        Self {
            columns,
            ids: Vec::new(),
            seen: FastMap::default(),
            collided: FastMap::default(),
            n_left: None,
            side_start: 0,
        }
    }

    /// Adds a record. `values` follow [`LinkSpec::columns`]; `None` or blank is missing.
    pub fn push(&mut self, id: &str, values: &[Option<&str>]) -> Result<(), Error> {
        self.check_arity(values.len(), 0)?;
        self.insert_id(id)?;
        for (col, raw) in self.columns.iter_mut().zip(values) {
            let v = raw.and_then(|r| col.kind.normalise(r));
            col.intern(v);
        }
        Ok(())
    }

    /// Adds many records at once: ids are checked in order, then every column is normalised
    /// and interned in parallel (rayon), in input order, so the result equals pushing the rows
    /// one by one. On error returns the position of the offending row in `rows`; the builder
    /// should then be dropped.
    pub fn push_batch(&mut self, rows: &[(&str, Vec<Option<&str>>)]) -> Result<(), (usize, Error)> {
        for (k, (_, values)) in rows.iter().enumerate() {
            self.check_arity(values.len(), k).map_err(|e| (k, e))?;
        }
        for (k, (id, _)) in rows.iter().enumerate() {
            self.insert_id(id).map_err(|e| (k, e))?;
        }
        self.columns.par_iter_mut().enumerate().for_each(|(c, col)| {
            let kind = col.kind;
            let normalised: Vec<Option<Value>> =
                rows.par_iter().map(|(_, values)| values[c].and_then(|r| kind.normalise(r))).collect();
            for v in normalised {
                col.intern(v);
            }
        });
        Ok(())
    }

    fn check_arity(&self, got: usize, offset: usize) -> Result<(), Error> {
        if got != self.columns.len() {
            return Err(Error::Arity {
                record: self.ids.len() - self.side_start + offset + 1,
                got,
                expected: self.columns.len(),
            });
        }
        Ok(())
    }

    fn insert_id(&mut self, id: &str) -> Result<(), Error> {
        let record = self.ids.len() - self.side_start + 1;
        let h = BuildHasherDefault::<FxHasher>::default().hash_one(id);
        let here = self.ids.len();
        let earlier = match self.seen.get(&h) {
            Some(&k) if self.ids[k] == id => {
                self.seen.insert(h, here);
                Some(k)
            }
            Some(_) => self.collided.insert(id.to_string(), here),
            None => {
                self.seen.insert(h, here);
                None
            }
        };
        if earlier.is_some_and(|k| k >= self.side_start) {
            return Err(Error::DuplicateId { id: id.to_string(), record });
        }
        self.ids.push(id.to_string());
        Ok(())
    }

    /// Ends the left input: records pushed after this are the right input, and only pairs
    /// across the two are compared. Ids need only be unique within each input.
    pub fn start_right(&mut self) {
        self.n_left = Some(self.ids.len());
        self.side_start = self.ids.len();
    }

    /// The prepared records.
    pub fn finish(self) -> Result<Records, Error> {
        let n = self.ids.len();
        if n == 0 {
            return Err(Error::Empty(""));
        }
        if let Some(l) = self.n_left {
            if l == 0 {
                return Err(Error::Empty(": the left input is empty"));
            }
            if l == n {
                return Err(Error::Empty(": the right input is empty"));
            }
        }
        Ok(Records {
            ids: self.ids,
            columns: self
                .columns
                .into_iter()
                .map(|b| Column::new(b.name, b.kind, b.values, b.counts, b.codes))
                .collect(),
            n_left: self.n_left.unwrap_or(n),
            link: self.n_left.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockingRule, Comparison, Error};

    fn spec() -> LinkSpec {
        LinkSpec::new(
            vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
            vec![BlockingRule::on(&["dob"])],
        )
    }

    #[test]
    fn batch_equals_one_by_one() {
        let rows: Vec<(&str, Vec<Option<&str>>)> = vec![
            ("a", vec![Some("Anna"), Some("1990-01-01")]),
            ("b", vec![Some("ANNA "), None]),
            ("c", vec![None, Some("01-01-1990")]),
            ("d", vec![Some("Piet"), Some("x")]),
        ];
        let mut one = RecordsBuilder::new(&spec());
        for (id, v) in &rows {
            one.push(id, v).unwrap();
        }
        let mut batch = RecordsBuilder::new(&spec());
        batch.push_batch(&rows).unwrap();
        let (one, batch) = (one.finish().unwrap(), batch.finish().unwrap());
        assert_eq!(one.ids, batch.ids);
        for (x, y) in one.columns.iter().zip(&batch.columns) {
            assert_eq!(x.codes, y.codes);
            assert_eq!(x.counts, y.counts);
            assert_eq!(x.values, y.values);
        }
        assert_eq!(one.columns[0].codes, vec![0, 0, NULL, 1]);
        assert_eq!(one.columns[1].codes, vec![0, NULL, 0, NULL]);
    }

    #[test]
    fn duplicate_ids_within_a_side_only() {
        let mut b = RecordsBuilder::new(&spec());
        let rows: Vec<(&str, Vec<Option<&str>>)> =
            vec![("a", vec![None, None]), ("b", vec![None, None]), ("a", vec![None, None])];
        match b.push_batch(&rows) {
            Err((2, Error::DuplicateId { id, record: 3 })) => assert_eq!(id, "a"),
            other => panic!("{other:?}"),
        }
        let mut b = RecordsBuilder::new(&spec());
        b.push("a", &[None, None]).unwrap();
        b.start_right();
        b.push("a", &[None, None]).unwrap();
        assert!(matches!(b.push("a", &[None, None]), Err(Error::DuplicateId { record: 2, .. })));
        assert!(matches!(b.push("z", &[None]), Err(Error::Arity { got: 1, expected: 2, .. })));
    }
}
