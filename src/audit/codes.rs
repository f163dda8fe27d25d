//! The audit's own finding codes (HTTP-level, link and site-level checks). They are registered
//! as rules so `pressgate rules list/explain`, the rule docs and `pressgate.toml` severities
//! cover them; their per-document check does nothing, because the crawler judges them from
//! HTTP answers and from relations between pages (see `tests/audit_site.rs`).
use super::model::Category;
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};

/// Rule metadata with the doc page assembled from its fixed sections.
macro_rules! audit_meta {
    ($code:literal, $name:literal, $severity:expr, $summary:literal,
     what: $what:literal, why: $why:literal, example: $example:literal, instead: $instead:literal) => {
        RuleMeta {
            code: $code,
            name: $name,
            pack: "audit",
            default_severity: $severity,
            summary: $summary,
            doc: concat!(
                "## What it does\n", $what,
                "\n\nOnly `pressgate audit` reports it: it needs the HTTP answer or the whole site.",
                "\n\n## Why is this bad?\n", $why,
                "\n\n## Example\n", $example,
                "\n\n## Use instead\n", $instead,
                "\n\n## Options\nNone; set the severity or turn it off under `[rules]` in `pressgate.toml`.\n"
            ),
            options: &[],
            fixable: false,
        }
    };
}

pub const HTTP_ERROR_STATUS: &str = "HTTP001";
pub const FETCH_FAILED: &str = "HTTP002";
pub const NOT_INDEXABLE: &str = "HTTP003";
pub const BLOCKED_BY_ROBOTS: &str = "HTTP004";
pub const SLOW_RESPONSE: &str = "HTTP005";
pub const HEAVY_PAGE: &str = "HTTP006";
pub const MIXED_CONTENT: &str = "HTTP007";
pub const CANONICAL_TARGET: &str = "HTTP008";
pub const HREFLANG_RECIPROCITY: &str = "HTTP009";
pub const BROKEN_INTERNAL_LINK: &str = "LINK001";
pub const BROKEN_EXTERNAL_LINK: &str = "LINK002";
pub const ORPHAN_PAGE: &str = "LINK003";
pub const DUPLICATE_CONTENT: &str = "SITE001";
pub const NEAR_DUPLICATE_CONTENT: &str = "SITE002";
pub const REDIRECT_CHAIN: &str = "SITE003";
pub const REDIRECT_LOOP: &str = "SITE004";
pub const MISSING_AUTHOR_PAGE: &str = "SITE005";
pub const INCONSISTENT_AUTHOR: &str = "SITE006";
pub const PATTERN_CAP: &str = "SITE007";

