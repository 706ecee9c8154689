//! Code lists. Each code has a stable snake_case name (what files and the database carry) and, where the
//! Human Trafficking Case Data Standard v2.0 (IOM, CC BY 4.0) has a picklist value for it, that value's
//! name. The full mapping is written out in `docs/htcds-mapping.md`; a test keeps the two in step.

use std::fmt;

/// A code that is not in its list. It carries what the value looks like, never the value: a name or a
/// birth date typed into a code column must not reach a log or a rejects file's reason column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a {list} code: {looks} ({}allowed: {allowed})", .hint.map(|h| format!("did you mean {h}? ")).unwrap_or_default())]
pub struct UnknownCode {
    pub list: &'static str,
    /// The code the value probably meant ([`crate::hint::code`]).
    pub hint: Option<&'static str>,
    /// [`crate::row::describe`] of the value.
    pub looks: String,
    pub allowed: String,
}

/// What every code list offers, for tables over all of them.
pub trait CodeList: Sized + Copy + 'static {
    fn all() -> &'static [Self];
    fn list() -> &'static str;
    fn htcds_field() -> Option<&'static str>;
    fn code(self) -> &'static str;
    fn htcds_value(self) -> Option<&'static str>;
}

/// Defines a closed code list: `parse`, `as_str`, `htcds`, `ALL`, Display and serde as the code string.
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident, $list:literal, htcds_field = $field:expr, {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal => $htcds:expr),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every code, in list order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The codes as written, in the order of [`Self::ALL`].
            pub const CODES: &'static [&'static str] = &[$($code),+];
            /// The list's name as it appears in error messages.
            pub const LIST: &'static str = $list;
            /// The HTCDS v2.0 field whose picklist the codes map to, if any.
            pub const HTCDS_FIELD: Option<&'static str> = $field;

            /// Parses the snake_case code (surrounding whitespace ignored, case-insensitive).
            pub fn parse(s: &str) -> Result<Self, UnknownCode> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($code) { return Ok($name::$variant); })+
                Err(UnknownCode {
                    list: $list,
                    hint: $crate::hint::code($list, t, &[$($code),+]),
                    looks: $crate::row::describe(t),
                    allowed: [$($code),+].join(", "),
                })
            }
            /// The snake_case code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// The HTCDS v2.0 picklist value name, where HTCDS has one.
            pub fn htcds(self) -> Option<&'static str> {
                match self { $($name::$variant => $htcds),+ }
            }
        }

        impl CodeList for $name {
            fn all() -> &'static [Self] { Self::ALL }
            fn list() -> &'static str { Self::LIST }
            fn htcds_field() -> Option<&'static str> { Self::HTCDS_FIELD }
            fn code(self) -> &'static str { self.as_str() }
            fn htcds_value(self) -> Option<&'static str> { self.htcds() }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_list!(
    /// The kind of reporting organisation. HTCDS has no field for the reporter of a victim record
    /// (zicht adds one); the mapping is to the nearest `org_Type`.
    ReporterType, "reporter_type", htcds_field = Some("org_Type"), {
    Police = "police" => Some("LawEnforcement"),
    BorderPolice = "border_police" => Some("LawEnforcement"),
    LabourInspectorate = "labour_inspectorate" => Some("CentralGovernmentOrganisation"),
    CareCoordinator = "care_coordinator" => Some("HealthServiceOrganisation"),
    Shelter = "shelter" => Some("NGO"),
    YouthCare = "youth_care" => Some("HealthServiceOrganisation"),
    Guardianship = "guardianship" => Some("CentralGovernmentOrganisation"),
    Municipality = "municipality" => Some("LocalGovernmentOrganisation"),
    Immigration = "immigration" => Some("ImmigrationService"),
    LegalAid = "legal_aid" => Some("LegalService"),
    HelpChat = "help_chat" => Some("NGO"),
    Ngo = "ngo" => Some("NGO"),
    Other = "other" => None,
});

impl ReporterType {
    /// Investigative services, obliged by law to report (police, border police, labour inspectorate).
    pub fn is_investigative(self) -> bool {
        matches!(self, Self::Police | Self::BorderPolice | Self::LabourInspectorate)
    }

