//! SEO003: the page has a meta description.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;

pub struct DescriptionMissing;

const META: RuleMeta = RuleMeta {
    code: "SEO003",
    name: "meta-description-missing",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The page has no meta description.",
    doc: r#"## What it does
Checks for a non-empty `<meta name="description">` (HTML) or front matter `description`.

## Why is this bad?
The description is the snippet under the title in search results. Without one, search
engines pick a random passage, which rarely makes people click.

## Example
```markdown
---
title: How to Choose a Coffee Grinder for Espresso
---
```

## Use instead
```markdown
---
title: How to Choose a Coffee Grinder for Espresso
description: Burr or blade, flat or conical: what matters for espresso and what to skip.
---
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for DescriptionMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        match &doc.meta_description {
            None => out.push(
                ctx.finding(
                    META.code,
                    "page has no meta description",
                    Span::file_start(),
                )
                .with_help(
                    "add `description` to the front matter or a `<meta name=\"description\">`",
                ),
            ),
            Some(d) if d.text.trim().is_empty() => {
                out.push(ctx.finding(META.code, "meta description is empty", d.span))
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DescriptionMissing);
    }
}
