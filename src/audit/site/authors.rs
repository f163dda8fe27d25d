//! Author identity across the site: every byline should link to a working author page, and
//! one person should have one name and one author page.
use super::{state_of, KeyIndex, PageFindings, TargetState};
use crate::audit::codes;
use crate::audit::crawl::Crawled;
use crate::audit::page::{audit_finding, Pos};
use crate::audit::site_source::SiteSource;
use crate::audit::urlnorm;
use crate::rules::Engine;
use std::collections::{BTreeMap, HashMap};
use url::Url;

pub fn check(
    engine: &Engine,
    source: &SiteSource,
    crawled: &Crawled,
    index: &KeyIndex,
) -> PageFindings {
    let mut found: Vec<(usize, &'static str, String, Pos, Vec<String>)> = Vec::new();
    // name (lower case) -> author page -> pages; author page -> name -> pages.
    // Keys borrow the crawl's texts (only the lower-cased names are copies).
    let mut pages_by_name: BTreeMap<String, BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    let mut names_by_page: BTreeMap<&str, BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    // Each author page's state, judged once: a site has few author pages and many bylines.
    let mut states: HashMap<&str, TargetState, foldhash::fast::RandomState> = HashMap::default();

    for (i, facts) in crawled.facts.iter().enumerate() {
        let Some(byline) = &facts.byline else {
            continue;
        };
        let Some(author_url) = &byline.url else {
            found.push((
                i,
                codes::MISSING_AUTHOR_PAGE,
                format!(
                    "the byline `{}` does not link to an author page",
                    byline.name
                ),
                byline.pos,
                Vec::new(),
            ));
            continue;
        };
        let state = states
            .entry(author_url.as_str())
            .or_insert_with(|| match Url::parse(author_url) {
                Ok(url) => match index.page(crawled, urlnorm::key(&url)) {
                    Some(record) => state_of(record),
                    // Not crawled (limits, nofollow): ask once.
                    None => match source.head(&url) {
                        Ok(p) if p.status < 400 => TargetState::Ok,
                        Ok(p) => TargetState::Broken(format!("HTTP {}", p.status)),
                        Err(crate::sources::FetchError::RobotsDisallowed) => TargetState::Unknown,
                        Err(e) => TargetState::Broken(e.to_string()),
                    },
                },
                Err(_) => TargetState::Broken("not a valid URL".into()),
            })
            .clone();
        if let TargetState::Broken(reason) = state {
            found.push((
                i,
                codes::MISSING_AUTHOR_PAGE,
                format!(
                    "the author page of `{}` ({author_url}) is broken ({reason})",
                    byline.name
                ),
                byline.pos,
                vec![author_url.clone()],
            ));
        }
        pages_by_name
            .entry(byline.name.to_lowercase())
            .or_default()
            .entry(author_url.as_str())
            .or_default()
            .push(i);
        names_by_page
            .entry(author_url.as_str())
            .or_default()
            .entry(byline.name.as_str())
            .or_default()
            .push(i);
    }

    // The most used author page of a name (and name of an author page) is the reference;
    // pages that differ from it get the finding.
    for (name, by_url) in &pages_by_name {
        if by_url.len() < 2 {
            continue;
        }
        let main = majority(by_url);
        for (url, pages) in by_url.iter().filter(|(u, _)| **u != main) {
            for &i in pages {
                let pos = byline_pos(crawled, i);
                found.push((
                    i,
                    codes::INCONSISTENT_AUTHOR,
                    format!("`{name}` links to {url} here but to {main} on other pages"),
                    pos,
                    vec![url.to_string(), main.to_string()],
                ));
            }
        }
    }
    for (url, by_name) in &names_by_page {
        if by_name.len() < 2 {
            continue;
        }
        let main = majority(by_name);
        for (name, pages) in by_name.iter().filter(|(n, _)| **n != main) {
            // Case-only differences are already one name above; here they still differ in text.
            for &i in pages {
                let pos = byline_pos(crawled, i);
                found.push((
                    i,
                    codes::INCONSISTENT_AUTHOR,
                    format!("the author page {url} is credited as `{name}` here but as `{main}` on other pages"),
                    pos,
                    vec![url.to_string()],
                ));
            }
        }
    }

    found
        .into_iter()
        .filter_map(|(i, code, message, pos, related)| {
            let record = crawled.pages.get(i)?;
            audit_finding(engine, code, Some(&record.url), message, Some(pos), related)
                .map(|f| (i, f))
        })
        .collect()
}

/// The key with the most pages (the first in order on a tie).
fn majority<'a>(map: &BTreeMap<&'a str, Vec<usize>>) -> &'a str {
    let mut best: Option<(&'a str, usize)> = None;
    for (k, v) in map {
        if best.is_none_or(|(_, n)| v.len() > n) {
            best = Some((k, v.len()));
        }
    }
    best.map(|(k, _)| k).unwrap_or("")
}

fn byline_pos(crawled: &Crawled, i: usize) -> Pos {
    crawled
        .facts
        .get(i)
        .and_then(|f| f.byline.as_ref())
        .map(|b| b.pos)
        .unwrap_or_default()
}
