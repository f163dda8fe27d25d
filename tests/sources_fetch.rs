//! Fetching against a real HTTP server on 127.0.0.1: redirects, errors, retries, timeouts,
//! size and type limits, robots.txt, injection flags, gzip, cache revalidation, address safety.
mod support;

use pressgate::sources::{self, FetchOptions, Fetcher, Origin};
use std::time::{Duration, Instant};
use support::{fixtures_dir, RobotsBehaviour, TestServer, HUGE_BYTES, ROBOTS_ETAG};

fn options(cache: &tempfile::TempDir) -> FetchOptions {
    FetchOptions {
        allow_private: true,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(2),
        max_bytes: 1024 * 1024,
        cache_dir: Some(cache.path().join("http")),
        host_delay: Duration::ZERO,
        retry_base: Duration::from_millis(50),
        max_retry_wait: Duration::from_secs(2),
        project_root: fixtures_dir(),
        ..FetchOptions::default()
    }
}

fn fetcher(cache: &tempfile::TempDir) -> Fetcher {
    Fetcher::new(options(cache)).expect("client")
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn fetches_a_page_and_extracts_it() {
    let server = TestServer::start();
    let cache = temp();
    let source = sources::load(&fetcher(&cache), &server.url("/sites/news.html")).expect("fetch");
    assert_eq!(source.fetched.status, 200);
    assert_eq!(source.fetched.origin, Origin::Network);
    assert!(source
        .extracted
        .text
        .contains("14 kilometres of protected bike lanes"));
    assert_eq!(
        source.extracted.meta.site_name.as_deref(),
        Some("Riverton Herald")
    );
    let request = &server.requests_to("/sites/news.html")[0];
    let agent = request
        .headers
        .get("user-agent")
        .cloned()
        .unwrap_or_default();
    assert!(agent.starts_with("pressgate/"), "{agent}");
}

#[test]
fn follows_redirects_and_reports_the_chain() {
    let server = TestServer::start();
    let cache = temp();
    let fetched = fetcher(&cache)
        .fetch(&server.url("/redirect/3"))
        .expect("fetch");
    assert!(fetched.url.ends_with("/sites/news.html"), "{}", fetched.url);
    assert_eq!(fetched.redirects.len(), 4);
}

#[test]
fn redirect_loop_is_a_clear_error() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/loop/a"))
        .expect_err("loop");
    assert_eq!(err.code(), "redirect-loop");
    assert!(err.to_string().contains("/loop/a"), "{err}");
}

#[test]
fn too_many_redirects_is_refused() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/redirect/9"))
        .expect_err("too many");
    assert_eq!(err.code(), "too-many-redirects");
}

#[test]
fn missing_page_is_http_404() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/missing"))
        .expect_err("404");
    assert_eq!(err.to_string(), "HTTP 404");
}

#[test]
fn retries_429_after_retry_after_seconds() {
    let server = TestServer::start();
    let cache = temp();
    let started = Instant::now();
    let fetched = fetcher(&cache)
        .fetch(&server.url("/flaky"))
        .expect("second try works");
    assert_eq!(fetched.attempts, 2);
    assert_eq!(server.requests_to("/flaky").len(), 2);
    // The server asked for one second; the base backoff alone would be 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn retries_503_after_retry_after_date() {
    let server = TestServer::start();
    let cache = temp();
    let fetched = fetcher(&cache)
        .fetch(&server.url("/flaky-date"))
        .expect("second try works");
    assert_eq!(fetched.attempts, 2);
}

#[test]
fn gives_up_after_max_retries() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/always-503"))
        .expect_err("down");
    assert_eq!(err.to_string(), "HTTP 503");
    // One request and two retries.
    assert_eq!(server.requests_to("/always-503").len(), 3);
}

