//! Test documents built by hand, so rule and engine tests do not depend on the parser.
use crate::doc::{
    parse, Block, BlockKind, Comment, Document, Format, Heading, OffsetMap, Sentence,
};
use crate::rules::{Rule, RuleContext, Settings};
use crate::{Finding, Severity, Span};

/// A document of `parts` separated by blank lines: `## text` is a heading, a part starting
/// with `<!--` a comment, anything else a paragraph split into sentences after `.`, `!`, `?`.
pub fn doc(parts: &[&str]) -> Document {
    let source = parts.join("\n\n");
    let mut d = parse("t.md", &source, Format::Markdown);
    d.blocks.clear();
    d.sentences.clear();
    d.headings.clear();
    d.comments.clear();
    let mut off = 0;
    for p in parts {
        let span = Span::new(off, off + p.len());
        if let Some(h) = p.strip_prefix("## ") {
            d.headings.push(Heading {
                level: 2,
                text: h.to_owned(),
                span,
            });
        } else if p.starts_with("<!--") {
            d.comments.push(Comment {
                text: (*p).to_owned(),
                span,
            });
        } else {
            let block = d.blocks.len();
            d.blocks.push(Block {
                kind: BlockKind::Paragraph,
                text: (*p).to_owned(),
                span,
                map: OffsetMap {
                    segments: vec![(0, off)],
                },
                heading: None,
            });
            let mut start = 0;
            let bytes = p.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                let end_of_sentence =
                    matches!(b, b'.' | b'!' | b'?') && bytes.get(i + 1).is_none_or(|&n| n == b' ');
                if end_of_sentence {
                    push_sentence(&mut d, block, off, start, i + 1);
                    start = i + 2;
                }
            }
            if start < p.len() {
                push_sentence(&mut d, block, off, start, p.len());
            }
        }
        off += p.len() + 2;
    }
    d
}

fn push_sentence(d: &mut Document, block: usize, off: usize, start: usize, end: usize) {
    d.sentences.push(Sentence {
        span: Span::new(off + start, off + end),
        block,
        text_range: (start, end),
    });
}

/// Run one rule with `options` (TOML text) and `settings`.
pub fn run_rule(rule: &dyn Rule, d: &Document, options: &str, settings: &Settings) -> Vec<Finding> {
    let options: toml::Table = options.parse().expect("test options are TOML");
    let ctx = RuleContext {
        severity: rule.meta().default_severity,
        options: &options,
        settings,
    };
    let mut out = Vec::new();
    rule.check(&ctx, d, &mut out);
    out
}

/// The source text under each finding's span.
pub fn texts<'a>(d: &'a Document, findings: &[Finding]) -> Vec<&'a str> {
    findings
        .iter()
        .map(|f| {
            d.source
                .get(f.span.start..f.span.end)
                .unwrap_or("<bad span>")
        })
        .collect()
}

#[allow(dead_code)]
pub fn severities(findings: &[Finding]) -> Vec<Severity> {
    findings.iter().map(|f| f.severity).collect()
}
