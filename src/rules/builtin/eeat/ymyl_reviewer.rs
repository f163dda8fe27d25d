//! EEAT007: YMYL pages name an expert reviewer.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::pattern::compile;
use crate::rules::builtin::support::{jsonld, page};
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;
use regex::Regex;
use std::sync::LazyLock;

pub struct YmylReviewerMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT007",
    name: "ymyl-reviewer-missing",
    pack: "eeat",
    default_severity: Severity::Error,
    summary: "A YMYL (health, finance, legal) page names no expert reviewer.",
    doc: r#"## What it does
On "Your Money or Your Life" pages (front matter `ymyl: true`, a front matter
`category`/`categories` such as health, finance or legal, or `[settings] ymyl = true`),
looks for a reviewer: `reviewedBy` in JSON-LD, front matter `reviewed_by`/`reviewer`, or a
visible "Reviewed by ...", "Medically reviewed by ..." or "Fact-checked by ..." line.

## Why is this bad?
Advice on health, money or the law can hurt people when it is wrong. Search engines hold
these pages to the highest standard, and a named qualified reviewer is the clearest
evidence that someone with expertise checked the content.

## Example
A page about dosing ibuprofen with an author but no reviewer.

## Use instead
```markdown
Medically reviewed by [Dr. Amal Singh, MD](/reviewers/amal-singh) on 12 March 2025.
```

## Options
None (YMYL comes from settings or front matter)."#,
    options: &[],
    fixable: false,
};

static REVIEWED_BY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:(?:medically|clinically|legally|financially|expert|fact)[-\s])?(?:reviewed|checked|vetted|verified)\s+by\s+\S",
    )
});

impl Rule for YmylReviewerMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if !page::is_ymyl(doc, ctx.settings) {
            return;
        }
        let fm_reviewer = [
            "reviewed_by",
            "reviewedBy",
            "reviewer",
            "medically_reviewed_by",
        ]
        .iter()
        .any(|k| {
            doc.front_matter
                .as_ref()
                .and_then(|fm| fm.values.get(*k))
                .is_some_and(|v| !jsonld::is_blank(v))
        });
        let json_ld_reviewer = jsonld::nodes(doc)
            .iter()
            .any(|n| n.get("reviewedBy").is_some());
        let visible_reviewer = page::prose_blocks(doc).any(|b| REVIEWED_BY.is_match(&b.text));
        if fm_reviewer || json_ld_reviewer || visible_reviewer {
            return;
        }
        let why = match page::ymyl_category(doc) {
            Some(category) => {
                format!("YMYL page (category \"{category}\") names no expert reviewer")
            }
            None => "YMYL page names no expert reviewer".to_owned(),
        };
        out.push(ctx.finding(META.code, why, Span::file_start()).with_help(
            "add a \"Reviewed by <name, credentials>\" line and `reviewedBy` in the JSON-LD",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn settings_make_every_page_ymyl_and_front_matter_opts_out() {
        let page = "---\ntitle: Budgeting basics\n---\n\nSave a little every month.\n";
        let rule = &super::YmylReviewerMissing;
        assert!(check_source(rule, "a.md", page, "", "").is_empty());
        assert_eq!(check_source(rule, "a.md", page, "ymyl = true", "").len(), 1);
        let opted_out = page.replace("title:", "ymyl: false\ntitle:");
        assert!(check_source(rule, "a.md", &opted_out, "ymyl = true", "").is_empty());
        let reviewer = page.replace("title:", "reviewed_by: Ana Ruiz, CFP\ntitle:");
        assert!(check_source(rule, "a.md", &reviewer, "ymyl = true", "").is_empty());
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::YmylReviewerMissing);
    }
}
