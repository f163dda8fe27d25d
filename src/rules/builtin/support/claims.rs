//! Detects sentences that state checkable facts: statistics, measured quantities, money,
//! date-bound facts and direct quotations.
use super::pattern::compile;
use crate::doc::words::is_whitespace_byte;
use crate::rules::byte_mask;
use regex::{Regex, RegexSet};
use std::sync::LazyLock;

/// Why a sentence counts as a factual claim that needs a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    Percentage,
    Money,
    Quantity,
    Ratio,
    DateBound,
    Quote,
}

impl ClaimKind {
    pub fn describe(self) -> &'static str {
        match self {
            ClaimKind::Percentage => "a percentage",
            ClaimKind::Money => "an amount of money",
            ClaimKind::Quantity => "a number with a unit",
            ClaimKind::Ratio => "a ratio",
            ClaimKind::DateBound => "a date-bound fact",
            ClaimKind::Quote => "a direct quote",
        }
    }

    /// "sentence states {describe} without a citation", written out: CITE001 reports a tenth
    /// of an audit's findings, and a fixed text needs no allocation per finding.
    pub fn uncited_message(self) -> &'static str {
        match self {
            ClaimKind::Percentage => "sentence states a percentage without a citation",
            ClaimKind::Money => "sentence states an amount of money without a citation",
            ClaimKind::Quantity => "sentence states a number with a unit without a citation",
            ClaimKind::Ratio => "sentence states a ratio without a citation",
            ClaimKind::DateBound => "sentence states a date-bound fact without a citation",
            ClaimKind::Quote => "sentence states a direct quote without a citation",
        }
    }
}

/// Citation markers such as `[3]`, `[2, 4]`, `[5-7]`, `[^note]`: their digits are not claims.
static MARKER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\[(?:\^[^\]\s]+|\d+(?:\s*[,–-]\s*\d+)*)\]"));

static PERCENTAGE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i)\d(?:[\d,.]*\d)?\s?(?:%|percent\b|per\s?cent\b|percentage points?\b)")
});

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?:[$€£¥₹]\s?\d|\b\d(?:[\d,.]*\d)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds sterling|yen)\b)",
    )
});

static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?xi)\b\d(?:[\d,.]*\d)?\s?(?:
            thousand|million|billion|trillion|bn|
            mg|g|kg|tonnes?|tons?|lbs?|pounds|ounces|oz|
            mm|cm|m|km|miles?|feet|ft|inches|meters|metres|kilometers|kilometres|
            ml|l|liters?|litres?|gallons?|
            kwh|mwh|gwh|kw|mw|gw|watts?|volts?|mah|
            hz|khz|mhz|ghz|kb|mb|gb|tb|
            °c|°f|degrees|calories|kcal|
            ms|seconds|minutes|hours|days|weeks|months|years|decades|
            people|users|patients|participants|respondents|adults|children|employees|customers|cases|deaths|times
        )\b",
    )
});

static RATIO: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b\d+\s+(?:in|out of)\s+(?:every\s+)?\d+\b|\b(?:one|two|three|four|five)\s+in\s+(?:two|three|four|five|ten|\d+)\b|\b\d+(?:\.\d+)?x\b|\b\d+(?:\.\d+)?-fold\b",
    )
});

static DATE_BOUND: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(?:in|since|by|during|as of|until|from|between|before|after|through|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2},?)?)\s+(?:1[89]|20)\d\d\b",
    )
});

