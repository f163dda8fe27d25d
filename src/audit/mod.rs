//! `pressgate audit`: crawl a site, run every page rule and the site-level checks, report.
//!
//! ```text
//! starts (URLs | sitemap.xml[.gz] | folder) ─▶ Frontier ─▶ crawl (fetch ─▶ page::analyse) ─▶ Crawled
//! Crawled ─▶ site::run (sets, links, orphans, canonicals, hreflang, duplicates, authors) ─▶ AuditReport ─▶ output
//! ```
pub mod citations;
pub mod codes;
pub mod crawl;
pub mod frontier;
pub mod gate;
pub mod html;
pub mod http_checks;
pub mod model;
pub mod output;
pub mod page;
pub mod page_scan;
pub mod score;
pub mod simhash;
pub mod site;
pub mod site_source;
pub mod sitemap;
pub mod urlnorm;

pub use frontier::FrontierLimits;
pub use model::{AuditFinding, AuditReport, AuditSummary, Category, CategoryScore, PageRecord};
pub use site_source::SiteSource;

use crate::error::{Error, Result};
use crate::rules::Engine;
use crate::sources::fetch::Fetcher;
use frontier::Frontier;
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;
use url::Url;

/// Most sitemap files read from one start (an index of indexes cannot run away).
const MAX_SITEMAPS: usize = 1000;

/// How an audit runs.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub limits: FrontierLimits,
    /// Pages fetched at once (per-host limits of the fetcher apply on top); they are analysed
    /// by at most this many threads, two per core.
    pub workers: usize,
    /// Check links to other sites too (HEAD, GET when refused; each URL once).
    pub check_external: bool,
    /// Responses slower than this are reported (HTTP005).
    pub slow_ms: u64,
    /// HTML documents larger than this are reported (HTTP006).
    pub heavy_bytes: u64,
    /// Largest page read from a local folder (the fetcher has its own limit for the web).
    pub max_page_bytes: u64,
    /// `--verify-citations`: fact-check each page against the sources it cites.
    pub citations: Option<std::sync::Arc<citations::CitationCheck>>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            limits: FrontierLimits {
                max_pages: 10_000,
                max_depth: 20,
                max_per_pattern: 200,
                include: Vec::new(),
                exclude: Vec::new(),
            },
            workers: 8,
            check_external: false,
            slow_ms: 1000,
            heavy_bytes: 1024 * 1024,
            max_page_bytes: 5 * 1024 * 1024,
            citations: None,
        }
    }
}

/// What an audit starts from, decided from the command-line inputs.
pub enum Start {
    /// Page URLs and sitemap URLs on the web.
    Web(Vec<Url>),
    /// A local folder of HTML.
    Folder(std::path::PathBuf),
}

