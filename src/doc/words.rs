//! Counting words and syllables: the numbers behind the length and readability rules, the
//! thin-content check and the audit's word counts. Each block's and sentence's counts are
//! computed once per document ([`super::Document::block_counts`]) in one pass over the bytes
//! when the text is ASCII, however many rules read them.

/// Words in `text`: whitespace-separated tokens holding at least one letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

/// Syllables of one word, fed letter by letter (lower-case ASCII or any alphabetic char).
#[derive(Default)]
struct SyllableCounter {
    count: usize,
    prev_vowel: bool,
    letters: usize,
    last: [char; 3],
}

impl SyllableCounter {
    #[inline]
    fn push(&mut self, c: char) {
        self.letters += 1;
        let vowel = is_vowel(c);
        if vowel && !self.prev_vowel {
            self.count += 1;
        }
        self.prev_vowel = vowel;
        self.last = [self.last[1], self.last[2], c];
    }

    #[inline]
    fn finish(self) -> usize {
        estimate(self.count, self.letters, self.last)
    }
}

/// Syllables from a word's vowel groups, letter count and last three letters (oldest first),
/// with the usual corrections.
#[inline]
fn estimate(mut count: usize, letters: usize, last: [char; 3]) -> usize {
    if letters == 0 {
        return 0;
    }
    // Silent final `e` ("make"), but not "-le" after a consonant ("table").
    let consonant_le = last[1] == 'l' && !is_vowel(last[0]);
    if last[2] == 'e' && count > 1 && !is_vowel(last[1]) && !consonant_le {
        count -= 1;
    }
    // "-ed" is usually silent ("jumped") unless after t or d ("wanted").
    if count > 1
        && last[2] == 'd'
        && last[1] == 'e'
        && !matches!(last[0], 't' | 'd')
        && !is_vowel(last[0])
    {
        count -= 1;
    }
    count.max(1)
}

/// English syllables of one word by vowel groups, with the usual silent-`e` correction.
/// An estimate, as in every Flesch implementation; at least 1 for any word with a letter.
pub fn syllables(word: &str) -> usize {
    let mut counter = SyllableCounter::default();
    // Bytes for the common ASCII case: this runs for every word of every document.
    if word.is_ascii() {
        for b in word.bytes().filter(u8::is_ascii_alphabetic) {
            counter.push(char::from(b.to_ascii_lowercase()));
        }
    } else {
        for c in word.chars().filter(|c| c.is_alphabetic()) {
            counter.push(c.to_ascii_lowercase());
        }
    }
    counter.finish()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Counts of one text (a block or a sentence).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextCounts {
    /// Whitespace-separated tokens, punctuation-only ones included.
    pub tokens: u32,
    /// Tokens holding a letter or digit (see [`words`]).
    pub words: u32,
    pub syllables: u32,
    /// Words of three or more syllables.
    pub complex_words: u32,
}

/// A word as counting meets it, for callers that read every word anyway (the audit's text
/// fingerprint): one walk over the text serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    /// The whitespace-separated token (it holds a letter or digit).
    pub text: &'a str,
    /// Whether every byte is an ASCII letter or digit: then its lower-case form is each byte
    /// with bit `0x20` set, and nothing needs filtering.
    pub plain: bool,
    /// The counted text from the word's first byte to its end (the word, then what follows
    /// it): a hasher may load whole 8-byte lanes from it past the word's end, instead of
    /// assembling the last lane byte by byte.
    pub tail: &'a [u8],
}

impl TextCounts {
    pub fn of(text: &str) -> TextCounts {
        Self::of_visiting(text, &mut |_| {})
    }

    /// [`TextCounts::of`], handing each word (see [`words`]) to `visit` in order.
    pub fn of_visiting<'t>(text: &'t str, visit: &mut impl FnMut(Word<'t>)) -> TextCounts {
        let mut counts = TextCounts::default();
        counts.add_text(text, visit);
        counts
    }

    /// Counts of a token holding non-ASCII bytes, by chars: it may hold Unicode whitespace
    /// too, so it is split again. `start` is its offset in `text`.
    #[cold]
    fn add_non_ascii<'t>(
        &mut self,
        text: &'t str,
        start: usize,
        end: usize,
        visit: &mut impl FnMut(Word<'t>),
    ) {
        let Some(token) = text.get(start..end) else {
            return;
        };
        for piece in token.split_whitespace() {
            self.tokens += 1;
            if piece.chars().any(char::is_alphanumeric) {
                self.add_word(syllables(piece));
                // `piece` lies inside `text`: its offset is the distance between their starts.
                let offset = piece.as_ptr() as usize - text.as_ptr() as usize;
                visit(Word {
                    text: piece,
                    plain: piece.bytes().all(|b| b.is_ascii_alphanumeric()),
                    tail: text.as_bytes().get(offset..).unwrap_or(piece.as_bytes()),
                });
            }
        }
    }

