//! CITE003: every reference is cited somewhere in the text.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};
use std::collections::HashSet;

pub struct UnusedReference;

const META: RuleMeta = RuleMeta {
    code: "CITE003",
    name: "unused-reference",
    pack: "citations",
    default_severity: Severity::Warning,
    summary: "A reference is never cited in the text.",
    doc: r#"## What it does
Reports entries of the references list (or footnote definitions) whose label no citation
marker in the text uses. Pages that use no citation markers at all (a plain "Further
reading" list) are not checked.

## Why is this bad?
An uncited reference pads the bibliography: it suggests support that no sentence actually
draws on, and often hides a citation lost in editing.

## Example
```markdown
Burr grinders give a more even grind [1].

## References
1. [Grind size and extraction](https://example.org/grind)
2. [Water hardness guide](https://example.org/water)
```

## Use instead
Cite reference 2 where it supports a sentence, or remove it.

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for UnusedReference {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.citations.is_empty() {
            return;
        }
        // Each label trimmed once, not once per reference it is compared with.
        let cited: HashSet<&str, foldhash::fast::RandomState> =
            doc.citations.iter().map(|c| c.label.trim()).collect();
        for reference in &doc.references {
            let label = reference.label.trim();
            if cited.contains(label) {
                continue;
            }
            out.push(ctx.finding(
                META.code,
                format!("reference {label} is never cited"),
                reference.span,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::UnusedReference);
    }
}
