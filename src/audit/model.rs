//! What an audit produces: one record per crawled page plus site-level findings. The crawler
//! fills it, the report writers (text, CSV, JSON, SARIF, HTML) only read it.
use crate::finding::{Evidence, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The result of one audit run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditReport {
    /// `pressgate <version>`.
    pub tool: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    pub seconds: f64,
    /// What the crawl started from: URLs, a sitemap URL or a directory.
    pub start: Vec<String>,
    pub pages: Vec<PageRecord>,
    /// Findings about the site as a whole or about relations between pages (duplicates,
    /// orphans, broken links, redirect chains, author identity).
    pub site_findings: Vec<AuditFinding>,
    /// Per-category scores and counts, computed from `pages` and `site_findings`.
    pub summary: AuditSummary,
}

/// One URL the crawler requested.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageRecord {
    /// The URL as discovered (normalised).
    pub url: String,
    /// Where the redirects ended.
    pub final_url: String,
    /// HTTP status of the final response; `None` when the request failed.
    pub status: Option<u16>,
    /// Transport error (timeout, refused, too large, unsafe address), when there was one.
    pub error: Option<String>,
    /// Clicks from a start URL (0 for start URLs and sitemap entries).
    pub depth: u32,
    /// Each hop before `final_url`.
    pub redirects: Vec<RedirectHop>,
    pub response_ms: u64,
    pub bytes: u64,
    pub content_type: Option<String>,
    pub title: Option<String>,
    pub indexable: bool,
    /// Why the page is not indexable (robots meta, X-Robots-Tag, robots.txt, status, canonical
    /// elsewhere).
    pub noindex_reason: Option<String>,
    pub canonical: Option<String>,
    pub in_sitemap: bool,
    /// Internal pages that link here.
    pub inlinks: u32,
    pub outlinks: u32,
    pub words: u32,
    pub findings: Vec<AuditFinding>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RedirectHop {
    pub url: String,
    pub status: u16,
}

/// A finding placed on a page (or on the site when `url` is `None`).
#[derive(Debug, Clone, Serialize, Deserialize)]
///
/// A large audit holds millions of these until the report is written (about 43 per page on a
/// generated site), so the repeated parts are shared: the code is the rule's static string, the
/// URL is shared by a page's findings, the help text by every finding of a rule.
pub struct AuditFinding {
    pub code: Cow<'static, str>,
    pub severity: Severity,
    pub category: Category,
    /// Shared between findings worded alike ([`shared_message`]).
    pub message: Arc<str>,
    /// The page the finding is about; `None` for site-wide findings.
    pub url: Option<Arc<str>>,
    /// 1-based position in the page's HTML, when the finding has one.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub help: Option<Arc<str>>,
    /// Other URLs involved (the duplicate page, the broken link target, the redirect chain).
    pub related: Vec<String>,
    pub evidence: Option<Box<Evidence>>,
}

/// One shared copy of a text that many findings repeat (help texts).
pub fn shared_text(text: &str) -> Arc<str> {
    thread_local! {
        static TABLE: RefCell<Interner> = RefCell::new(Interner::new(4096));
    }
    TABLE.with(|table| table.borrow_mut().share(text))
}

/// One shared copy of a finding message: most rules word every finding alike ("sentence
/// states a percentage without a citation"), and a large audit holds millions of them.
pub fn shared_message(text: &str) -> Arc<str> {
    thread_local! {
        static TABLE: RefCell<Interner> = RefCell::new(Interner::new(1 << 16));
    }
    TABLE.with(|table| table.borrow_mut().share(text))
}

/// [`shared_message`] or [`shared_text`] (`by_content`) of a finding's text: a static text
/// (most rules' messages and help) is looked up by its address, which spares hashing and
/// comparing its bytes for every finding.
pub fn shared_cow(text: Cow<'static, str>, by_content: fn(&str) -> Arc<str>) -> Arc<str> {
    match text {
        Cow::Borrowed(text) => shared_static(text, by_content),
        Cow::Owned(text) => by_content(&text),
    }
}

/// One shared copy of a static text, by address (see [`shared_cow`]).
fn shared_static(text: &'static str, by_content: fn(&str) -> Arc<str>) -> Arc<str> {
    /// Static texts are the program's and its loaded rules', so few; bounded all the same.
    const MAX: usize = 4096;
    type ByAddress = HashMap<(usize, usize), Arc<str>, foldhash::fast::FixedState>;
    thread_local! {
        static TABLE: RefCell<ByAddress> = RefCell::new(HashMap::default());
    }
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        let key = (text.as_ptr() as usize, text.len());
        if let Some(shared) = table.get(&key) {
            return shared.clone();
        }
        let shared = by_content(text);
        if table.len() < MAX {
            table.insert(key, shared.clone());
        }
        shared
    })
}

