//! STYLE008: too large a share of sentences in the passive voice.
use crate::doc::words::is_whitespace_byte;
use crate::doc::{BlockKind, Document, Sentence};
use crate::finding::{Finding, Severity};
use crate::rules::byte_mask::{self, is_word_byte};
use crate::rules::declarative::SharedHits;
use crate::rules::token_scan::load8;
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
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:{})\s+(?:[a-z]+ly\s+)?(?:[a-z]{{2,}}ed|{})(?-u:\b)",
        AUXILIARIES.join("|"),
        IRREGULAR_PARTICIPLES.join("|")
    ))
});

/// The forms of "to be"/"to get" that [`PASSIVE`] starts with.
const AUXILIARIES: [&str; 11] = [
    "am", "is", "are", "was", "were", "be", "been", "being", "gets", "got", "gotten",
];

/// The irregular participles of [`PASSIVE`].
const IRREGULAR_PARTICIPLES: [&str; 44] = [
    "born",
    "built",
    "brought",
    "bought",
    "caught",
    "chosen",
    "done",
    "drawn",
    "driven",
    "eaten",
    "fed",
    "felt",
    "found",
    "given",
    "grown",
    "held",
    "hidden",
    "kept",
    "known",
    "laid",
    "led",
    "left",
    "lost",
    "made",
    "meant",
    "paid",
    "put",
    "read",
    "run",
    "said",
    "seen",
    "sent",
    "set",
    "shown",
    "sold",
    "spent",
    "taken",
    "taught",
    "thought",
    "told",
    "understood",
    "won",
    "worn",
    "written",
];

/// "-ed" words after "is" that are predicate adjectives rather than participles.
const ADJECTIVAL: [&str; 10] = [
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
];

/// Whether `sentence` contains a passive construction.
pub fn is_passive(sentence: &str) -> bool {
    if bytes_decide(sentence) {
        return passive_in_bytes(sentence.as_bytes());
    }
    match &*PASSIVE {
        Ok(re) => re.find_iter(sentence).any(|m| !is_adjectival(m.as_str())),
        Err(_) => false,
    }
}

fn is_adjectival(m: &str) -> bool {
    let last = m.rsplit(char::is_whitespace).next().unwrap_or("");
    ADJECTIVAL.iter().any(|w| last.eq_ignore_ascii_case(w))
}

/// Whether [`passive_in_bytes`] answers as [`PASSIVE`] would: every char outside ASCII is then
/// neither a letter (under `(?i)`, `[a-z]` also takes the Kelvin sign and the long s), nor
/// whitespace (`\s` is Unicode's), nor a word char (`\b` is ASCII's) — so a byte-level walk
/// may treat its bytes as plain punctuation.
fn bytes_decide(sentence: &str) -> bool {
    byte_mask::is_ascii(sentence.as_bytes())
        || !sentence
            .chars()
            .any(|c| !c.is_ascii() && (c.is_whitespace() || c == '\u{212A}' || c == '\u{17F}'))
}

/// [`PASSIVE`]'s matches, walked word by word (the regex ran on every prose sentence of every
/// page, where the auxiliaries are in nearly all of them). The same leftmost-first answer:
/// a match starts at an auxiliary that is a whole word followed by whitespace; the adverb
/// branch is tried first; a match judged adjectival is skipped whole, as `find_iter` skips it
/// (no auxiliary can lie inside a match: none ends in "ly" or "ed" or is an irregular form).
fn passive_in_bytes(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            i += 1;
        }
        match passive_at(b, start, i) {
            Some(Verdict::Passive) => return true,
            Some(Verdict::Adjectival(end)) => i = end,
            None => {}
        }
    }
    false
}

/// What [`PASSIVE`] finds at an auxiliary.
enum Verdict {
    Passive,
    /// A match whose participle is a predicate adjective; it ends at the offset given.
    Adjectival(usize),
}

