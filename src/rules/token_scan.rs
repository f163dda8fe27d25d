//! One pass over a text that finds the anchor words of several token rules at once.
//!
//! Every match of a whole-word token regex (`(?-u:\b)(?:tok|...)(?-u:\b)`, ASCII tokens,
//! spaces as `\s+`, `'` as either apostrophe) holds each word of its token (a maximal run of
//! ASCII letters, digits and `_`) as a whole word of the text: the token's own separators and
//! the word boundaries at its ends put a non-word byte on both sides. So a rule only needs its
//! regex where the text holds one of its anchor words (the longest word of each token), and
//! finding words is one table lookup per byte, shared by all rules; an Aho-Corasick search per
//! rule also stops on every substring hit ("able" in "durable").
//!
//! Case: words compare with every byte's `0x20` bit set, which lower-cases ASCII letters and
//! keeps the word bytes apart from each other (`_` becomes 0x7F, digits keep the bit), so the
//! comparison is ASCII-case-insensitive. The Kelvin sign and the long s, which `(?i)` folds to
//! `k` and `s`, are non-ASCII: callers search texts that hold them with the regex alone.
use super::byte_mask::{self, low_bits, CHUNK};
use crate::doc::{BlockKind, Document};

/// ASCII word bytes, as `(?-u:\b)` sees them.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// Bits of the quick-reject filter (a power of two).
const FILTER_BITS: usize = 16384;

/// The most rules (slots) one scanner serves: hits carry them as a bit mask.
pub const MAX_SLOTS: usize = 64;

/// An anchor word found in a text: its byte range and the slots whose anchor it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordHit {
    pub start: u32,
    pub end: u32,
    pub slots: u64,
}

/// The anchor words of up to [`MAX_SLOTS`] rules, compiled for [`WordScanner::scan`].
#[derive(Debug, Clone)]
pub struct WordScanner {
    /// Bit `hash % FILTER_BITS` is set for every anchor: most words fail here.
    filter: Box<[u64]>,
    /// (hash, folded word, slots), sorted by hash.
    anchors: Vec<(u64, Box<[u8]>, u64)>,
    /// Per (first byte, last byte) of a word, by their low five bits (which ignore ASCII
    /// case): bit `min(len, 16) - 1` is set when an anchor of that length has them. A word
    /// costs two loads here, and most words stop here, before hashing.
    ends: Box<[u16]>,
    min_len: usize,
    max_len: usize,
}

impl WordScanner {
    /// A scanner for `groups[slot]` = the anchor words of rule `slot`. `None` when there are
    /// more than [`MAX_SLOTS`] groups or a word is empty or not made of ASCII word bytes.
    pub fn new<S: AsRef<str>>(groups: &[Vec<S>]) -> Option<WordScanner> {
        if groups.len() > MAX_SLOTS {
            return None;
        }
        let mut anchors: Vec<(u64, Box<[u8]>, u64)> = Vec::new();
        for (slot, words) in groups.iter().enumerate() {
            for word in words {
                let word = word.as_ref().as_bytes();
                if word.is_empty() || !word.iter().all(|&b| WORD[usize::from(b)]) {
                    return None;
                }
                let folded: Box<[u8]> = word.iter().map(|&b| b | 0x20).collect();
                let bit = 1u64 << slot;
                match anchors.iter_mut().find(|a| a.1 == folded) {
                    Some(a) => a.2 |= bit,
                    None => anchors.push((hash_word(&folded, 0, folded.len()), folded, bit)),
                }
            }
        }
        anchors.sort_by_key(|a| a.0);
        let mut filter = vec![0u64; FILTER_BITS / 64].into_boxed_slice();
        for (h, _, _) in &anchors {
            let bit = (*h as usize) % FILTER_BITS;
            filter[bit / 64] |= 1 << (bit % 64);
        }
        let mut ends = vec![0u16; ENDS_SIZE].into_boxed_slice();
        for (_, word, _) in &anchors {
            if let (Some(&first), Some(&last)) = (word.first(), word.last()) {
                ends[ends_index(first, last)] |= ends_bit(word.len());
            }
        }
        let min_len = anchors
            .iter()
            .map(|a| a.1.len())
            .min()
            .unwrap_or(usize::MAX);
        let max_len = anchors.iter().map(|a| a.1.len()).max().unwrap_or(0);
        Some(WordScanner {
            filter,
            anchors,
            ends,
            min_len,
            max_len,
        })
    }

