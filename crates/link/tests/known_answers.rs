//! Known-answer tests on tiny hand-made data, model persistence, explanation, cancellation,
//! refusal of oversized blocking and stable cluster ids across runs.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use zicht_link::cluster::{connected_components, stable_ids};
use zicht_link::eval::cluster_metrics;
use zicht_link::model::{ComparisonParams, LevelParams, TrainingReport};
use zicht_link::{
    BlockingRule, Comparison, Error, FieldKind, LinkSpec, Model, NoProgress, Records, RecordsBuilder, Stoppable, model,
    predict,
};

fn tiny() -> (LinkSpec, Records) {
    let spec = LinkSpec::new(
        vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
        vec![BlockingRule::on(&["all"])],
    );
    let mut b = RecordsBuilder::new(&spec);
    for (id, name, dob) in [
        ("r1", Some("Anna"), Some("1990-01-01")),
        ("r2", Some("ANNA"), Some("01/01/1990")),
        ("r3", Some("Änna"), Some("1990-06-01")),
        ("r4", Some("Bob"), None),
    ] {
        b.push(id, &[name, dob, Some("x")]).unwrap();
    }
    (spec, b.finish().unwrap())
}

fn levels(kind: FieldKind, m: &[f64], u: &[f64]) -> Vec<LevelParams> {
    kind.level_labels()
        .iter()
        .zip(m.iter().zip(u))
        .map(|(l, (&m, &u))| LevelParams { label: (*l).to_string(), m, u })
        .collect()
}

fn hand_model() -> Model {
    Model {
        version: 1,
        lambda: 0.01,
        prior_by: None,
        source_priors: Vec::new(),
        comparisons: vec![
            ComparisonParams {
                column: "name".into(),
                kind: FieldKind::Name,
                tf: true,
                fallback_for: None,
                levels: levels(
                    FieldKind::Name,
                    &[0.75, 0.05, 0.1, 0.05, 0.03, 0.02],
                    &[0.01, 0.001, 0.02, 0.03, 0.04, 0.899],
                ),
                m_estimated: true,
            },
            ComparisonParams {
                column: "dob".into(),
                kind: FieldKind::Date,
                tf: false,
                fallback_for: None,
                levels: levels(
                    FieldKind::Date,
                    &[0.9, 0.02, 0.03, 0.005, 0.015, 0.01, 0.02],
                    &[0.001, 0.001, 0.002, 0.001, 0.029, 0.02, 0.946],
                ),
                m_estimated: true,
            },
        ],
        training: TrainingReport::default(),
        conditional: Vec::new(),
    }
}

#[test]
fn match_weights_by_hand() {
    let (spec, records) = tiny();
    let model = hand_model();
    let pred = predict::predict(&model, &spec, &records, 0.0, &NoProgress).unwrap();
    assert_eq!(pred.scored, 6);
    let w: HashMap<(u32, u32), f64> = pred.pairs.iter().map(|p| ((p.a, p.b), p.weight)).collect();
    let prior = (0.01f64 / 0.99).log2();
    // r1–r2: name exact with tf("anna") = 3/4: m_exact / tf; dob exact.
    let w12 = prior + (0.75f64 / 0.75).log2() + (0.9f64 / 0.001).log2();
    // r1–r3: name exact; dob 19900101 vs 19900601 is one edit (level 2).
    let w13 = prior + (0.75f64 / 0.75).log2() + (0.03f64 / 0.002).log2();
    // r1–r4: name else (JW(anna, bob) = 0); dob missing: neutral.
    let w14 = prior + (0.02f64 / 0.899).log2();
    for (pair, expected) in [((0, 1), w12), ((0, 2), w13), ((0, 3), w14)] {
        assert!((w[&pair] - expected).abs() < 1e-9, "{pair:?}: {} vs {expected}", w[&pair]);
    }
    let p = pred.pairs.iter().find(|p| (p.a, p.b) == (0, 1)).unwrap();
    assert!((p.probability - 2f64.powf(w12) / (1.0 + 2f64.powf(w12))).abs() < 1e-12);

    // The explanation adds up to the same weight, field by field.
    let ex = model.explain(&records, 0, 2).unwrap();
    assert!((ex.match_weight - w13).abs() < 1e-9);
    assert_eq!(ex.fields[1].level, "one edit");
    assert!((ex.fields[0].tf_adjustment - (0.01f64 / 0.75).log2()).abs() < 1e-9);
    let ex = model.explain(&records, 0, 3).unwrap();
    assert_eq!(ex.fields[1].level, "null");
    assert_eq!(ex.fields[1].weight, 0.0);
}

