//! The generator. See the crate documentation for the model; the numbers below are its parameters.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use rand::rngs::ChaCha8Rng as Rng8;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::codes::{Group, ReporterType, Sex, age_band, nationality_group};
use crate::identity::{Identity, NoiseLevel, citizen_number, observe};
use crate::names::name_set;
use crate::{
    Config, EventRow, ListRow, PopulationRow, Progress, RegisteredRow, ReportRow, RevictimisationRow, SignalRow,
    SimError, Simulation, Truth,
};

mod captures;
mod population;

/// Registered presumed victims per year: the rapporteur's series in `shared/domain.md` for 2014 and
/// 2016–2021; 2012, 2013, 2015 and 2022 are assumptions in line with it (1,400, 1,300, 1,100, 800).
pub fn registered_target(year: i32) -> f64 {
    match year {
        i32::MIN..=2012 => 1400.0,
        2013 => 1300.0,
        2014 => 1255.0,
        2015 => 1100.0,
        2016 => 952.0,
        2017 => 958.0,
        2018 => 668.0,
        2019 => 1334.0,
        2020 => 984.0,
        2021 => 791.0,
        _ => 800.0,
    }
}

/// True victims active per year (expected). About 6,250 around 2015 (van Dijk et al. 2017: 5,000–7,500
/// a year, five times the registered); the later years keep roughly that ratio, higher after the GDPR
/// cut detection (an assumption: no published estimate after 2019).
pub fn true_target(year: i32) -> f64 {
    match year {
        i32::MIN..=2013 => 6400.0,
        2014 | 2015 => 6250.0,
        2016 | 2017 => 5600.0,
        2018 => 4800.0,
        2019 => 6400.0,
        2020 => 5300.0,
        _ => 4500.0,
    }
}

/// Help-chat contacts per year: Chat met Fier saw 408 victims in 2018 and 299 in 2019; 350 otherwise.
fn signal_target(year: i32) -> f64 {
    match year {
        2018 => 408.0,
        2019 => 299.0,
        _ => 350.0,
    }
}

/// Cap on one reporter's capture probability in a year.
const CAP: f64 = 0.9;
/// Shape of the re-victimisation hazard `a·rr·b·e^{−bt}` (per year).
const HAZARD_B: f64 = 0.2;
/// Rate of further victimisations after the first, per year, times the relative risk.
const REPEAT_RATE: f64 = 0.3;
/// Spread (σ of the log) of the visibility every register shares beyond a person's attributes: the
/// heterogeneity that no covariate explains. The first version used 0.6; with it, two-way log-linear
/// MSE recovered about 0.7 of the population even without referrals (docs/benchmarks.md), far from
/// the published estimates on the real register (about five times the registered, which the
/// simulator's true population is). 0.3 still leaves unexplained heterogeneity for MSE to cope with.
const FRAILTY_SIGMA: f64 = 0.3;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn gdpr_date() -> NaiveDate {
    ymd(2018, 5, 25)
}

fn guardianship_stop() -> NaiveDate {
    ymd(2018, 5, 1)
}

/// Age in whole years on `d`.
pub(crate) fn age_on(birth: NaiveDate, d: NaiveDate) -> i32 {
    let mut a = d.year() - birth.year();
    if (d.month(), d.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent ChaCha8 stream per part of the model, so that one part's draws never shift another's.
fn stream(seed: u64, part: u64) -> Rng8 {
    Rng8::seed_from_u64(splitmix64(seed ^ splitmix64(part.wrapping_mul(0xA24B_AED4_963E_E407))))
}

fn pick<T: Copy>(rng: &mut Rng8, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut u = rng.random::<f64>() * total;
    for (item, w) in items {
        if u < *w {
            return *item;
        }
        u -= w;
    }
    items[items.len() - 1].0
}

fn exp_draw(rng: &mut Rng8, rate: f64) -> f64 {
    let u: f64 = rng.random();
    if rate <= 0.0 { f64::INFINITY } else { -(1.0 - u).ln() / rate }
}

fn add_years(d: NaiveDate, years: f64) -> NaiveDate {
    let days = (years * 365.25).round();
    if !days.is_finite() || days > 200_000.0 {
        return NaiveDate::MAX;
    }
    d.checked_add_signed(Duration::days(days as i64)).unwrap_or(NaiveDate::MAX)
}

/// Municipalities (CBS code, police region, place) with weights for where victims are found.
const MUNICIPALITIES: [(&str, &str, &str, f64); 20] = [
    ("GM0363", "AMS", "Amsterdam", 18.0),
    ("GM0599", "RTD", "Rotterdam", 14.0),
    ("GM0518", "DH", "Den Haag", 10.0),
    ("GM0344", "MN", "Utrecht", 7.0),
    ("GM0772", "OB", "Eindhoven", 5.0),
    ("GM0014", "NN", "Groningen", 4.0),
    ("GM0268", "ON", "Nijmegen", 3.0),
    ("GM0202", "ON", "Arnhem", 3.0),
    ("GM0855", "ZWB", "Tilburg", 4.0),
    ("GM0935", "LB", "Maastricht", 3.0),
    ("GM0153", "ON", "Enschede", 3.0),
    ("GM0034", "MN", "Almere", 3.0),
    ("GM0758", "ZWB", "Breda", 3.0),
    ("GM0392", "NH", "Haarlem", 3.0),
    ("GM0193", "ON", "Zwolle", 2.0),
    ("GM0546", "DH", "Leiden", 2.0),
    ("GM0796", "OB", "'s-Hertogenbosch", 3.0),
    ("GM0080", "NN", "Leeuwarden", 2.0),
    ("GM0983", "LB", "Venlo", 3.0),
    ("GM0361", "NH", "Alkmaar", 2.0),
];

const STREETS: [&str; 10] = [
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Stationsweg",
    "Schoolstraat",
    "Hoofdstraat",
    "Julianastraat",
    "Beatrixlaan",
    "Parallelweg",
    "Nieuwstraat",
];

fn nationalities(group: Group) -> &'static [(&'static str, f64)] {
    match group {
        Group::DomesticSexual => &[("NL", 0.88), ("RO", 0.03), ("BG", 0.02), ("PL", 0.02), ("HU", 0.02), ("MA", 0.03)],
        Group::CrossBorderSexual => &[
            ("RO", 0.16),
            ("BG", 0.12),
            ("HU", 0.08),
            ("PL", 0.05),
            ("NG", 0.20),
            ("UG", 0.10),
            ("TH", 0.06),
            ("CN", 0.06),
            ("BR", 0.07),
            ("UA", 0.05),
            ("VN", 0.05),
        ],
        Group::Labour => &[
            ("NL", 0.06),
            ("PL", 0.16),
            ("RO", 0.14),
            ("BG", 0.10),
            ("UA", 0.10),
            ("VN", 0.08),
            ("IN", 0.10),
            ("PH", 0.08),
            ("CN", 0.08),
            ("MA", 0.05),
            ("HU", 0.05),
        ],
        Group::Criminal => &[
            ("NL", 0.40),
            ("RO", 0.10),
            ("VN", 0.12),
            ("MA", 0.12),
            ("NG", 0.05),
            ("ER", 0.06),
            ("PL", 0.05),
            ("BG", 0.05),
            ("UG", 0.05),
        ],
    }
}

