//! zicht-stats survival against R survival 3.5 / cmprsk 2.2 on public data sets.
//! Fixtures: crates/stats/tests/fixtures/survival (made by scripts/reference/survival.R).
//! Tolerances: 1e-6 absolute on probabilities, 1e-6 relative on coefficients and statistics.

use std::collections::HashMap;
use std::path::PathBuf;

use zicht_stats::survival::{
    ConfType, CoxInput, CoxOptions, Ties, cox_ph, cumulative_incidence, gray_test_stratified, kaplan_meier, log_rank,
};

type Table = Vec<HashMap<String, String>>;

fn fixture(name: &str) -> Table {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survival").join(name);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> Option<f64> {
    let v = row.get(col).unwrap_or_else(|| panic!("no column {col}"));
    match v.as_str() {
        "" | "NA" => None,
        "Inf" => Some(f64::INFINITY),
        s => Some(s.parse().unwrap_or_else(|e| panic!("{col}={s}: {e}"))),
    }
}

fn col(t: &Table, c: &str) -> Vec<f64> {
    t.iter().map(|r| num(r, c).unwrap_or(f64::NAN)).collect()
}

fn close_abs(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, R {want} (|diff| {})", (got - want).abs());
}

fn close_rel(got: f64, want: f64, tol: f64, what: &str) {
    let d = (got - want).abs() / want.abs().max(1e-300);
    assert!(d <= tol || (got - want).abs() <= 1e-12, "{what}: got {got}, R {want} (rel diff {d})");
}

fn conf_of(s: &str) -> ConfType {
    ConfType::parse(s).unwrap()
}

#[test]
fn kaplan_meier_matches_survfit() {
    let data: HashMap<&str, (Table, &str, &str, Option<&str>)> = HashMap::from([
        ("lung", (fixture("lung.csv"), "time", "status", Some("sex"))),
        ("lung_all", (fixture("lung.csv"), "time", "status", None)),
        ("veteran", (fixture("veteran.csv"), "time", "status", Some("celltype"))),
        ("rossi", (fixture("rossi.csv"), "week", "arrest", Some("fin"))),
    ]);
    let reference = fixture("ref_km.csv");
    let medians = fixture("ref_km_median.csv");
    let mut checked = 0;
    for (name, (d, tcol, ecol, gcol)) in &data {
        for conf in ["log-log", "log", "plain"] {
            let groups: Vec<String> = match gcol {
                None => vec!["all".into()],
                Some(g) => {
                    let mut v: Vec<String> = d.iter().map(|r| r[*g].clone()).collect();
                    v.sort();
                    v.dedup();
                    v
                }
            };
            for g in groups {
                let rows: Vec<&HashMap<String, String>> = d.iter().filter(|r| gcol.is_none_or(|c| r[c] == g)).collect();
                let time: Vec<f64> = rows.iter().map(|r| num(r, tcol).unwrap()).collect();
                let event: Vec<bool> = rows.iter().map(|r| num(r, ecol).unwrap() == 1.0).collect();
                let km = kaplan_meier(&time, &event, conf_of(conf), 0.95).unwrap();
                let want: Vec<&HashMap<String, String>> = reference
                    .iter()
                    .filter(|r| r["dataset"] == *name && r["conf"] == conf && r["group"] == g)
                    .collect();
                assert_eq!(km.rows.len(), want.len(), "{name} {conf} {g}: number of times");
                for (i, (row, w)) in km.rows.iter().zip(&want).enumerate() {
                    let what = format!("{name} {conf} group {g} t={}", row.time);
                    close_abs(row.time, num(w, "time").unwrap(), 0.0, &what);
                    close_abs(row.n_risk, num(w, "n_risk").unwrap(), 0.0, &what);
                    close_abs(row.n_event, num(w, "n_event").unwrap(), 0.0, &what);
                    close_abs(row.survival, num(w, "surv").unwrap(), 1e-12, &what);
                    match (km.se_survival(i), num(w, "se_surv")) {
                        (Some(a), Some(b)) => close_abs(a, b, 1e-10, &format!("{what} se")),
                        (None, None) => {}
                        (a, b) => panic!("{what} se: got {a:?}, R {b:?}"),
                    }
                    close_abs(row.cumhaz, num(w, "cumhaz").unwrap(), 1e-12, &what);
                    close_abs(row.se_cumhaz, num(w, "std_chaz").unwrap(), 1e-12, &what);
                    let (lo, hi) = km.ci(i);
                    match (lo, num(w, "lower")) {
                        (Some(a), Some(b)) => close_abs(a, b, 1e-9, &format!("{what} lower")),
                        (None, None) => {}
                        (a, b) => panic!("{what} lower: got {a:?}, R {b:?}"),
                    }
                    match (hi, num(w, "upper")) {
                        (Some(a), Some(b)) => close_abs(a, b, 1e-9, &format!("{what} upper")),
                        (None, None) => {}
                        (a, b) => panic!("{what} upper: got {a:?}, R {b:?}"),
                    }
                    checked += 1;
                }
                let m = medians.iter().find(|r| r["dataset"] == *name && r["conf"] == conf && r["group"] == g).unwrap();
                let (med, lo, hi) = km.median();
                assert_eq!(med, num(m, "median"), "{name} {conf} {g} median");
                assert_eq!(lo, num(m, "lower"), "{name} {conf} {g} median lower");
                assert_eq!(hi, num(m, "upper"), "{name} {conf} {g} median upper");
            }
        }
    }
    assert!(checked > 1000, "only {checked} rows compared");
}

