//! CITE006: no two references point at the same URL.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::urls;
use crate::rules::{Rule, RuleContext, RuleMeta};
use std::collections::HashMap;

pub struct DuplicateReference;

const META: RuleMeta = RuleMeta {
    code: "CITE006",
    name: "duplicate-reference",
    pack: "citations",
    default_severity: Severity::Warning,
    summary: "Two references point at the same URL.",
    doc: r#"## What it does
Normalises reference URLs (scheme, `www.`, letter case of the host, default ports,
fragments, trailing slashes and tracking parameters such as `utm_source` are ignored) and
reports every reference whose URL an earlier reference already has.

## Why is this bad?
Duplicate entries inflate the apparent number of sources and split citations of one source
across several numbers.

## Example
```markdown
1. [Grind size study](https://example.org/study)
2. [Grind size study (PDF page)](https://www.example.org/study/?utm_source=news)
```

## Use instead
Keep one entry and cite its number everywhere.

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for DuplicateReference {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let mut first_by_url: HashMap<String, &str> = HashMap::new();
        for reference in &doc.references {
            let Some(url) = reference.url.as_deref().filter(|u| !u.trim().is_empty()) else {
                continue;
            };
            let key = urls::normalize(url);
            match first_by_url.get(&key) {
                Some(first) => out.push(ctx.finding(
                    META.code,
                    format!(
                        "reference {} has the same URL as reference {first}",
                        reference.label.trim()
                    ),
                    reference.span,
                )),
                None => {
                    first_by_url.insert(key, reference.label.trim());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DuplicateReference);
    }
}