/// A true victim.
#[derive(Debug, Clone)]
struct Person {
    id: u64,
    group: Group,
    sex: Sex,
    birth: NaiveDate,
    identity: Identity,
    nationality: &'static str,
    nat_group: &'static str,
    residence: &'static str,
    unaccompanied: bool,
    exploitation: String,
    domestic: bool,
    municipality: usize,
    means: String,
    recruitment: &'static str,
    frailty: f64,
    start: NaiveDate,
    first_year: i32,
    last_year: i32,
    citizen_number: Option<String>,
    document_number: Option<String>,
    address: Option<String>,
}

impl Person {
    fn minor_on(&self, d: NaiveDate) -> bool {
        age_on(self.birth, d) < 18
    }

    /// The first day of exploitation within `year`.
    fn first_day_in(&self, year: i32) -> NaiveDate {
        if year == self.first_year { self.start } else { ymd(year, 1, 1) }
    }
}

fn random_date_between(rng: &mut Rng8, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = (b - a).num_days().max(0);
    let off = (rng.random::<f64>() * (span + 1) as f64).floor() as i64;
    a + Duration::days(off.min(span))
}

fn new_person(rng: &mut Rng8, id: u64, year: i32) -> Person {
    let group = pick(
        rng,
        &[
            (Group::DomesticSexual, 0.42),
            (Group::CrossBorderSexual, 0.22),
            (Group::Labour, 0.23),
            (Group::Criminal, 0.13),
        ],
    );
    let nationality = pick(rng, nationalities(group));
    let nat_group = nationality_group(nationality);
    let female_p = match group {
        Group::DomesticSexual => 0.92,
        Group::CrossBorderSexual => 0.90,
        Group::Labour => 0.30,
        Group::Criminal => 0.40,
    };
    let sex = if rng.random::<f64>() < female_p { Sex::Female } else { Sex::Male };
    let minor_p = match group {
        Group::DomesticSexual => 0.55,
        Group::CrossBorderSexual => 0.08,
        Group::Labour => 0.03,
        Group::Criminal => 0.25,
    };
    let age: i32 = if rng.random::<f64>() < minor_p {
        rng.random_range(12..=17)
    } else {
        let band = pick(rng, &[((18, 22), 0.28), ((23, 30), 0.36), ((31, 45), 0.29), ((46, 60), 0.07)]);
        rng.random_range(band.0..=band.1)
    };
    let start = random_date_between(rng, ymd(year, 1, 1), ymd(year, 12, 31));
    let birth_year_start = start.with_year(start.year() - age).unwrap_or(start - Duration::days(365 * age as i64));
    let birth = birth_year_start - Duration::days(rng.random_range(0..365));
    let minor_at_start = age_on(birth, start) < 18;
    let residence = match nat_group {
        "NL" => "citizen",
        "EU" => "eu_citizen",
        _ => pick(
            rng,
            &[
                ("asylum_seeker", 0.25),
                ("undocumented", 0.30),
                ("residence_permit", 0.15),
                ("victim_permit", 0.20),
                ("unknown", 0.10),
            ],
        ),
    };
    let unaccompanied = nat_group == "non-EU" && minor_at_start && rng.random::<f64>() < 0.6;
    let exploitation = match group {
        Group::DomesticSexual => {
            let sector = if minor_at_start {
                pick(
                    rng,
                    &[
                        ("prostitution", 0.5),
                        ("remote_interactive", 0.25),
                        ("private_services", 0.15),
                        ("pornography", 0.1),
                    ],
                )
            } else {
                pick(
                    rng,
                    &[
                        ("prostitution", 0.65),
                        ("private_services", 0.2),
                        ("remote_interactive", 0.1),
                        ("pornography", 0.05),
                    ],
                )
            };
            format!("sexual:{sector}")
        }
        Group::CrossBorderSexual => {
            let sector = pick(rng, &[("prostitution", 0.8), ("private_services", 0.15), ("pornography", 0.05)]);
            format!("sexual:{sector}")
        }
        Group::Labour => {
            let sector = pick(
                rng,
                &[
                    ("agriculture", 0.2),
                    ("manufacturing", 0.1),
                    ("construction", 0.15),
                    ("retail", 0.08),
                    ("transport", 0.1),
                    ("hospitality", 0.15),
                    ("domestic_work", 0.1),
                    ("cleaning", 0.07),
                    ("other", 0.05),
                ],
            );
            if rng.random::<f64>() < 0.04 { format!("labour:{sector};sexual") } else { format!("labour:{sector}") }
        }
        Group::Criminal => {
            if rng.random::<f64>() < 0.1 {
                "criminal;sexual".to_string()
            } else {
                "criminal".to_string()
            }
        }
    };
    let domestic = match group {
        Group::DomesticSexual => true,
        Group::CrossBorderSexual => false,
        Group::Labour => rng.random::<f64>() < 0.3,
        Group::Criminal => rng.random::<f64>() < 0.5,
    };
    let municipality = pick(rng, &MUNICIPALITIES.iter().enumerate().map(|(i, m)| (i, m.3)).collect::<Vec<_>>());
    let means_pool: &[&str] = match group {
        Group::DomesticSexual => {
            &["psychological_abuse", "physical_threats", "takes_earnings", "sexual_abuse", "false_promises"]
        }
        Group::CrossBorderSexual => {
            &["debt_bondage", "withholds_documents", "threatens_family", "takes_earnings", "physical_abuse"]
        }
        Group::Labour => &[
            "debt_bondage",
            "withholds_documents",
            "excessive_working_hours",
            "takes_earnings",
            "threats_law_enforcement",
        ],
        Group::Criminal => {
            &["physical_threats", "debt_bondage", "psychoactive_substance", "physical_abuse", "threatens_family"]
        }
    };
    let n_means = pick(rng, &[(0usize, 0.3), (1, 0.35), (2, 0.25), (3, 0.1)]);
    let mut chosen = BTreeSet::new();
    for _ in 0..n_means {
        chosen.insert(rng.random_range(0..means_pool.len()));
    }
    let means = chosen.iter().map(|&i| means_pool[i]).collect::<Vec<_>>().join(";");
    // Recruitment: minors in domestic sexual exploitation mostly through social media (the
    // "loverboy" pattern), migrants through advertisements, friends and family.
    let recruitment = match group {
        Group::DomesticSexual if minor_at_start => pick(
            rng,
            &[("online_social_networks", 0.45), ("friends", 0.15), ("educational_institution", 0.05), ("", 0.35)],
        ),
        Group::DomesticSexual => pick(rng, &[("online_social_networks", 0.2), ("friends", 0.2), ("", 0.6)]),
        Group::CrossBorderSexual => pick(
            rng,
            &[
                ("online_advertisement", 0.15),
                ("friends", 0.15),
                ("family", 0.1),
                ("online_social_networks", 0.1),
                ("", 0.5),
            ],
        ),
        Group::Labour => pick(
            rng,
            &[("online_advertisement", 0.2), ("friends", 0.15), ("family", 0.1), ("at_work", 0.1), ("", 0.45)],
        ),
        Group::Criminal => pick(
            rng,
            &[("friends", 0.25), ("online_social_networks", 0.15), ("family", 0.1), ("other", 0.05), ("", 0.45)],
        ),
    };
    let z: f64 = StandardNormal.sample(rng);
    let frailty = (FRAILTY_SIGMA * z - FRAILTY_SIGMA * FRAILTY_SIGMA / 2.0).exp();

    let names = name_set(nationality);
    let list = if sex == Sex::Female { names.female } else { names.male };
    let first = list[rng.random_range(0..list.len())];
    let mut given = vec![first];
    if !names.family_first && rng.random::<f64>() < 0.25 {
        let second = list[rng.random_range(0..list.len())];
        if second != first {
            given.push(second);
        }
    }
    let family = names.family[rng.random_range(0..names.family.len())].to_string();
    let doc_birth =
        if residence == "undocumented" && rng.random::<f64>() < 0.4 { ymd(birth.year(), 1, 1) } else { birth };
    let identity = Identity { given, family, birth: doc_birth, family_first: names.family_first };
    let bsn_p = match residence {
        "citizen" => 1.0,
        "eu_citizen" => 0.6,
        "residence_permit" | "victim_permit" => 0.9,
        "asylum_seeker" => 0.7,
        "undocumented" => 0.0,
        _ => 0.3,
    };
    let u_bsn: f64 = rng.random();
    let bsn = citizen_number(rng);
    let citizen_number = (u_bsn < bsn_p).then_some(bsn);
    let doc_digits: u32 = rng.random_range(1_000_000..10_000_000);
    let document_number =
        (rng.random::<f64>() < if nat_group == "NL" { 0.5 } else { 0.7 }).then(|| format!("{nationality}{doc_digits}"));
    let street = STREETS[rng.random_range(0..STREETS.len())];
    let number: u32 = rng.random_range(1..200);
    let address = (citizen_number.is_some() && rng.random::<f64>() < 0.8)
        .then(|| format!("{street} {number}, {}", MUNICIPALITIES[municipality].2));
    let years = pick(rng, &[(1, 0.6), (2, 0.3), (3, 0.1)]);
    Person {
        id,
        group,
        sex,
        birth,
        identity,
        nationality,
        nat_group,
        residence,
        unaccompanied,
        exploitation,
        domestic,
        municipality,
        means,
        recruitment,
        frailty,
        start,
        first_year: year,
        last_year: year + years - 1,
        citizen_number,
        document_number,
        address,
    }
}

