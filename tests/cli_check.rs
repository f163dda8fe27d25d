//! `pressgate check` end to end: inputs, output formats, exit codes, baseline, fixes and bad input.
//!
//! Assertions are about the command's contract (positions, paths, exit codes), not about which
//! rules exist, so new or changed rules do not break them; each test checks that there is
//! something to look at first, so none passes vacuously.
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const PROJECT: &str = "fixtures/check/project";
const BAD: &str = "fixtures/check/bad";

fn pressgate() -> Command {
    let mut cmd = Command::cargo_bin("pressgate").unwrap();
    cmd.timeout(Duration::from_secs(120)).write_stdin("");
    cmd
}

fn json_findings(args: &[&str]) -> (Vec<Value>, Option<i32>) {
    let out = pressgate()
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON output expected ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        value.as_array().cloned().unwrap_or_default(),
        out.status.code(),
    )
}

/// The exit code the findings call for at the default fail level (error).
fn expected_exit(findings: &[Value]) -> Option<i32> {
    Some(i32::from(findings.iter().any(|f| f["severity"] == "error")))
}

/// Copy `fixtures/check/project` into a temp dir (with its .gitignore and drafts).
fn copy_project() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(Path::new(PROJECT), dir.path());
    dir
}

#[test]
fn json_findings_are_sorted_and_located_and_text_shows_the_same() {
    let (findings, code) = json_findings(&[PROJECT]);
    assert!(
        !findings.is_empty(),
        "the project fixture has problems to report"
    );
    assert_eq!(code, expected_exit(&findings));
    assert_eq!(
        code,
        Some(1),
        "the fixture has errors (unresolved citation, missing title)"
    );
    let keys: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| {
            for field in [
                "code",
                "severity",
                "message",
                "line",
                "column",
                "end_line",
                "end_column",
                "span",
            ] {
                assert!(f.get(field).is_some(), "missing {field} in {f}");
            }
            (
                f["file"].as_str().unwrap().to_owned(),
                f["span"]["start"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    assert_eq!(keys, sorted);

    let text = pressgate().args(["check", PROJECT]).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    for f in &findings {
        let header = format!(
            "[{}]: {}",
            f["code"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        );
        let location = format!(
            "--> {}:{}:{}",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"]
        );
        assert!(text.contains(&header), "{header} missing in\n{text}");
        assert!(text.contains(&location), "{location} missing in\n{text}");
    }
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    let warnings = findings
        .iter()
        .filter(|f| f["severity"] == "warning")
        .count();
    let e = if errors == 1 { "error" } else { "errors" };
    let w = if warnings == 1 { "warning" } else { "warnings" };
    assert!(
        text.contains(&format!("{errors} {e}, {warnings} {w}")),
        "{text}"
    );
    assert!(text.contains("in 3 files"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn directories_respect_gitignore_and_globs_select_files() {
    let out = pressgate()
        .args(["check", "--format", "junit", PROJECT])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    for name in ["docs/clean.md", "docs/guide.md", "docs/page.html"] {
        assert!(
            xml.contains(&format!("<testsuite name=\"{PROJECT}/{name}\"")),
            "{name}: {xml}"
        );
    }
    assert!(
        !xml.contains("ignored.md"),
        "drafts/ is in .gitignore: {xml}"
    );

    let glob = format!("{PROJECT}/docs/*.md");
    let out = pressgate()
        .args(["check", "--format", "junit", &glob])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert!(!xml.contains("page.html"));
}

#[test]
fn fail_level_select_and_ignore_decide_the_exit_code() {
    let (findings, _) = json_findings(&[PROJECT]);
    let warning_code = findings
        .iter()
        .find(|f| f["severity"] == "warning")
        .and_then(|f| f["code"].as_str())
        .expect("a warning in the project fixture")
        .to_owned();
    let only_warnings = findings
        .iter()
        .filter(|f| f["code"] == warning_code.as_str())
        .all(|f| f["severity"] == "warning");
    assert!(only_warnings);

    let (selected, code) = json_findings(&["--select", &warning_code, PROJECT]);
    assert!(!selected.is_empty());
    assert!(selected.iter().all(|f| f["code"] == warning_code.as_str()));
    assert_eq!(code, Some(0), "warnings do not fail at the default level");
    let (_, code) = json_findings(&[
        "--select",
        &warning_code,
        "--fail-level",
        "warning",
        PROJECT,
    ]);
    assert_eq!(code, Some(1));

    let (ignored, _) = json_findings(&["--ignore", &warning_code, PROJECT]);
    assert_eq!(ignored.len(), findings.len() - selected.len());
    assert!(ignored.iter().all(|f| f["code"] != warning_code.as_str()));
}

#[test]
fn every_format_reports_every_finding() {
    let (findings, _) = json_findings(&[PROJECT]);
    let n = findings.len();
    let run = |format: &str| {
        let out = pressgate()
            .args(["check", "--format", format, PROJECT])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), expected_exit(&findings), "{format}");
        String::from_utf8(out.stdout).unwrap()
    };
    let github = run("github");
    assert_eq!(github.lines().count(), n);
    assert!(github.lines().all(|l| l.starts_with("::error file=")
        || l.starts_with("::warning file=")
        || l.starts_with("::notice file=")));
    let rdjsonl = run("rdjsonl");
    let diagnostics: Vec<Value> = rdjsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(diagnostics.len(), n);
    assert!(diagnostics
        .iter()
        .all(|d| d["location"]["range"]["start"]["line"].as_u64() >= Some(1)));
    let csv = run("csv");
    assert!(csv.starts_with("file,line,column,end_line,end_column,code,severity,message"));
    let rows = csv::Reader::from_reader(csv.as_bytes()).records().count();
    assert_eq!(rows, n);
    let junit = run("junit");
    assert_eq!(junit.matches("<failure ").count(), n);
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(n)
    );
}

#[test]
fn statistics_quiet_and_colour() {
    let (findings, _) = json_findings(&[PROJECT]);
    let out = pressgate()
        .args(["check", "--statistics", "--format", "json", PROJECT])
        .output()
        .unwrap();
    let counts: Value = serde_json::from_slice(&out.stdout).unwrap();
    let total: u64 = counts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["count"].as_u64())
        .sum();
    assert_eq!(total as usize, findings.len());

    pressgate()
        .args(["check", "--quiet", PROJECT])
        .assert()
        .stdout(predicate::str::contains(" in 3 files").not())
        .stdout(predicate::str::contains("-->"));
    pressgate()
        .args(["check", "--color", "always", PROJECT])
        .assert()
        .stdout(predicate::str::contains("\u{1b}["));
}

#[test]
fn stdin_uses_the_given_filename() {
    let out = pressgate()
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "docs/from-stdin.html",
            "-",
        ])
        .write_stdin("<html><body><p>Text</p></body></html>")
        .output()
        .unwrap();
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    assert!(!findings.is_empty(), "a bare page has SEO problems");
    assert!(findings.iter().all(|f| f["file"] == "docs/from-stdin.html"));
}

#[test]
fn baseline_hides_recorded_findings_but_not_new_files() {
    let dir = copy_project();
    let baseline = dir.path().join("baseline.json");
    pressgate()
        .current_dir(dir.path())
        .args(["check", "docs", "--write-baseline"])
        .arg(&baseline)
        .assert()
        .code(0);
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert!(!recorded["findings"].as_array().unwrap().is_empty());

    let check = |dir: &Path| {
        let out = pressgate()
            .current_dir(dir)
            .args(["check", "docs", "--format", "json", "--baseline"])
            .arg(&baseline)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v.as_array().cloned().unwrap_or_default(), out.status.code())
    };
    assert_eq!(check(dir.path()), (Vec::new(), Some(0)));

    // Lines move: blank lines pushed in after the front matter; still nothing new.
    let guide = dir.path().join("docs/guide.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(&guide, text.replacen("\n# How", "\n\n\n\n# How", 1)).unwrap();
    assert_eq!(check(dir.path()).0, Vec::<Value>::new());

    // A new file brings new findings.
    std::fs::write(
        dir.path().join("docs/new.html"),
        "<html><body><p>x</p></body></html>",
    )
    .unwrap();
    let (new, code) = check(dir.path());
    assert!(!new.is_empty());
    assert!(new.iter().all(|f| f["file"] == "docs/new.html"), "{new:?}");
    assert_eq!(code, expected_exit(&new));
}

#[test]
fn missing_path_alone_is_exit_2_and_named() {
    pressgate()
        .args(["check", "no/such/article.md"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no/such/article.md: no such file or directory",
        ));
}

#[test]
fn unreadable_inputs_next_to_good_ones_are_io001_findings() {
    let (findings, code) = json_findings(&[
        "--select",
        "IO",
        &format!("{PROJECT}/docs/clean.md"),
        "no/such/article.md",
        &format!("{BAD}/binary.md"),
        &format!("{BAD}/latin1.md"),
    ]);
    assert_eq!(code, Some(1));
    let io: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f["code"], "IO001");
            assert_eq!(f["severity"], "error");
            (f["file"].as_str().unwrap(), f["message"].as_str().unwrap())
        })
        .collect();
    assert_eq!(io.len(), 3, "{io:?}");
    assert_eq!(io[0].0, "fixtures/check/bad/binary.md");
    assert!(io[0].1.contains("binary file"));
    assert_eq!(io[1].0, "fixtures/check/bad/latin1.md");
    assert!(io[1].1.contains("not valid UTF-8"));
    assert_eq!(io[2].0, "no/such/article.md");
}

