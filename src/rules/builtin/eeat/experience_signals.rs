//! EEAT009: pages that recommend things show first-hand experience or expertise.
use crate::doc::words::is_whitespace_byte;
use crate::doc::{BlockKind, Document};
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::page;
use crate::rules::builtin::support::pattern::compile;
use crate::rules::byte_mask::is_word_byte;
use crate::rules::declarative::SharedHits;
use crate::rules::token_matcher::TokenMatcher;
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;
use regex::Regex;
use std::sync::LazyLock;

pub struct ExperienceSignalsMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT009",
    name: "experience-signals-missing",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "The page makes recommendations but shows no first-hand experience or expertise.",
    doc: r#"## What it does
A heuristic. Counts recommendation phrases ("we recommend", "our top pick", "you should
buy", "the best ... is", "avoid") in the body. When there are at least
`min_recommendations`, it looks for first-hand experience ("we tested", "I've used",
"in my experience", "hands-on", "after three months of") or expertise signals
("certified", "licensed", "years of experience", credentials such as MD, PhD, CFA). It
reports pages with recommendations and neither kind of signal.

## Why is this bad?
Recommendations without evidence that the author tried the products or knows the field
are the hallmark of low-effort affiliate and AI-spun content; search engines' quality
guidelines ask for exactly this evidence.

## Example
"The best grinder is the X100. We recommend it for everyone. Our top pick for budgets is
the B20."

## Use instead
"We tested 12 grinders over six weeks, pulling 40 shots with each. The X100 is our top
pick because..."

## Options
- `min_recommendations` (default `2`): recommendation phrases needed before the check
  applies."#,
    options: &[RuleOption {
        name: "min_recommendations",
        default: "2",
        doc: "How many recommendation phrases make a page a recommendation page.",
    }],
    fixable: false,
};

/// Every alternative of [`RECOMMENDATION`] holds one of these as a whole word: "we" or "I"
/// before the verb, the noun after "our"/"my" (with its optional `s`), "pick", "should",
/// "best", "must", "worth". Blocks without any are skipped without running the regex (most
/// blocks of most pages), and the words come from the engine's shared scan.
static RECOMMENDATION_ANCHORS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        &["we", "i"][..],
        RECOMMENDATION_NOUNS,
        &["should", "best", "must", "worth"],
    ]
    .concat()
});

/// The nouns of "our top pick", "my favourite", "our recommendations" (with their `s`).
const RECOMMENDATION_NOUNS: &[&str] = &[
    "pick",
    "picks",
    "choice",
    "choices",
    "favorite",
    "favorites",
    "favourite",
    "favourites",
    "recommendation",
    "recommendations",
];

/// Every alternative of [`RECOMMENDATION`] holds one of these words (as a word or the start
/// of one): the prefilter when the anchor words cannot be used.
const RECOMMENDATION_WORDS: &[&str] = &[
    "recommend",
    "suggest",
    "advise",
    "pick",
    "choice",
    "favo",
    "should",
    "best",
    "must",
    "worth",
];

static RECOMMENDATION_MATCHER: LazyLock<TokenMatcher> = LazyLock::new(|| {
    // `must-have` is the only punctuation in a recommendation.
    TokenMatcher::with_anchor_words_in_clauses(
        RECOMMENDATION.clone(),
        &RECOMMENDATION_ANCHORS,
        true,
        "-",
    )
    .map(|m| m.with_anchor_check(may_anchor_recommendation))
    .unwrap_or_else(|| {
        TokenMatcher::with_required_words_in_clauses(
            RECOMMENDATION.clone(),
            RECOMMENDATION_WORDS,
            true,
            "-",
        )
    })
});