    /// Append every whole word of `text` that is an anchor, in text order.
    pub fn scan(&self, text: &str, out: &mut Vec<WordHit>) {
        // Word bytes as a bit mask per 64-byte chunk; each word is one run of set bits, taken
        // whole (its start, then its length from the run of ones): no branch per byte, and
        // one per word rather than one per word edge.
        let bytes = text.as_bytes();
        // The start of a word that runs to the end of the chunk before.
        let mut open: Option<usize> = None;
        // The last chunk is padded with spaces, which are not word bytes.
        for (index, (chunk, _)) in byte_mask::chunks(bytes, b' ').enumerate() {
            let base = index * CHUNK;
            let mut rest = byte_mask::word_mask(&chunk);
            if let Some(start) = open {
                let run = rest.trailing_ones() as usize;
                if run == CHUNK {
                    continue;
                }
                self.check_word(bytes, start, base + run, out);
                open = None;
                rest &= !low_bits(run);
            }
            while rest != 0 {
                let first = rest.trailing_zeros() as usize;
                let end = first + (rest >> first).trailing_ones() as usize;
                if end == CHUNK {
                    open = Some(base + first);
                    break;
                }
                self.check_word(bytes, base + first, base + end, out);
                // `end < CHUNK` here: a plain shift, no test for a whole-chunk mask.
                rest &= u64::MAX << (end % CHUNK);
            }
        }
        if let Some(start) = open {
            self.check_word(bytes, start, bytes.len(), out);
        }
    }

    /// Push `bytes[start..end]` (a whole word) when it is an anchor.
    #[inline(always)]
    fn check_word(&self, bytes: &[u8], start: usize, end: usize, out: &mut Vec<WordHit>) {
        let len = end - start;
        if len < self.min_len || len > self.max_len {
            return;
        }
        let (Some(&first), Some(&last)) = (bytes.get(start), bytes.get(end.wrapping_sub(1))) else {
            return;
        };
        if self.ends[ends_index(first, last)] & ends_bit(len) == 0 {
            return;
        }
        self.check_candidate(bytes, start, end, out);
    }

    /// [`WordScanner::check_word`] for a word that passed the quick test of its ends.
    #[inline(never)]
    fn check_candidate(&self, bytes: &[u8], start: usize, end: usize, out: &mut Vec<WordHit>) {
        let len = end - start;
        let Some(word) = bytes.get(start..end) else {
            return;
        };
        let h = hash_word(bytes, start, end);
        let bit = (h as usize) % FILTER_BITS;
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return;
        }
        let first = self.anchors.partition_point(|a| a.0 < h);
        for (_, anchor, slots) in self.anchors[first..].iter().take_while(|a| a.0 == h) {
            if anchor.len() == len && anchor.iter().zip(word).all(|(a, w)| *a == w | 0x20) {
                // Texts over 4 GiB are not documents; their offsets would not fit.
                if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
                    out.push(WordHit {
                        start,
                        end,
                        slots: *slots,
                    });
                }
                return;
            }
        }
    }
}

/// Entries of [`WordScanner::ends`]: 32 values of the first byte's low bits by 32 of the last's.
const ENDS_SIZE: usize = 32 * 32;

/// Index in [`WordScanner::ends`] of a word from its first and last bytes (folded or not: the
/// `0x20` bit is not among the low five).
#[inline(always)]
fn ends_index(first: u8, last: u8) -> usize {
    usize::from(first & 31) << 5 | usize::from(last & 31)
}

/// Bit of a word of `len >= 1` bytes in an entry of [`WordScanner::ends`].
#[inline(always)]
fn ends_bit(len: usize) -> u16 {
    1 << (len.clamp(1, 16) - 1)
}

