//! SEO004: the meta description is between `min_length` and `max_length` characters.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};

pub struct DescriptionLength;

const META: RuleMeta = RuleMeta {
    code: "SEO004",
    name: "meta-description-length",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The meta description is shorter than 70 or longer than 160 characters.",
    doc: r#"## What it does
Counts the characters of the meta description and reports descriptions outside
`min_length`..=`max_length`.

## Why is this bad?
Search results truncate descriptions after about 160 characters, and very short ones do not
tell the reader enough to click.

## Example
```markdown
description: Coffee grinders.
```

## Use instead
```markdown
description: Burr or blade, flat or conical: what matters for espresso and what to skip.
```

## Options
- `min_length` (default `70`): fewest characters.
- `max_length` (default `160`): most characters."#,
    options: &[
        RuleOption {
            name: "min_length",
            default: "70",
            doc: "Fewest characters a description may have.",
        },
        RuleOption {
            name: "max_length",
            default: "160",
            doc: "Most characters a description may have.",
        },
    ],
    fixable: false,
};

impl Rule for DescriptionLength {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(description) = &doc.meta_description else {
            return;
        };
        let text = description.text.trim();
        if text.is_empty() {
            return; // SEO003 reports empty descriptions.
        }
        let min = ctx.opt_usize("min_length", 70);
        let max = ctx.opt_usize("max_length", 160);
        let len = text.chars().count();
        let message = if len < min {
            format!("meta description is {len} characters; use at least {min}")
        } else if len > max {
            format!("meta description is {len} characters; search results cut it after about {max}")
        } else {
            return;
        };
        out.push(ctx.finding(META.code, message, description.span));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DescriptionLength);
    }
}