/// Whether the anchor word `bytes[start..end]` (one of [`RECOMMENDATION_ANCHORS`]) has the
/// neighbours some alternative of [`RECOMMENDATION`] needs around it: "we" and "I" are in
/// most paragraphs, but rarely before "recommend". A superset of the regex: `\s` is taken
/// for any byte of a non-ASCII char, and the verb for any word it starts.
fn may_anchor_recommendation(bytes: &[u8], start: usize, end: usize) -> bool {
    let Some(word) = bytes.get(start..end) else {
        return true;
    };
    let is = |range: Option<(usize, usize)>, words: &[&str]| {
        range.is_some_and(|(s, e)| {
            words
                .iter()
                .any(|w| bytes[s..e].eq_ignore_ascii_case(w.as_bytes()))
        })
    };
    // The word at `range` begins with one of `prefixes`.
    let starts = |range: Option<(usize, usize)>, prefixes: &[&str]| {
        range.is_some_and(|(s, e)| {
            prefixes.iter().any(|p| {
                bytes[s..e]
                    .get(..p.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
            })
        })
    };
    let anchor = |w: &str| word.eq_ignore_ascii_case(w.as_bytes());
    if anchor("we") || anchor("i") {
        // `(?:we|I)\s+(?:strongly\s+|highly\s+)?(?:recommend|suggest|advise)`
        let mut next = next_word(bytes, end);
        if is(next, &["strongly", "highly"]) {
            next = next.and_then(|(_, e)| next_word(bytes, e));
        }
        return starts(next, &["recommend", "suggest", "advise"]);
    }
    if anchor("should") {
        return is(previous_word(bytes, start), &["you"]);
    }
    if anchor("best") {
        return is(previous_word(bytes, start), &["the"])
            || is(next_word(bytes, end), &["overall", "value", "budget"]);
    }
    if anchor("must") {
        // `must[-\s]have`
        let after_hyphen = (bytes.get(end) == Some(&b'-')).then(|| word_from(bytes, end + 1));
        return starts(after_hyphen, &["have"]) || starts(next_word(bytes, end), &["have"]);
    }
    if anchor("worth") {
        return is(next_word(bytes, end), &["buying", "the"]);
    }
    // The nouns: after "our", "my" or "top" ("top pick", "our top picks").
    if RECOMMENDATION_NOUNS.iter().any(|n| anchor(n)) {
        return is(previous_word(bytes, start), &["our", "my", "top"]);
    }
    true
}

/// A byte that `\s` may match part of: ASCII whitespace, or any byte of a non-ASCII char
/// (a superset of the Unicode spaces).
fn may_be_space(b: u8) -> bool {
    is_whitespace_byte(b) || b >= 0x80
}

/// The run of ASCII word bytes after the spaces ([`may_be_space`]) that follow `at`; `None`
/// without such spaces.
fn next_word(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = at
        + bytes
            .get(at..)?
            .iter()
            .take_while(|&&b| may_be_space(b))
            .count();
    (start > at).then(|| word_from(bytes, start))
}

/// The run of ASCII word bytes from `start` (empty when none is there).
fn word_from(bytes: &[u8], start: usize) -> (usize, usize) {
    let run = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| is_word_byte(b))
        .count();
    (start, start + run)
}

/// The run of ASCII word bytes before the spaces ([`may_be_space`]) that precede `at`;
/// `None` without such spaces.
fn previous_word(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let before = bytes.get(..at)?;
    let end = at
        - before
            .iter()
            .rev()
            .take_while(|&&b| may_be_space(b))
            .count();
    if end == at {
        return None;
    }
    let start = end
        - before[..end]
            .iter()
            .rev()
            .take_while(|&&b| is_word_byte(b))
            .count();
    Some((start, end))
}

static RECOMMENDATION: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?ix)
        \b(?:we|I)\s+(?:strongly\s+|highly\s+)?(?:recommend|suggest|advise)
        | \b(?:our|my)\s+(?:top\s+)?(?:pick|choice|favou?rite|recommendation)s?\b
        | \btop\s+pick\b
        | \byou\s+should\s+(?:buy|choose|get|pick|use|try|avoid|consider)\b
        | \b(?:is|are)\s+the\s+best\b
        | \bthe\s+best\s+\w+(?:\s+\w+)?\s+(?:is|are|for)\b
        | \b(?:must[-\s]have|worth\s+(?:buying|the\s+money))\b
        | \bbest\s+(?:overall|value|budget)\b",
    )
});

static EXPERIENCE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?ix)
        \b(?:I|we)\s+(?:have\s+|'ve\s+|’ve\s+)?(?:personally\s+)?(?:tested|tried|used|reviewed|measured|compared|owned|bought|cooked|brewed|ran|run|hiked|visited|spent)\b
        | \b(?:I|we)(?:'ve|’ve)\s+(?:been\s+)?(?:tested|tried|used|using|testing|owned|brewing|running)\b
        | \b(?:in|from)\s+(?:my|our)\s+(?:own\s+)?(?:experience|testing|tests|trials|lab|kitchen)\b
        | \bhands[-\s]on\b
        | \b(?:after|over)\s+(?:\w+\s+)?(?:days|weeks|months|years)\s+of\s+(?:use|testing|daily)\b
        | \bour\s+(?:testing|tests|test\s+results|measurements|methodology)\b
        | \bhow\s+we\s+test",
    )
});

