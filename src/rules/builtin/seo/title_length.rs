//! SEO002: the title is between `min_length` and `max_length` characters.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};

pub struct TitleLength;

const META: RuleMeta = RuleMeta {
    code: "SEO002",
    name: "title-length",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The title is shorter than 30 or longer than 60 characters.",
    doc: r#"## What it does
Counts the characters of the SEO title and reports titles outside `min_length`..=`max_length`.

## Why is this bad?
Titles over about 60 characters are cut off in search results; very short titles waste the
most visible place to say what the page is about.

## Example
```markdown
title: Grinders
```

## Use instead
```markdown
title: How to Choose a Coffee Grinder for Espresso
```

## Options
- `min_length` (default `30`): fewest characters.
- `max_length` (default `60`): most characters."#,
    options: &[
        RuleOption {
            name: "min_length",
            default: "30",
            doc: "Fewest characters a title may have.",
        },
        RuleOption {
            name: "max_length",
            default: "60",
            doc: "Most characters a title may have.",
        },
    ],
    fixable: false,
};

impl Rule for TitleLength {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(title) = &doc.title else { return };
        let text = title.text.trim();
        if text.is_empty() {
            return; // SEO001 reports empty titles.
        }
        let min = ctx.opt_usize("min_length", 30);
        let max = ctx.opt_usize("max_length", 60);
        let len = text.chars().count();
        if len < min {
            out.push(ctx.finding(
                META.code,
                format!("title is {len} characters; use at least {min}"),
                title.span,
            ));
        } else if len > max {
            out.push(
                ctx.finding(
                    META.code,
                    format!("title is {len} characters; search results cut it after about {max}"),
                    title.span,
                )
                .with_help("put the main topic first and drop filler words"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn limits_come_from_options() {
        let page = "---\ntitle: Coffee grinders for espresso, tested\n---\n";
        let rule = &super::TitleLength;
        assert!(check_source(rule, "a.md", page, "", "").is_empty());
        let found = check_source(rule, "a.md", page, "", "max_length = 20");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("36 characters"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::TitleLength);
    }
}
