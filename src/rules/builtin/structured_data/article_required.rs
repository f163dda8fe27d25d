//! SD002: Article structured data has the properties rich results need.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{jsonld, options};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use std::sync::LazyLock;

pub struct ArticleMissingProperties;

/// Default of `required`, as shown by `rules explain`.
const DEFAULT_REQUIRED: &str = r#"["headline", "author", "datePublished", "image", "publisher"]"#;

/// [`DEFAULT_REQUIRED`] parsed once (the rule runs on every page).
static DEFAULT_REQUIRED_LIST: LazyLock<Vec<String>> =
    LazyLock::new(|| options::string_list(DEFAULT_REQUIRED));

const META: RuleMeta = RuleMeta {
    code: "SD002",
    name: "article-missing-properties",
    pack: "structured-data",
    default_severity: Severity::Warning,
    summary: "An Article/BlogPosting/NewsArticle lacks headline, author, datePublished, image or publisher.",
    doc: r#"## What it does
Finds every JSON-LD node typed as an article (`Article`, `BlogPosting`, `NewsArticle` and
other Article subtypes; in `@graph` arrays and type arrays too) and reports the
`required` properties it lacks or leaves empty.

## Why is this bad?
Without these properties the page is not eligible for article rich results, and readers
and search engines cannot tell who wrote it, when, and for whom.

## Example
```json
{"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Coffee grinders"}
```

## Use instead
```json
{"@context": "https://schema.org", "@type": "BlogPosting", "headline": "Coffee grinders",
 "author": {"@type": "Person", "name": "Jane Doe", "url": "https://example.com/jane"},
 "datePublished": "2025-03-01", "image": "https://example.com/grinder.jpg",
 "publisher": {"@type": "Organization", "name": "Example Coffee"}}
```

## Options
- `required` (default `["headline", "author", "datePublished", "image", "publisher"]`):
  properties every article node needs."#,
    options: &[RuleOption {
        name: "required",
        default: DEFAULT_REQUIRED,
        doc: "Properties every article node must have.",
    }],
    fixable: false,
};

impl Rule for ArticleMissingProperties {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let configured = ctx.opt_strings("required");
        let required = configured.as_deref().unwrap_or(&DEFAULT_REQUIRED_LIST);
        for node in jsonld::nodes(doc).iter().filter(|n| n.is_article()) {
            let missing: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|p| node.get(p).is_none())
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.push(
                ctx.finding(
                    META.code,
                    format!(
                        "{} JSON-LD is missing {}",
                        node.type_name(),
                        missing.join(", ")
                    ),
                    node.span,
                )
                .with_help("add the missing properties to the article's structured data"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn required_properties_are_configurable() {
        let page = "<html><head><script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", \"headline\": \"H\"}</script></head></html>";
        let rule = &super::ArticleMissingProperties;
        let found = check_source(rule, "a.html", page, "", "");
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .message
            .contains("author, datePublished, image, publisher"));
        assert!(check_source(rule, "a.html", page, "", "required = [\"headline\"]").is_empty());
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ArticleMissingProperties);
    }
}