/// A quotation of at least four words in straight or curly double quotes. The opening quote
/// must start a word and the closing one end a word, so the text between two scare-quoted
/// words ("smart" mode ... "eco" mode) is not taken for a quotation.
static QUOTE: LazyLock<Regex> =
    LazyLock::new(|| compile(r#"(?:^|[\s(\[—–])["“][^"“”\s]+(?:\s+[^"“”\s]+){3,}["”]"#));

/// The first kind of claim found in `sentence`, ignoring citation markers.
pub fn claim_kind(sentence: &str) -> Option<ClaimKind> {
    claim_kind_searching(sentence, true)
}

/// [`claim_kind`]; with `narrow`, the numeric patterns are searched from
/// [`numeric_search_start`] instead of the sentence's start (same answer, less text).
fn claim_kind_searching(sentence: &str, narrow: bool) -> Option<ClaimKind> {
    let masked = mask_markers(sentence);
    let text = masked.as_ref();
    // Cheap byte tests first: this runs on every sentence of every checked or crawled page,
    // and most sentences hold no quote mark and no digit.
    if has_double_quote(text.as_bytes()) && QUOTE.is_match(text) {
        return Some(ClaimKind::Quote);
    }
    let first_digit = byte_mask::first_ascii_digit(text.as_bytes());
    let worded_ratio = || may_hold_worded_ratio(text) && RATIO.is_match(text);
    if first_digit.is_none() && !worded_ratio() {
        return None;
    }
    // Where the numeric patterns can start matching (see `numeric_search_start`): the
    // sentence's start beyond ASCII, or without narrowing.
    let narrowed_from = first_digit.filter(|_| narrow && byte_mask::is_ascii(text.as_bytes()));
    // A percentage is the first kind in order, so a match settles it without the set; most
    // percentages are written with `%`. Every match begins with a `\d`, which in ASCII text
    // is an ASCII digit: so at the first one.
    if first_digit.is_some()
        && text.contains('%')
        && PERCENTAGE.is_match_at(text, narrowed_from.unwrap_or(0))
    {
        return Some(ClaimKind::Percentage);
    }
    // Every pattern in one pass; the first kind in `NUMERIC_KINDS` order wins.
    let start = narrowed_from.map_or(0, |first| numeric_search_start(text, first));
    let matched = NUMERIC_CLAIMS.matches_at(text, start);
    NUMERIC_KINDS
        .iter()
        .enumerate()
        .find(|(i, _)| matched.matched(*i))
        .map(|(_, kind)| *kind)
}

/// The numeric claim kinds, in the order they are told apart.
const NUMERIC_KINDS: [ClaimKind; 5] = [
    ClaimKind::Percentage,
    ClaimKind::Money,
    ClaimKind::Ratio,
    ClaimKind::Quantity,
    ClaimKind::DateBound,
];

/// The patterns of [`NUMERIC_KINDS`] as one set: a sentence is scanned once for all five
/// (four times faster than one regex after another on sentences with numbers but no claim).
static NUMERIC_CLAIMS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        PERCENTAGE.as_str(),
        MONEY.as_str(),
        RATIO.as_str(),
        QUANTITY.as_str(),
        DATE_BOUND.as_str(),
    ])
    .expect("built-in patterns are valid")
});

/// Where a search of [`NUMERIC_CLAIMS`] can start in `text` and still find every pattern that
/// matches (the regex still sees the text before it for `\b`). In ASCII text, every match but
/// a worded ratio ([`may_hold_worded_ratio`]) holds an ASCII digit, and before its first
/// digit a match holds only whitespace, letters, `.` and `$` ("since 2019", "Sept. 5, 2020",
/// "$ 5"): so no match starts before the first digit of the text less such bytes before it.
/// Sentences whose only digits sit in a trailing link or marker skip most of their text.
/// `text` is ASCII and its first digit is at `first_digit`.
fn numeric_search_start(text: &str, first_digit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut start = first_digit;
    // A superset of what a match holds before its first digit: every control byte and space
    // (all of ASCII `\s`), letters, `.` and `$`.
    let may_lead = |b: u8| b <= b' ' || b.is_ascii_alphabetic() || matches!(b, b'.' | b'$');
    while start > 0 && may_lead(bytes[start - 1]) {
        start -= 1;
    }
    // A worded ratio that starts before `start` holds no digit (its leading bytes are all
    // `may_lead`), so it lies before the first digit.
    if start > 0 && may_hold_worded_ratio(&text[..first_digit]) {
        return 0;
    }
    start
}