#[test]
fn slow_response_times_out() {
    let server = TestServer::start();
    let cache = temp();
    let mut opts = options(&cache);
    opts.timeout = Duration::from_millis(500);
    let started = Instant::now();
    let err = Fetcher::new(opts)
        .expect("client")
        .fetch(&server.url("/slow"))
        .expect_err("timeout");
    assert_eq!(err.code(), "timeout", "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn huge_body_with_length_is_refused_before_reading() {
    let server = TestServer::start();
    let cache = temp();
    let started = Instant::now();
    let err = fetcher(&cache)
        .fetch(&server.url("/huge"))
        .expect_err("too large");
    assert_eq!(err.code(), "too-large");
    assert!(started.elapsed() < Duration::from_secs(3));
    // Give the server a moment to notice the closed connection.
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.huge_bytes_written() < HUGE_BYTES);
}

#[test]
fn huge_streamed_body_is_cut_at_the_limit() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/huge-chunked"))
        .expect_err("too large");
    assert_eq!(err.code(), "too-large");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        server.huge_bytes_written() < HUGE_BYTES,
        "server wrote {} bytes",
        server.huge_bytes_written()
    );
}

#[test]
fn binary_content_is_refused() {
    let server = TestServer::start();
    let cache = temp();
    let f = fetcher(&cache);
    let err = f.fetch(&server.url("/binary")).expect_err("binary");
    assert_eq!(err.code(), "not-text");
    assert!(err.to_string().contains("application/octet-stream"));
    let err = f
        .fetch(&server.url("/disguised-binary"))
        .expect_err("sniffed");
    assert_eq!(err.code(), "not-text");
}

#[test]
fn robots_txt_disallow_is_honoured_and_cached() {
    let server = TestServer::start();
    let cache = temp();
    let f = fetcher(&cache);
    let err = f.fetch(&server.url("/blocked/page")).expect_err("robots");
    assert_eq!(err.code(), "robots");
    assert!(server.requests_to("/blocked/page").is_empty());
    f.fetch(&server.url("/blocked/ok"))
        .expect("allowed by the longer Allow rule");
    f.fetch(&server.url("/simple")).expect("allowed");
    assert_eq!(server.requests_to("/robots.txt").len(), 1);
}

#[test]
fn prompt_injection_line_is_flagged() {
    let server = TestServer::start();
    let cache = temp();
    let source =
        sources::load(&fetcher(&cache), &server.url("/sites/injection.html")).expect("fetch");
    let flags = &source.extracted.injection_flags;
    assert_eq!(flags.len(), 1, "{flags:?}");
    let line = &source.extracted.text[flags[0].span.start..flags[0].span.end];
    assert!(line.starts_with("Ignore all previous instructions"));
    let fenced = sources::fence_for_prompt(&source.extracted.text);
    assert!(fenced.contains("[FLAGGED"));
}

#[test]
fn gzip_response_is_decoded() {
    let server = TestServer::start();
    let cache = temp();
    let source = sources::load(&fetcher(&cache), &server.url("/gzip")).expect("fetch");
    assert!(source.extracted.text.contains("Harbour Avenue"));
    let request = &server.requests_to("/gzip")[0];
    assert!(request
        .headers
        .get("accept-encoding")
        .is_some_and(|v| v.contains("gzip")));
}

#[test]
fn etag_revalidation_reuses_the_cached_body() {
    let server = TestServer::start();
    let cache = temp();
    let first = fetcher(&cache).fetch(&server.url("/etag")).expect("first");
    assert_eq!(first.origin, Origin::Network);
    // A new run (new fetcher) with the same cache folder.
    let second = fetcher(&cache).fetch(&server.url("/etag")).expect("second");
    assert_eq!(second.origin, Origin::Revalidated);
    assert_eq!(second.body, first.body);
    let requests = server.requests_to("/etag");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].headers.get("if-none-match"), None);
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
}

#[test]
fn last_modified_revalidation_and_no_cache() {
    let server = TestServer::start();
    let cache = temp();
    fetcher(&cache)
        .fetch(&server.url("/last-modified"))
        .expect("first");
    let second = fetcher(&cache)
        .fetch(&server.url("/last-modified"))
        .expect("second");
    assert_eq!(second.origin, Origin::Revalidated);
    assert!(server.requests_to("/last-modified")[1]
        .headers
        .contains_key("if-modified-since"));
    let mut no_cache = options(&cache);
    no_cache.cache_dir = None;
    let third = Fetcher::new(no_cache)
        .expect("client")
        .fetch(&server.url("/last-modified"))
        .expect("third");
    assert_eq!(third.origin, Origin::Network);
}

