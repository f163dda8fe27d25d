//! Counting words and syllables: the numbers behind the length and readability rules, the
//! thin-content check and the audit's word counts. Each block's and sentence's counts are
//! computed once per document ([`super::Document::block_counts`]), a 64-byte window of text at
//! a time, however many rules read them.

/// Words in `text`: whitespace-separated tokens holding at least one letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

/// A byte of ASCII whitespace as `char::is_whitespace` has it (and so `split_whitespace`,
/// which [`words`] splits by): space and `\t` to `\r`, vertical tab included. Without
/// branches, so loops over bytes vectorise.
#[inline]
pub const fn is_whitespace_byte(b: u8) -> bool {
    (b == b' ') | (b.wrapping_sub(b'\t') < 5)
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

/// [`estimate`] for lower-case ASCII letters (zero bytes where the word has fewer than
/// three), without branches: the corrections hinge on a word's last letters, which no branch
/// predictor guesses.
#[inline]
fn estimate_ascii(groups: u32, last: [u8; 3]) -> usize {
    let vowel = |b: u8| BYTE_CLASS[usize::from(b)] & VOWEL != 0;
    let [oldest, middle, newest] = last;
    let consonant_le = (middle == b'l') & !vowel(oldest);
    let silent_e = (newest == b'e') & (groups > 1) & !vowel(middle) & !consonant_le;
    let count = groups - u32::from(silent_e);
    let silent_ed = (count > 1)
        & (newest == b'd')
        & (middle == b'e')
        & (oldest != b't')
        & (oldest != b'd')
        & !vowel(oldest);
    (count - u32::from(silent_ed)).max(1) as usize
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
    /// The word's ASCII letters and digits, lower-cased, as little-endian bytes with zeros
    /// above them, when the word is ASCII, shorter than 16 bytes, and they form one run
    /// (`"design."`, `"(see"`, not `"trade-off"`): the counting pass has them in a register
    /// already, so a hasher needs no byte-by-byte filtering. `None` otherwise.
    pub folded: Option<u128>,
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
                visit(Word {
                    text: piece,
                    folded: folded_of(piece),
                });
            }
        }
    }

    /// [`TextCounts::of`] a window at a time (this runs over every sentence of every page):
    /// the 64 bytes from a token's start are classified at once ([`classify`]) into bit masks,
    /// and every token inside the window is found and counted with bit operations on them,
    /// with no branch per byte and no load between one token and the next. Tokens of 64 bytes
    /// or more take [`TextCounts::add_long_token`], tokens holding non-ASCII bytes (rare in
    /// English prose) [`TextCounts::add_non_ascii`].
    fn add_text<'t>(&mut self, text: &'t str, visit: &mut impl FnMut(Word<'t>)) {
        let bytes = text.as_bytes();
        let mut i = 0;
        'windows: while i < bytes.len() {
            let window = Window::load(bytes, i);
            let m = &window.masks;
            // Bytes past the text end a token as a space does.
            let ends = m.space | !window.valid;
            let mut from = !ends;
            let mut syllables = WindowSyllables::default();
            while from != 0 {
                let start = from.trailing_zeros();
                let end = start + (ends >> start).trailing_zeros();
                if end >= 64 {
                    self.add_syllables(syllables);
                    // The token runs past the window: the next window starts at it, unless
                    // it is that long from the window's start already.
                    if start == 0 {
                        i = self.add_long_token(text, i, visit);
                    } else {
                        i += start as usize;
                    }
                    continue 'windows;
                }
                self.add_token(text, start, end, &window, &mut syllables, visit);
                from = !ends & (u64::MAX << end);
            }
            self.add_syllables(syllables);
            i += window.len;
        }
    }

    /// The syllables of a window's words whose letters are one run.
    #[inline]
    fn add_syllables(&mut self, window: WindowSyllables) {
        let syllables = window.kept_groups.count_ones() + window.without_groups;
        self.syllables = self.syllables.saturating_add(syllables);
    }

    /// The token at bits `start..end` (end < 64) of a window of `text`.
    #[inline]
    fn add_token<'t>(
        &mut self,
        text: &'t str,
        start: u32,
        end: u32,
        window: &Window,
        syllables: &mut WindowSyllables,
        visit: &mut impl FnMut(Word<'t>),
    ) {
        let m = &window.masks;
        // The token's bits, in place in the window's masks.
        let span = (1u64 << end) - (1u64 << start);
        let (first, last) = (window.at + start as usize, window.at + end as usize);
        if m.non_ascii & span != 0 {
            self.add_non_ascii(text, first, last, visit);
            return;
        }
        self.tokens += 1;
        let alnum = (m.alpha | m.digit) & span;
        if alnum == 0 {
            return;
        }
        let letters = m.alpha & span;
        if letters == 0 {
            self.add_word(0);
        } else if is_one_run(letters) {
            // The window's vowel groups and silent endings hold for a word whose letters are
            // one run: the bytes before its first letter are no letters either.
            let groups = window.group_starts & span;
            let all_but_first = groups & groups.wrapping_sub(1);
            let newest = 63 - letters.leading_zeros();
            let silent = (window.silent_endings >> newest) & 1 != 0 && all_but_first != 0;
            // A group start per syllable; none for a word of at least one.
            let kept = if silent { all_but_first } else { groups };
            syllables.kept_groups |= kept;
            syllables.without_groups += u32::from(kept == 0);
            self.words += 1;
            // Three syllables or more: two set bits cleared leave one.
            let past_one = kept & kept.wrapping_sub(1);
            self.complex_words += u32::from(past_one & past_one.wrapping_sub(1) != 0);
        } else {
            // Letters split by digits or punctuation ("trade-off", "x86s"): groups and the
            // last letters count over the letters alone, walked bit by bit.
            let (mut groups, mut prev_vowel, mut last_three) = (0u32, false, 0u32);
            let mut rest = letters;
            while rest != 0 {
                let k = rest.trailing_zeros();
                rest &= rest - 1;
                let vowel = m.vowel >> k & 1 != 0;
                groups += u32::from(vowel && !prev_vowel);
                prev_vowel = vowel;
                last_three = (last_three << 8) | u32::from(window.bytes[k as usize] | 0x20);
            }
            let [_, oldest, middle, newest] = last_three.to_be_bytes();
            self.add_word(estimate_ascii(groups, [oldest, middle, newest]));
        }
        let folded = (end - start < 16 && is_one_run(alnum)).then(|| {
            let run_start = alnum.trailing_zeros() as usize;
            // One run: its length is the distance between its ends.
            let run = (64 - alnum.leading_zeros() - alnum.trailing_zeros()) as usize;
            let mut sixteen = [0u8; 16];
            sixteen.copy_from_slice(&window.bytes[run_start..run_start + 16]);
            // Setting bit 0x20 lower-cases ASCII letters and leaves digits as they are.
            let lowered = u128::from_le_bytes(sixteen) | 0x2020_2020_2020_2020_2020_2020_2020_2020;
            lowered & LOW_BYTES[run]
        });
        debug_assert!(text.is_char_boundary(first) && text.is_char_boundary(last));
        // SAFETY: `first..last` lies in `text` (the window's bytes are the text's from its
        // `at`, and bits past the text end end a token), and every byte of it is ASCII (tokens
        // with other bytes went to `add_non_ascii` above), so both ends are char boundaries.
        let text = unsafe { text.get_unchecked(first..last) };
        visit(Word { text, folded });
    }

    /// A token of 64 bytes or more at `start`, byte by byte with the class table; returns
    /// where it ends.
    #[cold]
    fn add_long_token<'t>(
        &mut self,
        text: &'t str,
        start: usize,
        visit: &mut impl FnMut(Word<'t>),
    ) -> usize {
        let bytes = text.as_bytes();
        let mut i = start;
        let mut groups = 0usize;
        // The token's last three letters, lower-cased, newest in the low byte; zero bytes
        // where it has fewer (the syllable corrections read them).
        let mut last_three = 0u32;
        let mut prev_vowel = false;
        // Class bits some byte has.
        let mut any = 0u8;
        while let Some(&b) = bytes.get(i) {
            let class = BYTE_CLASS[usize::from(b)];
            if class & SPACE != 0 {
                break;
            }
            any |= class;
            if class & ALPHA != 0 {
                let vowel = class & VOWEL != 0;
                groups += usize::from(vowel && !prev_vowel);
                prev_vowel = vowel;
                last_three = (last_three << 8) | u32::from(b | 0x20);
            }
            i += 1;
        }
        if any & NON_ASCII != 0 {
            self.add_non_ascii(text, start, i, visit);
            return i;
        }
        self.tokens += 1;
        if any & ALNUM != 0 {
            let syllables = if any & ALPHA != 0 {
                let [_, oldest, middle, newest] = last_three.to_be_bytes();
                estimate(groups, 1, [oldest, middle, newest].map(char::from))
            } else {
                0
            };
            self.add_word(syllables);
            if let Some(word) = text.get(start..i) {
                visit(Word {
                    text: word,
                    folded: None,
                });
            }
        }
        i
    }

    #[inline]
    fn add_word(&mut self, syllables: usize) {
        self.words += 1;
        self.syllables = self
            .syllables
            .saturating_add(syllables.min(u32::MAX as usize) as u32);
        self.complex_words += u32::from(syllables >= 3);
    }
}

