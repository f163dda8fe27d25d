//! SD001: every JSON-LD block parses.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct JsonLdInvalid;

const META: RuleMeta = RuleMeta {
    code: "SD001",
    name: "json-ld-invalid",
    pack: "structured-data",
    default_severity: Severity::Error,
    summary: "A JSON-LD block is not valid JSON.",
    doc: r#"## What it does
Reports `<script type="application/ld+json">` blocks that fail to parse as JSON, with the
parser's message.

## Why is this bad?
Search engines drop a JSON-LD block that does not parse, so the page silently loses its
rich results (article headline, author, dates).

## Example
```html
<script type="application/ld+json">
{"@type": "Article", "headline": "Grinders",}
</script>
```

## Use instead
```html
<script type="application/ld+json">
{"@type": "Article", "headline": "Grinders"}
</script>
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for JsonLdInvalid {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        for block in &doc.json_ld {
            if block.value.is_some() {
                continue;
            }
            let reason = block.error.as_deref().unwrap_or("not valid JSON");
            out.push(ctx.finding(
                META.code,
                format!("JSON-LD does not parse: {reason}"),
                block.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::JsonLdInvalid);
    }
}
