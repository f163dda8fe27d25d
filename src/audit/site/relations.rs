//! Relations a page declares about other URLs: canonical targets, hreflang alternates, and
//! indexability in the light of the sitemap.
use super::{page_key, state_of, KeyIndex, PageFindings, TargetState};
use crate::audit::codes;
use crate::audit::crawl::Crawled;
use crate::audit::page::audit_finding;
use crate::audit::urlnorm;
use crate::rules::Engine;
use url::Url;

fn key_of(url: &str) -> Option<u64> {
    Url::parse(url).ok().map(|u| urlnorm::key(&u))
}

/// `X-Robots-Tag: noindex`, or a `noindex` meta tag on a page the sitemap asks to index.
pub fn indexability(engine: &Engine, crawled: &Crawled) -> PageFindings {
    let mut found = Vec::new();
    for (i, record) in crawled.pages.iter().enumerate() {
        let reason = match record.noindex_reason.as_deref() {
            Some(r @ "X-Robots-Tag: noindex") => r.to_string(),
            Some("meta robots noindex") if record.in_sitemap => {
                "meta robots noindex on a page listed in the sitemap".to_string()
            }
            _ => continue,
        };
        found.extend(
            audit_finding(
                engine,
                codes::NOT_INDEXABLE,
                Some(&record.url),
                format!("the page is not indexable: {reason}"),
                None,
                Vec::new(),
            )
            .map(|f| (i, f)),
        );
    }
    found
}

/// Canonical URLs that point at a crawled page which fails or redirects.
pub fn canonical_targets(engine: &Engine, crawled: &Crawled, index: &KeyIndex) -> PageFindings {
    let mut found = Vec::new();
    for (i, facts) in crawled.facts.iter().enumerate() {
        let Some((target_url, pos)) = &facts.canonical_elsewhere else {
            continue;
        };
        let Some(target) = key_of(target_url).and_then(|k| index.page(crawled, k)) else {
            continue;
        };
        let problem = match state_of(target) {
            TargetState::Broken(reason) => Some(reason),
            TargetState::Ok if !target.redirects.is_empty() => {
                Some(format!("it redirects to {}", target.final_url))
            }
            _ => None,
        };
        if let (Some(problem), Some(record)) = (problem, crawled.pages.get(i)) {
            found.extend(
                audit_finding(
                    engine,
                    codes::CANONICAL_TARGET,
                    Some(&record.url),
                    format!("the canonical URL {target_url} does not answer 200 ({problem})"),
                    Some(*pos),
                    vec![target_url.clone()],
                )
                .map(|f| (i, f)),
            );
        }
    }
    found
}

/// hreflang alternates whose (crawled) target does not name this page in return.
/// `keys` are the pages' own URL keys (`links::inlinks_and_sitemap`).
pub fn hreflang_reciprocity(
    engine: &Engine,
    crawled: &Crawled,
    index: &KeyIndex,
    keys: &[Option<u64>],
) -> PageFindings {
    let mut found = Vec::new();
    for (i, facts) in crawled.facts.iter().enumerate() {
        if facts.hreflangs.is_empty() {
            continue;
        }
        let Some(record) = crawled.pages.get(i) else {
            continue;
        };
        // The keys of the page's URL and final URL (the same text: the same key).
        let url_key = match keys.get(i) {
            Some(&key) => key,
            None => page_key(index, i, record),
        };
        let final_key = if record.final_url == record.url {
            url_key
        } else {
            key_of(&record.final_url)
        };
        let own: Vec<u64> = [url_key, final_key].into_iter().flatten().collect();
        for alt in &facts.hreflangs {
            if own.contains(&alt.target) {
                continue;
            }
            let Some(j) = index.get(alt.target) else {
                continue;
            };
            let (Some(target_facts), Some(target)) = (crawled.facts.get(j), crawled.pages.get(j))
            else {
                continue;
            };
            // An error page cannot confirm the pair, whatever its HTML says.
            let problem = match state_of(target) {
                TargetState::Broken(reason) => format!("which answers {reason}"),
                TargetState::Unknown => continue,
                // Only pages that were read as HTML can be judged.
                TargetState::Ok if target_facts.print.is_none() => continue,
                TargetState::Ok
                    if target_facts
                        .hreflangs
                        .iter()
                        .any(|b| own.contains(&b.target)) =>
                {
                    continue
                }
                TargetState::Ok => "which has no hreflang link back to this page".to_string(),
            };
            found.extend(
                audit_finding(
                    engine,
                    codes::HREFLANG_RECIPROCITY,
                    Some(&record.url),
                    format!("hreflang=\"{}\" names {}, {problem}", alt.lang, alt.url),
                    Some(alt.pos),
                    vec![alt.url.clone()],
                )
                .map(|f| (i, f)),
            );
        }
    }
    found
}
