//! EEAT005: the page says which organisation publishes it.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::jsonld;
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;

pub struct PublisherMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT005",
    name: "publisher-missing",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "No publisher or Organization is declared.",
    doc: r#"## What it does
Looks for the organisation behind the page: a `publisher` on any JSON-LD node, a JSON-LD
`Organization` (or subtype such as `NewsMediaOrganization`) with a name, or front matter
`publisher`.

## Why is this bad?
Trust is judged at the site level too. Declaring the publisher lets search engines tie the
article to the organisation's reputation, contact details and editorial policies.

## Example
JSON-LD with an author and dates but no publisher, and no front matter `publisher`.

## Use instead
```json
"publisher": {"@type": "Organization", "name": "Example Coffee",
              "logo": {"@type": "ImageObject", "url": "https://example.com/logo.png"}}
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for PublisherMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.meta("publisher").is_some_and(|p| !p.trim().is_empty()) {
            return;
        }
        let fm_publisher_object = doc
            .front_matter
            .as_ref()
            .and_then(|fm| fm.values.get("publisher"))
            .is_some_and(|v| !jsonld::is_blank(v));
        if fm_publisher_object {
            return;
        }
        let nodes = jsonld::nodes(doc);
        let declared = nodes.iter().any(|n| {
            n.get("publisher").is_some() || (n.is_organization() && n.str("name").is_some())
        });
        if !declared {
            out.push(
                ctx.finding(META.code, "page declares no publisher", Span::file_start())
                    .with_help("add a JSON-LD publisher Organization or front matter `publisher`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::PublisherMissing);
    }
}
