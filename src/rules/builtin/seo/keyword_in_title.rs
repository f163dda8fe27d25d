//! SEO013: the primary keyword appears in the title.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{keyword::KeywordMatcher, page};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct KeywordInTitle;

const META: RuleMeta = RuleMeta {
    code: "SEO013",
    name: "keyword-in-title",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The primary keyword is not in the title.",
    doc: r#"## What it does
When the page has a primary keyword (front matter `primary_keyword` or `keyword`, else
`[settings] primary_keyword`), checks that the title contains it. Matching ignores case,
punctuation and simple plurals ("running shoe" matches "Running Shoes").

## Why is this bad?
The title is the strongest on-page signal of what the page is about; a title without the
query people search for competes poorly for it.

## Example
```markdown
primary_keyword: coffee grinder
title: Everything You Need Before Your First Espresso
```

## Use instead
```markdown
title: How to Choose a Coffee Grinder for Espresso
```

## Options
None (the keyword comes from front matter or settings)."#,
    options: &[],
    fixable: false,
};

impl Rule for KeywordInTitle {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(matcher) = page::primary_keyword(doc, ctx.settings).and_then(KeywordMatcher::new)
        else {
            return;
        };
        let Some(title) = &doc.title else { return };
        if !title.text.trim().is_empty() && !matcher.is_in(&title.text) {
            out.push(ctx.finding(
                META.code,
                format!(
                    "primary keyword \"{}\" is not in the title",
                    matcher.phrase()
                ),
                title.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::KeywordInTitle);
    }
}
