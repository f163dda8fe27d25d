//! The breadth-first crawl: worker threads take URLs from the shared frontier, fetch them,
//! run the page analysis outside the lock, and queue the same-site links they find.
use super::frontier::{Frontier, Skip};
use super::http_checks;
use super::model::{AuditFinding, PageRecord, RedirectHop};
use super::page::{self, PageFacts};
use super::site_source::SiteSource;
use super::{codes, urlnorm, AuditOptions};
use crate::rules::{DocumentCheck, Engine};
use crate::sources::fetch::FetchError;
use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex};
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
    in_flight: usize,
    crawled: Crawled,
}

/// Crawl from the queued `frontier` until it is empty.
pub fn crawl(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    frontier: Frontier,
    listed: HashSet<u64>,
    starts: HashSet<u64>,
    on_page: &(dyn Fn(usize) + Sync),
) -> Crawled {
    let shared = Mutex::new(Shared {
        frontier,
        in_flight: 0,
        crawled: Crawled {
            listed,
            starts,
            ..Crawled::default()
        },
    });
    let wake = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..options.workers.max(1) {
            scope.spawn(|| worker(engine, source, options, &shared, &wake, on_page));
        }
    });
    shared
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .crawled
}

fn worker(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    shared: &Mutex<Shared>,
    wake: &Condvar,
    on_page: &(dyn Fn(usize) + Sync),
) {
    loop {
        let (url, depth) = {
            let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(next) = state.frontier.pop() {
                    state.in_flight += 1;
                    break next;
                }
                if state.in_flight == 0 {
                    wake.notify_all();
                    return;
                }
                state = wake.wait(state).unwrap_or_else(|e| e.into_inner());
            }
        };
        let fetched = fetch_page(engine, source, options, &url, depth, shared);
        let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= 1;
        record(&mut state, engine, options, fetched, depth);
        let done = state.crawled.pages.len();
        drop(state);
        wake.notify_all();
        on_page(done);
    }
}

/// One fetched and analysed page, before it joins the shared state.
struct FetchedPage {
    record: PageRecord,
    final_key: Option<u64>,
    analysed: Option<page::Analysed>,
}

fn fetch_page(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    url: &Url,
    depth: u32,
    shared: &Mutex<Shared>,
) -> FetchedPage {
    let mut record = PageRecord {
        url: url.to_string(),
        final_url: url.to_string(),
        depth,
        indexable: false,
        ..PageRecord::default()
    };
    let probe = match source.get(url) {
        Ok(probe) => probe,
        Err(err) => {
            record.error = Some(err.to_string());
            record.noindex_reason = Some(match err {
                FetchError::RobotsDisallowed => "blocked by robots.txt".into(),
                _ => "not fetched".into(),
            });
            record.findings = http_checks::fetch_error_findings(engine, url.as_str(), &err);
            return FetchedPage {
                record,
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
    let final_url = Url::parse(&probe.url)
        .ok()
        .and_then(|u| urlnorm::normalise(&u))
        .unwrap_or_else(|| url.clone());
    record.final_url = final_url.to_string();
    let final_key = urlnorm::key(&final_url);
    let is_html = probe
        .content_type
        .as_deref()
        .is_none_or(|ct| matches!(ct, "text/html" | "application/xhtml+xml"));

    // A redirect to a page crawled on its own: analyse it once, under its own URL.
    let redirected_elsewhere = final_key != urlnorm::key(url);
    let analyse_body = if redirected_elsewhere {
        let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
        let first =
            !state.frontier.was_queued(&final_url) && !state.crawled.index.contains_key(&final_key);
        if first {
            state.crawled.index.insert(final_key, usize::MAX);
        }
        first
    } else {
        true
    };

    let mut analysed = None;
    if let (Some(body), true, true) = (&probe.body, is_html, analyse_body) {
        let text = crate::sources::decode::decode(body, probe.charset.as_deref(), true);
        let result = page::analyse_with(
            engine,
            &final_url,
            &text,
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
        final_key,
        analysed,
    } = fetched;
    let idx = state.crawled.pages.len();
    if let Ok(url) = Url::parse(&record.url) {
        state.crawled.index.insert(urlnorm::key(&url), idx);
    }
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
    }) = state.frontier.push(url.clone(), depth)
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
