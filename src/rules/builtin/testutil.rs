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
        for doc in &docs {
            // A fixture tests one rule, so it must itself be a well-formed page.
            assert!(
                doc.diagnostics.is_empty(),
                "{code}: {} does not parse cleanly: {:?}",
                doc.path,
                doc.diagnostics
            );
        }
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

/// Prints the parsed Document of `$PRESSGATE_DUMP` (a fixture path) for debugging fixtures.
#[test]
#[ignore = "debugging aid: PRESSGATE_DUMP=path cargo test dump_document -- --ignored --nocapture"]
fn dump_document() {
    let Ok(path) = std::env::var("PRESSGATE_DUMP") else {
        return;
    };
    let source = std::fs::read_to_string(&path).expect("readable file");
    let doc = parse(&path, &source, Format::from_path(&path));
    let line = |s: Span| doc.lines.line_col(&doc.source, s.start).line;
    println!(
        "title {:?}",
        doc.title.as_ref().map(|t| (&t.text, line(t.span)))
    );
    println!(
        "description {:?}",
        doc.meta_description
            .as_ref()
            .map(|t| (&t.text, line(t.span)))
    );
    println!(
        "canonical {:?} lang {:?} robots {:?}",
        doc.canonical, doc.lang, doc.robots
    );
    println!(
        "byline {:?}",
        doc.byline.as_ref().map(|b| (&b.name, &b.url, line(b.span)))
    );
    for h in &doc.headings {
        println!("h{} {:?} line {}", h.level, h.text, line(h.span));
    }
    for b in &doc.blocks {
        println!("block {:?} line {}: {:.60}", b.kind, line(b.span), b.text);
    }
    for s in &doc.sentences {
        println!("sentence line {}: {:.70}", line(s.span), s.text(&doc));
    }
    for l in &doc.links {
        println!(
            "link {:?} {:?} rel {:?} line {}",
            l.text,
            l.href,
            l.rel,
            line(l.span)
        );
    }
    for i in &doc.images {
        println!("image {:?} alt {:?} line {}", i.src, i.alt, line(i.span));
    }
    for c in &doc.citations {
        println!(
            "citation {:?} sentence {:?} line {}",
            c.label,
            c.sentence,
            line(c.span)
        );
    }
    for r in &doc.references {
        println!(
            "reference {:?} url {:?} line {}",
            r.label,
            r.url,
            line(r.span)
        );
    }
    for j in &doc.json_ld {
        println!(
            "json-ld ok={} err={:?} line {}",
            j.value.is_some(),
            j.error,
            line(j.span)
        );
    }
    println!("words {}", doc.word_count());
}

/// Prints every finding each rule gives on its own fixtures, for reviewing messages.
#[test]
#[ignore = "debugging aid: cargo test show_fixture_findings -- --ignored --nocapture"]
fn show_fixture_findings() {
    for rule in super::all() {
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
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| is_document(p)) {
            let source = std::fs::read_to_string(&path).expect("readable fixture");
            let display = path.to_string_lossy().into_owned();
            let doc = parse(&display, &source, Format::from_path(&display));
            let found = run_rule(rule.as_ref(), &ctx, std::slice::from_ref(&doc));
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            println!("{code} {name}:\n{}", describe(&doc, &found[0]));
        }
    }
}

/// Findings of `rule` on one in-memory file, with `[settings]`/options given as TOML text.
pub fn check_source(
    rule: &dyn Rule,
    path: &str,
    source: &str,
    settings_toml: &str,
    options_toml: &str,
) -> Vec<Finding> {
    let settings: Settings = toml::from_str(settings_toml).expect("valid settings TOML");
    let options: toml::Table = toml::from_str(options_toml).expect("valid options TOML");
    let ctx = RuleContext {
        severity: rule.meta().default_severity,
        options: &options,
        settings: &settings,
    };
    let doc = parse(path, source, Format::from_path(path));
    run_rule(rule, &ctx, std::slice::from_ref(&doc))
        .pop()
        .unwrap_or_default()
}

/// Prints every builtin finding on `$PRESSGATE_DUMP`, for reviewing rules on real pages.
#[test]
#[ignore = "debugging aid: PRESSGATE_DUMP=path cargo test show_all_findings -- --ignored --nocapture"]
fn show_all_findings() {
    let Ok(path) = std::env::var("PRESSGATE_DUMP") else {
        return;
    };
    let source = std::fs::read_to_string(&path).expect("readable file");
    let doc = parse(&path, &source, Format::from_path(&path));
    let settings = Settings::default();
    let options = toml::Table::new();
    for rule in super::all() {
        let ctx = RuleContext {
            severity: rule.meta().default_severity,
            options: &options,
            settings: &settings,
        };
        let found = run_rule(rule.as_ref(), &ctx, std::slice::from_ref(&doc));
        print!("{}", describe(&doc, &found[0]));
    }
}