fn groups_index(v: &[String]) -> Vec<usize> {
    let mut levels: Vec<&String> = v.iter().collect();
    levels.sort();
    levels.dedup();
    v.iter().map(|x| levels.iter().position(|l| *l == x).unwrap()).collect()
}

#[test]
fn log_rank_matches_survdiff() {
    let reference = fixture("ref_logrank.csv");
    let want = |name: &str| reference.iter().find(|r| r["test"] == name).unwrap();
    // (test, file, time, event, group, strata)
    type Case<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, Option<&'a str>);
    let cases: [Case; 4] = [
        ("lung_sex", "lung.csv", "time", "status", "sex", None),
        ("veteran_celltype", "veteran.csv", "time", "status", "celltype", None),
        ("veteran_trt_strata_celltype", "veteran.csv", "time", "status", "trt", Some("celltype")),
        ("rossi_fin", "rossi.csv", "week", "arrest", "fin", None),
    ];
    for (name, file, tc, ec, gc, sc) in cases {
        let d = fixture(file);
        let time = col(&d, tc);
        let event: Vec<bool> = col(&d, ec).iter().map(|&v| v == 1.0).collect();
        let g = groups_index(&d.iter().map(|r| r[gc].clone()).collect::<Vec<_>>());
        let s = sc.map(|c| groups_index(&d.iter().map(|r| r[c].clone()).collect::<Vec<_>>()));
        let r = log_rank(&time, &event, &g, s.as_deref()).unwrap();
        let w = want(name);
        close_rel(r.chi2, num(w, "chi2").unwrap(), 1e-9, name);
        assert_eq!(r.df as f64, num(w, "df").unwrap(), "{name} df");
    }
}

