//! Fixed-model fits against a Poisson GLM (statsmodels 0.15, `scripts/reference/mse_glm.py`),
//! to 1e-6 relative: coefficients, standard errors, deviance, AIC, BIC, estimate, and the
//! profile-likelihood interval.

use serde_json::Value;
use zicht_stats::mse::{CaptureTable, Model, fit, profile_interval};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/mse/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn close(got: f64, want: f64, what: &str) {
    let tol = 1e-6 * want.abs().max(1e-2);
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

#[test]
fn fixed_models_equal_poisson_glm() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("glm_reference.json")).unwrap()).unwrap();
    let mut checked = 0;
    for (name, models) in reference.as_object().unwrap() {
        if name == "strata_synthetic_covariate" {
            continue;
        }
        let table = CaptureTable::read_csv(std::fs::File::open(fixture(&format!("{name}.csv"))).unwrap()).unwrap();
        let lists = table.lists().to_vec();
        for m in models.as_array().unwrap() {
            let terms: Vec<String> =
                m["terms"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
            let model = Model::parse(&format!("[{}]", terms.join(", ")), &lists).unwrap();
            let f = fit(&table, &model).unwrap();
            let what = format!("{name} {}", model.describe(&lists));
            assert!(f.mle_exists && f.identifiable, "{what}");
            let empty: Vec<String> = f.empty_terms.iter().map(|&t| zicht_stats::mse::term_name(t, &lists)).collect();
            let want_empty: Vec<String> =
                m["empty_terms"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
            assert_eq!(empty, want_empty, "{what}");
            for c in &f.coefficients {
                close(c.value, m["coefficients"][&c.name].as_f64().unwrap(), &format!("{what} coef {}", c.name));
                close(c.se, m["se"][&c.name].as_f64().unwrap(), &format!("{what} se {}", c.name));
            }
            assert_eq!(f.coefficients.len(), m["coefficients"].as_object().unwrap().len());
            // A saturated fit has deviance 0 in both; compare absolutely there.
            let dev = m["deviance"].as_f64().unwrap();
            assert!((f.deviance.unwrap() - dev).abs() <= 1e-6 * dev.abs().max(1.0), "{what} deviance");
            close(f.aic.unwrap(), m["aic"].as_f64().unwrap(), &format!("{what} aic"));
            close(f.bic.unwrap(), m["bic"].as_f64().unwrap(), &format!("{what} bic"));
            assert_eq!(f.df, m["df"].as_i64().unwrap(), "{what} df");
            close(f.estimate.unwrap(), m["estimate"].as_f64().unwrap(), &format!("{what} estimate"));
            let (lo, hi) = profile_interval(&table, &f, 0.95).unwrap();
            close(lo.unwrap(), m["profile_low"].as_f64().unwrap(), &format!("{what} profile low"));
            close(hi.unwrap(), m["profile_high"].as_f64().unwrap(), &format!("{what} profile high"));
            checked += 1;
        }
    }
    assert_eq!(checked, 11);
}

/// A joint model over strata (stratum effect on the dark figure, list A × stratum, shared A:B)
/// equals the same Poisson GLM to 1e-6.
#[test]
fn covariate_model_equals_poisson_glm() {
    use zicht_stats::mse::stratified::{CovariateModel, StratifiedTable, fit_covariate_model};
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("glm_reference.json")).unwrap()).unwrap();
    let r = &reference["strata_synthetic_covariate"];
    let t = StratifiedTable::read_csv(std::fs::File::open(fixture("strata_synthetic.csv")).unwrap(), "group").unwrap();
    assert_eq!(t.strata, vec!["minor", "adult"]);
    let lists = t.tables[0].lists().to_vec();
    let m = CovariateModel { terms: Model::parse("[A:B]", &lists).unwrap(), lists_by_stratum: vec![0] };
    let f = fit_covariate_model(&t, &m).unwrap();
    assert!(f.mle_exists && f.identifiable);
    assert_eq!(f.coefficients.len(), r["coefficients"].as_object().unwrap().len());
    for (name, v) in &f.coefficients {
        close(*v, r["coefficients"][name].as_f64().unwrap(), name);
    }
    close(f.deviance.unwrap(), r["deviance"].as_f64().unwrap(), "deviance");
    close(f.total.unwrap(), r["total"].as_f64().unwrap(), "total");
    let u = f.unobserved.unwrap();
    close(u[1], r["unobserved"][1].as_f64().unwrap(), "unobserved adult");
}

/// Exhaustive AIC/BIC search over all 1,024 two-list models of UKdat_5: the best 20 models and
/// their scores equal an independent search with statsmodels + scipy's LP
/// (`scripts/reference/mse_exhaustive.py`).
#[test]
fn exhaustive_search_equals_reference() {
    use zicht_stats::mse::{Method, select};
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("exhaustive_UKdat_5.json")).unwrap()).unwrap();
    let table = CaptureTable::read_csv(std::fs::File::open(fixture("UKdat_5.csv")).unwrap()).unwrap();
    let lists = table.lists().to_vec();
    for (method, key) in [(Method::Bic, "bic"), (Method::Aic, "aic")] {
        let s = select(&table, &method).unwrap();
        let want = reference[key].as_array().unwrap();
        assert_eq!(s.models.len(), want.len());
        for (got, w) in s.models.iter().zip(want) {
            let mut g = got.model.term_names(&lists);
            g.sort();
            let mut t: Vec<String> =
                w["terms"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect();
            t.sort();
            assert_eq!(g, t, "{key}");
            let score = if key == "bic" { got.bic } else { got.aic };
            close(score.unwrap(), w[key].as_f64().unwrap(), key);
            close(got.estimate.unwrap(), w["estimate"].as_f64().unwrap(), "estimate");
        }
        assert_eq!(s.fit.model, s.models[0].model);
    }
}
