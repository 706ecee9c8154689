//! Comparisons: each field kind maps a pair of normalised values to a discrete comparison
//! level, ordered from the strongest agreement (level 0, exact) to disagreement (the last level).
//! A pair where either value is missing gets [`NULL_LEVEL`], which the model treats as neutral
//! (Bayes factor 1), as in Fellegi & Sunter (1969) with missing values and in Splink; so does a
//! pair of dates where one is not a valid date and they are more than one edit apart.
//!
//! The levels per kind follow Splink's library comparisons (`NameComparison`, `DateComparison`,
//! …) so that a benchmark against Splink compares like with like. Names add one level and one
//! measure for names of several tokens, which registers record incompletely: a second given name
//! or a particle is often dropped, so one name's tokens all appearing in the other is its own level
//! (as Splink's array-intersection comparisons do), and the similarity of two multi-token names is
//! the larger of Jaro–Winkler on the whole (token-sorted) name and the Monge–Elkan mean of each
//! token's best Jaro–Winkler match (Monge & Elkan 1996), so that a typo that changes the token
//! order does not look like a different name. On single-token names both reduce to Jaro–Winkler.
//!
//! | kind | levels |
//! | --- | --- |
//! | `name` | exact · one name's tokens all in the other · name similarity ≥ 0.92 · ≥ 0.88 · ≥ 0.70 · else |
//! | `text` | exact · Levenshtein ≤ 1 · ≤ 2 · Jaro–Winkler ≥ 0.88 · else |
//! | `date` | exact · day and month swapped · one character edit · a bare year (or the 1 January placeholder) agrees with the other's year · same year · within a year (365 days, or adjacent years for a bare birth year) · else |
//! | `postcode` | exact · one character edit · same first three characters · else |
//! | `numeric` | exact · within 1 % · within 10 % · else |
//! | `days` | within 31 days · within 92 days · within 366 days · else (null unless both are full dates) |
//! | `exact` | exact · else |

use serde::{Deserialize, Serialize};

use crate::normalise::{self, Ymd};

/// The level of a pair where either value is missing: neutral in the model.
pub const NULL_LEVEL: u8 = u8::MAX;

/// How a field is normalised and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Personal names: particles dropped, token order ignored, Jaro–Winkler levels.
    Name,
    /// Dates: exact, swapped day/month, a typo, within a year.
    Date,
    /// Exact agreement only (sex, codes).
    Exact,
    /// Free text and identifiers with typos: Levenshtein then Jaro–Winkler levels.
    Text,
    /// Postcodes: exact, one edit, same district prefix.
    Postcode,
    /// Numbers: relative difference bands.
    Numeric,
    /// Dates of events (not of birth) compared by how many days lie between them: two reports of
    /// one episode of exploitation, made by organisations that refer victims to each other, are
    /// weeks apart, two people's reports usually years apart. Null unless both are full dates.
    Days,
}

impl FieldKind {
    /// All kinds, for help texts.
    pub const ALL: [FieldKind; 7] = [
        FieldKind::Name,
        FieldKind::Date,
        FieldKind::Exact,
        FieldKind::Text,
        FieldKind::Postcode,
        FieldKind::Numeric,
        FieldKind::Days,
    ];

