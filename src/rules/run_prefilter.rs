//! A cheap test that rules a text out before a regex without literals runs over it.
//!
//! Every match of `(?-u:\b)([A-Z]{3,5})s?\b` holds three capitals in a row. Such a run is found
//! by one table lookup per byte, several times faster than the regex's own scan (a lazy DFA
//! at 1.5 ns a byte here), and most paragraphs have none, so the regex never runs on them.
//! The run is read off the regex's syntax tree, so any rule pattern gets the prefilter when
//! it has such a run and none when it has not.

use super::byte_mask::{self, low_bits, ByteRanges, CHUNK};
use regex_syntax::hir::{Class, Hir, HirKind};

/// A set of ASCII bytes, one bit each.
type AsciiSet = u128;

/// "Every match contains at least `len` consecutive bytes from `class`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPrefilter {
    class: [bool; 256],
    /// `class` as byte ranges, when it has few: then a chunk's members are found with
    /// vector compares instead of a lookup per byte.
    ranges: Option<ByteRanges>,
    len: usize,
}

/// Runs shorter than this are not worth a pass: one capital is in nearly every paragraph.
const MIN_USEFUL_RUN: usize = 2;

impl RunPrefilter {
    /// The longest byte-class run every match of `pattern` must contain, if there is a useful
    /// one. `None` also for patterns that do not parse (the regex compiler reports those).
    pub fn of(pattern: &str) -> Option<RunPrefilter> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let run = shape(&hir).required?;
        if run.len < MIN_USEFUL_RUN || run.class == 0 {
            return None;
        }
        let mut class = [false; 256];
        for (b, member) in class.iter_mut().enumerate().take(128) {
            *member = run.class >> b & 1 == 1;
        }
        Some(RunPrefilter {
            class,
            ranges: ByteRanges::of(|b| class[usize::from(b)]),
            len: run.len,
        })
    }

    /// Whether `text` holds the run, so that the regex may match it.
    pub fn may_match(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        if self.len > CHUNK {
            return self.may_match_bytewise(bytes);
        }
        // Per chunk, the bit mask of members; bit `j` of `run` stays set when bytes
        // `j - len + 1 ..= j` are all members, the earlier ones possibly in the previous
        // chunk (`previous`). Padding bytes are masked off, so they never join a run.
        let mut previous = 0u64;
        for (chunk, filled) in byte_mask::chunks(bytes, 0) {
            let members = low_bits(filled)
                & match &self.ranges {
                    Some(ranges) => ranges.mask(&chunk),
                    None => {
                        let mut flags = [0u8; CHUNK];
                        for (flag, &b) in flags.iter_mut().zip(&chunk) {
                            *flag = u8::from(self.class[usize::from(b)]);
                        }
                        byte_mask::pack(&flags)
                    }
                };
            let mut run = members;
            for k in 1..self.len {
                run &= (members << k) | (previous >> (CHUNK - k));
            }
            if run != 0 {
                return true;
            }
            previous = members;
        }
        false
    }

    /// [`RunPrefilter::may_match`] one byte at a time: the definition, and the way for runs
    /// longer than a chunk.
    fn may_match_bytewise(&self, bytes: &[u8]) -> bool {
        let mut run = 0;
        for &b in bytes {
            run = if self.class[usize::from(b)] {
                run + 1
            } else {
                0
            };
            if run >= self.len {
                return true;
            }
        }
        false
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    class: AsciiSet,
    len: usize,
}

/// What a syntax node says about runs.
#[derive(Debug, Clone, Copy, Default)]
struct Shape {
    /// The node matches only bytes of `class`, at least `len` of them (zero-width nodes are
    /// pure with an empty class and length 0).
    pure: Option<Run>,
    /// A run that every match of the node contains.
    required: Option<Run>,
}

