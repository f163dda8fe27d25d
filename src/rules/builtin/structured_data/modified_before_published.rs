//! SD005: dateModified is not earlier than datePublished.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{dates, jsonld};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct ModifiedBeforePublished;

const META: RuleMeta = RuleMeta {
    code: "SD005",
    name: "modified-before-published",
    pack: "structured-data",
    default_severity: Severity::Warning,
    summary: "A JSON-LD node's dateModified is earlier than its datePublished.",
    doc: r#"## What it does
For every JSON-LD node with both dates (ISO 8601, compared as instants in UTC), reports a
`dateModified` earlier than `datePublished`.

## Why is this bad?
A page cannot be updated before it was published; inconsistent dates are a sign of a
broken template and make search engines distrust both dates.

## Example
```json
"datePublished": "2025-03-01", "dateModified": "2024-12-01"
```

## Use instead
```json
"datePublished": "2025-03-01", "dateModified": "2025-04-12"
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for ModifiedBeforePublished {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        for node in jsonld::nodes(doc) {
            let (Some(published), Some(modified)) =
                (node.str("datePublished"), node.str("dateModified"))
            else {
                continue;
            };
            let (Some(p), Some(m)) = (
                dates::parse_iso8601(published),
                dates::parse_iso8601(modified),
            ) else {
                continue; // SD004 reports unparseable dates.
            };
            if m.utc < p.utc {
                out.push(ctx.finding(
                    META.code,
                    format!(
                        "dateModified {} is earlier than datePublished {}",
                        modified.trim(),
                        published.trim()
                    ),
                    node.span,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ModifiedBeforePublished);
    }
}