    /// Parses the lower-case kind name used on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "name" => Self::Name,
            "date" => Self::Date,
            "exact" => Self::Exact,
            "text" => Self::Text,
            "postcode" => Self::Postcode,
            "numeric" => Self::Numeric,
            "days" => Self::Days,
            _ => return None,
        })
    }

    /// The lower-case name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Date => "date",
            Self::Exact => "exact",
            Self::Text => "text",
            Self::Postcode => "postcode",
            Self::Numeric => "numeric",
            Self::Days => "days",
        }
    }

    /// Labels of the comparison levels, strongest first; the last is "else".
    pub fn level_labels(self) -> &'static [&'static str] {
        match self {
            Self::Name => {
                &["exact", "tokens contained", "similarity >= 0.92", "similarity >= 0.88", "similarity >= 0.70", "else"]
            }
            Self::Text => &["exact", "levenshtein <= 1", "levenshtein <= 2", "jaro-winkler >= 0.88", "else"],
            Self::Date => {
                &["exact", "day-month swapped", "one edit", "year of a bare year", "same year", "within a year", "else"]
            }
            Self::Postcode => &["exact", "one edit", "same first 3 characters", "else"],
            Self::Numeric => &["exact", "within 1%", "within 10%", "else"],
            Self::Exact => &["exact", "else"],
            Self::Days => &["within 31 days", "within 92 days", "within 366 days", "else"],
        }
    }

    /// Number of non-null levels.
    pub fn n_levels(self) -> usize {
        self.level_labels().len()
    }

    /// Whether the exact level gets a term-frequency adjustment by default: for fields whose
    /// values are skewed (common and rare names), agreement on a rare value is stronger
    /// evidence (Winkler 1989; Splink's `term_frequency_adjustments`).
    pub fn tf_default(self) -> bool {
        matches!(self, Self::Name | Self::Postcode | Self::Text)
    }

    /// Normalises a raw value for this kind; `None` for a missing value.
    pub fn normalise(self, raw: &str) -> Option<Value> {
        match self {
            Self::Name => normalise::name(raw).map(Value::text),
            Self::Text | Self::Exact => normalise::text(raw).map(Value::text),
            Self::Postcode => normalise::postcode(raw).map(Value::text),
            Self::Date => {
                normalise::date(raw).map(|d| Value { days: d.ymd.map(Ymd::days), ymd: d.ymd, num: None, text: d.text })
            }
            // Only full dates have a distance; anything else is missing (Splink's
            // `invalid_dates_as_null`), also when two such texts are equal.
            Self::Days => normalise::date(raw).and_then(|d| {
                d.ymd.map(|ymd| Value { days: Some(ymd.days()), ymd: Some(ymd), num: None, text: d.text })
            }),
            Self::Numeric => {
                let t = normalise::text(raw)?;
                Some(Value { num: normalise::number(raw), ..Value::text(t) })
            }
        }
    }

    /// The comparison level of two normalised values (0 = exact, last = else), or
    /// [`NULL_LEVEL`] for an invalid date far from the other.
    pub fn level(self, a: &Value, b: &Value) -> u8 {
        if a.text == b.text {
            return 0;
        }
        self.level_of_different(a.view(), b.view())
    }

    /// [`FieldKind::level`] for values already known to differ (interned codes differ).
    #[inline]
    pub fn level_of_different(self, a: ValueView<'_>, b: ValueView<'_>) -> u8 {
        let (x, y) = (a.text, b.text);
        match self {
            Self::Exact => 1,
            Self::Name => {
                if tokens_contained(x, y) {
                    return 1;
                }
                let sim = name_similarity(x, y);
                if sim >= 0.92 {
                    2
                } else if sim >= 0.88 {
                    3
                } else if sim >= 0.70 {
                    4
                } else {
                    5
                }
            }
            Self::Text => match levenshtein_at_most(x, y, 2) {
                Some(1) => 1,
                Some(_) => 2,
                None if jaro_winkler_at_least(x, y, 0.88) >= 0.88 => 3,
                None => 4,
            },
            Self::Date => match (a.ymd, b.ymd) {
                (Some(p), Some(q)) if p.y == q.y && p.m == q.d && p.d == q.m => 1,
                _ if levenshtein_at_most(x, y, 1).is_some() => 2,
                _ => match (year_of(&a), year_of(&b)) {
                    // A register that holds only a birth year agrees with a full date as far
                    // as it can: stronger evidence than two full dates sharing only the year.
                    // 1 January is the usual placeholder for an unknown day and month, so it
                    // counts as a bare year here.
                    (Some(ya), Some(yb)) if ya == yb && (year_only(&a) || year_only(&b)) => 3,
                    (Some(ya), Some(yb)) if ya == yb => 4,
                    _ => match (a.ymd, b.ymd) {
                        (Some(p), Some(q)) if (p.days() - q.days()).abs() <= 365 => 5,
                        (Some(_), Some(_)) => 6,
                        // A birth year alone against a year or a date.
                        _ => match (year_of(&a), year_of(&b)) {
                            (Some(ya), Some(yb)) if (ya - yb).abs() <= 1 => 5,
                            (Some(_), Some(_)) => 6,
                            // An invalid date more than one edit away says nothing reliable:
                            // treat it as missing (Splink's `invalid_dates_as_null`).
                            _ => NULL_LEVEL,
                        },
                    },
                },
            },
            Self::Postcode => {
                if levenshtein_at_most(x, y, 1).is_some() {
                    1
                } else if x.len() >= 3 && y.len() >= 3 && x[..3] == y[..3] {
                    2
                } else {
                    3
                }
            }
            Self::Numeric => match (a.num, b.num) {
                (Some(p), Some(q)) => {
                    let rel = relative_difference(p, q);
                    if rel == 0.0 {
                        0
                    } else if rel <= 0.01 {
                        1
                    } else if rel <= 0.10 {
                        2
                    } else {
                        3
                    }
                }
                _ => 3,
            },
            Self::Days => match (a.ymd, b.ymd) {
                (Some(p), Some(q)) => match (p.days() - q.days()).abs() {
                    0..=31 => 0,
                    32..=92 => 1,
                    93..=366 => 2,
                    _ => 3,
                },
                _ => NULL_LEVEL,
            },
        }
    }

    /// A similarity in [0, 1] derived from the level: 1 for exact, 0 for else, evenly spaced
    /// between; 0 for a pair treated as missing. Used for property tests and for reading
    /// explanations.
    pub fn similarity(self, a: &Value, b: &Value) -> f64 {
        let last = (self.n_levels() - 1) as f64;
        match self.level(a, b) {
            NULL_LEVEL => 0.0,
            l => 1.0 - f64::from(l) / last,
        }
    }
}