/// Read the inputs: one existing folder, or http(s) URLs (pages or sitemaps).
pub fn parse_starts(inputs: &[String]) -> Result<Start> {
    if inputs.is_empty() {
        return Err(Error::Usage(
            "give a URL, a sitemap.xml URL or a folder of HTML to audit".into(),
        ));
    }
    if let [only] = inputs {
        let path = Path::new(only);
        if !only.contains("://") && path.is_dir() {
            return Ok(Start::Folder(path.to_path_buf()));
        }
    }
    let mut urls = Vec::new();
    for input in inputs {
        if !input.contains("://") && Path::new(input).exists() {
            return Err(Error::Usage(format!(
                "`{input}`: audit one folder on its own, or only URLs"
            )));
        }
        let url = Url::parse(input.trim()).map_err(|e| {
            Error::Usage(format!(
                "`{input}` is not a valid URL ({e}); give an http(s) URL, a sitemap.xml URL or a folder"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::Usage(format!(
                "`{input}`: only http(s) URLs with a host can be audited (or a local folder)"
            )));
        }
        urls.push(url);
    }
    Ok(Start::Web(urls))
}

/// Run an audit: crawl from `start`, check every page and the site, and build the report
/// (not yet filtered by a baseline). `on_page` is called with the number of pages done.
pub fn run(
    engine: &Engine,
    fetcher: &Fetcher,
    start: &Start,
    options: &AuditOptions,
    on_page: &(dyn Fn(usize) + Sync),
) -> Result<AuditReport> {
    let started = Instant::now();
    let mut phases = crate::timing::Phases::start();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let local;
    let source = match start {
        Start::Web(_) => SiteSource::Web(fetcher),
        Start::Folder(dir) => {
            local = SiteSource::local(dir, options.max_page_bytes).map_err(Error::Usage)?;
            local
        }
    };
    let mut frontier = Frontier::new(options.limits.clone());
    let mut listed: HashSet<u64> = HashSet::new();
    let mut starts: HashSet<u64> = HashSet::new();
    let mut start_names = Vec::new();
    let mut explicit_pages = Vec::new();
    match start {
        Start::Folder(dir) => {
            start_names.push(dir.display().to_string());
            let root = match &source {
                SiteSource::Local { root, .. } => root.clone(),
                SiteSource::Web(_) => dir.clone(),
            };
            let files = site_source::html_files(&root, options.limits.max_pages);
            if files.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: no .html files to audit",
                    dir.display()
                )));
            }
            for file in files {
                let Some(url) = Url::from_file_path(&file)
                    .ok()
                    .and_then(|u| urlnorm::normalise(&u))
                else {
                    continue;
                };
                let key = urlnorm::key(&url);
                listed.insert(key);
                if file.parent() == Some(root.as_path())
                    && file.file_name().is_some_and(|n| n == "index.html")
                {
                    starts.insert(key);
                }
                let _ = frontier.push_start(url);
            }
        }
        Start::Web(urls) => {
            for url in urls {
                start_names.push(url.to_string());
                if sitemap::looks_like_sitemap(url.as_str()) {
                    for page in read_sitemaps(&source, url)? {
                        listed.insert(urlnorm::key(&page));
                        let _ = frontier.push_start(page);
                    }
                } else if let Some(url) = urlnorm::normalise(url) {
                    starts.insert(urlnorm::key(&url));
                    explicit_pages.push(url.clone());
                    let _ = frontier.push_start(url);
                }
            }
        }
    }

    phases.end("starts");
    let mut crawled = crawl::crawl(engine, &source, options, frontier, listed, starts, on_page)
        .map_err(|e| Error::Other(anyhow::anyhow!(e)))?;
    phases.end("crawl");

    // A start page that is not HTML cannot be audited: say so instead of reporting nothing.
    for url in &explicit_pages {
        if let Some(record) = crawled.page_for(urlnorm::key(url)) {
            let html = record
                .content_type
                .as_deref()
                .is_none_or(|ct| matches!(ct, "text/html" | "application/xhtml+xml"));
            if record.status.is_some_and(|s| (200..300).contains(&s))
                && !html
                && crawled.pages.len() == 1
            {
                return Err(Error::Usage(format!(
                    "{url} is not an HTML page ({}); start from an HTML page, a sitemap.xml or a folder",
                    record.content_type.as_deref().unwrap_or("unknown type")
                )));
            }
        }
    }

    site::run(engine, &source, options, &mut crawled);
    phases.end("site checks");
    let crawl::Crawled {
        mut pages,
        site_findings,
        facts,
        checks,
        index,
        listed,
        starts,
    } = crawled;
    // What only the site checks needed (a large site's links, prints and rule summaries: tens
    // of thousands of allocations) is freed on a thread of its own while the report is made.
    drop_in_background((facts, checks, index, listed, starts));
    // Workers finish pages in no fixed order; the report lists them by depth, then URL, so
    // two audits of the same site can be diffed.
    // Both sorts on the rayon pool: the cores are otherwise idle after the crawl.
    pages.par_sort_by(|a, b| (a.depth, &a.url).cmp(&(b.depth, &b.url)));
    pages.par_iter_mut().for_each(|page| {
        sort_nearly_sorted(&mut page.findings, |a, b| {
            (a.line, a.column, &a.code, &a.message).cmp(&(b.line, b.column, &b.code, &b.message))
        });
    });
    let mut report = AuditReport {
        tool: format!("pressgate {}", env!("CARGO_PKG_VERSION")),
        started_at,
        seconds: started.elapsed().as_secs_f64(),
        start: start_names,
        pages,
        site_findings,
        summary: AuditSummary::default(),
    };
    score::refresh(&mut report);
    phases.end("sort, scores");
    Ok(report)
}

