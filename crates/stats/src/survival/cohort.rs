//! The re-victimisation cohort of the monitor: from linked persons to survival rows.
//!
//! Design (the rapporteur's 2016–2020 monitor, see docs/domain): every person enters at the date of
//! first registration as a presumed victim; the event is the first *later* (strictly after entry)
//! follow-up record of the chosen kind -- a victimisation, optionally restricted to crime
//! categories, or a registration as suspect (victim–offender overlap). Follow-up ends at the end of
//! the observation window, or earlier at emigration or death. For 1 - Kaplan–Meier these end
//! follow-up as censorings; for cumulative incidence (Aalen–Johansen) they are competing causes,
//! which is the honest choice when many victims leave the country.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ConfType, SurvivalError, cumulative_incidence, kaplan_meier};

/// Days per year used to express follow-up in years.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// What a follow-up record says happened to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FollowUpKind {
    /// Registered as the victim of a crime of this category.
    Victimisation {
        category: String,
    },
    /// Registered as a suspect.
    Suspect,
    Emigration,
    Death,
}

/// A dated follow-up record of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUpEvent {
    pub date: NaiveDate,
    pub kind: FollowUpKind,
}

/// One linked person with the attributes the monitor breaks down by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Person {
    pub id: u64,
    /// Date of first registration as a presumed victim.
    pub entry: NaiveDate,
    /// End of the observation window for this person.
    pub end_of_follow_up: NaiveDate,
    pub events: Vec<FollowUpEvent>,
    pub minor_at_registration: Option<bool>,
    pub form_of_exploitation: Option<String>,
    pub victim_group: Option<String>,
    pub sex: Option<String>,
}

/// Which later record counts as the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// A later victimisation; `None` = any category, otherwise only the listed ones.
    Victimisation { categories: Option<Vec<String>> },
    /// A later registration as suspect.
    Suspect,
}

/// How follow-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Event,
    EndOfFollowUp,
    Emigration,
    Death,
}

impl EndReason {
    /// Competing-risks code: 0 censored, 1 the event, 2 emigration, 3 death.
    pub fn cause(self) -> u32 {
        match self {
            Self::EndOfFollowUp => 0,
            Self::Event => 1,
            Self::Emigration => 2,
            Self::Death => 3,
        }
    }
}

/// Options of the cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortOptions {
    pub outcome: Outcome,
}

/// One person's survival row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortRow {
    pub person: u64,
    /// Years from entry to the end of follow-up.
    pub time: f64,
    pub reason: EndReason,
}

impl CohortRow {
    /// True when follow-up ended with the event (for Kaplan–Meier / Cox).
    pub fn event(&self) -> bool {
        self.reason == EndReason::Event
    }
}

/// The attribute used to split the cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subgrouping {
    All,
    MinorAtRegistration,
    FormOfExploitation,
    VictimGroup,
    Sex,
}

impl Subgrouping {
    /// The subgroup of a person (`all`, `minor`, a form, …; `unknown` where the field is missing).
    pub fn label(self, p: &Person) -> String {
        let unknown = || "unknown".to_string();
        match self {
            Self::All => "all".into(),
            Self::MinorAtRegistration => match p.minor_at_registration {
                Some(true) => "minor".into(),
                Some(false) => "adult".into(),
                None => unknown(),
            },
            Self::FormOfExploitation => p.form_of_exploitation.clone().unwrap_or_else(unknown),
            Self::VictimGroup => p.victim_group.clone().unwrap_or_else(unknown),
            Self::Sex => p.sex.clone().unwrap_or_else(unknown),
        }
    }
}

/// Builds one row per person. Records on or before the entry date, and after the end of
/// follow-up, are ignored; on one day an event wins over emigration and death (it was recorded,
/// so the person was still here). Errors when a person's follow-up ends before it starts.
pub fn build_cohort(persons: &[Person], opts: &CohortOptions) -> Result<Vec<CohortRow>, SurvivalError> {
    persons
        .iter()
        .map(|p| {
            if p.end_of_follow_up < p.entry {
                return Err(SurvivalError::Invalid(format!(
                    "person {}: end of follow-up {} is before entry {}",
                    p.id, p.end_of_follow_up, p.entry
                )));
            }
            let mut end = (p.end_of_follow_up, EndReason::EndOfFollowUp);
            for e in &p.events {
                if e.date <= p.entry || e.date > p.end_of_follow_up {
                    continue;
                }
                let reason = match (&e.kind, &opts.outcome) {
                    (FollowUpKind::Victimisation { category }, Outcome::Victimisation { categories }) => {
                        match categories {
                            Some(list) if !list.iter().any(|c| c == category) => continue,
                            _ => EndReason::Event,
                        }
                    }
                    (FollowUpKind::Suspect, Outcome::Suspect) => EndReason::Event,
                    (FollowUpKind::Emigration, _) => EndReason::Emigration,
                    (FollowUpKind::Death, _) => EndReason::Death,
                    _ => continue,
                };
                let better = e.date < end.0
                    || (e.date == end.0 && (reason == EndReason::Event || end.1 == EndReason::EndOfFollowUp));
                if better {
                    end = (e.date, reason);
                }
            }
            let days = (end.0 - p.entry).num_days() as f64;
            Ok(CohortRow { person: p.id, time: days / DAYS_PER_YEAR, reason: end.1 })
        })
        .collect()
}

