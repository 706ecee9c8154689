//! `zicht-sim`: a seeded synthetic population of trafficking victims, what the registers see of it,
//! and the ground truth the monitor must recover.
//!
//! Real victim data can never ship with zicht. This crate generates a population calibrated to the
//! public Dutch figures (`shared/domain.md`: the national rapporteur's victim monitor 2016–2020, the
//! UNODC/WODC dark-number studies) and writes it in the import formats of `docs/formats.md`:
//!
//! * **Population.** Victims enter exploitation each year and stay in it for one to three calendar
//!   years; the true number active per year is about five to seven times the registered number
//!   (≈ 6,250 around 2015, van Dijk et al. 2017). Each has a victim group (domestic sexual,
//!   cross-border sexual, labour, criminal exploitation), sex, birth date, nationality, residence status
//!   and a latent *visibility* (log-normal frailty) shared by all registers.
//! * **Detection.** Every reporter type captures an active victim in a year with a probability that
//!   depends on the group, age, sex, nationality, the year and the person's visibility; a per-year
//!   factor is solved by bisection so that the *expected* number of distinct persons reported equals
//!   the rapporteur's series (952 in 2016 … 791 in 2021). The police refer victims on to care
//!   coordinators, the border police to shelters, the labour inspectorate to the police (one source
//!   per list, so the interaction stays two-way, as in the Dutch estimates), so the lists are
//!   dependent twice over: through the shared visibility (heterogeneity, σ = 0.3 on the log scale)
//!   and through referral (list interaction) — the two things multiple systems estimation must
//!   model. Dutch minors in domestic sexual exploitation are
//!   the least visible (≈ 1,100 a year, ≈ 14 % in view; the UNODC study found ≈ 1,300 and 11 %).
//! * **Events.** From 2018-05-25 care organisations and NGOs file a report only with consent (adults
//!   about 27 %, minors rarely, with guardian consent); the guardianship institution for unaccompanied
//!   minors files nothing from 2018-05-01. In 2020 detection of criminal exploitation and of non-Dutch
//!   sexual exploitation falls to about 42 % (COVID). With [`Config::statistical_minors`] the minors'
//!   reports that would have been withheld arrive as `identification=statistical` rows instead.
//! * **Follow-up.** Re-victimisation after first registration has hazard
//!   `h(t) = a·rr·b·e^{−bt}` (b = 0.2/year; `a` solved so that the cohort's cumulative incidence at
//!   5 years is 45 %, which makes 7 years ≈ 50 %), relative risk higher for minors; death and
//!   emigration compete. Suspect registrations follow a Poisson process (victim–offender overlap).
//!   Decoy events of people who were never victims give linkage something to reject.
//! * **Identity.** Names from small per-nationality lists ([`names`]), rendered with register-specific
//!   noise: typos, transpositions, swapped name fields, dropped or capitalised particles, a dropped
//!   second given name, diacritics folded to ASCII, missing, day/month-swapped or off-by-a-year birth
//!   dates, 1 January placeholders for some undocumented people.
//!
//! [`write_dir`] writes the files; its documentation lists the truth files.
//!
//! The output is a pure function of the [`Config`]: no wall clock, no hash-map iteration order.

pub mod codes;
mod identity;
pub mod names;
mod sim;
pub mod write;

use std::path::PathBuf;

use chrono::NaiveDate;

pub use identity::is_valid_citizen_number;
pub use sim::{registered_target, simulate_with_progress, true_target};
pub use write::{write_dir, write_events, write_reports, write_signals};

/// What to simulate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Config {
    /// Seed of every random stream (ChaCha8).
    pub seed: u64,
    /// First calendar year of the register (inclusive).
    pub from: i32,
    /// Last calendar year of the register (inclusive). Follow-up events end on 31 December of it.
    ///
    /// The import rejects dates in the future, so keep `to` before the current year (the CLI checks
    /// this; the library reads no clock, so that its output depends on the configuration alone).
    pub to: i32,
    /// Multiplies the population, the registered targets, the signals and the decoys.
    pub scale: f64,
    /// Follow-up events of people who were never victims, at scale 1.
    ///
    /// The issue asks for about a million; the default is [`Config::DEFAULT_DECOY_EVENTS`] so that the
    /// whole `zicht demo` (import and linkage included) stays within its 30-second target on two cores.
    pub decoy_events: u64,
    /// Minors' reports that care organisations would withhold (no guardian consent) arrive as
    /// statistical reports under `public_task` / `legal_obligation` instead of not at all.
    pub statistical_minors: bool,
}

impl Config {
    /// Default number of decoy follow-up events (see [`Config::decoy_events`]).
    pub const DEFAULT_DECOY_EVENTS: u64 = 200_000;