    /// The list of the reporter in the six-list design of the Dutch dark-number studies (van Dijk,
    /// Cruyff, van der Heijden et al., UNODC research brief 2017): P police, K border police (KMar),
    /// I labour inspectorate, R regional care coordinators, O residential care and shelters (youth
    /// care's institutions among them), Z others (guardianship, municipalities, immigration, legal aid,
    /// help chats, NGOs). The one owner of this mapping: the simulator's truth lists and the monitor's
    /// estimates both use it.
    pub fn mse_list(self) -> MseList {
        match self {
            Self::Police => MseList::P,
            Self::BorderPolice => MseList::K,
            Self::LabourInspectorate => MseList::I,
            Self::CareCoordinator => MseList::R,
            Self::Shelter | Self::YouthCare => MseList::O,
            Self::Guardianship
            | Self::Municipality
            | Self::Immigration
            | Self::LegalAid
            | Self::HelpChat
            | Self::Ngo
            | Self::Other => MseList::Z,
        }
    }
}

/// The six lists of the dark-number studies ([`ReporterType::mse_list`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MseList {
    P,
    K,
    I,
    R,
    O,
    Z,
}

impl MseList {
    pub const ALL: [MseList; 6] = [MseList::P, MseList::K, MseList::I, MseList::R, MseList::O, MseList::Z];

    /// The lists' letters, in the order of [`MseList::ALL`].
    pub const CODES: [&'static str; 6] = ["P", "K", "I", "R", "O", "Z"];

    /// The position of the list in [`MseList::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The list's letter.
    pub fn code(self) -> &'static str {
        Self::CODES[self as usize]
    }
}

code_list!(
    /// Whether the person behind a report is identified (identity in the vault) or counted only
    /// statistically (keyed pseudonym and non-identifying attributes).
    Identification, "identification", htcds_field = None, {
    Identified = "identified" => None,
    Statistical = "statistical" => None,
});

code_list!(
    /// The lawful basis of processing (GDPR art. 6(1)). Consent is one basis among several: a register
    /// kept under a legal duty or a public task needs no consent, also not for a minor.
    LawfulBasis, "lawful_basis", htcds_field = None, {
    LegalObligation = "legal_obligation" => None,
    PublicTask = "public_task" => None,
    VitalInterests = "vital_interests" => None,
    Consent = "consent" => None,
});

code_list!(
    /// The state of a guardian's consent for a report on a minor.
    GuardianConsent, "guardian_consent", htcds_field = None, {
    Given = "given" => None,
    Refused = "refused" => None,
    NotObtainable = "not_obtainable" => None,
    NotAsked = "not_asked" => None,
});

code_list!(
    /// Sex as registered.
    Sex, "sex", htcds_field = Some("prs_Gender"), {
    Female = "female" => Some("Feminine"),
    Male = "male" => Some("Masculine"),
    Other = "other" => Some("NonConforming"),
    Unknown = "unknown" => Some("NonSpecifiedUnknown"),
});

code_list!(
    /// Residence status at the report date.
    ResidenceStatus, "residence_status", htcds_field = None, {
    Citizen = "citizen" => None,
    EuCitizen = "eu_citizen" => None,
    ResidencePermit = "residence_permit" => None,
    VictimPermit = "victim_permit" => None,
    AsylumSeeker = "asylum_seeker" => None,
    Undocumented = "undocumented" => None,
    Unknown = "unknown" => None,
});

code_list!(
    /// Age bands of the Counter Trafficking Data Collaborative (CTDC), used where only a band is known.
    AgeBand, "age_band", htcds_field = None, {
    A0to8 = "0-8" => None,
    A9to17 = "9-17" => None,
    A18to20 = "18-20" => None,
    A21to23 = "21-23" => None,
    A24to26 = "24-26" => None,
    A27to29 = "27-29" => None,
    A30to38 = "30-38" => None,
    A39to47 = "39-47" => None,
    A48plus = "48+" => None,
});

impl AgeBand {
    /// The band that holds an age in whole years.
    pub fn of_age(age: u32) -> AgeBand {
        match age {
            0..=8 => Self::A0to8,
            9..=17 => Self::A9to17,
            18..=20 => Self::A18to20,
            21..=23 => Self::A21to23,
            24..=26 => Self::A24to26,
            27..=29 => Self::A27to29,
            30..=38 => Self::A30to38,
            39..=47 => Self::A39to47,
            _ => Self::A48plus,
        }
    }
    /// Inclusive age range of the band (the last band is open: its upper end is `u32::MAX`).
    pub fn range(self) -> (u32, u32) {
        match self {
            Self::A0to8 => (0, 8),
            Self::A9to17 => (9, 17),
            Self::A18to20 => (18, 20),
            Self::A21to23 => (21, 23),
            Self::A24to26 => (24, 26),
            Self::A27to29 => (27, 29),
            Self::A30to38 => (30, 38),
            Self::A39to47 => (39, 47),
            Self::A48plus => (48, u32::MAX),
        }
    }
    /// Whether everyone in the band is under 18.
    pub fn is_minor(self) -> bool {
        self.range().1 < 18
    }
}

