//! `zicht-stats`: the statistics of the victim monitor as pure functions over slices.
//!
//! - [`mse`]: multiple systems estimation of the dark number (Poisson log-linear models on
//!   capture histories, existence and identifiability checks, model choice, intervals).

pub mod mse;