/// One at-risk interval `(start, stop]` (years since entry) of a person in the recurrent-event
/// data: the counting-process rows for an Andersen–Gill Cox model of repeated victimisation
/// (fit with `cluster` = person for robust errors).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurrentRow {
    pub person: u64,
    pub start: f64,
    pub stop: f64,
    /// True when the interval ends with an event of the chosen kind.
    pub event: bool,
    /// Number of earlier events of this person (for stratifying by event number, as in the
    /// Prentice–Williams–Peterson model).
    pub previous: u32,
}

/// Counting-process rows for recurrent events: every later record of the chosen kind (strictly
/// after entry, at most one per day) closes an interval and opens the next; follow-up ends at
/// the end of the window, emigration or death. Same record rules as [`build_cohort`].
pub fn build_recurrent(persons: &[Person], opts: &CohortOptions) -> Result<Vec<RecurrentRow>, SurvivalError> {
    let mut out = Vec::new();
    for p in persons {
        if p.end_of_follow_up < p.entry {
            return Err(SurvivalError::Invalid(format!(
                "person {}: end of follow-up {} is before entry {}",
                p.id, p.end_of_follow_up, p.entry
            )));
        }
        let mut end = p.end_of_follow_up;
        let mut days: Vec<NaiveDate> = Vec::new();
        for e in &p.events {
            if e.date <= p.entry || e.date > p.end_of_follow_up {
                continue;
            }
            match (&e.kind, &opts.outcome) {
                (FollowUpKind::Emigration | FollowUpKind::Death, _) => end = end.min(e.date),
                (FollowUpKind::Victimisation { category }, Outcome::Victimisation { categories })
                    if categories.as_ref().is_none_or(|list| list.iter().any(|c| c == category)) =>
                {
                    days.push(e.date);
                }
                (FollowUpKind::Suspect, Outcome::Suspect) => days.push(e.date),
                _ => {}
            }
        }
        days.sort_unstable();
        days.dedup();
        let years = |d: NaiveDate| (d - p.entry).num_days() as f64 / DAYS_PER_YEAR;
        let mut start = 0.0;
        let mut previous = 0;
        for d in days.into_iter().filter(|&d| d <= end) {
            let stop = years(d);
            out.push(RecurrentRow { person: p.id, start, stop, event: true, previous });
            start = stop;
            previous += 1;
        }
        let stop = years(end);
        if stop > start {
            out.push(RecurrentRow { person: p.id, start, stop, event: false, previous });
        }
    }
    Ok(out)
}

/// Cumulative incidence of the event in one subgroup at the requested years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupIncidence {
    pub group: String,
    pub n: usize,
    pub events: usize,
    /// (years, cumulative incidence, variance); `None` where follow-up does not reach that far.
    pub at: Vec<(f64, Option<f64>, Option<f64>)>,
}

