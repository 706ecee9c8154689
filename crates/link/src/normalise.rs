//! Normalisation of field values before comparison and blocking.
//!
//! Every value is folded to plain lower-case ASCII so that comparators can work on bytes:
//! Unicode NFKD decomposition, combining marks dropped (é → e), then transliteration of what is
//! left (Ł → L, ß → ss, Cyrillic and Greek to Latin) with `deunicode`, then case folding and
//! whitespace collapsing. Names additionally lose particles (van, de, von, …) and have their
//! tokens put in a canonical order, so that "de Vries, Anna" and "Anna de Vries" normalise alike.
//! Dates are parsed from the common layouts into a calendar date; a value that is not a valid
//! date is kept as its digits so that a typo in a date still compares by edit distance
//! (Christen 2012, *Data Matching*, ch. 4).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` to lower-case ASCII letters, digits and single spaces; `None` when nothing is left.
pub fn text(s: &str) -> Option<String> {
    if s.is_ascii() {
        return fold_ascii(s);
    }
    let decomposed: String = s.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    fold_ascii(&deunicode::deunicode(&decomposed))
}

/// Case folding and whitespace/punctuation handling of [`text`] on ASCII input.
fn fold_ascii(ascii: &str) -> Option<String> {
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c.to_ascii_lowercase());
        } else if c.is_whitespace() || matches!(c, '-' | '_' | '.' | ',' | '/' | ';' | ':') {
            pending_space = true;
        }
        // Other punctuation (apostrophes, quotes, brackets) is dropped without a break, so that
        // O'Brien → obrien.
    }
    if out.is_empty() { None } else { Some(out) }
}

/// Name particles that are left out of a normalised name: Dutch, German, French, Italian,
/// Spanish, Portuguese, Arabic.
const PARTICLES: &[&str] = &[
    "van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "t", "von", "zu", "vom", "zum", "le", "la",
    "les", "du", "des", "di", "da", "dos", "das", "del", "della", "y", "al", "el", "bin", "ibn", "bint", "abu",
];

/// Normalises a personal name: [`text`], then particles dropped and tokens sorted, so name
/// order ("Vries, Anna de" / "Anna de Vries") does not matter. A name made only of particles
/// keeps them.
pub fn name(s: &str) -> Option<String> {
    let t = text(s)?;
    let mut tokens: Vec<&str> = t.split(' ').filter(|w| !PARTICLES.contains(w)).collect();
    if tokens.is_empty() {
        return Some(t);
    }
    tokens.sort_unstable();
    Some(tokens.join(" "))
}

/// Normalises a postcode: upper-case letters and digits only ("1012 ab" → "1012AB").
pub fn postcode(s: &str) -> Option<String> {
    let t: String = text(s)?.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if t.is_empty() { None } else { Some(t) }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ymd {
    /// Year.
    pub y: i32,
    /// Month 1–12.
    pub m: u32,
    /// Day 1–31.
    pub d: u32,
}

impl Ymd {
    /// Builds a date if it exists in the proleptic Gregorian calendar.
    pub fn new(y: i32, m: u32, d: u32) -> Option<Self> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Self { y, m, d })
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days(self) -> i64 {
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The canonical `YYYYMMDD` text.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.y, self.m, self.d)
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// A normalised date value: the parsed date when valid, and always its digit string
/// (`YYYYMMDD` when parsed) for edit-distance comparison of typos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateValue {
    /// The date, when the text is a valid date.
    pub ymd: Option<Ymd>,
    /// Canonical text: `YYYYMMDD` when parsed, else the digits of the input.
    pub text: String,
}

/// Parses a date in `YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD`, `DD-MM-YYYY`, `DD/MM/YYYY` or
/// `DD.MM.YYYY` layout (day-first, the European convention, for the ambiguous ones).
/// Returns `None` when the value holds no digits.
pub fn date(s: &str) -> Option<DateValue> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).collect();
    let digits: String = parts.concat();
    if digits.is_empty() {
        return None;
    }
    let num = |p: &str| p.parse::<u32>().ok();
    let ymd = match parts.as_slice() {
        [one] if one.len() == 8 => {
            let y = one[0..4].parse::<i32>().ok();
            match (y, num(&one[4..6]), num(&one[6..8])) {
                (Some(y), Some(m), Some(d)) => Ymd::new(y, m, d),
                _ => None,
            }
        }
        [a, b, c] if a.len() == 4 => match (a.parse::<i32>().ok(), num(b), num(c)) {
            (Some(y), Some(m), Some(d)) => Ymd::new(y, m, d),
            _ => None,
        },
        [a, b, c] if c.len() == 4 => match (c.parse::<i32>().ok(), num(b), num(a)) {
            (Some(y), Some(m), Some(d)) => Ymd::new(y, m, d),
            _ => None,
        },
        _ => None,
    };
    Some(DateValue { text: ymd.map_or(digits, Ymd::compact), ymd })
}

/// Parses a number after removing spaces and thousands separators; `,` as decimal comma
/// when there is no `.`.
pub fn number(s: &str) -> Option<f64> {
    let t: String = s.trim().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    let t = if t.contains('.') { t.replace(',', "") } else { t.replace(',', ".") };
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strips_marks_and_transliterates() {
        assert_eq!(text("  Łukasz   Żółć ").as_deref(), Some("lukasz zolc"));
        assert_eq!(text("Straße").as_deref(), Some("strasse"));
        assert_eq!(text("O'Brien").as_deref(), Some("obrien"));
        assert_eq!(text("Jean-Luc").as_deref(), Some("jean luc"));
        assert_eq!(text("Ｆｕｌｌ"), Some("full".to_string()));
        assert_eq!(text(" -- "), None);
    }

    #[test]
    fn name_drops_particles_and_order() {
        assert_eq!(name("Anna de Vries"), name("de Vries, Anna"));
        assert_eq!(name("Ludwig van Beethoven").as_deref(), Some("beethoven ludwig"));
        assert_eq!(name("van").as_deref(), Some("van"));
        assert_eq!(name("Müller"), name("MULLER"));
    }

    #[test]
    fn dates_parse_in_common_layouts() {
        let d = Ymd::new(1956, 4, 9).unwrap();
        for s in ["19560409", "1956-04-09", "09-04-1956", "9/4/1956", "09.04.1956"] {
            assert_eq!(date(s).unwrap().ymd, Some(d), "{s}");
        }
        let bad = date("19560490").unwrap();
        assert_eq!(bad.ymd, None);
        assert_eq!(bad.text, "19560490");
        assert_eq!(date("n/a"), None);
        assert_eq!(Ymd::new(1970, 1, 1).unwrap().days(), 0);
        assert_eq!(Ymd::new(2000, 3, 1).unwrap().days(), 11_017);
        assert_eq!(Ymd::new(2001, 2, 29), None);
        assert!(Ymd::new(2000, 2, 29).is_some());
    }

    #[test]
    fn postcodes_and_numbers() {
        assert_eq!(postcode("1012 ab").as_deref(), Some("1012AB"));
        assert_eq!(number(" 1,5 "), Some(1.5));
        assert_eq!(number("1,234.5"), Some(1234.5));
        assert_eq!(number("abc"), None);
    }
}
