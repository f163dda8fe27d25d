//! STYLE005: runs of consecutive sentences that start with the same word.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{text, Rule, RuleContext, RuleMeta, RuleOption};

pub struct RepeatedSentenceOpenings;

pub const META: RuleMeta = RuleMeta {
    code: "STYLE005",
    name: "repeated-sentence-openings",
    pack: "style",
    default_severity: Severity::Warning,
    summary: "Several consecutive sentences start with the same word",
    doc: "## What it does
Reports a run of `min_run` (default 3) or more consecutive sentences in one paragraph that
start with the same word (compared without case). The finding covers the whole run.

## Why is this bad?
\"The starter… The starter… The starter…\" reads as a list forced into prose, and it is one of
the most recognisable patterns of generated text. Varied openings keep the reader moving.

## Example
```markdown
The starter needs flour. The starter needs water. The starter needs time.
```

## Use instead
```markdown
The starter needs flour and water, and then time.
```

## Options
- `min_run` (default `3`): how many sentences in a row with the same first word are reported.
",
    options: &[RuleOption {
        name: "min_run",
        default: "3",
        doc: "How many sentences in a row with the same first word are reported.",
    }],
    fixable: false,
};

impl Rule for RepeatedSentenceOpenings {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let min_run = ctx.opt_usize("min_run", 3).max(2);
        // (block, first word, first sentence index) of the current run, and its length.
        let mut run: Option<(usize, &str, usize)> = None;
        let mut len = 0;
        let mut flush = |run: Option<(usize, &str, usize)>, len: usize, last: usize| {
            if let Some((_, word, first)) = run {
                if len >= min_run {
                    let span = doc.sentences[first].span.cover(doc.sentences[last].span);
                    out.push(ctx.finding(
                        META.code,
                        format!("{len} sentences in a row start with '{word}'; vary the openings"),
                        span,
                    ));
                }
            }
        };
        let mut last = 0;
        for i in text::prose_sentences(doc) {
            let s = &doc.sentences[i];
            let word = text::first_word(s.text(doc));
            let continues = match (run, word) {
                (Some((block, w, _)), Some(word)) => {
                    block == s.block && last + 1 == i && w.eq_ignore_ascii_case(word)
                }
                _ => false,
            };
            if continues {
                len += 1;
            } else {
                flush(run, len, last);
                run = word.map(|w| (s.block, w, i));
                len = 1;
            }
            last = i;
        }
        flush(run, len, last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::{doc, run_rule, texts};
    use crate::rules::Settings;

    #[test]
    fn reports_a_run_of_three_covering_it() {
        let d = doc(&["Intro. The a. The b. the c. Done."]);
        let f = run_rule(&RepeatedSentenceOpenings, &d, "", &Settings::default());
        assert_eq!(texts(&d, &f), vec!["The a. The b. the c."]);
        assert!(f[0].message.starts_with("3 sentences"));
    }

    #[test]
    fn runs_break_at_paragraphs_and_respect_min_run() {
        let d = doc(&["The a. The b.", "The c. It d."]);
        assert!(run_rule(&RepeatedSentenceOpenings, &d, "", &Settings::default()).is_empty());
        let d = doc(&["The a. The b. It c."]);
        assert!(run_rule(&RepeatedSentenceOpenings, &d, "", &Settings::default()).is_empty());
        assert_eq!(
            run_rule(
                &RepeatedSentenceOpenings,
                &d,
                "min_run = 2",
                &Settings::default()
            )
            .len(),
            1
        );
    }
}
