//! The code lists of `docs/formats.md` that the simulator writes, as enums with their CSV spelling.
//!
//! The constant lists (`REPORTER_TYPES`, …) are the documented vocabularies; the format tests check
//! every written cell against them.

/// Reporter types of the `reports` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReporterType {
    Police,
    BorderPolice,
    LabourInspectorate,
    CareCoordinator,
    Shelter,
    YouthCare,
    Guardianship,
    Municipality,
    Immigration,
    LegalAid,
    Ngo,
    Other,
}

impl ReporterType {
    /// Every reporter type the simulator draws captures for (help chats produce signals, not reports).
    pub const ALL: [ReporterType; 12] = [
        ReporterType::Police,
        ReporterType::BorderPolice,
        ReporterType::LabourInspectorate,
        ReporterType::CareCoordinator,
        ReporterType::Shelter,
        ReporterType::YouthCare,
        ReporterType::Guardianship,
        ReporterType::Municipality,
        ReporterType::Immigration,
        ReporterType::LegalAid,
        ReporterType::Ngo,
        ReporterType::Other,
    ];

    /// The code written in the `reporter_type` column.
    pub fn code(self) -> &'static str {
        match self {
            ReporterType::Police => "police",
            ReporterType::BorderPolice => "border_police",
            ReporterType::LabourInspectorate => "labour_inspectorate",
            ReporterType::CareCoordinator => "care_coordinator",
            ReporterType::Shelter => "shelter",
            ReporterType::YouthCare => "youth_care",
            ReporterType::Guardianship => "guardianship",
            ReporterType::Municipality => "municipality",
            ReporterType::Immigration => "immigration",
            ReporterType::LegalAid => "legal_aid",
            ReporterType::Ngo => "ngo",
            ReporterType::Other => "other",
        }
    }

    /// The list of the six-list design of the Dutch dark-number studies, as the register defines it
    /// ([`zicht_model::ReporterType::mse_list`]).
    pub fn list(self) -> MseList {
        zicht_model::ReporterType::parse(self.code()).map_or(MseList::Z, |r| r.mse_list())
    }

    /// Care and NGO reporters: not obliged to report, and after the GDPR took effect (2018-05-25)
    /// they asked for consent, so most of their reports stopped.
    pub fn is_care_or_ngo(self) -> bool {
        matches!(
            self,
            ReporterType::CareCoordinator
                | ReporterType::Shelter
                | ReporterType::YouthCare
                | ReporterType::Ngo
                | ReporterType::Guardianship
        )
    }

    /// Investigative services report under a legal obligation.
    pub fn is_obliged(self) -> bool {
        matches!(self, ReporterType::Police | ReporterType::BorderPolice | ReporterType::LabourInspectorate)
    }
}

pub use zicht_model::MseList;

/// The four victim groups of the Dutch victim monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    DomesticSexual,
    CrossBorderSexual,
    Labour,
    Criminal,
}

impl Group {
    pub const ALL: [Group; 4] = [Group::DomesticSexual, Group::CrossBorderSexual, Group::Labour, Group::Criminal];

    pub fn code(self) -> &'static str {
        match self {
            Group::DomesticSexual => "domestic_sexual",
            Group::CrossBorderSexual => "cross_border_sexual",
            Group::Labour => "labour",
            Group::Criminal => "criminal",
        }
    }

    pub fn is_sexual(self) -> bool {
        matches!(self, Group::DomesticSexual | Group::CrossBorderSexual)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

/// Nationality group of the monitor: NL / EU / non-EU.
pub fn nationality_group(iso: &str) -> &'static str {
    const EU: [&str; 26] = [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
        "LV", "MT", "PL", "PT", "RO", "SE", "SI", "SK",
    ];
    if iso == "NL" {
        "NL"
    } else if EU.contains(&iso) {
        "EU"
    } else {
        "non-EU"
    }
}

/// CTDC age bands, as in the `age_band` column.
pub const AGE_BANDS: [&str; 9] = ["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"];

/// The CTDC band of an age in whole years.
pub fn age_band(age: i32) -> &'static str {
    match age {
        i32::MIN..=8 => AGE_BANDS[0],
        9..=17 => AGE_BANDS[1],
        18..=20 => AGE_BANDS[2],
        21..=23 => AGE_BANDS[3],
        24..=26 => AGE_BANDS[4],
        27..=29 => AGE_BANDS[5],
        30..=38 => AGE_BANDS[6],
        39..=47 => AGE_BANDS[7],
        _ => AGE_BANDS[8],
    }
}

