//! SEO007: the page has at least `min_words` words of body text.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;

pub struct ThinContent;

const META: RuleMeta = RuleMeta {
    code: "SEO007",
    name: "thin-content",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The body has fewer than 300 words.",
    doc: r#"## What it does
Counts the visible words of the body (paragraphs, lists, tables, quotes; not code) and
reports pages with fewer than `min_words`.

## Why is this bad?
Thin pages rarely answer a question fully; search engines rank them low and may treat a
site with many of them as low quality.

## Example
A 120-word "guide" that lists three products without saying why.

## Use instead
Cover the topic: what to look for, how you tested, trade-offs, and sources.

## Options
- `min_words` (default `300`): fewest body words."#,
    options: &[RuleOption {
        name: "min_words",
        default: "300",
        doc: "Fewest words of body text.",
    }],
    fixable: false,
};

impl Rule for ThinContent {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let min = ctx.opt_usize("min_words", 300);
        let words = doc.word_count();
        if words < min {
            out.push(ctx.finding(
                META.code,
                format!("thin content: {words} words of body text, at least {min} expected"),
                Span::file_start(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ThinContent);
    }
}
