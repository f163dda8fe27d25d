//! End to end: render a realistic audit report, open it in headless Chromium and check what it
//! shows after its script ran: the rendered DOM (`--dump-dom`) and, through chromedriver's W3C
//! WebDriver API, sorting, filtering, pagination and expanding page details.
//!
//! Chromium comes from `PRESSGATE_CHROMIUM` (else `/usr/bin/chromium`), chromedriver from
//! `PRESSGATE_CHROMEDRIVER` (else `/usr/bin/chromedriver`). Without them the tests say so loudly
//! and pass locally; with `CI` set they fail.
//!
//! `PRESSGATE_UPDATE_SCREENSHOT=1` makes `screenshot_of_a_realistic_report` write
//! `docs/audit-report.png`.
use pressgate::audit::html::render;
use pressgate::audit::model::RedirectHop;
use pressgate::audit::score::summarize;
use pressgate::audit::{AuditFinding, AuditReport, Category, PageRecord};
use pressgate::config::Config;
use pressgate::doc::{parse, Format};
use pressgate::finding::{Evidence, Severity};
use pressgate::rules::engine::Engine;
use pressgate::span::LineIndex;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const XSS_TITLE: &str = "</script><script>alert(1);window.pwned=1</script>";
const SITE: &str = "https://flourandfire.example";
/// Plain article pages added after the fixtures, so the table has several pages of rows.
const FILLER_PAGES: usize = 90;

// ---------------------------------------------------------------------------------------------
// A realistic report: real rule findings on real fixture pages, plus crawl-level records.

fn category_of(code: &str) -> Category {
    let prefix: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    match prefix.as_str() {
        "SEO" => Category::Seo,
        "EEAT" => Category::Eeat,
        "CITE" => Category::Citations,
        "SD" => Category::StructuredData,
        "STYLE" => Category::Style,
        "LINK" => Category::Links,
        "DUP" => Category::Content,
        _ => Category::Technical,
    }
}

fn html_page(url: &str, ms: u64, bytes: u64) -> PageRecord {
    PageRecord {
        url: url.to_string(),
        final_url: url.to_string(),
        status: Some(200),
        response_ms: ms,
        bytes,
        content_type: Some("text/html; charset=utf-8".into()),
        indexable: true,
        canonical: Some(url.to_string()),
        in_sitemap: true,
        inlinks: 3,
        outlinks: 12,
        words: 900,
        depth: 1,
        ..PageRecord::default()
    }
}

fn audit_finding(
    code: &str,
    severity: Severity,
    message: &str,
    url: Option<&str>,
    help: Option<&str>,
) -> AuditFinding {
    AuditFinding {
        code: code.to_string().into(),
        severity,
        category: category_of(code),
        message: message.into(),
        url: url.map(Into::into),
        line: None,
        column: None,
        help: help.map(Into::into),
        related: Vec::new(),
        evidence: None,
    }
}