code_list!(
    /// The main forms of exploitation (Directive 2011/36/EU art. 2(3)).
    ExploitationForm, "exploitation form", htcds_field = Some("vic_TypeOfExploitation"), {
    Sexual = "sexual" => Some("SexualExploitation"),
    Labour = "labour" => Some("ForcedLabour"),
    Criminal = "criminal" => Some("Other"),
    OrganRemoval = "organ_removal" => Some("OrganRemoval"),
    Other = "other" => Some("Other"),
});

code_list!(
    /// Sector of sexual exploitation.
    SexualSector, "sexual sector", htcds_field = Some("vic_TypeOfSexExploitation"), {
    Prostitution = "prostitution" => Some("Prostitution"),
    Pornography = "pornography" => Some("Pornography"),
    RemoteInteractive = "remote_interactive" => Some("RemoteInteractiveServices"),
    PrivateServices = "private_services" => Some("PrivateSexualServices"),
});

code_list!(
    /// Sector of labour exploitation, mapped to the NACE sections HTCDS uses.
    LabourSector, "labour sector", htcds_field = Some("vic_ForcedLabourIndustry"), {
    Agriculture = "agriculture" => Some("A_AgricultureForestryAndFishing"),
    Manufacturing = "manufacturing" => Some("C_Manufacturing"),
    Construction = "construction" => Some("F_Construction"),
    Retail = "retail" => Some("G_WholesaleAndRetailTradeRepairOfMotorVehicles"),
    Transport = "transport" => Some("H_TransportationAndStorage"),
    Hospitality = "hospitality" => Some("I_AccommodationAndFoodServiceActivities"),
    DomesticWork = "domestic_work" => Some("T_ActivitiesOfHouseholdsAsEmployers"),
    Cleaning = "cleaning" => Some("N_AdministrativeAndSupportServiceActivities"),
    Other = "other" => Some("S_OtherServiceActivities"),
});

code_list!(
    /// Means of control (HTCDS `vic_MethodsOfControl`).
    MeansOfControl, "means_of_control", htcds_field = Some("vic_MethodsOfControl"), {
    PhysicalThreats = "physical_threats" => Some("PhysicalThreats"),
    ThreatsLawEnforcement = "threats_law_enforcement" => Some("ThreatsLawEnforcement"),
    ThreatensFamily = "threatens_family" => Some("ThreatensChildrenFamily"),
    DebtBondage = "debt_bondage" => Some("DebtBondage"),
    FalsePromises = "false_promises" => Some("FalsePromises"),
    PhysicalAbuse = "physical_abuse" => Some("PhysicalAbuse"),
    SexualAbuse = "sexual_abuse" => Some("SexualAbuse"),
    TakesEarnings = "takes_earnings" => Some("TakesEarnings"),
    RestrictsFinancialAccess = "restricts_financial_access" => Some("RestrictsFinancialAccess"),
    RestrictsMedicalCare = "restricts_medical_care" => Some("RestrictsMedicalCare"),
    WithholdsNecessities = "withholds_necessities" => Some("WithholdsNecessities"),
    PsychologicalAbuse = "psychological_abuse" => Some("PsychologicalAbuse"),
    PsychoactiveSubstance = "psychoactive_substance" => Some("PsychoactiveSubstance"),
    ExcessiveWorkingHours = "excessive_working_hours" => Some("ExcessiveWorkingHours"),
    WithholdsDocuments = "withholds_documents" => Some("WithholdsDocuments"),
    Other = "other" => Some("Other"),
});

code_list!(
    /// Method of recruitment (HTCDS `vic_MethodOfRecruitment`).
    Recruitment, "recruitment", htcds_field = Some("vic_MethodOfRecruitment"), {
    PlaceOfBusiness = "place_of_business" => Some("AtAPlaceOfBusiness"),
    EducationalInstitution = "educational_institution" => Some("AtAnEducationalInstitution"),
    AtWork = "at_work" => Some("AtWork"),
    OnlineSocialNetworks = "online_social_networks" => Some("ThroughOnlineSocialNetworks"),
    OnlineAdvertisement = "online_advertisement" => Some("ThroughAnOnlineAdvertisement"),
    TelevisionAdvert = "television_advert" => Some("ThroughATelevisionAdvert"),
    NewspaperAdvert = "newspaper_advert" => Some("ThroughANewspaperAdvert"),
    Family = "family" => Some("ThroughFamilyOrFamilyEvents"),
    Friends = "friends" => Some("ThroughFriendsOrSocialEvents"),
    Other = "other" => Some("Other"),
});

