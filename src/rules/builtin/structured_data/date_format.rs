//! SD004: structured-data dates are ISO 8601.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{dates, jsonld};
use crate::rules::{Rule, RuleContext, RuleMeta};
use serde_json::Value;

pub struct DateFormat;

/// Date properties checked on every node.
pub const DATE_PROPERTIES: &[&str] =
    &["datePublished", "dateModified", "dateCreated", "uploadDate"];

const META: RuleMeta = RuleMeta {
    code: "SD004",
    name: "date-not-iso8601",
    pack: "structured-data",
    default_severity: Severity::Warning,
    summary: "A JSON-LD date (datePublished, dateModified, ...) is not ISO 8601.",
    doc: r#"## What it does
Checks `datePublished`, `dateModified`, `dateCreated` and `uploadDate` on every JSON-LD
node: each must be an ISO 8601 date (`2025-03-01`) or date-time
(`2025-03-01T09:30:00+01:00`) that exists on the calendar.

## Why is this bad?
Search engines ignore dates they cannot parse, so the page shows no date or a wrong one
in results; "March 1st" or "01/03/2025" are ambiguous.

## Example
```json
"datePublished": "March 1, 2025"
```

## Use instead
```json
"datePublished": "2025-03-01T09:30:00+01:00"
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for DateFormat {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        for node in jsonld::nodes(doc) {
            for &property in DATE_PROPERTIES {
                let Some(value) = node.get(property) else {
                    continue;
                };
                let message = match value {
                    Value::String(s) if dates::parse_iso8601(s).is_some() => continue,
                    Value::String(s) => {
                        format!("{property} \"{}\" is not an ISO 8601 date", s.trim())
                    }
                    _ => format!("{property} must be an ISO 8601 date string"),
                };
                out.push(
                    ctx.finding(META.code, message, node.span)
                        .with_help("write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+hh:mm"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DateFormat);
    }
}
