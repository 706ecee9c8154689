//! Accuracy on the FEBRL data sets (see `fixtures/febrl/README.md`): unsupervised training, the
//! default threshold, F1 of predicted pairs against the persons in `rec_id`.

use zicht_link::eval::{Metrics, pair_metrics};
use zicht_link::{BlockingRule, Comparison, FieldKind, LinkSpec, NoProgress, RecordsBuilder, model, predict};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/febrl");

fn spec() -> LinkSpec {
    let c = |col: &str, kind| Comparison::new(col, kind);
    LinkSpec::new(
        vec![
            c("given_name", FieldKind::Name),
            c("surname", FieldKind::Name),
            c("date_of_birth", FieldKind::Date),
            c("soc_sec_id", FieldKind::Text),
            c("street_number", FieldKind::Exact),
            c("address_1", FieldKind::Text),
            c("suburb", FieldKind::Text),
            c("postcode", FieldKind::Postcode),
            c("state", FieldKind::Exact),
        ],
        vec![
            BlockingRule::on(&["given_name"]),
            BlockingRule::on(&["surname"]),
            BlockingRule::on(&["date_of_birth"]),
            BlockingRule::on(&["soc_sec_id"]),
            BlockingRule::on(&["postcode", "street_number"]),
        ],
    )
}

/// Pushes a FEBRL file into the builder; returns the person number of each record.
fn load(b: &mut RecordsBuilder, spec: &LinkSpec, file: &str) -> Vec<u32> {
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(format!("{FIXTURES}/{file}")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let cols: Vec<usize> = spec.columns().iter().map(|c| headers.iter().position(|h| h == c).unwrap()).collect();
    let mut persons = Vec::new();
    for row in rdr.records() {
        let row = row.unwrap();
        let id = &row[0];
        persons.push(id.split('-').nth(1).unwrap().parse().unwrap());
        let vals: Vec<Option<&str>> = cols.iter().map(|&c| Some(&row[c]).filter(|v| !v.is_empty())).collect();
        b.push(id, &vals).unwrap();
    }
    persons
}

fn run(files: &[&str]) -> Vec<(f64, Metrics)> {
    let spec = spec();
    let mut b = RecordsBuilder::new(&spec);
    let mut persons = load(&mut b, &spec, files[0]);
    let n_left = (files.len() == 2).then(|| {
        b.start_right();
        let n = persons.len();
        persons.extend(load(&mut b, &spec, files[1]));
        n
    });
    let records = b.finish().unwrap();
    let ctl = NoProgress;
    let model = model::train(&spec, &records, &ctl).unwrap();
    eprintln!("{}", model.to_json().unwrap());
    let pred = predict::predict(&model, &spec, &records, 0.01, &ctl).unwrap();
    eprintln!("scored {} rules {:?}", pred.scored, pred.rules);
    [0.01, 0.1, 0.3, 0.5, zicht_link::DEFAULT_THRESHOLD, 0.9, 0.99]
        .iter()
        .map(|&t| {
            let m =
                pair_metrics(pred.pairs.iter().filter(|p| p.probability >= t).map(|p| (p.a, p.b)), &persons, n_left);
            eprintln!("threshold {t}: {m:?}");
            (t, m)
        })
        .collect()
}

#[test]
fn febrl4_link_f1_at_least_0_999() {
    let res = run(&["dataset4a.csv", "dataset4b.csv"]);
    let m = res.iter().find(|(t, _)| *t == zicht_link::DEFAULT_THRESHOLD).unwrap().1;
    assert!(m.f1 >= 0.999, "{m:?}");
}

#[test]
fn febrl3_dedupe_f1_at_least_0_997() {
    let res = run(&["dataset3.csv"]);
    let m = res.iter().find(|(t, _)| *t == zicht_link::DEFAULT_THRESHOLD).unwrap().1;
    assert!(m.f1 >= 0.997, "{m:?}");
}
