//! Site-level checks over everything the crawl collected: set-level page rules (duplicate
//! titles and descriptions), links and orphans, canonicals, hreflang and indexability,
//! duplicate content, and author identity.
mod authors;
mod duplicates;
mod links;
mod relations;

use super::crawl::Crawled;
use super::model::PageRecord;
use super::page::{self, Pos};
use super::site_source::SiteSource;
use super::AuditOptions;
use crate::rules::Engine;

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

/// Run every site-level check, adding findings to the pages they concern and to
/// `crawled.site_findings`.
pub fn run(engine: &Engine, source: &SiteSource, options: &AuditOptions, crawled: &mut Crawled) {
    set_rules(engine, crawled);
    links::inlinks_and_orphans(engine, crawled);
    links::broken_internal(engine, crawled);
    if options.check_external {
        links::broken_external(engine, source, options, crawled);
    }
    relations::indexability(engine, crawled);
    relations::canonical_targets(engine, crawled);
    relations::hreflang_reciprocity(engine, crawled);
    duplicates::check(engine, crawled);
    authors::check(engine, source, crawled);
}

/// The page rules that compare documents (duplicate titles and descriptions), over the
/// summaries kept from each page.
fn set_rules(engine: &Engine, crawled: &mut Crawled) {
    engine.check_sets(&mut crawled.checks);
    for (i, check) in crawled.checks.iter_mut().enumerate() {
        for finding in check.findings.drain(..) {
            let (Some(record), Some(facts)) = (crawled.pages.get_mut(i), crawled.facts.get(i))
            else {
                continue;
            };
            let pos: Option<Pos> = page::anchor_pos(facts, finding.span);
            let url = record.final_url.as_str().into();
            let audit = page::from_rule_finding(engine, &url, finding, pos);
            record.findings.push(audit);
        }
    }
    // The summaries are not needed any more.
    crawled.checks = Vec::new();
}
