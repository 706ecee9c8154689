//! One contract for long work (import, linkage, a Cox fit, a bootstrap, the simulation, the monitor):
//! the work reports what it has done and, in the same call, learns whether to stop. A caller
//! implements [`Progress`] once — a progress bar in the command line, a job row in a server — and
//! stops the work by answering [`Cancelled`]; [`Stoppable`] puts a stop flag (set by a Ctrl-C
//! handler or a server's cancel button) beside any progress sink.
//!
//! Work asks `advance(0)` where it only wants to know whether to go on, and returns at once on
//! `Err(Cancelled)`, keeping nothing of the unfinished step.

use std::sync::atomic::{AtomicBool, Ordering};

/// The answer that stops the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// Receives the progress of long work and answers whether it may go on. Every method has a default,
/// so a sink implements only what it shows.
pub trait Progress: Sync {
    /// A step starts; `total` units of work follow (0 when unknown).
    fn start(&self, _step: &str, _total: u64) {}
    /// `n` more units are done (0: only asking); `Err(Cancelled)` stops the work.
    fn advance(&self, _n: u64) -> Result<(), Cancelled> {
        Ok(())
    }
    /// The step is done.
    fn finish(&self) {}
}

/// Shows nothing and never stops.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A stop flag alone: shows nothing, stops once the flag is set.
impl Progress for AtomicBool {
    fn advance(&self, _n: u64) -> Result<(), Cancelled> {
        if self.load(Ordering::Relaxed) { Err(Cancelled) } else { Ok(()) }
    }
}

/// A progress sink with a stop flag beside it.
#[derive(Clone, Copy)]
pub struct Stoppable<'a> {
    pub progress: &'a dyn Progress,
    pub stop: &'a AtomicBool,
}

impl std::fmt::Debug for Stoppable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stoppable").field("stopped", &self.stop.load(Ordering::Relaxed)).finish()
    }
}

impl Progress for Stoppable<'_> {
    fn start(&self, step: &str, total: u64) {
        self.progress.start(step, total);
    }
    fn advance(&self, n: u64) -> Result<(), Cancelled> {
        self.progress.advance(n)?;
        self.stop.advance(0)
    }
    fn finish(&self) {
        self.progress.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[derive(Default)]
    struct Count(AtomicU64);

    impl Progress for Count {
        fn advance(&self, n: u64) -> Result<(), Cancelled> {
            self.0.fetch_add(n, Ordering::Relaxed);
            Ok(())
        }
    }

    #[test]
    fn a_stoppable_sink_reports_and_stops_in_the_same_call() {
        let (count, stop) = (Count::default(), AtomicBool::new(false));
        let p = Stoppable { progress: &count, stop: &stop };
        assert_eq!(p.advance(3), Ok(()));
        stop.store(true, Ordering::Relaxed);
        assert_eq!(p.advance(2), Err(Cancelled));
        assert_eq!(count.0.load(Ordering::Relaxed), 5, "the work done before the stop is still reported");
        assert_eq!(NoProgress.advance(1), Ok(()));
    }
}
