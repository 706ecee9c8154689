//! Identities and the noise with which registers record them.
//!
//! Every report and event is an independent, imperfect observation of the true identity: typos,
//! transposed letters, swapped name fields, dropped or re-cased particles ("van der"), a dropped second
//! given name, diacritics folded to ASCII, missing or day/month-swapped birth dates and, rarely, a
//! birth year off by one. The rates per register are in [`NoiseLevel`].

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::rngs::ChaCha8Rng as Rng8;

use crate::names::fold_ascii;

/// The true identity of a person as their documents give it.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub given: Vec<&'static str>,
    pub family: String,
    /// The birth date as known to registers; for some undocumented people a 1 January placeholder.
    pub birth: NaiveDate,
    pub family_first: bool,
}

/// The rates at which one register distorts an identity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoiseLevel {
    pub typo: f64,
    pub transpose: f64,
    pub swap_order: f64,
    pub drop_particle: f64,
    pub drop_second_given: f64,
    pub fold: f64,
    pub missing_birth: f64,
    pub day_month_swap: f64,
    pub year_off: f64,
}

impl NoiseLevel {
    /// Care organisations and NGOs: hand-typed intake forms.
    pub const CARE: NoiseLevel = NoiseLevel {
        typo: 0.07,
        transpose: 0.03,
        swap_order: 0.04,
        drop_particle: 0.2,
        drop_second_given: 0.4,
        fold: 0.5,
        missing_birth: 0.08,
        day_month_swap: 0.04,
        year_off: 0.01,
    };
    /// Investigative services: checked against documents more often.
    pub const POLICE: NoiseLevel = NoiseLevel {
        typo: 0.04,
        transpose: 0.02,
        swap_order: 0.03,
        drop_particle: 0.1,
        drop_second_given: 0.3,
        fold: 0.4,
        missing_birth: 0.04,
        day_month_swap: 0.03,
        year_off: 0.005,
    };
    /// The municipal population register: the cleanest source.
    pub const REGISTER: NoiseLevel = NoiseLevel {
        typo: 0.01,
        transpose: 0.005,
        swap_order: 0.005,
        drop_particle: 0.02,
        drop_second_given: 0.05,
        fold: 0.1,
        missing_birth: 0.0,
        day_month_swap: 0.005,
        year_off: 0.0,
    };
}

/// One register's rendering of an identity.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub given: String,
    pub family: String,
    pub birth: Option<NaiveDate>,
}

/// Draws a register's rendering of `id`. With `require_birth` the birth date is never left out
/// (statistical reports need all three identity fields for the pseudonym).
pub(crate) fn observe(rng: &mut Rng8, id: &Identity, level: NoiseLevel, require_birth: bool) -> Observed {
    // Always draw the same number of uniforms so that one option does not shift the stream.
    let u: [f64; 12] = std::array::from_fn(|_| rng.random::<f64>());
    let mut given_parts: Vec<&str> = id.given.clone();
    if given_parts.len() > 1 && u[0] < level.drop_second_given {
        given_parts.truncate(1);
    }
    let mut given = given_parts.join(" ");
    let mut family = id.family.clone();
    if u[1] < level.drop_particle {
        family = drop_particle(&family);
    } else if u[1] < 1.5 * level.drop_particle {
        family = capitalise_particle(&family);
    }
    if u[2] < level.fold {
        given = fold_ascii(&given);
        family = fold_ascii(&family);
    }
    if u[3] < level.typo {
        if u[4] < 0.5 {
            given = typo(rng, &given);
        } else {
            family = typo(rng, &family);
        }
    }
    if u[5] < level.transpose {
        if u[6] < 0.5 {
            given = transpose(rng, &given);
        } else {
            family = transpose(rng, &family);
        }
    }
    let swap = if id.family_first { 4.0 * level.swap_order } else { level.swap_order };
    if u[7] < swap {
        std::mem::swap(&mut given, &mut family);
    }
    let mut birth = Some(id.birth);
    if !require_birth && u[8] < level.missing_birth {
        birth = None;
    } else if u[9] < level.day_month_swap {
        birth = Some(swap_day_month(id.birth));
    } else if u[10] < level.year_off {
        let shift = if u[11] < 0.5 { -1 } else { 1 };
        birth = id.birth.with_year(id.birth.year() + shift).or(Some(id.birth));
    }
    Observed { given, family, birth }
}

const PARTICLES: [&str; 8] = ["van", "der", "den", "de", "da", "dos", "del", "dela"];

