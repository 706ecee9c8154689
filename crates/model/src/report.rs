//! A report of a presumed victim by a reporting organisation, and the rules that make a row one.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::bounds;
use crate::codes::*;
use crate::country::Country;
use crate::identity::Identity;
use crate::pseudonym::{Layers, Pseudonym, PseudonymKey, RegisterKey};
use crate::row::*;

/// The columns a reports file may have (docs/formats.md).
pub const REPORT_COLUMNS: &[&str] = &[
    "reporter",
    "reporter_type",
    "external_id",
    "report_date",
    "identification",
    "lawful_basis",
    "guardian_consent",
    "given_names",
    "family_name",
    "birth_date",
    "birth_year",
    "age_band",
    "age_at_start",
    "sex",
    "nationality",
    "residence_status",
    "unaccompanied_minor",
    "exploitation",
    "domestic",
    "municipality",
    "means_of_control",
    "recruitment",
    "document_number",
    "citizen_number",
    "address",
    "pseudonym",
];

/// The columns every reports file must have.
pub const REPORT_REQUIRED_COLUMNS: &[&str] =
    &["reporter", "reporter_type", "external_id", "report_date", "identification", "lawful_basis", "exploitation"];

/// What parsing needs from outside the row.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext<'k> {
    /// Today's date: no report or event may lie after it.
    pub today: NaiveDate,
    /// The reporters' pseudonym key (layer 1): needed to pseudonymise identities at intake.
    pub pseudonym_key: &'k PseudonymKey,
    /// The register's own key (layer 2): every pseudonym, match key and birth-date key a parsed row
    /// carries is already re-keyed with it, as stored.
    pub register_key: &'k RegisterKey,
}

impl<'k> ParseContext<'k> {
    /// Both keys, for making stored digests.
    pub fn layers(&self) -> Layers<'k> {
        Layers { reporters: self.pseudonym_key, register: self.register_key }
    }
}

/// One form of exploitation with its sector, where the form has sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exploitation {
    Sexual(Option<SexualSector>),
    Labour(Option<LabourSector>),
    Criminal,
    OrganRemoval,
    Other,
}

impl Exploitation {
    /// Parses `form` or `form:sector`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (form, sector) = match s.split_once(':') {
            Some((f, s)) => (f.trim(), Some(s.trim())),
            None => (s.trim(), None),
        };
        let form = ExploitationForm::parse(form).map_err(|e| e.to_string())?;
        Ok(match (form, sector) {
            (ExploitationForm::Sexual, s) => {
                Exploitation::Sexual(s.map(SexualSector::parse).transpose().map_err(|e| e.to_string())?)
            }
            (ExploitationForm::Labour, s) => {
                Exploitation::Labour(s.map(LabourSector::parse).transpose().map_err(|e| e.to_string())?)
            }
            (f, Some(_)) => return Err(format!("the form {f} has no sectors")),
            (ExploitationForm::Criminal, None) => Exploitation::Criminal,
            (ExploitationForm::OrganRemoval, None) => Exploitation::OrganRemoval,
            (ExploitationForm::Other, None) => Exploitation::Other,
        })
    }

    pub fn form(self) -> ExploitationForm {
        match self {
            Exploitation::Sexual(_) => ExploitationForm::Sexual,
            Exploitation::Labour(_) => ExploitationForm::Labour,
            Exploitation::Criminal => ExploitationForm::Criminal,
            Exploitation::OrganRemoval => ExploitationForm::OrganRemoval,
            Exploitation::Other => ExploitationForm::Other,
        }
    }

    /// The `form[:sector]` code.
    pub fn code(self) -> String {
        match self {
            Exploitation::Sexual(Some(s)) => format!("sexual:{s}"),
            Exploitation::Labour(Some(s)) => format!("labour:{s}"),
            other => other.form().as_str().to_string(),
        }
    }
}

impl Serialize for Exploitation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// Joins codes with `;`, the list format of the files and the database.
pub fn join_codes<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(";")
}

/// Who the report is about: an identified person (identity for the vault) or a statistical report.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Identified(Identity),
    /// Only the pseudonym travels on; the identity (if any came in) has been dropped.
    Statistical,
}