/// The match of [`PASSIVE`] that starts at the word `b[start..end]` (a maximal run of ASCII
/// letters), if the word is an auxiliary that starts one.
#[inline]
fn passive_at(b: &[u8], start: usize, end: usize) -> Option<Verdict> {
    let len = end - start;
    if !(2..=AUXILIARY_MAX_LEN).contains(&len)
        || start > 0 && is_word_byte(b[start - 1])
        || !AUXILIARY_KEYS.contains(&load8(b, start, len))
    {
        return None;
    }
    let next = whitespace_end(b, end);
    if next == end {
        return None;
    }
    let (at, end) = adverb_end(b, next)
        .and_then(|at| participle_end(b, at).map(|end| (at, end)))
        .or_else(|| participle_end(b, next).map(|end| (next, end)))?;
    if ADJECTIVAL
        .iter()
        .any(|w| b[at..end].eq_ignore_ascii_case(w.as_bytes()))
    {
        Some(Verdict::Adjectival(end))
    } else {
        Some(Verdict::Passive)
    }
}

const AUXILIARY_MAX_LEN: usize = 6;

/// Each auxiliary as [`load8`] reads a word, lower-cased (all are 2 to 6 letters).
const AUXILIARY_KEYS: [u64; 11] = {
    let mut keys = [0u64; 11];
    let mut i = 0;
    while i < AUXILIARIES.len() {
        let word = AUXILIARIES[i].as_bytes();
        assert!(word.len() >= 2 && word.len() <= AUXILIARY_MAX_LEN);
        let mut j = 0;
        while j < word.len() {
            keys[i] |= (word[j] as u64) << (8 * j);
            j += 1;
        }
        i += 1;
    }
    keys
};

fn letters_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|c| !c.is_ascii_alphabetic())
        .map_or(b.len(), |n| from + n)
}

fn whitespace_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| !is_whitespace_byte(c))
        .map_or(b.len(), |n| from + n)
}

/// `[a-z]+ly\s+` at `at`: where the word after it starts.
fn adverb_end(b: &[u8], at: usize) -> Option<usize> {
    let end = letters_end(b, at);
    let word = &b[at..end];
    let adverb = word.len() >= 3
        && word[word.len() - 2..].eq_ignore_ascii_case(b"ly")
        && b.get(end).copied().is_some_and(is_whitespace_byte);
    adverb.then(|| whitespace_end(b, end))
}

/// `(?:[a-z]{2,}ed|born|…|written)(?-u:\b)` at `at`: where the participle ends. Either
/// branch must end the run of letters, since a letter after it is no word boundary.
fn participle_end(b: &[u8], at: usize) -> Option<usize> {
    let end = letters_end(b, at);
    let word = &b[at..end];
    let boundary = b.get(end).is_none_or(|&c| !is_word_byte(c));
    let participle = (word.len() >= 4 && word[word.len() - 2..].eq_ignore_ascii_case(b"ed"))
        || IRREGULAR_PARTICIPLES
            .iter()
            .any(|p| word.eq_ignore_ascii_case(p.as_bytes()));
    (boundary && participle && !word.is_empty()).then_some(end)
}

impl Rule for PassiveVoiceOveruse {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        self.judge(ctx, doc, out, |s| is_passive(s.text(doc)));
    }

    fn scan_words(&self) -> Option<&'static [&'static str]> {
        Some(&AUXILIARIES)
    }

    fn check_with_hits(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        hits: SharedHits<'_>,
        out: &mut Vec<Finding>,
    ) {
        self.judge(ctx, doc, out, |s| is_passive_with_hits(doc, s, hits));
    }
}