/// The fixture HTML pages the check engine runs on: the three sample sites, a news article and
/// every failing rule fixture.
fn fixture_pages() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = ["sites/blog.html", "sites/docs.html", "sites/forum.html"]
        .iter()
        .map(|p| root.join(p))
        .chain(std::iter::once(root.join("docs/news-article.html")))
        .collect();
    let mut rule_fixtures: Vec<PathBuf> = std::fs::read_dir(root.join("rules"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path().join("fail.html"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    rule_fixtures.sort();
    files.extend(rule_fixtures);
    files
        .into_iter()
        .filter_map(|path| {
            let source = std::fs::read_to_string(&path).ok()?;
            let stem = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let name = path
                .file_stem()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let slug = if name == "fail" {
                format!("guides/{stem}")
            } else {
                format!("{stem}/{name}")
            };
            Some((format!("{SITE}/{slug}/"), source))
        })
        .collect()
}

fn realistic_report() -> AuditReport {
    let sources = fixture_pages();
    let docs: Vec<_> = sources
        .iter()
        .map(|(url, source)| parse(url, source, Format::Html))
        .collect();
    let engine = Engine::from_config(&Config::default()).expect("the default rules load");
    let results = engine.check(&docs);

    let mut pages = Vec::new();
    for (i, ((url, source), findings)) in sources.iter().zip(results).enumerate() {
        let mut page = html_page(url, 120 + (i as u64 * 37) % 700, source.len() as u64);
        page.title = docs[i].title.as_ref().map(|t| t.text.clone());
        page.words = docs[i].word_count() as u32;
        let lines = LineIndex::new(source);
        page.findings = findings
            .into_iter()
            .map(|f| {
                let at = lines.line_col(source, f.span.start);
                AuditFinding {
                    category: category_of(&f.code),
                    url: Some(url.as_str().into()),
                    line: Some(at.line as u32),
                    column: Some(at.column as u32),
                    related: Vec::new(),
                    code: f.code,
                    severity: f.severity,
                    message: f.message.into(),
                    help: f.help.map(Into::into),
                    evidence: f.evidence.map(Box::new),
                }
            })
            .collect();
        pages.push(page);
    }

    // Crawl-level records: the cases a real crawl meets.
    let mut home = html_page(&format!("{SITE}/"), 84, 48_213);
    home.depth = 0;
    home.title = Some("Flour & Fire – baking at altitude".into());
    home.inlinks = 131;
    home.outlinks = 64;
    pages.insert(0, home);

    let mut moved = html_page(&format!("{SITE}/recipes/rye-starter/"), 212, 38_900);
    moved.url = format!("{SITE}/2019/rye-starter");
    moved.redirects = vec![
        RedirectHop {
            url: format!("{SITE}/2019/rye-starter"),
            status: 301,
        },
        RedirectHop {
            url: format!("{SITE}/recipes/rye-starter"),
            status: 308,
        },
    ];
    moved.title = Some("Rye starter, day by day".into());
    moved.findings.push(audit_finding(
        "HTTP003",
        Severity::Warning,
        "2 redirects before the final URL",
        Some(&moved.url),
        Some("Link to the final URL directly; every hop costs a round trip."),
    ));
    pages.push(moved);

    let mut gone = html_page(&format!("{SITE}/shop/gift-card"), 45, 1_204);
    gone.status = Some(404);
    gone.indexable = false;
    gone.noindex_reason = Some("status 404".into());
    gone.canonical = None;
    gone.in_sitemap = true;
    gone.findings.push(audit_finding(
        "HTTP001",
        Severity::Error,
        "HTTP 404 for a URL listed in the sitemap",
        Some(&gone.url),
        Some("Remove the URL from the sitemap or restore the page."),
    ));
    pages.push(gone);

    let mut broken = html_page(&format!("{SITE}/search?q=rye"), 2_950, 310);
    broken.status = Some(503);
    broken.indexable = false;
    broken.noindex_reason = Some("status 503".into());
    broken.findings.push(audit_finding(
        "HTTP002",
        Severity::Error,
        "HTTP 503 Service Unavailable",
        Some(&broken.url),
        None,
    ));
    pages.push(broken);

    let mut failed = html_page(&format!("{SITE}/calendar/2031/01"), 10_000, 0);
    failed.status = None;
    failed.error = Some("timed out after 10 s".into());
    failed.indexable = false;
    failed.findings.push(audit_finding(
        "HTTP004",
        Severity::Error,
        "The request failed: timed out after 10 s",
        Some(&failed.url),
        None,
    ));
    pages.push(failed);

    let mut hidden = html_page(&format!("{SITE}/drafts/winter-menu/"), 150, 22_000);
    hidden.indexable = false;
    hidden.noindex_reason = Some("robots meta noindex".into());
    hidden.title = Some("Winter menu (draft)".into());
    pages.push(hidden);

    let mut pdf = html_page(&format!("{SITE}/files/starter-guide.pdf"), 330, 1_840_000);
    pdf.content_type = Some("application/pdf".into());
    pdf.title = None;
    pages.push(pdf);

    // The page whose title tries to inject a script: it must be shown as text.
    let mut hostile = html_page(&format!("{SITE}/comments/spam"), 99, 7_100);
    hostile.title = Some(XSS_TITLE.into());
    // A hostile canonical must stay text, never become a `javascript:` link.
    hostile.canonical = Some("javascript:window.pwned=2".into());
    let mut f = audit_finding(
        "SEO003",
        Severity::Warning,
        &format!("Title {XSS_TITLE} is 52 characters"),
        Some(&hostile.url),
        None,
    );
    f.line = Some(4);
    f.column = Some(3);
    hostile.findings.push(f);
    pages.push(hostile);

    for i in 0..FILLER_PAGES {
        let mut p = html_page(
            &format!("{SITE}/recipes/loaf-{i:03}/"),
            60 + (i as u64 * 53) % 900,
            20_000 + (i as u64 * 811) % 40_000,
        );
        p.title = Some(format!("Loaf no. {i}: a weeknight bread"));
        if i % 7 == 0 {
            let mut f = audit_finding(
                "EEAT001",
                Severity::Warning,
                "No byline: readers cannot tell who wrote this",
                Some(&p.url),
                Some("Add a visible author name linked to an author page."),
            );
            f.line = Some(31);
            f.column = Some(5);
            p.findings.push(f);
        }
        if i % 11 == 0 {
            let mut f = audit_finding(
                "CITE002",
                Severity::Info,
                "Claim without a citation",
                Some(&p.url),
                None,
            );
            f.line = Some(58);
            f.column = Some(9);
            f.evidence = Some(Box::new(Evidence {
                quote: "Water boils at 94 °C at 1,800 metres.".into(),
                source: format!("{SITE}/recipes/loaf-{i:03}/"),
                span: None,
                score: None,
            }));
            p.findings.push(f);
        }
        pages.push(p);
    }

    let mut site = Vec::new();
    let mut dup = audit_finding(
        "DUP001",
        Severity::Warning,
        "Near-duplicate content (SimHash distance 2)",
        Some(&format!("{SITE}/recipes/loaf-010/")),
        Some("Merge the pages or point one canonical at the other."),
    );
    dup.related = vec![format!("{SITE}/recipes/loaf-011/")];
    site.push(dup);
    for target in [
        "https://old-supplier.example/flour",
        "https://gone.example/",
    ] {
        let mut link = audit_finding(
            "LINK001",
            Severity::Error,
            &format!("Broken link to {target} (HTTP 404)"),
            Some(&format!("{SITE}/recipes/loaf-003/")),
            Some("Update or remove the link."),
        );
        link.related = vec![target.to_string()];
        site.push(link);
    }
    let mut orphan = audit_finding(
        "LINK004",
        Severity::Warning,
        "Orphan page: in the sitemap but linked from nowhere",
        Some(&format!("{SITE}/drafts/winter-menu/")),
        None,
    );
    orphan.related = vec![format!("{SITE}/sitemap.xml")];
    site.push(orphan);
    site.push(audit_finding(
        "EEAT010",
        Severity::Info,
        "Author `Lena Hartmann` appears with two different author URLs",
        None,
        Some("Use one author page per person."),
    ));

    let summary = summarize(&pages, &site);
    AuditReport {
        tool: "pressgate 0.1.0".into(),
        started_at: "2026-11-25T16:40:03Z".into(),
        seconds: 47.8,
        start: vec![format!("{SITE}/sitemap.xml")],
        pages,
        site_findings: site,
        summary,
    }
}

fn write_report(dir: &Path, report: &AuditReport) -> PathBuf {
    let path = dir.join("audit.html");
    std::fs::write(&path, render(report)).expect("write the report");
    path
}

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path)
        .map(String::from)
        .unwrap_or_else(|_| format!("file://{}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Finding Chromium.

fn tool_path(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

/// The binary, or `None` after saying loudly why the test is skipped. In CI a missing binary
/// fails the test.
fn require(env: &str, default: &str, what: &str) -> Option<PathBuf> {
    if let Some(path) = tool_path(env, default) {
        return Some(path);
    }
    let message = format!(
        "{what} not found (set {env} or install Debian's chromium and chromium-driver; \
         scripts/test.sh does)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}");
    }
    eprintln!("\n*** SKIPPED: {message} ***\n");
    None
}

fn chromium() -> Option<PathBuf> {
    require("PRESSGATE_CHROMIUM", "/usr/bin/chromium", "chromium")
}

fn chromedriver() -> Option<PathBuf> {
    require(
        "PRESSGATE_CHROMEDRIVER",
        "/usr/bin/chromedriver",
        "chromedriver",
    )
}

fn headless_args(profile: &Path) -> Vec<String> {
    vec![
        "--headless".into(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--no-first-run".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.display()),
    ]
}

/// Runs Chromium to completion and returns its stdout; a hung browser is killed after two
/// minutes so the suite cannot hang on it.
fn run_chromium(chromium: &Path, args: &[String]) -> String {
    use std::io::Read;
    let mut child = Command::new(chromium)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("chromium stdout");
    let mut stderr = child.stderr.take().expect("chromium stderr");
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    assert!(status.success(), "chromium failed: {err}");
    out
}

// ---------------------------------------------------------------------------------------------
// The rendered DOM.

#[test]
fn rendered_dom_shows_the_report_and_the_hostile_title_as_text() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let report = realistic_report();
    let path = write_report(dir.path(), &report);
    let mut args = headless_args(&dir.path().join("profile"));
    args.push("--dump-dom".into());
    args.push(file_url(&path));
    let dom = run_chromium(&chromium, &args);

    assert!(
        dom.contains("data-ready=\"true\""),
        "the report script did not finish"
    );
    // First page of the table: 50 rows of the report's pages.
    assert_eq!(dom.matches("class=\"page-row\"").count(), 50);
    let total = report.pages.len();
    assert!(
        dom.contains(&format!("Showing 1–50 of {total} pages")),
        "page count line missing"
    );
    // The hostile title is text, escaped in the DOM; no third script element appeared.
    assert!(dom.contains("&lt;/script&gt;&lt;script&gt;alert(1);window.pwned=1&lt;/script&gt;"));
    assert_eq!(dom.matches("<script").count(), 2, "an injected script ran");
    // Scores: one gauge per category, the 404 and 503 shown in the crawl stats.
    assert_eq!(dom.matches("class=\"gauge ").count(), Category::ALL.len());
    // Site findings grouped by code: LINK001 once with two findings.
    assert_eq!(dom.matches("data-code=\"LINK001\"").count(), 1);
    assert!(dom.contains("2 findings"));
    // Rule findings from the real engine made it into the issue list.
    assert!(dom.contains("data-code=\"SEO001\"") || dom.contains("data-code=\"SEO002\""));
}

#[test]
fn an_empty_audit_renders_without_errors() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_report(dir.path(), &AuditReport::default());
    let mut args = headless_args(&dir.path().join("profile"));
    args.push("--dump-dom".into());
    args.push(file_url(&path));
    let dom = run_chromium(&chromium, &args);
    assert!(dom.contains("data-ready=\"true\""));
    assert!(dom.contains("No pages were crawled."));
    assert!(dom.contains("No site-level findings."));
    assert!(dom.contains("Showing 0–0 of 0 pages"));
}

#[test]
fn ten_thousand_pages_load_as_one_paginated_table() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let pages: Vec<PageRecord> = (0..10_000)
        .map(|i| {
            let mut p = html_page(
                &format!("{SITE}/archive/{}/{i}/", 2000 + i % 25),
                40 + (i as u64 * 7919) % 1500,
                10_000 + (i as u64 * 104_729) % 90_000,
            );
            p.title = Some(format!("Archive entry {i}"));
            if i % 3 == 0 {
                let mut f = audit_finding(
                    "SEO004",
                    Severity::Warning,
                    "meta description is 41 characters; use at least 70",
                    Some(&p.url),
                    Some("Write a description of 70 to 160 characters."),
                );
                f.line = Some(6);
                f.column = Some(5);
                p.findings.push(f);
            }
            p
        })
        .collect();
    let summary = summarize(&pages, &[]);
    let report = AuditReport {
        pages,
        summary,
        ..AuditReport::default()
    };
    let path = write_report(dir.path(), &report);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    eprintln!("10,000-page report: {bytes} bytes");
    assert!(bytes < 3_000_000, "{bytes} bytes");

    let mut args = headless_args(&dir.path().join("profile"));
    args.push("--dump-dom".into());
    args.push(file_url(&path));
    let started = Instant::now();
    let dom = run_chromium(&chromium, &args);
    eprintln!(
        "10,000-page report loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(dom.contains("data-ready=\"true\""));
    assert!(dom.contains("Showing 1–50 of 10,000 pages"));
    assert!(dom.contains("Page 1 of 200"));
    assert_eq!(dom.matches("class=\"page-row\"").count(), 50);
    assert!(dom.contains("<dd id=\"fact-pages\">10,000</dd>"));
}

