//! `pressgate sources fetch`: the table, failure rows with reasons, briefs CSV input and the
//! documented exit codes (0 all fetched, 1 some failed, 2 usage error).
mod support;

use assert_cmd::Command;
use predicates::prelude::*;
use support::TestServer;

fn pressgate(home: &tempfile::TempDir) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.env("PRESSGATE_HOME", home.path())
        .current_dir(support::fixtures_dir());
    cmd
}

#[test]
fn all_fetched_exits_0_and_prints_a_table() {
    let server = TestServer::start();
    let home = tempfile::tempdir().expect("temp dir");
    pressgate(&home)
        .args(["sources", "fetch", "--allow-private"])
        .arg(server.url("/sites/news.html"))
        .arg("sites/blog.html")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("URL"))
        .stdout(predicate::str::contains("City council approves 14 km"))
        .stdout(predicate::str::contains("Sourdough at high altitude"))
        .stdout(predicate::str::contains("200"))
        .stdout(predicate::str::contains("file"));
    // The cache lives under the data dir.
    assert!(home.path().join("cache").join("http").is_dir());
}

#[test]
fn failures_are_rows_with_reasons_and_exit_1() {
    let server = TestServer::start();
    let home = tempfile::tempdir().expect("temp dir");
    pressgate(&home)
        .args([
            "sources",
            "fetch",
            "--allow-private",
            "--max-bytes",
            "100000",
            "--timeout",
            "1",
        ])
        .arg(server.url("/simple"))
        .arg(server.url("/missing"))
        .arg(server.url("/blocked/page"))
        .arg(server.url("/binary"))
        .arg(server.url("/huge"))
        .arg(server.url("/slow"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Simple page"))
        .stdout(predicate::str::contains("HTTP 404"))
        .stdout(predicate::str::contains("blocked by robots.txt"))
        .stdout(predicate::str::contains(
            "not HTML or text: application/octet-stream",
        ))
        .stdout(predicate::str::contains("too large"))
        .stdout(predicate::str::contains("timed out"))
        .stderr(predicate::str::contains("5 of 6 sources failed"));
}

#[test]
fn private_address_refused_without_the_flag() {
    let server = TestServer::start();
    let home = tempfile::tempdir().expect("temp dir");
    pressgate(&home)
        .args(["sources", "fetch"])
        .arg(server.url("/simple"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("private address refused"));
}

#[test]
fn briefs_csv_sources_column_and_json() {
    let server = TestServer::start();
    let home = tempfile::tempdir().expect("temp dir");
    let csv = home.path().join("briefs.csv");
    std::fs::write(
        &csv,
        format!(
            "topic,sources\nBikes,\"{};{}\"\n",
            server.url("/sites/news.html"),
            server.url("/sites/forum.html")
        ),
    )
    .expect("write csv");
    let output = pressgate(&home)
        .args([
            "sources",
            "fetch",
            "--allow-private",
            "--no-cache",
            "--json",
        ])
        .arg(&csv)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["error"].is_null()));
    assert!(rows[1]["text_chars"].as_u64().unwrap_or(0) > 500);
    assert!(
        !home.path().join("cache").exists(),
        "--no-cache wrote a cache"
    );
}

#[test]
fn usage_errors_exit_2() {
    let home = tempfile::tempdir().expect("temp dir");
    pressgate(&home).args(["sources", "fetch"]).assert().code(2);
    pressgate(&home)
        .args(["sources", "fetch", "--timeout", "0", "https://example.org/"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timeout"));
    pressgate(&home)
        .args(["sources", "fetch", "missing-briefs.csv"])
        .assert()
        .code(2);
}