static EXPERTISE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?x)
        \b(?i:certified|licensed|board[-\s]certified|accredited|registered\s+dietitian|qualified)\b
        | \b(?i:years\s+of\s+(?:experience|practice))\b
        | \b(?i:years\s+as\s+an?)\b
        | \b(?:MD|PhD|CFA|CFP|CPA|RN|RD|DPT|JD|MSc|Esq)\b",
    )
});

impl Rule for ExperienceSignalsMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let recommendations: usize = page::prose_blocks(doc)
            .map(|block| RECOMMENDATION_MATCHER.find_iter(&block.text).count())
            .sum();
        self.judge(ctx, doc, recommendations, out);
    }

    fn scan_words(&self) -> Option<&'static [&'static str]> {
        RECOMMENDATION_MATCHER
            .anchor_words()
            .is_some()
            .then_some(RECOMMENDATION_ANCHORS.as_slice())
    }

    fn check_with_hits(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        shared: SharedHits<'_>,
        out: &mut Vec<Finding>,
    ) {
        let recommendations: usize = doc
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind != BlockKind::Code)
            .map(|(i, block)| {
                let (hits, special_folds) = shared.hits.block(i);
                RECOMMENDATION_MATCHER
                    .find_with_hits(&block.text, hits, shared.slot, special_folds)
                    .len()
            })
            .sum();
        self.judge(ctx, doc, recommendations, out);
    }
}

