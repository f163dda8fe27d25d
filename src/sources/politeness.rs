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
    /// Wakes the tasks of [`HostGate::acquire_async`] when a slot is released.
    released: tokio::sync::Notify,
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
            released: tokio::sync::Notify::new(),
        }
    }

    /// Take a free slot for `host` now, or say what to wait for: the rest of the delay, and
    /// whether every slot is taken (then a release, too).
    fn try_take(
        &self,
        hosts: &mut HashMap<String, HostState>,
        host: &str,
    ) -> Result<(), (Duration, bool)> {
        let state = hosts.entry(host.to_string()).or_default();
        let wait = match state.last_start {
            Some(last) => self.delay.saturating_sub(last.elapsed()),
            None => Duration::ZERO,
        };
        if state.in_flight < self.concurrency && wait.is_zero() {
            state.in_flight += 1;
            state.last_start = Some(Instant::now());
            return Ok(());
        }
        Err((wait, state.in_flight >= self.concurrency))
    }

    /// [`HostGate::acquire`] for async tasks: waits without blocking the thread, so many
    /// requests can share one thread.
    pub async fn acquire_async(&self, host: &str) -> HostPermit<'_> {
        loop {
            let released = self.released.notified();
            let mut released = std::pin::pin!(released);
            // Registered before the state is read, so a release in between is not missed.
            released.as_mut().enable();
            let wait = {
                let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
                match self.try_take(&mut hosts, host) {
                    Ok(()) => {
                        return HostPermit {
                            gate: self,
                            host: host.to_string(),
                        }
                    }
                    Err(wait) => wait,
                }
            };
            if wait.1 {
                released.await;
            } else {
                tokio::time::sleep(wait.0).await;
            }
        }
    }

    /// Wait until `host` has a free slot and its delay has passed, then take the slot.
    pub fn acquire(&self, host: &str) -> HostPermit<'_> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let wait = match self.try_take(&mut hosts, host) {
                Ok(()) => {
                    return HostPermit {
                        gate: self,
                        host: host.to_string(),
                    }
                }
                Err((wait, _)) => wait,
            };
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
        self.gate.released.notify_waiters();
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

    #[test]
    fn async_acquire_limits_concurrency_and_spaces_starts() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let gate = HostGate::new(Duration::from_millis(20), 2);
        let current = std::cell::Cell::new(0usize);
        let most = std::cell::Cell::new(0usize);
        let started = Instant::now();
        runtime.block_on(futures_util::future::join_all((0..6).map(|_| async {
            let _permit = gate.acquire_async("h").await;
            current.set(current.get() + 1);
            most.set(most.get().max(current.get()));
            tokio::time::sleep(Duration::from_millis(30)).await;
            current.set(current.get() - 1);
        })));
        assert_eq!(most.get(), 2, "two requests at most in flight to one host");
        // Six starts, each at least 20 ms after the one before.
        assert!(started.elapsed() >= Duration::from_millis(100));
    }
}
