//! The breadth-first crawl: one fetch thread keeps up to `--concurrency` requests in flight
//! (async, on the fetcher's runtime), taking URLs from the shared frontier; a few analysis
//! threads (two per core) parse and check the bodies, then record the page and queue the
//! same-site links it has. Fetching waits on the network, analysis on the CPU: one thread
//! multiplexing the requests spares a thread, its wake-ups and a hop to the HTTP client's own
//! thread per request, and with few analysis threads pages are seldom preempted mid-analysis.
use super::frontier::{Frontier, Skip};
use super::http_checks;
use super::model::{AuditFinding, PageRecord, RedirectHop};
use super::page::{self, PageFacts};
use super::site_source::SiteSource;
use super::{codes, urlnorm, AuditOptions};
use crate::rules::{DocumentCheck, Engine};
use crate::sources::fetch::{FetchError, Probe, ProbeMethod};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Mutex;
use std::task::Poll;
use tokio::sync::Notify;
use url::Url;

/// Everything the crawl collected, indexed alike: `pages[i]`, `facts[i]`, `checks[i]`.
#[derive(Default)]
pub struct Crawled {
    pub pages: Vec<PageRecord>,
    pub facts: Vec<PageFacts>,
    pub checks: Vec<DocumentCheck>,
    /// URL key (requested and final URL) to page index.
    pub index: HashMap<u64, usize>,
    /// Keys of pages listed in a sitemap or found in the audited folder.
    pub listed: HashSet<u64>,
    /// Keys of the start URLs (never orphans).
    pub starts: HashSet<u64>,
    pub site_findings: Vec<AuditFinding>,
}

struct Shared {
    frontier: Frontier,
    /// URLs popped from the frontier and not yet recorded (fetching, queued for analysis or
    /// being analysed): the crawl is over when the frontier is empty and this is 0.
    in_flight: usize,
    crawled: Crawled,
}

/// How many analysis threads: two per core, never more than the requests in flight.
/// Measured on 2 shared cores (loopback audit of 10,000 pages): one per core left the cores
/// idle whenever one of them waited (the shared state, a page fault) and lost CPU share to
/// other processes; four per core grew memory (a heap per thread) for no more CPU saved.
fn analysis_threads(in_flight: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_mul(2))
        .min(in_flight)
        .max(1)
}

/// Crawl from the queued `frontier` until it is empty. Fails only when no runtime can be
/// made to run the requests on.
pub fn crawl(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    frontier: Frontier,
    listed: HashSet<u64>,
    starts: HashSet<u64>,
    on_page: &(dyn Fn(usize) + Sync),
) -> Result<Crawled, FetchError> {
    let concurrency = options.workers.max(1);
    let (crawled, _) = crawl_with(
        engine,
        source,
        options,
        frontier,
        listed,
        starts,
        on_page,
        concurrency,
        analysis_threads(concurrency),
    )?;
    Ok(crawled)
}

/// How the hand-off from fetching to analysis went (for tests).
#[derive(Debug, Default)]
struct HandoffStats {
    /// Most fetched bodies held at once, fetched and not yet taken by an analysis thread.
    #[cfg_attr(not(test), allow(dead_code))]
    most_waiting: usize,
}

/// Counts fetched bodies not yet taken by an analysis thread.
#[derive(Default)]
struct Waiting {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Waiting {
    fn add(&self) {
        let now = self.now.fetch_add(1, Ordering::Relaxed) + 1;
        self.most.fetch_max(now, Ordering::Relaxed);
    }

