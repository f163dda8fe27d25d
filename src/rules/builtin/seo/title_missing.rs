//! SEO001: the page has an SEO title.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;

pub struct TitleMissing;

const META: RuleMeta = RuleMeta {
    code: "SEO001",
    name: "title-missing",
    pack: "seo",
    default_severity: Severity::Error,
    summary: "The page has no title (`<title>` or front matter `title`).",
    doc: r#"## What it does
Checks that the page has a non-empty SEO title: `<title>` in HTML, `title` in front matter.

## Why is this bad?
Search engines show the title as the headline of the result; without one they invent it
from the page, usually badly, and the page ranks and gets clicked less.

## Example
```markdown
---
description: How to pick a coffee grinder.
---
```

## Use instead
```markdown
---
title: How to Choose a Coffee Grinder for Espresso
---
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for TitleMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        match &doc.title {
            None => out.push(
                ctx.finding(META.code, "page has no title", Span::file_start())
                    .with_help("add `title` to the front matter or a `<title>` element"),
            ),
            Some(t) if t.text.trim().is_empty() => {
                out.push(ctx.finding(META.code, "page title is empty", t.span))
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::TitleMissing);
    }
}