/// Relative intensity of reporter `r` for person `p` in `year` at age `age`, before the year factor.
fn intensity(r: ReporterType, p: &Person, year: i32, age: i32) -> f64 {
    let minor = age < 18;
    let g = p.group;
    let e = match r {
        ReporterType::Police => {
            let by_group = match g {
                Group::DomesticSexual => 1.0,
                Group::CrossBorderSexual => 1.2,
                Group::Labour => 0.45,
                Group::Criminal => 1.3,
            };
            by_group * if minor { 0.9 } else { 1.0 }
        }
        ReporterType::BorderPolice => {
            let by_group = match g {
                Group::DomesticSexual => 0.1,
                Group::CrossBorderSexual => 1.4,
                Group::Labour => 0.9,
                Group::Criminal => 0.6,
            };
            let by_nat = match p.nat_group {
                "NL" => 0.1,
                "EU" => 1.0,
                _ => 1.5,
            };
            0.18 * by_group * by_nat
        }
        ReporterType::LabourInspectorate => match g {
            Group::Labour => 1.1,
            Group::Criminal => 0.1,
            _ => 0.01,
        },
        ReporterType::CareCoordinator => {
            0.6 * match g {
                Group::DomesticSexual => 1.6,
                Group::CrossBorderSexual => 0.9,
                Group::Labour => 0.35,
                Group::Criminal => 0.6,
            }
        }
        ReporterType::Shelter => {
            let by_group = match g {
                Group::DomesticSexual => 0.8,
                Group::CrossBorderSexual => 1.5,
                Group::Labour => 0.5,
                Group::Criminal => 0.4,
            };
            0.3 * by_group * if p.sex == Sex::Female { 1.3 } else { 0.5 }
        }
        ReporterType::YouthCare => {
            if minor {
                0.7 * match g {
                    Group::DomesticSexual => 1.2,
                    Group::Criminal => 1.0,
                    _ => 0.4,
                }
            } else {
                0.0
            }
        }
        ReporterType::Guardianship => {
            if minor && p.unaccompanied {
                2.0
            } else {
                0.0
            }
        }
        ReporterType::Municipality => 0.05,
        ReporterType::Immigration => {
            if p.nat_group == "non-EU" {
                0.15
            } else {
                0.0
            }
        }
        ReporterType::LegalAid => 0.04,
        ReporterType::Ngo => {
            0.12 * match g {
                Group::CrossBorderSexual => 1.5,
                Group::Labour => 1.3,
                _ => 0.7,
            }
        }
        ReporterType::Other => 0.03,
    };
    // Dutch minors in domestic sexual exploitation are the least visible: about 11 % of some 1,300
    // a year were in view (van Dijk et al. 2017).
    let hidden = if minor && g == Group::DomesticSexual { 0.7 } else { 1.0 };
    e * hidden * year_weight(r, year) * covid(p, year) * p.frailty
}

/// Shifts in who reports: the police share fell from 75 % of reports (2013) to 34 % (2017), care
/// reports grew to ~550 a year by 2014; police reports were 490 in 2020 and 310 in 2021.
fn year_weight(r: ReporterType, year: i32) -> f64 {
    match r {
        ReporterType::Police => match year {
            i32::MIN..=2012 => 5.0,
            2013 => 6.0,
            2014 => 1.9,
            2015 => 1.6,
            2016 => 1.4,
            2017 => 1.3,
            2018 => 1.3,
            2019 => 1.5,
            2020 => 1.0,
            2021 => 0.65,
            _ => 0.7,
        },
        ReporterType::CareCoordinator | ReporterType::Shelter | ReporterType::YouthCare | ReporterType::Ngo => {
            match year {
                i32::MIN..=2013 => 0.3,
                _ => 0.7,
            }
        }
        ReporterType::LabourInspectorate => {
            if year >= 2019 {
                1.3
            } else {
                1.0
            }
        }
        ReporterType::BorderPolice
        | ReporterType::Immigration
        | ReporterType::Municipality
        | ReporterType::LegalAid
        | ReporterType::Other => {
            if year >= 2019 {
                1.8
            } else {
                1.0
            }
        }
        ReporterType::Guardianship => 1.0,
    }
}

/// COVID 2020: criminal exploitation plus sexual exploitation of non-Dutch victims fell from 668 to 289.
fn covid(p: &Person, year: i32) -> f64 {
    if year == 2020 && (p.group == Group::Criminal || (p.group.is_sexual() && p.nat_group != "NL")) {
        0.42
    } else {
        1.0
    }
}

/// Probability that a report drawn on `date` is filed. Care organisations and NGOs asked for consent
/// after the GDPR took effect (2018-05-25): about 27 % of adults gave it (550 → 150 reports a year);
/// for minors guardian consent was rarely obtained; the guardianship institution stopped in May 2018.
fn filing_prob(r: ReporterType, date: NaiveDate, minor: bool) -> f64 {
    if r == ReporterType::Guardianship && date >= guardianship_stop() {
        return 0.0;
    }
    if r.is_care_or_ngo() && date >= gdpr_date() {
        return match (minor, r) {
            (false, _) => 0.27,
            (true, ReporterType::YouthCare) => 0.03,
            (true, _) => 0.10,
        };
    }
    1.0
}

