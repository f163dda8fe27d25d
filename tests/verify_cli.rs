//! `pressgate verify` end to end: sources over a loopback HTTP server and from local files,
//! unreachable sources, no sources, configuration, suppressions, baselines, output formats,
//! exit codes, and a 100k-word article in bounded time.
mod verify_support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use verify_support::sources_dir;

fn pressgate(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

fn json(output: &[u8]) -> Vec<Value> {
    if output.iter().all(u8::is_ascii_whitespace) {
        return Vec::new();
    }
    serde_json::from_slice::<Value>(output)
        .expect("JSON output")
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

const ARTICLE: &str = "# Recycling\n\nThe council recycled 43% of household waste in 2021 [1].\n\nLandfill use fell by 12,000 tonnes [1].\n\nThe walking trial enrolled 240 patients [2].\n\n## References\n\n1. {BASE}/city.md\n2. {BASE}/gone.md\n";

#[test]
fn verifies_against_loopback_sources_and_reports_unreachable_ones() {
    let (base, _) = verify_support::serve();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.md"), ARTICLE.replace("{BASE}", &base)).expect("write");
    let claims = dir.path().join("claims.json");
    let out = pressgate(dir.path())
        .args([
            "verify",
            "a.md",
            "--allow-private",
            "--no-cache",
            "--format",
            "json",
        ])
        .arg("--claims-out")
        .arg(&claims)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = codes(&json(&out.stdout));
    assert!(found.contains(&"FACT002".to_owned()), "{found:?}");
    assert!(found.contains(&"FACT008".to_owned()), "{found:?}");
    let verdicts: Value =
        serde_json::from_str(&std::fs::read_to_string(&claims).expect("claims file"))
            .expect("json");
    let verdicts: Vec<&str> = verdicts
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["verdict"].as_str())
        .collect();
    assert_eq!(verdicts, vec!["contradicted", "supported", "unsupported"]);
}

#[test]
fn explicit_sources_replace_the_references_and_clean_articles_exit_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.md"),
        "# Recycling\n\nThe council recycled 34 percent of household waste in 2021 [1].\n\n## References\n\n1. https://unreachable.invalid/page\n",
    )
    .expect("write");
    let source = sources_dir().join("city.md");
    pressgate(dir.path())
        .args(["verify", "a.md", "--no-cache", "--source"])
        .arg(&source)
        .assert()
        .code(0);
}

#[test]
fn article_without_sources_is_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.md"),
        "# Facts\n\nSales rose 12% in 2023.\n",
    )
    .expect("write");
    let out = pressgate(dir.path())
        .args(["verify", "a.md", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&json(&out.stdout)), vec!["FACT009"]);
}

#[test]
fn configuration_suppressions_and_baselines_apply_to_fact_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = sources_dir().join("city.md");
    let source = source.to_string_lossy();
    let article = "# Recycling\n\nThe council recycled 43% of household waste in 2021 [1].\n";
    std::fs::write(dir.path().join("a.md"), article).expect("write");
    let run = |extra: &[&str]| {
        let out = pressgate(dir.path())
            .args([
                "verify",
                "a.md",
                "--no-cache",
                "--format",
                "json",
                "--source",
                &source,
            ])
            .args(extra)
            .output()
            .expect("runs");
        (out.status.code(), json(&out.stdout))
    };
    let (code, findings) = run(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(findings[0]["severity"], "error");

    std::fs::write(
        dir.path().join("pressgate.toml"),
        "[rules.FACT002]\nseverity = \"warning\"\n",
    )
    .expect("write config");
    let (code, findings) = run(&[]);
    assert_eq!(
        code,
        Some(0),
        "a warning does not fail at --fail-level error"
    );
    assert_eq!(findings[0]["severity"], "warning");
    let (code, _) = run(&["--fail-level", "warning"]);
    assert_eq!(code, Some(1));
    std::fs::remove_file(dir.path().join("pressgate.toml")).expect("remove config");

    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_string_lossy();
    let (code, _) = run(&["--write-baseline", &baseline]);
    assert_eq!(code, Some(0));
    let (code, findings) = run(&["--baseline", &baseline]);
    assert_eq!((code, findings.len()), (Some(0), 0));

    std::fs::write(
        dir.path().join("a.md"),
        article.replace(
            "The council",
            "<!-- pressgate-disable-line FACT002 --> The council",
        ),
    )
    .expect("write");
    let (code, findings) = run(&[]);
    assert_eq!(code, Some(0), "{findings:?}");
    assert!(findings.is_empty());
}

#[test]
fn sarif_output_describes_fact_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.md"),
        "# Recycling\n\nLandfill use rose by 12,000 tonnes [1].\n",
    )
    .expect("write");
    let source = sources_dir().join("city.md");
    let out = pressgate(dir.path())
        .args([
            "verify",
            "a.md",
            "--no-cache",
            "--format",
            "sarif",
            "--source",
        ])
        .arg(&source)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    let results = &sarif["runs"][0]["results"];
    assert_eq!(results[0]["ruleId"], "FACT005", "{sarif}");
}

#[test]
fn a_100k_word_article_is_verified_in_bounded_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut article = String::from("# Long\n\n");
    let sentences = [
        "The council recycled 34% of household waste in 2021 [1].",
        "Landfill use fell by 12,000 tonnes [1].",
        "Residents sorted glass, paper and food scraps into separate bins every week.",
        "Mayor Ana Pires opened a new sorting plant near the river.",
    ];
    let mut words = 0;
    let mut i = 0;
    while words < 100_000 {
        let s = sentences[i % sentences.len()];
        article.push_str(s);
        article.push(if i % 5 == 4 { '\n' } else { ' ' });
        if i % 5 == 4 {
            article.push('\n');
        }
        words += s.split_whitespace().count();
        i += 1;
    }
    std::fs::write(dir.path().join("long.md"), article).expect("write");
    let source = sources_dir().join("city.md");
    let started = Instant::now();
    let out = pressgate(dir.path())
        .args([
            "verify",
            "long.md",
            "--no-cache",
            "--format",
            "json",
            "--source",
        ])
        .arg(&source)
        .timeout(Duration::from_secs(300))
        .output()
        .expect("runs");
    let elapsed = started.elapsed();
    assert!(out.status.code().is_some(), "killed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(120), "took {elapsed:?}");
    eprintln!("100k words verified in {elapsed:?}");
}
