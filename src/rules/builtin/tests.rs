//! Registry-wide checks: metadata shape, and no panics on odd documents.
use super::all;
use crate::doc::{
    parse, Block, BlockKind, Byline, Citation, CitationKind, Document, Format, FrontMatter,
    Heading, Image, JsonLd, Link, OffsetMap, Reference, Sentence, Text,
};
use crate::rules::{RuleContext, Settings};
use crate::span::Span;
use serde_json::json;
use std::collections::HashSet;

#[test]
fn metadata_is_complete_and_codes_are_unique() {
    let rules = all();
    assert!(rules.len() >= 36, "only {} rules", rules.len());
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for rule in &rules {
        let m = rule.meta();
        assert!(codes.insert(m.code), "duplicate code {}", m.code);
        assert!(names.insert(m.name), "duplicate name {}", m.name);
        let prefix_matches_pack = match m.pack {
            "seo" => m.code.starts_with("SEO"),
            "structured-data" => m.code.starts_with("SD"),
            "eeat" => m.code.starts_with("EEAT"),
            "citations" => m.code.starts_with("CITE"),
            _ => false,
        };
        assert!(prefix_matches_pack, "{} in pack {}", m.code, m.pack);
        assert!(
            m.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            m.name
        );
        assert!(!m.summary.is_empty());
        let mut last = 0;
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Options",
        ] {
            let at = m
                .doc
                .find(section)
                .unwrap_or_else(|| panic!("{}: doc lacks {section}", m.code));
            assert!(at >= last, "{}: {section} out of order", m.code);
            last = at;
        }
        for option in m.options {
            assert!(
                m.doc.contains(&format!("`{}`", option.name)),
                "{}: option {} is not documented",
                m.code,
                option.name
            );
            let parsed = toml::from_str::<toml::Table>(&format!("v = {}", option.default));
            assert!(
                parsed.is_ok(),
                "{}: default of {} is not TOML",
                m.code,
                option.name
            );
            if option.default.starts_with('[') {
                assert!(
                    !crate::rules::builtin::support::options::string_list(option.default)
                        .is_empty(),
                    "{}: default list of {} is empty",
                    m.code,
                    option.name
                );
            }
        }
    }
}

fn text(s: &str, span: Span) -> Option<Text> {
    Some(Text {
        text: s.to_owned(),
        span,
    })
}