/// [`Word::folded`] of a word by its definition, byte by byte: the lower-cased ASCII letters
/// and digits of an ASCII word shorter than 16 bytes, when they are one run.
fn folded_of(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if !word.is_ascii() || bytes.len() >= 16 {
        return None;
    }
    let first = bytes.iter().position(u8::is_ascii_alphanumeric)?;
    let end = bytes.iter().rposition(u8::is_ascii_alphanumeric)? + 1;
    let run = &bytes[first..end];
    if !run.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut le = [0u8; 16];
    for (slot, b) in le.iter_mut().zip(run) {
        *slot = b.to_ascii_lowercase();
    }
    Some(u128::from_le_bytes(le))
}

/// Whether the set bits of `bits` (at least one) are adjacent.
#[inline]
fn is_one_run(bits: u64) -> bool {
    if bits == 0 {
        return false;
    }
    let low = bits >> bits.trailing_zeros();
    low & (low + 1) == 0
}

/// Syllables of a window's words whose letters are one run, summed once per window.
#[derive(Default)]
struct WindowSyllables {
    /// The vowel groups that count as syllables: one per syllable of each such word that has
    /// a vowel group (they are disjoint).
    kept_groups: u64,
    /// Such words without a vowel group: one syllable each.
    without_groups: u32,
}

