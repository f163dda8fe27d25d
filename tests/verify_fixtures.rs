//! FACT rules on `fixtures/verify/rules/<CODE>/`: each article is verified against the local
//! source files its references list names, like `pressgate verify` does. `pass*.md` must give
//! no finding of CODE; `fail*.md` must give exactly the lines of its
//! `<!-- expect: CODE line=N -->` annotations (`line=0`: document level). Every FACT code
//! needs both.
use pressgate::doc::{parse, Document, Format};
use pressgate::sources::for_document::fetch_for_document;
use pressgate::sources::{FetchOptions, Fetcher};
use pressgate::verify::{rules, Verifier, VerifyOptions};
use pressgate::Finding;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verify/rules")
}

fn expected_lines(source: &str, code: &str) -> Vec<usize> {
    let needle = format!("expect: {code} line=");
    let mut lines: Vec<usize> = source
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &source[i + needle.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    lines.sort_unstable();
    lines
}

fn line_of(doc: &Document, f: &Finding) -> usize {
    if f.span.start == 0 && f.span.end == 0 {
        0
    } else {
        doc.lines.line_col(&doc.source, f.span.start).line
    }
}

fn verify_file(path: &Path) -> (Document, Vec<Finding>) {
    let source = std::fs::read_to_string(path).expect("fixture reads");
    let display = path.to_string_lossy().into_owned();
    let doc = parse(&display, &source, Format::Markdown);
    let fetcher = Fetcher::new(FetchOptions {
        cache_dir: None,
        project_root: std::fs::canonicalize(root()).expect("fixture root"),
        ..FetchOptions::default()
    })
    .expect("fetcher");
    let dir = std::fs::canonicalize(path.parent().expect("parent")).expect("dir");
    let sources = fetch_for_document(&fetcher, &doc, &dir);
    let mut verifier = Verifier::new(VerifyOptions::default(), None);
    let report = verifier.verify(&doc, &sources).expect("verify runs");
    (doc, report.findings)
}

#[test]
fn every_fact_rule_has_passing_and_failing_fixtures() {
    let mut problems = Vec::new();
    for meta in rules::ALL {
        let code = meta.code;
        let dir = root().join(code);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let passes: Vec<&PathBuf> = files
            .iter()
            .filter(|p| name(p).starts_with("pass"))
            .collect();
        let fails: Vec<&PathBuf> = files
            .iter()
            .filter(|p| name(p).starts_with("fail"))
            .collect();
        if passes.is_empty() || fails.is_empty() {
            problems.push(format!(
                "{code}: needs a pass and a fail fixture in {}",
                dir.display()
            ));
            continue;
        }
        for file in passes {
            let (doc, findings) = verify_file(file);
            let mine: Vec<String> = findings
                .iter()
                .filter(|f| f.code == code)
                .map(|f| format!("line {}: {}", line_of(&doc, f), f.message))
                .collect();
            if !mine.is_empty() {
                problems.push(format!("{}: expected no {code}, got {mine:?}", name(file)));
            }
        }
        for file in fails {
            let (doc, findings) = verify_file(file);
            let mut got: Vec<usize> = findings
                .iter()
                .filter(|f| f.code == code)
                .map(|f| line_of(&doc, f))
                .collect();
            got.sort_unstable();
            let expected = expected_lines(&doc.source, code);
            if got != expected || got.is_empty() {
                let all: Vec<String> = findings
                    .iter()
                    .map(|f| format!("{} line {}: {}", f.code, line_of(&doc, f), f.message))
                    .collect();
                problems.push(format!(
                    "{code}/{}: expected {code} at {expected:?}, got {got:?}; all findings: {all:?}",
                    name(file)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "FACT fixture failures:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn fact_findings_carry_evidence_for_repair() {
    let (_, findings) = verify_file(&root().join("FACT002/fail.md"));
    let f = findings
        .iter()
        .find(|f| f.code == "FACT002")
        .expect("a FACT002 finding");
    let evidence = f.evidence.as_ref().expect("evidence attached");
    assert!(evidence.quote.contains("34%"), "{evidence:?}");
    assert!(evidence.source.ends_with("city.md"), "{evidence:?}");
    assert!(evidence.score.is_some() && evidence.span.is_some());
    assert!(f.message.contains("34%") && f.help.is_some(), "{f:?}");
}
