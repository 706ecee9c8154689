//! Arbitrary small tables never panic: every method returns an estimate or says why not.

use proptest::prelude::*;
use zicht_stats::mse::{BootstrapOptions, CaptureTable, Method, NoProgress, bootstrap, profile_interval, select};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_table_any_method(k in 2usize..=4, raw in proptest::collection::vec(0u32..6, 16)) {
        let lists: Vec<String> = (0..k).map(|i| format!("L{i}")).collect();
        let mut counts: Vec<f64> = raw[..1 << k].iter().map(|&c| f64::from(c)).collect();
        counts[0] = 0.0;
        let Ok(t) = CaptureTable::from_counts(lists, counts) else { return Ok(()); };
        for m in [Method::Stepwise { threshold: 0.02 }, Method::Stepwise { threshold: 1.0 }, Method::Bic, Method::Aic, Method::Main] {
            let s = select(&t, &m).unwrap();
            match s.fit.estimate {
                Some(e) => {
                    prop_assert!(e.is_finite() && e >= t.observed());
                    let (lo, hi) = profile_interval(&t, &s.fit, 0.95).unwrap();
                    if let (Some(lo), Some(hi)) = (lo, hi) {
                        prop_assert!(lo <= e + 1e-6 * e && e <= hi + 1e-6 * e, "{lo} {e} {hi}");
                    }
                }
                None => prop_assert!(s.fit.note.is_some()),
            }
        }
        let opts = BootstrapOptions { replicates: 5, seed: 3, level: 0.9, progress: &NoProgress };
        let _ = bootstrap(&t, &Method::Stepwise { threshold: 0.02 }, &opts);
    }
}
