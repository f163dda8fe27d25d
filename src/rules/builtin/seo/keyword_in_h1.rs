//! SEO014: the primary keyword appears in the H1.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{keyword::KeywordMatcher, page};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct KeywordInH1;

const META: RuleMeta = RuleMeta {
    code: "SEO014",
    name: "keyword-in-h1",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The primary keyword is not in the H1.",
    doc: r#"## What it does
When the page has a primary keyword (front matter `primary_keyword`/`keyword` or settings),
checks that the first H1 contains it (case, punctuation and plurals ignored). Pages
without an H1 are left to `single-h1`.

## Why is this bad?
The H1 confirms to readers who arrive from search that they are on the page they wanted,
and it is a strong relevance signal.

## Example
```markdown
# Before your first espresso
```

## Use instead
```markdown
# Choosing a coffee grinder for espresso
```

## Options
None (the keyword comes from front matter or settings)."#,
    options: &[],
    fixable: false,
};

impl Rule for KeywordInH1 {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(matcher) = page::primary_keyword(doc, ctx.settings).and_then(KeywordMatcher::new)
        else {
            return;
        };
        let Some(h1) = doc.headings.iter().find(|h| h.level == 1) else {
            return;
        };
        if !matcher.is_in(&h1.text) {
            out.push(ctx.finding(
                META.code,
                format!("primary keyword \"{}\" is not in the H1", matcher.phrase()),
                h1.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::KeywordInH1);
    }
}
