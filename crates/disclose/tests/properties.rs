//! Property: whatever the table, the protected grid passes the independent checker, and every
//! primary cell is hidden.

use proptest::prelude::*;
use zicht_disclose::{Counts, Flag, Policy, check, protect_counts};

fn tables() -> impl Strategy<Value = Vec<Vec<i64>>> {
    (1usize..6, 1usize..6).prop_flat_map(|(r, c)| {
        proptest::collection::vec(proptest::collection::vec(prop_oneof![0i64..12, 0i64..400], c), r)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn protected_tables_pass_the_checker(counts in tables(), public in any::<bool>(), seed in 0u64..1000) {
        let policy = if public { Policy::public(Some(1.0), seed).unwrap() } else { Policy::internal() };
        let rows: Vec<String> = (0..counts.len()).map(|i| format!("r{i}")).collect();
        let cols: Vec<String> = (0..counts[0].len()).map(|i| format!("c{i}")).collect();
        let g = protect_counts(Counts { name: "p", rows, columns: cols, counts: &counts, totals: Some("total") }, &policy, 3).unwrap();
        let v = check::audit(&g, &policy);
        prop_assert!(v.is_empty(), "{:?}\n{:?}", v, g);
        if !public {
            for (i, r) in counts.iter().enumerate() {
                for (j, &x) in r.iter().enumerate() {
                    if x < 10 { prop_assert_eq!(g.cells[i][j].flag, Flag::Primary); }
                }
            }
        }
    }
}