pub const METAS: &[RuleMeta] = &[
    audit_meta!("HTTP001", "http-error-status", Severity::Error,
        "The page answers with an HTTP error status (4xx or 5xx)",
        what: "Reports crawled URLs whose final answer is a 4xx or 5xx status.",
        why: "Visitors and search engines get an error instead of the page; links to it waste crawl budget.",
        example: "`GET /guide/` answers `404 Not Found`.",
        instead: "Restore the page, redirect it (301) to its replacement, or remove the links to it."),
    audit_meta!("HTTP002", "fetch-failed", Severity::Error,
        "The page could not be fetched (timeout, too large, refused, not readable)",
        what: "Reports URLs the crawler could not read at all: timeouts, connection failures, bodies over the size limit, refused addresses.",
        why: "A page that does not load for the crawler usually does not load for visitors or search engines either.",
        example: "`/report/` takes longer than the 30 s timeout, or sends a 20 MB HTML body.",
        instead: "Fix the server or make the page smaller; raise `--timeout` or `--max-page-bytes` if the limit is too strict."),
    audit_meta!("HTTP003", "not-indexable", Severity::Warning,
        "A page is kept out of search by a header, or by a meta tag while the sitemap lists it",
        what: "Reports HTML pages sent with an `X-Robots-Tag: noindex` header (invisible in the HTML, so easily forgotten), and pages listed in the sitemap that carry `<meta name=\"robots\" content=\"noindex\">`. (A `noindex` meta tag on its own is the page rule's business.)",
        why: "Pages that are linked or listed in the sitemap but excluded from the index send mixed signals and waste crawl budget; an accidental `noindex` removes a page from search.",
        example: "`<meta name=\"robots\" content=\"noindex, follow\">` on a page listed in `sitemap.xml`.",
        instead: "Remove the `noindex` (or the header) if the page should rank, or drop it from the sitemap and internal links."),
    audit_meta!("HTTP004", "blocked-by-robots", Severity::Info,
        "robots.txt forbids crawling a linked URL",
        what: "Reports internal URLs the crawler found but did not fetch because robots.txt disallows them.",
        why: "Search engines cannot read a disallowed page, yet may still index its URL from links, without a snippet.",
        example: "`Disallow: /private/` while `/private/plan.html` is linked from the home page.",
        instead: "Allow the path in robots.txt, or stop linking to it (use `noindex` to keep a crawlable page out of the index)."),
    audit_meta!("HTTP005", "slow-response", Severity::Warning,
        "The server took longer than the threshold to answer",
        what: "Reports pages whose response (request to last byte) took longer than `--slow-ms` (default 1000 ms).",
        why: "Slow server answers hurt Core Web Vitals, users leave, and crawlers fetch fewer pages per visit.",
        example: "`/search/` answers after 2.4 s.",
        instead: "Cache the page, speed up the backend, or serve it statically."),
    audit_meta!("HTTP006", "heavy-page", Severity::Warning,
        "The HTML document is larger than the page-weight threshold",
        what: "Reports HTML documents larger than `--heavy-bytes` (default 1 MB), measured after decompression.",
        why: "Large HTML is slow to download and parse, especially on mobile; it often means inlined data or runaway markup.",
        example: "A 2 MB page with an inlined JSON state blob.",
        instead: "Move data out of the HTML, paginate long lists, and drop inline assets."),
    audit_meta!("HTTP007", "mixed-content", Severity::Error,
        "An HTTPS page loads a sub-resource over plain HTTP",
        what: "Reports `http://` URLs in `src` attributes, stylesheet links and iframes of pages served over HTTPS.",
        why: "Browsers block or warn about mixed content: images disappear, scripts do not run, and the page loses its padlock.",
        example: "`<img src=\"http://cdn.example.org/a.png\">` on `https://example.org/`.",
        instead: "Load the resource over `https://` (or with a relative URL)."),
    audit_meta!("HTTP008", "canonical-target-not-ok", Severity::Error,
        "The page's canonical URL does not answer 200",
        what: "Reports pages whose `<link rel=\"canonical\">` points to a URL that redirects, fails or answers with an error.",
        why: "Search engines ignore a canonical that does not resolve to an indexable page, so duplicates are not consolidated.",
        example: "`<link rel=\"canonical\" href=\"/old-guide/\">` where `/old-guide/` answers 404.",
        instead: "Point the canonical at the final, indexable URL of the page."),
    audit_meta!("HTTP009", "hreflang-not-reciprocal", Severity::Warning,
        "An hreflang alternate does not link back",
        what: "Reports `<link rel=\"alternate\" hreflang>` annotations whose target page was crawled but does not name this page as an alternate in return.",
        why: "Search engines ignore hreflang pairs that are not confirmed from both sides, so the wrong language version is shown.",
        example: "`/en/` names `/fr/` as `hreflang=\"fr\"`, but `/fr/` has no `hreflang` link to `/en/`.",
        instead: "Give every language version the full set of alternates, itself included."),
    audit_meta!("LINK001", "broken-internal-link", Severity::Error,
        "A link points to a page on the same site that fails",
        what: "Reports `<a href>` links to URLs on the audited site that answer 4xx/5xx or cannot be fetched.",
        why: "Broken internal links strand visitors and leak link equity; search engines read them as neglect.",
        example: "`<a href=\"/guides/old/\">` where `/guides/old/` answers 404.",
        instead: "Point the link at the live page, or remove it."),
    audit_meta!("LINK002", "broken-external-link", Severity::Warning,
        "A link points to another site's URL that fails",
        what: "Reports links to other hosts whose URL answers 4xx/5xx or cannot be reached (checked with HEAD, GET when HEAD is refused; each URL once). Only with `--check-external`.",
        why: "Dead outbound links, citations above all, erode trust and make claims unverifiable.",
        example: "`<a href=\"https://example.org/study\">` where the study moved and answers 404.",
        instead: "Link to the new location, an archived copy, or remove the link."),
    audit_meta!("LINK003", "orphan-page", Severity::Warning,
        "A page in the sitemap (or the folder) is linked from no crawled page",
        what: "Reports pages listed in the sitemap (or HTML files of an audited folder) that no other crawled page links to.",
        why: "Orphan pages get no internal link equity and are hard for visitors and crawlers to find.",
        example: "`/guides/rye/` is in `sitemap.xml`, but no page links to it.",
        instead: "Link to the page from a related page or a hub, or remove it from the sitemap."),
    audit_meta!("SITE001", "duplicate-content", Severity::Warning,
        "Two pages have the same main text",
        what: "Reports pages whose visible text is identical to another crawled page's.",
        why: "Duplicates split ranking signals and make search engines pick one version, maybe the wrong one.",
        example: "`/guide/` and `/guide/?print=1` serve the same article without a canonical.",
        instead: "Keep one URL: redirect the copy or point its canonical to the original."),
    audit_meta!("SITE002", "near-duplicate-content", Severity::Warning,
        "Two pages have almost the same text (MinHash)",
        what: "Reports pages of 30 or more words that share at least half of their word 3-grams with another page (estimated by a 64-bin MinHash; candidates come from 64-bit SimHashes within 6 bits and from shared MinHash bands): near-copies such as templated pages with one changed paragraph.",
        why: "Near-duplicates compete with each other and read as thin, templated content.",
        example: "Two city landing pages that differ only in the city name.",
        instead: "Merge the pages, or give each page substantial content of its own."),
    audit_meta!("SITE003", "redirect-chain", Severity::Warning,
        "A URL redirects more than once before the final page",
        what: "Reports URLs that pass through two or more redirects before reaching the final answer.",
        why: "Each hop costs a round trip and some link equity; long chains may not be followed by crawlers.",
        example: "`/a` → 301 `/b` → 301 `/c`.",
        instead: "Redirect `/a` straight to `/c` and update links to point at `/c`."),
    audit_meta!("SITE004", "redirect-loop", Severity::Error,
        "A URL redirects in a loop",
        what: "Reports URLs whose redirects come back to a URL already visited, or exceed the redirect limit.",
        why: "The page never loads: browsers show an error, crawlers give up.",
        example: "`/a` → 302 `/b` → 302 `/a`.",
        instead: "Fix the redirect rules so the chain ends at a page that answers 200."),
    audit_meta!("SITE005", "missing-author-page", Severity::Warning,
        "A byline names an author without a working author page",
        what: "Reports pages with a byline that does not link to an author page, or whose author link fails.",
        why: "Author pages carry the experience and credentials that E-E-A-T asks for; a byline without one cannot be checked.",
        example: "`<span class=\"author\">Ana Ruiz</span>` with no link, or a link to `/authors/ana/` answering 404.",
        instead: "Link every byline to a live author page with the author's background."),
    audit_meta!("SITE006", "inconsistent-author", Severity::Warning,
        "One author appears under different names or author pages",
        what: "Reports bylines where one author page is linked under different names, or one name links to different author pages.",
        why: "Inconsistent identity splits an author's reputation and confuses readers and search engines.",
        example: "`Ana Ruiz` links to `/authors/ana/` on one page and to `/team/aruiz/` on another.",
        instead: "Use one display name and one author page per person across the site."),
    audit_meta!("SITE007", "url-pattern-capped", Severity::Info,
        "The crawl stopped following a URL pattern that looks like a crawler trap",
        what: "Reports URL patterns that reached `--max-per-pattern` pages found through links, after which further URLs of that pattern were skipped. A pattern is the host and path with each number replaced by `N`, plus the query parameter names; only patterns with a query or with two or more numbers count (ordinary ids such as `/p/N.html` are not capped), and start URLs and sitemap entries never count.",
        why: "Endless calendars, faceted filters and session URLs generate unbounded pages of near-identical content that waste crawl budget.",
        example: "`/calendar/2031/05/` links to `/calendar/2031/06/` and on without end.",
        instead: "Add `rel=\"nofollow\"` or robots.txt rules for the generated URLs, or cap them server-side."),
];

