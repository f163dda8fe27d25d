//! EEAT001: the page shows who wrote it.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;

pub struct BylineMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT001",
    name: "byline-missing",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "The page has no visible byline.",
    doc: r#"## What it does
Checks that the page names its author where readers can see it: front matter `author`, a
"By Jane Doe" line near the top, or an HTML byline (`rel="author"`, `.byline`, `.author`,
`itemprop="author"`, `<meta name="author">`).

## Why is this bad?
Readers and search-quality raters look for who is behind the content. Anonymous articles
are trusted less, especially on topics where expertise matters.

## Example
An article that starts straight with its first paragraph and names no author anywhere.

## Use instead
```markdown
# Choosing a coffee grinder

By [Jane Doe](/authors/jane-doe)
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for BylineMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let has_byline = doc
            .byline
            .as_ref()
            .is_some_and(|b| !b.name.trim().is_empty());
        if !has_byline {
            out.push(
                ctx.finding(META.code, "page has no visible byline", Span::file_start())
                    .with_help(
                        "add `author` to the front matter or a \"By <name>\" line under the title",
                    ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::BylineMissing);
    }
}
