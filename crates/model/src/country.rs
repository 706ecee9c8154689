//! Nationality as an ISO 3166-1 alpha-2 code, grouped as the monitor reports it: the register's own
//! country (NL), another EU member state, or outside the EU.

use std::fmt;

/// Every officially assigned ISO 3166-1 alpha-2 code (249, as in the ISO 3166 Maintenance Agency list
/// distributed with Debian's iso-codes / pycountry 26.2).
const ISO_3166_1_ALPHA_2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// The 27 member states of the European Union (since 1 February 2020). The grouping is by today's
/// membership for every year, so that a series does not jump when membership changes.
const EU_27: &str = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK";

/// Whether a code is in the (sorted, space-separated, fixed-width) list: a binary search over its
/// 3-byte slots, since import parses a nationality on every row.
fn is_assigned(code: &[u8; 2]) -> bool {
    let list = ISO_3166_1_ALPHA_2.as_bytes();
    let n = list.len().div_ceil(3);
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match list[3 * mid..3 * mid + 2].cmp(code) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// The register's own country. The monitor's "domestic nationality" group.
pub const HOME_COUNTRY: Country = Country(*b"NL");

/// An ISO 3166-1 alpha-2 country code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

/// A string that is not an assigned ISO 3166-1 alpha-2 code; it holds [`crate::row::describe`] of the
/// value, not the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 3166-1 alpha-2 country code: {}{}", .0, .1.map(|c| format!(" (did you mean {c}?)")).unwrap_or_default())]
pub struct UnknownCountry(pub String, pub Option<&'static str>);

/// The three nationality groups of the victim monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalityGroup {
    Home,
    Eu,
    NonEu,
}

impl NationalityGroup {
    pub const ALL: [NationalityGroup; 3] = [NationalityGroup::Home, NationalityGroup::Eu, NationalityGroup::NonEu];

    /// The group of a stored code (`home`, `eu`, `non_eu`).
    pub fn parse(s: &str) -> Option<NationalityGroup> {
        Self::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }

    /// The code the register stores: `home`, `eu`, `non_eu`.
    pub fn as_str(self) -> &'static str {
        match self {
            NationalityGroup::Home => "home",
            NationalityGroup::Eu => "eu",
            NationalityGroup::NonEu => "non_eu",
        }
    }
}

impl Country {
    /// Parses an assigned alpha-2 code, case-insensitively.
    pub fn parse(s: &str) -> Result<Self, UnknownCountry> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic) {
            let code = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
            if is_assigned(&code) {
                return Ok(Country(code));
            }
        }
        Err(UnknownCountry(crate::row::describe(t), crate::hint::country(t)))
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// NL / EU / non-EU, as the monitor groups nationality.
    pub fn group(&self) -> NationalityGroup {
        if *self == HOME_COUNTRY {
            NationalityGroup::Home
        } else if EU_27.split(' ').any(|c| c == self.as_str()) {
            NationalityGroup::Eu
        } else {
            NationalityGroup::NonEu
        }
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.as_str())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_has_249_codes_and_eu_is_a_subset() {
        assert_eq!(ISO_3166_1_ALPHA_2.split(' ').count(), 249);
        let codes: Vec<&str> = ISO_3166_1_ALPHA_2.split(' ').collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search");
        for c in &codes {
            assert!(Country::parse(c).is_ok(), "{c}");
        }
        assert_eq!(EU_27.split(' ').count(), 27);
        for c in EU_27.split(' ') {
            assert_ne!(Country::parse(c).unwrap().group(), NationalityGroup::NonEu);
        }
    }

    #[test]
    fn groups() {
        assert_eq!(Country::parse("nl").unwrap().group(), NationalityGroup::Home);
        assert_eq!(Country::parse("RO").unwrap().group(), NationalityGroup::Eu);
        assert_eq!(Country::parse("NG").unwrap().group(), NationalityGroup::NonEu);
        assert_eq!(Country::parse("GB").unwrap().group(), NationalityGroup::NonEu);
        // The stored code is the serialised one.
        for g in [NationalityGroup::Home, NationalityGroup::Eu, NationalityGroup::NonEu] {
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("NLD").is_err());
        assert!(Country::parse("é1").is_err());
    }
}