fn shape(hir: &Hir) -> Shape {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => pure(Run { class: 0, len: 0 }),
        HirKind::Literal(lit) => match ascii_set(lit.0.iter().copied()) {
            Some(class) => pure(Run {
                class,
                len: lit.0.len(),
            }),
            None => Shape::default(),
        },
        HirKind::Class(class) => match class_set(class) {
            Some(class) => pure(Run { class, len: 1 }),
            None => Shape::default(),
        },
        HirKind::Capture(cap) => shape(&cap.sub),
        HirKind::Repetition(rep) => {
            let inner = shape(&rep.sub);
            let min = rep.min as usize;
            Shape {
                pure: inner.pure.map(|r| Run {
                    class: r.class,
                    len: r.len.saturating_mul(min),
                }),
                required: if min == 0 {
                    None
                } else {
                    longest(
                        inner.required,
                        inner.pure.map(|r| Run {
                            len: r.len * min,
                            ..r
                        }),
                    )
                },
            }
        }
        HirKind::Concat(items) => concat(items),
        HirKind::Alternation(branches) => {
            let mut all: Option<Run> = None;
            for branch in branches {
                let Some(run) = shape(branch).required else {
                    return Shape::default();
                };
                // Each branch holds its own run; together: a run as long as the shortest, of
                // bytes from any branch's class.
                all = Some(match all {
                    None => run,
                    Some(a) => Run {
                        class: a.class | run.class,
                        len: a.len.min(run.len),
                    },
                });
            }
            Shape {
                pure: None,
                required: all,
            }
        }
    }
}

/// Adjacent pure items join into one run when one's class contains the other's; any other
/// item ends the run. The longest run seen, or an item's own required run, is required.
fn concat(items: &[Hir]) -> Shape {
    let mut best: Option<Run> = None;
    let mut current: Option<Run> = Some(Run { class: 0, len: 0 });
    let mut all_pure = true;
    for item in items {
        let s = shape(item);
        best = longest(best, s.required);
        match (current, s.pure) {
            (Some(run), Some(next)) => {
                current = Some(if next.class & !run.class == 0 {
                    Run {
                        class: run.class,
                        len: run.len + next.len,
                    }
                } else if run.class & !next.class == 0 {
                    Run {
                        class: next.class,
                        len: run.len + next.len,
                    }
                } else {
                    best = longest(best, Some(run));
                    next
                });
            }
            (None, Some(next)) => current = Some(next),
            (run, None) => {
                all_pure = false;
                best = longest(best, run);
                current = None;
            }
        }
    }
    best = longest(best, current);
    Shape {
        pure: if all_pure { current } else { None },
        required: best.filter(|r| r.len > 0),
    }
}

fn pure(run: Run) -> Shape {
    Shape {
        pure: Some(run),
        required: (run.len > 0).then_some(run),
    }
}

