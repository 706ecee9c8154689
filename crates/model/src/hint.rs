//! "Did you mean": the one place that turns a value a file got nearly right into a suggestion for its
//! message — column names, codes, dates, countries, municipalities, decimals. A hint only ever goes into
//! an error message; nothing is converted silently, so a guess can never change what the register holds.
//!
//! Hints name the value that was meant (a code, a column, a date in ISO form), never the value given,
//! except where that value is itself a code or a place (a municipality or country name): a name or birth
//! date typed into the wrong column must not reach a log through a hint.

use std::sync::OnceLock;

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The most edits a value of `len` characters may be from what it meant: one for short values (so `ma`
/// is not taken for `nl`), two up to eight characters, three beyond.
fn max_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// The candidate `value` most probably means: equal ignoring case, or the single nearest within
/// [`max_edits`] of it (a tie between two is no hint).
pub fn nearest<'a>(value: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let v = value.trim().to_lowercase();
    let mut best: Option<(&str, usize)> = None;
    let mut tied = false;
    for c in candidates {
        let d = edit_distance(&v, &c.to_lowercase());
        match best {
            Some((_, b)) if d > b => {}
            Some((_, b)) if d == b => tied = true,
            _ => {
                best = Some((c, d));
                tied = false;
            }
        }
    }
    let (c, d) = best?;
    (d == 0 || (!tied && d <= max_edits(v.chars().count()))).then_some(c)
}

/// Words organisations write for a code, Dutch and English, and the code they mean, by code list.
const CODE_SYNONYMS: &[(&str, &str, &str)] = &[
    ("sex", "m", "male"),
    ("sex", "man", "male"),
    ("sex", "v", "female"),
    ("sex", "f", "female"),
    ("sex", "vrouw", "female"),
    ("sex", "x", "other"),
    ("sex", "anders", "other"),
    ("sex", "onbekend", "unknown"),
    ("reporter_type", "politie", "police"),
    ("reporter_type", "kmar", "border_police"),
    ("reporter_type", "marechaussee", "border_police"),
    ("reporter_type", "koninklijke marechaussee", "border_police"),
    ("reporter_type", "nla", "labour_inspectorate"),
    ("reporter_type", "arbeidsinspectie", "labour_inspectorate"),
    ("reporter_type", "jeugdzorg", "youth_care"),
    ("reporter_type", "nidos", "guardianship"),
    ("reporter_type", "voogdij", "guardianship"),
    ("reporter_type", "gemeente", "municipality"),
    ("reporter_type", "ind", "immigration"),
    ("reporter_type", "opvang", "shelter"),
    ("reporter_type", "zorgcoördinator", "care_coordinator"),
    ("residence_status", "asielzoeker", "asylum_seeker"),
    ("residence_status", "ongedocumenteerd", "undocumented"),
    ("residence_status", "nederlander", "citizen"),
];

/// The code of `list` that `value` most probably means: a known synonym, or the nearest code.
pub fn code<'a>(list: &str, value: &str, codes: &[&'a str]) -> Option<&'a str> {
    let v = value.trim().to_lowercase();
    if let Some((_, _, c)) = CODE_SYNONYMS.iter().find(|(l, w, _)| *l == list && *w == v) {
        return codes.iter().copied().find(|k| k == c);
    }
    // `youth care`, `Youth-Care`: the code with its separator written otherwise.
    let folded = v.replace([' ', '-'], "_");
    if let Some(c) = codes.iter().copied().find(|k| *k == folded) {
        return Some(c);
    }
    nearest(&v, codes.iter().copied())
}

/// What a date that is not `YYYY-MM-DD` probably is, as the sentence to add to its message: day first
/// (`05-03-2024`, as Dutch software writes it), an Excel serial day number (`45356`), `20240305`, or
/// `2024/03/05`. The hint names the form, never the date: a birth date is an identifier.
pub fn date(s: &str) -> Option<&'static str> {
    let s = s.trim();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() == 3 && parts.iter().all(|p| digits(p)) {
        if parts[0].len() <= 2 && parts[1].len() <= 2 && parts[2].len() == 4 {
            return Some("it looks like day-month-year, write it as YYYY-MM-DD");
        }
        if parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2 {
            return Some("write it as YYYY-MM-DD, with two-digit month and day and `-` between");
        }
    }
    if s.len() == 8 && digits(s) && (s.starts_with("19") || s.starts_with("20")) {
        return Some("it looks like YYYYMMDD, write it as YYYY-MM-DD");
    }
    // Excel counts days from 1899-12-30: 25569 is 1970-01-01, 73050 is 2100-01-01.
    if (1..=5).contains(&s.len()) && digits(s) && s.parse::<u32>().is_ok_and(|n| (2..=73050).contains(&n)) {
        return Some("it looks like an Excel day number: format the column as a date (YYYY-MM-DD) before saving");
    }
    None
}