    fn take(&self) {
        self.now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Wake-ups from the analysis threads to the fetch loop.
struct Signals {
    /// The channel, once full, drained to `low`: worth waking the fetch loop to refill it.
    room: Notify,
    /// A page was recorded: the frontier may have grown, and fewer URLs are in flight.
    recorded: Notify,
    /// Bodies in the hand-off channel (counted just before they are sent).
    queued: AtomicUsize,
    /// The fetch loop found the channel full and waits for [`Signals::room`].
    wants_room: AtomicBool,
    /// Refill the channel when it holds this many bodies or fewer: one wake-up of the fetch
    /// loop then hands over several bodies and starts as many requests, instead of one each,
    /// while enough are left to keep the analysis threads busy until it gets a core.
    low: usize,
}

impl Signals {
    fn new(capacity: usize) -> Signals {
        Signals {
            room: Notify::new(),
            recorded: Notify::new(),
            queued: AtomicUsize::new(0),
            wants_room: AtomicBool::new(false),
            low: capacity * 3 / 4,
        }
    }

    /// An analysis thread took a body off the channel.
    fn taken(&self) {
        let left = self.queued.fetch_sub(1, Ordering::SeqCst).saturating_sub(1);
        if left <= self.low && self.wants_room.swap(false, Ordering::SeqCst) {
            self.room.notify_one();
        }
    }

    /// The fetch loop is about to wait for room; false when the channel already drained to
    /// `low` (then the wake-up may have been missed, and there is room now).
    fn wait_for_room(&self) -> bool {
        self.wants_room.store(true, Ordering::SeqCst);
        self.queued.load(Ordering::SeqCst) > self.low
    }
}

/// Crawl with up to `concurrency` requests in flight and `analysis_threads` analysis threads.
#[allow(clippy::too_many_arguments)]
fn crawl_with(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    frontier: Frontier,
    listed: HashSet<u64>,
    starts: HashSet<u64>,
    on_page: &(dyn Fn(usize) + Sync),
    concurrency: usize,
    analysis_threads: usize,
) -> Result<(Crawled, HandoffStats), FetchError> {
    let shared = Mutex::new(Shared {
        frontier,
        in_flight: 0,
        crawled: Crawled {
            listed,
            starts,
            ..Crawled::default()
        },
    });
    // Bounded: fetched bodies wait while the analysis threads are behind, so at most
    // `concurrency + capacity` unanalysed bodies are held at once. As deep as the requests in
    // flight: the analysis threads live on it while the one fetch thread waits for a core.
    let capacity = (analysis_threads.max(1) * 2).max(concurrency);
    let signals = Signals::new(capacity);
    let (handoff, fetched) = sync_channel::<Download>(capacity);
    let fetched = Mutex::new(fetched);
    let waiting = Waiting::default();
    let fetch_loop = FetchLoop {
        source,
        shared: &shared,
        signals: &signals,
        waiting: &waiting,
        concurrency: concurrency.max(1),
    };
    let ran = std::thread::scope(|scope| {
        for _ in 0..analysis_threads.max(1) {
            let (shared, signals, fetched, waiting) = (&shared, &signals, &fetched, &waiting);
            scope.spawn(move || {
                analysis_worker(
                    engine, source, options, shared, signals, fetched, waiting, on_page,
                )
            });
        }
        // The loop holds the only sender: when it ends (or cannot start), the analysis
        // threads drain the channel and end too.
        run_to_end(source, fetch_loop.run(handoff))
    });
    ran?;
    let crawled = shared
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .crawled;
    let stats = HandoffStats {
        most_waiting: waiting.most.load(Ordering::Relaxed),
    };
    Ok((crawled, stats))
}

/// Run `future` on this thread: on the fetcher's runtime for the web (its connections live
/// there), on a small runtime of its own for a local folder.
fn run_to_end<F: Future>(source: &SiteSource, future: F) -> Result<F::Output, FetchError> {
    match source {
        SiteSource::Web(fetcher) => fetcher.block_on(future),
        SiteSource::Local { .. } => tokio::runtime::Builder::new_current_thread()
            .build()
            .map(|runtime| runtime.block_on(future))
            .map_err(|e| FetchError::Client(format!("async runtime: {e}"))),
    }
}

/// The fetching side of the crawl: one task keeping up to `concurrency` requests in flight.
struct FetchLoop<'a> {
    source: &'a SiteSource<'a>,
    shared: &'a Mutex<Shared>,
    signals: &'a Signals,
    waiting: &'a Waiting,
    concurrency: usize,
}

impl FetchLoop<'_> {
    async fn run(&self, handoff: SyncSender<Download>) {
        let mut running = FuturesUnordered::new();
        // Fetched, waiting for room in the channel; they count against `concurrency`, as a
        // blocked sender would, so memory stays bounded.
        let mut ready: VecDeque<Download> = VecDeque::new();
        loop {
            while let Some(next) = ready.pop_front() {
                self.signals.queued.fetch_add(1, Ordering::SeqCst);
                match handoff.try_send(next) {
                    Ok(()) => {}
                    Err(TrySendError::Full(next)) => {
                        self.signals.queued.fetch_sub(1, Ordering::SeqCst);
                        ready.push_front(next);
                        break;
                    }
                    // No analysis thread left (one panicked): nothing more can be recorded.
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
            let mut frontier_empty = false;
            while running.len() + ready.len() < self.concurrency {
                let next = {
                    let mut state = self.shared.lock().unwrap_or_else(|e| e.into_inner());
                    match state.frontier.pop() {
                        Some(next) => {
                            state.in_flight += 1;
                            next
                        }
                        None => {
                            if state.in_flight == 0 {
                                // Nothing queued, fetched or being analysed: the crawl is over.
                                return;
                            }
                            frontier_empty = true;
                            break;
                        }
                    }
                };
                running.push(fetch(self.source, next.0, next.1, self.shared));
            }
            let wait_for_room = !ready.is_empty() && self.signals.wait_for_room();
            if !ready.is_empty() && !wait_for_room {
                continue;
            }
            // Wait for a request to end, for room in the channel (when bodies wait for it),
            // or for a recorded page (when the frontier ran dry with slots free).
            let room = self.signals.room.notified();
            let recorded = self.signals.recorded.notified();
            let (mut room, mut recorded) = (std::pin::pin!(room), std::pin::pin!(recorded));
            std::future::poll_fn(|cx| {
                let mut woken = false;
                while let Poll::Ready(Some(done)) = running.poll_next_unpin(cx) {
                    self.waiting.add();
                    ready.push_back(done);
                    woken = true;
                }
                if wait_for_room && room.as_mut().poll(cx).is_ready() {
                    woken = true;
                }
                if frontier_empty && recorded.as_mut().poll(cx).is_ready() {
                    woken = true;
                }
                if woken {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn analysis_worker(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    shared: &Mutex<Shared>,
    signals: &Signals,
    fetched: &Mutex<Receiver<Download>>,
    waiting: &Waiting,
    on_page: &(dyn Fn(usize) + Sync),
) {
    loop {
        let next = fetched.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(next) = next else {
            return;
        };
        waiting.take();
        signals.taken();
        let depth = next.depth;
        let page = analyse(engine, source, options, next);
        let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= 1;
        record(&mut state, engine, options, page, depth);
        let done = state.crawled.pages.len();
        drop(state);
        signals.recorded.notify_one();
        on_page(done);
    }
}

/// One fetched URL on its way from a fetch thread to an analysis thread.
struct Download {
    url: Url,
    depth: u32,
    outcome: Result<DownloadBody, FetchError>,
}

struct DownloadBody {
    probe: Probe,
    final_url: Url,
    final_key: u64,
    /// False when the page redirected to a URL that is (or will be) analysed on its own.
    analyse_body: bool,
}

/// One fetched and analysed page, before it joins the shared state.
struct FetchedPage {
    record: PageRecord,
    /// Key of the requested URL (`record.url`), computed before the shared state is locked.
    requested_key: u64,
    final_key: Option<u64>,
    analysed: Option<page::Analysed>,
}

async fn fetch(source: &SiteSource<'_>, url: Url, depth: u32, shared: &Mutex<Shared>) -> Download {
    let probed = match source {
        SiteSource::Web(fetcher) => {
            let limit = fetcher.options().max_bytes;
            fetcher
                .probe_async(&url, ProbeMethod::Get, true, limit)
                .await
        }
        SiteSource::Local { .. } => source.get(&url),
    };
    let outcome = probed.map(|probe| {
        let final_url = Url::parse(&probe.url)
            .ok()
            .and_then(|u| urlnorm::normalise(&u))
            .unwrap_or_else(|| url.clone());
        let final_key = urlnorm::key(&final_url);
        // A redirect to a page crawled on its own: analyse it once, under its own URL.
        let analyse_body = final_key == urlnorm::key(&url) || {
            let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
            let first = !state.frontier.was_queued(&final_url)
                && !state.crawled.index.contains_key(&final_key);
            if first {
                state.crawled.index.insert(final_key, usize::MAX);
            }
            first
        };
        DownloadBody {
            probe,
            final_url,
            final_key,
            analyse_body,
        }
    });
    Download {
        url,
        depth,
        outcome,
    }
}

fn analyse(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    fetched: Download,
) -> FetchedPage {
    let Download {
        url,
        depth,
        outcome,
    } = fetched;
    let requested_key = urlnorm::key(&url);
    let mut record = PageRecord {
        url: url.to_string(),
        final_url: url.to_string(),
        depth,
        indexable: false,
        ..PageRecord::default()
    };
    let DownloadBody {
        probe,
        final_url,
        final_key,
        analyse_body,
    } = match outcome {
        Ok(body) => body,
        Err(err) => {
            record.error = Some(err.to_string());
            record.noindex_reason = Some(match err {
                FetchError::RobotsDisallowed => "blocked by robots.txt".into(),
                _ => "not fetched".into(),
            });
            record.findings = http_checks::fetch_error_findings(engine, url.as_str(), &err);
            return FetchedPage {
                record,
                requested_key,
                final_key: None,
                analysed: None,
            };
        }
    };
    record.status = Some(probe.status);
    record.response_ms = probe.elapsed_ms;
    record.bytes = probe.bytes;
    record.content_type = probe.content_type.clone();
    record.redirects = probe
        .hops
        .iter()
        .map(|h| RedirectHop {
            url: h.url.clone(),
            status: h.status,
        })
        .collect();
    record.final_url = final_url.to_string();
    let is_html = probe
        .content_type
        .as_deref()
        .is_none_or(|ct| matches!(ct, "text/html" | "application/xhtml+xml"));

    let mut analysed = None;
    if let (Some(body), true, true) = (probe.body, is_html, analyse_body) {
        let text = crate::sources::decode::decode_owned(body, probe.charset.as_deref(), true);
        let result = page::analyse_with(
            engine,
            &final_url,
            text,
            source.local_root(),
            options.citations.as_deref(),
        );
        record.title = result.title.clone();
        record.canonical = result.canonical.clone();
        record.words = result.words;
        record.outlinks = (result.facts.internal.len() + result.facts.external.len()) as u32;
        let header_noindex = probe.x_robots_tag.as_deref().is_some_and(page::has_noindex);
        record.noindex_reason = if header_noindex {
            Some("X-Robots-Tag: noindex".into())
        } else if result.noindex_meta {
            Some("meta robots noindex".into())
        } else if result.facts.canonical_elsewhere.is_some() {
            Some("canonical points elsewhere".into())
        } else {
            None
        };
        record.indexable = record.noindex_reason.is_none() && (200..300).contains(&probe.status);
        analysed = Some(result);
    } else if !(200..300).contains(&probe.status) {
        record.noindex_reason = Some(format!("HTTP {}", probe.status));
    } else if !is_html {
        record.noindex_reason = Some("not HTML".into());
    } else {
        record.noindex_reason = Some("same page as the redirect target".into());
    }
    record.findings.extend(http_checks::response_findings(
        engine, &record, is_html, options,
    ));
    FetchedPage {
        record,
        requested_key,
        final_key: Some(final_key),
        analysed,
    }
}

/// Add a fetched page to the shared state and queue what it links to.
fn record(
    state: &mut Shared,
    engine: &Engine,
    options: &AuditOptions,
    fetched: FetchedPage,
    depth: u32,
) {
    let FetchedPage {
        mut record,
        requested_key,
        final_key,
        analysed,
    } = fetched;
    let idx = state.crawled.pages.len();
    state.crawled.index.insert(requested_key, idx);
    if let Some(key) = final_key {
        let slot = state.crawled.index.entry(key).or_insert(idx);
        if *slot == usize::MAX {
            *slot = idx;
        }
    }
    let (facts, check) = match analysed {
        Some(mut a) => {
            record.findings.append(&mut a.findings);
            for link in a.discovered {
                if depth < options.limits.max_depth {
                    queue(state, engine, link, depth + 1);
                }
            }
            (a.facts, a.check)
        }
        None => (PageFacts::default(), DocumentCheck::default()),
    };
    // Per-page lists are final here: drop the growth slack (it adds up over 10,000s of pages).
    record.findings.shrink_to_fit();
    state.crawled.pages.push(record);
    state.crawled.facts.push(facts);
    state.crawled.checks.push(check);
}

fn queue(state: &mut Shared, engine: &Engine, url: Url, depth: u32) {
    if let Err(Skip::PatternCapped {
        pattern,
        first_time: true,
        url,
    }) = state.frontier.push(url, depth)
    {
        state.crawled.site_findings.extend(page::audit_finding(
            engine,
            codes::PATTERN_CAP,
            None,
            format!(
                "stopped following `{pattern}` after the per-pattern cap (first skipped: {url})"
            ),
            None,
            vec![url.to_string()],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::atomic::AtomicUsize;

    use crate::test_fixtures::default_engine as engine;

    /// A local site: `index.html` links to `p0.html`..`p{n-1}.html`, and each page links to
    /// the next one too (so pages are found both from the start and while crawling).
    fn local_site(dir: &Path, pages: usize) {
        let links: String = (0..pages)
            .map(|i| format!("<a href=\"p{i}.html\">page {i}</a> "))
            .collect();
        let index =
            format!("<html><head><title>Index</title></head><body><p>{links}</p></body></html>");
        std::fs::write(dir.join("index.html"), index).expect("write index");
        for i in 0..pages {
            let page = format!(
                "<html><head><title>Page {i}</title></head><body><h1>Page {i}</h1>\
                 <p>Some text on page {i}. <a href=\"p{}.html\">next</a></p></body></html>",
                (i + 1) % pages
            );
            std::fs::write(dir.join(format!("p{i}.html")), page).expect("write page");
        }
    }

    /// Crawl a fresh [`local_site`]; page URLs in the result are relative to its folder.
    fn crawl_local(
        pages: usize,
        concurrency: usize,
        analysis_threads: usize,
    ) -> (Crawled, HandoffStats, usize) {
        let dir = tempfile::tempdir().expect("temp dir");
        local_site(dir.path(), pages);
        let source = SiteSource::local(dir.path(), 1 << 20).expect("local source");
        let options = AuditOptions::default();
        let mut frontier = Frontier::new(options.limits.clone());
        let start = source
            .local_root()
            .and_then(|root| root.join("index.html").ok())
            .expect("start URL");
        frontier.push_start(start).expect("queued");
        let reported = AtomicUsize::new(0);
        let on_page = |_: usize| {
            reported.fetch_add(1, Ordering::Relaxed);
        };
        let (crawled, stats) = crawl_with(
            &engine(),
            &source,
            &options,
            frontier,
            HashSet::new(),
            HashSet::new(),
            &on_page,
            concurrency,
            analysis_threads,
        )
        .expect("crawl runs");
        let root = source
            .local_root()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let mut crawled = crawled;
        for page in &mut crawled.pages {
            page.url = page.url.trim_start_matches(&root).to_string();
        }
        (crawled, stats, reported.into_inner())
    }

    #[test]
    fn every_page_is_analysed_once_with_fewer_analysis_than_fetch_threads() {
        let (crawled, stats, reported) = crawl_local(60, 8, 1);
        assert_eq!(crawled.pages.len(), 61);
        assert_eq!(reported, 61, "progress reported for every page");
        let urls: HashSet<&str> = crawled.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls.len(), 61, "no page crawled twice");
        assert!(
            crawled.pages.iter().all(|p| p.title.is_some()),
            "every page analysed"
        );
        assert_eq!(crawled.facts.len(), 61);
        assert_eq!(crawled.checks.len(), 61);
        // Bounded hand-off: at most one body per request in flight, the channel's capacity
        // (as many), and one per analysis thread between taking a body and counting it taken.
        assert!(
            stats.most_waiting <= 8 + 8 + 1,
            "{} bodies waited at once",
            stats.most_waiting
        );
    }

    #[test]
    fn more_analysis_than_fetch_threads_still_ends() {
        let (crawled, stats, _) = crawl_local(20, 1, 3);
        assert_eq!(crawled.pages.len(), 21);
        assert!(stats.most_waiting <= 1 + 6 + 3, "{}", stats.most_waiting);
    }

    #[test]
    fn same_findings_whatever_the_thread_counts() {
        let codes = |crawled: &Crawled| {
            let mut all: Vec<(String, String)> = crawled
                .pages
                .iter()
                .flat_map(|p| {
                    p.findings
                        .iter()
                        .map(|f| (p.url.clone(), f.code.to_string()))
                })
                .collect();
            all.sort();
            all
        };
        let (one, _, _) = crawl_local(15, 1, 1);
        let (many, _, _) = crawl_local(15, 6, 2);
        assert!(!codes(&one).is_empty());
        assert_eq!(codes(&one), codes(&many));
    }

    #[test]
    fn analysis_threads_follow_the_cores() {
        assert_eq!(analysis_threads(1), 1);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(analysis_threads(1024), (2 * cores).min(1024));
        assert!(analysis_threads(3) <= 3);
    }
}