/// Non-identifying attributes of the person at the report date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attributes {
    pub sex: Option<Sex>,
    pub birth_year: Option<i32>,
    pub age_band: Option<AgeBand>,
    /// Whole years at the report date, when the birth date is known.
    pub age_at_report: Option<u32>,
    /// Whether the person was under 18 at the report date, when that can be told.
    pub minor: Option<bool>,
    pub age_at_start: Option<u32>,
    pub nationality: Option<Country>,
    pub residence_status: Option<ResidenceStatus>,
    pub unaccompanied_minor: Option<bool>,
    pub exploitation: Vec<Exploitation>,
    pub domestic: Option<bool>,
    pub municipality: Option<String>,
    pub means_of_control: Vec<MeansOfControl>,
    pub recruitment: Vec<Recruitment>,
}

/// A valid report. Only [`Report::parse`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub reporter: String,
    pub reporter_type: ReporterType,
    pub external_id: String,
    pub report_date: NaiveDate,
    pub lawful_basis: LawfulBasis,
    pub guardian_consent: Option<GuardianConsent>,
    pub subject: Subject,
    /// Keyed pseudonym of the person as the register stores it (layer 2): computed from the identity,
    /// or re-keyed from the one the reporter sent.
    pub pseudonym: Pseudonym,
    /// For a statistical report whose pseudonym zicht computed from the name: its match keys
    /// ([`crate::pseudonym::match_keys`]), so that linkage can still find the person when another
    /// register renders the name a little differently; re-keyed as stored. `None` otherwise.
    pub match_keys: Option<[Pseudonym; 3]>,
    /// For the same reports: the keyed birth date ([`crate::pseudonym::birth_date_key`]), which
    /// linkage compares where names differ; re-keyed as stored. `None` otherwise or without a birth date.
    pub birth_date_key: Option<Pseudonym>,
    pub attributes: Attributes,
}

/// Direct identifiers besides the name and birth date: only an identified report carries them.
const IDENTITY_ONLY: [&str; 3] = ["document_number", "citizen_number", "address"];

/// Every column that identifies a person directly: the name, the birth date and [`IDENTITY_ONLY`].
/// A statistical report carries none of them; `zicht pseudonymise` removes them all.
pub const IDENTIFYING_COLUMNS: [&str; 6] =
    ["given_names", "family_name", "birth_date", IDENTITY_ONLY[0], IDENTITY_ONLY[1], IDENTITY_ONLY[2]];

impl Report {
    pub fn identification(&self) -> Identification {
        match self.subject {
            Subject::Identified(_) => Identification::Identified,
            Subject::Statistical => Identification::Statistical,
        }
    }

