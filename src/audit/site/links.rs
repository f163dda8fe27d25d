//! Links between pages: inlink counts, orphans, broken internal and external links.
use super::{page_key, state_of, KeyIndex, PageFindings, TargetState};
use crate::audit::codes;
use crate::audit::crawl::Crawled;
use crate::audit::page::audit_finding;
use crate::audit::site_source::SiteSource;
use crate::audit::AuditOptions;
use crate::rules::Engine;
use std::collections::{HashMap, HashSet};
use url::Url;

/// Count internal inlinks per page (from other pages) and mark the pages a sitemap lists.
/// Returns each page's URL key (`None` when its URL does not parse), for the checks after.
pub fn inlinks_and_sitemap(crawled: &mut Crawled, index: &KeyIndex) -> Vec<Option<u64>> {
    let mut inlinks = vec![0u32; crawled.pages.len()];
    for (from, facts) in crawled.facts.iter().enumerate() {
        for link in &facts.internal {
            if let Some(to) = index.get(link.target) {
                if to != from {
                    if let Some(count) = inlinks.get_mut(to) {
                        *count = count.saturating_add(1);
                    }
                }
            }
        }
    }
    let mut keys = Vec::with_capacity(crawled.pages.len());
    for (i, record) in crawled.pages.iter_mut().enumerate() {
        record.inlinks = inlinks.get(i).copied().unwrap_or(0);
        let key = page_key(index, i, record);
        if let Some(key) = key {
            record.in_sitemap = crawled.listed.contains(&key);
        }
        keys.push(key);
    }
    keys
}

/// Listed pages nobody links to (`keys` from [`inlinks_and_sitemap`]).
pub fn orphans(engine: &Engine, crawled: &Crawled, keys: &[Option<u64>]) -> PageFindings {
    let mut found = Vec::new();
    for (i, record) in crawled.pages.iter().enumerate() {
        let Some(Some(key)) = keys.get(i) else {
            continue;
        };
        if !(record.in_sitemap && record.inlinks == 0 && state_of(record) == TargetState::Ok) {
            continue;
        }
        // Start pages and the home page are entry points, not orphans (the URL is parsed only
        // for the few pages that are otherwise orphans).
        let is_entry = crawled.starts.contains(key)
            || Url::parse(&record.url).is_ok_and(|u| u.scheme() != "file" && u.path() == "/");
        if !is_entry {
            found.extend(
                audit_finding(
                    engine,
                    codes::ORPHAN_PAGE,
                    Some(&record.url),
                    "no crawled page links to this page".to_string(),
                    None,
                    Vec::new(),
                )
                .map(|f| (i, f)),
            );
        }
    }
    found
}

/// Links to same-site pages that answered with an error or failed.
pub fn broken_internal(engine: &Engine, crawled: &Crawled, index: &KeyIndex) -> PageFindings {
    let mut found = Vec::new();
    for (from, facts) in crawled.facts.iter().enumerate() {
        for link in &facts.internal {
            let Some(target) = index.page(crawled, link.target) else {
                continue;
            };
            if let TargetState::Broken(reason) = state_of(target) {
                let Some(record) = crawled.pages.get(from) else {
                    continue;
                };
                found.extend(
                    audit_finding(
                        engine,
                        codes::BROKEN_INTERNAL_LINK,
                        Some(&record.url),
                        format!("link to {} is broken ({reason})", target.url),
                        Some(link.pos),
                        vec![target.url.clone()],
                    )
                    .map(|f| (from, f)),
                );
            }
        }
    }
    found
}

/// Check every distinct external link once (HEAD, GET when refused), `workers` at a time with
/// the fetcher's per-host limits, and report the broken ones on each page that links there.
pub fn broken_external(
    engine: &Engine,
    source: &SiteSource,
    options: &AuditOptions,
    crawled: &Crawled,
) -> PageFindings {
    let mut targets: Vec<String> = crawled
        .facts
        .iter()
        .flat_map(|f| f.external.iter().map(|(u, _)| u.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    targets.sort();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<HashMap<String, String>> = std::sync::Mutex::new(HashMap::new());
    std::thread::scope(|scope| {
        for _ in 0..options.workers.clamp(1, targets.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let Ok(url) = Url::parse(target) else {
                    continue;
                };
                let broken = match source.head(&url) {
                    Ok(probe) if probe.status < 400 => None,
                    Ok(probe) => Some(format!("HTTP {}", probe.status)),
                    // robots.txt forbids checking it: not known to be broken.
                    Err(crate::sources::FetchError::RobotsDisallowed) => None,
                    Err(e) => Some(e.to_string()),
                };
                if let Some(reason) = broken {
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(target.clone(), reason);
                }
            });
        }
    });
    let broken = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut found = Vec::new();
    for (i, (record, facts)) in crawled.pages.iter().zip(&crawled.facts).enumerate() {
        for (target, pos) in &facts.external {
            if let Some(reason) = broken.get(target) {
                found.extend(
                    audit_finding(
                        engine,
                        codes::BROKEN_EXTERNAL_LINK,
                        Some(&record.url),
                        format!("link to {target} is broken ({reason})"),
                        Some(*pos),
                        vec![target.clone()],
                    )
                    .map(|f| (i, f)),
                );
            }
        }
    }
    found
}
