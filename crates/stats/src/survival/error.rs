//! Errors of the survival functions: every bad input gets its own variant with the row it was in.

use thiserror::Error;

/// What can be wrong with the input to a survival function. Indices are 0-based rows of the input
/// slices; callers that read files add their own line numbers.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SurvivalError {
    #[error("no observations")]
    Empty,
    #[error("input columns have different lengths ({what}: {got}, expected {expected})")]
    LengthMismatch { what: &'static str, got: usize, expected: usize },
    #[error("row {index}: time is missing (NaN)")]
    MissingTime { index: usize },
    #[error("row {index}: time is infinite")]
    InfiniteTime { index: usize },
    #[error("row {index}: time {time} is negative")]
    NegativeTime { index: usize, time: f64 },
    #[error("row {index}: start time {start} is not before stop time {stop}")]
    StartNotBeforeStop { index: usize, start: f64, stop: f64 },
    #[error("row {index}: covariate {name} is missing or not finite")]
    MissingCovariate { index: usize, name: String },
    #[error("no events in the data: nothing to estimate")]
    NoEvents,
    #[error("group {group} has no events")]
    GroupWithoutEvents { group: String },
    #[error("covariate {name} has no variance (all values equal {value})")]
    NoVariance { name: String, value: f64 },
    #[error("covariates are collinear: {name} is a linear combination of the others")]
    Collinear { name: String },
    #[error(
        "perfect separation (monotone likelihood): the coefficient of {name} diverges to {direction}infinity; no finite estimate exists"
    )]
    Separation { name: String, direction: &'static str },
    #[error("Newton-Raphson did not converge in {iterations} iterations")]
    NotConverged { iterations: usize },
    #[error("at least two groups are needed for a test, got {got}")]
    TooFewGroups { got: usize },
    #[error("time {time} is beyond the last observed time {last}")]
    BeyondLastTime { time: f64, last: f64 },
    #[error("invalid argument: {0}")]
    Invalid(String),
    #[error("cancelled")]
    Cancelled,
}