fn longest(a: Option<Run>, b: Option<Run>) -> Option<Run> {
    match (a, b) {
        (Some(a), Some(b))
            if b.len > a.len || (b.len == a.len && b.class.count_ones() < a.class.count_ones()) =>
        {
            Some(b)
        }
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

fn ascii_set(bytes: impl Iterator<Item = u8>) -> Option<AsciiSet> {
    let mut set: AsciiSet = 0;
    for b in bytes {
        if !b.is_ascii() {
            return None;
        }
        set |= 1 << b;
    }
    Some(set)
}

/// The class as a set of ASCII bytes; `None` when it holds anything else (a non-ASCII char
/// is several bytes, so a byte run no longer measures it).
fn class_set(class: &Class) -> Option<AsciiSet> {
    let mut set: AsciiSet = 0;
    let mut add = |lo: u32, hi: u32| -> Option<()> {
        if hi >= 128 {
            return None;
        }
        for b in lo..=hi {
            set |= 1 << b;
        }
        Some(())
    };
    match class {
        Class::Unicode(c) => {
            for r in c.ranges() {
                add(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
        Class::Bytes(c) => {
            for r in c.ranges() {
                add(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(pattern: &str) -> Option<(String, usize)> {
        RunPrefilter::of(pattern).map(|p| {
            let class: String = (0u8..128)
                .filter(|&b| p.class[usize::from(b)])
                .map(char::from)
                .collect();
            (class, p.len)
        })
    }

    const CAPITALS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    #[test]
    fn finds_the_run_of_the_acronym_patterns() {
        assert_eq!(
            run_of(r"(?-u:\b)([A-Z]{3,5})s?(?-u:\b)"),
            Some((CAPITALS.into(), 3))
        );
        // Both branches hold three capitals.
        assert_eq!(
            run_of(r"\(([A-Z]{3,5})s?\)|(?-u:\b)([A-Z]{3,5}) \([A-Za-z]"),
            Some((CAPITALS.into(), 3))
        );
        // Adjacent items of nested classes join: a capital literal, then more capitals.
        assert_eq!(run_of(r"US[A-Z]{2}"), Some((CAPITALS.into(), 4)));
        assert_eq!(
            run_of(r"[0-9]{2}[0-9a-f]{2}"),
            Some(("0123456789abcdef".into(), 4))
        );
    }

    #[test]
    fn gives_none_where_no_run_is_required() {
        // An optional or alternative branch without a run, a single byte, Unicode classes.
        assert_eq!(run_of(r"([A-Z]{3})?x"), None);
        assert_eq!(run_of(r"[A-Z]{3}|x"), None);
        assert_eq!(run_of(r"[A-Z]"), None);
        assert_eq!(run_of(r"\p{Lu}{3}"), None);
        // Case-insensitive letters include the Kelvin sign and the long s.
        assert_eq!(run_of(r"(?i)[a-z]{3}"), None);
        // `s?` between capitals can put a lower-case byte inside the run.
        assert_eq!(run_of(r"[A-Z]s?[A-Z]"), None);
        assert_eq!(run_of(r"(unclosed"), None);
    }

    #[test]
    fn never_rules_out_a_text_the_regex_matches() {
        let patterns = [
            r"(?-u:\b)([A-Z]{3,5})s?(?-u:\b)",
            r"\(([A-Z]{3,5})s?\)|(?-u:\b)([A-Z]{3,5}) \([A-Za-z]",
            r"US[A-Z]{2}",
            r"[0-9]{2}[0-9a-f]{2}",
        ];
        let texts = [
            "The NASA budget",
            "no acronyms here at all",
            "Full Name (FN) and Other Thing (OTS)",
            "USA (United States) USAF",
            "hex 12ab and 9f",
            "ÄÖÜ ÉTÉ NATO",
            "AB CD",
            "",
        ];
        for pattern in patterns {
            let regex = regex::Regex::new(pattern).unwrap();
            let prefilter = RunPrefilter::of(pattern).unwrap();
            for text in texts {
                if regex.is_match(text) {
                    assert!(prefilter.may_match(text), "{pattern} on {text:?}");
                }
            }
        }
        let acronym = RunPrefilter::of(patterns[0]).unwrap();
        assert!(!acronym.may_match("AB CD no run of three"));
        assert!(acronym.may_match("xxABCxx"));
    }
    #[test]
    fn chunked_search_agrees_with_the_bytewise_one() {
        let patterns = [
            r"(?-u:\b)([A-Z]{3,5})s?(?-u:\b)",
            r"[0-9]{2}[0-9a-f]{2}",
            r"[A-Z]{9}",
            r"[a-z]{70}",
            // Seven separate bytes: more ranges than the vector path takes.
            r"[aceg!#%]{3}",
        ];
        let pieces = [
            "A",
            "AB",
            "ABC",
            "x",
            " ",
            "é",
            "É",
            "NASA",
            "12",
            "ab",
            "9f",
            "a",
            "c",
            "!",
            "%",
            "abcdefghij",
            "\n",
        ];
        let mut stream = crate::test_fixtures::Stream(0x2545_F491_4F6C_DD1D);
        for pattern in patterns {
            let prefilter = RunPrefilter::of(pattern).expect("has a run");
            for _ in 0..400 {
                let mut text = String::new();
                let state = stream.next();
                let count = (state >> 58) as usize * 4;
                for _ in 0..count {
                    text.push_str(pieces[stream.below(pieces.len())]);
                }
                assert_eq!(
                    prefilter.may_match(&text),
                    prefilter.may_match_bytewise(text.as_bytes()),
                    "{pattern} on {text:?}"
                );
            }
        }
        // A run across the chunk boundary, and one that ends at the text's end.
        let acronym = RunPrefilter::of(patterns[0]).expect("has a run");
        let across = format!("{}ABC{}", "x".repeat(62), "x".repeat(10));
        assert!(acronym.may_match(&across));
        assert!(acronym.may_match(&format!("{}ABC", "x".repeat(125))));
        assert!(!acronym.may_match(&format!("{}AB", "x".repeat(126))));
        assert!(RunPrefilter::of(patterns[3])
            .expect("has a run")
            .may_match(&"q".repeat(70)));
    }
}
