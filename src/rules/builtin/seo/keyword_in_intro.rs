//! SEO015: the primary keyword appears in the first 100 words.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::keyword::{words, KeywordMatcher, Window};
use crate::rules::builtin::support::page;
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;

pub struct KeywordInIntro;

const META: RuleMeta = RuleMeta {
    code: "SEO015",
    name: "keyword-in-intro",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The primary keyword is not in the first 100 words of the body.",
    doc: r#"## What it does
When the page has a primary keyword (front matter `primary_keyword`/`keyword` or settings),
checks that it occurs within the first `intro_words` words of body text (headings and code
excluded; case, punctuation and plurals ignored).

## Why is this bad?
Readers decide in the first lines whether the page answers their question; an intro that
never names the topic reads as filler, and search engines weigh early text more.

## Example
```markdown
Mornings are hard. Let's talk about making them better, one step at a time...
```

## Use instead
```markdown
A good coffee grinder matters more for espresso than the machine itself...
```

## Options
- `intro_words` (default `100`): how many leading words count as the intro."#,
    options: &[RuleOption {
        name: "intro_words",
        default: "100",
        doc: "Number of leading body words the keyword must appear in.",
    }],
    fixable: false,
};

impl Rule for KeywordInIntro {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(matcher) = page::primary_keyword(doc, ctx.settings).and_then(KeywordMatcher::new)
        else {
            return;
        };
        let limit = ctx.opt_usize("intro_words", 100);
        // Report at the first paragraph of running text, not at a "By ..." byline line.
        let byline = doc.byline.as_ref().map(|b| b.span);
        let mut first_block: Option<Span> = None;
        let mut seen = 0;
        'blocks: for block in page::prose_blocks(doc) {
            let is_byline = byline
                .is_some_and(|b| block.span.start <= b.start && b.start < block.span.end)
                || looks_like_byline(&block.text);
            if first_block.is_none() && !is_byline {
                first_block = Some(block.span);
            }
            // A phrase does not continue across paragraphs.
            let mut window = Window::new(matcher.word_len());
            for word in words(&block.text) {
                if seen >= limit {
                    break 'blocks;
                }
                seen += 1;
                if matcher.feed(&mut window, word) {
                    return;
                }
            }
        }
        let Some(span) = first_block else {
            return; // No body text: thin-content reports that.
        };
        out.push(ctx.finding(
            META.code,
            format!(
                "primary keyword \"{}\" is not in the first {limit} words",
                matcher.phrase()
            ),
            span,
        ));
    }
}

/// A short "By Jane Doe" line.
fn looks_like_byline(text: &str) -> bool {
    let text = text.trim_start();
    text.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("by "))
        && text.split_whitespace().count() <= 8
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::KeywordInIntro);
    }
}