code_list!(
    /// Kind of follow-up event from another register.
    EventKind, "kind", htcds_field = None, {
    Victimisation = "victimisation" => None,
    Suspect = "suspect" => None,
    Emigration = "emigration" => None,
    Death = "death" => None,
});

code_list!(
    /// Crime category of a later victimisation or suspect registration.
    CrimeCategory, "crime_category", htcds_field = None, {
    Exploitation = "exploitation" => None,
    Assault = "assault" => None,
    Threat = "threat" => None,
    SexualViolence = "sexual_violence" => None,
    Property = "property" => None,
    Other = "other" => None,
});

code_list!(
    /// Channel of an anonymous signal.
    Channel, "channel", htcds_field = None, {
    Chat = "chat" => None,
    Phone = "phone" => None,
    Email = "email" => None,
    Web = "web" => None,
    Other = "other" => None,
});

fn mapping_section<T: CodeList>(out: &mut String) {
    use std::fmt::Write as _;
    let field = T::htcds_field().map(|f| format!("`{f}`")).unwrap_or_else(|| "no HTCDS field".into());
    let _ = writeln!(out, "\n## {} ({field})\n\n| zicht code | HTCDS value name |\n| --- | --- |", T::list());
    for c in T::all() {
        let h = c.htcds_value().map(|v| format!("`{v}`")).unwrap_or_else(|| "—".into());
        let _ = writeln!(out, "| `{}` | {h} |", c.code());
    }
}

/// The mapping of every zicht code to its HTCDS v2.0 value name, as written in `docs/htcds-mapping.md`.
pub fn htcds_mapping_markdown() -> String {
    let mut out = String::from(
        "# zicht codes and the Human Trafficking Case Data Standard\n\n\
         zicht's code lists are aligned with the Human Trafficking Case Data Standard (HTCDS) v2.0 by the\n\
         International Organization for Migration (IOM), licensed under CC BY 4.0\n\
         (<https://github.com/UNMigration/HTCDS>); the use implies no endorsement by IOM. Where HTCDS has a\n\
         picklist value for a code, its value name is given; `—` means HTCDS has no value for it. HTCDS has no\n\
         field for the reporting organisation of a victim record: zicht adds `reporter_type` and maps it to the\n\
         nearest `org_Type`. Criminal exploitation has no HTCDS value of its own and maps to `Other`.\n\n\
         This file is generated from `crates/model/src/codes.rs` (`htcds_mapping_markdown`); a test keeps\n\
         them equal.\n",
    );
    mapping_section::<ReporterType>(&mut out);
    mapping_section::<Sex>(&mut out);
    mapping_section::<ExploitationForm>(&mut out);
    mapping_section::<SexualSector>(&mut out);
    mapping_section::<LabourSector>(&mut out);
    mapping_section::<MeansOfControl>(&mut out);
    mapping_section::<Recruitment>(&mut out);
    mapping_section::<Identification>(&mut out);
    mapping_section::<LawfulBasis>(&mut out);
    mapping_section::<GuardianConsent>(&mut out);
    mapping_section::<ResidenceStatus>(&mut out);
    mapping_section::<AgeBand>(&mut out);
    mapping_section::<EventKind>(&mut out);
    mapping_section::<CrimeCategory>(&mut out);
    mapping_section::<Channel>(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for c in ReporterType::ALL {
            assert_eq!(ReporterType::parse(c.as_str()), Ok(*c));
        }
        for c in MeansOfControl::ALL {
            assert_eq!(MeansOfControl::parse(&c.as_str().to_uppercase()), Ok(*c));
        }
        let mut names: Vec<_> = Recruitment::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Recruitment::ALL.len());
    }

    #[test]
    fn unknown_code_names_list_and_allowed_values() {
        let e = Sex::parse("f").unwrap_err();
        assert_eq!(e.list, "sex");
        assert!(e.to_string().contains("female, male, other, unknown"), "{e}");
    }

    #[test]
    fn age_bands_cover_every_age_once() {
        for age in 0..130 {
            let b = AgeBand::of_age(age);
            let (lo, hi) = b.range();
            assert!(lo <= age && age <= hi);
        }
        assert!(AgeBand::A9to17.is_minor());
        assert!(!AgeBand::A18to20.is_minor());
    }
}