    /// Parses and validates one row. Reports every rule the row breaks.
    pub fn parse(row: &(impl Row + ?Sized), ctx: &ParseContext<'_>) -> Result<Report, RowErrors> {
        let mut c = Checker::default();
        let reporter = c.text_id(row, "reporter", 64);
        let reporter_type = c.parsed(row, "reporter_type", ReporterType::parse);
        let external_id = c.text_id(row, "external_id", 128);
        let report_date = c.parsed(row, "report_date", parse_date);
        if let Some(rule) = report_date.and_then(|d| bounds::record_date_rule(d, ctx.today)) {
            c.fail("report_date", rule);
        }
        let identification = c.parsed(row, "identification", Identification::parse);
        let lawful_basis = c.parsed(row, "lawful_basis", LawfulBasis::parse);
        let guardian_consent = c.optional(row, "guardian_consent", GuardianConsent::parse);

        // A placeholder (`onbekend`, `-`, `N/A`) is an unknown name, as if the cell were empty.
        let given_names = c.name(row, "given_names");
        let family_name = c.name(row, "family_name");
        let birth_date = c.optional(row, "birth_date", parse_birth_date);
        let pseudonym_in = c.optional(row, "pseudonym", Pseudonym::parse);

        let attributes = parse_attributes(row, &mut c, report_date, birth_date);

        // Identification rules.
        let has_name = given_names.is_some() || family_name.is_some();
        match identification {
            Some(Identification::Identified) => {
                if !has_name {
                    c.fail(
                        "family_name",
                        "an identified report needs a name (given_names or family_name; a placeholder such as \"onbekend\" or \"-\" is no name); report a person who cannot be identified as identification=statistical",
                    );
                }
                if pseudonym_in.is_some() {
                    c.fail(
                        "pseudonym",
                        "an identified report gets its pseudonym from its identity; leave the column empty",
                    );
                }
            }
            Some(Identification::Statistical) => {
                for f in IDENTITY_ONLY {
                    if row.get(f).is_some() {
                        c.fail(f, "a statistical report carries no direct identifier");
                    }
                }
                if pseudonym_in.is_some() {
                    if has_name {
                        c.fail(
                            if given_names.is_some() { "given_names" } else { "family_name" },
                            "a statistical report carries no name: it already has a pseudonym",
                        );
                    }
                    if row.get("birth_date").is_some() {
                        c.fail(
                            "birth_date",
                            "a statistical report carries no exact birth date: it already has a pseudonym",
                        );
                    }
                }
            }
            None => {}
        }

        // Consent rules: consent for a minor needs the guardian's; legal duty and public task need none.
        let minor = attributes.minor;
        if lawful_basis == Some(LawfulBasis::Consent)
            && minor == Some(true)
            && guardian_consent != Some(GuardianConsent::Given)
        {
            c.fail(
                "guardian_consent",
                "consent as the lawful basis for a minor needs guardian_consent=given (legal_obligation or public_task need no consent)",
            );
        }
        if guardian_consent.is_some() && minor == Some(false) {
            c.fail(
                "guardian_consent",
                "guardian consent applies to minors only, and this person is an adult at the report date",
            );
        }

        c.finish(|| {
            let identity = Identity {
                given_names: given_names.clone(),
                family_name: family_name.clone(),
                birth_date,
                document_number: row.get("document_number").map(str::to_string),
                citizen_number: row.get("citizen_number").map(str::to_string),
                address: row.get("address").map(str::to_string),
            };
            let layers = ctx.layers();
            let computed = || {
                layers.pseudonym(given_names.as_deref().unwrap_or(""), family_name.as_deref().unwrap_or(""), birth_date)
            };
            let (subject, pseudonym, match_keys, birth_date_key) = match identification.expect("checked") {
                Identification::Identified => (Subject::Identified(identity), computed(), None, None),
                Identification::Statistical => match pseudonym_in {
                    Some(p) => (Subject::Statistical, layers.incoming(&p), None, None),
                    // No name that is known and no pseudonym: counted, never linked.
                    None if !has_name => (
                        Subject::Statistical,
                        layers.unlinkable(
                            reporter.as_deref().expect("checked"),
                            external_id.as_deref().expect("checked"),
                        ),
                        None,
                        None,
                    ),
                    None => (
                        Subject::Statistical,
                        computed(),
                        layers.match_keys(
                            given_names.as_deref().unwrap_or(""),
                            family_name.as_deref().unwrap_or(""),
                            birth_date,
                        ),
                        birth_date.map(|b| layers.birth_date_key(b)),
                    ),
                },
            };
            Report {
                reporter: reporter.expect("checked"),
                reporter_type: reporter_type.expect("checked"),
                external_id: external_id.expect("checked"),
                report_date: report_date.expect("checked"),
                lawful_basis: lawful_basis.expect("checked"),
                guardian_consent,
                subject,
                pseudonym,
                match_keys,
                birth_date_key,
                attributes,
            }
        })
    }
}