/// The sentence for a number written with a decimal comma (`1,5`, as Dutch Excel writes it).
pub fn decimal(s: &str) -> Option<String> {
    let t = s.trim();
    let (int, frac) = t.split_once(',')?;
    let int = int.strip_prefix('-').unwrap_or(int);
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (ok(int) && ok(frac)).then(|| format!("it has a decimal comma: write {}", t.replace(',', ".")))
}

/// A row of `data/iso_3166_1.tsv`.
struct CountryRow {
    alpha_2: &'static str,
    alpha_3: &'static str,
    name: &'static str,
    common_name: &'static str,
}

fn countries() -> &'static [CountryRow] {
    static ROWS: OnceLock<Vec<CountryRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        include_str!("../data/iso_3166_1.tsv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(CountryRow { alpha_2: f.next()?, alpha_3: f.next()?, name: f.next()?, common_name: f.next()? })
            })
            .collect()
    })
}

/// The ISO 3166-1 alpha-2 code of a country written as its alpha-3 code (`NGA`) or its English name
/// (`Nigeria`, `Netherlands`, also nearly right), from the ISO 3166 list in Debian's iso-codes.
pub fn country(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t.len() == 3
        && let Some(r) = countries().iter().find(|r| r.alpha_3.eq_ignore_ascii_case(t))
    {
        return Some(r.alpha_2);
    }
    if t.chars().count() < 4 {
        return None;
    }
    let key = fold(t);
    let named = |r: &CountryRow| [r.name, r.common_name].into_iter().filter(|n| !n.is_empty());
    if let Some(r) = countries().iter().find(|r| named(r).any(|n| fold(n) == key)) {
        return Some(r.alpha_2);
    }
    let all = countries().iter().flat_map(|r| named(r).map(move |n| (fold(n), r.alpha_2))).collect::<Vec<_>>();
    let near = nearest(&key, all.iter().map(|(n, _)| n.as_str()))?;
    all.iter().find(|(n, _)| n == near).map(|(_, c)| *c)
}

/// A name as compared: lower case, without accents, without anything but letters and digits
/// (`'s-Hertogenbosch` and `S Hertogenbosch`, `Súdwest-Fryslân` and `Sudwest Fryslan` are one).
fn fold(s: &str) -> String {
    deunicode::deunicode(s).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// A municipality of the CBS list shipped with zicht (`data/cbs_municipalities.tsv`: the 342 of
/// 1 January 2023 and the 14 that ended in the reorganisations of 2022–2023, with their successors;
/// built by `scripts/reference/cbs_municipalities.py` from CBS's "Gemeenten alfabetisch" 2021 and
/// 2023).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Municipality {
    pub code: &'static str,
    pub name: &'static str,
    /// The last year an ended municipality's code was in use.
    pub valid_until: Option<u16>,
    /// The code of the municipality an ended one became part of.
    pub successor: Option<&'static str>,
}

/// Every municipality of the shipped list, current ones first.
pub fn municipalities() -> &'static [Municipality] {
    static ROWS: OnceLock<Vec<Municipality>> = OnceLock::new();
    ROWS.get_or_init(|| {
        include_str!("../data/cbs_municipalities.tsv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split('\t');
                let (code, name) = (f.next()?, f.next()?);
                let valid_until = f.next().and_then(|y| y.parse().ok());
                let successor = f.next().filter(|s| !s.is_empty());
                Some(Municipality { code, name, valid_until, successor })
            })
            .collect()
    })
}

/// Names people write for a municipality that are not its CBS name.
const MUNICIPALITY_ALIASES: &[(&str, &str)] =
    &[("denhaag", "GM0518"), ("thehague", "GM0518"), ("denbosch", "GM0796"), ("nuenen", "GM0820")];

/// The municipalities a name (or a nearly right one) means: one, or several where names are shared
/// (`Bergen`: Bergen (L.) and Bergen (NH.)).
pub fn municipality(s: &str) -> Vec<&'static Municipality> {
    let key = fold(s);
    if key.len() < 2 {
        return Vec::new();
    }
    let all = municipalities();
    let by_code = |code: &str| all.iter().filter(|m| m.code == code).collect::<Vec<_>>();
    if let Some((_, code)) = MUNICIPALITY_ALIASES.iter().find(|(a, _)| *a == key) {
        return by_code(code);
    }
    let exact: Vec<_> = all.iter().filter(|m| fold(m.name) == key).collect();
    if !exact.is_empty() {
        return exact;
    }
    // `Bergen` for `Bergen (NH.)`: the name without its province.
    let bare = |m: &Municipality| fold(m.name.split(" (").next().unwrap_or(m.name));
    let shared: Vec<_> = all.iter().filter(|m| bare(m) == key).collect();
    if !shared.is_empty() {
        return shared;
    }
    let names: Vec<String> = all.iter().map(|m| fold(m.name)).collect();
    match nearest(&key, names.iter().map(String::as_str)) {
        Some(n) => all.iter().filter(|m| fold(m.name) == n).collect(),
        None => Vec::new(),
    }
}

