//! SEO019: no two checked pages share a meta description.
use super::duplicates::{entry_for, report_duplicates};
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, SetEntry};

pub struct DuplicateDescription;

const META: RuleMeta = RuleMeta {
    code: "SEO019",
    name: "duplicate-description",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "Another checked page has the same meta description.",
    doc: r#"## What it does
Compares the meta descriptions of all pages checked together (ignoring case and spacing)
and reports each page whose description another page also uses.

## Why is this bad?
A copied description tells searchers nothing about how the pages differ, and search
engines tend to replace duplicated descriptions with text of their own choosing.

## Example
Every page in a section using "Read our latest coffee guide." as its description.

## Use instead
Write one description per page that summarises that page.

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for DuplicateDescription {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, _ctx: &RuleContext, _doc: &Document, _out: &mut Vec<Finding>) {}

    fn set_entry(&self, _ctx: &RuleContext, doc: &Document) -> Option<SetEntry> {
        entry_for(doc, doc.meta_description.as_ref())
    }

    fn check_set_entries(&self, ctx: &RuleContext, entries: &[SetEntry]) -> Vec<(usize, Finding)> {
        report_duplicates(ctx, entries, META.code, "meta description")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::DuplicateDescription);
    }
}