#[test]
fn cumulative_incidence_matches_cuminc() {
    let reference = fixture("ref_cif.csv");
    let cases = [("pbc_trt", "pbc.csv", "time", "status", "trt"), ("mgus2_sex", "mgus2.csv", "etime", "event", "sex")];
    let mut checked = 0;
    for (name, file, tc, cc, gc) in cases.into_iter().chain([("pbc_all", "pbc.csv", "time", "status", "")]) {
        let d = fixture(file);
        let groups: Vec<String> = if gc.is_empty() {
            vec!["1".into()]
        } else {
            let mut v: Vec<String> = d.iter().map(|r| r[gc].clone()).collect();
            v.sort();
            v.dedup();
            v
        };
        for g in groups {
            let rows: Vec<_> = d.iter().filter(|r| gc.is_empty() || r[gc] == g).collect();
            let time: Vec<f64> = rows.iter().map(|r| num(r, tc).unwrap()).collect();
            let cause: Vec<u32> = rows.iter().map(|r| num(r, cc).unwrap() as u32).collect();
            let curves = cumulative_incidence(&time, &cause).unwrap();
            for curve in &curves {
                let want: Vec<_> = reference
                    .iter()
                    .filter(|r| r["dataset"] == name && r["group"] == g && r["cause"] == curve.cause.to_string())
                    .collect();
                assert!(!want.is_empty(), "{name} {g} {}", curve.cause);
                for w in want {
                    let t = num(w, "time").unwrap();
                    let what = format!("{name} group {g} cause {} t={t}", curve.cause);
                    // R's last row repeats the final value out to the largest follow-up time
                    let p = curve.at(t).unwrap();
                    close_abs(p.cif, num(w, "est").unwrap(), 1e-9, &what);
                    close_rel(p.variance, num(w, "var").unwrap(), 1e-6, &format!("{what} var"));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} points compared");
}

#[test]
fn gray_test_matches_cuminc() {
    let reference = fixture("ref_gray.csv");
    let cases = [
        ("pbc_trt", "pbc.csv", "time", "status", "trt", None),
        ("mgus2_sex", "mgus2.csv", "etime", "event", "sex", None),
        ("pbc_trt_strata_sex", "pbc.csv", "time", "status", "trt", Some("sex")),
    ];
    let mut checked = 0;
    for (name, file, tc, cc, gc, sc) in cases {
        let d = fixture(file);
        let time = col(&d, tc);
        let cause: Vec<u32> = col(&d, cc).iter().map(|&v| v as u32).collect();
        let g = groups_index(&d.iter().map(|r| r[gc].clone()).collect::<Vec<_>>());
        let s = sc.map(|c| groups_index(&d.iter().map(|r| r[c].clone()).collect::<Vec<_>>()));
        let tests = gray_test_stratified(&time, &cause, &g, s.as_deref()).unwrap();
        for w in reference.iter().filter(|r| r["dataset"] == name) {
            let c: u32 = w["cause"].parse().unwrap();
            let t = tests.iter().find(|t| t.cause == c).unwrap();
            close_rel(t.stat, num(w, "stat").unwrap(), 1e-6, &format!("{name} cause {c} stat"));
            assert_eq!(t.df as f64, num(w, "df").unwrap());
            close_rel(t.p, num(w, "p").unwrap(), 1e-6, &format!("{name} cause {c} p"));
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

struct CoxCase {
    model: &'static str,
    file: &'static str,
    start: Option<&'static str>,
    stop: &'static str,
    event: &'static str,
    covariates: &'static [&'static str],
    strata: Option<&'static str>,
    cluster: Option<&'static str>,
    robust: bool,
}

#[test]
fn cox_matches_coxph() {
    let coefs = fixture("ref_cox_coef.csv");
    let sums = fixture("ref_cox_summary.csv");
    let cases = [
        CoxCase {
            model: "lung",
            file: "lung.csv",
            start: None,
            stop: "time",
            event: "status",
            covariates: &["age", "sex", "ph.ecog"],
            strata: None,
            cluster: None,
            robust: false,
        },
        CoxCase {
            model: "lung_strata",
            file: "lung.csv",
            start: None,
            stop: "time",
            event: "status",
            covariates: &["age", "ph.ecog"],
            strata: Some("sex"),
            cluster: None,
            robust: false,
        },
        CoxCase {
            model: "veteran",
            file: "veteran.csv",
            start: None,
            stop: "time",
            event: "status",
            covariates: &["trt", "karno", "age", "prior", "diagtime"],
            strata: None,
            cluster: None,
            robust: false,
        },
        CoxCase {
            model: "rossi",
            file: "rossi.csv",
            start: None,
            stop: "week",
            event: "arrest",
            covariates: &["fin", "age", "race", "wexp", "mar", "paro", "prio"],
            strata: None,
            cluster: None,
            robust: false,
        },
        CoxCase {
            model: "rossi_robust",
            file: "rossi.csv",
            start: None,
            stop: "week",
            event: "arrest",
            covariates: &["fin", "age", "race", "wexp", "mar", "paro", "prio"],
            strata: None,
            cluster: None,
            robust: true,
        },
        CoxCase {
            model: "heart",
            file: "heart.csv",
            start: Some("start"),
            stop: "stop",
            event: "event",
            covariates: &["age", "year", "surgery", "transplant"],
            strata: None,
            cluster: None,
            robust: false,
        },
        CoxCase {
            model: "heart_cluster",
            file: "heart.csv",
            start: Some("start"),
            stop: "stop",
            event: "event",
            covariates: &["age", "year", "surgery", "transplant"],
            strata: None,
            cluster: Some("id"),
            robust: true,
        },
    ];
    for case in &cases {
        let d = fixture(case.file);
        // R drops rows with a missing value in any model variable
        let d: Table = d.into_iter().filter(|r| case.covariates.iter().all(|c| num(r, c).is_some())).collect();
        let stop = col(&d, case.stop);
        let start = case.start.map(|c| col(&d, c));
        let event: Vec<bool> = col(&d, case.event).iter().map(|&v| v == 1.0).collect();
        let cols: Vec<Vec<f64>> = case.covariates.iter().map(|c| col(&d, c)).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let names: Vec<String> = case.covariates.iter().map(|s| s.to_string()).collect();
        let strata = case.strata.map(|c| groups_index(&d.iter().map(|r| r[c].clone()).collect::<Vec<_>>()));
        let cluster = case.cluster.map(|c| groups_index(&d.iter().map(|r| r[c].clone()).collect::<Vec<_>>()));
        for ties in [Ties::Efron, Ties::Breslow] {
            let model = format!("{}_{}", case.model, if ties == Ties::Efron { "efron" } else { "breslow" });
            let input = CoxInput {
                start: start.as_deref(),
                stop: &stop,
                event: &event,
                covariates: &refs,
                names: &names,
                strata: strata.as_deref(),
                cluster: cluster.as_deref(),
            };
            let opts = CoxOptions { ties, robust: case.robust, ..CoxOptions::default() };
            let fit = cox_ph(&input, &opts).unwrap_or_else(|e| panic!("{model}: {e}"));
            let s = sums.iter().find(|r| r["model"] == model).unwrap();
            assert_eq!(fit.n as f64, num(s, "n").unwrap(), "{model} n");
            assert_eq!(fit.events as f64, num(s, "events").unwrap(), "{model} events");
            close_rel(fit.loglik, num(s, "loglik").unwrap(), 1e-9, &format!("{model} loglik"));
            close_rel(fit.loglik_null, num(s, "loglik_null").unwrap(), 1e-9, &format!("{model} loglik_null"));
            close_rel(fit.lr_test.chi2, num(s, "lr").unwrap(), 1e-6, &format!("{model} lr"));
            close_rel(fit.score_test.chi2, num(s, "score").unwrap(), 1e-6, &format!("{model} score"));
            close_rel(fit.wald_test.chi2, num(s, "wald").unwrap(), 1e-6, &format!("{model} wald"));
            close_rel(fit.concordance, num(s, "concordance").unwrap(), 1e-9, &format!("{model} concordance"));
            for (j, name) in names.iter().enumerate() {
                let w = coefs.iter().find(|r| r["model"] == model && r["term"] == *name).unwrap();
                close_rel(fit.coef[j], num(w, "coef").unwrap(), 1e-6, &format!("{model} {name} coef"));
                close_rel(fit.se[j], num(w, "se").unwrap(), 1e-6, &format!("{model} {name} se"));
                if case.robust {
                    let r = fit.robust_se.as_ref().unwrap()[j];
                    close_rel(r, num(w, "robust_se").unwrap(), 1e-6, &format!("{model} {name} robust se"));
                }
            }
        }
    }
}
