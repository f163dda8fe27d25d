//! EEAT002: the visible byline and the structured-data author agree.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{jsonld, names};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct BylineMismatch;

const META: RuleMeta = RuleMeta {
    code: "EEAT002",
    name: "byline-author-mismatch",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "The visible byline names someone other than the JSON-LD author.",
    doc: r#"## What it does
When the page has both a visible byline and an article JSON-LD `author`, checks that the
byline name matches one of the JSON-LD author names (case, punctuation and titles such as
"Dr." or "MD" ignored).

## Why is this bad?
Conflicting authorship looks like a template error at best and like a fake author at
worst; search engines cannot tell whom to credit.

## Example
Byline "By Jane Doe", JSON-LD `"author": {"@type": "Person", "name": "Admin"}`.

## Use instead
Make the template fill both from the same author record.

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for BylineMismatch {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(byline) = &doc.byline else { return };
        if byline.name.trim().is_empty() {
            return;
        }
        let authors = jsonld::article_author_names(doc);
        // "Jane Doe and John Roe" or "Dr. Jane Doe, MD": any named person matching is enough.
        let matches = names::split_names(&byline.name)
            .any(|part| authors.iter().any(|a| names::same_person(part, a)));
        if authors.is_empty() || matches {
            return;
        }
        out.push(ctx.finding(
            META.code,
            format!(
                "byline \"{}\" does not match the JSON-LD author {}",
                byline.name.trim(),
                authors
                    .iter()
                    .map(|a| format!("\"{a}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            byline.span,
        ));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::BylineMismatch);
    }
}
