//! Property tests: comparators are symmetric, lie in [0, 1] and give 1 on identical input;
//! EM never lowers the log-likelihood.

use proptest::prelude::*;
use zicht_link::compare::{FieldKind, NULL_LEVEL, jaro_winkler, levenshtein_at_most, levenshtein_similarity};
use zicht_link::model::em;

fn any_kind() -> impl Strategy<Value = FieldKind> {
    prop::sample::select(FieldKind::ALL.to_vec())
}

/// Strings that look like field values: names, dates, postcodes, numbers, with accents.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zéüß ]{0,12}",
        "(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "[0-3][0-9]/[01][0-9]/(19|20)[0-9]{2}",
        "[0-9]{4} ?[A-Z]{2}",
        "-?[0-9]{1,5}(\\.[0-9]{1,2})?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn string_similarities_symmetric_bounded_identity(a in "[a-z]{0,10}", b in "[a-z]{0,10}") {
        for sim in [jaro_winkler, levenshtein_similarity] {
            let ab = sim(a.as_bytes(), b.as_bytes());
            let ba = sim(b.as_bytes(), a.as_bytes());
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert!((ab - ba).abs() < 1e-12, "{a} {b}: {ab} vs {ba}");
            prop_assert_eq!(sim(a.as_bytes(), a.as_bytes()), 1.0);
        }
    }

    #[test]
    fn own_comparators_agree_with_rapidfuzz(a in "[a-eA-C1 _.]{0,14}", b in "[a-eA-C1 _.]{0,14}") {
        let reference = rapidfuzz::distance::jaro_winkler::similarity(a.bytes(), b.bytes());
        let ours = jaro_winkler(a.as_bytes(), b.as_bytes());
        prop_assert!((ours - reference).abs() < 1e-12, "{a} {b}: {ours} vs {reference}");
        let full = rapidfuzz::distance::levenshtein::distance(a.bytes(), b.bytes());
        for max in 0..4 {
            prop_assert_eq!(levenshtein_at_most(a.as_bytes(), b.as_bytes(), max), (full <= max).then_some(full));
        }
    }

    #[test]
    fn jaro_winkler_agrees_on_long_strings(a in "[a-c]{40,70}", b in "[a-c]{40,70}") {
        let reference = rapidfuzz::distance::jaro_winkler::similarity(a.bytes(), b.bytes());
        let ours = jaro_winkler(a.as_bytes(), b.as_bytes());
        prop_assert!((ours - reference).abs() < 1e-12, "{a} {b}: {ours} vs {reference}");
    }

    #[test]
    fn kind_comparisons_symmetric_bounded_identity(kind in any_kind(), a in value(), b in value()) {
        if let (Some(x), Some(y)) = (kind.normalise(&a), kind.normalise(&b)) {
            let l = kind.level(&x, &y);
            prop_assert!((l as usize) < kind.n_levels() || l == NULL_LEVEL);
            prop_assert_eq!(l, kind.level(&y, &x), "{:?} {:?} {:?}", kind, a, b);
            let s = kind.similarity(&x, &y);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert_eq!(kind.similarity(&x, &x), 1.0);
            prop_assert_eq!(kind.level(&x, &x), 0);
        }
    }

    #[test]
    fn em_log_likelihood_never_decreases(
        counts in prop::collection::vec(0.0f64..500.0, 27),
        nulls in prop::collection::vec(0usize..27, 0..5),
        u_raw in prop::collection::vec(0.01f64..1.0, 9),
        m_raw in prop::collection::vec(0.01f64..1.0, 9),
        lambda0 in 0.01f64..0.9,
    ) {
        // Three fields with three levels each: all 27 patterns, some with a missing field.
        let mut patterns: Vec<(Vec<u8>, f64)> = Vec::new();
        for (p, c) in counts.iter().enumerate() {
            let mut g = vec![(p % 3) as u8, ((p / 3) % 3) as u8, (p / 9) as u8];
            if nulls.contains(&p) {
                g[p % 3] = NULL_LEVEL;
            }
            patterns.push((g, *c));
        }
        let norm = |v: &[f64]| -> Vec<Vec<f64>> {
            v.chunks(3).map(|c| { let s: f64 = c.iter().sum(); c.iter().map(|x| x / s).collect() }).collect()
        };
        let (u, m0) = (norm(&u_raw), norm(&m_raw));
        let res = em(&patterns, &u, &m0, lambda0, &[true, true, true], 50, 0.0);
        for w in res.log_likelihood.windows(2) {
            prop_assert!(w[1] >= w[0] - 1e-9 * w[0].abs().max(1.0), "{:?}", res.log_likelihood);
        }
    }
}