#[test]
fn binary_and_invalid_utf8_alone_are_exit_2_with_the_file_named() {
    pressgate()
        .args(["check", &format!("{BAD}/binary.md")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/check/bad/binary.md: binary file",
        ));
    pressgate()
        .args(["check", &format!("{BAD}/latin1.md")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fixtures/check/bad/latin1.md: not valid UTF-8",
        ));
}

#[test]
fn empty_files_are_checked_with_a_warning() {
    pressgate()
        .args(["check", &format!("{BAD}/empty.md")])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "fixtures/check/bad/empty.md: empty file",
        ));
    let empty_stdin = pressgate()
        .args(["check", "-"])
        .write_stdin("")
        .assert()
        .code(0);
    empty_stdin.stderr(predicate::str::contains("-: empty file"));
}

#[test]
fn files_over_the_size_limit_are_skipped_and_named() {
    pressgate()
        .args([
            "check",
            "--max-file-size",
            "10",
            &format!("{PROJECT}/docs/guide.md"),
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("docs/guide.md: file is").and(predicate::str::contains(
                "--max-file-size limit of 10 bytes",
            )),
        );
    let big = "# Big\n".repeat(100);
    pressgate()
        .args(["check", "--max-file-size", "100", "-"])
        .write_stdin(big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--max-file-size"));
}

#[test]
fn unreadable_directory_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("a.md"), "# A\n").unwrap();
    std::fs::write(dir.path().join("ok.md"), "# OK\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = std::fs::read_dir(&locked).is_ok();
    let result = if readable_anyway {
        eprintln!("SKIPPED: running with privileges that read a mode-000 directory");
        None
    } else {
        Some(json_findings(&[
            "--select",
            "IO",
            &dir.path().to_string_lossy(),
        ]))
    };
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    if let Some((findings, code)) = result {
        assert_eq!(code, Some(1));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]["file"].as_str().unwrap().ends_with("/locked"));
        assert!(findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("permission denied"));
    }
}