#[test]
fn private_addresses_are_refused_without_allow_private() {
    let server = TestServer::start();
    let cache = temp();
    let mut opts = options(&cache);
    opts.allow_private = false;
    let f = Fetcher::new(opts).expect("client");
    let err = f
        .fetch(&server.url("/simple"))
        .expect_err("literal loopback");
    assert_eq!(err.code(), "private-address");
    // A host name that resolves to loopback is refused by the resolver.
    let by_name = format!("http://localhost:{}/simple", server.addr.port());
    let err = f.fetch(&by_name).expect_err("resolved loopback");
    assert_eq!(err.code(), "private-address", "{err}");
    assert!(err.to_string().contains("--allow-private"));
    assert!(server.requests_to("/simple").is_empty());
}

#[test]
fn dead_host_is_a_connection_error() {
    // Bind and drop a listener to get a port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&format!("http://127.0.0.1:{port}/"))
        .expect_err("dead");
    assert_eq!(err.code(), "connect", "{err}");
}

#[test]
fn local_files_in_the_project_are_read() {
    let cache = temp();
    let f = fetcher(&cache);
    let path = fixtures_dir().join("sites").join("docs.html");
    let source = sources::load(&f, &path.display().to_string()).expect("local file");
    assert_eq!(source.fetched.origin, Origin::File);
    assert!(source.extracted.text.contains("Configuring retries"));
    let url = format!("file://{}", path.display());
    assert!(f.fetch(&url).is_ok());
    let err = f.fetch("/etc/passwd.txt").expect_err("outside the project");
    assert_eq!(err.code(), "file");
}

#[test]
fn fetch_all_keeps_input_order_and_spaces_requests_per_host() {
    let server = TestServer::start();
    let cache = temp();
    let mut opts = options(&cache);
    opts.host_delay = Duration::from_millis(150);
    opts.respect_robots = false;
    let f = Fetcher::new(opts).expect("client");
    let inputs = vec![
        server.url("/simple"),
        server.url("/missing"),
        server.url("/sites/blog.html"),
    ];
    let results = f.fetch_all(&inputs, 3, &|_, _| {});
    assert!(results[0].is_ok());
    assert!(results[1].is_err());
    assert!(results[2].is_ok());
    let mut times: Vec<Instant> = ["/simple", "/missing", "/sites/blog.html"]
        .iter()
        .flat_map(|p| server.requests_to(p))
        .map(|r| r.at)
        .collect();
    times.sort();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(120),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn redirect_to_another_scheme_is_refused() {
    let server = TestServer::start();
    let cache = temp();
    let err = fetcher(&cache)
        .fetch(&server.url("/to-file"))
        .expect_err("file redirect");
    assert_eq!(err.code(), "unsupported-scheme", "{err}");
}

#[test]
fn missing_robots_allows_and_failing_robots_disallows() {
    let cache = temp();
    let no_robots = TestServer::start_with_robots_status(404);
    fetcher(&cache)
        .fetch(&no_robots.url("/blocked/page"))
        .expect("no robots.txt: everything allowed");
    let broken_robots = TestServer::start_with_robots_status(503);
    let err = fetcher(&cache)
        .fetch(&broken_robots.url("/simple"))
        .expect_err("robots.txt unreachable: complete disallow");
    assert_eq!(err.code(), "robots");
}

#[test]
fn host_without_scheme_gets_a_hint() {
    let cache = temp();
    let err = fetcher(&cache)
        .fetch("example.org/page")
        .expect_err("no scheme");
    assert_eq!(err.code(), "invalid-input");
    assert!(err.to_string().contains("https://"), "{err}");
}

#[test]
fn declared_charset_is_decoded() {
    let server = TestServer::start();
    let cache = temp();
    let source = sources::load(&fetcher(&cache), &server.url("/latin1")).expect("fetch");
    assert!(
        source
            .extracted
            .text
            .contains("Le café de la gare ouvre à six heures, même"),
        "{}",
        source.extracted.text
    );
}

fn site_urls(server: &TestServer) -> Vec<String> {
    [
        "/sites/news.html",
        "/sites/blog.html",
        "/sites/docs.html",
        "/sites/forum.html",
        "/simple",
        "/blocked/ok",
        "/etag",
        "/last-modified",
    ]
    .iter()
    .map(|path| server.url(path))
    .collect()
}

#[test]
fn robots_txt_is_fetched_once_when_workers_reach_a_new_host_together() {
    // A slow robots.txt makes every worker want it while the first request is in flight.
    let server = TestServer::start_with_robots(RobotsBehaviour {
        status: 200,
        delay: Duration::from_millis(300),
        cache_control: None,
    });
    let cache = temp();
    let mut opts = options(&cache);
    opts.host_concurrency = 8;
    let f = Fetcher::new(opts).expect("client");
    let urls = site_urls(&server);
    let results = f.fetch_all(&urls, urls.len(), &|_, _| {});
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.requests_to("/robots.txt").len(), 1);
}

