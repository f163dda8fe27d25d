//! SEO009: link text says where the link goes.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::options;
use crate::rules::builtin::support::page::in_references;
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use std::sync::LazyLock;

pub struct NonDescriptiveLinkText;

/// Default of `generic_texts`, as shown by `rules explain`.
const DEFAULT_GENERIC_TEXTS: &str = r#"["click here", "click", "here", "read more", "more", "learn more", "this link", "link", "this", "this page", "this article", "go", "see here", "continue", "continue reading", "details", "more info"]"#;

static DEFAULT_GENERIC: LazyLock<Vec<String>> =
    LazyLock::new(|| options::string_list(DEFAULT_GENERIC_TEXTS));

const META: RuleMeta = RuleMeta {
    code: "SEO009",
    name: "non-descriptive-link-text",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "Link text is generic (\"click here\", \"read more\") or a bare URL.",
    doc: r#"## What it does
Reports links whose visible text is a generic phrase such as "click here", "read more",
"here" or "this link", and links whose text is a bare URL. Links in the references list
and citation-number links such as `[3]` are not checked.

## Why is this bad?
Anchor text tells search engines what the target page is about and tells screen-reader
users, who often jump from link to link, where each link goes.

## Example
```markdown
For brew ratios, [click here](https://example.org/ratios).
See https://example.org/ratios.
```

## Use instead
```markdown
See the [espresso brew ratio chart](https://example.org/ratios).
```

## Options
- `generic_texts` (default: a list of about 15 phrases such as "click here", "read more",
  "here", "this link"): link texts to report, compared case-insensitively."#,
    options: &[RuleOption {
        name: "generic_texts",
        default: DEFAULT_GENERIC_TEXTS,
        doc: "Link texts that say nothing about the target.",
    }],
    fixable: false,
};

impl Rule for NonDescriptiveLinkText {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let configured = ctx.opt_strings("generic_texts");
        let is_generic = |text: &str| match &configured {
            Some(list) => list.iter().any(|g| g.trim().eq_ignore_ascii_case(text)),
            None => DEFAULT_GENERIC.iter().any(|g| g.eq_ignore_ascii_case(text)),
        };
        for link in &doc.links {
            let text = link
                .text
                .trim()
                .trim_end_matches(['.', ',', ':', ';', '!', '…', '»', '→', '>'])
                .trim();
            if text.is_empty() || is_citation_number(text) || in_references(doc, link.span) {
                continue;
            }
            let message = if is_generic(text) {
                format!("link text \"{text}\" does not say where the link goes")
            } else if looks_like_url(text) {
                "bare URL used as link text".to_owned()
            } else {
                continue;
            };
            out.push(
                ctx.finding(META.code, message, link.span)
                    .with_help("use a few words that name the target page"),
            );
        }
    }
}

/// `[3]`, `3`, `^2`: citation markers rendered as links.
fn is_citation_number(text: &str) -> bool {
    let inner = text.trim_start_matches(['[', '^']).trim_end_matches(']');
    !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b' ' || b == b'-')
}

fn looks_like_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_urls_and_citation_numbers() {
        assert!(looks_like_url("https://example.org/a"));
        assert!(looks_like_url("WWW.example.org"));
        assert!(!looks_like_url("the www guide"));
        assert!(is_citation_number("[3]"));
        assert!(is_citation_number("2, 4"));
        assert!(!is_citation_number("[]"));
        assert!(!is_citation_number("3 tips"));
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::NonDescriptiveLinkText);
    }
}