/// Whether sentence `s` of `doc` is passive, judged at the auxiliaries the shared word scan
/// found in its block (the scan's words are maximal runs of ASCII word bytes, so it finds
/// every auxiliary [`passive_in_bytes`] would start a match at). Falls back to
/// [`is_passive`] where the block's scan may not stand for the sentence: a range that does
/// not fit the block (the sentence then has no text), a word cut by the sentence's edge, a
/// code block, chars the byte walk cannot judge.
fn is_passive_with_hits(doc: &Document, s: &Sentence, shared: SharedHits<'_>) -> bool {
    let (from, to) = s.text_range;
    let Some(block) = doc.blocks.get(s.block) else {
        return is_passive(s.text(doc));
    };
    // `s.text(doc)`, from the block already at hand.
    let Some(text) = block.text.get(from..to) else {
        return is_passive(s.text(doc));
    };
    let b = text.as_bytes();
    let around = block.text.as_bytes();
    let cut_at_start = from > 0
        && around.get(from - 1).copied().is_some_and(is_word_byte)
        && b.first().copied().is_some_and(is_word_byte);
    let cut_at_end = around.get(to).copied().is_some_and(is_word_byte)
        && b.last().copied().is_some_and(is_word_byte);
    if block.kind == BlockKind::Code || cut_at_start || cut_at_end || !bytes_decide(text) {
        return is_passive(text);
    }
    let (hits, _) = shared.hits.block(s.block);
    let first = hits.partition_point(|h| (h.start as usize) < from);
    // Matches end here: auxiliaries before it lie inside a match already judged.
    let mut resume = 0usize;
    for hit in hits[first..].iter().take_while(|h| (h.start as usize) < to) {
        if hit.slots & shared.slot == 0 {
            continue;
        }
        let (start, end) = (hit.start as usize - from, hit.end as usize - from);
        if start < resume {
            continue;
        }
        match passive_at(b, start, end) {
            Some(Verdict::Passive) => return true,
            Some(Verdict::Adjectival(end)) => resume = end,
            None => {}
        }
    }
    false
}