/// A table of shared texts that stops growing at `max` entries, after which texts are simply
/// copied (so memory stays bounded whatever a site holds). One per thread: no lock on each
/// finding, and a shared text's reference count is only ever touched by the thread whose
/// table holds it while analysing, so the analysis threads do not bounce its cache line.
struct Interner {
    max: usize,
    /// foldhash: seeded per process, several times faster than SipHash on these short texts.
    table: HashSet<Arc<str>, foldhash::fast::RandomState>,
}

impl Interner {
    fn new(max: usize) -> Self {
        Interner {
            max,
            table: HashSet::default(),
        }
    }

    fn share(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.table.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = text.into();
        if self.table.len() < self.max {
            self.table.insert(shared.clone());
        }
        shared
    }
}

/// Report categories: one score each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Status codes, redirects, indexability, response time, page weight, mixed content.
    Technical,
    /// Titles, descriptions, headings, keywords, canonicals, hreflang.
    Seo,
    /// Bylines, author pages, dates, disclosures.
    Eeat,
    /// References, `[n]` markers, citation reachability, fact checks.
    Citations,
    /// JSON-LD and other structured data.
    StructuredData,
    /// Broken internal and external links, orphans.
    Links,
    /// Duplicate and near-duplicate content.
    Content,
    /// Prose style.
    Style,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Technical,
        Category::Seo,
        Category::Eeat,
        Category::Citations,
        Category::StructuredData,
        Category::Links,
        Category::Content,
        Category::Style,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Technical => "technical",
            Category::Seo => "seo",
            Category::Eeat => "eeat",
            Category::Citations => "citations",
            Category::StructuredData => "structured-data",
            Category::Links => "links",
            Category::Content => "content",
            Category::Style => "style",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::Technical => "Technical",
            Category::Seo => "SEO",
            Category::Eeat => "E-E-A-T",
            Category::Citations => "Citations",
            Category::StructuredData => "Structured data",
            Category::Links => "Links",
            Category::Content => "Content",
            Category::Style => "Style",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditSummary {
    pub pages: u32,
    /// Pages with a 2xx HTML response.
    pub html_pages: u32,
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
    pub categories: Vec<CategoryScore>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: Category,
    /// 0–100, higher is better.
    pub score: u8,
    pub errors: u32,
    pub warnings: u32,
    pub infos: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_texts_are_shared_by_address_and_owned_ones_by_content() {
        static MESSAGE: &str = "sentence states a number without a citation";
        let a = shared_cow(Cow::Borrowed(MESSAGE), shared_message);
        let b = shared_cow(Cow::Borrowed(MESSAGE), shared_message);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, MESSAGE);
        // The same words, owned: one copy with the static text's.
        let owned = shared_cow(Cow::Owned(MESSAGE.to_string()), shared_message);
        assert!(Arc::ptr_eq(&a, &owned));
        // A static text that is a prefix of another is a different text.
        let prefix = shared_cow(Cow::Borrowed(&MESSAGE[..8]), shared_message);
        assert_eq!(&*prefix, "sentence");
        let help = shared_cow(Cow::Borrowed("cite a source"), shared_text);
        assert_eq!(&*help, "cite a source");
    }

    #[test]
    fn shared_texts_are_one_copy_per_thread_with_the_same_text() {
        let a = shared_message("sentence states a percentage without a citation");
        let b = shared_message(&String::from(
            "sentence states a percentage without a citation",
        ));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "sentence states a percentage without a citation");
        assert_ne!(&*shared_message("another"), &*a);
        let elsewhere = std::thread::spawn(|| shared_text("help text"))
            .join()
            .expect("thread");
        assert_eq!(&*elsewhere, "help text");
        assert_eq!(&*shared_text("help text"), "help text");
    }
}