    /// Checks the ranges: `from ≤ to`, both in 2000–2100, a positive finite scale of at most 100, and at
    /// most 20 million decoy events after scaling.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(2000..=2100).contains(&self.from) || !(2000..=2100).contains(&self.to) {
            return Err(SimError::InvalidConfig(format!(
                "years must lie in 2000..=2100 (got from {} to {})",
                self.from, self.to
            )));
        }
        if self.from > self.to {
            return Err(SimError::InvalidConfig(format!("from ({}) must not be after to ({})", self.from, self.to)));
        }
        if !self.scale.is_finite() || self.scale <= 0.0 || self.scale > 100.0 {
            return Err(SimError::InvalidConfig(format!("scale must be a number in (0, 100] (got {})", self.scale)));
        }
        // About 0.5 KB of memory per event while it is held: keep the whole run within a few GB.
        let decoys = self.decoy_events as f64 * self.scale;
        if decoys > 20_000_000.0 {
            return Err(SimError::InvalidConfig(format!(
                "decoy_events × scale must be at most 20,000,000 (got {decoys:.0})"
            )));
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            from: 2012,
            to: 2022,
            scale: 1.0,
            decoy_events: Config::DEFAULT_DECOY_EVENTS,
            statistical_minors: false,
        }
    }
}

/// Errors of the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid simulation settings: {0}")]
    InvalidConfig(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("simulation cancelled")]
    Cancelled,
}

pub use zicht_progress::{Cancelled, NoProgress, Progress, Stoppable};

/// One row of `reports.csv` (columns as in `docs/formats.md`), with its true person.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportRow {
    pub reporter: String,
    pub reporter_type: &'static str,
    pub external_id: String,
    pub report_date: NaiveDate,
    pub identification: &'static str,
    pub lawful_basis: &'static str,
    pub guardian_consent: Option<&'static str>,
    pub given_names: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub age_band: Option<&'static str>,
    pub age_at_start: Option<i32>,
    pub sex: Option<&'static str>,
    pub nationality: Option<&'static str>,
    pub residence_status: Option<&'static str>,
    pub unaccompanied_minor: Option<bool>,
    pub exploitation: String,
    pub domestic: Option<bool>,
    pub municipality: Option<&'static str>,
    pub means_of_control: String,
    pub recruitment: String,
    pub document_number: Option<String>,
    pub citizen_number: Option<String>,
    pub address: Option<String>,
    /// Truth: the person reported (not written to `reports.csv`).
    pub person_id: u64,
}

/// One row of `events.csv`, with its true person (`None` for a decoy who was never a victim).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventRow {
    pub source: &'static str,
    pub external_id: String,
    pub event_date: NaiveDate,
    pub kind: &'static str,
    pub crime_category: Option<&'static str>,
    pub given_names: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<&'static str>,
    pub nationality: Option<&'static str>,
    pub citizen_number: Option<String>,
    pub person_id: Option<u64>,
}

/// One row of `signals.csv`: an anonymous help-chat or hotline contact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SignalRow {
    pub source: &'static str,
    pub external_id: String,
    pub signal_date: NaiveDate,
    pub channel: &'static str,
    pub age_band: Option<&'static str>,
    pub exploitation: Option<&'static str>,
    pub region: Option<&'static str>,
}

/// `truth/population.csv`: true victims active in a year (age at 1 July), by stratum.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct PopulationRow {
    pub year: i32,
    pub group: &'static str,
    pub minor: bool,
    pub sex: &'static str,
    pub nationality_group: &'static str,
    pub persons: u64,
}

/// `truth/lists.csv`: for a person reported in a year, the lists (P K I R O Z) and the reporter types
/// that reported them, with the stratum as at their first report of the year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ListRow {
    pub person_id: u64,
    pub year: i32,
    pub group: &'static str,
    pub minor: bool,
    pub sex: &'static str,
    pub nationality_group: &'static str,
    /// In the order P, K, I, R, O, Z.
    pub lists: [bool; 6],
    /// Per reporter type, in the order of [`codes::ReporterType::ALL`].
    pub reporter_types: [bool; 12],
}

/// `truth/revictimisation.csv`: the true cumulative incidence of a new victimisation within `years`
/// of first registration (death and emigration compete; no administrative censoring).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RevictimisationRow {
    pub group: &'static str,
    pub years: u32,
    pub cohort: u64,
    pub revictimised: u64,
    pub cumulative_incidence: f64,
}

/// `truth/registered.csv`: what the register holds per year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisteredRow {
    pub year: i32,
    /// Distinct persons with at least one report row in the year (the rapporteur's unit of count).
    pub persons: u64,
    /// Distinct persons with at least one identified report in the year.
    pub persons_identified: u64,
    pub reports: u64,
    pub reports_statistical: u64,
    /// True victims active in the year.
    pub true_population: u64,
    pub signals: u64,
}

/// The ground truth.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Truth {
    pub population: Vec<PopulationRow>,
    pub lists: Vec<ListRow>,
    pub revictimisation: Vec<RevictimisationRow>,
    pub registered: Vec<RegisteredRow>,
}

/// A simulated world: the three import files and the truth.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Simulation {
    pub config: Config,
    pub reports: Vec<ReportRow>,
    pub events: Vec<EventRow>,
    pub signals: Vec<SignalRow>,
    pub truth: Truth,
}

/// Runs the simulation without progress reporting.
pub fn simulate(config: &Config) -> Result<Simulation, SimError> {
    simulate_with_progress(config, &NoProgress)
}