/// Cumulative incidence of the event at `years` (e.g. 1..=7) per subgroup, sorted by label.
/// With `competing`, emigration and death are competing causes (Aalen–Johansen); otherwise they
/// censor and the estimate is 1 - Kaplan–Meier with Greenwood variance.
pub fn incidence_by_subgroup(
    persons: &[Person],
    rows: &[CohortRow],
    by: Subgrouping,
    years: &[f64],
    competing: bool,
) -> Result<Vec<SubgroupIncidence>, SurvivalError> {
    if persons.len() != rows.len() {
        return Err(SurvivalError::LengthMismatch { what: "rows", got: rows.len(), expected: persons.len() });
    }
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, p) in persons.iter().enumerate() {
        groups.entry(by.label(p)).or_default().push(i);
    }
    let mut out = Vec::with_capacity(groups.len());
    for (label, idx) in groups {
        let time: Vec<f64> = idx.iter().map(|&i| rows[i].time).collect();
        let events = idx.iter().filter(|&&i| rows[i].event()).count();
        let mut at = Vec::with_capacity(years.len());
        if events == 0 {
            at.extend(years.iter().map(|&y| {
                let reach = time.iter().any(|&t| t >= y);
                (y, reach.then_some(0.0), reach.then_some(0.0))
            }));
        } else if competing {
            let cause: Vec<u32> = idx.iter().map(|&i| rows[i].reason.cause()).collect();
            let curves = cumulative_incidence(&time, &cause)?;
            let curve = curves.iter().find(|c| c.cause == 1).ok_or(SurvivalError::NoEvents)?;
            for &y in years {
                match curve.at(y) {
                    Ok(p) => at.push((y, Some(p.cif), Some(p.variance))),
                    Err(_) => at.push((y, None, None)),
                }
            }
        } else {
            let ev: Vec<bool> = idx.iter().map(|&i| rows[i].event()).collect();
            let km = kaplan_meier(&time, &ev, ConfType::LogLog, 0.95)?;
            for &y in years {
                match km.at(y) {
                    Ok(k) => at.push((y, Some(1.0 - k.survival), k.se.map(|v| v * v))),
                    Err(_) => at.push((y, None, None)),
                }
            }
        }
        out.push(SubgroupIncidence { group: label, n: idx.len(), events, at });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn person(id: u64, events: Vec<FollowUpEvent>) -> Person {
        Person { id, entry: d(2015, 1, 1), end_of_follow_up: d(2022, 1, 1), events, ..Default::default() }
    }

    #[test]
    fn first_later_event_of_the_chosen_kind_ends_follow_up() {
        let p = [
            person(
                1,
                vec![
                    FollowUpEvent { date: d(2015, 1, 1), kind: FollowUpKind::Suspect },
                    FollowUpEvent {
                        date: d(2018, 1, 1),
                        kind: FollowUpKind::Victimisation { category: "assault".into() },
                    },
                    FollowUpEvent {
                        date: d(2017, 1, 1),
                        kind: FollowUpKind::Victimisation { category: "theft".into() },
                    },
                ],
            ),
            person(2, vec![FollowUpEvent { date: d(2016, 1, 1), kind: FollowUpKind::Emigration }]),
            person(3, vec![]),
        ];
        let opts = CohortOptions { outcome: Outcome::Victimisation { categories: Some(vec!["assault".into()]) } };
        let rows = build_cohort(&p, &opts).unwrap();
        assert_eq!(rows[0].reason, EndReason::Event);
        assert!((rows[0].time - 1096.0 / DAYS_PER_YEAR).abs() < 1e-12);
        assert_eq!(rows[1].reason, EndReason::Emigration);
        assert_eq!(rows[2].reason, EndReason::EndOfFollowUp);
        let any = CohortOptions { outcome: Outcome::Victimisation { categories: None } };
        assert!((build_cohort(&p, &any).unwrap()[0].time - 731.0 / DAYS_PER_YEAR).abs() < 1e-12);
        let suspect = CohortOptions { outcome: Outcome::Suspect };
        // the suspect record on the entry day is not "later"
        assert_eq!(build_cohort(&p, &suspect).unwrap()[0].reason, EndReason::EndOfFollowUp);
    }

    #[test]
    fn recurrent_rows_split_follow_up_at_each_event() {
        let v = |y, m, dd, c: &str| FollowUpEvent {
            date: d(y, m, dd),
            kind: FollowUpKind::Victimisation { category: c.into() },
        };
        let p = [
            person(1, vec![v(2017, 1, 1, "assault"), v(2016, 1, 1, "theft"), v(2016, 1, 1, "assault")]),
            person(
                2,
                vec![
                    v(2016, 1, 1, "theft"),
                    FollowUpEvent { date: d(2019, 1, 1), kind: FollowUpKind::Death },
                    v(2020, 1, 1, "theft"),
                ],
            ),
        ];
        let opts = CohortOptions { outcome: Outcome::Victimisation { categories: None } };
        let rows = build_recurrent(&p, &opts).unwrap();
        // person 1: two event days (2016-01-01 counted once), then censored at 2022-01-01
        let p1: Vec<_> = rows.iter().filter(|r| r.person == 1).collect();
        assert_eq!(p1.len(), 3);
        assert!(p1[0].event && p1[1].event && !p1[2].event);
        assert_eq!((p1[0].previous, p1[2].previous), (0, 2));
        assert_eq!(p1[1].start, p1[0].stop);
        assert!((p1[2].stop - 2557.0 / DAYS_PER_YEAR).abs() < 1e-12);
        // person 2: the record after death is ignored; follow-up ends at death
        let p2: Vec<_> = rows.iter().filter(|r| r.person == 2).collect();
        assert_eq!(p2.len(), 2);
        assert!((p2[1].stop - 1461.0 / DAYS_PER_YEAR).abs() < 1e-12 && !p2[1].event);
    }

    #[test]
    fn rejects_follow_up_ending_before_entry() {
        let mut p = person(7, vec![]);
        p.end_of_follow_up = d(2014, 1, 1);
        let opts = CohortOptions { outcome: Outcome::Suspect };
        assert!(build_cohort(&[p], &opts).is_err());
    }
}