#[test]
fn usage_errors_are_exit_2() {
    pressgate()
        .args(["check", "-", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only once"));
    pressgate()
        .args(["check", "--fix", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fix"));
    pressgate()
        .args(["check", "--dry-run", PROJECT])
        .assert()
        .code(2);
    pressgate()
        .args(["check", "--format", "xml", PROJECT])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("pressgate.toml");
    std::fs::write(&config, "this is = = not toml").unwrap();
    pressgate()
        .args(["check", "--config"])
        .arg(&config)
        .arg(PROJECT)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pressgate.toml"));
    let bad_baseline: PathBuf = dir.path().join("baseline.json");
    std::fs::write(&bad_baseline, "[1, 2").unwrap();
    pressgate()
        .args(["check", "--baseline"])
        .arg(&bad_baseline)
        .arg(PROJECT)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("baseline.json"));
}

/// Safe-fix edits of `file` from JSON findings, applied bottom-up: an independent re-implementation
/// of what `--fix` must write.
fn apply_json_fixes(source: &str, findings: &[Value], file: &str) -> (String, usize) {
    let mut edits: Vec<(usize, usize, String)> = findings
        .iter()
        .filter(|f| f["file"] == file && f["fix"]["applicability"] == "safe")
        .flat_map(|f| f["fix"]["edits"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["span"]["start"].as_u64().unwrap() as usize,
                e["span"]["end"].as_u64().unwrap() as usize,
                e["replacement"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let n = edits.len();
    let mut out = source.to_owned();
    for (start, end, replacement) in edits {
        out.replace_range(start..end, &replacement);
    }
    (out, n)
}

#[test]
fn fix_dry_run_prints_a_unified_diff_and_changes_nothing() {
    let dir = copy_project();
    let guide = dir.path().join("docs/guide.md");
    let before = std::fs::read(&guide).unwrap();
    let out = pressgate()
        .current_dir(dir.path())
        .args(["check", "--fix", "--dry-run", "docs"])
        .output()
        .unwrap();
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("--- a/docs/guide.md\n+++ b/docs/guide.md\n@@ "),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && !l.starts_with("+++")),
        "{diff}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("would fix"));
    assert_eq!(
        std::fs::read(&guide).unwrap(),
        before,
        "--dry-run must not write"
    );
}

#[test]
fn fix_writes_safe_fixes_atomically_and_reports_what_is_left() {
    use std::os::unix::fs::PermissionsExt;
    let dir = copy_project();
    let guide = dir.path().join("docs/guide.md");
    std::fs::set_permissions(&guide, std::fs::Permissions::from_mode(0o640)).unwrap();
    let source = std::fs::read_to_string(&guide).unwrap();
    let json = |args: &[&str]| {
        let out = pressgate()
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .args(args)
            .arg("docs")
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array().cloned().unwrap_or_default()
    };
    let before = json(&[]);
    let (expected, edits) = apply_json_fixes(&source, &before, "docs/guide.md");
    assert!(edits > 0, "guide.md has safe fixes (wordy phrases)");

    let after = json(&["--fix"]);
    assert_eq!(std::fs::read_to_string(&guide).unwrap(), expected);
    assert!(
        after.iter().all(|f| f["fix"]["applicability"] != "safe"),
        "findings after --fix are re-checked: no safe fix is left: {after:?}"
    );
    assert!(after.len() < before.len());
    let mode = std::fs::metadata(&guide).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "permissions are kept");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("docs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
    // Files without fixes are not rewritten.
    assert_eq!(
        std::fs::read(dir.path().join("docs/clean.md")).unwrap(),
        std::fs::read(Path::new(PROJECT).join("docs/clean.md")).unwrap()
    );
}

#[test]
fn config_ignore_globs_skip_files() {
    let dir = copy_project();
    std::fs::write(
        dir.path().join("pressgate.toml"),
        "ignore = [\"docs/page.html\"]\n",
    )
    .unwrap();
    let out = pressgate()
        .current_dir(dir.path())
        .args(["check", "--format", "junit", "docs"])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert!(!xml.contains("page.html"), "{xml}");
}

#[test]
fn stdin_filename_picks_the_format() {
    let page = "<html lang=\"en\"><head><title>Choosing a standing desk for a small home office</title></head>\n<body><h1>Desks</h1><p>Text.</p></body></html>\n";
    let codes = |name: &str| -> Vec<String> {
        let out = pressgate()
            .args(["check", "--format", "json", "--stdin-filename", name, "-"])
            .write_stdin(page)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // As HTML the <title> counts; as Markdown the same text has no title.
    assert!(!codes("page.html").contains(&"SEO001".to_owned()));
    assert!(codes("page.md").contains(&"SEO001".to_owned()));
}

#[test]
fn odd_documents_never_panic_in_any_format() {
    let long_line = format!("# T\n\n{}\n", "word ".repeat(20_000));
    let nested = format!("{}x\n", "> ".repeat(200));
    let docs: Vec<(&str, String)> = vec![
        ("bom.md", "\u{feff}---\ntitle: \"BOM\"\n---\n\n# Héllo 👋\n\nWe utilize it.\r\n".into()),
        ("crlf.md", "---\r\ntitle: x\r\n---\r\n\r\n# A\r\n\r\nIn order to go.\r\n".into()),
        ("unterminated.md", "---\ntitle: [unclosed\n\n# A\n".into()),
        ("only-front-matter.md", "---\ntitle: x\n---\n".into()),
        ("long-line.md", long_line),
        ("nested.md", nested),
        ("rtl.md", "# שלום עולם\n\nمرحبا بالعالم. e\u{301}\u{301} zalgo.\n".into()),
        ("broken.html", "<html><head><title>x</title><body><p>unclosed <b><i>tags\n<script type=\"application/ld+json\">{bad</script>".into()),
        ("whitespace.md", " \n\t\n".into()),
    ];
    for (name, text) in &docs {
        for format in ["text", "json", "sarif", "junit", "github", "rdjsonl", "csv"] {
            let out = pressgate()
                .args(["check", "--format", format, "--stdin-filename", name, "-"])
                .write_stdin(text.clone())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{name} as {format}: exit {:?}\n{stderr}",
                out.status.code()
            );
            assert!(!stderr.contains("panicked"), "{name} as {format}: {stderr}");
        }
        let out = pressgate()
            .args(["check", "--fix", "--dry-run", "--stdin-filename", name, "-"])
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{name} --fix --dry-run"
        );
    }
}