// ---------------------------------------------------------------------------------------------
// Interaction through chromedriver.

/// A chromedriver process and one browser session; both end on drop.
struct Browser {
    driver: Child,
    http: reqwest::blocking::Client,
    base: String,
    session: String,
}

impl Browser {
    fn start(chromium: &Path, driver: &Path, profile: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client");
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            driver: child,
            http,
            base,
            session: String::new(),
        };
        // Generous: the suite runs many tests at once on small CI machines.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = browser
                .http
                .get(format!("{}/status", browser.base))
                .send()
                .ok()
                .and_then(|r| r.text().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut args = headless_args(profile);
        args.push("--window-size=1400,1000".into());
        let created = browser.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium.to_string_lossy(), "args": args}
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value`, panicking on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let value = self.try_call(method, path, body);
        if let Some(error) = value.get("error") {
            panic!("WebDriver {method} {path}: {error} {}", value["message"]);
        }
        value
    }

    fn try_call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.base, path);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string()),
        };
        let text = request
            .send()
            .and_then(|r| r.text())
            .expect("WebDriver request");
        let parsed: Value = serde_json::from_str(&text).expect("WebDriver JSON");
        parsed.get("value").cloned().unwrap_or(Value::Null)
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{}", self.session, rest)
    }

    fn open(&self, url: &str) {
        self.call("POST", &self.session_path("/url"), json!({ "url": url }));
        self.wait_for("return document.documentElement.getAttribute('data-ready') === 'true'");
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.session_path("/execute/sync"),
            json!({"script": script, "args": []}),
        )
    }

    fn wait_for(&self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.script(condition) != Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            &self.session_path("/element"),
            json!({"using": "css selector", "value": css}),
        );
        // The W3C element reference is an object with one (long, fixed) key.
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element for {css}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{id}/click")),
            json!({}),
        );
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &self.session_path(&format!("/element/{id}/clear")),
            json!({}),
        );
        self.call(
            "POST",
            &self.session_path(&format!("/element/{id}/value")),
            json!({ "text": text }),
        );
    }

    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call(
            "GET",
            &self.session_path(&format!("/element/{id}/text")),
            Value::Null,
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    fn row_count(&self) -> usize {
        self.script("return document.querySelectorAll('#pages-body tr.page-row').length")
            .as_u64()
            .unwrap_or(0) as usize
    }

    /// The shown rows' original page indexes, in table order.
    fn row_indexes(&self) -> Vec<usize> {
        let value = self.script(
            "return Array.from(document.querySelectorAll('#pages-body tr.page-row'))\
             .map(function (r) { return Number(r.getAttribute('data-index')); })",
        );
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_u64().map(|n| n as usize))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn screenshot_png(&self) -> Vec<u8> {
        let data = self.call("GET", &self.session_path("/screenshot"), Value::Null);
        base64_decode(data.as_str().unwrap_or_default())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.try_call("DELETE", &self.session_path(""), Value::Null);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the WebDriver screenshot encoding) without a dependency for it.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter_map(value) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn start_browser(dir: &Path) -> Option<Browser> {
    let chromium = chromium()?;
    let driver = chromedriver()?;
    Some(Browser::start(&chromium, &driver, &dir.join("profile")))
}

#[test]
fn page_table_sorts_filters_paginates_and_expands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(browser) = start_browser(dir.path()) else {
        return;
    };
    let report = realistic_report();
    let path = write_report(dir.path(), &report);
    browser.open(&file_url(&path));
    let total = report.pages.len();

    // Opening state: 50 rows, most errors first.
    assert_eq!(browser.row_count(), 50);
    let errors_of = |i: usize| {
        report.pages[i]
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    };
    let first = browser.row_indexes();
    assert!(first.windows(2).all(|w| errors_of(w[0]) >= errors_of(w[1])));

    // Sort by response time: descending, then ascending on the second click.
    browser.click("th button[data-sort='ms']");
    let shown: Vec<u64> = browser
        .row_indexes()
        .iter()
        .map(|&i| report.pages[i].response_ms)
        .collect();
    let mut all: Vec<u64> = report.pages.iter().map(|p| p.response_ms).collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(shown, all[..50].to_vec(), "descending by response time");
    assert_eq!(
        browser.script(
            "return document.querySelector('th button[data-sort=ms]').parentNode.getAttribute('aria-sort')"
        ),
        "descending"
    );
    browser.click("th button[data-sort='ms']");
    let shown: Vec<u64> = browser
        .row_indexes()
        .iter()
        .map(|&i| report.pages[i].response_ms)
        .collect();
    all.reverse();
    assert_eq!(shown, all[..50].to_vec(), "ascending by response time");

    // Pagination.
    browser.click("#pg-next");
    assert_eq!(
        browser.text("#pages-count"),
        format!("Showing 51–100 of {total} pages")
    );

    // Text filter: the hostile title is found and shown as text; no script ran.
    browser.type_into("#f-text", "pwned");
    assert_eq!(browser.row_count(), 1);
    assert_eq!(browser.text("#pages-body .page-title"), XSS_TITLE);
    assert_eq!(browser.script("return window.pwned === undefined"), true);
    let alert = browser.try_call("GET", &browser.session_path("/alert/text"), Value::Null);
    assert_eq!(alert["error"], "no such alert", "an alert is open: {alert}");

    // Expanding the row shows its details: canonical, the finding with code and position.
    browser.click("#pages-body tr.page-row .toggle");
    assert_eq!(
        browser.script(
            "return document.querySelector('#pages-body .toggle').getAttribute('aria-expanded')"
        ),
        "true"
    );
    let details = browser.text("#pages-body tr.detail-row");
    assert!(details.contains("Findings (1)"), "{details}");
    assert!(details.contains("SEO003"), "{details}");
    assert!(details.contains("line 4:3"), "{details}");
    assert!(details.contains(XSS_TITLE), "{details}");
    assert!(
        details.contains("Canonical\njavascript:window.pwned=2"),
        "{details}"
    );
    assert_eq!(
        browser.script("return document.querySelectorAll('a[href^=\"javascript\"]').length"),
        0
    );

    // Status class filter.
    browser.type_into("#f-text", "");
    browser.click("#f-status option[value='4xx']");
    let client_errors = report
        .pages
        .iter()
        .filter(|p| p.status.is_some_and(|s| (400..500).contains(&s)))
        .count();
    assert_eq!(browser.row_count(), client_errors);
    browser.click("#f-status option[value='failed']");
    assert_eq!(browser.row_count(), 1);
    browser.click("#pages-body tr.page-row .toggle");
    let failed = browser.text("#pages-body tr.detail-row");
    assert!(failed.contains("timed out after 10 s"), "{failed}");
    assert!(failed.contains("Status\nno response"), "{failed}");
    assert!(failed.contains("(self)"), "{failed}");
    browser.click("#f-status option[value='']");

    // Category and severity filters match the pages that have such findings.
    browser.click("#f-category option[value='eeat']");
    let with_eeat = report
        .pages
        .iter()
        .filter(|p| p.findings.iter().any(|f| f.category == Category::Eeat))
        .count();
    assert!(with_eeat > 0);
    assert_eq!(
        browser.text("#pages-count"),
        format!(
            "Showing 1–{} of {with_eeat} pages (filtered from {total})",
            with_eeat.min(50)
        )
    );
    browser.click("#f-severity option[value='error']");
    let eeat_and_errors = report
        .pages
        .iter()
        .filter(|p| p.findings.iter().any(|f| f.category == Category::Eeat))
        .filter(|p| p.findings.iter().any(|f| f.severity == Severity::Error))
        .count();
    assert_eq!(browser.row_count(), eeat_and_errors.min(50));
    browser.click("#f-reset");
    browser.wait_for("return document.querySelectorAll('#pages-body tr.page-row').length === 50");

    // A redirected page shows its chain.
    browser.type_into("#f-text", "rye-starter");
    browser.click("#pages-body tr.page-row .toggle");
    assert_eq!(
        browser.script("return document.querySelector('#pages-body .hops').getAttribute('title')"),
        "Reached after 2 redirects"
    );
    let chain = browser.text("#pages-body tr.detail-row");
    assert!(
        chain.contains("301 https://flourandfire.example/2019/rye-starter"),
        "{chain}"
    );
    assert!(
        chain.contains("200 https://flourandfire.example/recipes/rye-starter/"),
        "{chain}"
    );
}

#[test]
fn gauges_issue_list_and_site_findings_drive_the_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(browser) = start_browser(dir.path()) else {
        return;
    };
    let report = realistic_report();
    let path = write_report(dir.path(), &report);
    browser.open(&file_url(&path));

    // A category gauge filters the table to that category and shows as pressed.
    browser.click(".gauge[data-category='citations']");
    let with_citations = report
        .pages
        .iter()
        .filter(|p| p.findings.iter().any(|f| f.category == Category::Citations))
        .count();
    assert_eq!(browser.row_count(), with_citations.min(50));
    assert_eq!(
        browser.script(
            "return document.querySelector('.gauge[data-category=citations]').getAttribute('aria-pressed')"
        ),
        "true"
    );

    // The issue list shows the top ten rules and opens to all of them.
    let visible_rules = "return Array.from(document.querySelectorAll('#rules-body tr'))\
                         .filter(function (r) { return !r.hidden; }).length";
    let rule_count = browser
        .script("return document.querySelectorAll('#rules-body tr').length")
        .as_u64()
        .unwrap_or(0);
    assert!(rule_count > 10, "{rule_count} rules");
    assert_eq!(browser.script(visible_rules), 10);
    browser.click("#rules-more");
    assert_eq!(browser.script(visible_rules), rule_count);

    // A rule in the issue list shows the pages it was found on.
    browser.click("#rules-body tr[data-code='EEAT001'] button");
    let with_rule = report
        .pages
        .iter()
        .filter(|p| p.findings.iter().any(|f| f.code == "EEAT001"))
        .count();
    assert_eq!(browser.row_count(), with_rule.min(50));
    assert_eq!(
        browser.text("#rules-body tr[data-code='EEAT001'] td:nth-child(4)"),
        with_rule.to_string()
    );

    // Site findings: grouped by code, filled on open, with their related URLs.
    browser.click("details[data-code='LINK001'] > summary");
    let group = browser.text("details[data-code='LINK001']");
    assert!(
        group.contains("https://old-supplier.example/flour"),
        "{group}"
    );
    assert!(group.contains("https://gone.example/"), "{group}");
    assert_eq!(
        browser.script(
            "return document.querySelectorAll('details[data-code=LINK001] li.sev-2').length"
        ),
        2
    );

    // Keyboard: the sort buttons are real buttons, Enter sorts.
    let id = browser.find("th button[data-sort='url']");
    browser.call(
        "POST",
        &browser.session_path(&format!("/element/{id}/value")),
        json!({"text": "\u{E007}"}),
    );
    assert_eq!(
        browser.script(
            "return document.querySelector('th button[data-sort=url]').parentNode.getAttribute('aria-sort')"
        ),
        "ascending"
    );
}

#[test]
fn screenshot_of_a_realistic_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(browser) = start_browser(dir.path()) else {
        return;
    };
    let path = write_report(dir.path(), &realistic_report());
    // Tall enough to show the scores, charts, issue list and the start of the page table with
    // one page's details open.
    browser.call(
        "POST",
        &browser.session_path("/window/rect"),
        json!({"width": 1400, "height": 2300}),
    );
    browser.open(&file_url(&path));
    browser.click("#pages-body tr.page-row .toggle");
    browser.script("window.scrollTo(0, 0)");
    let png = browser.screenshot_png();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(png.len() > 20_000, "screenshot suspiciously small");
    if std::env::var_os("PRESSGATE_UPDATE_SCREENSHOT").is_some() {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/audit-report.png");
        std::fs::write(&out, &png).expect("write docs/audit-report.png");
        eprintln!("wrote {}", out.display());
    }
}

// ---------------------------------------------------------------------------------------------
// End to end: the real `pressgate audit` run writes the report that Chromium shows.

#[test]
fn audit_cli_writes_an_html_report_that_chromium_shows() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sites/audit/blog");
    let html = dir.path().join("site-audit.html");
    let json = dir.path().join("site-audit.json");
    let output = Command::new(env!("CARGO_BIN_EXE_pressgate"))
        .arg("audit")
        .arg(&site)
        .args(["--format", "json", "-o"])
        .arg(&json)
        .arg("--html")
        .arg(&html)
        .env("PRESSGATE_HOME", dir.path().join("home"))
        .output()
        .expect("run pressgate audit");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: AuditReport =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json report"))
            .expect("report parses");
    assert!(report.pages.len() > 5, "the fixture site has pages");
    let mut args = headless_args(&dir.path().join("profile"));
    args.push("--dump-dom".into());
    args.push(file_url(&html));
    let dom = run_chromium(&chromium, &args);
    assert!(
        dom.contains("data-ready=\"true\""),
        "the report script did not finish"
    );
    let shown = report.pages.len().min(50);
    assert_eq!(dom.matches("class=\"page-row\"").count(), shown);
    assert!(dom.contains(&format!(
        "Showing 1–{shown} of {} pages",
        report.pages.len()
    )));
    // Every code the audit found is listed in the issues table of the page.
    let mut codes: Vec<&str> = report
        .pages
        .iter()
        .flat_map(|p| p.findings.iter())
        .chain(report.site_findings.iter())
        .map(|f| f.code.as_ref())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    assert!(!codes.is_empty(), "the fixture site has planted defects");
    for code in codes {
        assert!(
            dom.contains(&format!("data-code=\"{code}\"")),
            "{code} not shown in the report"
        );
    }
}