impl PassiveVoiceOveruse {
    /// Report `doc` when too large a share of its prose sentences is passive.
    fn judge(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        out: &mut Vec<Finding>,
        is_passive: impl Fn(&Sentence) -> bool,
    ) {
        let max_share = ctx.opt_f64("max_share", 0.25);
        let min_sentences = ctx.opt_usize("min_sentences", 5);
        let mut total = 0usize;
        let mut passive = 0usize;
        let mut first: Option<Span> = None;
        for i in text::prose_sentences(doc) {
            let s = &doc.sentences[i];
            total += 1;
            if is_passive(s) {
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

    /// The sentences judged at the shared scan's hits answer as the walk over each sentence:
    /// generated Markdown documents (real sentence splitting, code blocks, other rules' words
    /// in the scan), and sentences whose ranges cut a word at either edge or do not fit their
    /// block.
    #[test]
    fn shared_scan_agrees_with_the_walk() {
        use crate::rules::token_scan::{DocumentHits, WordScanner};
        let other_rule = vec!["said", "made", "order", "is_"];
        let scanner =
            WordScanner::new(&[other_rule, AUXILIARIES.to_vec()]).expect("scanner builds");
        let slot = 1u64 << 1;
        let pieces = [
            "is", "Was", "were", "been", "being", "gets", "got", "gotten", "am", "are", "be", "IS",
            "widely", "quickly", "baked", "made", "said", "tired", "known", "the", "loaf", "x_",
            "2", "é", "’", "\u{212A}", "\u{a0}", "isn't", "wasbaked", "order", "this", "xbe",
            "Xwas", "_is",
        ];
        let separators = [
            " ",
            "  ",
            ". ",
            "! ",
            "\n",
            "\n\n",
            ", ",
            "-",
            "",
            "\n\n```\n",
        ];
        let mut stream = crate::test_fixtures::Stream(0x5851_f42d_4c95_7f2du64);
        let mut next = |n: usize| stream.below(n);
        let (mut judged, mut passive) = (0, 0);
        for round in 0..2_500 {
            let mut source = String::new();
            for _ in 0..1 + next(80) {
                source.push_str(pieces[next(pieces.len())]);
                source.push_str(separators[next(separators.len())]);
            }
            let mut doc = crate::doc::parse("t.md", &source, crate::doc::Format::Markdown);
            // Every third document: move sentence edges into words, or past the block's text.
            if round % 3 == 0 {
                for (k, s) in doc.sentences.iter_mut().enumerate() {
                    let text = &doc.blocks[s.block].text;
                    let (from, to) = s.text_range;
                    let cut = match k % 3 {
                        0 => (from + 1..=to)
                            .find(|&i| text.is_char_boundary(i))
                            .map(|i| (i, to)),
                        1 => (from..to)
                            .rev()
                            .find(|&i| text.is_char_boundary(i))
                            .map(|i| (from, i)),
                        _ => None,
                    };
                    s.text_range = cut.unwrap_or((from, text.len() + 1));
                }
            }
            let hits = DocumentHits::of(&scanner, &doc);
            let shared = SharedHits { hits: &hits, slot };
            for i in crate::rules::text::prose_sentences(&doc) {
                let s = &doc.sentences[i];
                let expected = is_passive(s.text(&doc));
                assert_eq!(
                    is_passive_with_hits(&doc, s, shared),
                    expected,
                    "{:?}",
                    s.text(&doc)
                );
                judged += 1;
                passive += usize::from(expected);
            }
        }
        assert!(
            passive > 500 && judged - passive > 500,
            "{passive} of {judged}"
        );
    }

    fn regex_says_passive(sentence: &str) -> bool {
        let re = PASSIVE.as_ref().expect("the passive pattern compiles");
        re.find_iter(sentence).any(|m| !is_adjectival(m.as_str()))
    }

    /// The word walk must answer exactly as the regex on whatever it is given: generated
    /// sentences mixing every auxiliary, adverbs, participles, adjectival words, digits,
    /// underscores, punctuation, ASCII and Unicode whitespace and the two chars that fold to
    /// ASCII letters.
    #[test]
    fn word_walk_agrees_with_the_regex() {
        let pieces: Vec<&str> = AUXILIARIES
            .iter()
            .chain(&IRREGULAR_PARTICIPLES)
            .chain(&ADJECTIVAL)
            .copied()
            .chain([
                "IS",
                "Was",
                "bEEn",
                "quickly",
                "ly",
                "fly",
                "widely",
                "baked",
                "ed",
                "bed",
                "red",
                "Baked",
                "mixed2",
                "x_",
                "_",
                "2",
                "the",
                "loaf",
                "isn't",
                "it's",
                "a",
                "set_",
                "madeup",
                "known.",
                "é",
                "’",
                "—",
                "\u{212A}",
                "ſ",
                "\u{a0}",
                "\u{85}",
                "cafe\u{301}d",
                "naïve",
                "ed\u{e9}",
            ])
            .collect();
        let separators = [
            " ", "  ", "\t", "\n", "\u{0b}", ", ", ".", "-", "", "\u{2003}",
        ];
        let mut stream = crate::test_fixtures::Stream(0x9e37_79b9_7f4a_7c15u64);
        let mut next = |n: usize| stream.below(n);
        let mut passive = 0;
        for _ in 0..20_000 {
            let mut sentence = String::new();
            // Some long, with many auxiliaries, as sentences of real pages are.
            let most = if next(5) == 0 { 60 } else { 8 };
            for _ in 0..1 + next(most) {
                sentence.push_str(pieces[next(pieces.len())]);
                sentence.push_str(separators[next(separators.len())]);
            }
            let expected = regex_says_passive(&sentence);
            assert_eq!(is_passive(&sentence), expected, "{sentence:?}");
            passive += usize::from(expected);
        }
        // Both answers occur often enough for the comparison to mean something.
        assert!((2_000..18_000).contains(&passive), "{passive}");
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