/// Sort `items` stably by `order`, as `sort_by` does. A page's findings arrive ordered by
/// span, with only neighbours out of place (two findings at one position, ordered by span end
/// rather than code): an insertion sort puts them right in a few swaps, where a general sort
/// of 40-odd findings makes hundreds of comparisons. Past a budget of swaps it hands over to
/// `sort_by`; adjacent swaps never pass equal items, so the result is the same either way.
fn sort_nearly_sorted<T>(items: &mut [T], mut order: impl FnMut(&T, &T) -> std::cmp::Ordering) {
    let budget = items.len().saturating_mul(2);
    let mut swaps = 0usize;
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && order(&items[j - 1], &items[j]) == std::cmp::Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
            swaps += 1;
            if swaps > budget {
                items.sort_by(order);
                return;
            }
        }
    }
}

/// Drop `value` on a thread of its own, not joined: freeing what is left of a crawl takes
/// milliseconds the caller need not wait for. When no thread can be started it is dropped here.
fn drop_in_background<T: Send + 'static>(value: T) {
    // `spawn` hands the closure (and `value` with it) back to be dropped when it fails.
    let _ = std::thread::Builder::new()
        .name("pressgate-free".into())
        .spawn(move || drop(value));
}

/// Every page URL of a sitemap, following sitemap indexes (gzip too), at most
/// [`MAX_SITEMAPS`] files.
fn read_sitemaps(source: &SiteSource, start: &Url) -> Result<Vec<Url>> {
    let mut pages = Vec::new();
    let mut queue = vec![start.clone()];
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(url) = queue.pop() {
        if !seen.insert(url.to_string()) || seen.len() > MAX_SITEMAPS {
            continue;
        }
        let probe = source
            .get_sitemap(&url)
            .map_err(|e| Error::Usage(format!("sitemap {url}: {e}")))?;
        let Some(body) = probe.body.filter(|_| (200..300).contains(&probe.status)) else {
            return Err(Error::Usage(format!(
                "sitemap {url}: the server answered HTTP {}",
                probe.status
            )));
        };
        let sitemap =
            sitemap::open(&body).map_err(|e| Error::Usage(format!("sitemap {url}: {e}")))?;
        if sitemap.is_index() {
            for child in sitemap.locs() {
                if let Ok(child) = url.join(&child) {
                    queue.push(child);
                }
            }
        } else {
            // Resolving and normalising each URL is most of reading a large sitemap: on the
            // rayon pool, in order.
            let locs: Vec<_> = sitemap.locs().collect();
            pages.par_extend(
                locs.par_iter()
                    .filter_map(|p| url.join(p).ok())
                    .filter_map(|p| urlnorm::normalise(&p)),
            );
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::Stream;

    #[test]
    fn nearly_sorted_sort_orders_as_the_stable_sort() {
        let mut stream = Stream(0x1234_5678_9abc_def1);
        for round in 0..5000 {
            let n = stream.below(80);
            // (key, original index): equal keys must keep their order.
            let mut items: Vec<(u32, usize)> = (0..n)
                .map(|i| (i as u32 / (1 + stream.below(3)) as u32, i))
                .collect();
            // Some rounds nearly sorted (a few neighbours swapped), others shuffled.
            let swaps = if round % 2 == 0 {
                stream.below(4)
            } else {
                n * 2
            };
            for _ in 0..swaps {
                if n > 1 {
                    let i = stream.below(n - 1);
                    let j = if round % 2 == 0 {
                        i + 1
                    } else {
                        stream.below(n)
                    };
                    items.swap(i, j);
                }
            }
            let keys_only = |a: &(u32, usize), b: &(u32, usize)| a.0.cmp(&b.0);
            let mut expected = items.clone();
            expected.sort_by(keys_only);
            sort_nearly_sorted(&mut items, keys_only);
            assert_eq!(items, expected, "round {round}");
        }
    }
}
