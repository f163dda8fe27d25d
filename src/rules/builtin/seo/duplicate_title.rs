//! SEO018: no two checked pages share a title.
use super::duplicates::{entry_for, report_duplicates};
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, SetEntry};

pub struct DuplicateTitle;

const META: RuleMeta = RuleMeta {
    code: "SEO018",
    name: "duplicate-title",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "Another checked page has the same title.",
    doc: r#"## What it does
Compares the titles of all pages checked together (ignoring case and spacing) and reports
each page whose title another page also uses.

## Why is this bad?
Pages with the same title compete with each other for the same searches, and search
engines may show only one of them or rewrite both titles.

## Example
`grinders.md` and `grinders-2024.md` both titled "Best Coffee Grinders".

## Use instead
Give each page a title that says what is different about it: "Best Coffee Grinders for
Espresso (2024)", "Best Budget Coffee Grinders".

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for DuplicateTitle {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, _ctx: &RuleContext, _doc: &Document, _out: &mut Vec<Finding>) {}

    fn set_entry(&self, _ctx: &RuleContext, doc: &Document) -> Option<SetEntry> {
        entry_for(doc, doc.title.as_ref())
    }

    fn check_set_entries(&self, ctx: &RuleContext, entries: &[SetEntry]) -> Vec<(usize, Finding)> {
        report_duplicates(ctx, entries, META.code, "title")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DuplicateTitle);
    }
}
