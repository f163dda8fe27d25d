//! STYLE008: too large a share of sentences in the passive voice.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{text, Rule, RuleContext, RuleMeta, RuleOption};
use crate::Span;
use regex::Regex;
use std::sync::LazyLock;

pub struct PassiveVoiceOveruse;

pub const META: RuleMeta = RuleMeta {
    code: "STYLE008",
    name: "passive-voice-overuse",
    pack: "style",
    default_severity: Severity::Warning,
    summary: "Share of passive sentences above `max_share` (default 25%)",
    doc: "## What it does
Detects passive constructions (a form of *to be* or *to get*, optionally an adverb, then a past
participle: \"was kneaded\", \"is widely known\", \"were given\") and reports the document when
the share of passive sentences is above `max_share`. Documents with fewer than `min_sentences`
sentences are not judged. The finding points at the first passive sentence.

## Why is this bad?
Passive sentences hide who does what and are longer than their active form; one here and there
is fine, but a passive-heavy article reads as evasive and bureaucratic.

## Example
```markdown
The dough was mixed. The loaf was baked. Mistakes were made.
```

## Use instead
```markdown
I mixed the dough and baked the loaf. I made mistakes.
```

## Options
- `max_share` (default `0.25`): highest share of passive sentences allowed (0 to 1).
- `min_sentences` (default `5`): documents with fewer sentences are not judged.
",
    options: &[
        RuleOption {
            name: "max_share",
            default: "0.25",
            doc: "Highest share of passive sentences allowed (0 to 1).",
        },
        RuleOption {
            name: "min_sentences",
            default: "5",
            doc: "Documents with fewer sentences are not judged.",
        },
    ],
    fixable: false,
};

/// A form of "to be"/"to get", an optional -ly adverb, then a regular (-ed/-en) or common
/// irregular past participle.
static PASSIVE: LazyLock<Result<Regex, regex::Error>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(?:am|is|are|was|were|be|been|being|gets|got|gotten)\s+(?:[a-z]+ly\s+)?(?:[a-z]{2,}ed|born|built|brought|bought|caught|chosen|done|drawn|driven|eaten|fed|felt|found|given|grown|held|hidden|kept|known|laid|led|left|lost|made|meant|paid|put|read|run|said|seen|sent|set|shown|sold|spent|taken|taught|thought|told|understood|won|worn|written)(?-u:\b)",
    )
});

/// Whether `sentence` contains a passive construction.
pub fn is_passive(sentence: &str) -> bool {
    match &*PASSIVE {
        Ok(re) => re.find_iter(sentence).any(|m| !is_adjectival(m.as_str())),
        Err(_) => false,
    }
}

/// "-ed" words after "is" that are predicate adjectives rather than participles.
fn is_adjectival(m: &str) -> bool {
    let last = m.rsplit(char::is_whitespace).next().unwrap_or("");
    [
        "interested",
        "excited",
        "tired",
        "bored",
        "worried",
        "pleased",
        "supposed",
        "used",
        "need",
        "indeed",
    ]
    .iter()
    .any(|w| last.eq_ignore_ascii_case(w))
}

impl Rule for PassiveVoiceOveruse {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let max_share = ctx.opt_f64("max_share", 0.25);
        let min_sentences = ctx.opt_usize("min_sentences", 5);
        let mut total = 0usize;
        let mut passive = 0usize;
        let mut first: Option<Span> = None;
        for i in text::prose_sentences(doc) {
            let s = &doc.sentences[i];
            total += 1;
            if is_passive(&s.text) {
                passive += 1;
                first.get_or_insert(s.span);
            }
        }
        if total == 0 || total < min_sentences {
            return;
        }
        let share = passive as f64 / total as f64;
        if share > max_share {
            out.push(ctx.finding(
                META.code,
                format!(
                    "{passive} of {total} sentences ({:.0}%) are passive; rewrite some in the active voice",
                    share * 100.0
                ),
                first.unwrap_or_else(Span::file_start),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_passive_constructions() {
        for s in [
            "The dough was mixed by hand.",
            "Mistakes were made.",
            "It is widely known that rye ferments fast.",
            "The loaf has been baked.",
            "They got caught in the rain.",
        ] {
            assert!(is_passive(s), "{s}");
        }
        for s in [
            "I mixed the dough.",
            "She is interested in rye.",
            "The starter is ready.",
            "Bread was the reason.",
        ] {
            assert!(!is_passive(s), "{s}");
        }
    }
}

#[cfg(test)]
mod share_tests {
    use super::*;
    use crate::rules::testutil::{doc, run_rule};
    use crate::rules::Settings;

    #[test]
    fn reports_when_share_exceeds_threshold() {
        let passive = doc(&["It was mixed. It was baked. I ate it. I liked it. We left."]);
        let f = run_rule(&PassiveVoiceOveruse, &passive, "", &Settings::default());
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("2 of 5"), "{}", f[0].message);
        assert_eq!(f[0].span.start, 0);
        assert!(run_rule(
            &PassiveVoiceOveruse,
            &passive,
            "max_share = 0.5",
            &Settings::default()
        )
        .is_empty());
        let active = doc(&["I mixed it. I baked it. I ate it. It was eaten. We left."]);
        assert!(run_rule(&PassiveVoiceOveruse, &active, "", &Settings::default()).is_empty());
        let short = doc(&["It was mixed. It was baked."]);
        assert!(run_rule(&PassiveVoiceOveruse, &short, "", &Settings::default()).is_empty());
    }
}