/// The metadata of every audit code; the registry holds them as rules.
pub fn all() -> Vec<Box<dyn Rule>> {
    METAS
        .iter()
        .map(|meta| Box::new(AuditCode { meta: meta.clone() }) as Box<dyn Rule>)
        .collect()
}

/// Whether `code` is one of the audit's own codes (not a page rule).
pub fn is_audit_code(code: &str) -> bool {
    METAS.iter().any(|m| m.code == code)
}

pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    METAS.iter().find(|m| m.code == code)
}

/// Report category of any code: audit codes by their kind, page rules by their pack.
pub fn category_of(code: &str, pack: Option<&str>) -> Category {
    match code {
        NOT_INDEXABLE | CANONICAL_TARGET | HREFLANG_RECIPROCITY => return Category::Seo,
        MISSING_AUTHOR_PAGE | INCONSISTENT_AUTHOR => return Category::Eeat,
        DUPLICATE_CONTENT | NEAR_DUPLICATE_CONTENT => return Category::Content,
        _ => {}
    }
    if code.starts_with("HTTP") || code.starts_with("SITE") {
        return Category::Technical;
    }
    if code.starts_with("LINK") {
        return Category::Links;
    }
    match pack.unwrap_or("") {
        "seo" => Category::Seo,
        "eeat" => Category::Eeat,
        "citations" => Category::Citations,
        "structured-data" => Category::StructuredData,
        "style" => Category::Style,
        _ if code.starts_with("SEO") => Category::Seo,
        _ if code.starts_with("EEAT") => Category::Eeat,
        _ if code.starts_with("CITE") || code.starts_with("FACT") => Category::Citations,
        _ if code.starts_with("SD") => Category::StructuredData,
        _ if code.starts_with("STYLE") => Category::Style,
        _ => Category::Technical,
    }
}