/// `LOW_BYTES[n]`: the low `n` bytes of a `u128` set.
const LOW_BYTES: [u128; 16] = {
    let mut masks = [0u128; 16];
    let mut n = 1;
    while n < 16 {
        masks[n] = (1u128 << (8 * n)) - 1;
        n += 1;
    }
    masks
};

/// Up to 64 bytes of a text from some offset, followed by 16 more (the text's, or zeros
/// past its end) so a token's 16 bytes can be read from any byte of the window, and their
/// class masks.
struct Window {
    /// Where the window starts in the text.
    at: usize,
    bytes: [u8; 80],
    /// How many bytes are the text's, up to 64.
    len: usize,
    /// Bit `k` set for each of them.
    valid: u64,
    masks: Masks,
    /// The first vowel of each vowel group.
    group_starts: u64,
    /// The letters that end a word with a silent `e` or `-ed` ([`estimate_ascii`]'s
    /// corrections), when the word's letters are one run: bit `k` is set where a word whose
    /// last letter is byte `k` loses a syllable if it has more than one vowel group. The
    /// bytes before a word's first letter are no letters, so they read as the missing
    /// letters the corrections expect (no vowel, no `l`, `e`, `t` or `d`).
    silent_endings: u64,
}

impl Window {
    // Inlined into its one caller, so the window's masks are not stored and read back.
    #[inline(always)]
    fn load(text: &[u8], start: usize) -> Window {
        let mut bytes = [0u8; 80];
        let rest = text.get(start..).unwrap_or_default();
        let len = rest.len().min(64);
        // A fixed-size copy where the text is long enough: no call to a variable-length copy.
        match rest.first_chunk::<80>() {
            Some(full) => bytes = *full,
            None => bytes[..len].copy_from_slice(&rest[..len]),
        }
        let mut masks = Masks::default();
        for (k, chunk) in bytes[..64].chunks_exact(16).enumerate() {
            let mut sixteen = [0u8; 16];
            sixteen.copy_from_slice(chunk);
            let part = classify(sixteen);
            let shift = 16 * k;
            masks.space |= part.space << shift;
            masks.alpha |= part.alpha << shift;
            masks.digit |= part.digit << shift;
            masks.vowel |= part.vowel << shift;
            masks.non_ascii |= part.non_ascii << shift;
            masks.e |= part.e << shift;
            masks.d |= part.d << shift;
            masks.l |= part.l << shift;
            masks.t_or_d |= part.t_or_d << shift;
        }
        let vowel = masks.vowel;
        // Bit `k` of `x << n` is bit `k - n` of `x`: the letter `n` places before.
        let consonant_le = (masks.l << 1) & !(vowel << 2);
        let silent_e = masks.e & !(vowel << 1) & !consonant_le;
        let silent_ed = masks.d & (masks.e << 1) & !(masks.t_or_d << 2) & !(vowel << 2);
        Window {
            at: start,
            bytes,
            len,
            valid: if len == 64 {
                u64::MAX
            } else {
                (1u64 << len) - 1
            },
            masks,
            group_starts: vowel & !(vowel << 1),
            silent_endings: silent_e | silent_ed,
        }
    }
}

