//! Covariates: estimates per stratum.