#[test]
fn model_json_round_trip_and_checks() {
    let (spec, _) = tiny();
    let model = hand_model();
    let back = Model::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(back, model);
    back.check(&spec).unwrap();
    let mut other = spec.clone();
    other.comparisons[1].kind = FieldKind::Text;
    assert!(matches!(back.check(&other), Err(Error::ModelMismatch(_))));
    let broken = model.to_json().unwrap().replace("\"lambda\": 0.01", "\"lambda\": 1.5");
    assert!(matches!(Model::from_json(&broken), Err(Error::ModelMismatch(_))));
}

fn febrl3(limit: usize) -> (LinkSpec, Records, Vec<u32>) {
    let spec = LinkSpec::new(
        vec![
            Comparison::new("given_name", FieldKind::Name),
            Comparison::new("surname", FieldKind::Name),
            Comparison::new("date_of_birth", FieldKind::Date),
            Comparison::new("soc_sec_id", FieldKind::Text),
            Comparison::new("postcode", FieldKind::Postcode),
        ],
        vec![BlockingRule::on(&["surname"]), BlockingRule::on(&["date_of_birth"]), BlockingRule::on(&["soc_sec_id"])],
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/febrl/dataset3.csv");
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).unwrap();
    let h = rdr.headers().unwrap().clone();
    let cols: Vec<usize> = spec.columns().iter().map(|c| h.iter().position(|x| x == c).unwrap()).collect();
    let mut b = RecordsBuilder::new(&spec);
    let mut persons = Vec::new();
    for row in rdr.records().take(limit) {
        let row = row.unwrap();
        persons.push(row[0].split('-').nth(1).unwrap().parse().unwrap());
        let v: Vec<Option<&str>> = cols.iter().map(|&c| Some(&row[c]).filter(|s| !s.is_empty())).collect();
        b.push(&row[0], &v).unwrap();
    }
    (spec, b.finish().unwrap(), persons)
}

#[test]
fn training_is_deterministic_and_cancellable() {
    let (spec, records, _) = febrl3(2000);
    let a = model::train(&spec, &records, &NoProgress).unwrap();
    let b = model::train(&spec, &records, &NoProgress).unwrap();
    assert_eq!(a, b);
    assert!(a.comparisons.iter().all(|c| c.m_estimated));
    // m of the exact level well above u for every field: EM found the match class.
    assert!(a.comparisons.iter().all(|c| c.levels[0].m > 10.0 * c.levels[0].u), "{a:?}");
    let cancel = AtomicBool::new(true);
    let ctl = Stoppable { progress: &NoProgress, stop: &cancel };
    assert!(matches!(model::train(&spec, &records, &ctl), Err(Error::Cancelled)));
    assert!(matches!(predict::predict(&a, &spec, &records, 0.5, &ctl), Err(Error::Cancelled)));
}