/// A normalised field value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// Normalised ASCII text (for dates `YYYYMMDD`).
    pub text: String,
    /// Parsed date, for date fields.
    pub ymd: Option<Ymd>,
    /// Days since 1970-01-01, for date fields.
    pub days: Option<i64>,
    /// Parsed number, for numeric fields.
    pub num: Option<f64>,
}

/// The year of a date value: of the parsed date, or of a bare four-digit year ("1990"), as
/// registers often hold only a birth year.
fn year_of(v: &ValueView<'_>) -> Option<i32> {
    match v.ymd {
        Some(d) => Some(d.y),
        None if v.text.len() == 4 && v.text.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(v.text).ok()?.parse().ok()
        }
        None => None,
    }
}

/// Whether a date value says no more than its year: a bare year, or 1 January, the placeholder
/// registers write when only the year is known (an exact 1 January on both sides is level 0).
fn year_only(v: &ValueView<'_>) -> bool {
    v.ymd.is_none_or(|d| d.m == 1 && d.d == 1)
}

/// A borrowed view of a value: what comparisons read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueView<'a> {
    /// Normalised text bytes.
    pub text: &'a [u8],
    /// Parsed date, for date fields.
    pub ymd: Option<Ymd>,
    /// Parsed number, for numeric fields.
    pub num: Option<f64>,
}

impl Value {
    /// The view comparisons read.
    pub fn view(&self) -> ValueView<'_> {
        ValueView { text: self.text.as_bytes(), ymd: self.ymd, num: self.num }
    }

    /// A plain text value.
    pub fn text(text: String) -> Self {
        Self { text, ymd: None, days: None, num: None }
    }
}

/// Jaro–Winkler similarity (Jaro 1989; Winkler 1990: prefix scale 0.1, prefix up to 4
/// characters, boost only above 0.7), in [0, 1].
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.len() > 64 || b.len() > 64 {
        return rapidfuzz::distance::jaro_winkler::similarity(a.iter().copied(), b.iter().copied());
    }
    let jaro = jaro_short(a, b);
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Bucket of a byte for the position masks of [`jaro_short`]: lower-case letters, digits and
/// space get their own bucket, everything else shares bucket 63 (checked byte by byte).
const BUCKET: [u8; 256] = {
    let mut t = [63u8; 256];
    let mut c = 0;
    while c < 26 {
        t[b'a' as usize + c] = c as u8;
        t[b'A' as usize + c] = 37 + c as u8;
        c += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 26 + d as u8;
        d += 1;
    }
    t[b' ' as usize] = 36;
    t
};