/// Routes of the first version that are no longer drawn (police and care coordinators to shelters,
/// youth care to care coordinators); their uniforms are still consumed.
const RETIRED_REFERRALS: usize = 3;

/// Referral: a filed report by `from` leads to a report by `to` with this probability in the same year.
///
/// Each list receives referrals from one other list only (police → care coordinators, border police →
/// shelters, labour inspectorate → police). Referrals into one list from several sources act as a
/// noisy-OR, which makes three-way interactions between the lists (P,R,O about −2.6 over the true
/// population when police, border police and care coordinators all referred to shelters); the Dutch
/// estimates model two-way interactions only and gave about five times the registered number on the
/// real register (van Dijk et al. 2017), so a simulator on which they recover a quarter of its own
/// population would not behave like that register (docs/benchmarks.md, "MSE coverage on the
/// simulator"). One source per list keeps the dependence two-way.
const REFERRALS: [(ReporterType, ReporterType, f64); 3] = [
    (ReporterType::Police, ReporterType::CareCoordinator, 0.20),
    (ReporterType::BorderPolice, ReporterType::Shelter, 0.25),
    (ReporterType::LabourInspectorate, ReporterType::Police, 0.15),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Filed,
    /// Withheld for want of (guardian) consent; the person was a minor.
    WithheldMinor,
    Withheld,
}

#[derive(Debug, Clone)]
struct Latent {
    person: usize,
    reporter_type: ReporterType,
    reporter: String,
    date: NaiveDate,
    status: Status,
}

fn reporter_id(r: ReporterType, p: &Person, u: f64) -> String {
    let region = MUNICIPALITIES[p.municipality].1;
    match r {
        ReporterType::Police => format!("POL-{region}"),
        ReporterType::BorderPolice => {
            if u < 0.6 {
                "KMAR-SCHIPHOL".into()
            } else if u < 0.8 {
                "KMAR-ZUID".into()
            } else {
                "KMAR-OOST".into()
            }
        }
        ReporterType::LabourInspectorate => "NLA".into(),
        ReporterType::CareCoordinator => format!("ZC-{region}"),
        ReporterType::Shelter => format!("OPV-{region}"),
        ReporterType::YouthCare => format!("JZ-{region}"),
        ReporterType::Guardianship => "NIDOS".into(),
        ReporterType::Municipality => MUNICIPALITIES[p.municipality].0.into(),
        ReporterType::Immigration => "IND".into(),
        ReporterType::LegalAid => format!("ADV-{:02}", 1 + (u * 6.0) as u32),
        ReporterType::Ngo => format!("NGO-{}", ["A", "B", "C", "D"][((u * 4.0) as usize).min(3)]),
        ReporterType::Other => "OTHER".into(),
    }
}

