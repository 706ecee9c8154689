//! Gray's (1988) k-sample test for equality of the cumulative incidence of one cause.
//! (Placeholder until implemented: returns an error.)

use serde::Serialize;

use super::SurvivalError;

/// Result of Gray's test for one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrayTest {
    pub cause: u32,
    pub stat: f64,
    pub df: usize,
    pub p: f64,
}

/// Gray's test of equal cumulative incidence of every cause across `group` (0..k).
pub fn gray_test(
    _time: &[f64],
    _cause: &[u32],
    _group: &[usize],
) -> Result<Vec<GrayTest>, SurvivalError> {
    Err(SurvivalError::Invalid("Gray's test is not implemented yet".into()))
}
