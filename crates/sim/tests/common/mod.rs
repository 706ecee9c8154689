//! Figures computed from a simulation, shared by the behaviour tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use zicht_sim::{Config, Simulation};

/// Per-year figures of the registered (what the rapporteur publishes) and of the truth.
#[derive(Debug, Default, Clone)]
pub struct Year {
    pub registered: f64,
    pub female: f64,
    pub minors: f64,
    pub dutch: f64,
    pub under_23: f64,
    pub care_ngo_reports: f64,
    pub police_reports: f64,
    pub reports: f64,
    pub covid_groups: f64,
    pub guardianship_after_may_2018: f64,
    pub true_population: f64,
    pub signals: f64,
    pub signal_minors: f64,
}

pub fn config(seed: u64) -> Config {
    Config { seed, decoy_events: 20_000, ..Config::default() }
}

pub fn years(sim: &Simulation) -> BTreeMap<i32, Year> {
    let mut out: BTreeMap<i32, Year> = BTreeMap::new();
    for l in &sim.truth.lists {
        let y = out.entry(l.year).or_default();
        y.registered += 1.0;
        y.female += f64::from(l.sex == "female");
        y.minors += f64::from(l.minor);
        y.dutch += f64::from(l.nationality_group == "NL");
        let sexual = l.group == "domestic_sexual" || l.group == "cross_border_sexual";
        y.covid_groups += f64::from(l.group == "criminal" || (sexual && l.nationality_group != "NL"));
    }
    let mut under_23: BTreeMap<i32, BTreeSet<u64>> = BTreeMap::new();
    for r in &sim.reports {
        let y = out.entry(r.report_date.year()).or_default();
        y.reports += 1.0;
        if matches!(r.reporter_type, "care_coordinator" | "shelter" | "youth_care" | "ngo" | "guardianship") {
            y.care_ngo_reports += 1.0;
        }
        if r.reporter_type == "police" {
            y.police_reports += 1.0;
        }
        if r.reporter_type == "guardianship"
            && r.report_date >= chrono::NaiveDate::from_ymd_opt(2018, 5, 1).unwrap()
            && r.identification == "identified"
        {
            y.guardianship_after_may_2018 += 1.0;
        }
        if matches!(r.age_band, Some("0-8" | "9-17" | "18-20" | "21-23")) {
            under_23.entry(r.report_date.year()).or_default().insert(r.person_id);
        }
    }
    for (y, set) in under_23 {
        out.entry(y).or_default().under_23 = set.len() as f64;
    }
    for r in &sim.truth.registered {
        out.entry(r.year).or_default().true_population = r.true_population as f64;
    }
    for s in &sim.signals {
        let y = out.entry(s.signal_date.year()).or_default();
        y.signals += 1.0;
        y.signal_minors += f64::from(matches!(s.age_band, Some("0-8" | "9-17")));
    }
    out
}

pub fn print(sim: &Simulation) {
    println!("year  reg  true  ratio female minors dutch u23  care police share covid guard signals sigminor");
    for (y, v) in years(sim) {
        println!(
            "{y} {:5} {:5} {:5.2} {:5.3} {:5.3} {:5.3} {:5.3} {:4} {:4} {:5.3} {:4} {:3} {:4} {:5.3}",
            v.registered,
            v.true_population,
            v.true_population / v.registered,
            v.female / v.registered,
            v.minors / v.registered,
            v.dutch / v.registered,
            v.under_23 / v.registered,
            v.care_ngo_reports,
            v.police_reports,
            v.police_reports / v.reports,
            v.covid_groups,
            v.guardianship_after_may_2018,
            v.signals,
            v.signal_minors / v.signals,
        );
    }
    for r in &sim.truth.revictimisation {
        if r.years == 5 || r.years == 7 {
            println!("revict {} {}y n={} ci={:.3}", r.group, r.years, r.cohort, r.cumulative_incidence);
        }
    }
    println!("reports {} events {} signals {}", sim.reports.len(), sim.events.len(), sim.signals.len());
}