/// An audit code as a rule: metadata only.
struct AuditCode {
    meta: RuleMeta,
}

impl Rule for AuditCode {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    /// Nothing to judge in one document on its own: the crawler reports these codes.
    fn check(&self, _ctx: &RuleContext, _doc: &Document, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_constants_are_registered() {
        let mut codes: Vec<&str> = METAS.iter().map(|m| m.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), METAS.len());
        for code in [
            HTTP_ERROR_STATUS,
            FETCH_FAILED,
            NOT_INDEXABLE,
            BLOCKED_BY_ROBOTS,
            SLOW_RESPONSE,
            HEAVY_PAGE,
            MIXED_CONTENT,
            CANONICAL_TARGET,
            HREFLANG_RECIPROCITY,
            BROKEN_INTERNAL_LINK,
            BROKEN_EXTERNAL_LINK,
            ORPHAN_PAGE,
            DUPLICATE_CONTENT,
            NEAR_DUPLICATE_CONTENT,
            REDIRECT_CHAIN,
            REDIRECT_LOOP,
            MISSING_AUTHOR_PAGE,
            INCONSISTENT_AUTHOR,
            PATTERN_CAP,
        ] {
            assert!(is_audit_code(code), "{code}");
        }
    }

    #[test]
    fn categories() {
        assert_eq!(category_of("LINK001", None), Category::Links);
        assert_eq!(category_of("SITE002", None), Category::Content);
        assert_eq!(category_of("SEO001", Some("seo")), Category::Seo);
        assert_eq!(category_of("HTTP003", None), Category::Seo);
    }
}