/// Class masks of up to 64 bytes: bit `k` stands for byte `k`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Masks {
    /// ASCII whitespace as `char::is_whitespace` has it (vertical tab included).
    space: u64,
    alpha: u64,
    digit: u64,
    /// The vowels of [`syllables`] (a e i o u y, either case).
    vowel: u64,
    /// Bytes of multi-byte UTF-8 chars.
    non_ascii: u64,
    /// The letters the syllable corrections look for, either case.
    e: u64,
    d: u64,
    l: u64,
    t_or_d: u64,
}

/// [`Masks`] of `chunk` with SSE2: a handful of compares for all 16 bytes instead of a table
/// lookup and a branch per byte.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify(chunk: [u8; 16]) -> Masks {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it
    // (its functions are unsafe to call only because the compiler does not assume it here).
    unsafe { classify_sse2(chunk) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn classify_sse2(chunk: [u8; 16]) -> Masks {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_set_epi64x,
    };
    let [lo, hi] = [&chunk[..8], &chunk[8..]].map(|half| {
        let mut lane = [0u8; 8];
        lane.copy_from_slice(half);
        i64::from_le_bytes(lane)
    });
    let v = _mm_set_epi64x(hi, lo);
    let splat = |b: u8| _mm_set1_epi8(b as i8);
    // Bytes in `first..first + count` (count <= 128): shifted so the range starts at -128,
    // one signed compare (SSE2 has no unsigned one).
    let in_range = |x: __m128i, first: u8, count: u8| {
        _mm_cmplt_epi8(
            _mm_add_epi8(x, splat(0x80u8.wrapping_sub(first))),
            splat(0x80u8.wrapping_add(count)),
        )
    };
    let mask = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u32 & 0xffff);
    let space = _mm_or_si128(_mm_cmpeq_epi8(v, splat(b' ')), in_range(v, b'\t', 5));
    // Setting bit 0x20 maps upper-case letters onto lower-case ones and no other byte onto
    // a letter.
    let lower = _mm_or_si128(v, splat(0x20));
    let is = |b: u8| _mm_cmpeq_epi8(lower, splat(b));
    let (e, d) = (is(b'e'), is(b'd'));
    let vowel = _mm_or_si128(
        _mm_or_si128(_mm_or_si128(is(b'a'), e), _mm_or_si128(is(b'i'), is(b'o'))),
        _mm_or_si128(is(b'u'), is(b'y')),
    );
    Masks {
        space: mask(space),
        alpha: mask(in_range(lower, b'a', 26)),
        digit: mask(in_range(v, b'0', 10)),
        vowel: mask(vowel),
        non_ascii: mask(v),
        e: mask(e),
        d: mask(d),
        l: mask(is(b'l')),
        t_or_d: mask(_mm_or_si128(is(b't'), d)),
    }
}

