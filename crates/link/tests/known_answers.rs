//! Known-answer tests on tiny hand-made data, model persistence, explanation, cancellation,
//! refusal of oversized blocking and stable cluster ids across runs.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use zicht_link::cluster::{connected_components, stable_ids};
use zicht_link::eval::cluster_metrics;
use zicht_link::model::{ComparisonParams, LevelParams, TrainingReport};
use zicht_link::{
    BlockingRule, Comparison, Control, Error, FieldKind, LinkSpec, Model, NoProgress, Records, RecordsBuilder, model,
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
    }
}

#[test]
fn match_weights_by_hand() {
    let (spec, records) = tiny();
    let model = hand_model();
    let pred = predict::predict(&model, &spec, &records, 0.0, &Control::default()).unwrap();
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
    let a = model::train(&spec, &records, &Control::default()).unwrap();
    let b = model::train(&spec, &records, &Control::default()).unwrap();
    assert_eq!(a, b);
    assert!(a.comparisons.iter().all(|c| c.m_estimated));
    // m of the exact level well above u for every field: EM found the match class.
    assert!(a.comparisons.iter().all(|c| c.levels[0].m > 10.0 * c.levels[0].u), "{a:?}");
    let cancel = AtomicBool::new(true);
    let ctl = Control { progress: &NoProgress, cancel: &cancel };
    assert!(matches!(model::train(&spec, &records, &ctl), Err(Error::Cancelled)));
    assert!(matches!(predict::predict(&a, &spec, &records, 0.5, &ctl), Err(Error::Cancelled)));
}

#[test]
fn oversized_blocking_is_refused_with_count() {
    let (mut spec, records, _) = febrl3(5000);
    spec.blocking = vec![BlockingRule::on(&["postcode"])];
    spec.max_pairs = 1000;
    let model = hand_model_for(&spec);
    match predict::predict(&model, &spec, &records, 0.5, &Control::default()) {
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
    }
}

#[test]
fn cluster_ids_survive_new_records() {
    let ctl = Control::default();
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
    let plain =
        zicht_link::run(&spec, &build(&spec), Some(hand_model()), 0.0, 0.0, &none, &Control::default()).unwrap();
    let c = &plain.clustering.cluster;
    assert!(c[0] == c[1] && c[1] == c[2], "{c:?}");

    spec.veto_evidence = Some(10.0);
    spec.person_keys = vec!["pid".into()];
    let records = build(&spec);
    let kept = zicht_link::run(&spec, &records, Some(hand_model()), 0.0, 0.0, &none, &Control::default()).unwrap();
    let c = &kept.clustering.cluster;
    assert_ne!(c[0], c[2], "different citizen numbers must stay apart: {c:?}");
    assert!(c[1] == c[0] || c[1] == c[2], "the bridge joins one of them: {c:?}");

    // An unknown person-key column is a specification error, not a panic.
    spec.person_keys = vec!["nope".into()];
    assert!(zicht_link::run(&spec, &records, Some(hand_model()), 0.0, 0.0, &none, &Control::default()).is_err());
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
    let out =
        zicht_link::run(&spec, &records, Some(hand_model()), 0.99, 0.99, &HashMap::new(), &Control::default()).unwrap();
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
    };
    let pred = predict::predict(&model, &spec, &records, 0.0, &Control::default()).unwrap();
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
