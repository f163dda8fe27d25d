//! CITE001: sentences that state statistics, measurements, dated facts or quotes cite a source.
use crate::doc::{BlockKind, Document};
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{cited::cited_sentences, claims};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct UncitedClaim;

const META: RuleMeta = RuleMeta {
    code: "CITE001",
    name: "uncited-claim",
    pack: "citations",
    default_severity: Severity::Warning,
    summary: "A sentence with a statistic, quantity, dated fact or direct quote has no citation.",
    doc: r#"## What it does
Finds sentences that state something checkable (a percentage, an amount of money, a
number with a unit such as "5,000 mAh" or "2 million people", a ratio such as "1 in 5",
a date-bound fact such as "In 2023, ..." or a direct quote of four or more words) and
reports those with no citation in the same sentence: a `[n]` marker, a footnote or an
inline link.

## Why is this bad?
Unsourced figures are the claims readers and fact-checkers trust least and language models
invent most often. A citation lets anyone check the number.

## Example
```markdown
About 42% of adults drink coffee every day.
```

## Use instead
```markdown
About 42% of adults drink coffee every day [1].
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for UncitedClaim {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.sentences.is_empty() {
            return;
        }
        let cited = cited_sentences(doc);
        for (i, sentence) in doc.sentences.iter().enumerate() {
            if cited.get(i).copied().unwrap_or(false) {
                continue;
            }
            let in_code = doc
                .blocks
                .get(sentence.block)
                .is_none_or(|b| b.kind == BlockKind::Code);
            if in_code {
                continue;
            }
            if let Some(kind) = claims::claim_kind(sentence.text(doc)) {
                out.push(
                    ctx.finding(META.code, kind.uncited_message(), sentence.span)
                        .with_help(
                            "add a [n] citation to a source that supports it, or an inline link",
                        ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::UncitedClaim);
    }
}