/// Parses the non-identifying attributes and checks that the ages agree with each other.
fn parse_attributes(
    row: &(impl Row + ?Sized),
    c: &mut Checker,
    report_date: Option<NaiveDate>,
    birth_date: Option<NaiveDate>,
) -> Attributes {
    let first_year = i64::from(bounds::FIRST_BIRTH_DATE.year());
    let mut birth_year = c.optional(row, "birth_year", |s| parse_int_in(s, first_year, 9999).map(|v| v as i32));
    let mut age_band = c.optional(row, "age_band", AgeBand::parse);
    let age_at_start =
        c.optional(row, "age_at_start", |s| parse_int_in(s, 0, bounds::MAX_AGE.into()).map(|v| v as u32));
    let mut age_at_report = None;
    if let (Some(b), Some(r)) = (birth_date, report_date) {
        match bounds::birth_on_rule(b, r, "report_date") {
            Some(rule) => c.fail("birth_date", rule),
            None => age_at_report = Some(age_on(b, r)),
        }
    }
    if let Some(b) = birth_date {
        match birth_year {
            Some(y) if y != b.year() => c.fail("birth_year", "does not agree with the year of birth_date"),
            _ => birth_year = Some(b.year()),
        }
    }
    if let (Some(y), Some(r)) = (birth_year, report_date)
        && y > r.year()
    {
        c.fail("birth_year", "is after the year of report_date");
    }
    if let (Some(y), Some(r)) = (birth_year, report_date)
        && birth_date.is_none()
        && r.year() - y > bounds::MAX_AGE as i32 + 1
    {
        c.fail("birth_year", format!("gives an age above {} at report_date", bounds::MAX_AGE));
    }
    // The age from a birth year alone is known to within one year.
    let age_range = match (age_at_report, birth_year, report_date) {
        (Some(a), _, _) => Some((a, a)),
        (None, Some(y), Some(r)) if y <= r.year() => {
            let hi = (r.year() - y) as u32;
            Some((hi.saturating_sub(1), hi))
        }
        _ => None,
    };
    if let (Some(band), Some((lo, hi))) = (age_band, age_range) {
        let (blo, bhi) = band.range();
        if hi < blo || lo > bhi {
            c.fail(
                "age_band",
                format!("{band} does not agree with the age that birth_date or birth_year gives at report_date"),
            );
        }
    }
    if let (None, Some((lo, hi))) = (age_band, age_range)
        && AgeBand::of_age(lo) == AgeBand::of_age(hi)
    {
        age_band = Some(AgeBand::of_age(lo));
    }
    let minor = match (age_range, age_band) {
        (Some((_, hi)), _) if hi < 18 => Some(true),
        (Some((lo, _)), _) if lo >= 18 => Some(false),
        (_, Some(band)) if band.is_minor() => Some(true),
        (_, Some(band)) if band.range().0 >= 18 => Some(false),
        _ => None,
    };
    if let (Some(start), Some((_, hi))) = (age_at_start, age_range)
        && start > hi
    {
        c.fail("age_at_start", "is above the age at report_date");
    }
    let unaccompanied_minor = c.optional(row, "unaccompanied_minor", parse_bool);
    if unaccompanied_minor == Some(true) && minor == Some(false) {
        c.fail("unaccompanied_minor", "is true, but the person is an adult at the report date");
    }
    let exploitation = c.parsed(row, "exploitation", |s| parse_list(s, Exploitation::parse)).unwrap_or_default();
    if row.get("exploitation").is_some() && exploitation.is_empty() && !c.has_error("exploitation") {
        c.fail("exploitation", "needs at least one form");
    }
    let municipality = c.optional(row, "municipality", |s| {
        let ok = s.len() == 6 && s.starts_with("GM") && s[2..].bytes().all(|b| b.is_ascii_digit());
        if ok {
            return Ok(s.to_string());
        }
        let hint = crate::hint::municipality_code(s).map(|h| format!("; {h}")).unwrap_or_default();
        Err(format!("is not a municipality code GM + 4 digits ({}{hint})", describe(s)))
    });
    Attributes {
        sex: c.optional(row, "sex", Sex::parse),
        birth_year,
        age_band,
        age_at_report,
        minor,
        age_at_start,
        nationality: c.optional(row, "nationality", Country::parse),
        residence_status: c.optional(row, "residence_status", ResidenceStatus::parse),
        unaccompanied_minor,
        exploitation,
        domestic: c.optional(row, "domestic", parse_bool),
        municipality,
        means_of_control: c
            .optional(row, "means_of_control", |s| parse_list(s, MeansOfControl::parse))
            .unwrap_or_default(),
        recruitment: c.optional(row, "recruitment", |s| parse_list(s, Recruitment::parse)).unwrap_or_default(),
    }
}
