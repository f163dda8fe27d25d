//! SEO012: the page is not accidentally excluded from search engines.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::page::fm_flag;
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;

pub struct Noindex;

const META: RuleMeta = RuleMeta {
    code: "SEO012",
    name: "noindex",
    pack: "seo",
    default_severity: Severity::Error,
    summary: "The page tells search engines not to index it (`noindex`).",
    doc: r#"## What it does
Reports `noindex` (or `none`) in `<meta name="robots">` or front matter `robots`, and
front matter `noindex: true`.

## Why is this bad?
A leftover `noindex` from a staging template silently removes the page from search.
When a page really should stay out of the index, disable this rule for it.

## Example
```html
<meta name="robots" content="noindex, nofollow">
```

## Use instead
```html
<meta name="robots" content="index, follow">
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for Noindex {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if let Some(robots) = &doc.robots {
            let blocked = robots.text.split([',', ' ', ';']).any(|d| {
                d.trim().eq_ignore_ascii_case("noindex") || d.trim().eq_ignore_ascii_case("none")
            });
            if blocked {
                out.push(ctx.finding(
                    META.code,
                    format!(
                        "robots directive \"{}\" keeps the page out of search results",
                        robots.text.trim()
                    ),
                    robots.span,
                ));
                return;
            }
        }
        if fm_flag(doc, "noindex") == Some(true) {
            let span = doc
                .front_matter
                .as_ref()
                .map(|f| f.span)
                .unwrap_or_else(Span::file_start);
            out.push(ctx.finding(
                META.code,
                "front matter `noindex: true` keeps the page out of search results",
                span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::Noindex);
    }
}
