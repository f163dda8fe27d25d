//! `PRESSGATE_TIMING`: when set (and not `0`), where a run's time goes is printed to stderr,
//! as ESLint's `TIMING`: the time of each rule ([`crate::rules::Engine::rule_timings`]) and of
//! each phase of an audit.

use std::time::Instant;

/// Whether `PRESSGATE_TIMING` asks for timings.
pub fn enabled() -> bool {
    std::env::var_os("PRESSGATE_TIMING").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prints how long each phase of a run took, when [`enabled`]; does nothing otherwise.
pub struct Phases {
    last: Option<Instant>,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            last: enabled().then(Instant::now),
        }
    }

    /// The phase `name` ended now: prints its time since the previous phase ended.
    pub fn end(&mut self, name: &str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            eprintln!(
                "phase {name:<12} {:>9.1} ms",
                now.duration_since(last).as_secs_f64() * 1e3
            );
            self.last = Some(now);
        }
    }
}