/// Whether `text` holds `"` or `“` (the quote marks [`QUOTE`] opens with), by byte search:
/// `“` is the only char whose UTF-8 form is `E2 80 9C`, and no other char's bytes hold `"`.
fn has_double_quote(text: &[u8]) -> bool {
    memchr::memchr2_iter(b'"', 0xE2, text)
        .any(|i| text[i] == b'"' || text.get(i + 1..i + 3) == Some(&[0x80, 0x9C][..]))
}

/// Whether [`RATIO`] may match `text` when it holds no ASCII digit, checked closely where the
/// text is ASCII: `\d` then takes no char, which leaves only the worded form, a number word,
/// whitespace, "in" and whitespace ("one in five"). Beyond ASCII (digits of other scripts),
/// any "in" lets the regex decide. One pass over the text finds the "in"s, 16 bytes at a
/// time; the rest looks only at them.
fn may_hold_worded_ratio(text: &str) -> bool {
    let b = text.as_bytes();
    let mut any_in = false;
    let spaced_after_number = byte_mask::any_pair_ignoring_case(b, *b"in", |i| {
        any_in = true;
        i > 0
            && is_whitespace_byte(b[i - 1])
            && b.get(i + 2).is_some_and(|&c| is_whitespace_byte(c))
            && follows_number_word(b, i)
    });
    // A spaced "in" after a number word is also an "in": true as the ASCII test and the
    // test beyond ASCII both answer.
    spaced_after_number || (any_in && !byte_mask::is_ascii(b))
}

/// Whether the word before `b[at..]` (past whitespace) is a number word of [`RATIO`]'s
/// worded form.
fn follows_number_word(b: &[u8], at: usize) -> bool {
    let mut end = at;
    while end > 0 && is_whitespace_byte(b[end - 1]) {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && b[start - 1].is_ascii_alphabetic() {
        start -= 1;
    }
    ["one", "two", "three", "four", "five"]
        .iter()
        .any(|w| b[start..end].eq_ignore_ascii_case(w.as_bytes()))
}

/// [`may_hold_worded_ratio`] as it was written first, for its test: the ASCII test from bit
/// masks of whole 64-byte chunks, and any "in" beyond ASCII.
#[cfg(test)]
fn may_hold_worded_ratio_by_masks(text: &str) -> bool {
    if !text.is_ascii() {
        return has_in_word(text);
    }
    let b = text.as_bytes();
    any_spaced_in_word(b, |i| follows_number_word(b, i))
}

/// Whether `text` has "in" in any case between two ASCII whitespace bytes: the ASCII form of
/// a worded ratio needs one, and few sentences have it.
#[cfg(test)]
fn has_spaced_in_word(text: &[u8]) -> bool {
    any_spaced_in_word(text, |_| true)
}

/// Whether `at(i)` holds for some `i` where `text[i..i + 2]` is "in" in any case between two
/// ASCII whitespace bytes, trying them in text order, from bit masks of 64-byte chunks.
#[cfg(test)]
fn any_spaced_in_word(text: &[u8], mut at: impl FnMut(usize) -> bool) -> bool {
    use crate::rules::byte_mask::{low_bits, pack, CHUNK};
    // Masks of the previous chunk: bits 61..=63 continue into this one.
    let (mut last_space, mut last_i, mut last_n) = (0u64, 0u64, 0u64);
    for (index, (chunk, filled)) in byte_mask::chunks(text, 0).enumerate() {
        let (mut space, mut i, mut n) = ([0u8; CHUNK], [0u8; CHUNK], [0u8; CHUNK]);
        for (j, &b) in chunk.iter().enumerate() {
            space[j] = u8::from(is_whitespace_byte(b));
            i[j] = u8::from(b | 0x20 == b'i');
            n[j] = u8::from(b | 0x20 == b'n');
        }
        let keep = low_bits(filled);
        let (space, i, n) = (pack(&space) & keep, pack(&i) & keep, pack(&n) & keep);
        // Bit `e`: whitespace at `e`, "n" at `e - 1`, "i" at `e - 2`, whitespace at `e - 3`.
        let mut ends = space
            & ((n << 1) | (last_n >> 63))
            & ((i << 2) | (last_i >> 62))
            & ((space << 3) | (last_space >> 61));
        while ends != 0 {
            let end = index * CHUNK + ends.trailing_zeros() as usize;
            if at(end - 2) {
                return true;
            }
            ends &= ends - 1;
        }
        (last_space, last_i, last_n) = (space, i, n);
    }
    false
}

/// Whether `text` has "in" in any case: a ratio without digits ("one in five") needs it.
#[cfg(test)]
fn has_in_word(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] | 0x20 == b'i' && w[1] | 0x20 == b'n')
}

