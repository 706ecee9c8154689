//! The structure that linkage and multiple systems estimation must find is really there: dependent
//! lists, and identities rendered with noise.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use zicht_sim::Simulation;

fn sim() -> &'static Simulation {
    static SIM: std::sync::OnceLock<Simulation> = std::sync::OnceLock::new();
    SIM.get_or_init(|| zicht_sim::simulate(&common::config(31)).expect("runs"))
}

/// Odds ratio of being on lists `a` and `b` (indices into P K I R O Z) in the whole true population
/// of victim-years: the cell "on neither" includes the victims no list saw (from the truth), since
/// among the reported alone the odds ratio is biased downwards by conditioning on being seen.
fn odds_ratio(sim: &Simulation, a: usize, b: usize) -> f64 {
    let mut n = [[0.5f64; 2]; 2];
    for l in &sim.truth.lists {
        n[usize::from(l.lists[a])][usize::from(l.lists[b])] += 1.0;
    }
    let seen_on_either = n[1][1] + n[1][0] + n[0][1] - 1.5;
    let true_person_years: f64 = sim.truth.registered.iter().map(|r| r.true_population as f64).sum();
    n[0][0] = true_person_years - seen_on_either;
    (n[1][1] * n[0][0]) / (n[1][0] * n[0][1])
}

#[test]
fn referral_pairs_are_positively_dependent() {
    let s = sim();
    // Police refer to regional care coordinators, the border police to shelters, the labour
    // inspectorate to the police: one source per list, so the dependence stays two-way.
    let (p, k, i, r, o) = (0, 1, 2, 3, 4);
    for (a, b, name) in [(p, r, "P×R"), (k, o, "K×O"), (i, p, "I×P")] {
        let or = odds_ratio(s, a, b);
        println!("odds ratio {name}: {or:.2}");
        assert!(or > 1.5, "{name}: odds ratio {or:.2} shows no referral dependence");
    }
    // Lists that do not refer to each other show far weaker dependence than a referral pair: the
    // labour inspectorate and the care coordinators see different victims, and care coordinators
    // no longer refer to shelters (a second route into one list made three-way interactions).
    for (a, b, name) in [(i, r, "I×R"), (r, o, "R×O")] {
        let or = odds_ratio(s, a, b);
        println!("odds ratio {name}: {or:.2}");
        assert!(or < odds_ratio(s, p, r) / 2.0, "{name} {or:.2} is as dependent as P×R");
    }
}

#[test]
fn every_list_captures_people_and_overlaps_exist() {
    let s = sim();
    for k in 0..6 {
        let n = s.truth.lists.iter().filter(|l| l.lists[k]).count();
        assert!(n > 100, "list {k} has only {n} person-years");
    }
    let multi = s.truth.lists.iter().filter(|l| l.lists.iter().filter(|x| **x).count() >= 2).count();
    let share = multi as f64 / s.truth.lists.len() as f64;
    assert!((0.05..0.5).contains(&share), "share on two or more lists: {share:.3}");
}

#[test]
fn identities_carry_realistic_noise() {
    let s = sim();
    let identified: Vec<_> = s.reports.iter().filter(|r| r.identification == "identified").collect();
    let missing = identified.iter().filter(|r| r.birth_date.is_none()).count() as f64 / identified.len() as f64;
    assert!((0.02..0.12).contains(&missing), "missing birth dates: {missing:.3}");

    let mut by_person: BTreeMap<u64, Vec<(String, String, Option<chrono::NaiveDate>)>> = BTreeMap::new();
    for r in &identified {
        by_person.entry(r.person_id).or_default().push((
            r.given_names.clone().unwrap_or_default(),
            r.family_name.clone().unwrap_or_default(),
            r.birth_date,
        ));
    }
    let repeated: Vec<_> = by_person.values().filter(|v| v.len() >= 2).collect();
    assert!(repeated.len() > 1000, "people reported more than once: {}", repeated.len());
    let varied = repeated.iter().filter(|v| v.iter().map(|(g, f, _)| (g, f)).collect::<BTreeSet<_>>().len() > 1).count()
        as f64
        / repeated.len() as f64;
    assert!((0.1..0.8).contains(&varied), "people whose name varies between reports: {varied:.3}");

    let swapped_order = repeated.iter().any(|v| v.iter().any(|a| v.iter().any(|b| a.0 == b.1 && a.1 == b.0)));
    assert!(swapped_order, "no swapped name order found");
    let dropped_particle = repeated
        .iter()
        .any(|v| v.iter().any(|a| v.iter().any(|b| a.1.starts_with("van ") && a.1.ends_with(&format!(" {}", b.1)))));
    assert!(dropped_particle, "no dropped particle found");
    let day_month = repeated.iter().any(|v| {
        v.iter().any(|a| {
            v.iter().any(|b| match (a.2, b.2) {
                (Some(x), Some(y)) => {
                    use chrono::Datelike;
                    x != y && x.year() == y.year() && x.day() == y.month() && x.month() == y.day()
                }
                _ => false,
            })
        })
    });
    assert!(day_month, "no day/month swap found");
}

#[test]
fn decoys_include_namesakes_of_victims() {
    let s = sim();
    let victim_names: BTreeSet<(String, String)> =
        s.reports.iter().filter_map(|r| Some((r.given_names.clone()?, r.family_name.clone()?))).collect();
    let namesakes = s
        .events
        .iter()
        .filter(|e| e.person_id.is_none())
        .filter(|e| {
            victim_names
                .contains(&(e.given_names.clone().unwrap_or_default(), e.family_name.clone().unwrap_or_default()))
        })
        .count();
    assert!(namesakes > 20, "decoys sharing a victim's name: {namesakes}");
}