#[test]
fn oversized_blocking_is_refused_with_count() {
    let (mut spec, records, _) = febrl3(5000);
    spec.blocking = vec![BlockingRule::on(&["postcode"])];
    spec.max_pairs = 1000;
    let model = hand_model_for(&spec);
    match predict::predict(&model, &spec, &records, 0.5, &NoProgress) {
        Err(Error::TooManyPairs { total, rule, .. }) => {
            assert!(total > 1000);
            assert_eq!(rule, "postcode");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn hand_model_for(spec: &LinkSpec) -> Model {
    Model {
        version: 1,
        lambda: 0.001,
        prior_by: None,
        source_priors: Vec::new(),
        comparisons: spec
            .comparisons
            .iter()
            .map(|c| {
                let n = c.kind.n_levels();
                ComparisonParams {
                    column: c.column.clone(),
                    kind: c.kind,
                    tf: false,
                    fallback_for: None,
                    levels: levels(c.kind, &vec![1.0 / n as f64; n], &vec![1.0 / n as f64; n]),
                    m_estimated: false,
                }
            })
            .collect(),
        training: TrainingReport::default(),
        conditional: Vec::new(),
    }
}

#[test]
fn cluster_ids_survive_new_records() {
    let ctl = NoProgress;
    // First run on 3,000 records, second on all 5,000 with the first run's ids.
    let (spec, first, _) = febrl3(3000);
    let m1 = model::train(&spec, &first, &ctl).unwrap();
    let p1 = predict::predict(&m1, &spec, &first, 0.5, &ctl).unwrap();
    let c1 = stable_ids(
        &first.ids,
        &connected_components(first.len(), p1.pairs.iter().map(|p| (p.a, p.b))),
        &HashMap::new(),
    );
    let previous: HashMap<String, u64> = first.ids.iter().cloned().zip(c1.cluster.iter().copied()).collect();

    let (spec, all, persons) = febrl3(5000);
    let m2 = model::train(&spec, &all, &ctl).unwrap();
    let p2 = predict::predict(&m2, &spec, &all, 0.5, &ctl).unwrap();
    let c2 = stable_ids(&all.ids, &connected_components(all.len(), p2.pairs.iter().map(|p| (p.a, p.b))), &previous);
    let touched: std::collections::HashSet<u64> = c2
        .merges
        .iter()
        .flat_map(|m| m.absorbed.iter().copied().chain([m.kept]))
        .chain(c2.splits.iter().map(|s| s.from))
        .collect();
    let mut kept = 0;
    for (r, id) in all.ids.iter().enumerate().take(3000) {
        let before = previous[id];
        if !touched.contains(&before) {
            assert_eq!(c2.cluster[r], before, "record {id} changed cluster without a reported merge or split");
            kept += 1;
        }
    }
    assert!(kept > 2900, "only {kept} of 3000 records kept their cluster id");
    // New clusters get ids above every previous one.
    let max_prev = previous.values().max().copied().unwrap();
    for (r, &c) in c2.cluster.iter().enumerate().skip(3000) {
        if !previous.values().any(|&p| p == c) {
            assert!(c > max_prev, "record {r}");
        }
    }
    let m = cluster_metrics(&c2.cluster, &persons, None);
    assert!(m.f1 > 0.99, "{m:?}");
}

/// A record with a common name and no birth date matches two people who carry different citizen
/// numbers: plain connected components make them one person, the constrained clustering of
/// `zicht link` (person keys and the evidence veto) keeps them apart.
#[test]
fn person_keys_keep_two_people_apart_across_a_bridge() {
    let mut spec = LinkSpec::new(
        vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
        vec![BlockingRule::on(&["all"])],
    );
    let build = |spec: &LinkSpec| {
        let mut b = RecordsBuilder::new(spec);
        for (id, dob, pid) in
            [("r1", Some("1990-01-01"), Some("111")), ("r2", None, None), ("r3", Some("1990-01-01"), Some("222"))]
        {
            let values: Vec<Option<&str>> = spec
                .columns()
                .iter()
                .map(|c| match c.as_str() {
                    "name" => Some("Anna"),
                    "dob" => dob,
                    "all" => Some("x"),
                    "pid" => pid,
                    _ => None,
                })
                .collect();
            b.push(id, &values).unwrap();
        }
        b.finish().unwrap()
    };
    let none = HashMap::new();
    let plain = zicht_link::run(&spec, &build(&spec), Some(hand_model()), 0.0, 0.0, &none, &NoProgress).unwrap();
    let c = &plain.clustering.cluster;
    assert!(c[0] == c[1] && c[1] == c[2], "{c:?}");

    spec.veto_evidence = Some(10.0);
    spec.person_keys = vec!["pid".into()];
    let records = build(&spec);
    let kept = zicht_link::run(&spec, &records, Some(hand_model()), 0.0, 0.0, &none, &NoProgress).unwrap();
    let c = &kept.clustering.cluster;
    assert_ne!(c[0], c[2], "different citizen numbers must stay apart: {c:?}");
    assert!(c[1] == c[0] || c[1] == c[2], "the bridge joins one of them: {c:?}");

    // An unknown person-key column is a specification error, not a panic.
    spec.person_keys = vec!["nope".into()];
    assert!(zicht_link::run(&spec, &records, Some(hand_model()), 0.0, 0.0, &none, &NoProgress).is_err());
}

/// Records that share a link key (a keyed pseudonym of the full identity) are one entity whatever
/// the model says; a person key still keeps two people apart.
#[test]
fn link_keys_join_records_outright() {
    let mut spec = LinkSpec::new(
        vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
        vec![BlockingRule::on(&["all"])],
    );
    spec.link_keys = vec!["key".into()];
    spec.person_keys = vec!["pid".into()];
    spec.veto_evidence = Some(10.0);
    let mut b = RecordsBuilder::new(&spec);
    for (id, name, key, pid) in [
        ("r1", Some("Anna"), Some("k1"), None),
        ("r2", None, Some("k1"), None),
        ("r3", Some("Zoe"), None, Some("1")),
        ("r4", Some("Bob"), Some("k2"), Some("1")),
        ("r5", Some("Bob"), Some("k2"), Some("2")),
    ] {
        let values: Vec<Option<&str>> = spec
            .columns()
            .iter()
            .map(|c| match c.as_str() {
                "name" => name,
                "all" => Some("x"),
                "key" => key,
                "pid" => pid,
                _ => None,
            })
            .collect();
        b.push(id, &values).unwrap();
    }
    let records = b.finish().unwrap();
    let out = zicht_link::run(&spec, &records, Some(hand_model()), 0.99, 0.99, &HashMap::new(), &NoProgress).unwrap();
    let c = &out.clustering.cluster;
    assert_eq!(c[0], c[1], "same link key: {c:?}");
    assert_ne!(c[0], c[2]);
    assert_ne!(c[3], c[4], "same link key but two person keys: {c:?}");
}

/// A fallback comparison counts only where its primary is missing on a side, and `days` compares
/// how far apart two dates are: weights by hand on three records.
#[test]
fn fallback_comparisons_and_day_distances_by_hand() {
    let spec = LinkSpec::new(
        vec![
            Comparison::new("dob", FieldKind::Date),
            Comparison::new("dob_key", FieldKind::Exact).fallback_for("dob"),
            Comparison::new("seen", FieldKind::Days),
        ],
        vec![BlockingRule::on(&["all"])],
    );
    let mut b = RecordsBuilder::new(&spec);
    for (id, dob, seen) in
        [("r1", Some("1990-03-04"), "2020-01-01"), ("r2", None, "2020-01-20"), ("r3", Some("1990-03-04"), "2021-06-01")]
    {
        b.push(id, &[dob, Some("k1"), Some(seen), Some("x")]).unwrap();
    }
    let records = b.finish().unwrap();
    let p = |kind: FieldKind, m: &[f64], u: &[f64], column: &str, fallback: Option<&str>| ComparisonParams {
        column: column.into(),
        kind,
        tf: false,
        fallback_for: fallback.map(String::from),
        levels: levels(kind, m, u),
        m_estimated: true,
    };
    let model = Model {
        version: 1,
        lambda: 0.01,
        prior_by: None,
        source_priors: Vec::new(),
        comparisons: vec![
            p(
                FieldKind::Date,
                &[0.9, 0.02, 0.03, 0.005, 0.015, 0.01, 0.02],
                &[0.001, 0.001, 0.002, 0.001, 0.029, 0.02, 0.946],
                "dob",
                None,
            ),
            p(FieldKind::Exact, &[0.9, 0.1], &[0.01, 0.99], "dob_key", Some("dob")),
            p(FieldKind::Days, &[0.5, 0.2, 0.2, 0.1], &[0.02, 0.04, 0.14, 0.8], "seen", None),
        ],
        training: TrainingReport::default(),
        conditional: Vec::new(),
    };
    let pred = predict::predict(&model, &spec, &records, 0.0, &NoProgress).unwrap();
    let w: HashMap<(u32, u32), f64> = pred.pairs.iter().map(|p| ((p.a, p.b), p.weight)).collect();
    let prior = (0.01f64 / 0.99).log2();
    let key = (0.9f64 / 0.01).log2();
    // r1–r2: no birth date on r2, so the key stands in; 19 days apart.
    let w12 = prior + key + (0.5f64 / 0.02).log2();
    // r1–r3: both birth dates compared, the key is not (it would count them twice); 517 days.
    let w13 = prior + (0.9f64 / 0.001).log2() + (0.1f64 / 0.8).log2();
    // r2–r3: the key again; 498 days.
    let w23 = prior + key + (0.1f64 / 0.8).log2();
    for (pair, expected) in [((0, 1), w12), ((0, 2), w13), ((1, 2), w23)] {
        assert!((w[&pair] - expected).abs() < 1e-9, "{pair:?}: {} vs {expected}", w[&pair]);
    }
    let ex = model.explain(&records, 0, 2).unwrap();
    assert_eq!(ex.fields[1].level, "null");
    assert_eq!(ex.fields[2].level, "else");
    assert!((ex.match_weight - w13).abs() < 1e-9);
    let back = Model::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(back.comparisons[1].fallback_for.as_deref(), Some("dob"));
}

/// Records of `tiny` with a source column: r1, r2 from "a", r3 from "b", r4 without one.
fn tiny_with_sources() -> (LinkSpec, Records) {
    let mut spec = LinkSpec::new(
        vec![Comparison::new("name", FieldKind::Name), Comparison::new("dob", FieldKind::Date)],
        vec![BlockingRule::on(&["all"])],
    );
    spec.prior_by = Some("src".into());
    let mut b = RecordsBuilder::new(&spec);
    for (id, name, dob, src) in [
        ("r1", Some("Anna"), Some("1990-01-01"), Some("a")),
        ("r2", Some("ANNA"), Some("01/01/1990"), Some("a")),
        ("r3", Some("Änna"), Some("1990-06-01"), Some("b")),
        ("r4", Some("Bob"), None, None),
    ] {
        b.push(id, &[name, dob, Some("x"), src]).unwrap();
    }
    (spec, b.finish().unwrap())
}

#[test]
fn source_priors_by_hand() {
    let (spec, records) = tiny_with_sources();
    let mut model = hand_model();
    model.prior_by = Some("src".into());
    model.source_priors = vec![
        zicht_link::prior::SourcePrior { sources: ["a".into(), "a".into()], lambda: 0.5, pairs: 1 },
        zicht_link::prior::SourcePrior { sources: ["b".into(), "a".into()], lambda: 0.001, pairs: 2 },
    ];
    let pred = predict::predict(&model, &spec, &records, f64::NEG_INFINITY, &NoProgress).unwrap();
    let w: HashMap<(u32, u32), f64> = pred.pairs.iter().map(|p| ((p.a, p.b), p.weight)).collect();
    // Same fields as in `match_weights_by_hand`; only the prior changes with the sources.
    let w12 = (0.5f64 / 0.5).log2() + (0.75f64 / 0.75).log2() + (0.9f64 / 0.001).log2();
    let w13 = (0.001f64 / 0.999).log2() + (0.75f64 / 0.75).log2() + (0.03f64 / 0.002).log2();
    // r1–r4: "a" with no source has no prior of its own: the global λ.
    let w14 = (0.01f64 / 0.99).log2() + (0.02f64 / 0.899).log2();
    for (pair, expected) in [((0, 1), w12), ((0, 2), w13), ((0, 3), w14)] {
        assert!((w[&pair] - expected).abs() < 1e-9, "{pair:?}: {} vs {expected}", w[&pair]);
    }
    let ex = model.explain(&records, 2, 0).unwrap();
    assert!((ex.prior_weight - (0.001f64 / 0.999).log2()).abs() < 1e-12);
    assert!((ex.match_weight - w13).abs() < 1e-9);

    let back = Model::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(back, model);
    let broken = model.to_json().unwrap().replace("\"lambda\": 0.5", "\"lambda\": 0.0");
    assert!(matches!(Model::from_json(&broken), Err(Error::ModelMismatch(_))));
}

/// Two registers of very different make-up: "reports", 600 records of 300 persons (each twice),
/// and "police", 3,000 records of 3,000 persons, 150 of whom are also reported (their one
/// police record matches both of their reports). One λ would sit between the two; per pair of
/// sources training must find each share of matches.
#[test]
fn source_priors_are_estimated_per_pair_of_sources() {
    let mut spec = LinkSpec::new(
        vec![
            Comparison::new("given", FieldKind::Name),
            Comparison::new("family", FieldKind::Name),
            Comparison::new("dob", FieldKind::Date),
            Comparison::new("sex", FieldKind::Exact),
        ],
        vec![BlockingRule::on(&["dob"]), BlockingRule::on(&["family", "given"])],
    );
    spec.training = vec![BlockingRule::on(&["dob"]), BlockingRule::on(&["family", "sex"])];
    spec.prior_by = Some("src".into());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let letters = b"abcdefghijklmnopqrstuvwxyz";
    let word = |next: &mut dyn FnMut(u64) -> u64, len: usize| -> String {
        (0..len).map(|_| letters[next(26) as usize] as char).collect()
    };
    struct Person {
        given: String,
        family: String,
        dob: String,
        sex: &'static str,
    }
    let persons: Vec<Person> = (0..3150)
        .map(|_| Person {
            given: word(&mut next, 6),
            family: word(&mut next, 7),
            dob: format!("{}-{:02}-{:02}", 1950 + next(50), 1 + next(12), 1 + next(28)),
            sex: if next(2) == 0 { "f" } else { "m" },
        })
        .collect();
    let mut b = RecordsBuilder::new(&spec);
    let mut id = 0;
    let mut push = |p: &Person, src: &str, next: &mut dyn FnMut(u64) -> u64| {
        // One record in five has a typo in the family name.
        let mut family = p.family.clone().into_bytes();
        if next(5) == 0 {
            family[1 + next(5) as usize] = letters[next(26) as usize];
        }
        let family = String::from_utf8(family).unwrap();
        id += 1;
        b.push(&id.to_string(), &[Some(&p.given), Some(&family), Some(&p.dob), Some(p.sex), Some(src)]).unwrap();
    };
    // Persons 0..300 are reported twice; persons 150..3150 have one police record.
    for p in &persons[..300] {
        push(p, "report", &mut next);
        push(p, "report", &mut next);
    }
    for p in &persons[150..] {
        push(p, "police", &mut next);
    }
    let records = b.finish().unwrap();
    let model = model::train(&spec, &records, &NoProgress).unwrap();
    let lambda = |a: &str, b: &str| {
        model.source_priors.iter().find(|p| p.sources == [a, b] || p.sources == [b, a]).map(|p| p.lambda)
    };
    // Truth: 300 matches in C(600, 2) report pairs; 150 · 2 in 600 · 3000 report–police pairs;
    // none among police records.
    let rr = 300.0 / (600.0 * 599.0 / 2.0);
    let rp = 300.0 / (600.0 * 3000.0);
    let est_rr = lambda("report", "report").unwrap();
    let est_rp = lambda("report", "police").unwrap();
    assert!((est_rr / rr - 1.0).abs() < 0.15, "report–report λ {est_rr} vs {rr}");
    assert!((est_rp / rp - 1.0).abs() < 0.15, "report–police λ {est_rp} vs {rp}");
    assert!(lambda("police", "police").is_none_or(|pp| pp < rp / 100.0), "{:?}", model.source_priors);
    // One λ for all pairs is far from the report–report one.
    assert!(model.lambda < est_rr / 5.0, "{}", model.lambda);
}

/// A comparison that only stands in for another (`fallback_for`) is switched off wherever both
/// records have the primary, so EM never sees it in a register where everyone has one; its m is
/// then learned from the levels it would have among the matches of the training rules. Here the
/// stand-in (a keyed birth date) disagrees in one match in ten.
#[test]
fn a_gated_comparison_learns_m_from_the_matches() {
    let mut spec = LinkSpec::new(
        vec![
            Comparison::new("name", FieldKind::Name),
            Comparison::new("dob", FieldKind::Date),
            Comparison::new("dob_key", FieldKind::Exact).fallback_for("dob"),
        ],
        vec![BlockingRule::on(&["name"])],
    );
    spec.training = vec![BlockingRule::on(&["name"])];
    let mut b = RecordsBuilder::new(&spec);
    for p in 0..1000u32 {
        let name = format!("person{p:04} family{}", p % 97);
        let dob = format!("{}-{:02}-{:02}", 1950 + p % 50, 1 + p % 12, 1 + p % 28);
        let key = format!("k{p}");
        // Every tenth person's second record has another key (a typo in the digested date).
        let key2 = if p % 10 == 0 { format!("x{p}") } else { key.clone() };
        b.push(&format!("{p}a"), &[Some(&name), Some(&dob), Some(&key)]).unwrap();
        b.push(&format!("{p}b"), &[Some(&name), Some(&dob), Some(&key2)]).unwrap();
    }
    let records = b.finish().unwrap();
    let model = model::train(&spec, &records, &NoProgress).unwrap();
    let key = &model.comparisons[2];
    assert!(key.m_estimated);
    assert!((key.levels[0].m - 0.9).abs() < 0.01, "{:?}", key.levels);
    // Scoring still leaves it out where both have a birth date.
    let ex = model.explain(&records, 0, 1).unwrap();
    assert_eq!(ex.fields[2].level, "null");
}

/// The veto counts what two records say about a person, not about an episode: records that a link
/// key joins stay joined however far apart their episodes (a birth date decades apart vetoes; the
/// same disagreement on a comparison marked `episode` does not).
#[test]
fn episode_comparisons_do_not_veto() {
    for episode in [false, true] {
        let dob = Comparison::new("dob", FieldKind::Date);
        let mut spec = LinkSpec::new(
            vec![Comparison::new("name", FieldKind::Name), if episode { dob.episode() } else { dob }],
            vec![BlockingRule::on(&["all"])],
        );
        spec.link_keys = vec!["key".into()];
        spec.veto_evidence = Some(10.0);
        let mut b = RecordsBuilder::new(&spec);
        // dob "else" weighs log2(0.02 / 0.946) = -5.6 bits in `hand_model`: with the name's
        // "else" (-5.5 bits) beyond the 10-bit veto.
        for (id, name, dob) in [("r1", "Anna", "1950-01-01"), ("r2", "Bob", "1990-07-15")] {
            let values: Vec<Option<&str>> = spec
                .columns()
                .iter()
                .map(|c| match c.as_str() {
                    "name" => Some(name),
                    "dob" => Some(dob),
                    "all" => Some("x"),
                    "key" => Some("k1"),
                    _ => None,
                })
                .collect();
            b.push(id, &values).unwrap();
        }
        let records = b.finish().unwrap();
        let mut model = hand_model();
        model.comparisons[1].column = "dob".into();
        let out = zicht_link::run(&spec, &records, Some(model), 0.99, 0.99, &HashMap::new(), &NoProgress).unwrap();
        let c = &out.clustering.cluster;
        assert_eq!(c[0] == c[1], episode, "episode {episode}: {c:?}");
    }
}

/// Families of five who share a family name, a town and, half of them, a birth year, each
/// person recorded twice (given names missing on a third of the records): in the family-name
/// block one pair in nine is a match. Scored with the random pairs' u, a pair of siblings whose
/// given names are not both known looks like a match (town and year agree, and random pairs
/// rarely do); fitted within the rule's pairs, λ is the block's own match share and those pairs
/// are scored as the non-matches they mostly are.
#[test]
fn scoring_within_rules_is_calibrated_where_relatives_share_a_block() {
    use zicht_link::block;
    let spec = LinkSpec::new(
        vec![
            Comparison::new("given", FieldKind::Name),
            Comparison::new("family", FieldKind::Name),
            Comparison::new("town", FieldKind::Exact),
            Comparison::new("year", FieldKind::Exact),
            Comparison::new("day", FieldKind::Exact),
        ],
        vec![BlockingRule::on(&["family"])],
    );
    let mut spec = spec;
    let syllables = ["ka", "mo", "li", "te", "bru", "van", "dij", "sel", "om", "har", "ut", "zeg", "pol", "fin"];
    let mut b = RecordsBuilder::new(&spec);
    let mut person = Vec::new();
    let mut rng = 12345u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for f in 0..300u64 {
        let family = format!("{}{}{}", syllables[(f % 14) as usize], syllables[(f / 14 % 14) as usize], f);
        let town = format!("t{}", next() % 40);
        let shared_year = 1960 + next() % 40;
        for member in 0..5u64 {
            let given =
                format!("{}{}", syllables[((f + member * 3) % 14) as usize], syllables[(member + f / 7) as usize % 14]);
            let year = if member % 2 == 0 { shared_year } else { 1960 + next() % 40 };
            let day = format!("{}-{}", 1 + next() % 12, 1 + next() % 28);
            for copy in 0..2 {
                let id = format!("{f}-{member}-{copy}");
                let g = (next() % 3 != 0).then(|| given.clone());
                let d = (next() % 2 == 0).then(|| day.clone());
                b.push(&id, &[g.as_deref(), Some(&family), Some(&town), Some(&year.to_string()), d.as_deref()])
                    .unwrap();
                person.push(f * 10 + member);
            }
        }
    }
    let records = b.finish().unwrap();
    let ctl = NoProgress;
    spec.training = zicht_link::design::training_rules(&spec, &records).unwrap().into_iter().map(|c| c.rule).collect();
    let global = model::train(&spec, &records, &ctl).unwrap();
    let plan = block::plan(&spec, &records).unwrap();
    let mut within = global.clone();
    model::fit_conditional(&mut within, &spec, &records, &plan, &ctl).unwrap();
    // 300 families × (5 matches among 45 pairs).
    let lambda = within.conditional[0].lambda;
    assert!((lambda - 1.0 / 9.0).abs() < 0.03, "λ within the family block {lambda}");
    // Calibration: among pairs scored ≥ 0.5, the share of true pairs against the mean probability.
    let calibration = |m: &zicht_link::Model| {
        let pred = predict::predict_planned(m, &plan, &records, 0.5, &ctl).unwrap();
        let n = pred.pairs.len() as f64;
        let truth = pred.pairs.iter().filter(|p| person[p.a as usize] == person[p.b as usize]).count() as f64;
        let mean = pred.pairs.iter().map(|p| p.probability).sum::<f64>() / n;
        (truth / n, mean)
    };
    let (g_true, g_mean) = calibration(&global);
    let (w_true, w_mean) = calibration(&within);
    eprintln!("λ {lambda}; global {g_true} true against {g_mean}; within {w_true} against {w_mean}");
    assert!((w_true - w_mean).abs() < 0.05, "within rules: {w_true} true against {w_mean} predicted");
    assert!((g_true - g_mean).abs() > (w_true - w_mean).abs(), "global: {g_true} against {g_mean}");
}
