//! The alert statistic against R `surveillance` 1.20.3 (`algo.glrpois`, Page's Poisson CUSUM with
//! known shift `theta = log(0.5)`, decrease, known baseline). Fixture and script:
//! `tests/fixtures/alerts_glrpois.csv`, `scripts/reference/alerts.R`. Tolerance 1e-9 (absolute).
//! surveillance restarts its statistic after an alarm; `detect` re-estimates the baseline instead,
//! so the paths are compared up to the first alarm.

use zicht_stats::alerts::cusum_path;

#[test]
fn cusum_path_matches_surveillance_glrpois_up_to_the_first_alarm() {
    let text = include_str!("fixtures/alerts_glrpois.csv");
    let mut x = Vec::new();
    let mut mu0 = Vec::new();
    let mut value = Vec::new();
    let mut alarm = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        x.push(f[1].parse::<u64>().unwrap());
        mu0.push(f[2].parse::<f64>().unwrap());
        value.push(f[3].parse::<f64>().unwrap());
        alarm.push(f[4] == "1");
    }
    let first = alarm.iter().position(|&a| a).expect("the reference alarms");
    let path = cusum_path(&x, &mu0, 0.5);
    for t in 0..=first {
        assert!((path[t] - value[t]).abs() < 1e-9, "t={t}: {} vs R {}", path[t], value[t]);
    }
    // The same decision interval (h = 10) signals in the same month.
    assert_eq!(path.iter().position(|&s| s > 10.0), Some(first));
    assert_eq!(first, 38, "the drop planted at month 37 (index 36) is signalled at index 38");
}
