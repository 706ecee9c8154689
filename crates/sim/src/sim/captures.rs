//! Stage 2 of the simulation: captures, year by year, by each reporter type and by referral, with
//! the year factor solved so that the expected number of distinct persons with a filed report equals
//! the registered target.

use super::*;

/// The latent reports (filed, withheld or not reported), sorted by date, with stream 2 of the seed.
pub(super) fn captures(config: &Config, persons: &[Person], progress: &dyn Progress) -> Result<Vec<Latent>, SimError> {
    let scale = config.scale;
    // 2. Captures, year by year, with the year factor solved so that the expected number of distinct
    //    persons with a filed report equals the registered target.
    progress.start("captures", (config.to - config.from + 1) as u64);
    let mut rng = stream(config.seed, 2);
    let mut latent: Vec<Latent> = Vec::new();
    for y in config.from..=config.to {
        let active: Vec<usize> =
            (0..persons.len()).filter(|&i| persons[i].first_year <= y && y <= persons[i].last_year).collect();
        let mid = ymd(y, 7, 1);
        let mut q: Vec<[f64; 12]> = Vec::with_capacity(active.len());
        let mut fbar: Vec<[f64; 12]> = Vec::with_capacity(active.len());
        for &i in &active {
            let p = &persons[i];
            let age = age_on(p.birth, mid);
            let first_day = p.first_day_in(y);
            let last_day = ymd(y, 12, 31);
            let mut qi = [0.0; 12];
            let mut fi = [0.0; 12];
            for (k, r) in ReporterType::ALL.into_iter().enumerate() {
                qi[k] = intensity(r, p, y, age);
                // The report date is uniform on [first day, 31 December]. Filing is a step function
                // of the date: constant unless a step (May 2018) falls inside, then average over 24
                // quantiles.
                let (f_first, f_last) = (filing_prob(r, first_day, age < 18), filing_prob(r, last_day, age < 18));
                fi[k] = if f_first == f_last {
                    f_first
                } else {
                    quantile_days(first_day, last_day).map(|d| filing_prob(r, d, age < 18)).sum::<f64>() / 24.0
                };
            }
            q.push(qi);
            fbar.push(fi);
        }
        let expected = |m: f64| -> f64 {
            q.iter()
                .zip(&fbar)
                .map(|(qi, fi)| {
                    let none: f64 = (0..12).map(|k| 1.0 - (m * qi[k]).min(CAP) * fi[k]).product();
                    1.0 - none
                })
                .sum()
        };
        let target = registered_target(y) * scale;
        let mut hi = 1.0;
        while expected(hi) < target && hi < 1e6 {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        // 45 halvings: relative precision ~3e-14 of the bracket, far below the Monte Carlo noise.
        for _ in 0..45 {
            let m = 0.5 * (lo + hi);
            if expected(m) < target {
                lo = m;
            } else {
                hi = m;
            }
        }
        let m = 0.5 * (lo + hi);

        for (a, &i) in active.iter().enumerate() {
            let p = &persons[i];
            let first_day = p.first_day_in(y);
            let mut captured = [false; 12];
            let mut filed: [Option<NaiveDate>; 12] = [None; 12];
            for (k, r) in ReporterType::ALL.into_iter().enumerate() {
                let u: [f64; 4] = std::array::from_fn(|_| rng.random::<f64>());
                if u[0] >= (m * q[a][k]).min(CAP) {
                    continue;
                }
                let date = date_from(u[1], first_day, ymd(y, 12, 31));
                let minor = p.minor_on(date);
                let eligible = match r {
                    ReporterType::YouthCare => minor,
                    ReporterType::Guardianship => minor && p.unaccompanied,
                    _ => true,
                };
                if !eligible {
                    continue;
                }
                captured[k] = true;
                let status = status_of(r, date, minor, u[2]);
                if status == Status::Filed {
                    filed[k] = Some(date);
                }
                latent.push(Latent { person: i, reporter_type: r, reporter: reporter_id(r, p, u[3]), date, status });
            }
            // Uniforms for the three referral routes of the first version too, so that a seed keeps the
            // rest of its world (who is captured, when) across the change to one source per list.
            for _ in 0..RETIRED_REFERRALS * 5 {
                rng.random::<f64>();
            }
            for (from, to, prob) in REFERRALS {
                let u: [f64; 5] = std::array::from_fn(|_| rng.random::<f64>());
                let Some(from_date) = filed[from as usize] else {
                    continue;
                };
                let k = to as usize;
                if captured[k] || u[0] >= prob {
                    continue;
                }
                let date = (from_date + Duration::days(1 + (u[1] * 60.0) as i64)).min(ymd(y, 12, 31));
                let minor = p.minor_on(date);
                captured[k] = true;
                let status = status_of(to, date, minor, u[2]);
                latent.push(Latent { person: i, reporter_type: to, reporter: reporter_id(to, p, u[3]), date, status });
            }
        }
        progress.advance(1).map_err(|_| SimError::Cancelled)?;
    }
    latent.sort_by(|a, b| {
        (a.date, a.reporter_type, &a.reporter, a.person).cmp(&(b.date, b.reporter_type, &b.reporter, b.person))
    });
    Ok(latent)
}
