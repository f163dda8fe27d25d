//! Test helper: runs one rule over its `fixtures/rules/<CODE>/` folder and checks the
//! pass/fail contract of `fixtures/rules/README.md`.
use crate::doc::{parse, Document, Format};
use crate::finding::Finding;
use crate::rules::{Rule, RuleContext, Settings};
use crate::span::Span;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static EXPECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<!--\s*expect:\s*([A-Z]+[0-9]+)\s+line=([0-9]+)\s*-->").expect("valid regex")
});

/// Check every `pass*`/`fail*` file and `pass_*/`/`fail_*/` set in the rule's fixture folder.
pub fn assert_fixtures(rule: &dyn Rule) {
    let code = rule.meta().code;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rules")
        .join(code);
    let (settings, options) = load_config(&dir, code);
    let ctx = RuleContext {
        severity: rule.meta().default_severity,
        options: &options,
        settings: &settings,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{code}: no fixture folder {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let (mut passes, mut fails) = (0, 0);
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        let files: Vec<PathBuf> = if entry.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&entry)
                .expect("readable set folder")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_document(p))
                .collect();
            files.sort();
            files
        } else if is_document(&entry) {
            vec![entry.clone()]
        } else {
            continue;
        };
        let expect_pass = if name.starts_with("pass") {
            passes += 1;
            true
        } else if name.starts_with("fail") {
            fails += 1;
            false
        } else {
            continue;
        };
        let docs: Vec<Document> = files
            .iter()
            .map(|p| {
                let source = std::fs::read_to_string(p).expect("readable fixture");
                let display = p.to_string_lossy().replace('\\', "/");
                parse(&display, &source, Format::from_path(&display))
            })
            .collect();
        let findings = run_rule(rule, &ctx, &docs);
        let total: usize = findings.iter().map(Vec::len).sum();
        for (doc, found) in docs.iter().zip(&findings) {
            let shown = describe(doc, found);
            if expect_pass {
                assert!(
                    found.is_empty(),
                    "{code}: {} should pass but gave:\n{shown}",
                    doc.path
                );
                continue;
            }
            let mut expected: Vec<usize> = EXPECT
                .captures_iter(&doc.source)
                .filter(|c| &c[1] == code)
                .filter_map(|c| c[2].parse().ok())
                .collect();
            if expected.is_empty() {
                continue;
            }
            expected.sort_unstable();
            let mut lines: Vec<usize> = found.iter().map(|f| line_of(doc, f.span)).collect();
            lines.sort_unstable();
            assert_eq!(
                lines, expected,
                "{code}: {} finding lines differ:\n{shown}",
                doc.path
            );
        }
        assert!(
            expect_pass || total > 0,
            "{code}: {name} should fail but gave no finding"
        );
    }
    assert!(
        passes > 0 && fails > 0,
        "{code}: needs a pass and a fail fixture"
    );
}

/// Findings of `rule` for each document: `check` per document plus `check_set` over all.
pub fn run_rule(rule: &dyn Rule, ctx: &RuleContext, docs: &[Document]) -> Vec<Vec<Finding>> {
    let mut out: Vec<Vec<Finding>> = docs
        .iter()
        .map(|doc| {
            let mut found = Vec::new();
            rule.check(ctx, doc, &mut found);
            found
        })
        .collect();
    let refs: Vec<&Document> = docs.iter().collect();
    for (i, finding) in rule.check_set(ctx, &refs) {
        out[i].push(finding);
    }
    for found in &out {
        for f in found {
            assert_eq!(f.code, rule.meta().code, "a rule reports only its own code");
        }
    }
    out
}

fn load_config(dir: &Path, code: &str) -> (Settings, toml::Table) {
    let Ok(text) = std::fs::read_to_string(dir.join("pressgate.toml")) else {
        return (Settings::default(), toml::Table::new());
    };
    let table: toml::Table = toml::from_str(&text).expect("fixture pressgate.toml parses");
    let settings = table
        .get("settings")
        .cloned()
        .map(|v| v.try_into::<Settings>().expect("valid [settings]"))
        .unwrap_or_default();
    let options = table
        .get("rules")
        .and_then(|r| r.get(code))
        .and_then(|o| o.as_table())
        .cloned()
        .unwrap_or_default();
    (settings, options)
}

fn is_document(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("md" | "markdown" | "html" | "htm")
    )
}

/// Line of a finding as fixtures write it: 0 for the empty span at the file start.
fn line_of(doc: &Document, span: Span) -> usize {
    if span == Span::file_start() {
        0
    } else {
        doc.lines.line_col(&doc.source, span.start).line
    }
}

fn describe(doc: &Document, found: &[Finding]) -> String {
    found
        .iter()
        .map(|f| {
            format!(
                "  line {}: {} {}\n",
                line_of(doc, f.span),
                f.code,
                f.message
            )
        })
        .collect()
}