/// The reporter types (one owner: `zicht_model::ReporterType`).
pub const REPORTER_TYPES: &[&str] = zicht_model::ReporterType::CODES;
pub const IDENTIFICATIONS: [&str; 2] = ["identified", "statistical"];
pub const LAWFUL_BASES: [&str; 4] = ["legal_obligation", "public_task", "vital_interests", "consent"];
pub const GUARDIAN_CONSENTS: [&str; 4] = ["given", "refused", "not_obtainable", "not_asked"];
pub const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];
pub const RESIDENCE_STATUSES: [&str; 7] =
    ["citizen", "eu_citizen", "residence_permit", "victim_permit", "asylum_seeker", "undocumented", "unknown"];
pub const EXPLOITATION_FORMS: [&str; 5] = ["sexual", "labour", "criminal", "organ_removal", "other"];
pub const SEXUAL_SECTORS: [&str; 4] = ["prostitution", "pornography", "remote_interactive", "private_services"];
pub const LABOUR_SECTORS: [&str; 9] = [
    "agriculture",
    "manufacturing",
    "construction",
    "retail",
    "transport",
    "hospitality",
    "domestic_work",
    "cleaning",
    "other",
];
/// HTCDS v2.0 `vic_MethodsOfControl` as spelt by the model crate (`threatens_family` for
/// `ThreatensChildrenFamily`).
pub const MEANS_OF_CONTROL: [&str; 16] = [
    "physical_threats",
    "threats_law_enforcement",
    "threatens_family",
    "debt_bondage",
    "false_promises",
    "physical_abuse",
    "sexual_abuse",
    "takes_earnings",
    "restricts_financial_access",
    "restricts_medical_care",
    "withholds_necessities",
    "psychological_abuse",
    "psychoactive_substance",
    "excessive_working_hours",
    "withholds_documents",
    "other",
];
/// HTCDS v2.0 `vic_MethodOfRecruitment` as spelt by the model crate (`online_social_networks` for
/// `ThroughOnlineSocialNetworks`, `at_work` for `AtWork`, …).
pub const RECRUITMENT: [&str; 10] = [
    "place_of_business",
    "educational_institution",
    "at_work",
    "online_social_networks",
    "online_advertisement",
    "television_advert",
    "newspaper_advert",
    "family",
    "friends",
    "other",
];
pub const EVENT_KINDS: [&str; 4] = ["victimisation", "suspect", "emigration", "death"];
pub const CRIME_CATEGORIES: [&str; 6] = ["exploitation", "assault", "threat", "sexual_violence", "property", "other"];
pub const CHANNELS: [&str; 5] = ["chat", "phone", "email", "web", "other"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporter_codes_are_in_the_documented_list() {
        for r in ReporterType::ALL {
            assert!(REPORTER_TYPES.contains(&r.code()), "{}", r.code());
        }
    }

    #[test]
    fn age_bands_follow_ctdc_boundaries() {
        assert_eq!(age_band(8), "0-8");
        assert_eq!(age_band(9), "9-17");
        assert_eq!(age_band(17), "9-17");
        assert_eq!(age_band(18), "18-20");
        assert_eq!(age_band(29), "27-29");
        assert_eq!(age_band(47), "39-47");
        assert_eq!(age_band(48), "48+");
    }

    #[test]
    fn nationality_groups() {
        assert_eq!(nationality_group("NL"), "NL");
        assert_eq!(nationality_group("RO"), "EU");
        assert_eq!(nationality_group("NG"), "non-EU");
        assert_eq!(nationality_group("UA"), "non-EU");
    }
}

#[cfg(test)]
mod list_tests {
    use super::*;

    /// The simulator's truth lists and the monitor put every reporter type in the same list (the
    /// simulator had youth care and guardianship in Z while the monitor had them in O).
    #[test]
    fn every_reporter_type_is_in_the_registers_list() {
        for r in ReporterType::ALL {
            let model = zicht_model::ReporterType::parse(r.code()).expect("a code of the register");
            assert_eq!(r.list(), model.mse_list(), "{}", r.code());
        }
        assert_eq!(ReporterType::YouthCare.list(), MseList::O);
        assert_eq!(ReporterType::Shelter.list(), MseList::O);
        assert_eq!(ReporterType::Guardianship.list(), MseList::Z);
    }
}
