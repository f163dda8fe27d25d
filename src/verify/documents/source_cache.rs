//! The sources fetched during one run, shared by every thread that verifies documents: each
//! source is fetched once even when several threads need it at the same moment (the others
//! wait for that fetch, as robots.txt is loaded once per origin), and the cache holds at most
//! a byte budget of sources, dropping the least recently used first.
use crate::sources::Source;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A fetched source, or why it could not be read.
pub type SourceResult = Result<Source, String>;

/// One key's fetch: the first thread to ask runs it, later ones block in `get_or_init` until it
/// is done.
pub type Slot = Arc<OnceLock<Arc<SourceResult>>>;

struct Entry {
    slot: Slot,
    /// Size once fetched; entries still in flight are never evicted.
    bytes: Option<usize>,
    last_used: u64,
}

#[derive(Default)]
struct Lru {
    entries: HashMap<String, Entry>,
    /// `last_used` tick to key, oldest first.
    order: BTreeMap<u64, String>,
    tick: u64,
    held_bytes: usize,
}

impl Lru {
    fn touch(&mut self, key: &str) -> Option<Slot> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.get_mut(key)?;
        self.order.remove(&entry.last_used);
        entry.last_used = tick;
        self.order.insert(tick, key.to_owned());
        Some(entry.slot.clone())
    }

    fn insert(&mut self, key: &str) -> Slot {
        self.tick += 1;
        let slot: Slot = Arc::default();
        self.entries.insert(
            key.to_owned(),
            Entry {
                slot: slot.clone(),
                bytes: None,
                last_used: self.tick,
            },
        );
        self.order.insert(self.tick, key.to_owned());
        slot
    }

    /// Drop the least recently used fetched entries until the cache fits `limit` bytes.
    fn evict_to(&mut self, limit: usize) {
        let mut in_flight = Vec::new();
        while self.held_bytes > limit {
            let Some((tick, key)) = self.order.pop_first() else {
                break;
            };
            match self.entries.get(&key).and_then(|e| e.bytes) {
                Some(bytes) => {
                    self.entries.remove(&key);
                    self.held_bytes = self.held_bytes.saturating_sub(bytes);
                }
                None => in_flight.push((tick, key)),
            }
        }
        self.order.extend(in_flight);
    }
}

/// Sources by key, fetched once per run and kept within a byte budget.
pub struct SourceCache {
    lru: Mutex<Lru>,
    limit_bytes: usize,
    fetches: AtomicUsize,
}

/// What a source costs to keep: its raw body, its extracted text and the smaller parts.
fn approx_bytes(result: &SourceResult) -> usize {
    const OVERHEAD: usize = 256;
    match result {
        Ok(source) => {
            source.fetched.body.len()
                + source.extracted.text.len()
                + source.fetched.url.len()
                + source.fetched.requested.len()
                + source.extracted.headings.len() * 64
                + OVERHEAD
        }
        Err(reason) => reason.len() + OVERHEAD,
    }
}

impl SourceCache {
    pub fn new(limit_bytes: usize) -> SourceCache {
        SourceCache {
            lru: Mutex::new(Lru::default()),
            limit_bytes,
            fetches: AtomicUsize::new(0),
        }
    }

    fn lru(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.lru.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot for `key`, created empty when the key is new (or was evicted).
    pub fn slot(&self, key: &str) -> Slot {
        let mut lru = self.lru();
        match lru.touch(key) {
            Some(slot) => slot,
            None => lru.insert(key),
        }
    }

    /// The value of `slot` (the slot of `key`), running `fetch` when nobody has yet; a thread
    /// that finds the fetch already running waits for its result instead of fetching again.
    pub fn get_or_fetch(
        &self,
        key: &str,
        slot: &Slot,
        fetch: impl FnOnce() -> SourceResult,
    ) -> Arc<SourceResult> {
        let mut ran = false;
        let value = slot
            .get_or_init(|| {
                ran = true;
                self.fetches.fetch_add(1, Ordering::Relaxed);
                Arc::new(fetch())
            })
            .clone();
        if ran {
            let bytes = approx_bytes(&value);
            let mut lru = self.lru();
            // The entry may have been replaced meanwhile; only this fetch's entry is sized.
            let sized = match lru.entries.get_mut(key) {
                Some(entry) if Arc::ptr_eq(&entry.slot, slot) && entry.bytes.is_none() => {
                    entry.bytes = Some(bytes);
                    true
                }
                _ => false,
            };
            if sized {
                lru.held_bytes += bytes;
                lru.evict_to(self.limit_bytes);
            }
        }
        value
    }

    /// Fetches run so far (a source evicted and needed again counts again).
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Bytes of the sources held now.
    pub fn held_bytes(&self) -> usize {
        self.lru().held_bytes
    }

    /// Sources held now (fetched or in flight).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lru().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    fn failed(text: &str) -> SourceResult {
        Err(text.to_owned())
    }

    #[test]
    fn concurrent_requests_for_one_key_run_one_fetch() {
        let cache = SourceCache::new(1 << 20);
        let barrier = Barrier::new(8);
        let runs = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    barrier.wait();
                    let slot = cache.slot("https://a.test/");
                    let value = cache.get_or_fetch("https://a.test/", &slot, || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        // Long enough for the other threads to arrive while it runs.
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        failed("gone")
                    });
                    assert_eq!(
                        value.as_ref().as_ref().err().map(String::as_str),
                        Some("gone")
                    );
                });
            }
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(cache.fetches(), 1);
    }

    #[test]
    fn the_least_recently_used_sources_go_first_and_the_budget_holds() {
        let one = approx_bytes(&failed(&"x".repeat(744)));
        assert_eq!(one, 1000);
        let cache = SourceCache::new(3 * one);
        let get = |key: &str| {
            let slot = cache.slot(key);
            cache.get_or_fetch(key, &slot, || failed(&"x".repeat(744)))
        };
        for key in ["a", "b", "c"] {
            get(key);
        }
        assert_eq!(cache.held_bytes(), 3 * one);
        get("a"); // used again: now "b" is the oldest
        get("d");
        assert_eq!(cache.len(), 3);
        assert!(cache.held_bytes() <= 3 * one);
        assert_eq!(cache.fetches(), 4);
        get("a");
        get("c");
        get("d");
        assert_eq!(cache.fetches(), 4, "a, c and d were kept");
        get("b");
        assert_eq!(cache.fetches(), 5, "b was evicted and is fetched again");

        for i in 0..200 {
            get(&format!("k{i}"));
            assert!(cache.held_bytes() <= 3 * one);
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn an_entry_still_in_flight_is_not_evicted() {
        let cache = SourceCache::new(10);
        let pending = cache.slot("pending");
        let slot = cache.slot("big");
        cache.get_or_fetch("big", &slot, || failed(&"x".repeat(5000)));
        // "big" alone exceeds the budget and goes; the pending fetch stays to be filled.
        assert_eq!(cache.len(), 1);
        let value = cache.get_or_fetch("pending", &pending, || failed("late"));
        assert!(value.is_err());
        assert_eq!(cache.len(), 0, "filled and over budget, so evicted too");
    }
}
