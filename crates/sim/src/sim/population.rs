//! Stage 1 of the simulation: the population of victims, entering year by year so that the number of
//! victims in each year meets its target (entries carry over: a victim stays 1–3 years).

use super::*;

/// The victims, in order of entry, with stream 1 of the seed.
pub(super) fn population(config: &Config, progress: &dyn Progress) -> Result<Vec<Person>, SimError> {
    let scale = config.scale;
    progress.start("population", (config.to - config.from + 3) as u64);
    let mut rng = stream(config.seed, 1);
    let mut persons: Vec<Person> = Vec::new();
    let y0 = config.from - 2;
    let mut entries: BTreeMap<i32, f64> = BTreeMap::new();
    for y in y0..=config.to {
        let target = true_target(y) * scale;
        let e = if y < y0 + 2 {
            target / 1.5
        } else {
            let e1 = entries.get(&(y - 1)).copied().unwrap_or(0.0);
            let e2 = entries.get(&(y - 2)).copied().unwrap_or(0.0);
            (target - 0.4 * e1 - 0.1 * e2).max(0.2 * target)
        };
        entries.insert(y, e);
        let n = e.floor() as u64 + u64::from(rng.random::<f64>() < e.fract());
        for _ in 0..n {
            let id = persons.len() as u64 + 1;
            persons.push(new_person(&mut rng, id, y));
        }
        progress.advance(1).map_err(|_| SimError::Cancelled)?;
    }
    Ok(persons)
}
