//! `pressgate audit` against a fixture site with known defects, served on loopback: the audit
//! finds exactly the planted defects (codes per URL), respects robots.txt, limits and the rate
//! limit, and stays bounded on an endless calendar. Over HTTPS (a test CA trusted through
//! `extra_root_certs`), hreflang pairs and mixed content are judged the same way.
mod audit_support;

use audit_support::{site_dir, SiteServer, TestTls};
use pressgate::audit::{self, AuditOptions, AuditReport, FrontierLimits, Start};
use pressgate::config::Config;
use pressgate::rules::Engine;
use pressgate::sources::{FetchOptions, Fetcher};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use url::Url;

fn engine() -> Engine {
    engine_of("blog")
}

fn engine_of(site: &str) -> Engine {
    let config = Config::load(&site_dir(site).join("pressgate.toml")).expect("fixture config");
    Engine::from_config(&config).expect("engine")
}

fn fetcher(delay: Duration) -> Fetcher {
    fetcher_trusting(delay, Vec::new())
}

fn fetcher_trusting(delay: Duration, extra_root_certs: Vec<std::path::PathBuf>) -> Fetcher {
    Fetcher::new(FetchOptions {
        allow_private: true,
        cache_dir: None,
        host_delay: delay,
        host_concurrency: 4,
        max_retries: 0,
        timeout: Duration::from_secs(3),
        extra_root_certs,
        ..FetchOptions::default()
    })
    .expect("client")
}

fn options() -> AuditOptions {
    AuditOptions {
        limits: FrontierLimits {
            max_pages: 200,
            max_depth: 10,
            max_per_pattern: 3,
            include: Vec::new(),
            exclude: Vec::new(),
        },
        workers: 4,
        check_external: false,
        slow_ms: 500,
        heavy_bytes: 20_000,
        max_page_bytes: 5 * 1024 * 1024,
        citations: None,
    }
}

fn run(server: &SiteServer, start: &str, options: &AuditOptions, delay: Duration) -> AuditReport {
    let start = Start::Web(vec![Url::parse(&server.url(start)).expect("url")]);
    audit::run(&engine(), &fetcher(delay), &start, options, &|_| {}).expect("audit runs")
}

