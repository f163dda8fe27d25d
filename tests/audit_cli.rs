//! `pressgate audit` from the command line: bad inputs get a clear message and a bounded run,
//! a local folder is audited with the same page rules as `pressgate check`, the output formats
//! parse, and baselines and `--fail-level` gate like `check`.
mod audit_support;

use assert_cmd::Command;
use audit_support::{SiteServer, TestTls};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const FOLDER: &str = "fixtures/sites/audit/folder";

fn pressgate() -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.timeout(Duration::from_secs(120)).write_stdin("");
    cmd
}

/// `pressgate audit --format json --allow-private --delay-ms 0 ARGS...`: (report, exit code, stderr).
fn audit_json(args: &[&str]) -> (Value, Option<i32>, String) {
    let out = pressgate()
        .args([
            "audit",
            "--format",
            "json",
            "--allow-private",
            "--delay-ms",
            "0",
            "--quiet",
        ])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (report, out.status.code(), stderr)
}

fn page<'a>(report: &'a Value, url: &str) -> &'a Value {
    report["pages"]
        .as_array()
        .and_then(|pages| pages.iter().find(|p| p["url"] == url))
        .unwrap_or_else(|| panic!("no page {url} in {report}"))
}

fn codes(page: &Value) -> BTreeSet<String> {
    page["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_invalid_url_is_a_usage_error() {
    let out = pressgate()
        .args(["audit", "ht!tp://nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a valid URL"), "{stderr}");
    let out = pressgate()
        .args(["audit", "ftp://example.org/"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only http(s) URLs"));
}

#[test]
fn a_non_html_start_page_is_a_clear_error() {
    let server = SiteServer::start("blog", None);
    let (_, code, stderr) = audit_json(&[&server.url("/file.pdf")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("is not an HTML page (application/pdf)"),
        "{stderr}"
    );
}

#[test]
fn a_redirect_loop_start_is_reported_not_followed_forever() {
    let server = SiteServer::start("blog", None);
    let (report, code, stderr) = audit_json(&[&server.url("/loop-a")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(
        codes(page(&report, &server.url("/loop-a"))),
        BTreeSet::from(["SITE004".to_string()])
    );
    assert!(
        stderr.is_empty() || stderr.contains("redirect loop"),
        "{stderr}"
    );
}

#[test]
fn a_20_mb_page_is_refused_and_a_slow_server_times_out() {
    let server = SiteServer::start("blog", None);
    let started = Instant::now();
    let (report, code, _) = audit_json(&[
        &server.url("/huge/"),
        &server.url("/very-slow/"),
        "--timeout",
        "1",
    ]);
    assert_eq!(code, Some(1));
    assert!(started.elapsed() < Duration::from_secs(30));
    let huge = page(&report, &server.url("/huge/"));
    assert_eq!(codes(huge), BTreeSet::from(["HTTP002".to_string()]));
    assert!(
        huge["error"].as_str().unwrap_or("").contains("too large"),
        "{huge}"
    );
    let slow = page(&report, &server.url("/very-slow/"));
    assert_eq!(codes(slow), BTreeSet::from(["HTTP002".to_string()]));
    assert!(
        slow["error"].as_str().unwrap_or("").contains("timed out"),
        "{slow}"
    );
}

/// (file name, code, line) of page-rule findings.
type Keyed = BTreeSet<(String, String, u64)>;

#[test]
fn a_folder_is_audited_with_the_same_page_rules_as_check() {
    let (report, code, stderr) = audit_json(&[FOLDER]);
    assert_eq!(code, Some(1), "{stderr}");
    let file_name = |s: &str| s.rsplit('/').next().unwrap_or(s).to_string();
    let mut audited: Keyed = BTreeSet::new();
    let mut own: BTreeSet<(String, String)> = BTreeSet::new();
    for p in report["pages"].as_array().expect("pages") {
        let url = p["url"].as_str().unwrap_or("");
        for f in p["findings"].as_array().expect("findings") {
            let code = f["code"].as_str().unwrap_or("").to_string();
            if code.starts_with("LINK") || code.starts_with("HTTP") || code.starts_with("SITE") {
                own.insert((file_name(url), code));
            } else {
                audited.insert((file_name(url), code, f["line"].as_u64().unwrap_or(0)));
            }
        }
    }
    let out = pressgate()
        .args(["check", "--format", "json", FOLDER])
        .output()
        .expect("runs");
    let checked: Vec<Value> = serde_json::from_slice(&out.stdout).expect("check json");
    let checked: Keyed = checked
        .iter()
        .map(|f| {
            (
                file_name(f["file"].as_str().unwrap_or("")),
                f["code"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(!checked.is_empty());
    assert_eq!(audited, checked);
    assert_eq!(
        own,
        BTreeSet::from([
            ("index.html".to_string(), "LINK001".to_string()),
            ("lonely.html".to_string(), "LINK003".to_string()),
            ("missing.html".to_string(), "HTTP001".to_string()),
        ])
    );
}

#[test]
fn text_csv_and_sarif_outputs() {
    let out = pressgate()
        .args(["audit", "--quiet", FOLDER])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Audited 4 page(s) (3 HTML)"), "{text}");
    assert!(text.contains("Links"), "{text}");
    assert!(text.contains("LINK001"), "{text}");

    let out = pressgate()
        .args(["audit", "--format", "csv", "--quiet", FOLDER])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[0], "url");
    assert_eq!(&headers[9], "code");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows
        .iter()
        .any(|r| &r[9] == "LINK001" && r[0].ends_with("index.html")));

    let out = pressgate()
        .args(["audit", "--format", "sarif", "--quiet", FOLDER])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let link = results
        .iter()
        .find(|r| r["ruleId"] == "LINK001")
        .expect("LINK001");
    assert_eq!(link["level"], "error");
    assert!(
        link["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .is_some()
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules
        .iter()
        .any(|r| r["id"] == "LINK003" && r["name"] == "orphan-page"));
}

#[test]
fn baseline_and_fail_level_gate_like_check() {
    let dir = tempfile::tempdir().expect("tmp");
    let baseline = dir.path().join("audit-baseline.json");
    let baseline_arg = baseline.to_string_lossy().into_owned();
    let out = pressgate()
        .args([
            "audit",
            "--quiet",
            FOLDER,
            "--write-baseline",
            &baseline_arg,
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let (report, code, _) =
        audit_json(&[FOLDER, "--baseline", &baseline_arg, "--fail-level", "info"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["warnings"], 0);

    // Warnings only fail the run at --fail-level warning.
    let only_orphans = dir.path().join("pressgate.toml");
    std::fs::write(&only_orphans, "[rules]\nselect = [\"LINK003\"]\n").expect("write");
    let config = only_orphans.to_string_lossy().into_owned();
    let (_, code, _) = audit_json(&[FOLDER, "--config", &config]);
    assert_eq!(code, Some(0));
    let (_, code, _) = audit_json(&[FOLDER, "--config", &config, "--fail-level", "warning"]);
    assert_eq!(code, Some(1));
}

/// A folder site whose article cites a local source page; `wrong` changes one number.
fn cited_site(wrong: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("sources")).expect("mkdir");
    std::fs::write(
        root.join("sources/report.html"),
        "<!doctype html><html lang=\"en\"><head><title>City cycling report 2024</title></head>\
         <body><main><h1>City cycling report 2024</h1><p>The city opened 42 kilometres of \
         protected bike lanes in 2023. Cycling injuries fell by 18 percent on those streets \
         in the following year.</p></main></body></html>",
    )
    .expect("write source");
    let km = if wrong { "64" } else { "42" };
    std::fs::write(
        root.join("index.html"),
        format!(
            "<!doctype html><html lang=\"en\"><head><title>Protected bike lanes in our city</title>\
             </head><body><main><h1>Protected bike lanes in our city</h1>\
             <p>The city opened {km} kilometres of protected bike lanes in 2023 [1]. Cycling \
             injuries fell by 18 percent on those streets in the following year [1].</p>\
             <h2>References</h2><ol><li><a href=\"sources/report.html\">City cycling report \
             2024</a></li></ol></main></body></html>"
        ),
    )
    .expect("write article");
    dir
}

fn fact_codes(report: &Value) -> BTreeSet<(String, String)> {
    report["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| {
            let url = p["url"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            p["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(move |f| {
                    let code = f["code"].as_str().unwrap_or("");
                    code.starts_with("FACT")
                        .then(|| (url.clone(), code.to_string()))
                })
        })
        .collect()
}

#[test]
fn verify_citations_fact_checks_pages_against_the_sources_they_cite() {
    let wrong = cited_site(true);
    let folder = wrong.path().to_str().expect("utf8");
    let (report, _, stderr) = audit_json(&[folder, "--verify-citations"]);
    assert!(
        fact_codes(&report).contains(&("index.html".to_string(), "FACT002".to_string())),
        "changed number not found: {stderr}\n{report}"
    );
    let finding = report["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["findings"].as_array().into_iter().flatten())
        .find(|f| f["code"] == "FACT002")
        .expect("FACT002");
    assert_eq!(finding["category"], "citations");
    assert!(finding["message"]
        .as_str()
        .is_some_and(|m| m.contains("42")));

    // Without the flag nothing is fact-checked.
    let (plain, _, _) = audit_json(&[folder]);
    assert!(fact_codes(&plain).is_empty(), "{plain}");

    // A faithful article gets no fact finding.
    let right = cited_site(false);
    let (report, _, stderr) =
        audit_json(&[right.path().to_str().expect("utf8"), "--verify-citations"]);
    assert!(fact_codes(&report).is_empty(), "{stderr}\n{report}");
}

#[test]
fn ca_cert_trusts_a_staging_certificate_and_nothing_else_does() {
    let tls = TestTls::new();
    let server = SiteServer::start_tls("intl", None, &tls);
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("staging-ca.pem");
    std::fs::write(&ca, &tls.ca_pem).expect("write CA");
    let ca = ca.to_string_lossy().into_owned();
    let config = "fixtures/sites/audit/blog/pressgate.toml";

    let (report, code, stderr) = audit_json(&[
        &server.url("/mixed/"),
        "--max-depth",
        "0",
        "--config",
        config,
        "--ca-cert",
        &ca,
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let mixed = page(&report, &server.url("/mixed/"));
    assert_eq!(codes(mixed), BTreeSet::from(["HTTP007".to_string()]));
    assert_eq!(mixed["findings"].as_array().map(Vec::len), Some(3));

    // Without the option the certificate is refused, not silently accepted.
    let (report, _, _) = audit_json(&[
        &server.url("/mixed/"),
        "--max-depth",
        "0",
        "--config",
        config,
    ]);
    let refused = page(&report, &server.url("/mixed/"));
    assert!(
        refused["error"]
            .as_str()
            .unwrap_or("")
            .contains("certificate"),
        "{refused}"
    );

    // A file that holds no certificate is a start error.
    let not_pem = dir.path().join("notes.txt");
    std::fs::write(&not_pem, "not a certificate").expect("write");
    let (_, code, stderr) =
        audit_json(&[&server.url("/"), "--ca-cert", &not_pem.to_string_lossy()]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");
}
