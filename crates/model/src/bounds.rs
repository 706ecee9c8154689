//! The plausible range of every date and age the register accepts, in one place. A report dated
//! 0001-01-01 is a typo, not a report, and it would stretch the monitor's period over two thousand years;
//! a birth date in 1800 is one too. The bounds are wide enough for every real case (the Dutch register
//! began in the 1990s, trafficking of persons over 120 does not occur) and narrow enough to catch slips.

use chrono::NaiveDate;

/// The earliest report, event or signal date: the register and its sources start in the 1990s.
pub const FIRST_RECORD_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1990, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};

/// The earliest birth date (and birth year).
pub const FIRST_BIRTH_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => unreachable!(),
};

/// The highest age, in whole years, at any date the register records.
pub const MAX_AGE: u32 = 120;

/// The rule a record date breaks, if any: before [`FIRST_RECORD_DATE`] or after `today`.
pub fn record_date_rule(d: NaiveDate, today: NaiveDate) -> Option<String> {
    if d < FIRST_RECORD_DATE {
        Some(format!("is before {FIRST_RECORD_DATE}, the earliest date the register accepts (a typo in the year?)"))
    } else if d > today {
        Some(format!("is in the future (after {today})"))
    } else {
        None
    }
}

/// The rule a birth date breaks, if any: before [`FIRST_BIRTH_DATE`].
pub fn birth_date_rule(b: NaiveDate) -> Option<String> {
    (b < FIRST_BIRTH_DATE).then(|| {
        format!("is before {FIRST_BIRTH_DATE}, the earliest birth date the register accepts (a typo in the year?)")
    })
}

/// The rule a birth date breaks against a later record date `on` (the column `on_column`), if any: after
/// it, or an age above [`MAX_AGE`] at it.
pub fn birth_on_rule(birth: NaiveDate, on: NaiveDate, on_column: &str) -> Option<String> {
    if birth > on {
        Some(format!("is after {on_column}"))
    } else if crate::row::age_on(birth, on) > MAX_AGE {
        Some(format!("gives an age above {MAX_AGE} at {on_column}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn record_dates_from_1990_to_today() {
        let today = d("2026-12-03");
        assert!(record_date_rule(d("0001-01-01"), today).unwrap().contains("1990-01-01"));
        assert!(record_date_rule(d("1989-12-31"), today).is_some());
        assert_eq!(record_date_rule(d("1990-01-01"), today), None);
        assert_eq!(record_date_rule(today, today), None);
        assert!(record_date_rule(d("2026-12-04"), today).unwrap().contains("future"));
    }

    #[test]
    fn birth_dates_from_1900() {
        assert!(birth_date_rule(d("1800-06-15")).is_some());
        assert!(birth_date_rule(d("1899-12-31")).is_some());
        assert_eq!(birth_date_rule(d("1900-01-01")), None);
    }
}
