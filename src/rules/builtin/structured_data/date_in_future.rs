//! SD006: structured-data dates are not in the future.
use super::date_format::DATE_PROPERTIES;
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{dates, jsonld};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct DateInFuture;

const META: RuleMeta = RuleMeta {
    code: "SD006",
    name: "date-in-future",
    pack: "structured-data",
    default_severity: Severity::Warning,
    summary: "A JSON-LD datePublished or dateModified lies after today.",
    doc: r#"## What it does
Reports JSON-LD dates (`datePublished`, `dateModified`, `dateCreated`, `uploadDate`) whose
calendar day is after today. "Today" is `[settings] today` when set, otherwise the
system clock (UTC).

## Why is this bad?
Future dates are either typos or attempts to look fresher than the page is; search
engines treat both as untrustworthy and may ignore the dates entirely.

## Example
```json
"dateModified": "2031-01-01"
```

## Use instead
Set `dateModified` to the day the content actually changed.

## Options
None (`[settings] today` fixes the date for reproducible checks)."#,
    options: &[],
    fixable: false,
};

impl Rule for DateInFuture {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let nodes = jsonld::nodes(doc);
        if nodes.is_empty() {
            return;
        }
        let today = dates::today(ctx.settings.today.as_deref());
        for node in nodes {
            for &property in DATE_PROPERTIES {
                let Some(text) = node.str(property) else {
                    continue;
                };
                let Some(date) = dates::parse_iso8601(text) else {
                    continue;
                };
                if date.date > today {
                    out.push(ctx.finding(
                        META.code,
                        format!(
                            "{property} {} is in the future (today is {today})",
                            text.trim()
                        ),
                        node.span,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DateInFuture);
    }
}
