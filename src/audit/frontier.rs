//! The crawl frontier: breadth-first queue, seen-set of 64-bit URL keys, include/exclude
//! patterns, depth and page limits, and the per-pattern cap against crawler traps. Memory per
//! discovered URL is the queue entry until it is taken plus 8 bytes in the seen-set.
use super::urlnorm;
use regex::Regex;
use std::collections::{HashMap, HashSet, VecDeque};
use url::Url;

#[derive(Debug, Clone)]
pub struct FrontierLimits {
    pub max_pages: usize,
    pub max_depth: u32,
    /// Most URLs of one trap-shaped pattern ([`urlnorm::pattern`], [`urlnorm::is_trap_shaped`])
    /// queued from links.
    pub max_per_pattern: usize,
    /// When non-empty, a URL must match one of these to be queued (start URLs always are).
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
}

/// Why a URL was not queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Seen,
    TooDeep,
    Full,
    Filtered,
    /// The URL's pattern reached the cap (reported once per pattern as a possible trap).
    PatternCapped {
        pattern: String,
        first_time: bool,
        /// The URL not queued, handed back so the caller need not keep a copy to report it.
        url: Url,
    },
}

pub struct Frontier {
    limits: FrontierLimits,
    queue: VecDeque<(Url, u32)>,
    /// URL keys ([`urlnorm::key`]): already hashes, so a fast hasher suffices (its
    /// per-process seed still varies the table layout between runs).
    seen: HashSet<u64, foldhash::fast::RandomState>,
    per_pattern: HashMap<String, usize>,
    capped_reported: HashSet<String>,
    queued_total: usize,
}

impl Frontier {
    pub fn new(limits: FrontierLimits) -> Frontier {
        Frontier {
            limits,
            queue: VecDeque::new(),
            seen: HashSet::default(),
            per_pattern: HashMap::new(),
            capped_reported: HashSet::new(),
            queued_total: 0,
        }
    }

    /// Queue a start URL or sitemap entry (depth 0, filters not applied).
    pub fn push_start(&mut self, url: Url) -> Result<(), Skip> {
        self.push_inner(url, 0, true)
    }

    /// Queue a URL found on a page at `depth`.
    pub fn push(&mut self, url: Url, depth: u32) -> Result<(), Skip> {
        self.push_inner(url, depth, false)
    }

    fn push_inner(&mut self, url: Url, depth: u32, start: bool) -> Result<(), Skip> {
        if depth > self.limits.max_depth {
            return Err(Skip::TooDeep);
        }
        let key = urlnorm::key(&url);
        if self.seen.contains(&key) {
            return Err(Skip::Seen);
        }
        if self.queued_total >= self.limits.max_pages {
            return Err(Skip::Full);
        }
        if !start {
            let text = url.as_str();
            if self.limits.exclude.iter().any(|r| r.is_match(text))
                || (!self.limits.include.is_empty()
                    && !self.limits.include.iter().any(|r| r.is_match(text)))
            {
                return Err(Skip::Filtered);
            }
        }
        // Start URLs and sitemap entries are listed on purpose: never capped.
        let pattern = urlnorm::pattern(&url);
        if !start && urlnorm::is_trap_shaped(&pattern) {
            let count = self.per_pattern.entry(pattern.clone()).or_insert(0);
            if *count >= self.limits.max_per_pattern {
                let first_time = self.capped_reported.insert(pattern.clone());
                return Err(Skip::PatternCapped {
                    pattern,
                    first_time,
                    url,
                });
            }
            *count += 1;
        }
        self.seen.insert(key);
        self.queued_total += 1;
        self.queue.push_back((url, depth));
        Ok(())
    }

    /// Whether `url` was queued at some point.
    pub fn was_queued(&self, url: &Url) -> bool {
        self.seen.contains(&urlnorm::key(url))
    }

    pub fn pop(&mut self) -> Option<(Url, u32)> {
        self.queue.pop_front()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn queued_total(&self) -> usize {
        self.queued_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> FrontierLimits {
        FrontierLimits {
            max_pages: 100,
            max_depth: 3,
            max_per_pattern: 5,
            include: Vec::new(),
            exclude: vec![Regex::new("/private/").expect("regex")],
        }
    }

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn seen_depth_and_filters() {
        let mut f = Frontier::new(limits());
        assert_eq!(f.push_start(u("http://a.test/")), Ok(()));
        assert_eq!(f.push(u("http://a.test/"), 1), Err(Skip::Seen));
        assert_eq!(f.push(u("http://a.test/deep"), 4), Err(Skip::TooDeep));
        assert_eq!(f.push(u("http://a.test/private/x"), 1), Err(Skip::Filtered));
        assert_eq!(
            f.pop().map(|(u, d)| (u.to_string(), d)),
            Some(("http://a.test/".into(), 0))
        );
        assert!(f.is_empty());
    }

    #[test]
    fn an_infinite_calendar_is_capped_per_pattern() {
        let mut f = Frontier::new(limits());
        let mut accepted = 0;
        let mut capped_reports = 0;
        for month in 0..1000 {
            match f.push(
                u(&format!(
                    "http://a.test/cal/{}/{}/",
                    2000 + month / 12,
                    month % 12
                )),
                1,
            ) {
                Ok(()) => accepted += 1,
                Err(Skip::PatternCapped { first_time, .. }) => {
                    capped_reports += first_time as usize
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(accepted, 5);
        assert_eq!(capped_reports, 1);
    }

    #[test]
    fn ordinary_ids_and_sitemap_entries_are_not_capped() {
        let mut f = Frontier::new(limits());
        for i in 0..50 {
            assert_eq!(f.push(u(&format!("http://a.test/p/{i}.html")), 1), Ok(()));
            assert_eq!(
                f.push_start(u(&format!("http://a.test/cal/2000/{i}/"))),
                Ok(())
            );
        }
    }

    #[test]
    fn page_limit_bounds_the_queue() {
        let mut f = Frontier::new(FrontierLimits {
            max_pages: 3,
            max_per_pattern: 1000,
            ..limits()
        });
        let results: Vec<bool> = (0..10)
            .map(|i| f.push(u(&format!("http://a.test/p{i}x")), 1).is_ok())
            .collect();
        assert_eq!(results.iter().filter(|ok| **ok).count(), 3);
        assert_eq!(f.queued_total(), 3);
    }
}