/// A document built by hand with empty strings, out-of-range indices, odd JSON-LD and
/// spans past the end of the source: rules must cope without panicking.
fn odd_document() -> Document {
    let mut doc = parse("odd.html", "<p>x</p>", Format::Html);
    let far = Span::new(500, 900);
    doc.front_matter = Some(FrontMatter {
        values: json!({"ymyl": "yes", "primary_keyword": "", "keyword": "  ", "author": {"x": 1},
                        "category": [1, null, "Health"], "ai_disclosure": 3, "publisher": []})
        .as_object()
        .cloned()
        .unwrap_or_default(),
        span: far,
    });
    doc.title = text("", far);
    doc.meta_description = text("   ", far);
    doc.canonical = text("", far);
    doc.lang = text("", far);
    doc.robots = text(",,,", far);
    doc.headings = vec![
        Heading {
            level: 6,
            text: String::new(),
            span: far,
        },
        Heading {
            level: 0,
            text: "é".into(),
            span: far,
        },
        Heading {
            level: 255,
            text: "x".into(),
            span: far,
        },
    ];
    let block_text = "In 2023, 45% “of all the people” said so [1] [";
    doc.blocks = vec![Block {
        kind: BlockKind::Paragraph,
        text: block_text.into(),
        span: far,
        map: OffsetMap::default(),
        heading: Some(99),
    }];
    // A claim over the whole block, then ranges that do not fit: a missing block, an
    // inverted range, an empty one, one that ends inside the `“`.
    doc.sentences = vec![
        Sentence {
            span: far,
            block: 0,
            text_range: (0, block_text.len()),
        },
        Sentence {
            span: far,
            block: 7,
            text_range: (9, 3),
        },
        Sentence {
            span: Span::new(10, 2),
            block: 0,
            text_range: (9, 3),
        },
        Sentence {
            span: Span::new(10, 2),
            block: 0,
            text_range: (0, 0),
        },
        Sentence {
            span: far,
            block: 0,
            text_range: (0, 14),
        },
    ];
    doc.links = vec![
        Link {
            href: String::new(),
            text: String::new(),
            rel: vec![],
            span: far,
        },
        Link {
            href: "https://".into(),
            text: "https://".into(),
            rel: vec!["author".into()],
            span: far,
        },
        Link {
            href: "http://[::1".into(),
            text: "here".into(),
            rel: vec![],
            span: Span::new(9, 1),
        },
    ];
    doc.images = vec![Image {
        src: String::new(),
        alt: Some(".png".into()),
        span: far,
    }];
    doc.citations = vec![
        Citation {
            label: String::new(),
            kind: CitationKind::Bracket,
            span: far,
            sentence: Some(42),
        },
        Citation {
            label: "1".into(),
            kind: CitationKind::Footnote,
            span: far,
            sentence: None,
        },
    ];
    doc.references = vec![
        Reference {
            label: String::new(),
            text: String::new(),
            url: Some(String::new()),
            title: None,
            span: far,
        },
        Reference {
            label: "1".into(),
            text: "x".into(),
            url: Some("https://ehow.com".into()),
            title: None,
            span: far,
        },
        Reference {
            label: "1".into(),
            text: "x".into(),
            url: Some("HTTPS://www.ehow.com/".into()),
            title: None,
            span: far,
        },
    ];
    doc.json_ld = vec![
        JsonLd {
            value: None,
            error: None,
            span: far,
        },
        JsonLd {
            value: Some(json!(null)),
            error: None,
            span: far,
        },
        JsonLd {
            value: Some(json!([[[{"@type": 5}]], {"@graph": {"@graph": []}}])),
            error: None,
            span: far,
        },
        JsonLd {
            value: Some(
                json!({"@type": ["Article", null, 3], "author": [null, 1, {"@id": 7}, {"@id": "#a"}, {}],
                               "datePublished": ["2031-01-01", "x"], "dateModified": {"@value": "2020-01-01"},
                               "publisher": {"name": null}}),
            ),
            error: Some("also an error".into()),
            span: far,
        },
        JsonLd {
            value: Some(json!({"@type": "Person", "@id": "#a"})),
            error: None,
            span: far,
        },
    ];
    doc.byline = Some(Byline {
        name: String::new(),
        url: Some(String::new()),
        span: far,
    });
    doc
}

#[test]
fn no_rule_panics_on_odd_or_empty_documents() {
    let settings = Settings {
        ymyl: true,
        require_ai_disclosure: true,
        primary_keyword: Some("-".into()),
        allowed_domains: vec![String::new(), "example.com".into()],
        blocked_domains: vec![String::new()],
        today: Some("not a date".into()),
        ..Settings::default()
    };
    let mut options = toml::Table::new();
    for (key, value) in [
        ("min_words", toml::Value::Integer(-5)),
        ("max_density", toml::Value::String("x".into())),
        (
            "generic_texts",
            toml::Value::Array(vec![toml::Value::Integer(1)]),
        ),
        ("required", toml::Value::Array(vec![])),
        ("intro_words", toml::Value::Integer(0)),
    ] {
        options.insert(key.into(), value);
    }
    let docs = vec![
        odd_document(),
        parse("empty.md", "", Format::Markdown),
        parse("empty.html", "", Format::Html),
    ];
    let refs: Vec<&Document> = docs.iter().collect();
    for rule in all() {
        let ctx = RuleContext {
            severity: rule.meta().default_severity,
            options: &options,
            settings: &settings,
        };
        for doc in &docs {
            let mut out = Vec::new();
            rule.check(&ctx, doc, &mut out);
            assert!(out.iter().all(|f| f.code == rule.meta().code));
        }
        let _ = rule.check_set(&ctx, &refs);
    }
}