#[test]
fn warm_rerun_sends_only_conditional_requests_robots_included() {
    let server = TestServer::start();
    let cache = temp();
    let urls = vec![server.url("/etag"), server.url("/last-modified")];
    let cold = fetcher(&cache).fetch_all(&urls, 2, &|_, _| {});
    assert!(cold
        .iter()
        .all(|r| r.as_ref().is_ok_and(|f| f.origin == Origin::Network)));
    let cold_requests = server.all_requests().len();
    assert_eq!(cold_requests, 3, "robots.txt and two pages");

    // A new run (new fetcher) with the same cache folder.
    let warm = fetcher(&cache).fetch_all(&urls, 2, &|_, _| {});
    assert!(warm
        .iter()
        .all(|r| r.as_ref().is_ok_and(|f| f.origin == Origin::Revalidated)));
    let rerun = &server.all_requests()[cold_requests..];
    assert_eq!(rerun.len(), 3, "{rerun:?}");
    for request in rerun {
        assert!(
            request.headers.contains_key("if-none-match")
                || request.headers.contains_key("if-modified-since"),
            "unconditional request on the warm run: {request:?}"
        );
    }
    let robots = server.requests_to("/robots.txt");
    assert_eq!(robots.len(), 2);
    assert_eq!(
        robots[1].headers.get("if-none-match").map(String::as_str),
        Some(ROBOTS_ETAG)
    );
    // The rules still come from the revalidated copy.
    let err = fetcher(&cache)
        .fetch(&server.url("/blocked/page"))
        .expect_err("robots");
    assert_eq!(err.code(), "robots");
}

#[test]
fn fresh_robots_txt_is_reused_without_a_request() {
    let server = TestServer::start_with_robots(RobotsBehaviour {
        status: 200,
        delay: Duration::ZERO,
        cache_control: Some("max-age=3600".into()),
    });
    let cache = temp();
    fetcher(&cache)
        .fetch(&server.url("/simple"))
        .expect("first");
    let err = fetcher(&cache)
        .fetch(&server.url("/blocked/page"))
        .expect_err("rules from the cached copy");
    assert_eq!(err.code(), "robots");
    assert_eq!(server.requests_to("/robots.txt").len(), 1);
    assert!(server.requests_to("/blocked/page").is_empty());
}

#[test]
fn missing_robots_is_remembered_but_an_unreachable_one_is_not() {
    let missing = TestServer::start_with_robots_status(404);
    let cache = temp();
    for _ in 0..2 {
        fetcher(&cache)
            .fetch(&missing.url("/blocked/page"))
            .expect("no robots.txt: allowed");
    }
    assert_eq!(missing.requests_to("/robots.txt").len(), 1);

    let broken = TestServer::start_with_robots_status(503);
    for _ in 0..2 {
        let err = fetcher(&cache)
            .fetch(&broken.url("/simple"))
            .expect_err("unreachable robots.txt: disallowed");
        assert_eq!(err.code(), "robots");
    }
    assert_eq!(broken.requests_to("/robots.txt").len(), 2);
}
