//! Site-level checks over everything the crawl collected: set-level page rules (duplicate
//! titles and descriptions), links and orphans, canonicals, hreflang and indexability,
//! duplicate content, and author identity.
mod authors;
mod duplicates;
mod links;
mod relations;

use super::crawl::Crawled;
use super::model::{AuditFinding, PageRecord};
use super::page::{self, Pos};
use super::site_source::SiteSource;
use super::urlnorm;
use super::AuditOptions;
use crate::rules::{DocumentCheck, Engine};
use std::collections::HashMap;

/// What is known about a link target from the crawl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TargetState {
    /// Answered 2xx (after redirects).
    Ok,
    /// Answered with an error status or could not be fetched: the reason.
    Broken(String),
    /// Not judged (robots.txt, not crawled).
    Unknown,
}

pub(crate) fn state_of(record: &PageRecord) -> TargetState {
    if record.error.as_deref() == Some("blocked by robots.txt") {
        return TargetState::Unknown;
    }
    match (record.status, &record.error) {
        (Some(s), _) if (200..300).contains(&s) => TargetState::Ok,
        (Some(s), _) => TargetState::Broken(format!("HTTP {s}")),
        (None, Some(e)) => TargetState::Broken(e.clone()),
        (None, None) => TargetState::Unknown,
    }
}

impl Crawled {
    /// The crawled page for a URL key (requested or final URL).
    pub(crate) fn page_for(&self, key: u64) -> Option<&PageRecord> {
        self.index.get(&key).and_then(|&i| self.pages.get(i))
    }
}

/// Findings for pages, by page index, in the order a check makes them.
type PageFindings = Vec<(usize, AuditFinding)>;

/// The crawl's URL-key index for the site checks' many lookups (every link of every page):
/// the same entries in a foldhash table, several times faster to probe than the crawl's
/// SipHash one, and cheap to build next to a million lookups.
pub(crate) struct KeyIndex(HashMap<u64, usize, foldhash::fast::RandomState>);

impl KeyIndex {
    fn of(crawled: &Crawled) -> KeyIndex {
        let mut map = HashMap::with_capacity_and_hasher(crawled.index.len(), Default::default());
        map.extend(crawled.index.iter().map(|(&k, &i)| (k, i)));
        KeyIndex(map)
    }

    /// The page index of a URL key, as [`Crawled::index`] has it.
    pub(crate) fn get(&self, key: u64) -> Option<usize> {
        self.0.get(&key).copied()
    }

    /// The crawled page for a URL key, as [`Crawled::page_for`] finds it.
    pub(crate) fn page<'a>(&self, crawled: &'a Crawled, key: u64) -> Option<&'a PageRecord> {
        self.get(key).and_then(|i| crawled.pages.get(i))
    }
}

/// The URL key of page `i` (`urlnorm::key` of its URL). The crawl keyed the page by the
/// normalised URL it requested, whose text is `record.url`: the key hashed from that text is
/// taken when the index confirms it names this page; otherwise (a URL that does not parse back
/// to itself) the URL is parsed again, as the checks always did.
pub(crate) fn page_key(index: &KeyIndex, i: usize, record: &PageRecord) -> Option<u64> {
    let key = url_text_key(&record.url);
    if index.get(key) == Some(i) {
        return Some(key);
    }
    url::Url::parse(&record.url).ok().map(|u| urlnorm::key(&u))
}

/// `urlnorm::key` of a URL given as its text, without parsing it (a test holds the two alike).
fn url_text_key(url: &str) -> u64 {
    use std::hash::BuildHasher;
    const STATE: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x5eed);
    STATE.hash_one(url)
}

/// Run every site-level check, adding findings to the pages they concern and to
/// `crawled.site_findings`.
///
/// Inlink counts and sitemap membership are set first (the indexability check reads them);
/// the checks after that only read the crawl, so they run side by side on the rayon pool and
/// their findings are added afterwards, check by check in the order they always ran.
pub fn run(engine: &Engine, source: &SiteSource, options: &AuditOptions, crawled: &mut Crawled) {
    let index = KeyIndex::of(crawled);
    let keys = links::inlinks_and_sitemap(crawled, &index);
    let mut checks = std::mem::take(&mut crawled.checks);
    let view: &Crawled = crawled;
    let index = &index;
    let ((sets, (orphans, internal)), ((external, relations), (duplicates, authors))) = rayon::join(
        || {
            rayon::join(
                || set_rules(engine, view, &mut checks),
                || {
                    (
                        links::orphans(engine, view, &keys),
                        links::broken_internal(engine, view, index),
                    )
                },
            )
        },
        || {
            rayon::join(
                || {
                    let external = if options.check_external {
                        links::broken_external(engine, source, options, view)
                    } else {
                        Vec::new()
                    };
                    let mut relations = relations::indexability(engine, view);
                    relations.extend(relations::canonical_targets(engine, view, index));
                    relations.extend(relations::hreflang_reciprocity(engine, view, index, &keys));
                    (external, relations)
                },
                || {
                    (
                        duplicates::check(engine, view),
                        authors::check(engine, source, view, index),
                    )
                },
            )
        },
    );
    // The summaries are not needed any more; the caller frees them with the rest of the crawl.
    crawled.checks = checks;
    for found in [
        sets, orphans, internal, external, relations, duplicates, authors,
    ] {
        for (i, finding) in found {
            if let Some(record) = crawled.pages.get_mut(i) {
                record.findings.push(finding);
            }
        }
    }
}

/// The page rules that compare documents (duplicate titles and descriptions), over the
/// summaries kept from each page.
fn set_rules(engine: &Engine, crawled: &Crawled, checks: &mut [DocumentCheck]) -> PageFindings {
    engine.check_sets(checks);
    let mut found = Vec::new();
    for (i, check) in checks.iter_mut().enumerate() {
        if check.findings.is_empty() {
            continue;
        }
        let (Some(record), Some(facts)) = (crawled.pages.get(i), crawled.facts.get(i)) else {
            continue;
        };
        let url: std::sync::Arc<str> = record.final_url.as_str().into();
        for finding in check.findings.drain(..) {
            let pos: Option<Pos> = page::anchor_pos(facts, finding.span);
            found.push((i, page::from_rule_finding(engine, &url, finding, pos)));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_text_keys_are_the_keys_of_the_parsed_urls() {
        for text in [
            "https://example.test/",
            "http://127.0.0.1:18090/p/00001.html",
            "https://example.test/caf%C3%A9?a=1&b=2",
            "file:///tmp/site/index.html",
        ] {
            let url = url::Url::parse(text).expect("url");
            assert_eq!(url.as_str(), text, "a normalised URL's text");
            assert_eq!(url_text_key(text), urlnorm::key(&url), "{text}");
        }
    }
}
