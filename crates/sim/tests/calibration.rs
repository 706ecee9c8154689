//! Calibration: over three seeds the simulated register reproduces the public figures of
//! `shared/domain.md` within the tolerances stated per assertion.

mod common;

use std::collections::BTreeMap;

use common::Year;
use zicht_sim::{Config, Simulation};

const SEEDS: [u64; 3] = [11, 12, 13];

struct Runs {
    sims: Vec<Simulation>,
    years: Vec<BTreeMap<i32, Year>>,
}

/// The three runs, simulated once for all tests of this file.
fn runs() -> &'static Runs {
    static RUNS: std::sync::OnceLock<Runs> = std::sync::OnceLock::new();
    RUNS.get_or_init(simulate_runs)
}

fn simulate_runs() -> Runs {
    let sims: Vec<Simulation> =
        SEEDS.iter().map(|&s| zicht_sim::simulate(&common::config(s)).expect("simulation runs")).collect();
    let years = sims.iter().map(common::years).collect();
    Runs { sims, years }
}

impl Runs {
    /// Mean over seeds of `f(year figures)`.
    fn mean(&self, year: i32, f: impl Fn(&Year) -> f64) -> f64 {
        self.years.iter().map(|y| f(&y[&year])).sum::<f64>() / self.years.len() as f64
    }

    fn mean_over(&self, years: std::ops::RangeInclusive<i32>, f: impl Fn(&Year) -> f64 + Copy) -> f64 {
        let n = years.clone().count() as f64;
        years.map(|y| self.mean(y, f)).sum::<f64>() / n
    }
}

fn within(what: &str, got: f64, target: f64, tol: f64) {
    println!("{what}: {got:.3} (target {target:.3} ± {tol:.3})");
    assert!((got - target).abs() <= tol, "{what}: got {got:.3}, target {target} ± {tol}");
}

#[test]
fn calibration_against_the_public_figures() {
    let r = runs();

    // Registered totals 2016–2021: mean over seeds within 5 %, every seed within 12 %.
    for (year, target) in [(2016, 952.0), (2017, 958.0), (2018, 668.0), (2019, 1334.0), (2020, 984.0), (2021, 791.0)] {
        within(&format!("registered {year} (mean)"), r.mean(year, |y| y.registered), target, 0.05 * target);
        for (seed, y) in SEEDS.iter().zip(&r.years) {
            within(&format!("registered {year} seed {seed}"), y[&year].registered, target, 0.12 * target);
        }
    }

    // ~72 % female (2017), ~36 % Dutch (2017): ± 4 and ± 5 points.
    within("female share 2016–2017", r.mean_over(2016..=2017, |y| y.female / y.registered), 0.72, 0.04);
    within("Dutch share 2016–2017", r.mean_over(2016..=2017, |y| y.dutch / y.registered), 0.36, 0.05);

    // Minors 24 % of the registered in 2016, 15 % in 2020: ± 4 points, and a clear fall.
    let m2016 = r.mean(2016, |y| y.minors / y.registered);
    let m2020 = r.mean(2020, |y| y.minors / y.registered);
    within("minor share 2016", m2016, 0.24, 0.04);
    within("minor share 2020", m2020, 0.15, 0.04);
    assert!(m2016 - m2020 > 0.05, "minors must fall after the GDPR: {m2016:.3} → {m2020:.3}");

    // Care/NGO reports ~550 a year 2014–2017 (± 25 %), ~150 after the GDPR (2019–2021, ± 35 %).
    within("care/NGO reports 2014–2017", r.mean_over(2014..=2017, |y| y.care_ngo_reports), 550.0, 0.25 * 550.0);
    within("care/NGO reports 2019–2021", r.mean_over(2019..=2021, |y| y.care_ngo_reports), 150.0, 0.35 * 150.0);

    // Guardianship files nothing from May 2018.
    for y in &r.years {
        let n: f64 = y.values().map(|v| v.guardianship_after_may_2018).sum();
        assert_eq!(n, 0.0, "guardianship reports after 2018-05-01");
    }

    // COVID: criminal + non-Dutch sexual exploitation 668 → 289 (ratio 0.43 ± 0.10).
    let ratio = r.mean(2020, |y| y.covid_groups) / r.mean(2019, |y| y.covid_groups);
    within("COVID ratio 2020/2019", ratio, 289.0 / 668.0, 0.10);

    // Police reports 490 (2020) → 310 (2021), ± 20 %; police share fell from 2013 to 2017.
    within("police reports 2020", r.mean(2020, |y| y.police_reports), 490.0, 98.0);
    within("police reports 2021", r.mean(2021, |y| y.police_reports), 310.0, 62.0);
    let share = |year| r.mean(year, |y| y.police_reports / y.reports);
    assert!(share(2013) > 0.55 && share(2017) < 0.45, "police share 2013 {:.2}, 2017 {:.2}", share(2013), share(2017));

    // Dark number: ≈ 6,250 true victims around 2015 (± 5 %), about five times the registered.
    within("true victims 2014–2015", r.mean_over(2014..=2015, |y| y.true_population), 6250.0, 312.0);
    let dark = r.mean_over(2012..=2022, |y| y.true_population / y.registered);
    assert!((4.0..=7.0).contains(&dark), "true / registered = {dark:.2}");

    // Help-chat signals: 300–400 a year (± 25 %), two thirds minors among those with an age (± 8 points).
    for year in 2012..=2022 {
        let s = r.mean(year, |y| y.signals);
        assert!((225.0..=510.0).contains(&s), "signals {year}: {s}");
    }
    let minor_share: f64 = r
        .sims
        .iter()
        .map(|sim| {
            let banded: Vec<_> = sim.signals.iter().filter_map(|s| s.age_band).collect();
            banded.iter().filter(|b| matches!(**b, "0-8" | "9-17")).count() as f64 / banded.len() as f64
        })
        .sum::<f64>()
        / r.sims.len() as f64;
    within("minor share of signals", minor_share, 2.0 / 3.0, 0.08);
}

