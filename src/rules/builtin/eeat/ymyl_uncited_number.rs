//! EEAT008: on YMYL pages every sentence with a number carries a citation.
use crate::doc::{BlockKind, Document};
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{cited::cited_sentences, claims, page};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct YmylUncitedNumber;

const META: RuleMeta = RuleMeta {
    code: "EEAT008",
    name: "ymyl-uncited-number",
    pack: "eeat",
    default_severity: Severity::Error,
    summary: "A sentence with a number on a YMYL page has no citation.",
    doc: r#"## What it does
On YMYL pages (see `ymyl-reviewer-missing` for how they are recognised), reports every
sentence of body text that contains a number (citation markers such as `[2]` aside) but
no citation marker or inline link. This is stricter than `uncited-claim`, which only
looks at statistics, units, dates and quotes.

## Why is this bad?
Doses, rates, limits and deadlines on health, finance and legal pages must be checkable;
a wrong number there does real harm.

## Example
```markdown
Adults can take up to 3,200 mg of ibuprofen a day.
```

## Use instead
```markdown
Adults can take up to 3,200 mg of ibuprofen a day under medical supervision [1].
```

## Options
None (YMYL comes from settings or front matter)."#,
    options: &[],
    fixable: false,
};

impl Rule for YmylUncitedNumber {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.sentences.is_empty() || !page::is_ymyl(doc, ctx.settings) {
            return;
        }
        let cited = cited_sentences(doc);
        for (i, sentence) in doc.sentences.iter().enumerate() {
            let in_code = doc
                .blocks
                .get(sentence.block)
                .is_none_or(|b| b.kind == BlockKind::Code);
            if in_code
                || cited.get(i).copied().unwrap_or(false)
                || !claims::has_number(sentence.text(doc))
            {
                continue;
            }
            out.push(
                ctx.finding(
                    META.code,
                    "sentence with a number on a YMYL page has no citation",
                    sentence.span,
                )
                .with_help("cite a primary source for the figure, e.g. with a [n] marker"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::YmylUncitedNumber);
    }
}
