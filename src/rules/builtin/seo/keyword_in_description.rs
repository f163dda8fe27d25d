//! SEO016: the primary keyword appears in the meta description.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{keyword::KeywordMatcher, page};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct KeywordInDescription;

const META: RuleMeta = RuleMeta {
    code: "SEO016",
    name: "keyword-in-description",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The primary keyword is not in the meta description.",
    doc: r#"## What it does
When the page has a primary keyword (front matter `primary_keyword`/`keyword` or settings)
and a meta description, checks that the description contains the keyword (case,
punctuation and plurals ignored).

## Why is this bad?
Search engines bold the query terms in the snippet; a description with the keyword stands
out in the results and earns more clicks.

## Example
```markdown
description: Everything you need to know before buying your first espresso setup at home.
```

## Use instead
```markdown
description: How to choose a coffee grinder for espresso: burr types, grind settings and budget.
```

## Options
None (the keyword comes from front matter or settings)."#,
    options: &[],
    fixable: false,
};

impl Rule for KeywordInDescription {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(matcher) = page::primary_keyword(doc, ctx.settings).and_then(KeywordMatcher::new)
        else {
            return;
        };
        let Some(description) = &doc.meta_description else {
            return;
        };
        if !description.text.trim().is_empty() && !matcher.is_in(&description.text) {
            out.push(ctx.finding(
                META.code,
                format!(
                    "primary keyword \"{}\" is not in the meta description",
                    matcher.phrase()
                ),
                description.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::KeywordInDescription);
    }
}