    /// [`TextCounts::of`] in one pass with a byte-class table (this runs over every sentence
    /// of every page); tokens holding non-ASCII bytes, rare in English prose, are handed to
    /// [`TextCounts::add_non_ascii`] whole. Spaces and each token are walked by their own
    /// loop, so the only hard-to-predict branch is a token's end; a word's last three letters,
    /// which the syllable corrections need, ride along in one register.
    fn add_text<'t>(&mut self, text: &'t str, visit: &mut impl FnMut(Word<'t>)) {
        let bytes = text.as_bytes();
        let mut i = 0;
        loop {
            while i < bytes.len() && BYTE_CLASS[usize::from(bytes[i])] & SPACE != 0 {
                i += 1;
            }
            if i >= bytes.len() {
                return;
            }
            let start = i;
            let mut groups = 0u32;
            // The token's last three letters, lower-cased, newest in the low byte; zero bytes
            // where it has fewer (the syllable corrections read them).
            let mut last_three = 0u32;
            let mut prev_vowel = false;
            // Class bits some byte has, and those every byte has.
            let mut any = 0u8;
            let mut every = u8::MAX;
            while let Some(&b) = bytes.get(i) {
                let class = BYTE_CLASS[usize::from(b)];
                if class & SPACE != 0 {
                    break;
                }
                any |= class;
                every &= class;
                if class & ALPHA != 0 {
                    let vowel = class & VOWEL != 0;
                    groups += u32::from(vowel && !prev_vowel);
                    prev_vowel = vowel;
                    last_three = (last_three << 8) | u32::from(b | 0x20);
                }
                i += 1;
            }
            if any & NON_ASCII != 0 {
                self.add_non_ascii(text, start, i, visit);
                continue;
            }
            self.tokens += 1;
            if any & ALNUM != 0 {
                let syllables = if any & ALPHA != 0 {
                    let [_, oldest, middle, newest] = last_three.to_be_bytes();
                    let last = [oldest, middle, newest].map(char::from);
                    estimate(groups as usize, 1, last)
                } else {
                    0
                };
                self.add_word(syllables);
                // Token bounds are ASCII whitespace, so the slice is on char boundaries.
                if let Some(word) = text.get(start..i) {
                    visit(Word {
                        text: word,
                        plain: every & ALNUM != 0,
                        tail: &bytes[start..],
                    });
                }
            }
        }
    }

    fn add_word(&mut self, syllables: usize) {
        self.words += 1;
        self.syllables = self
            .syllables
            .saturating_add(syllables.min(u32::MAX as usize) as u32);
        self.complex_words += u32::from(syllables >= 3);
    }
}

impl std::ops::AddAssign for TextCounts {
    fn add_assign(&mut self, other: TextCounts) {
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.words = self.words.saturating_add(other.words);
        self.syllables = self.syllables.saturating_add(other.syllables);
        self.complex_words = self.complex_words.saturating_add(other.complex_words);
    }
}

const SPACE: u8 = 1;
const ALPHA: u8 = 2;
const DIGIT: u8 = 4;
const VOWEL: u8 = 8;
/// Letter or digit.
const ALNUM: u8 = 16;
/// A byte of a multi-byte UTF-8 char.
const NON_ASCII: u8 = 32;

