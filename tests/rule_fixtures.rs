//! Walks `fixtures/rules/<CODE>/` for every registered rule, following the contract in
//! `fixtures/rules/README.md`:
//!
//! - `pass*.md|html`: no finding of CODE; `fail*.md|html`: at least one, and when the file holds
//!   `<!-- expect: CODE line=N -->` annotations, the lines of CODE's findings match them exactly
//!   (`line=0`: a document-level finding at the file start).
//! - `pass_*/` and `fail_*/` folders: their files are checked together as one set.
//! - `pressgate.toml` in the folder configures the engine for its fixtures.
//!
//! A registered rule without a folder, or without both a pass and a fail fixture, fails the test.
use pressgate::config::Config;
use pressgate::doc::{parse, Document, Format};
use pressgate::rules::Engine;
use pressgate::Finding;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DOC_EXTENSIONS: &[&str] = &["md", "markdown", "html", "htm", "xhtml"];

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

fn is_doc(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DOC_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn display(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One check: a single fixture file or a `pass_*`/`fail_*` set of files.
struct Case {
    expect_findings: bool,
    files: Vec<PathBuf>,
    label: String,
}

fn cases(dir: &Path) -> Vec<Case> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let expect_findings = if name.starts_with("pass") {
            false
        } else if name.starts_with("fail") {
            true
        } else {
            continue;
        };
        if path.is_dir() && (name.starts_with("pass_") || name.starts_with("fail_")) {
            let mut files = Vec::new();
            collect_docs(&path, &mut files);
            files.sort();
            out.push(Case {
                expect_findings,
                files,
                label: display(&path),
            });
        } else if path.is_file() && is_doc(&path) {
            out.push(Case {
                expect_findings,
                files: vec![path.clone()],
                label: display(&path),
            });
        }
    }
    out
}

fn collect_docs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_docs(&p, out);
        } else if is_doc(&p) {
            out.push(p);
        }
    }
}

/// Lines named by `<!-- expect: CODE line=N -->` annotations for `code`, sorted.
fn expected_lines(source: &str, code: &str) -> Option<Vec<usize>> {
    let mut lines = Vec::new();
    let mut rest = source;
    while let Some(i) = rest.find("<!--") {
        let after = &rest[i + 4..];
        let end = after.find("-->").unwrap_or(after.len());
        let body = after[..end].trim();
        if let Some(spec) = body.strip_prefix("expect:") {
            let mut parts = spec.split_whitespace();
            let c = parts.next();
            let line = parts
                .find_map(|p| p.strip_prefix("line="))
                .and_then(|n| n.parse::<usize>().ok());
            if c == Some(code) {
                lines.push(line.unwrap_or_else(|| {
                    panic!("bad expect annotation `{body}` (want `expect: {code} line=N`)")
                }));
            }
        }
        rest = &after[end..];
    }
    lines.sort_unstable();
    (!lines.is_empty()).then_some(lines)
}

/// Line of a finding: 0 for a document-level finding at the file start.
fn finding_line(doc: &Document, f: &Finding) -> usize {
    if f.span.start == 0 && f.span.end == 0 {
        0
    } else {
        doc.lines.line_col(&doc.source, f.span.start).line
    }
}

fn engine_for(dir: &Path) -> Result<Engine, String> {
    let toml = dir.join("pressgate.toml");
    let config = if toml.is_file() {
        Config::load(&toml).map_err(|e| e.to_string())?
    } else {
        Config {
            root: dir.to_path_buf(),
            ..Config::default()
        }
    };
    Engine::from_config(&config).map_err(|e| e.to_string())
}