/// A hash of the word `bytes[start..end]` with every byte's `0x20` bit set: its first and
/// last eight bytes (they overlap in shorter words) and its length, so a word costs the same
/// whatever its length.
fn hash_word(bytes: &[u8], start: usize, end: usize) -> u64 {
    let len = end - start;
    let (head, tail) = if len >= 8 {
        (load8(bytes, start, 8), load8(bytes, end - 8, 8))
    } else {
        let v = load8(bytes, start, len);
        (v, v)
    };
    let mixed = (head ^ tail.rotate_left(29) ^ (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xD6E8_FEB8_6659_FD93);
    mixed ^ (mixed >> 32)
}

/// The `n <= 8` bytes at `bytes[at..]`, little-endian, each with its `0x20` bit set, zero
/// above them. Reads eight bytes at once where the text has them (no copy per word).
#[inline]
pub(crate) fn load8(bytes: &[u8], at: usize, n: usize) -> u64 {
    let keep = u64::MAX.checked_shr(64 - 8 * n as u32).unwrap_or(0);
    let fold = 0x2020_2020_2020_2020u64 & keep;
    let raw = match bytes.get(at..at + 8) {
        Some(eight) => {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(eight);
            u64::from_le_bytes(buf)
        }
        None => {
            let mut buf = [0u8; 8];
            let part = bytes.get(at..at + n).unwrap_or_default();
            buf[..part.len()].copy_from_slice(part);
            u64::from_le_bytes(buf)
        }
    };
    (raw & keep) | fold
}

/// The anchor hits of every prose block and heading of one document, from one scan each:
/// the rules of one engine share them (a hit's slots say whose anchor it is).
#[derive(Debug, Default)]
pub struct DocumentHits {
    hits: Vec<WordHit>,
    /// Per block (same index as `Document::blocks`; code blocks are not scanned).
    blocks: Vec<TextHits>,
    /// Per heading (same index as `Document::headings`).
    headings: Vec<TextHits>,
}

/// One text's hits: `DocumentHits::hits[start..end]`, and whether the text holds a character
/// that `(?i)` folds to an ASCII letter (then the hits do not cover every match).
#[derive(Debug, Default, Clone, Copy)]
struct TextHits {
    start: usize,
    end: usize,
    special_folds: bool,
}

impl DocumentHits {
    pub fn of(scanner: &WordScanner, doc: &Document) -> DocumentHits {
        let mut hits = Vec::new();
        let mut scan = |text: &str| {
            let start = hits.len();
            scanner.scan(text, &mut hits);
            TextHits {
                start,
                end: hits.len(),
                special_folds: !byte_mask::is_ascii(text.as_bytes())
                    && (text.contains('\u{212A}') || text.contains('\u{17F}')),
            }
        };
        let blocks = doc
            .blocks
            .iter()
            .map(|b| match b.kind {
                BlockKind::Code => TextHits::default(),
                _ => scan(&b.text),
            })
            .collect();
        let headings = doc.headings.iter().map(|h| scan(&h.text)).collect();
        DocumentHits {
            hits,
            blocks,
            headings,
        }
    }

    /// The hits in block `i` and whether it holds the Kelvin sign or the long s; no hits for
    /// code blocks and unknown indices.
    pub fn block(&self, i: usize) -> (&[WordHit], bool) {
        self.text(self.blocks.get(i))
    }

    /// As [`DocumentHits::block`], for heading `i`.
    pub fn heading(&self, i: usize) -> (&[WordHit], bool) {
        self.text(self.headings.get(i))
    }

    fn text(&self, t: Option<&TextHits>) -> (&[WordHit], bool) {
        match t {
            Some(t) => (
                self.hits.get(t.start..t.end).unwrap_or_default(),
                t.special_folds,
            ),
            None => (&[], false),
        }
    }
}

/// Words too frequent in English prose to anchor on when a token has another: each hit
/// costs a regex search of its window ("the" is 10% of all words).
const COMMON_WORDS: &[&str] = &[
    "a", "about", "all", "also", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "if",
    "in", "into", "is", "it", "its", "just", "many", "may", "more", "most", "no", "not", "of",
    "on", "one", "only", "or", "other", "our", "out", "she", "so", "some", "such", "than", "that",
    "the", "their", "then", "there", "these", "they", "this", "those", "to", "up", "very", "was",
    "we", "what", "when", "which", "who", "will", "with", "would", "you", "your",
];

/// The word of `token` a rule anchors on: its longest run of ASCII word bytes that is not a
/// common word (the first of equal ones), else its longest run; `None` when it has none.
/// Any word of the token would find every match; a rare one finds fewer windows to search.
pub fn anchor_word(token: &str) -> Option<&str> {
    let words = || {
        token
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
    };
    let common = |w: &&str| COMMON_WORDS.iter().any(|c| c.eq_ignore_ascii_case(w));
    longest(words().filter(|w| !common(w))).or_else(|| longest(words()))
}

/// The first of the longest `words`.
fn longest<'a>(words: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<&str> = None;
    for word in words {
        if best.is_none_or(|b| word.len() > b.len()) {
            best = Some(word);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_found(scanner: &WordScanner, text: &str) -> Vec<(String, u64)> {
        let mut hits = Vec::new();
        scanner.scan(text, &mut hits);
        hits.iter()
            .map(|h| (text[h.start as usize..h.end as usize].to_string(), h.slots))
            .collect()
    }

    #[test]
    fn finds_whole_anchor_words_in_any_case() {
        let scanner =
            WordScanner::new(&[vec!["able", "utilize"], vec!["might", "able"]]).expect("scanner");
        assert_eq!(
            words_found(
                &scanner,
                "Durable, ABLE; able_ mightily Utilize it MIGHT—able9 (able)"
            ),
            [
                ("ABLE".to_string(), 0b11),
                ("Utilize".to_string(), 0b01),
                ("MIGHT".to_string(), 0b10),
                ("able".to_string(), 0b11),
            ]
        );
        assert!(words_found(&scanner, "").is_empty());
        assert!(words_found(&scanner, "nothing here é ü").is_empty());
    }

    #[test]
    fn folding_keeps_word_bytes_apart() {
        // `_` folds to 0x7F and digits keep their bit: neither matches a letter.
        let scanner = WordScanner::new(&[vec!["a_b", "x9", "longanchorword"]]).expect("scanner");
        assert_eq!(
            words_found(
                &scanner,
                "A_B a_b a b x9 X9 xy LongAnchorWORD longanchorwor"
            ),
            [
                ("A_B".to_string(), 1),
                ("a_b".to_string(), 1),
                ("x9".to_string(), 1),
                ("X9".to_string(), 1),
                ("LongAnchorWORD".to_string(), 1),
            ]
        );
    }

    #[test]
    fn finds_every_anchor_among_many_words() {
        // Words of all lengths 1..=20, each an anchor of its own slot (mod 64); every other
        // word is not an anchor and must not be reported.
        let anchors: Vec<String> = (1..=120)
            .map(|i| format!("w{}{}", "q".repeat(i % 20), i))
            .collect();
        let groups: Vec<Vec<String>> = (0..60)
            .map(|s| anchors.iter().skip(s).step_by(60).cloned().collect())
            .collect();
        let scanner = WordScanner::new(&groups).expect("scanner");
        let text: String = anchors
            .iter()
            .map(|a| format!("{} {}x ", a.to_uppercase(), a))
            .collect();
        let found = words_found(&scanner, &text);
        assert_eq!(found.len(), anchors.len());
        for ((word, slots), (i, anchor)) in found.iter().zip(anchors.iter().enumerate()) {
            assert_eq!(word, &anchor.to_uppercase());
            assert_eq!(*slots, 1 << (i % 60));
        }
    }

    /// Whole words of `text` that equal an anchor, found the slow way.
    fn naive(anchors: &[&str], text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
            let word_char = c.is_ascii_alphanumeric() || c == '_';
            if !word_char {
                let word = &text[start..i];
                if anchors.iter().any(|a| a.eq_ignore_ascii_case(word)) {
                    out.push((start, i));
                }
                start = i + c.len_utf8();
            }
        }
        out
    }

    /// The scanner's hits in `text` are [`naive`]'s words.
    fn assert_scan_is_naive(scanner: &WordScanner, anchors: &[&str], text: &str) {
        let mut hits = Vec::new();
        scanner.scan(text, &mut hits);
        let found: Vec<(usize, usize)> = hits
            .iter()
            .map(|h| (h.start as usize, h.end as usize))
            .collect();
        assert_eq!(found, naive(anchors, text), "{text:?}");
    }

    #[test]
    fn agrees_with_a_word_by_word_search_across_chunks() {
        let anchors = [
            "utilize",
            "order",
            "x",
            "abcdefghijklmnopqrstuvwxyz0123456789_long",
        ];
        let scanner = WordScanner::new(&[anchors.to_vec()]).expect("scanner");
        let pieces = [
            "utilize",
            "Order",
            "x",
            "X",
            "xx",
            "orders",
            " ",
            "  ",
            "\n",
            ", ",
            "é",
            "’",
            "abcdefghijklmnopqrstuvwxyz0123456789_long",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_LONG",
            "_",
            "9",
            "abc",
        ];
        let mut stream = crate::test_fixtures::Stream(0x9E37_79B9_7F4A_7C15);
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..40 {
                text.push_str(pieces[stream.below(pieces.len())]);
            }
            assert_scan_is_naive(&scanner, &anchors, &text);
        }
    }

    #[test]
    fn agrees_with_a_word_by_word_search_on_near_misses() {
        // Anchors of every length up to 20, and words that share their first and last bytes
        // and length (one inner byte changed), their case, or only their ends.
        let mut stream = crate::test_fixtures::Stream(0x5DEE_CE66_D1CE_4E5B);
        let mut next = |n: usize| stream.below(n);
        let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
        let anchors: Vec<String> = (0..150)
            .map(|i| {
                (0..1 + i % 20)
                    .map(|_| char::from(alphabet[next(alphabet.len())]))
                    .collect()
            })
            .collect();
        let mut pool: Vec<String> = Vec::new();
        for a in &anchors {
            pool.push(a.clone());
            pool.push(a.to_ascii_uppercase());
            let mut changed = a.clone().into_bytes();
            let middle = changed.len() / 2;
            changed[middle] = if changed[middle] == b'q' { b'r' } else { b'q' };
            pool.push(String::from_utf8(changed).expect("ASCII"));
            pool.push(format!("{a}{a}"));
        }
        let refs: Vec<&str> = anchors.iter().map(String::as_str).collect();
        let scanner = WordScanner::new(std::slice::from_ref(&refs)).expect("scanner");
        let separators = [" ", ", ", "é", "\n", "-", "’"];
        for _ in 0..200 {
            let mut text = String::new();
            for _ in 0..30 {
                text.push_str(&pool[next(pool.len())]);
                text.push_str(separators[next(separators.len())]);
            }
            assert_scan_is_naive(&scanner, &refs, &text);
        }
    }

    #[test]
    fn rejects_what_it_cannot_scan_for() {
        assert!(WordScanner::new(&[vec!["two words"]]).is_none());
        assert!(WordScanner::new(&[vec![""]]).is_none());
        assert!(WordScanner::new(&[vec!["café"]]).is_none());
        let too_many: Vec<Vec<&str>> = (0..=MAX_SLOTS).map(|_| vec!["a"]).collect();
        assert!(WordScanner::new(&too_many).is_none());
    }

    #[test]
    fn anchor_is_the_longest_word() {
        assert_eq!(anchor_word("it's worth noting"), Some("noting"));
        assert_eq!(anchor_word("game-changer"), Some("changer"));
        assert_eq!(anchor_word("more or less"), Some("less"));
        // Common words are passed over when the token has another.
        assert_eq!(anchor_word("at the end of the day"), Some("end"));
        assert_eq!(anchor_word("when all is said and done"), Some("said"));
        assert_eq!(anchor_word("The Fact"), Some("Fact"));
        assert_eq!(anchor_word("could"), Some("could"));
        assert_eq!(anchor_word("!"), None);
    }
}