impl ExperienceSignalsMissing {
    /// The finding, given how many recommendation phrases the prose holds.
    fn judge(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        recommendations: usize,
        out: &mut Vec<Finding>,
    ) {
        let needed = ctx.opt_usize("min_recommendations", 2).max(1);
        // Most pages recommend nothing: count first, look for signals only when it matters.
        if recommendations < needed {
            return;
        }
        let has_signal = page::prose_blocks(doc)
            .any(|block| EXPERIENCE.is_match(&block.text) || EXPERTISE.is_match(&block.text));
        let byline_credentials = doc
            .byline
            .as_ref()
            .is_some_and(|b| EXPERTISE.is_match(&b.name));
        if has_signal || byline_credentials {
            return;
        }
        out.push(
            ctx.finding(
                META.code,
                format!(
                    "{recommendations} recommendations but no sign of first-hand experience or expertise"
                ),
                Span::file_start(),
            )
            .with_help("say how you tested or used what you recommend, or who with what expertise wrote it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_recommendations_from_experience() {
        assert!(RECOMMENDATION.is_match("We recommend the X100 for most people."));
        assert!(RECOMMENDATION.is_match("Our top pick is the B20."));
        assert!(RECOMMENDATION.is_match("The best grinder for espresso is the X100."));
        assert!(!RECOMMENDATION.is_match("Grind size affects extraction."));
        assert!(EXPERIENCE.is_match("We tested 12 grinders over six weeks."));
        assert!(EXPERIENCE.is_match("I've been using it daily."));
        assert!(EXPERIENCE.is_match("After three months of use, the burrs still cut cleanly."));
        assert!(!EXPERIENCE.is_match("Grinders are popular."));
        assert!(EXPERTISE.is_match("Jane is a certified Q grader."));
        assert!(EXPERTISE.is_match("Dr. Lee, MD, reviewed this."));
        assert!(!EXPERTISE.is_match("Md. of the month"));
    }

    #[test]
    fn the_prefiltered_matcher_counts_what_the_regex_counts() {
        // One sample per alternative of RECOMMENDATION, in several cases; the Kelvin sign
        // folds to `k` and the long s to `s` under (?i).
        let samples = [
            "We strongly recommend it.",
            "I SUGGEST the blue one.",
            "we advise caution",
            "Our top picks are here.",
            "My favourite is this; my favorite too.",
            "My choice.",
            "Our recommendations.",
            "Top pick: the X100.",
            "You should buy it. You should avoid that.",
            "These are the best.",
            "The best budget grinder is cheap. The best one for travel.",
            "A must-have.",
            "It is worth buying, worth the money.",
            "Best overall and best value.",
            "This is the best.",
            "Our top pic\u{212A}.",
            "You \u{17F}hould try it.",
            "Nothing here recommends anything.",
        ];
        let mut texts: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
        // Recommendations cut by punctuation, or joined across clauses, in every mix.
        let pieces = [
            "we",
            "I",
            "recommend",
            "our",
            "top",
            "pick",
            "picks",
            "the",
            "best",
            "grinder",
            "is",
            "for",
            "must",
            "have",
            "worth",
            "buying",
            "you",
            "should",
            "try",
            "value",
            "favourite",
            "choice",
            "strongly",
            "recommendations",
            "favorites",
            "choices",
            "\u{e9}",
            "advised",
            "My",
            "WE",
            "highly",
            "suggests",
            "Advise",
            "recommended",
            "top",
            "You",
            "overall",
            "budget",
            "the",
            "money",
            "are",
            "utilize",
            "Top",
            "i",
            "haves",
            "must",
        ];
        let joins = [
            " ", ", ", ". ", "-", " - ", "\n", ";", "(", ") ", "'", "\u{a0}", "_", "", "  ",
            "\u{2003}", "\u{e9}", "\t", "9",
        ];
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1du64);
        let mut next = |n: usize| stream.below(n);
        for _ in 0..3_000 {
            let mut text = String::new();
            for _ in 0..2 + next(10) {
                text.push_str(pieces[next(pieces.len())]);
                text.push_str(joins[next(joins.len())]);
            }
            texts.push(text);
        }
        texts.extend(
            crate::test_fixtures::fixture_texts(&[])
                .into_iter()
                .map(|(_, text)| text),
        );
        let words_only = TokenMatcher::with_required_words_in_clauses(
            RECOMMENDATION.clone(),
            RECOMMENDATION_WORDS,
            true,
            "-",
        );
        // The anchors as an engine's shared scan finds them, beside another rule's words.
        let anchors = RECOMMENDATION_MATCHER
            .anchor_words()
            .expect("the matcher searches by anchor words")
            .to_vec();
        let scanner = crate::rules::token_scan::WordScanner::new(&[
            vec!["the".to_string(), "is".to_string()],
            anchors,
        ])
        .expect("scanner");
        let spans = |found: &mut dyn Iterator<Item = regex::Match<'_>>| {
            found.map(|m| (m.start(), m.end())).collect::<Vec<_>>()
        };
        let mut found = 0;
        for text in &texts {
            let expected = spans(&mut RECOMMENDATION.find_iter(text));
            assert_eq!(
                spans(&mut RECOMMENDATION_MATCHER.find_iter(text)),
                expected,
                "{text:.80}"
            );
            assert_eq!(
                spans(&mut words_only.find_iter(text)),
                expected,
                "{text:.80}"
            );
            let mut hits = Vec::new();
            scanner.scan(text, &mut hits);
            let special_folds = text.contains('\u{212A}') || text.contains('\u{17F}');
            assert_eq!(
                spans(
                    &mut RECOMMENDATION_MATCHER
                        .find_with_hits(text, &hits, 0b10, special_folds)
                        .into_iter()
                ),
                expected,
                "{text:.80}"
            );
            found += expected.len();
        }
        assert!(found >= 200, "samples should match: {found}");
    }

    #[test]
    fn the_anchor_check_passes_over_common_anchors_without_their_neighbours() {
        let at = |text: &str, word: &str| {
            let start = text.find(word).expect("word in text");
            may_anchor_recommendation(text.as_bytes(), start, start + word.len())
        };
        assert!(!at("We utilize the model.", "We"));
        assert!(!at("What I mean", "I"));
        assert!(!at("The reliable choice doubles it.", "choice"));
        assert!(!at("It should work.", "should"));
        assert!(!at("A must see", "must"));
        assert!(at("We highly\u{a0}recommended it.", "We"));
        assert!(at("our\ttop  choices", "choices"));
        assert!(at("you should", "should"));
        assert!(at("must-have", "must"));
        assert!(at("worth the money", "worth"));
        assert!(at("best value", "best"));
        assert!(at("the best", "best"));
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ExperienceSignalsMissing);
    }
}
