//! SEO010: the page declares an absolute canonical URL.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::urls;
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;

pub struct CanonicalUrl;

const META: RuleMeta = RuleMeta {
    code: "SEO010",
    name: "canonical-url",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The canonical URL is missing or not an absolute http(s) URL.",
    doc: r#"## What it does
Checks `<link rel="canonical">` (HTML) or front matter `canonical`: it must be present
(unless `required` is false) and an absolute `http://` or `https://` URL.

## Why is this bad?
The canonical URL tells search engines which address is the original when the same page
is reachable under several (tracking parameters, syndication). Relative canonicals are
resolved inconsistently and are a common cause of pages dropping out of the index.

## Example
```markdown
canonical: /guides/coffee-grinders
```

## Use instead
```markdown
canonical: https://example.com/guides/coffee-grinders
```

## Options
- `required` (default `true`): report pages without a canonical URL."#,
    options: &[RuleOption {
        name: "required",
        default: "true",
        doc: "Report pages that have no canonical URL at all.",
    }],
    fixable: false,
};

impl Rule for CanonicalUrl {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        match &doc.canonical {
            None => {
                if ctx.opt_bool("required", true) {
                    out.push(ctx.finding(
                        META.code,
                        "page has no canonical URL",
                        Span::file_start(),
                    ));
                }
            }
            Some(c) if !urls::is_http(&c.text) => out.push(
                ctx.finding(
                    META.code,
                    format!(
                        "canonical URL \"{}\" is not an absolute http(s) URL",
                        c.text.trim()
                    ),
                    c.span,
                )
                .with_help("write the full URL, starting with https://"),
            ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::CanonicalUrl);
    }
}