/// Class bits of each byte: `char::is_whitespace` for ASCII (vertical tab included), letters,
/// digits (and both as [`ALNUM`]), the vowels of [`syllables`] (a e i o u y, either case),
/// and the bytes of non-ASCII chars.
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            SPACE
        } else if c.is_ascii_alphabetic() {
            let lower = c.to_ascii_lowercase();
            if matches!(lower, b'a' | b'e' | b'i' | b'o' | b'u' | b'y') {
                ALPHA | ALNUM | VOWEL
            } else {
                ALPHA | ALNUM
            }
        } else if c.is_ascii_digit() {
            DIGIT | ALNUM
        } else if !c.is_ascii() {
            NON_ASCII
        } else {
            0
        };
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_syllables_like_common_estimators() {
        for (word, n) in [
            ("cat", 1),
            ("make", 1),
            ("table", 2),
            ("readability", 5),
            ("jumped", 1),
            ("wanted", 2),
            ("the", 1),
            ("every", 3),
            ("beautiful", 3),
            ("42", 0),
            ("I", 1),
        ] {
            assert_eq!(syllables(word), n, "{word}");
        }
    }

    #[test]
    fn counts_words_like_the_word_iterator() {
        assert_eq!(TextCounts::of("Hello, world — it's 2026!").words, 4);
        for t in [
            "",
            " a  b ",
            "a - b",
            "x\x0by\nz",
            "one,two three!",
            "-- 3 --",
            "(see) 'quoted' -- ... \x0cend...",
            "...",
            "a\r\nb",
        ] {
            assert_eq!(TextCounts::of(t).words as usize, words(t).count(), "{t:?}");
        }
    }

    #[test]
    fn visited_words_are_the_word_iterator_s_with_plain_marked() {
        for t in [
            "",
            "The readability of jumped tables, wanted makes -- 42 cats!",
            " a\x0bbeautiful\tevery  I - 3rd x1 AND-ed \n",
            "Caf\u{e9} na\u{ef}ve r\u{e9}sum\u{e9} 12 -- made",
            "... -- !",
        ] {
            let mut seen = Vec::new();
            let counts = TextCounts::of_visiting(t, &mut |w| seen.push(w));
            assert_eq!(counts, TextCounts::of(t), "{t:?}");
            let expected: Vec<Word<'_>> = words(t)
                .map(|w| Word {
                    text: w,
                    plain: w.bytes().all(|b| b.is_ascii_alphanumeric()),
                    tail: w.as_bytes(),
                })
                .collect();
            let without_tails: Vec<Word<'_>> = seen
                .iter()
                .map(|w| {
                    assert!(w.tail.starts_with(w.text.as_bytes()), "{t:?}");
                    assert!(t.as_bytes().ends_with(w.tail), "{t:?}");
                    Word {
                        tail: w.text.as_bytes(),
                        ..*w
                    }
                })
                .collect();
            assert_eq!(without_tails, expected, "{t:?}");
        }
    }

    /// Random texts of ASCII letters (vowels often), digits, punctuation, ASCII and Unicode
    /// whitespace and non-ASCII letters: the one-pass counts and visited words equal the
    /// word-by-word definitions.
    #[test]
    fn generated_texts_count_as_word_by_word() {
        const PIECES: [&str; 16] = [
            "e", "a", "y", "d", "l", "7", ".", "-", "'", "\t", "\x0b", "\u{e9}", "\u{ef}",
            "\u{a0}", "\u{3000}", "\u{2014}",
        ];
        let mut stream = crate::test_fixtures::Stream(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..stream.next() % 50 {
                let roll = stream.next() % 100;
                if roll < 15 {
                    text.push(' ');
                } else if roll < 60 {
                    let letter = b'a' + (roll % 26) as u8;
                    let upper = stream.next().is_multiple_of(5);
                    text.push(char::from(if upper {
                        letter.to_ascii_uppercase()
                    } else {
                        letter
                    }));
                } else {
                    text.push_str(PIECES[(stream.next() % PIECES.len() as u64) as usize]);
                }
            }
            let mut seen = Vec::new();
            let c = TextCounts::of_visiting(&text, &mut |w| seen.push(w));
            assert_eq!(
                c.tokens as usize,
                text.split_whitespace().count(),
                "{text:?}"
            );
            assert_eq!(c.words as usize, words(&text).count(), "{text:?}");
            let by_word: usize = words(&text).map(syllables).sum();
            assert_eq!(c.syllables as usize, by_word, "{text:?}");
            let complex = words(&text).filter(|w| syllables(w) >= 3).count();
            assert_eq!(c.complex_words as usize, complex, "{text:?}");
            let visited: Vec<(&str, bool)> = seen.iter().map(|w| (w.text, w.plain)).collect();
            let expected: Vec<(&str, bool)> = words(&text)
                .map(|w| (w, w.bytes().all(|b| b.is_ascii_alphanumeric())))
                .collect();
            assert_eq!(visited, expected, "{text:?}");
            for w in &seen {
                assert!(w.tail.starts_with(w.text.as_bytes()), "{text:?}");
                assert!(text.as_bytes().ends_with(w.tail), "{text:?}");
            }
        }
    }

    #[test]
    fn one_pass_counts_equal_word_by_word_counts() {
        let texts = [
            "",
            "The readability of jumped tables, wanted makes -- 42 cats!",
            " a\x0bbeautiful\tevery  I - 3rd x1 AND-ed \n",
            "Caf\u{e9} na\u{ef}ve r\u{e9}sum\u{e9} 12 -- made",
            "trailing word",
            "... -- !",
            "TABLE JUMPED Wanted make-up co-operate ed de a e le Sled idle ye yes fled",
        ];
        for t in texts {
            let c = TextCounts::of(t);
            assert_eq!(c.tokens as usize, t.split_whitespace().count(), "{t:?}");
            assert_eq!(c.words as usize, words(t).count(), "{t:?}");
            let by_word: usize = words(t).map(syllables).sum();
            assert_eq!(c.syllables as usize, by_word, "{t:?}");
            let complex = words(t).filter(|w| syllables(w) >= 3).count();
            assert_eq!(c.complex_words as usize, complex, "{t:?}");
        }
    }
}
