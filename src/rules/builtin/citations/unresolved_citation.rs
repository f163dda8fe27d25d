//! CITE002: every citation marker points at an entry of the references list.
use crate::doc::{CitationKind, Document};
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};
use std::collections::HashSet;

pub struct UnresolvedCitation;

const META: RuleMeta = RuleMeta {
    code: "CITE002",
    name: "unresolved-citation",
    pack: "citations",
    default_severity: Severity::Error,
    summary: "A citation marker (`[n]` or `[^note]`) has no matching reference.",
    doc: r#"## What it does
Reports each citation marker whose label matches no entry of the references list
(a "References"/"Sources" section or footnote definitions).

## Why is this bad?
A dangling `[7]` looks sourced but is not; it is a common artefact of editing and of
generated text that invents citation numbers.

## Example
```markdown
Burr grinders give a more even grind [3].

## References
1. [Grind size and extraction](https://example.org/grind)
```

## Use instead
Cite `[1]`, or add the missing reference as entry 3.

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for UnresolvedCitation {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        // Each label trimmed once, not once per citation it is compared with.
        let listed: HashSet<&str, foldhash::fast::RandomState> =
            doc.references.iter().map(|r| r.label.trim()).collect();
        for citation in &doc.citations {
            let label = citation.label.trim();
            if listed.contains(label) {
                continue;
            }
            let shown = match citation.kind {
                CitationKind::Bracket => format!("[{label}]"),
                CitationKind::Footnote => format!("[^{label}]"),
            };
            let message = if doc.references.is_empty() {
                format!("citation {shown} has no reference: the page has no references list")
            } else {
                format!("citation {shown} matches no reference")
            };
            out.push(ctx.finding(META.code, message, citation.span));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::UnresolvedCitation);
    }
}
