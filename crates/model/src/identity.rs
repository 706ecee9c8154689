//! Direct identifiers. They exist in memory only on the way into (or out of) the encrypted vault:
//! `Debug` never shows them, and the type has no `Display`, so they cannot end up in a log by accident.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The direct identifiers of a person as a reporter or register gave them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_names: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citizen_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Identity {
    /// Whether it carries a name (the minimum for an identified report).
    pub fn has_name(&self) -> bool {
        self.given_names.is_some() || self.family_name.is_some()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_identifiers() {
        let id =
            Identity { given_names: Some("Fatima".into()), family_name: Some("Jansen".into()), ..Default::default() };
        let shown = format!("{id:?} {:?}", Some(&id));
        assert!(!shown.contains("Fatima") && !shown.contains("Jansen"), "{shown}");
    }
}
