//! Per-host politeness: at most `concurrency` requests in flight to one host, and at least
//! `delay` between the starts of two requests to it.
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct HostState {
    in_flight: usize,
    last_start: Option<Instant>,
}

/// Admission control shared by the workers of one fetch run.
#[derive(Debug)]
pub struct HostGate {
    delay: Duration,
    concurrency: usize,
    hosts: Mutex<HashMap<String, HostState>>,
    changed: Condvar,
}

/// Held while a request to a host is in flight; releases the slot when dropped.
pub struct HostPermit<'a> {
    gate: &'a HostGate,
    host: String,
}

impl HostGate {
    pub fn new(delay: Duration, concurrency: usize) -> HostGate {
        HostGate {
            delay,
            concurrency: concurrency.max(1),
            hosts: Mutex::new(HashMap::new()),
            changed: Condvar::new(),
        }
    }

    /// Wait until `host` has a free slot and its delay has passed, then take the slot.
    pub fn acquire(&self, host: &str) -> HostPermit<'_> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let state = hosts.entry(host.to_string()).or_default();
            let wait = match state.last_start {
                Some(last) => self.delay.saturating_sub(last.elapsed()),
                None => Duration::ZERO,
            };
            if state.in_flight < self.concurrency && wait.is_zero() {
                state.in_flight += 1;
                state.last_start = Some(Instant::now());
                return HostPermit {
                    gate: self,
                    host: host.to_string(),
                };
            }
            // Sleep until the delay is over or a slot is released, whichever comes first.
            let timeout = if wait.is_zero() {
                Duration::from_millis(50)
            } else {
                wait
            };
            hosts = match self.changed.wait_timeout(hosts, timeout) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

impl Drop for HostPermit<'_> {
    fn drop(&mut self) {
        let mut hosts = self.gate.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = hosts.get_mut(&self.host) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_requests_to_one_host() {
        let gate = HostGate::new(Duration::from_millis(60), 1);
        let started = Instant::now();
        for _ in 0..3 {
            let _permit = gate.acquire("example.org");
        }
        assert!(started.elapsed() >= Duration::from_millis(120));
        // Another host is not delayed by the first.
        let other = Instant::now();
        let _permit = gate.acquire("example.com");
        assert!(other.elapsed() < Duration::from_millis(50));
    }

    #[test]
    fn limits_concurrency_per_host() {
        let gate = HostGate::new(Duration::ZERO, 2);
        let max_seen = Mutex::new(0usize);
        let current = Mutex::new(0usize);
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let _permit = gate.acquire("h");
                    {
                        let mut c = current.lock().expect("lock");
                        *c += 1;
                        let mut m = max_seen.lock().expect("lock");
                        *m = (*m).max(*c);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    *current.lock().expect("lock") -= 1;
                });
            }
        });
        assert_eq!(*max_seen.lock().expect("lock"), 2);
    }
}
