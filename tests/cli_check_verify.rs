//! `pressgate check --verify` end to end: FACT findings from sources on a loopback HTTP server
//! join the other rules' findings in text and JSON output, exit codes, baselines and inline
//! suppressions; each source is fetched once per run; without `--verify` nothing is fetched.
mod verify_support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use verify_support::{hits_for, serve, Hits};

fn total_hits(hits: &Hits) -> usize {
    hits.lock().expect("hits lock").values().sum()
}

/// An article the other rules only warn about, so FACT findings decide the exit code.
fn article(claim: &str, base: &str) -> String {
    format!(
        "---\ntitle: Household recycling in the city, 2019 to 2021\ndescription: How much household waste the council recycled, and how landfill use changed over two years.\nauthor: Jane Doe\ndate: 2022-03-01\n---\n\n# Household recycling in the city\n\n{claim} [1].\n\n## References\n\n1. [Waste report 2022]({base}/city.md)\n"
    )
}

const WRONG: &str = "The council recycled 43% of household waste in 2021";
const RIGHT: &str = "The council recycled 34% of household waste in 2021";

fn pressgate(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// `check --verify` with the loopback flags, plus `extra`; returns exit code, stdout, stderr.
fn check_verify(dir: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = pressgate(dir)
        .args(["check", "--verify", "--allow-private", "--no-cache"])
        .args(extra)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_codes(stdout: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(stdout).expect("JSON output");
    value
        .as_array()
        .expect("array of findings")
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write article");
}

#[test]
fn a_changed_number_is_a_fact_finding_in_text_and_json_and_fails() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));

    let (code, stdout, stderr) = check_verify(dir.path(), &["a.md"]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("FACT002"), "{stdout}");
    assert!(stdout.contains("a.md"), "{stdout}");

    let (code, stdout, stderr) = check_verify(dir.path(), &["--format", "json", "a.md"]);
    assert_eq!(code, Some(1), "{stderr}");
    let codes = json_codes(&stdout);
    assert!(codes.contains(&"FACT002".to_owned()), "{codes:?}");
    pressgate(dir.path())
        .args(["check", "a.md"])
        .assert()
        .code(0);
}

#[test]
fn a_correct_article_passes() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(RIGHT, &base));
    let (code, stdout, stderr) = check_verify(dir.path(), &["--format", "json", "a.md"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let codes = json_codes(&stdout);
    assert!(!codes.iter().any(|c| c.starts_with("FACT")), "{codes:?}");
}

#[test]
fn a_baseline_hides_a_recorded_fact_finding() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));
    let (code, _, stderr) =
        check_verify(dir.path(), &["--write-baseline", "baseline.json", "a.md"]);
    assert_eq!(code, Some(0), "{stderr}");
    let recorded = std::fs::read_to_string(dir.path().join("baseline.json")).expect("baseline");
    assert!(recorded.contains("FACT002"), "{recorded}");

    let (code, stdout, stderr) = check_verify(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "json", "a.md"],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(!json_codes(&stdout).contains(&"FACT002".to_owned()));
}

#[test]
fn an_inline_suppression_hides_the_fact_finding() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    let claim = format!("<!-- pressgate-disable-next-line FACT002 -->\n{WRONG}");
    write(dir.path(), "a.md", &article(&claim, &base));
    let (code, stdout, stderr) = check_verify(dir.path(), &["--format", "json", "a.md"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(!json_codes(&stdout).contains(&"FACT002".to_owned()));
}

#[test]
fn without_verify_nothing_is_fetched_and_no_fact_finding_appears() {
    let (base, hits) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));
    write(
        dir.path(),
        "bare.md",
        "# Facts\n\nSales rose 12% in 2023.\n",
    );
    let out = pressgate(dir.path())
        .args(["check", "--format", "json", "a.md", "bare.md"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !json_codes(&stdout).iter().any(|c| c.starts_with("FACT")),
        "{stdout}"
    );
    assert_eq!(
        total_hits(&hits),
        0,
        "check without --verify fetched sources"
    );
}

#[test]
fn a_source_cited_by_several_documents_is_fetched_once_and_unsourced_documents_are_reported() {
    let (base, hits) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));
    write(dir.path(), "b.md", &article(RIGHT, &base));
    write(dir.path(), "c.md", &article(RIGHT, &base));
    write(
        dir.path(),
        "bare.md",
        "# Facts\n\nSales rose 12% in 2023.\n",
    );
    let (code, stdout, stderr) = check_verify(dir.path(), &["--format", "json", "."]);
    assert_eq!(code, Some(1), "{stderr}");
    let findings: Value = serde_json::from_str(&stdout).expect("JSON output");
    let fact_files: Vec<(String, String)> = findings
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["code"].as_str().is_some_and(|c| c.starts_with("FACT")))
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        fact_files.contains(&("a.md".into(), "FACT002".into())),
        "{fact_files:?}"
    );
    assert!(
        fact_files.contains(&("bare.md".into(), "FACT009".into())),
        "{fact_files:?}"
    );
    assert!(
        !fact_files.iter().any(|(p, _)| p == "b.md" || p == "c.md"),
        "{fact_files:?}"
    );
    assert_eq!(hits_for(&hits, "/city.md"), 1, "{stderr}");
}

#[test]
fn verification_flags_need_verify() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", "# Title\n\nText.\n");
    pressgate(dir.path())
        .args(["check", "--allow-private", "a.md"])
        .assert()
        .code(2);
}

#[test]
fn ignoring_every_fact_code_fetches_nothing() {
    let (base, hits) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));
    let (code, stdout, stderr) = check_verify(
        dir.path(),
        &["--ignore", "facts", "--format", "json", "a.md"],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(!json_codes(&stdout).iter().any(|c| c.starts_with("FACT")));
    assert_eq!(total_hits(&hits), 0);
}

#[test]
fn fixed_documents_are_verified_too() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.md", &article(WRONG, &base));
    let (code, stdout, stderr) = check_verify(dir.path(), &["--fix", "--format", "json", "a.md"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        json_codes(&stdout).contains(&"FACT002".to_owned()),
        "{stdout}"
    );
}