/// Whether `sentence` contains any digit outside citation markers (YMYL pages cite every number).
pub fn has_number(sentence: &str) -> bool {
    if !sentence.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    mask_markers(sentence).bytes().any(|b| b.is_ascii_digit())
}

/// `sentence` with citation markers blanked out; borrows when there are none.
fn mask_markers(sentence: &str) -> std::borrow::Cow<'_, str> {
    if !may_hold_marker(sentence.as_bytes()) {
        return std::borrow::Cow::Borrowed(sentence);
    }
    MARKER.replace_all(sentence, " ")
}

/// Whether [`MARKER`] may match: it needs a `[` followed by `^` or a `\d` char, whose first
/// byte is an ASCII digit or, beyond ASCII, a byte of 0x80 or more. Most sentences with a
/// `[` hold link text ("[see the guide](...)"), not a marker, and skip the regex.
fn may_hold_marker(text: &[u8]) -> bool {
    memchr::memchr_iter(b'[', text).any(|i| {
        text.get(i + 1)
            .is_some_and(|&b| b == b'^' || b.is_ascii_digit() || b >= 0x80)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_statistics_and_quantities() {
        assert_eq!(
            claim_kind("About 42% of adults drink coffee daily."),
            Some(ClaimKind::Percentage)
        );
        // Percentage comes first even when other kinds match too.
        assert_eq!(
            claim_kind("In 2023, $5 bought 2 kg, 40 % more than in 2021."),
            Some(ClaimKind::Percentage)
        );
        assert_eq!(
            claim_kind("Rated 100%, costs $5."),
            Some(ClaimKind::Percentage)
        );
        assert_eq!(claim_kind("Costs $5 (x%)."), Some(ClaimKind::Money));
        assert_eq!(
            claim_kind("Sales rose 3.5 percent last quarter."),
            Some(ClaimKind::Percentage)
        );
        assert_eq!(
            claim_kind("The average grinder costs $129."),
            Some(ClaimKind::Money)
        );
        assert_eq!(
            claim_kind("The battery holds 5,000 mAh."),
            Some(ClaimKind::Quantity)
        );
        assert_eq!(
            claim_kind("The city has 2.1 million residents."),
            Some(ClaimKind::Quantity)
        );
        assert_eq!(
            claim_kind("Roughly 1 in 5 people are affected."),
            Some(ClaimKind::Ratio)
        );
        assert_eq!(
            claim_kind("In 2023, the agency changed its guidance."),
            Some(ClaimKind::DateBound)
        );
        assert_eq!(
            claim_kind("The law took effect on March 3, 2021 across the EU."),
            Some(ClaimKind::DateBound)
        );
    }

    #[test]
    fn detects_direct_quotes_but_not_scare_quotes() {
        assert_eq!(
            claim_kind("She said “we will not raise prices this year” at the meeting."),
            Some(ClaimKind::Quote)
        );
        assert_eq!(claim_kind("This is the so-called \"smart\" mode."), None);
        assert_eq!(
            claim_kind("The \"smart\" mode is a lot quieter than the \"eco\" one."),
            None
        );
        assert_eq!(
            claim_kind("\"The numbers surprised us,\" said Mr. Lee."),
            Some(ClaimKind::Quote)
        );
    }

    #[test]
    fn ignores_plain_text_list_counts_and_citation_markers() {
        assert_eq!(claim_kind("Grind the beans just before brewing."), None);
        assert_eq!(claim_kind("Here are 5 tips for better sleep."), None);
        assert_eq!(claim_kind("Espresso needs a fine grind [3]."), None);
        assert_eq!(claim_kind("See the studies [2, 4] and [^note]."), None);
        assert_eq!(claim_kind("Step 2: rinse the filter."), None);
    }

    #[test]
    fn uncited_messages_spell_out_each_kind() {
        for kind in [
            ClaimKind::Percentage,
            ClaimKind::Money,
            ClaimKind::Quantity,
            ClaimKind::Ratio,
            ClaimKind::DateBound,
            ClaimKind::Quote,
        ] {
            assert_eq!(
                kind.uncited_message(),
                format!("sentence states {} without a citation", kind.describe())
            );
        }
    }

    #[test]
    fn has_number_skips_citation_markers() {
        assert!(has_number("Take 2 tablets."));
        assert!(!has_number("Take the tablets with water [2]."));
        assert!(!has_number("No digits here."));
    }
    /// The byte searches answer as the char searches they replace: generated texts with
    /// quote marks, other chars that share their bytes (’ — “ ” é), digits of other scripts,
    /// "in" between every kind of whitespace, at every position.
    #[test]
    fn byte_tests_agree_with_char_tests() {
        let pieces = [
            "\"",
            "“",
            "”",
            "’",
            "—",
            "é",
            "\u{663}",
            "0",
            "5",
            "9",
            "/",
            ":",
            "a",
            "in",
            "IN",
            "iN",
            " ",
            "\t",
            "\r",
            "\u{0b}",
            "\u{0c}",
            "\u{a0}",
            "\u{2003}",
            "x",
            "\u{1F600}",
            " in ",
            "\tIn\n",
        ];
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1du64);
        let mut next = |n: usize| stream.below(n);
        let mut seen = [0usize; 3];
        for _ in 0..20_000 {
            let mut text = String::new();
            // Lengths around the 32-byte blocks of the digit search.
            let most = if next(4) == 0 { 40 } else { 8 };
            for _ in 0..next(most) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let b = text.as_bytes();
            let quote = text.contains(['"', '“']);
            assert_eq!(has_double_quote(b), quote, "{text:?}");
            let digit = text.bytes().any(|c| c.is_ascii_digit());
            assert_eq!(
                byte_mask::first_ascii_digit(b),
                text.bytes().position(|c| c.is_ascii_digit()),
                "{text:?}"
            );
            let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            let spaced_in = b.windows(4).any(|w| {
                space(w[0])
                    && w[1].eq_ignore_ascii_case(&b'i')
                    && w[2].eq_ignore_ascii_case(&b'n')
                    && space(w[3])
            });
            assert_eq!(has_spaced_in_word(b), spaced_in, "{text:?}");
            for (count, hit) in seen.iter_mut().zip([quote, digit, spaced_in]) {
                *count += usize::from(hit);
            }
        }
        assert!(
            seen.iter().all(|&n| (1_000..19_000).contains(&n)),
            "{seen:?}"
        );
    }

    /// The closer look must never rule out a text the regex matches: generated digit-free
    /// sentences around "in", in every case and spacing.
    #[test]
    fn worded_ratio_gate_keeps_every_match() {
        let pieces = [
            "one", "Two", "THREE", "four", "five", "ten", "in", "IN", "In", "someone", "inside",
            "every", "out", "of", "x", "fold", "_", "people", "\u{663}", "\u{665}x",
        ];
        let joins = [" ", "  ", "\t", "\n", "\u{0b}", "-", ",", "", "\u{a0}"];
        let mut stream = crate::test_fixtures::Stream(0x853c_49e6_748f_ea9bu64);
        let mut next = |n: usize| stream.below(n);
        let mut matched = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..1 + next(6) {
                text.push_str(pieces[next(pieces.len())]);
                text.push_str(joins[next(joins.len())]);
            }
            if text.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            let before = has_in_word(&text) && RATIO.is_match(&text);
            let now = may_hold_worded_ratio(&text) && RATIO.is_match(&text);
            assert_eq!(now, before, "{text:?}");
            matched += usize::from(before);
        }
        assert!(matched >= 100, "{matched}");
    }

    /// The one-pass gate answers as the mask gate it replaces: texts of number words, "in"s
    /// and whitespace of every kind, ASCII and not, across the 16- and 64-byte blocks.
    #[test]
    fn worded_ratio_gate_agrees_with_the_mask_gate() {
        let pieces = [
            "one", "Two", "THREE", "four", "FIVE", "five", "in", "IN", "iN", "In", "inside", "tin",
            " ", "  ", "\t", "\n", "\r", "\u{0b}", "\u{0c}", "\u{a0}", "\u{2003}", "é", "x",
            "\u{663}", ",", "someone", "i", "n",
        ];
        let mut stream = crate::test_fixtures::Stream(0x6A09_E667_F3BC_C908);
        let mut next = |n: usize| stream.below(n);
        let mut seen = [0usize; 2];
        for _ in 0..30_000 {
            let mut text = String::new();
            let most = if next(3) == 0 { 60 } else { 12 };
            for _ in 0..next(most) {
                text.push_str(pieces[next(pieces.len())]);
            }
            let want = may_hold_worded_ratio_by_masks(&text);
            assert_eq!(may_hold_worded_ratio(&text), want, "{text:?}");
            seen[usize::from(want)] += 1;
        }
        assert!(seen.iter().all(|&n| n >= 3_000), "{seen:?}");
    }

    #[test]
    fn marker_check_agrees_with_the_marker_regex() {
        let pieces = [
            "[",
            "]",
            "^",
            "1",
            "12",
            ", ",
            "–",
            "-",
            " ",
            "[see the guide](https://x.org/3)",
            "note",
            "\u{0663}",
            "é",
            "\u{2003}",
            "a",
        ];
        let mut stream = crate::test_fixtures::Stream(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..12 {
                text.push_str(pieces[stream.below(pieces.len())]);
            }
            if MARKER.is_match(&text) {
                assert!(may_hold_marker(text.as_bytes()), "{text:?}");
            }
            assert_eq!(
                mask_markers(&text),
                MARKER.replace_all(&text, " "),
                "{text:?}"
            );
        }
        assert!(!may_hold_marker(b"[see the guide](https://x.org/3) 42"));
        assert!(may_hold_marker("[\u{0663}]".as_bytes()));
        assert!(may_hold_marker(b"[^a]"));
    }

    #[test]
    fn narrowed_numeric_search_agrees_with_the_whole_sentence_search() {
        let pieces = [
            "In",
            " ",
            "  ",
            "\t",
            "\n",
            "2019",
            "1850",
            "5",
            "12",
            "3.5",
            ",",
            ".",
            "$",
            "€",
            "%",
            "kg",
            "mAh",
            "million",
            "people",
            "one",
            "in",
            "five",
            "out of",
            "every",
            "x",
            "-fold",
            "Sept",
            "Jan",
            "since",
            "as of",
            "between",
            "USD",
            "dollars",
            "(",
            ")",
            "[3]",
            "[see the guide](https://x.org/652)",
            "é",
            "\u{0663}",
            "percent",
            "°C",
            "the",
            "rose",
        ];
        let mut stream = crate::test_fixtures::Stream(0xD1B5_4A32_D192_ED03);
        for _ in 0..20_000 {
            let mut text = String::new();
            let state = stream.next();
            let count = 1 + (state >> 60) as usize;
            for _ in 0..count {
                text.push_str(pieces[stream.below(pieces.len())]);
            }
            assert_eq!(
                claim_kind(&text),
                claim_kind_searching(&text, false),
                "{text:?}"
            );
        }
        // The digits of a trailing link: the search starts at them.
        let linked = "The budget limits the review ([see the guide](https://x.org/65)).";
        let start = |text: &str| {
            numeric_search_start(
                text,
                byte_mask::first_ascii_digit(text.as_bytes()).unwrap_or(0),
            )
        };
        assert_eq!(start(linked), linked.find("65").unwrap_or(0));
        assert_eq!(start("Costs rose, since Sept. 5, 2020"), 11);
        assert_eq!(start("one in five rose by 3"), 0);
    }
}