/// Check one case; returns the problems found.
fn run_case(engine: &Engine, code: &str, case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let mut docs = Vec::new();
    for file in &case.files {
        match std::fs::read_to_string(file) {
            Ok(source) => {
                let path = file.to_string_lossy();
                docs.push(parse(&path, &source, Format::from_path(&path)));
            }
            Err(e) => problems.push(format!("{}: cannot read: {e}", display(file))),
        }
    }
    if docs.is_empty() {
        problems.push(format!("{}: no .md or .html files", case.label));
        return problems;
    }
    let results = engine.check(&docs);
    let mut total = 0;
    for (doc, findings) in docs.iter().zip(&results) {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
        total += mine.len();
        let shown = || {
            mine.iter()
                .map(|f| format!("line {}: {}", finding_line(doc, f), f.message))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let name = display(Path::new(&doc.path));
        if !case.expect_findings {
            if !mine.is_empty() {
                problems.push(format!("{name}: expected no {code}, got {}", shown()));
            }
            continue;
        }
        if let Some(expected) = expected_lines(&doc.source, code) {
            let mut got: Vec<usize> = mine.iter().map(|f| finding_line(doc, f)).collect();
            got.sort_unstable();
            if got != expected {
                problems.push(format!(
                    "{name}: expected {code} at lines {expected:?}, got {got:?} ({})",
                    shown()
                ));
            }
        }
    }
    if case.expect_findings && total == 0 {
        problems.push(format!(
            "{}: expected at least one {code}, got none",
            case.label
        ));
    }
    problems
}

#[test]
fn every_rule_has_passing_and_failing_fixtures() {
    let root = fixtures_root();
    let default_engine = engine_for(&root).expect("the default configuration builds an engine");
    let mut missing = Vec::new();
    let mut problems = Vec::new();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();

    for rule in default_engine.rules() {
        let code = rule.meta().code;
        // FACT rules judge claims against fetched sources, which a plain document walk does
        // not have: tests/verify_fixtures.rs checks them on fixtures/verify/rules/. The audit's
        // own codes judge HTTP answers and whole sites: tests/audit_*.rs serve fixture sites.
        if rule.meta().pack == "facts" || pressgate::audit::codes::is_audit_code(code) {
            continue;
        }
        let dir = root.join(code);
        if !dir.is_dir() {
            missing.push(format!("{code}: no folder fixtures/rules/{code}/"));
            continue;
        }
        let cases = cases(&dir);
        let has_pass = cases.iter().any(|c| !c.expect_findings);
        let has_fail = cases.iter().any(|c| c.expect_findings);
        if !has_pass || !has_fail {
            missing.push(format!(
                "{code}: needs both a pass and a fail fixture (has pass: {has_pass}, fail: {has_fail})"
            ));
        }
        let engine = match engine_for(&dir) {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("{code}: fixture configuration: {e}"));
                continue;
            }
        };
        for case in &cases {
            problems.extend(run_case(&engine, code, case));
        }
        checked.insert(code.to_owned(), cases.len());
    }

    // Folders for codes no engine knows are typos or leftovers of removed rules.
    for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir()
            && !checked.contains_key(&name)
            && !missing.iter().any(|m| m.starts_with(&name))
        {
            let known = engine_for(&path)
                .map(|e| e.rule(&name).is_some())
                .unwrap_or(false);
            if !known {
                problems.push(format!(
                    "fixtures/rules/{name}/: no registered rule has this code"
                ));
            }
        }
    }

    let mut report = Vec::new();
    if !missing.is_empty() {
        report.push(format!(
            "rules without fixtures:\n  {}",
            missing.join("\n  ")
        ));
    }
    if !problems.is_empty() {
        report.push(format!("fixture failures:\n  {}", problems.join("\n  ")));
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert!(!checked.is_empty(), "no rule was checked");
}

#[test]
fn expect_annotations_are_read_per_code() {
    let src = "a\n<!-- expect: STYLE001 line=3 -->\n<!-- expect: SEO001 line=0 -->\n<!--expect: STYLE001 line=1-->";
    assert_eq!(expected_lines(src, "STYLE001"), Some(vec![1, 3]));
    assert_eq!(expected_lines(src, "SEO001"), Some(vec![0]));
    assert_eq!(expected_lines(src, "CITE001"), None);
}