/// A realistic ~1,500-word article: the SEO001 pass fixture with its body sections repeated.
fn long_article() -> Document {
    let base = include_str!("../../../fixtures/rules/SEO001/pass.md");
    let (head, rest) = base.split_at(base.find("## Burr or blade").unwrap_or(0));
    let (body, references) = rest.split_at(rest.find("## References").unwrap_or(rest.len()));
    let source = format!("{head}{}{references}", body.repeat(5));
    parse("long.md", &source, Format::Markdown)
}

#[test]
fn all_rules_check_a_long_article_quickly() {
    let doc = long_article();
    assert!(doc.word_count() >= 1_400, "{} words", doc.word_count());
    let settings = Settings {
        primary_keyword: Some("coffee grinder".into()),
        ymyl: true,
        require_ai_disclosure: true,
        allowed_domains: vec!["nature.com".into()],
        today: Some("2025-06-01".into()),
        ..Settings::default()
    };
    let options = toml::Table::new();
    let rules = all();
    let run = || {
        let mut findings = Vec::new();
        for rule in &rules {
            let ctx = RuleContext {
                severity: rule.meta().default_severity,
                options: &options,
                settings: &settings,
            };
            rule.check(&ctx, &doc, &mut findings);
            findings.extend(rule.check_set(&ctx, &[&doc]).into_iter().map(|(_, f)| f));
        }
        findings.len()
    };
    run(); // Compile the lazily built regexes outside the timing.
           // The fastest of several batches: the machine is shared, so the mean mostly measures noise.
    let per_doc = (0..10)
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..10 {
                std::hint::black_box(run());
            }
            start.elapsed() / 10
        })
        .min()
        .unwrap_or_default();
    println!(
        "all {} rules on {} words: {per_doc:?} per document",
        rules.len(),
        doc.word_count()
    );
    // Generous bound for unoptimised test builds; it catches accidental quadratic work.
    assert!(
        per_doc < std::time::Duration::from_millis(50),
        "{per_doc:?}"
    );
}

#[test]
#[ignore = "profiling aid: cargo test per_rule_timing -- --ignored --nocapture"]
fn per_rule_timing() {
    let doc = long_article();
    let settings = Settings {
        primary_keyword: Some("coffee grinder".into()),
        ymyl: true,
        require_ai_disclosure: true,
        ..Settings::default()
    };
    let options = toml::Table::new();
    for rule in all() {
        let ctx = RuleContext {
            severity: rule.meta().default_severity,
            options: &options,
            settings: &settings,
        };
        let mut out = Vec::new();
        rule.check(&ctx, &doc, &mut out);
        let start = std::time::Instant::now();
        for _ in 0..20 {
            out.clear();
            rule.check(&ctx, &doc, &mut out);
            let _ = rule.check_set(&ctx, &[&doc]);
        }
        println!("{} {:?}", rule.meta().code, start.elapsed() / 20);
    }
}

/// Every fixture of this pack, cut at many places and parsed as both formats: truncated
/// front matter, JSON-LD and tags must not make any rule panic.
#[test]
fn no_rule_panics_on_truncated_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = path.to_string_lossy();
            if path.is_dir() {
                dirs.push(path);
            } else if name.ends_with(".md") || name.ends_with(".html") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 80, "only {} fixture files", files.len());
    let settings = Settings {
        primary_keyword: Some("coffee grinder".into()),
        ymyl: true,
        require_ai_disclosure: true,
        allowed_domains: vec!["nature.com".into()],
        blocked_domains: vec!["example.com".into()],
        today: Some("2025-06-01".into()),
        ..Settings::default()
    };
    let options = toml::Table::new();
    let rules = all();
    for file in files {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        let step = (source.len() / 8).max(1);
        for cut in (0..source.len()).step_by(step) {
            let end = (cut..=source.len())
                .find(|&i| source.is_char_boundary(i))
                .unwrap_or(0);
            for format in [Format::Markdown, Format::Html] {
                let doc = parse("cut", &source[..end], format);
                for rule in &rules {
                    let ctx = RuleContext {
                        severity: rule.meta().default_severity,
                        options: &options,
                        settings: &settings,
                    };
                    let mut out = Vec::new();
                    rule.check(&ctx, &doc, &mut out);
                    let _ = rule.check_set(&ctx, &[&doc, &doc]);
                }
            }
        }
    }
}
