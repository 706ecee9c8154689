//! Records in: `(id, field values)`, normalised and interned per column as they arrive.
//!
//! Each column keeps a dictionary of distinct normalised values with their frequencies (for
//! term-frequency adjustment) and one `u32` code per record, so exact agreement is a code
//! comparison and memory grows with distinct values, not with raw text.

use rayon::prelude::*;

use crate::hash::FastMap;

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
    fn new(
        name: String,
        kind: FieldKind,
        values: Vec<Value>,
        counts: Vec<u32>,
        codes: Vec<u32>,
    ) -> Self {
        let mut arena = Vec::with_capacity(values.iter().map(|v| v.text.len()).sum());
        let mut offsets = Vec::with_capacity(values.len() + 1);
        offsets.push(0);
        for v in &values {
            arena.extend_from_slice(v.text.as_bytes());
            offsets.push(arena.len() as u32);
        }
        let ymd = if kind == FieldKind::Date {
            values.iter().map(|v| v.ymd).collect()
        } else {
            Vec::new()
        };
        let num = if kind == FieldKind::Numeric {
            values.iter().map(|v| v.num).collect()
        } else {
            Vec::new()
        };
        Self {
            name,
            kind,
            values,
            counts,
            codes,
            arena,
            offsets,
            ymd,
            num,
        }
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

/// Builds [`Records`] one record at a time.
#[derive(Debug)]
pub struct RecordsBuilder {
    columns: Vec<Builder>,
    ids: Vec<String>,
    seen: FastMap<String, usize>,
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
                let kind = spec
                    .comparisons
                    .iter()
                    .find(|c| c.column == name)
                    .map_or(FieldKind::Text, |c| c.kind);
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
            n_left: None,
            side_start: 0,
        }
    }

    /// Adds a record. `values` follow [`LinkSpec::columns`]; `None` or blank is missing.
    pub fn push(&mut self, id: &str, values: &[Option<&str>]) -> Result<(), Error> {
        let normalised = self.normalise(values)?;
        self.insert(id, normalised)
    }

    /// Adds many records, normalising their values in parallel (rayon); interning stays in
    /// input order, so the result equals pushing them one by one. On error, returns the
    /// position of the offending row in `rows` with the error; rows before it were added.
    pub fn push_batch(&mut self, rows: &[(&str, Vec<Option<&str>>)]) -> Result<(), (usize, Error)> {
        let normalised: Vec<Result<Vec<Option<Value>>, Error>> = rows
            .par_iter()
            .map(|(_, values)| self.normalise(values))
            .collect();
        for (k, ((id, _), values)) in rows.iter().zip(normalised).enumerate() {
            let values = values.map_err(|e| (k, e))?;
            self.insert(id, values).map_err(|e| (k, e))?;
        }
        Ok(())
    }

    fn normalise(&self, values: &[Option<&str>]) -> Result<Vec<Option<Value>>, Error> {
        if values.len() != self.columns.len() {
            return Err(Error::Arity {
                record: self.ids.len() - self.side_start + 1,
                got: values.len(),
                expected: self.columns.len(),
            });
        }
        Ok(self
            .columns
            .iter()
            .zip(values)
            .map(|(col, raw)| raw.and_then(|r| col.kind.normalise(r)))
            .collect())
    }

    fn insert(&mut self, id: &str, values: Vec<Option<Value>>) -> Result<(), Error> {
        let record = self.ids.len() - self.side_start + 1;
        if let Some(&first) = self.seen.get(id)
            && first >= self.side_start
        {
            return Err(Error::DuplicateId {
                id: id.to_string(),
                record,
            });
        }
        self.seen.insert(id.to_string(), self.ids.len());
        self.ids.push(id.to_string());
        for (col, value) in self.columns.iter_mut().zip(values) {
            let code = match value {
                None => NULL,
                Some(v) => match col.index.get(&v.text) {
                    Some(&c) => {
                        col.counts[c as usize] += 1;
                        c
                    }
                    None => {
                        let c = col.values.len() as u32;
                        col.index.insert(v.text.clone(), c);
                        col.values.push(v);
                        col.counts.push(1);
                        c
                    }
                },
            };
            col.codes.push(code);
        }
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