/// Jaro similarity of byte strings of at most 64 bytes. Each byte of `a` takes the first
/// unmatched equal byte of `b` within the match window (Jaro 1989); the search is a mask
/// operation on the positions of that byte in `b`.
fn jaro_short(a: &[u8], b: &[u8]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut positions = [0u64; 64];
    for (j, &c) in b.iter().enumerate() {
        positions[BUCKET[c as usize] as usize] |= 1 << j;
    }
    let (mut used_a, mut used_b) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        if lo >= hi {
            continue;
        }
        let width = hi - lo;
        let in_window = if width >= 64 { u64::MAX } else { ((1u64 << width) - 1) << lo };
        let mut candidates = positions[BUCKET[c as usize] as usize] & !used_b & in_window;
        while candidates != 0 {
            let j = candidates.trailing_zeros() as usize;
            if b[j] == c {
                used_b |= 1 << j;
                used_a |= 1 << i;
                matches += 1;
                break;
            }
            candidates &= candidates - 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Transpositions: matched characters of a and b taken in order, half the disagreements.
    let mut half_t = 0usize;
    let (mut ma, mut mb) = (used_a, used_b);
    while ma != 0 {
        let i = ma.trailing_zeros() as usize;
        let j = mb.trailing_zeros() as usize;
        if a[i] != b[j] {
            half_t += 1;
        }
        ma &= ma - 1;
        mb &= mb - 1;
    }
    let m = matches as f64;
    let t = (half_t / 2) as f64;
    (m / la as f64 + m / lb as f64 + (m - t) / m) / 3.0
}

/// Number of spaces in a normalised name: its tokens less one.
fn spaces(name: &[u8]) -> usize {
    name.iter().filter(|&&c| c == b' ').count()
}

/// Whether every token of the name with fewer tokens occurs in the other (as a multiset), for
/// two different names: "anna jansen" in "anna maria jansen". Normalised names have their tokens
/// sorted ([`normalise::name`]), so one merge pass decides it without allocating.
pub fn tokens_contained(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = match spaces(a).cmp(&spaces(b)) {
        std::cmp::Ordering::Less => (a, b),
        std::cmp::Ordering::Greater => (b, a),
        std::cmp::Ordering::Equal => return false,
    };
    let mut long_tokens = long.split(|&c| c == b' ').peekable();
    for t in short.split(|&c| c == b' ') {
        while long_tokens.next_if(|u| *u < t).is_some() {}
        if long_tokens.next() != Some(t) {
            return false;
        }
    }
    true
}

/// The similarity of two personal names in [0, 1]: Jaro–Winkler on the whole normalised name,
/// or, when either has several tokens and it is larger, the Monge–Elkan similarity (Monge & Elkan
/// 1996): the mean over the tokens of the name with fewer tokens of their best Jaro–Winkler match
/// in the other (both directions averaged when the counts are equal), symmetric by construction.
/// A typo in the first letter of a token reorders the
/// token-sorted name ("birtt jansen" / "britt jasen") and ruins the whole-name score; the token
/// mean does not depend on order.
pub fn name_similarity(a: &[u8], b: &[u8]) -> f64 {
    let whole = jaro_winkler(a, b);
    if !a.contains(&b' ') && !b.contains(&b' ') {
        return whole;
    }
    let mean_best = |x: &[u8], y: &[u8]| {
        let total: f64 = x
            .split(|&c| c == b' ')
            .map(|t| y.split(|&c| c == b' ').map(|u| jaro_winkler(t, u)).fold(0.0, f64::max))
            .sum();
        total / (spaces(x) + 1) as f64
    };
    // The name with fewer tokens is matched into the other (a fuzzy version of the contained-tokens
    // level: "julia linedn" in "fleur julia linden"); equal counts average both directions.
    let monge_elkan = match spaces(a).cmp(&spaces(b)) {
        std::cmp::Ordering::Less => mean_best(a, b),
        std::cmp::Ordering::Greater => mean_best(b, a),
        std::cmp::Ordering::Equal => 0.5 * (mean_best(a, b) + mean_best(b, a)),
    };
    whole.max(monge_elkan)
}

/// Jaro–Winkler similarity when it is at least `cutoff`, else 0.
#[inline]
pub fn jaro_winkler_at_least(a: &[u8], b: &[u8], cutoff: f64) -> f64 {
    let jw = jaro_winkler(a, b);
    if jw >= cutoff { jw } else { 0.0 }
}

/// Levenshtein edit distance when it is at most `max`, else `None`.
///
/// Only the diagonal band of width `2·max + 1` of the Wagner–Fischer table is filled
/// (Ukkonen 1985), so a check for one or two edits costs O(max · n).
pub fn levenshtein_at_most(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Common prefix and suffix do not change the distance.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    let suf = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[..a.len() - suf], &b[..b.len() - suf]);
    if a.is_empty() || b.is_empty() {
        let d = a.len().max(b.len());
        return (d <= max).then_some(d);
    }
    if max == 1 {
        // After stripping the common ends, one edit remains only for a single substitution,
        // insertion or deletion.
        return (a.len() <= 1 && b.len() <= 1).then_some(1);
    }
    const BIG: usize = usize::MAX / 4;
    let (n, m) = (a.len(), b.len());
    // Two rows of the table; short strings (the usual case) stay on the stack.
    let mut stack = [[BIG; 65]; 2];
    let mut heap;
    let (prev, cur): (&mut [usize], &mut [usize]) = if m < 65 {
        let [p, c] = &mut stack;
        (&mut p[..m + 1], &mut c[..m + 1])
    } else {
        heap = vec![BIG; 2 * (m + 1)];
        let (p, c) = heap.split_at_mut(m + 1);
        (p, c)
    };
    let (mut prev, mut cur) = (prev, cur);
    for (j, p) in prev.iter_mut().enumerate().take(max.min(m) + 1) {
        *p = j;
    }
    for i in 1..=n {
        let lo = i.saturating_sub(max).max(1);
        let hi = (i + max).min(m);
        // Only cells next to the band are read: reset them instead of the whole row.
        cur[lo - 1] = if i <= max && lo == 1 { i } else { BIG };
        if hi < m {
            cur[hi + 1] = BIG;
        }
        let mut row_min = cur[lo - 1];
        for j in lo..=hi {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let del = prev[j] + 1;
            let ins = cur[j - 1] + 1;
            let v = sub.min(del).min(ins);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

/// Normalised Levenshtein similarity `1 - d / max(len)`, in [0, 1].
pub fn levenshtein_similarity(a: &[u8], b: &[u8]) -> f64 {
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let d = rapidfuzz::distance::levenshtein::distance(a.iter().copied(), b.iter().copied());
    1.0 - d as f64 / longest as f64
}

/// `|p - q| / max(|p|, |q|)`, 0 when both are 0.
fn relative_difference(p: f64, q: f64) -> f64 {
    let scale = p.abs().max(q.abs());
    if scale == 0.0 { 0.0 } else { (p - q).abs() / scale }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_levels_by_distance_and_null_without_full_dates() {
        let v = |s: &str| FieldKind::Days.normalise(s);
        let level = |a: &str, b: &str| FieldKind::Days.level(&v(a).unwrap(), &v(b).unwrap());
        assert_eq!(level("2020-01-01", "2020-01-01"), 0);
        assert_eq!(level("2020-01-01", "2020-02-01"), 0);
        assert_eq!(level("2020-01-01", "2020-02-02"), 1);
        assert_eq!(level("2020-01-01", "2020-04-02"), 1);
        assert_eq!(level("2020-01-01", "2020-04-03"), 2);
        assert_eq!(level("2021-01-01", "2020-01-01"), 2);
        assert_eq!(level("2021-01-02", "2020-01-01"), 3);
        assert_eq!(v("2020"), None);
        assert_eq!(v("not a date"), None);
    }

    use super::*;

    fn v(kind: FieldKind, s: &str) -> Value {
        kind.normalise(s).unwrap()
    }

    #[test]
    fn jaro_winkler_known_answers() {
        // Winkler (1990) / the stack notes: JW(MARTHA, MARHTA) = 0.9611.
        assert!((jaro_winkler(b"MARTHA", b"MARHTA") - 0.961_111).abs() < 1e-5);
        assert!((jaro_winkler(b"DWAYNE", b"DUANE") - 0.84).abs() < 1e-5);
        assert!((jaro_winkler(b"DIXON", b"DICKSONX") - 0.813_333).abs() < 1e-5);
    }

    #[test]
    fn levels_per_kind() {
        use FieldKind::*;
        assert_eq!(Name.level(&v(Name, "Martha"), &v(Name, "Marhta")), 2);
        assert_eq!(Name.level(&v(Name, "José"), &v(Name, "jose")), 0);
        assert_eq!(Name.level(&v(Name, "Anna"), &v(Name, "Zoe")), 5);
        // A dropped second given name or particle: one name's tokens all in the other.
        assert_eq!(Name.level(&v(Name, "Samira Willems"), &v(Name, "Samira Emma Willems")), 1);
        assert_eq!(Name.level(&v(Name, "Fleur Groot"), &v(Name, "Fleur de Groot")), 0);
        // A typo that reorders the sorted tokens still scores by tokens.
        assert_eq!(Name.level(&v(Name, "Birtt Jansen"), &v(Name, "Jasen Britt")), 2);
        // A shared given name alone does not make a close name.
        assert!(Name.level(&v(Name, "Anna Jansen"), &v(Name, "Anna Smit")) >= 4);
        assert!(!tokens_contained(b"anna jansen", b"anna smit"));
        // A dropped second given name and a typo: the shorter name matched into the longer.
        assert_eq!(Name.level(&v(Name, "Julia Linedn"), &v(Name, "Julia Fleur van der Linden")), 2);
        assert!(!tokens_contained(b"anna anna", b"anna jansen maria"));
        assert!(tokens_contained(b"anna anna", b"anna anna jansen"));
        assert_eq!(Date.level(&v(Date, "1990-03-04"), &v(Date, "04-03-1990")), 0);
        assert_eq!(Date.level(&v(Date, "1990-03-04"), &v(Date, "1990-04-03")), 1);
        assert_eq!(Date.level(&v(Date, "19900304"), &v(Date, "19900394")), 2);
        assert_eq!(Date.level(&v(Date, "1990-03-04"), &v(Date, "1990-11-28")), 4);
        assert_eq!(Date.level(&v(Date, "1990-03-04"), &v(Date, "1970-11-28")), 6);
        assert_eq!(Date.level(&v(Date, "1990-12-04"), &v(Date, "1991-02-28")), 5);
        // A bare birth year against a date or a year.
        assert_eq!(Date.level(&v(Date, "1990"), &v(Date, "1990-11-28")), 3);
        assert_eq!(Date.level(&v(Date, "1990-11-28"), &v(Date, "1990")), 3);
        // 1 January is a placeholder for an unknown day and month.
        assert_eq!(Date.level(&v(Date, "1990-01-01"), &v(Date, "1990-07-04")), 3);
        assert_eq!(Date.level(&v(Date, "1990-03-01"), &v(Date, "1990-07-04")), 4);
        assert_eq!(Date.level(&v(Date, "1990"), &v(Date, "1991-01-28")), 5);
        assert_eq!(Date.level(&v(Date, "1990"), &v(Date, "1985")), 6);
        assert_eq!(Date.level(&v(Date, "1990"), &v(Date, "1990")), 0);
        assert_eq!(Date.level(&v(Date, "1990"), &v(Date, "1991")), 2);
        // An invalid date far from the other is treated as missing.
        assert_eq!(Date.level(&v(Date, "19903399"), &v(Date, "1970-11-28")), NULL_LEVEL);
        assert_eq!(Text.level(&v(Text, "1804974"), &v(Text, "1804975")), 1);
        assert_eq!(Text.level(&v(Text, "1804974"), &v(Text, "1804957")), 2);
        assert_eq!(Postcode.level(&v(Postcode, "1012AB"), &v(Postcode, "1012 AC")), 1);
        assert_eq!(Postcode.level(&v(Postcode, "1012AB"), &v(Postcode, "1019XY")), 2);
        assert_eq!(Numeric.level(&v(Numeric, "100"), &v(Numeric, "100.5")), 1);
        assert_eq!(Numeric.level(&v(Numeric, "100"), &v(Numeric, "95")), 2);
        assert_eq!(Numeric.level(&v(Numeric, "100"), &v(Numeric, "50")), 3);
        assert_eq!(Exact.level(&v(Exact, "F"), &v(Exact, "f")), 0);
        assert_eq!(Exact.level(&v(Exact, "F"), &v(Exact, "M")), 1);
    }

    #[test]
    fn banded_levenshtein_agrees_with_full_distance() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "kitten", "sitting", "flaw", "lawn", "19560409", "19560490", "1956049",
            "aaaa", "aaab",
        ];
        for x in words {
            for y in words {
                let full = rapidfuzz::distance::levenshtein::distance(x.bytes(), y.bytes());
                for max in 0..4 {
                    let expected = (full <= max).then_some(full);
                    assert_eq!(levenshtein_at_most(x.as_bytes(), y.as_bytes(), max), expected, "{x} {y} {max}");
                }
            }
        }
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in FieldKind::ALL {
            assert_eq!(FieldKind::parse(k.as_str()), Some(k));
            assert!(k.n_levels() >= 2);
        }
        assert_eq!(FieldKind::parse("fuzzy"), None);
    }
}
