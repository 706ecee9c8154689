//! The monitor's texts in Dutch and English from one set of message files (`messages/*.txt`, one
//! `key = text` per line, `{name}` placeholders).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

/// The language of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    /// Parses `nl` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

const NL: &str = include_str!("../messages/nl.txt");
const EN: &str = include_str!("../messages/en.txt");

/// Parses a message file.
pub fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static NLT: OnceLock<HashMap<String, String>> = OnceLock::new();
    static ENT: OnceLock<HashMap<String, String>> = OnceLock::new();
    match lang {
        Lang::Nl => NLT.get_or_init(|| parse(NL)),
        Lang::En => ENT.get_or_init(|| parse(EN)),
    }
}

/// The text of `key`; an unknown key comes back as itself (tests check that none is missing).
pub fn t(lang: Lang, key: &str) -> String {
    table(lang).get(key).cloned().unwrap_or_else(|| key.to_string())
}

/// The text of `key` with `{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// Whether `text` is one of the language's messages as written (a label taken whole from the
/// release definition).
pub fn is_message(lang: Lang, text: &str) -> bool {
    static NLV: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    static ENV: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    let set = match lang {
        Lang::Nl => &NLV,
        Lang::En => &ENV,
    };
    set.get_or_init(|| table(lang).values().cloned().collect()).contains(text)
}

/// A category label: `c.<code>`, or the code itself when it has no message.
pub fn cat(lang: Lang, code: &str) -> String {
    table(lang).get(&format!("c.{code}")).cloned().unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let nl = parse(NL);
        let en = parse(EN);
        let mut a: Vec<_> = nl.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(a.len() > 100);
    }
}