/// Runs the simulation, reporting progress and honouring cancellation.
pub fn simulate_with_progress(config: &Config, progress: &dyn Progress) -> Result<Simulation, SimError> {
    config.validate()?;
    let window_start = ymd(config.from, 1, 1);
    let window_end = ymd(config.to, 12, 31);
    let scale = config.scale;

    // 1. Population.
    let persons = population::population(config, progress)?;

    // 2. Captures, year by year, with the year factor solved so that the expected number of distinct
    //    persons with a filed report equals the registered target.
    let latent = captures::captures(config, &persons, progress)?;

    // 3. Report rows.
    progress.start("reports", latent.len() as u64);
    let mut rng = stream(config.seed, 3);
    let mut counters: BTreeMap<String, u32> = BTreeMap::new();
    let mut reports: Vec<ReportRow> = Vec::new();
    for l in &latent {
        let seq = counters.entry(l.reporter.clone()).or_insert(0);
        *seq += 1;
        let external_id = format!("{}-{}-{:05}", l.reporter, l.date.year(), seq);
        let row = report_row(&mut rng, &persons[l.person], l, external_id, config.statistical_minors);
        if let Some(row) = row {
            reports.push(row);
        }
    }
    progress.advance(latent.len() as u64).map_err(|_| SimError::Cancelled)?;

    // 4. Follow-up events of the victims.
    progress.start("follow-up", persons.len() as u64);
    let mut first_filed: BTreeMap<usize, NaiveDate> = BTreeMap::new();
    let mut first_latent: BTreeMap<usize, NaiveDate> = BTreeMap::new();
    for l in &latent {
        first_latent.entry(l.person).or_insert(l.date);
        if l.status == Status::Filed {
            first_filed.entry(l.person).or_insert(l.date);
        }
    }
    let refs: Vec<NaiveDate> = (0..persons.len())
        .map(|i| {
            first_filed
                .get(&i)
                .or_else(|| first_latent.get(&i))
                .copied()
                .unwrap_or_else(|| ymd(persons[i].last_year, 12, 31))
        })
        .collect();
    let cohort: Vec<usize> = first_filed.keys().copied().collect();
    let hazard_a = calibrate_hazard(&persons, &refs, &cohort);
    let mut rng = stream(config.seed, 4);
    let mut events: Vec<(NaiveDate, u64, EventRow)> = Vec::new();
    let mut follow: Vec<FollowUp> = Vec::with_capacity(persons.len());
    for (i, p) in persons.iter().enumerate() {
        let f = follow_up(&mut rng, p, refs[i], hazard_a, window_start, window_end, &mut events);
        follow.push(f);
        if i % 10_000 == 0 {
            progress.advance(0).map_err(|_| SimError::Cancelled)?;
        }
    }
    progress.advance(persons.len() as u64).map_err(|_| SimError::Cancelled)?;

    // 5. Decoys.
    let n_decoys = (config.decoy_events as f64 * scale).round() as u64;
    progress.start("decoys", n_decoys);
    let mut rng = stream(config.seed, 5);
    decoys(&mut rng, n_decoys, &persons, window_start, window_end, &mut events, progress)?;

    // Sort small keys, then move each row once along the permutation's cycles: sorting the
    // ~200-byte rows themselves dominated the run time, and a second vector doubled the memory.
    let mut order: Vec<(NaiveDate, &'static str, u64, usize)> =
        events.iter().enumerate().map(|(i, e)| (e.0, e.2.source, e.1, i)).collect();
    order.sort_unstable();
    let mut perm: Vec<usize> = order.into_iter().map(|o| o.3).collect();
    apply_permutation(&mut events, &mut perm);
    let mut ev_counters: BTreeMap<&'static str, u32> = BTreeMap::new();
    let events: Vec<EventRow> = events
        .into_iter()
        .map(|(_, _, mut e)| {
            let seq = ev_counters.entry(e.source).or_insert(0);
            *seq += 1;
            let prefix = match e.source {
                "police-victims" => "PV",
                "police-suspects" => "PS",
                _ => "BRP",
            };
            e.external_id = format!("{prefix}-{seq:08}");
            e
        })
        .collect();

    // 6. Signals.
    progress.start("signals", (config.to - config.from + 1) as u64);
    let mut rng = stream(config.seed, 6);
    let signals = signals(&mut rng, &persons, config, progress)?;

    // 7. Truth.
    progress.start("truth", 1);
    let truth = truth(config, &persons, &reports, &follow, &signals);
    progress.advance(1).map_err(|_| SimError::Cancelled)?;
    Ok(Simulation { config: config.clone(), reports, events, signals, truth })
}

/// Reorders `items` so that `items[i]` becomes the old `items[perm[i]]`, in place, by following the
/// permutation's cycles (every element is moved once). `perm` is consumed (overwritten).
fn apply_permutation<T>(items: &mut [T], perm: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..perm.len() {
        let mut cur = start;
        while perm[cur] != DONE {
            let src = perm[cur];
            perm[cur] = DONE;
            if src == start {
                break;
            }
            items.swap(cur, src);
            cur = src;
        }
    }
}

/// The 24 mid-quantiles of the uniform day on `[a, b]`.
fn quantile_days(a: NaiveDate, b: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    (0..24).map(move |k| date_from((k as f64 + 0.5) / 24.0, a, b))
}

fn date_from(u: f64, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = (b - a).num_days().max(0);
    a + Duration::days(((u * (span + 1) as f64).floor() as i64).min(span))
}

fn status_of(r: ReporterType, date: NaiveDate, minor: bool, u: f64) -> Status {
    if u < filing_prob(r, date, minor) {
        Status::Filed
    } else if minor && r.is_care_or_ngo() {
        Status::WithheldMinor
    } else {
        Status::Withheld
    }
}

/// The range of ages at `report_date` that a row's birth fields allow.
fn row_age_range(
    birth_date: Option<NaiveDate>,
    birth_year: Option<i32>,
    band: Option<&str>,
    true_age: i32,
    report_date: NaiveDate,
) -> (i32, i32) {
    if let Some(b) = birth_date {
        let a = age_on(b, report_date);
        return (a, a);
    }
    if let Some(by) = birth_year {
        let a = report_date.year() - by;
        return (a - 1, a);
    }
    if let Some(band) = band {
        return band_range(band);
    }
    (true_age, true_age)
}

/// The ages a band holds (the model's bands; the open last band up to 120).
fn band_range(band: &str) -> (i32, i32) {
    match zicht_model::AgeBand::parse(band) {
        Ok(b) => {
            let (lo, hi) = b.range();
            (lo as i32, hi.min(120) as i32)
        }
        Err(_) => (48, 120),
    }
}

fn report_row(
    rng: &mut Rng8,
    p: &Person,
    l: &Latent,
    external_id: String,
    statistical_minors: bool,
) -> Option<ReportRow> {
    let r = l.reporter_type;
    let statistical = l.status == Status::WithheldMinor;
    let level = if r.is_obliged() || r == ReporterType::Immigration { NoiseLevel::POLICE } else { NoiseLevel::CARE };
    let obs = observe(rng, &p.identity, level, statistical);
    let u: [f64; 16] = std::array::from_fn(|_| rng.random::<f64>());
    let emit = match l.status {
        Status::Filed => true,
        Status::WithheldMinor => statistical_minors,
        Status::Withheld => false,
    };
    if !emit {
        return None;
    }
    let d = l.date;
    let true_age = age_on(p.birth, d);
    let birth_date = obs.birth;
    let birth_year = match birth_date {
        Some(b) => (statistical && u[0] < 0.5).then_some(b.year()),
        None => {
            let by = p.identity.birth.year();
            let a = d.year() - by;
            (u[0] < 0.5 && age_band(a - 1) == age_band(a)).then_some(by)
        }
    };
    let age_band_cell = if u[1] < 0.85 {
        let (lo, hi) = row_age_range(birth_date, birth_year, None, true_age, d);
        (age_band(lo) == age_band(hi)).then(|| age_band(lo))
    } else {
        None
    };
    let (min_age, max_age) = row_age_range(birth_date, birth_year, age_band_cell, true_age, d);
    let age_at_start = age_on(p.birth, p.start);
    let age_at_start = (u[2] < 0.6 && age_at_start <= min_age && age_at_start >= 0).then_some(age_at_start);
    let sex = if u[3] < 0.95 {
        Some(p.sex.code())
    } else if u[3] < 0.97 {
        Some("unknown")
    } else {
        None
    };
    let nationality = (u[4] < 0.97).then_some(p.nationality);
    let residence_status = (u[5] < 0.9).then_some(p.residence);
    // `true` only where the row itself shows a minor, so that the import can verify it.
    let row_has_age = birth_date.is_some() || birth_year.is_some() || age_band_cell.is_some();
    let unaccompanied_minor = if !row_has_age {
        None
    } else if p.unaccompanied {
        Some(max_age < 18)
    } else if p.nat_group == "non-EU" && max_age < 18 && u[6] < 0.5 {
        Some(false)
    } else {
        None
    };
    let may_be_minor = min_age < 18;
    let (identification, lawful_basis, guardian_consent) = if statistical {
        let basis = if r == ReporterType::Guardianship { "legal_obligation" } else { "public_task" };
        let consent = if u[7] < 0.3 { "refused" } else { "not_obtainable" };
        // Guardian consent is only stated where the row does not show an adult.
        ("statistical", basis, may_be_minor.then_some(consent))
    } else if r.is_obliged() || r == ReporterType::Immigration {
        ("identified", "legal_obligation", None)
    } else if r.is_care_or_ngo() && d >= gdpr_date() {
        ("identified", "consent", may_be_minor.then_some("given"))
    } else if r.is_care_or_ngo() {
        ("identified", "public_task", may_be_minor.then_some("not_asked"))
    } else {
        ("identified", "public_task", None)
    };
    let identified = !statistical;
    let document_number = if identified
        && matches!(r, ReporterType::Police | ReporterType::BorderPolice | ReporterType::Immigration)
        && u[8] < 0.5
    {
        p.document_number.clone()
    } else {
        None
    };
    let citizen_number = if identified && u[9] < 0.6 { p.citizen_number.clone() } else { None };
    let address = if identified && r.is_care_or_ngo() && u[10] < 0.5 { p.address.clone() } else { None };
    Some(ReportRow {
        reporter: l.reporter.clone(),
        reporter_type: r.code(),
        external_id,
        report_date: d,
        identification,
        lawful_basis,
        guardian_consent,
        given_names: Some(obs.given),
        family_name: Some(obs.family),
        birth_date,
        birth_year,
        age_band: age_band_cell,
        age_at_start,
        sex,
        nationality,
        residence_status,
        unaccompanied_minor,
        exploitation: p.exploitation.clone(),
        domestic: (u[11] < 0.9).then_some(p.domestic),
        municipality: (u[12] < 0.8).then_some(MUNICIPALITIES[p.municipality].0),
        means_of_control: p.means.clone(),
        recruitment: p.recruitment.to_string(),
        document_number,
        citizen_number,
        address,
        person_id: p.id,
    })
}

/// Relative risk of re-victimisation: minors are most at risk (rapporteur 2016–2020).
fn revictimisation_rr(p: &Person, at: NaiveDate) -> f64 {
    let by_group = match p.group {
        Group::DomesticSexual => 1.15,
        Group::CrossBorderSexual => 0.9,
        Group::Labour => 0.75,
        Group::Criminal => 1.2,
    };
    by_group * if p.minor_on(at) { 1.6 } else { 1.0 }
}

fn death_rate(p: &Person, at: NaiveDate) -> f64 {
    if age_on(p.birth, at) >= 50 { 0.012 } else { 0.002 }
}

fn emigration_rate(p: &Person) -> f64 {
    match (p.nat_group, p.residence) {
        ("NL", _) => 0.005,
        ("EU", _) => 0.05,
        (_, "undocumented") => 0.06,
        _ => 0.03,
    }
}

/// Cumulative incidence at `t` years of the first re-victimisation with hazard `a·rr·b·e^{−bs}` and a
/// constant competing hazard `c`: `∫₀ᵗ h(s) exp(−a·rr·(1−e^{−bs}) − c·s) ds` (trapezoid rule).
fn cif(a: f64, rr: f64, c: f64, t: f64) -> f64 {
    let steps = 400;
    let dt = t / steps as f64;
    let f = |s: f64| {
        let h = a * rr * HAZARD_B * (-HAZARD_B * s).exp();
        h * (-(a * rr * (1.0 - (-HAZARD_B * s).exp())) - c * s).exp()
    };
    let mut sum = 0.5 * (f(0.0) + f(t));
    for k in 1..steps {
        sum += f(k as f64 * dt);
    }
    sum * dt
}

/// Solves `a` so that the registered cohort's expected cumulative incidence at 5 years is 45 %.
fn calibrate_hazard(persons: &[Person], refs: &[NaiveDate], cohort: &[usize]) -> f64 {
    let mut combos: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    for &i in cohort {
        let p = &persons[i];
        let rr = revictimisation_rr(p, refs[i]);
        let c = death_rate(p, refs[i]) + emigration_rate(p);
        *combos.entry((rr.to_bits(), c.to_bits())).or_insert(0.0) += 1.0;
    }
    let n: f64 = combos.values().sum();
    if n == 0.0 {
        return 0.84;
    }
    let mean_cif = |a: f64| -> f64 {
        combos.iter().map(|((rr, c), w)| w * cif(a, f64::from_bits(*rr), f64::from_bits(*c), 5.0)).sum::<f64>() / n
    };
    let (mut lo, mut hi) = (0.0, 20.0);
    for _ in 0..50 {
        let m = 0.5 * (lo + hi);
        if mean_cif(m) < 0.45 {
            lo = m;
        } else {
            hi = m;
        }
    }
    0.5 * (lo + hi)
}

/// The latent follow-up of one victim, kept for the truth.
#[derive(Debug, Clone)]
struct FollowUp {
    /// Dates of every victimisation after the reference date, up to 12 years after it.
    victimisations: Vec<NaiveDate>,
    /// Death or emigration, whichever comes first (may lie beyond the window).
    end: NaiveDate,
}

fn pick_category(rng: &mut Rng8, weights: &[(&'static str, f64); 6]) -> &'static str {
    pick(rng, weights)
}

const REVICTIMISATION_CATEGORIES: [(&str, f64); 6] = [
    ("exploitation", 0.25),
    ("assault", 0.25),
    ("threat", 0.20),
    ("sexual_violence", 0.15),
    ("property", 0.10),
    ("other", 0.05),
];

const SUSPECT_CATEGORIES: [(&str, f64); 6] = [
    ("property", 0.35),
    ("other", 0.25),
    ("assault", 0.20),
    ("threat", 0.10),
    ("exploitation", 0.05),
    ("sexual_violence", 0.05),
];

/// Whom an event is about: identity and the fields every source records.
struct Subject<'a> {
    identity: &'a Identity,
    sex: Sex,
    nationality: &'static str,
    bsn: Option<&'a String>,
    /// `None` for a decoy who was never a victim.
    person_id: Option<u64>,
}

fn event_row(
    rng: &mut Rng8,
    who: &Subject<'_>,
    source: &'static str,
    kind: &'static str,
    date: NaiveDate,
    category: Option<&'static str>,
) -> (NaiveDate, u64, EventRow) {
    let Subject { identity, sex, nationality, bsn, person_id } = *who;
    let level = if source == "municipal-register" { NoiseLevel::REGISTER } else { NoiseLevel::POLICE };
    let obs = observe(rng, identity, level, false);
    let u: [f64; 3] = std::array::from_fn(|_| rng.random::<f64>());
    let key: u64 = rng.random();
    let citizen_number = match source {
        "municipal-register" => bsn.cloned(),
        _ => bsn.filter(|_| u[0] < 0.5).cloned(),
    };
    let birth_date = obs.birth.filter(|b| *b <= date);
    (
        date,
        key,
        EventRow {
            source,
            external_id: String::new(),
            event_date: date,
            kind,
            crime_category: category,
            given_names: Some(obs.given),
            family_name: Some(obs.family),
            birth_date,
            sex: (u[1] < 0.98).then_some(sex.code()),
            nationality: (u[2] < 0.95).then_some(nationality),
            citizen_number,
            person_id,
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn follow_up(
    rng: &mut Rng8,
    p: &Person,
    reference: NaiveDate,
    hazard_a: f64,
    window_start: NaiveDate,
    window_end: NaiveDate,
    events: &mut Vec<(NaiveDate, u64, EventRow)>,
) -> FollowUp {
    let rr = revictimisation_rr(p, reference);
    let who = Subject {
        identity: &p.identity,
        sex: p.sex,
        nationality: p.nationality,
        bsn: p.citizen_number.as_ref(),
        person_id: Some(p.id),
    };
    let t_death = exp_draw(rng, death_rate(p, reference));
    let t_emig = exp_draw(rng, emigration_rate(p));
    let t_end = t_death.min(t_emig);
    let end = add_years(reference, t_end);
    let horizon = 12.0;
    let mut victimisations = Vec::new();
    let e = exp_draw(rng, 1.0);
    let cap = hazard_a * rr;
    let mut times = Vec::new();
    if e < cap {
        let t1 = -(1.0 - e / cap).ln() / HAZARD_B;
        let mut t = t1;
        while t < t_end && t < horizon {
            times.push(t);
            t += exp_draw(rng, REPEAT_RATE * rr);
        }
    }
    let in_window = |d: NaiveDate| d >= window_start && d <= window_end;
    for t in times {
        let d = add_years(reference, t);
        victimisations.push(d);
        if in_window(d) {
            let cat = pick_category(rng, &REVICTIMISATION_CATEGORIES);
            events.push(event_row(rng, &who, "police-victims", "victimisation", d, Some(cat)));
        }
    }
    // Suspect registrations from the start of exploitation (victim–offender overlap).
    let rate = 0.04
        * if p.group == Group::Criminal { 3.0 } else { 1.0 }
        * if p.sex == Sex::Male { 1.5 } else { 1.0 }
        * if p.minor_on(p.start) { 1.5 } else { 1.0 };
    let stop = end.min(window_end);
    let mut t = exp_draw(rng, rate);
    loop {
        let d = add_years(p.start, t);
        if d > stop {
            break;
        }
        if in_window(d) {
            let cat = pick_category(rng, &SUSPECT_CATEGORIES);
            events.push(event_row(rng, &who, "police-suspects", "suspect", d, Some(cat)));
        }
        t += exp_draw(rng, rate);
    }
    // Death and emigration reach the municipal register only for registered residents.
    if p.citizen_number.is_some() && in_window(end) {
        let kind = if t_death <= t_emig { "death" } else { "emigration" };
        events.push(event_row(rng, &who, "municipal-register", kind, end, None));
    }
    FollowUp { victimisations, end }
}

fn decoys(
    rng: &mut Rng8,
    n: u64,
    victims: &[Person],
    window_start: NaiveDate,
    window_end: NaiveDate,
    events: &mut Vec<(NaiveDate, u64, EventRow)>,
    progress: &dyn Progress,
) -> Result<(), SimError> {
    let nat_mix: [(&str, f64); 12] = [
        ("NL", 0.75),
        ("MA", 0.04),
        ("PL", 0.04),
        ("RO", 0.03),
        ("BG", 0.02),
        ("UA", 0.02),
        ("NG", 0.02),
        ("BR", 0.02),
        ("CN", 0.015),
        ("VN", 0.01),
        ("IN", 0.02),
        ("HU", 0.015),
    ];
    let mut made = 0u64;
    let mut since = 0u64;
    while made < n {
        let u: f64 = rng.random();
        let sex = if rng.random::<f64>() < 0.5 { Sex::Female } else { Sex::Male };
        // Relatives and namesakes of victims make the hardest decoys.
        let (nationality, identity) = if u < 0.03 && !victims.is_empty() {
            let v = &victims[rng.random_range(0..victims.len())];
            let set = name_set(v.nationality);
            let list = if sex == Sex::Female { set.female } else { set.male };
            let given = list[rng.random_range(0..list.len())];
            let shift = rng.random_range(-8..=8i64) * 365 + rng.random_range(0..365i64);
            let birth = v.identity.birth + Duration::days(shift);
            (
                v.nationality,
                Identity {
                    given: vec![given],
                    family: v.identity.family.clone(),
                    birth,
                    family_first: set.family_first,
                },
            )
        } else if u < 0.035 && !victims.is_empty() {
            let v = &victims[rng.random_range(0..victims.len())];
            let birth = ymd(rng.random_range(1950..=2008), 1, 1) + Duration::days(rng.random_range(0..365));
            (v.nationality, Identity { birth, ..v.identity.clone() })
        } else {
            let nationality = pick(rng, &nat_mix);
            let set = name_set(nationality);
            let list = if sex == Sex::Female { set.female } else { set.male };
            let mut given = vec![list[rng.random_range(0..list.len())]];
            if !set.family_first && rng.random::<f64>() < 0.2 {
                given.push(list[rng.random_range(0..list.len())]);
                given.dedup();
            }
            let family = set.family[rng.random_range(0..set.family.len())].to_string();
            let birth = ymd(rng.random_range(1950..=2008), 1, 1) + Duration::days(rng.random_range(0..365));
            (nationality, Identity { given, family, birth, family_first: set.family_first })
        };
        let u_bsn: f64 = rng.random();
        let bsn = citizen_number(rng);
        let bsn = (nationality == "NL" || u_bsn < 0.6).then_some(bsn);
        let k = pick(rng, &[(1u64, 0.45), (2, 0.30), (3, 0.15), (4, 0.10)]).min(n - made);
        let earliest = (identity.birth + Duration::days(12 * 366)).max(window_start);
        if earliest > window_end {
            continue;
        }
        // Dates in order; only the last event may be an emigration or a death.
        let mut dates: Vec<NaiveDate> = (0..k).map(|_| random_date_between(rng, earliest, window_end)).collect();
        dates.sort_unstable();
        let u_end: f64 = rng.random();
        let who = Subject { identity: &identity, sex, nationality, bsn: bsn.as_ref(), person_id: None };
        for (j, date) in dates.into_iter().enumerate() {
            let last = j as u64 + 1 == k;
            let (kind, source, category) = if last && bsn.is_some() && u_end < 0.06 {
                ("emigration", "municipal-register", None)
            } else if last && bsn.is_some() && u_end < 0.10 {
                ("death", "municipal-register", None)
            } else if rng.random::<f64>() < 0.6 {
                ("victimisation", "police-victims", Some(pick(rng, &REVICTIMISATION_CATEGORIES)))
            } else {
                ("suspect", "police-suspects", Some(pick(rng, &SUSPECT_CATEGORIES)))
            };
            events.push(event_row(rng, &who, source, kind, date, category));
        }
        made += k;
        since += k;
        if since >= 50_000 {
            progress.advance(since).map_err(|_| SimError::Cancelled)?;
            since = 0;
        }
    }
    progress.advance(since).map_err(|_| SimError::Cancelled)?;
    Ok(())
}

fn signals(
    rng: &mut Rng8,
    persons: &[Person],
    config: &Config,
    progress: &dyn Progress,
) -> Result<Vec<SignalRow>, SimError> {
    let mut out: Vec<(NaiveDate, u64, SignalRow)> = Vec::new();
    for y in config.from..=config.to {
        let mid = ymd(y, 7, 1);
        let active: Vec<&Person> = persons.iter().filter(|p| p.first_year <= y && y <= p.last_year).collect();
        let weight = |p: &Person| -> f64 {
            let age = age_on(p.birth, mid);
            let form = if p.group.is_sexual() { 1.0 } else { 0.15 };
            let by_age = if age < 18 {
                2.6
            } else if age < 25 {
                1.0
            } else {
                0.3
            };
            form * by_age
        };
        let total: f64 = active.iter().map(|p| weight(p)).sum();
        let s = if total > 0.0 { signal_target(y) * config.scale / total } else { 0.0 };
        for p in active {
            let u: [f64; 8] = std::array::from_fn(|_| rng.random::<f64>());
            let key: u64 = rng.random();
            if u[0] >= (s * weight(p)).min(CAP) {
                continue;
            }
            let date = date_from(u[1], p.first_day_in(y), ymd(y, 12, 31));
            let (source, channel) = if u[2] < 0.92 {
                (
                    "chat-fier",
                    if u[3] < 0.94 {
                        "chat"
                    } else if u[3] < 0.97 {
                        "web"
                    } else {
                        "email"
                    },
                )
            } else {
                ("hotline", "phone")
            };
            let band = (u[4] < 0.85).then(|| age_band(age_on(p.birth, date)));
            let exploitation = (u[5] < 0.8).then_some(match p.group {
                Group::DomesticSexual | Group::CrossBorderSexual => "sexual",
                Group::Labour => "labour",
                Group::Criminal => "criminal",
            });
            let region = (u[6] < 0.9).then_some(MUNICIPALITIES[p.municipality].1);
            out.push((
                date,
                key,
                SignalRow {
                    source,
                    external_id: String::new(),
                    signal_date: date,
                    channel,
                    age_band: band,
                    exploitation,
                    region,
                },
            ));
        }
        progress.advance(1).map_err(|_| SimError::Cancelled)?;
    }
    out.sort_by(|a, b| (a.0, a.2.source, a.1).cmp(&(b.0, b.2.source, b.1)));
    let mut counters: BTreeMap<&'static str, u32> = BTreeMap::new();
    Ok(out
        .into_iter()
        .map(|(_, _, mut s)| {
            let seq = counters.entry(s.source).or_insert(0);
            *seq += 1;
            let prefix = if s.source == "chat-fier" { "CF" } else { "HL" };
            s.external_id = format!("{prefix}-{}-{seq:06}", s.signal_date.year());
            s
        })
        .collect())
}

fn truth(
    config: &Config,
    persons: &[Person],
    reports: &[ReportRow],
    follow: &[FollowUp],
    signals: &[SignalRow],
) -> Truth {
    let index_of = |id: u64| (id - 1) as usize;
    // Population.
    let mut pop: BTreeMap<(i32, &'static str, bool, &'static str, &'static str), u64> = BTreeMap::new();
    let mut true_pop: BTreeMap<i32, u64> = BTreeMap::new();
    for y in config.from..=config.to {
        let mid = ymd(y, 7, 1);
        for p in persons.iter().filter(|p| p.first_year <= y && y <= p.last_year) {
            *pop.entry((y, p.group.code(), p.minor_on(mid), p.sex.code(), p.nat_group)).or_insert(0) += 1;
            *true_pop.entry(y).or_insert(0) += 1;
        }
    }
    let population = pop
        .into_iter()
        .map(|((year, group, minor, sex, nationality_group), persons)| PopulationRow {
            year,
            group,
            minor,
            sex,
            nationality_group,
            persons,
        })
        .collect();

    // Lists and registered counts. Reports are sorted by date, so the first seen is the first of the year.
    let mut lists: BTreeMap<(u64, i32), ListRow> = BTreeMap::new();
    let mut per_year: BTreeMap<i32, (BTreeSet<u64>, BTreeSet<u64>, u64, u64)> = BTreeMap::new();
    let mut entry: BTreeMap<u64, NaiveDate> = BTreeMap::new();
    for r in reports {
        let y = r.report_date.year();
        let p = &persons[index_of(r.person_id)];
        let row = lists.entry((r.person_id, y)).or_insert_with(|| ListRow {
            person_id: r.person_id,
            year: y,
            group: p.group.code(),
            minor: p.minor_on(r.report_date),
            sex: p.sex.code(),
            nationality_group: p.nat_group,
            lists: [false; 6],
            reporter_types: [false; 12],
        });
        if let Some(k) = ReporterType::ALL.iter().position(|t| t.code() == r.reporter_type) {
            row.reporter_types[k] = true;
            row.lists[ReporterType::ALL[k].list().index()] = true;
        }
        let e = per_year.entry(y).or_default();
        e.0.insert(r.person_id);
        if r.identification == "identified" {
            e.1.insert(r.person_id);
        } else {
            e.3 += 1;
        }
        e.2 += 1;
        entry.entry(r.person_id).or_insert(r.report_date);
    }
    let mut signals_per_year: BTreeMap<i32, u64> = BTreeMap::new();
    for s in signals {
        *signals_per_year.entry(s.signal_date.year()).or_insert(0) += 1;
    }
    let registered = (config.from..=config.to)
        .map(|y| {
            let (persons_all, persons_identified, reports, statistical) = per_year.remove(&y).unwrap_or_default();
            RegisteredRow {
                year: y,
                persons: persons_all.len() as u64,
                persons_identified: persons_identified.len() as u64,
                reports,
                reports_statistical: statistical,
                true_population: true_pop.get(&y).copied().unwrap_or(0),
                signals: signals_per_year.get(&y).copied().unwrap_or(0),
            }
        })
        .collect();

    // Re-victimisation: cohort of first registration, uncensored latent times.
    let groups: [&'static str; 7] =
        ["all", "minor", "adult", "domestic_sexual", "cross_border_sexual", "labour", "criminal"];
    let mut counts: BTreeMap<(&'static str, u32), (u64, u64)> = BTreeMap::new();
    for (&id, &start) in &entry {
        let i = index_of(id);
        let p = &persons[i];
        let f = &follow[i];
        let first = f.victimisations.iter().copied().find(|d| *d > start && *d < f.end);
        let member = |g: &str| match g {
            "all" => true,
            "minor" => p.minor_on(start),
            "adult" => !p.minor_on(start),
            other => p.group.code() == other,
        };
        for g in groups {
            if !member(g) {
                continue;
            }
            for years in 1..=7u32 {
                let c = counts.entry((g, years)).or_insert((0, 0));
                c.0 += 1;
                if let Some(d) = first
                    && d <= add_years(start, years as f64)
                {
                    c.1 += 1;
                }
            }
        }
    }
    let mut revictimisation = Vec::new();
    for g in groups {
        for years in 1..=7u32 {
            let (cohort, revictimised) = counts.get(&(g, years)).copied().unwrap_or((0, 0));
            revictimisation.push(RevictimisationRow {
                group: g,
                years,
                cohort,
                revictimised,
                cumulative_incidence: if cohort > 0 { revictimised as f64 / cohort as f64 } else { 0.0 },
            });
        }
    }
    Truth { population, lists: lists.into_values().collect(), revictimisation, registered }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_applied_in_place() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e'];
        let mut perm = vec![3, 0, 4, 1, 2];
        apply_permutation(&mut items, &mut perm);
        assert_eq!(items, ['d', 'a', 'e', 'b', 'c']);
        let mut items = vec![1, 2, 3];
        apply_permutation(&mut items, &mut [0, 1, 2]);
        assert_eq!(items, [1, 2, 3]);
    }

    #[test]
    fn age_counts_birthdays() {
        let b = ymd(2000, 6, 15);
        assert_eq!(age_on(b, ymd(2018, 6, 14)), 17);
        assert_eq!(age_on(b, ymd(2018, 6, 15)), 18);
    }

    #[test]
    fn filing_follows_the_gdpr_dates() {
        let before = ymd(2018, 5, 24);
        let after = ymd(2018, 5, 25);
        assert_eq!(filing_prob(ReporterType::Shelter, before, false), 1.0);
        assert!(filing_prob(ReporterType::Shelter, after, false) < 0.3);
        assert_eq!(filing_prob(ReporterType::Police, after, true), 1.0);
        assert_eq!(filing_prob(ReporterType::Guardianship, ymd(2018, 4, 30), true), 1.0);
        assert_eq!(filing_prob(ReporterType::Guardianship, ymd(2018, 5, 1), true), 0.0);
    }

    #[test]
    fn hazard_without_competition_matches_closed_form() {
        // CIF(t) = 1 − exp(−a(1 − e^{−bt})) when c = 0.
        let a = 0.84;
        let exact = 1.0 - (-a * (1.0 - (-HAZARD_B * 5.0f64).exp())).exp();
        assert!((cif(a, 1.0, 0.0, 5.0) - exact).abs() < 1e-5);
    }

    #[test]
    fn row_age_range_uses_the_written_fields() {
        let d = ymd(2020, 3, 1);
        assert_eq!(row_age_range(Some(ymd(2003, 3, 2)), None, None, 30, d), (16, 16));
        assert_eq!(row_age_range(None, Some(2003), None, 30, d), (16, 17));
        assert_eq!(row_age_range(None, None, Some("9-17"), 30, d), (9, 17));
        assert_eq!(row_age_range(None, None, None, 30, d), (30, 30));
    }
}