/// The sentence for a municipality written by name: its CBS code, or the codes of all it may mean.
pub fn municipality_code(s: &str) -> Option<String> {
    // `363`, `0363`, `gm363`: the CBS number without its `GM` or its leading zeros.
    let t = s.trim();
    let number = t.strip_prefix("GM").or_else(|| t.strip_prefix("gm")).unwrap_or(t);
    if (1..=4).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit()) {
        let code = format!("GM{number:0>4}");
        let name = municipalities().iter().find(|m| m.code == code).map(|m| format!(" ({})", m.name));
        return Some(format!("write it as {code}{}", name.unwrap_or_default()));
    }
    let found = municipality(s);
    let say = |m: &Municipality| match (m.valid_until, m.successor) {
        (Some(y), Some(next)) => {
            let now = municipalities().iter().find(|n| n.code == next).map_or(next, |n| n.name);
            format!("{} ({}, until {y}; since then part of {now}, {next})", m.code, m.name)
        }
        _ => format!("{} ({})", m.code, m.name),
    };
    match found.as_slice() {
        [] => None,
        [m] => Some(format!("write its CBS code: {}", say(m))),
        many => {
            Some(format!("write its CBS code: one of {}", many.iter().map(|m| say(m)).collect::<Vec<_>>().join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_takes_a_unique_close_candidate_only() {
        let codes = ["female", "male", "other", "unknown"];
        assert_eq!(nearest("femal", codes), Some("female"));
        assert_eq!(nearest("MALE", codes), Some("male"));
        assert_eq!(nearest("Jan Jansen", codes), None);
        assert_eq!(nearest("xx", ["nl", "ma"]), None);
    }

    #[test]
    fn codes_by_synonym_spelling_and_typo() {
        let codes = ["police", "border_police", "youth_care"];
        assert_eq!(code("reporter_type", "Politie", &codes), Some("police"));
        assert_eq!(code("reporter_type", "youth care", &codes), Some("youth_care"));
        assert_eq!(code("reporter_type", "polise", &codes), Some("police"));
        assert_eq!(code("sex", "V", &["female", "male"]), Some("female"));
    }

    #[test]
    fn dates_as_organisations_write_them() {
        assert!(date("05-03-2024").unwrap().contains("day-month-year"));
        assert!(date("2024/3/5").unwrap().contains("two-digit"));
        assert!(date("20240305").unwrap().contains("YYYYMMDD"));
        assert!(date("45356").unwrap().contains("Excel day number"));
        assert_eq!(date("yesterday"), None);
        assert_eq!(date("1"), None);
    }

    #[test]
    fn decimal_commas() {
        assert_eq!(decimal("1,5").unwrap(), "it has a decimal comma: write 1.5");
        assert_eq!(decimal("-0,25").unwrap(), "it has a decimal comma: write -0.25");
        assert_eq!(decimal("1,5,6"), None);
        assert_eq!(decimal("1.5"), None);
    }

    #[test]
    fn countries_by_alpha_3_and_name() {
        assert_eq!(country("NGA"), Some("NG"));
        assert_eq!(country("nld"), Some("NL"));
        assert_eq!(country("Nigeria"), Some("NG"));
        assert_eq!(country("the Netherlands"), Some("NL"));
        assert_eq!(country("Netherlands"), Some("NL"));
        assert_eq!(country("Netherlans"), Some("NL"));
        assert_eq!(country("South Korea"), Some("KR"));
        assert_eq!(country("XYZ"), None);
    }

    #[test]
    fn the_shipped_list_is_cbs_2023_and_its_predecessors() {
        let all = municipalities();
        assert_eq!(all.iter().filter(|m| m.valid_until.is_none()).count(), 342);
        assert_eq!(all.len(), 356);
        for m in all {
            assert!(m.code.len() == 6 && m.code.starts_with("GM"), "{m:?}");
            if let Some(next) = m.successor {
                assert!(all.iter().any(|n| n.code == next && n.valid_until.is_none()), "{m:?}");
            }
        }
    }

    #[test]
    fn municipality_names_to_codes() {
        assert_eq!(municipality_code("Amsterdam").unwrap(), "write its CBS code: GM0363 (Amsterdam)");
        assert_eq!(municipality_code("den haag").unwrap(), "write its CBS code: GM0518 ('s-Gravenhage)");
        assert_eq!(municipality_code("Sudwest Fryslan").unwrap(), "write its CBS code: GM1900 (Súdwest-Fryslân)");
        let weesp = municipality_code("Weesp").unwrap();
        assert!(weesp.contains("GM0457 (Weesp, until 2022; since then part of Amsterdam, GM0363)"), "{weesp}");
        let bergen = municipality_code("Bergen").unwrap();
        assert!(bergen.contains("GM0893") && bergen.contains("GM0373"), "{bergen}");
        assert_eq!(municipality_code("Rotterdm").unwrap(), "write its CBS code: GM0599 (Rotterdam)");
        assert_eq!(municipality_code("Xq"), None);
        assert_eq!(municipality_code("363").unwrap(), "write it as GM0363 (Amsterdam)");
        assert_eq!(municipality_code("GM14").unwrap(), "write it as GM0014 (Groningen)");
    }
}