#[test]
fn true_revictimisation_is_45_percent_at_5_and_50_percent_at_7_years() {
    let r = runs();
    for sim in &r.sims {
        let ci = |group: &str, years: u32| {
            sim.truth
                .revictimisation
                .iter()
                .find(|x| x.group == group && x.years == years)
                .map(|x| x.cumulative_incidence)
                .expect("row present")
        };
        within("CI 5 years", ci("all", 5), 0.45, 0.03);
        within("CI 7 years", ci("all", 7), 0.50, 0.03);
        assert!(ci("minor", 5) > ci("adult", 5) + 0.1, "minors most at risk");
        for g in ["all", "minor", "adult", "domestic_sexual", "cross_border_sexual", "labour", "criminal"] {
            for t in 1..7 {
                assert!(ci(g, t) <= ci(g, t + 1), "CI of {g} must not fall from {t} to {} years", t + 1);
            }
        }
    }
}

#[test]
fn follow_up_has_suspects_emigration_death_and_decoys() {
    let sim = zicht_sim::simulate(&common::config(5)).expect("runs");
    let count = |kind: &str, decoy: bool| {
        sim.events.iter().filter(|e| e.kind == kind && e.person_id.is_none() == decoy).count()
    };
    for kind in ["victimisation", "suspect", "emigration", "death"] {
        assert!(count(kind, false) > 0, "victims' {kind} events");
        assert!(count(kind, true) > 0, "decoys' {kind} events");
    }
    let decoys = sim.events.iter().filter(|e| e.person_id.is_none()).count();
    assert_eq!(decoys as u64, common::config(5).decoy_events);
    // Victim–offender overlap: a real share of reported victims is later a suspect.
    let reported: std::collections::BTreeSet<u64> = sim.reports.iter().map(|r| r.person_id).collect();
    let suspects: std::collections::BTreeSet<u64> =
        sim.events.iter().filter(|e| e.kind == "suspect").filter_map(|e| e.person_id).collect();
    let overlap = reported.intersection(&suspects).count() as f64 / reported.len() as f64;
    assert!((0.05..0.5).contains(&overlap), "victim–suspect overlap {overlap:.3}");
}

#[test]
fn statistical_minors_add_only_statistical_rows_after_the_gdpr() {
    let base = zicht_sim::simulate(&common::config(21)).expect("runs");
    let stat = zicht_sim::simulate(&Config { statistical_minors: true, ..common::config(21) }).expect("runs");
    let identified: Vec<_> = stat.reports.iter().filter(|r| r.identification == "identified").cloned().collect();
    assert_eq!(identified, base.reports, "the identified world is unchanged");
    assert_eq!(stat.events, base.events);
    assert_eq!(stat.signals, base.signals);
    let statistical: Vec<_> = stat.reports.iter().filter(|r| r.identification == "statistical").collect();
    assert!(statistical.len() > 300, "{} statistical rows", statistical.len());
    let gdpr = chrono::NaiveDate::from_ymd_opt(2018, 5, 1).expect("date");
    for r in &statistical {
        assert!(r.report_date >= gdpr, "statistical row before May 2018");
        assert!(matches!(r.reporter_type, "care_coordinator" | "shelter" | "youth_care" | "ngo" | "guardianship"));
        assert!(matches!(r.lawful_basis, "public_task" | "legal_obligation"));
    }
    // The minors come back into view.
    let minors_2020 = |sim: &Simulation| sim.truth.lists.iter().filter(|l| l.year == 2020 && l.minor).count();
    assert!(minors_2020(&stat) as f64 > 1.3 * minors_2020(&base) as f64);
}