/// Drops the lower-case particles from a family name: `van der Meer` → `Meer`.
pub(crate) fn drop_particle(family: &str) -> String {
    let kept: Vec<&str> = family.split(' ').filter(|w| !PARTICLES.contains(w)).collect();
    if kept.is_empty() { family.to_string() } else { kept.join(" ") }
}

/// Capitalises the first particle, as at the start of a sentence: `van der Meer` → `Van der Meer`.
fn capitalise_particle(family: &str) -> String {
    match family.split_once(' ') {
        Some((first, rest)) if PARTICLES.contains(&first) => {
            let mut c = first.chars();
            let head: String = c.next().map(|h| h.to_uppercase().collect()).unwrap_or_default();
            format!("{head}{} {rest}", c.as_str())
        }
        _ => family.to_string(),
    }
}

/// One keyboard slip: a letter replaced, deleted or doubled.
pub(crate) fn typo(rng: &mut Rng8, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.is_empty() {
        return s.to_string();
    }
    let i = letters[rng.random_range(0..letters.len())];
    match rng.random_range(0..3u8) {
        0 => chars[i] = (b'a' + rng.random_range(0..26u8)) as char,
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, chars[i]),
    }
    chars.into_iter().collect()
}

/// Two neighbouring letters exchanged.
pub(crate) fn transpose(rng: &mut Rng8, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let pairs: Vec<usize> = (1..chars.len().saturating_sub(1))
        .filter(|&i| chars[i].is_alphabetic() && chars[i + 1].is_alphabetic())
        .collect();
    if pairs.is_empty() {
        return s.to_string();
    }
    let i = pairs[rng.random_range(0..pairs.len())];
    chars.swap(i, i + 1);
    chars.into_iter().collect()
}

/// Day and month exchanged where both are valid months (`2001-03-07` → `2001-07-03`); else unchanged.
pub(crate) fn swap_day_month(d: NaiveDate) -> NaiveDate {
    if d.day() <= 12 && d.day() != d.month() {
        NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()).unwrap_or(d)
    } else {
        d
    }
}

/// A Dutch citizen service number (BSN): nine digits passing the eleven test
/// (9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 mod 11).
pub(crate) fn citizen_number(rng: &mut Rng8) -> String {
    loop {
        let mut d = [0u32; 9];
        d[0] = rng.random_range(1..10u32);
        for x in d.iter_mut().take(8).skip(1) {
            *x = rng.random_range(0..10u32);
        }
        let s: u32 = (0..8).map(|i| (9 - i as u32) * d[i]).sum();
        let check = s % 11;
        if check < 10 {
            d[8] = check;
            return d.iter().map(|x| char::from_digit(*x, 10).unwrap_or('0')).collect();
        }
    }
}

/// Whether a string is a valid BSN by the eleven test.
pub fn is_valid_citizen_number(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 || s.len() != 9 {
        return false;
    }
    let sum: i64 = (0..8).map(|i| (9 - i as i64) * d[i] as i64).sum::<i64>() - d[8] as i64;
    sum % 11 == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn particles_drop_and_capitalise() {
        assert_eq!(drop_particle("van der Meer"), "Meer");
        assert_eq!(drop_particle("Jansen"), "Jansen");
        assert_eq!(capitalise_particle("van der Meer"), "Van der Meer");
        assert_eq!(capitalise_particle("de Vries"), "De Vries");
    }

    #[test]
    fn day_month_swap_only_when_valid() {
        let d = NaiveDate::from_ymd_opt(2001, 3, 7).unwrap();
        assert_eq!(swap_day_month(d), NaiveDate::from_ymd_opt(2001, 7, 3).unwrap());
        let d = NaiveDate::from_ymd_opt(2001, 3, 17).unwrap();
        assert_eq!(swap_day_month(d), d);
    }

    #[test]
    fn citizen_numbers_pass_the_eleven_test() {
        let mut rng = Rng8::seed_from_u64(7);
        for _ in 0..1000 {
            let n = citizen_number(&mut rng);
            assert!(is_valid_citizen_number(&n), "{n}");
        }
        assert!(!is_valid_citizen_number("123456789"));
        assert!(is_valid_citizen_number("111222333"));
    }

    #[test]
    fn typos_and_transpositions_change_one_thing() {
        let mut rng = Rng8::seed_from_u64(3);
        for _ in 0..200 {
            let t = typo(&mut rng, "Jansen");
            assert!(t.chars().count().abs_diff(6) <= 1);
            assert!(t.starts_with('J'));
            let t = transpose(&mut rng, "Jansen");
            assert_ne!(t, "Jansen".chars().rev().collect::<String>());
            let mut a: Vec<char> = t.chars().collect();
            let mut b: Vec<char> = "Jansen".chars().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
        }
    }
}