/// Codes per page path (pages without findings included, with an empty set).
fn codes_by_path(server: &SiteServer, report: &AuditReport) -> BTreeMap<String, BTreeSet<String>> {
    let base = server.url("");
    report
        .pages
        .iter()
        .map(|p| {
            (
                p.url.trim_start_matches(&base).to_string(),
                p.findings.iter().map(|f| f.code.to_string()).collect(),
            )
        })
        .collect()
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// A sitemap may be far larger than any page (the protocol allows 50 MB): the page limit
/// must not refuse it.
#[test]
fn sitemaps_are_read_up_to_the_sitemap_limit_not_the_page_limit() {
    let server = SiteServer::start("blog", None);
    let small_pages = Fetcher::new(FetchOptions {
        allow_private: true,
        cache_dir: None,
        max_retries: 0,
        timeout: Duration::from_secs(3),
        // Below sitemap-pages.xml (316 bytes).
        max_bytes: 200,
        ..FetchOptions::default()
    })
    .expect("client");
    let start = Start::Web(vec![
        Url::parse(&server.url("/sitemap_index.xml")).expect("url")
    ]);
    let report =
        audit::run(&engine(), &small_pages, &start, &options(), &|_| {}).expect("audit runs");
    let guide = report
        .pages
        .iter()
        .find(|p| p.url.ends_with("/guide/"))
        .expect("the sitemap's pages are crawled");
    // The pages themselves are over the page limit.
    assert!(
        guide
            .error
            .as_deref()
            .is_some_and(|e| e.contains("too large")),
        "{guide:?}"
    );
}

#[test]
fn finds_exactly_the_planted_defects() {
    let other = SiteServer::start("blog", None);
    let server = SiteServer::start("blog", Some(other.url("")));
    let report = run(&server, "/sitemap_index.xml", &options(), Duration::ZERO);
    let actual = codes_by_path(&server, &report);

    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("/", set(&["LINK001"])),
        ("/about/", set(&["SITE006"])),
        ("/authors/ana/", set(&[])),
        ("/big/", set(&["HTTP006"])),
        ("/calendar/2031/01/", set(&[])),
        ("/calendar/2031/02/", set(&[])),
        ("/calendar/2031/03/", set(&[])),
        ("/dup-canon/", set(&["HTTP008"])),
        ("/en/", set(&["HTTP009"])),
        ("/fr/", set(&[])),
        ("/gone/", set(&["HTTP001"])),
        ("/guide/", set(&[])),
        ("/header-noindex/", set(&["HTTP003"])),
        ("/loop-a", set(&["SITE004"])),
        ("/missing/", set(&["HTTP001"])),
        ("/news/a.html", set(&["SEO018"])),
        ("/news/b.html", set(&["SEO018", "SITE002", "SITE005"])),
        ("/noindex/", set(&["HTTP003"])),
        ("/old-path", set(&["SITE003"])),
        ("/orphan/", set(&["LINK003"])),
        ("/private/plan.html", set(&["HTTP004"])),
        ("/slow/", set(&["HTTP005"])),
        ("/team/ana/", set(&[])),
        ("/untitled/", set(&["SEO001"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(actual, expected);

    let site: Vec<&str> = report
        .site_findings
        .iter()
        .map(|f| f.code.as_ref())
        .collect();
    assert_eq!(site, vec!["SITE007"], "the calendar trap is reported once");

    // The two broken links on the home page, each with its line.
    let home = report
        .pages
        .iter()
        .find(|p| p.url == server.url("/"))
        .expect("home");
    let broken: Vec<(String, Option<u32>)> = home
        .findings
        .iter()
        .map(|f| (f.related.join(","), f.line))
        .collect();
    assert_eq!(
        broken,
        vec![
            (server.url("/missing/"), Some(16)),
            (server.url("/loop-a"), Some(19)),
        ]
    );
    // robots.txt: the disallowed page was never requested.
    assert!(!server.requested("/private/plan.html"));
    // Fragments and tracking parameters name the same page: never requested on their own.
    assert!(server
        .requests()
        .iter()
        .all(|r| !r.path.contains("utm_source")));
    assert!(report
        .pages
        .iter()
        .all(|p| !p.url.contains('#') && !p.url.contains("utm_")));
    // Scores are filled for every category.
    assert_eq!(report.summary.categories.len(), 8);
    assert!(report.summary.errors > 0);
}

#[test]
fn external_links_are_checked_once_with_head() {
    let other = SiteServer::start("blog", None);
    let server = SiteServer::start("blog", Some(other.url("")));
    let mut options = options();
    options.check_external = true;
    let report = run(&server, "/guide/", &options, Duration::ZERO);
    let guide = report
        .pages
        .iter()
        .find(|p| p.url == server.url("/guide/"))
        .expect("guide");
    let codes: Vec<(&str, String)> = guide
        .findings
        .iter()
        .map(|f| (f.code.as_ref(), f.related.join(",")))
        .collect();
    assert_eq!(codes, vec![("LINK002", other.url("/dead"))]);
    let heads: Vec<String> = other
        .requests()
        .into_iter()
        .filter(|r| r.path != "/robots.txt")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let mut heads_sorted = heads.clone();
    heads_sorted.sort();
    assert_eq!(heads_sorted, vec!["HEAD /authors/ana/", "HEAD /dead"]);
}

#[test]
fn page_limit_and_rate_limit_are_respected() {
    let server = SiteServer::start("blog", None);
    let mut options = options();
    options.limits.max_pages = 4;
    let report = run(&server, "/", &options, Duration::from_millis(150));
    assert_eq!(report.pages.len(), 4);
    let mut starts: Vec<std::time::Instant> = server
        .requests()
        .into_iter()
        .filter(|r| r.path != "/robots.txt")
        .map(|r| r.at)
        .collect();
    starts.sort();
    // Redirect hops are requests too.
    assert!(starts.len() >= 4, "{}", starts.len());
    for pair in starts.windows(2) {
        // The gate spaces request starts to one host by 150 ms (the server logs a little later).
        assert!(
            pair[1].duration_since(pair[0]) >= Duration::from_millis(100),
            "{:?}",
            pair[1].duration_since(pair[0])
        );
    }
}

#[test]
fn an_endless_calendar_stays_bounded() {
    let server = SiteServer::start("blog", None);
    let mut options = options();
    options.limits.max_per_pattern = 10;
    options.limits.max_depth = 1000;
    let report = run(&server, "/calendar/2031/01/", &options, Duration::ZERO);
    // The start page plus the cap of 10 pages found through links.
    assert_eq!(report.pages.len(), 11);
    assert_eq!(report.site_findings.len(), 1);
    assert_eq!(report.site_findings[0].code, "SITE007");
}

#[test]
fn depth_limit_and_exclude_patterns() {
    let server = SiteServer::start("blog", None);
    let mut options = options();
    options.limits.max_depth = 0;
    let report = run(&server, "/", &options, Duration::ZERO);
    assert_eq!(report.pages.len(), 1);

    let mut options = self::options();
    options.limits.exclude = vec![regex::Regex::new("/calendar/|/news/").expect("regex")];
    let report = run(&server, "/", &options, Duration::ZERO);
    assert!(report
        .pages
        .iter()
        .all(|p| !p.url.contains("/calendar/") && !p.url.contains("/news/")));
    assert!(report.pages.len() > 10);
}

/// The `intl` site over HTTPS, trusting the test CA: (server, report).
fn audit_intl_over_https() -> (SiteServer, AuditReport) {
    let tls = TestTls::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &tls.ca_pem).expect("write CA");
    let server = SiteServer::start_tls("intl", None, &tls);
    let start = Start::Web(vec![Url::parse(&server.url("/")).expect("url")]);
    let fetcher = fetcher_trusting(Duration::ZERO, vec![ca]);
    let report = audit::run(&engine(), &fetcher, &start, &options(), &|_| {}).expect("audit runs");
    (server, report)
}

#[test]
fn hreflang_pairs_and_mixed_content_over_https() {
    let (server, report) = audit_intl_over_https();
    assert!(server.url("/").starts_with("https://127.0.0.1:"));
    let actual = codes_by_path(&server, &report);
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("/", set(&[])),
        ("/clean/", set(&[])),
        // The reciprocal pair.
        ("/de/", set(&[])),
        ("/en/", set(&[])),
        // Names /it/, which does not name it back.
        ("/es/", set(&["HTTP009"])),
        ("/it/", set(&[])),
        ("/mixed/", set(&["HTTP007"])),
        // Names /pt-br/, which answers 404.
        ("/pt/", set(&["HTTP009"])),
        ("/pt-br/", set(&["HTTP001"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(actual, expected);
    assert!(
        report.site_findings.is_empty(),
        "{:?}",
        report.site_findings
    );

    let page = |path: &str| {
        report
            .pages
            .iter()
            .find(|p| p.url == server.url(path))
            .unwrap_or_else(|| panic!("no page {path}"))
    };
    // Each insecure sub-resource once, at its line; the HTTPS, relative and
    // protocol-relative ones and the plain-HTTP <a> link are not mixed content.
    let mixed: Vec<(String, Option<u32>)> = page("/mixed/")
        .findings
        .iter()
        .map(|f| (f.related.join(","), f.line))
        .collect();
    assert_eq!(
        mixed,
        vec![
            ("http://cdn.example.test/harbour.css".to_string(), Some(7)),
            ("http://cdn.example.test/gallery.js".to_string(), Some(8)),
            ("http://cdn.example.test/dawn.jpg".to_string(), Some(14)),
        ]
    );
    let hreflang = |path: &str| -> Vec<(String, String)> {
        page(path)
            .findings
            .iter()
            .map(|f| (f.related.join(","), f.message.to_string()))
            .collect()
    };
    let es = hreflang("/es/");
    assert_eq!(es.len(), 1);
    assert_eq!(es[0].0, server.url("/it/"));
    assert!(es[0].1.contains("no hreflang link back"), "{}", es[0].1);
    let pt = hreflang("/pt/");
    assert_eq!(pt.len(), 1);
    assert_eq!(pt[0].0, server.url("/pt-br/"));
    assert!(pt[0].1.contains("HTTP 404"), "{}", pt[0].1);
}

#[test]
fn the_same_pages_over_plain_http_have_no_mixed_content() {
    let server = SiteServer::start("intl", None);
    let report = run(&server, "/", &options(), Duration::ZERO);
    let actual = codes_by_path(&server, &report);
    assert_eq!(actual.get("/mixed/"), Some(&set(&[])));
    assert_eq!(actual.get("/es/"), Some(&set(&["HTTP009"])));
}

#[test]
fn an_untrusted_certificate_is_not_accepted() {
    let tls = TestTls::new();
    let server = SiteServer::start_tls("intl", None, &tls);
    let start = Start::Web(vec![Url::parse(&server.url("/")).expect("url")]);
    let report = audit::run(
        &engine(),
        &fetcher(Duration::ZERO),
        &start,
        &options(),
        &|_| {},
    )
    .expect("audit runs");
    assert_eq!(report.pages.len(), 1);
    let home = &report.pages[0];
    assert_eq!(home.status, None);
    let error = home.error.as_deref().unwrap_or("");
    assert!(error.contains("certificate"), "{error}");
    assert!(
        server.requests().is_empty(),
        "no request got past the handshake"
    );
}

#[test]
fn pages_citing_one_slow_source_together_fetch_it_once() {
    use pressgate::audit::citations::CitationCheck;
    use pressgate::verify::documents::{open_verifier, DocumentVerifier, FetchSettings};
    let sources = SiteServer::start("cited", None);
    let server = SiteServer::start("cited", Some(sources.url("")));
    let open = || open_verifier(pressgate::verify::DEFAULT_MIN_SUPPORT, None).expect("verifier");
    let verifier = DocumentVerifier::with_pool(
        open(),
        (1..4).map(|_| open()).collect(),
        FetchSettings {
            allow_private: true,
            no_cache: true,
        },
    );
    let check = std::sync::Arc::new(CitationCheck::new(verifier, std::env::temp_dir()));
    let mut options = options();
    options.citations = Some(check.clone());
    let start = Start::Web(vec![Url::parse(&server.url("/")).expect("url")]);
    let report = audit::run(
        &engine_of("cited"),
        &fetcher(Duration::ZERO),
        &start,
        &options,
        &|_| {},
    )
    .expect("audit runs");

    let facts: BTreeMap<String, BTreeSet<String>> = codes_by_path(&server, &report)
        .into_iter()
        .map(|(path, codes)| {
            let facts = codes
                .into_iter()
                .filter(|c| c.starts_with("FACT"))
                .collect();
            (path, facts)
        })
        .collect();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("/", set(&[])),
        ("/articles/1.html", set(&[])),
        ("/articles/2.html", set(&[])),
        ("/articles/3.html", set(&["FACT002"])),
        ("/articles/4.html", set(&[])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(facts, expected);
    // Four pages cite the slow source; the crawl workers asked for it together, and it was
    // requested once.
    let study: Vec<String> = sources
        .requests()
        .into_iter()
        .filter(|r| r.path != "/robots.txt")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(study, vec!["GET /study/"]);
    assert_eq!(check.distinct_sources(), 1);
}

#[test]
fn citations_on_an_https_staging_server_are_fetched_with_the_extra_root() {
    use pressgate::audit::citations::CitationCheck;
    use pressgate::verify::documents::{open_verifier, DocumentVerifier, FetchSettings};
    let tls = TestTls::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &tls.ca_pem).expect("write CA");
    let sources = SiteServer::start_tls("cited", None, &tls);
    let server = SiteServer::start_tls("cited", Some(sources.url("")), &tls);
    let verifier = DocumentVerifier::new(
        open_verifier(pressgate::verify::DEFAULT_MIN_SUPPORT, None).expect("verifier"),
        FetchSettings {
            allow_private: true,
            no_cache: true,
        },
    )
    .with_extra_root_certs(vec![ca.clone()]);
    let mut options = options();
    options.citations = Some(std::sync::Arc::new(CitationCheck::new(
        verifier,
        std::env::temp_dir(),
    )));
    let start = Start::Web(vec![Url::parse(&server.url("/")).expect("url")]);
    let report = audit::run(
        &engine_of("cited"),
        &fetcher_trusting(Duration::ZERO, vec![ca]),
        &start,
        &options,
        &|_| {},
    )
    .expect("audit runs");
    let facts: Vec<(String, String)> = report
        .pages
        .iter()
        .flat_map(|p| {
            p.findings
                .iter()
                .filter(|f| f.code.starts_with("FACT"))
                .map(|f| {
                    (
                        p.url.trim_start_matches(&server.url("")).to_string(),
                        f.code.to_string(),
                    )
                })
        })
        .collect();
    // The source was read (no FACT008 "could not be read"), and the wrong number found.
    assert_eq!(
        facts,
        vec![("/articles/3.html".to_string(), "FACT002".to_string())]
    );
    assert!(sources.requested("/study/"));
}