/// [`Masks`] of `chunk` from the class table, byte by byte: other targets, and the definition
/// the SSE2 version is tested against.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytewise(chunk: [u8; 16]) -> Masks {
    let mut m = Masks::default();
    for (k, &b) in chunk.iter().enumerate() {
        let class = BYTE_CLASS[usize::from(b)];
        let bit = |flag: u8| u64::from(class & flag != 0) << k;
        m.space |= bit(SPACE);
        m.alpha |= bit(ALPHA);
        m.digit |= bit(DIGIT);
        m.vowel |= bit(VOWEL);
        m.non_ascii |= bit(NON_ASCII);
        // Only the letters `E` and `e` have `e` with bit 0x20 set, and so on.
        let letter = |l: u8| u64::from(b | 0x20 == l) << k;
        m.e |= letter(b'e');
        m.d |= letter(b'd');
        m.l |= letter(b'l');
        m.t_or_d |= letter(b't') | letter(b'd');
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify(chunk: [u8; 16]) -> Masks {
    classify_bytewise(chunk)
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
        table[b] = if is_whitespace_byte(c) {
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
    fn visited_words_are_the_word_iterator_s_with_their_folded_form() {
        for t in [
            "",
            "The readability of jumped tables, wanted makes -- 42 cats!",
            " a\x0bbeautiful\tevery  I - 3rd x1 AND-ed \n",
            "Caf\u{e9} na\u{ef}ve r\u{e9}sum\u{e9} 12 -- made",
            "... -- !",
            "(see) design. \"Quoted\" 0123456789abcde 0123456789abcdef responsibilities, x",
            "abcdefghijklmno                 abcdefghijklmnopqrstuvwxyz  tail",
            "a-token-of-more-than-sixty-four-bytes-which-the-byte-loop-counts-instead, \
             and words across 64-byte windows: straddling the border several times over again",
        ] {
            let mut seen = Vec::new();
            let counts = TextCounts::of_visiting(t, &mut |w| seen.push(w));
            assert_eq!(counts, TextCounts::of(t), "{t:?}");
            let expected: Vec<Word<'_>> = words(t)
                .map(|w| Word {
                    text: w,
                    folded: folded_of(w),
                })
                .collect();
            assert_eq!(seen, expected, "{t:?}");
        }
    }

    #[test]
    fn branch_free_estimate_equals_the_estimate() {
        let letters: Vec<u8> = std::iter::once(0).chain(b'a'..=b'z').collect();
        for &oldest in &letters {
            for &middle in &letters {
                for &newest in &letters {
                    for groups in 0..5u32 {
                        let last = [oldest, middle, newest];
                        // Fewer letters than three means zeros in front only.
                        if (oldest != 0 && middle == 0) || (middle != 0 && newest == 0) {
                            continue;
                        }
                        let letter_count = last.iter().filter(|&&b| b != 0).count();
                        let expected =
                            estimate(groups as usize, letter_count.max(1), last.map(char::from));
                        assert_eq!(estimate_ascii(groups, last), expected, "{last:?} {groups}");
                    }
                }
            }
        }
    }

    /// Every byte value at every position of a chunk: the SSE2 classes are the table's.
    #[test]
    fn chunk_classes_equal_the_class_table() {
        for b in 0..=255u8 {
            for k in 0..16 {
                let mut chunk = [b'x'; 16];
                chunk[k] = b;
                chunk[(k + 7) % 16] = 255 - b;
                assert_eq!(classify(chunk), classify_bytewise(chunk), "{b} at {k}");
            }
        }
    }

    #[test]
    fn one_run_means_adjacent_bits() {
        for low in 0..=0xffffu64 {
            for bits in [low, low << 48, low << 30] {
                let ones: Vec<u64> = (0..64).filter(|k| bits >> k & 1 != 0).collect();
                let adjacent = !ones.is_empty() && ones.windows(2).all(|p| p[1] == p[0] + 1);
                assert_eq!(is_one_run(bits), adjacent, "{bits:#b}");
            }
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
        for round in 0..5000 {
            let mut text = String::new();
            // One text in four has few spaces: tokens longer than a window.
            let spaces = if round % 4 == 0 { 2 } else { 15 };
            for _ in 0..stream.next() % 150 {
                let roll = stream.next() % 100;
                if roll < spaces {
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
                    text.push_str(PIECES[stream.below(PIECES.len())]);
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
            let visited: Vec<(&str, Option<u128>)> =
                seen.iter().map(|w| (w.text, w.folded)).collect();
            let expected: Vec<(&str, Option<u128>)> =
                words(&text).map(|w| (w, folded_of(w))).collect();
            assert_eq!(visited, expected, "{text:?}");
        }
    }

    /// Every word of up to five letters from the ones the syllable corrections look at (and
    /// two that they do not), upper- and lower-case, after punctuation or none, at every
    /// offset of a window: the window's group starts and silent endings count the syllables
    /// of [`syllables`], and the complex words.
    #[test]
    fn window_syllables_equal_the_estimate_for_every_short_ending() {
        const LETTERS: &[u8] = b"aedltyxLED";
        let mut checked = 0;
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1d);
        for len in 1..=5u32 {
            for code in 0..LETTERS.len().pow(len) {
                let mut word = String::new();
                let mut rest = code;
                for _ in 0..len {
                    word.push(char::from(LETTERS[rest % LETTERS.len()]));
                    rest /= LETTERS.len();
                }
                let expected = syllables(&word) as u32;
                for prefix in ["", "(", "'-"] {
                    let offset = stream.below(70);
                    let text = format!("{}{prefix}{word} x", " ".repeat(offset));
                    let counts = TextCounts::of(&text);
                    assert_eq!(counts.syllables, expected + 1, "{text:?}");
                    assert_eq!(counts.complex_words, u32::from(expected >= 3), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 3 * (10 + 100 + 1000 + 10_000 + 100_000));
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
