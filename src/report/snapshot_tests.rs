//! Snapshots of the text and JSON outputs for one fixture with hand-placed findings, so the
//! layout users and scripts see is reviewed whenever it changes.
use super::{json, text, RenderOptions, ReportInput};
use crate::finding::{Applicability, Edit, FileReport, Finding, Fix, Severity};
use crate::span::Span;

const ARTICLE: &str = include_str!("../../fixtures/check/snapshot/article.md");

fn span_of(needle: &str) -> Span {
    let start = ARTICLE.find(needle).expect("needle in the fixture");
    Span::new(start, start + needle.len())
}

fn replace(needle: &str, with: &str, applicability: Applicability) -> Fix {
    Fix {
        message: format!("Replace `{needle}` with `{with}`"),
        applicability,
        edits: vec![Edit {
            span: span_of(needle),
            replacement: with.into(),
        }],
    }
}

fn fixture() -> Vec<FileReport> {
    // Sorted by span start, as the engine delivers them.
    let findings = vec![
        Finding::new(
            "EEAT001",
            Severity::Warning,
            "no author byline",
            Span::file_start(),
        ),
        Finding::new(
            "SEO001",
            Severity::Error,
            "title is 5 characters, at least 30 expected",
            span_of("\"Desks\""),
        )
        .with_help("write a title of 30 to 60 characters that names the topic"),
        Finding::new(
            "STYLE002",
            Severity::Warning,
            "`utilize` is wordy",
            span_of("utilize"),
        )
        .with_fix(replace("utilize", "use", Applicability::Safe)),
        Finding::new(
            "STYLE003",
            Severity::Warning,
            "`in order to` is wordy",
            span_of("in order to"),
        )
        .with_fix(replace("in order to", "to", Applicability::Safe)),
        Finding::new(
            "SEO020",
            Severity::Info,
            "link text `here` says nothing about the target",
            span_of("[here](https://example.com)"),
        )
        .with_fix(replace("here", "our desk guide", Applicability::Unsafe)),
    ];
    vec![FileReport {
        path: "fixtures/check/snapshot/article.md".into(),
        source: ARTICLE.into(),
        findings,
    }]
}

#[test]
fn text_output_snapshot() {
    let files = fixture();
    let out = text::render(
        &ReportInput {
            files: &files,
            rules: &[],
        },
        RenderOptions::default(),
    );
    insta::assert_snapshot!("text_output", out);
}

#[test]
fn json_output_snapshot() {
    let files = fixture();
    let out = json::render(&ReportInput {
        files: &files,
        rules: &[],
    });
    insta::assert_snapshot!("json_output", out);
}
