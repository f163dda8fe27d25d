//! SEO011: the page declares its language.
use crate::doc::{Document, Format};
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;
use regex::Regex;
use std::sync::LazyLock;

pub struct LangMissing;

const META: RuleMeta = RuleMeta {
    code: "SEO011",
    name: "lang-missing",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The page does not declare a valid language (`<html lang>`).",
    doc: r#"## What it does
Checks that HTML pages have `<html lang="...">` with a well-formed language tag such as
`en` or `en-GB`. Markdown pages usually get their language from the site template, so they
are checked only when `require_in_markdown` is true (front matter `lang`).

## Why is this bad?
The language attribute drives screen-reader pronunciation, browser translation and the
language search engines serve the page in.

## Example
```html
<html>
```

## Use instead
```html
<html lang="en">
```

## Options
- `require_in_markdown` (default `false`): also require front matter `lang` in Markdown."#,
    options: &[RuleOption {
        name: "require_in_markdown",
        default: "false",
        doc: "Require front matter `lang` in Markdown files too.",
    }],
    fixable: false,
};

/// BCP 47 shape: a 2-3 letter language, then optional subtags of 1-8 letters or digits.
static LANG_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$").expect("valid regex"));

impl Rule for LangMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.format == Format::Markdown && !ctx.opt_bool("require_in_markdown", false) {
            return;
        }
        match &doc.lang {
            None => out.push(
                ctx.finding(
                    META.code,
                    "page does not declare its language",
                    Span::file_start(),
                )
                .with_help(if doc.format == Format::Html {
                    "add a lang attribute, e.g. <html lang=\"en\">"
                } else {
                    "add `lang: en` to the front matter"
                }),
            ),
            Some(lang) if !LANG_TAG.is_match(lang.text.trim()) => out.push(ctx.finding(
                META.code,
                format!("\"{}\" is not a valid language tag", lang.text.trim()),
                lang.span,
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn markdown_needs_lang_only_when_configured() {
        let page = "---\ntitle: Grinders\n---\n\n# Grinders\n";
        let rule = &super::LangMissing;
        assert!(check_source(rule, "a.md", page, "", "").is_empty());
        let found = check_source(rule, "a.md", page, "", "require_in_markdown = true");
        assert_eq!(found.len(), 1);
        let tagged = "---\nlang: en-GB\n---\n\n# Grinders\n";
        assert!(check_source(rule, "a.md", tagged, "", "require_in_markdown = true").is_empty());
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::LangMissing);
    }
}
