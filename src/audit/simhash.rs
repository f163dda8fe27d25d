//! Text fingerprints for duplicate detection: an exact hash of the normalised words, a 64-bit
//! SimHash over word 3-grams (Charikar) to find candidate near-copies quickly, and a
//! one-permutation MinHash over the same 3-grams that estimates how many of them two pages
//! share. Pages of one site share vocabulary and templates, so their SimHashes sit closer
//! than independent texts' would; the MinHash estimate confirms a candidate.

use crate::doc::words::{is_whitespace_byte, Word};

/// Fingerprints of one page's visible text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPrint {
    pub exact: u64,
    pub simhash: u64,
    /// Smallest shingle hash (low 32 bits) per bin of the hash's top bits; `u32::MAX` when a
    /// bin is empty.
    pub minhash: [u32; MINHASH_BINS],
    pub words: u32,
}

/// Bins of the one-permutation MinHash: 64 × 4 bytes per page. The estimate's standard error
/// is at most 0.06, so pages sharing 8% of their shingles (common on one site) never reach
/// [`resemblance`] 0.5 by chance, even over the many pairs a large site compares.
pub const MINHASH_BINS: usize = 64;
const _: () = assert!(MINHASH_BINS.is_power_of_two());

/// SplitMix64's finaliser: every input bit moves every output bit, which SimHash needs (each
/// of its 64 bits must be an independent coin per shingle).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hash of a word's lower-cased alphanumeric characters (their UTF-8 bytes, eight per
/// multiply, then mixed); `None` when it has none. No allocation: this runs once per word of
/// every crawled page.
fn word_hash(word: &str) -> Option<u64> {
    let mut hasher = LaneHasher::default();
    if word.is_ascii() {
        for b in word.bytes().filter(u8::is_ascii_alphanumeric) {
            hasher.push(b.to_ascii_lowercase());
        }
    } else {
        let mut utf8 = [0u8; 4];
        for c in word.chars().filter(|c| c.is_alphanumeric()) {
            for lower in c.to_lowercase() {
                for &b in lower.encode_utf8(&mut utf8).as_bytes() {
                    hasher.push(b);
                }
            }
        }
    }
    hasher.finish()
}

/// [`word_hash`] of a word met while counting the text ([`crate::doc::Document::visit_words`]).
/// The counting pass hands most words over folded already (lower-cased letters and digits in
/// one register): those are one or two lane absorbs. A longer ASCII word whose letters and
/// digits form one run is hashed eight bytes per load; other words take [`word_hash`].
#[inline]
pub fn hash_word(word: Word<'_>) -> Option<u64> {
    match word.folded {
        // A folded word's run starts at its low byte, so it holds letters or digits exactly
        // when its low lane is not zero (one test instead of a vector compare of the u128).
        Some(folded) if folded as u64 != 0 => {
            let (low, high) = (folded as u64, (folded >> 64) as u64);
            let mut h = absorb_lane(LANE_SEED, low);
            // Letters and digits are never zero bytes: a zero high lane means none are there.
            if high != 0 {
                h = absorb_lane(h, high);
            }
            Some(mix(h))
        }
        _ => match ascii_alnum_run(word.text.as_bytes()) {
            Some(run) => hash_ascii_run(&word.text.as_bytes()[run]),
            None => word_hash(word.text),
        },
    }
}

/// [`word_hash`] of ASCII letters and digits (`core`), eight bytes per load, lower-cased by
/// setting bit `0x20`.
fn hash_ascii_run(core: &[u8]) -> Option<u64> {
    if core.is_empty() {
        return None;
    }
    // Setting bit 0x20 lower-cases ASCII letters and leaves digits as they are.
    const LOWER: u64 = 0x2020_2020_2020_2020;
    let mut h = LANE_SEED;
    let mut lanes = core.chunks_exact(8);
    for lane in &mut lanes {
        h = absorb_lane(h, load_lane(lane) | LOWER);
    }
    let rest = lanes.remainder();
    if !rest.is_empty() {
        let keep = u64::MAX >> (8 * (8 - rest.len()));
        h = absorb_lane(h, short_lane(rest) | (LOWER & keep));
    }
    Some(mix(h))
}

/// The range of `word`'s ASCII letters and digits when they form one run, with only ASCII
/// punctuation before and after it; `None` otherwise (punctuation inside, non-ASCII bytes).
fn ascii_alnum_run(word: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = word.iter().position(|b| !b.is_ascii_punctuation())?;
    let end = word.iter().rposition(|b| !b.is_ascii_punctuation())? + 1;
    word[start..end]
        .iter()
        .all(u8::is_ascii_alphanumeric)
        .then_some(start..end)
}

/// The first eight bytes of `bytes` (at least eight) as a little-endian lane.
#[inline]
fn load_lane(bytes: &[u8]) -> u64 {
    let mut lane = [0u8; 8];
    lane.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(lane)
}

/// One to seven bytes as a zero-padded little-endian lane, from two overlapping loads of the
/// bytes themselves: a byte-wise copy into a stack buffer would stall the lane's load.
#[inline]
fn short_lane(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let low_and_high = |width: usize, load: fn(&[u8]) -> u64| {
        load(bytes) | load(&bytes[n - width..]) << (8 * (n - width))
    };
    match n {
        0 => 0,
        1 => u64::from(bytes[0]),
        2..=3 => low_and_high(2, |b| u64::from(u16::from_le_bytes([b[0], b[1]]))),
        _ => low_and_high(4, |b| {
            u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }),
    }
}

/// Bytes packed eight to a lane, one multiply per lane (most words fill one). No byte pushed
/// is 0, so the zero padding of the last lane is unambiguous.
struct LaneHasher {
    h: u64,
    lane: u64,
    in_lane: u32,
    any: bool,
}

/// The lane hash's starting state.
const LANE_SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// One lane (up to eight bytes, zero-padded) into the lane hash.
#[inline]
fn absorb_lane(h: u64, lane: u64) -> u64 {
    (h ^ lane)
        .wrapping_mul(0x0000_0100_0000_01b3)
        .rotate_left(29)
}

impl Default for LaneHasher {
    fn default() -> Self {
        LaneHasher {
            h: LANE_SEED,
            lane: 0,
            in_lane: 0,
            any: false,
        }
    }
}

impl LaneHasher {
    #[inline]
    fn push(&mut self, b: u8) {
        self.lane |= u64::from(b) << (8 * self.in_lane);
        self.in_lane += 1;
        self.any = true;
        if self.in_lane == 8 {
            self.absorb();
        }
    }

    fn absorb(&mut self) {
        self.h = absorb_lane(self.h, self.lane);
        self.lane = 0;
        self.in_lane = 0;
    }

    fn finish(mut self) -> Option<u64> {
        if self.in_lane > 0 {
            self.absorb();
        }
        self.any.then(|| mix(self.h))
    }
}

/// Ones per bit position over many 64-bit hashes, eight positions per add: `lanes[j]` counts
/// bit `8k + j` of the hashes in its byte `k` (a shift and a mask per lane, no table; the
/// eight lanes vectorise), emptied into `ones` before any byte can overflow.
struct BitCounts {
    ones: [u32; 64],
    lanes: [u64; 8],
    pending: u32,
}

impl BitCounts {
    fn new() -> Self {
        BitCounts {
            ones: [0; 64],
            lanes: [0; 8],
            pending: 0,
        }
    }

    #[inline]
    fn add(&mut self, h: u64) {
        if self.pending >= 255 {
            self.flush();
        }
        const LOW_BITS: u64 = 0x0101_0101_0101_0101;
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            *lane += (h >> j) & LOW_BITS;
        }
        self.pending += 1;
    }

    /// `count` hashes (at most 15) already counted in bit-sliced 4-bit counters: bit `b` of
    /// `planes[p]` is bit `p` of position `b`'s count.
    #[inline]
    fn add_planes(&mut self, planes: &[u64; 4], count: u32) {
        if self.pending + count > 255 {
            self.flush();
        }
        const LOW_BITS: u64 = 0x0101_0101_0101_0101;
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            for (p, plane) in planes.iter().enumerate() {
                *lane += ((plane >> j) & LOW_BITS) << p;
            }
        }
        self.pending += count;
    }

    fn flush(&mut self) {
        for (j, lane) in self.lanes.iter_mut().enumerate() {
            for k in 0..8 {
                self.ones[8 * k + j] += ((*lane >> (8 * k)) & 0xff) as u32;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    fn finish(mut self) -> [u32; 64] {
        self.flush();
        self.ones
    }
}

/// Fingerprint the words of `parts` read one after another (as if joined by spaces): words
/// lower-cased, punctuation dropped.
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a str>) -> TextPrint {
    fingerprint_of_words(&word_hashes(parts))
}

/// Fingerprint of a text from its words' hashes ([`hash_word`]), in order.
pub fn fingerprint_of_words(words: &[u64]) -> TextPrint {
    let mut printer = Fingerprinter::new();
    for &w in words {
        printer.push(w);
    }
    printer.finish()
}

/// Word hashes a [`Fingerprinter`] gathers before it folds them in.
const BATCH: usize = 64;

/// A text's fingerprint built from its words' hashes as the words are met, so they need no
/// per-page buffer. They are folded in a batch at a time: the fold's state stays in
/// registers, and each shingle's ones go into 64 bit-sliced counters with a few logic
/// operations (see [`Fingerprinter::fold_pending`]).
pub struct Fingerprinter {
    pending: [u64; BATCH],
    pending_len: usize,
    exact: u64,
    words: u64,
    /// The last word's hash, and the last two words' combined ([`pair`]).
    last_one: u64,
    last_two: u64,
    // Ones per bit over all shingles; a bit of the SimHash is set where most shingles set it.
    bit_counts: BitCounts,
    grams: u32,
    minhash: [u32; MINHASH_BINS],
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Self::new()
    }
}

/// Two words' hashes combined, the first rotated: order matters within a shingle, so "a b c"
/// and "c b a" hash apart. Word hashes are mixed already ([`hash_word`]), so rotations and
/// xor keep them independent, and one [`mix`] per shingle ([`shingle`]) is enough.
#[inline]
fn pair(first: u64, second: u64) -> u64 {
    first.rotate_left(23) ^ second
}

/// The hash of a shingle: the [`pair`] of its first words, then its last word.
#[inline]
fn shingle(prefix: u64, last: u64) -> u64 {
    mix(pair(prefix, last))
}

impl Fingerprinter {
    pub fn new() -> Self {
        Fingerprinter {
            pending: [0; BATCH],
            pending_len: 0,
            exact: 0x243f_6a88_85a3_08d3,
            words: 0,
            last_one: 0,
            last_two: 0,
            bit_counts: BitCounts::new(),
            grams: 0,
            minhash: [u32::MAX; MINHASH_BINS],
        }
    }

    /// The next word of the text, if it has a hash.
    #[inline]
    pub fn push_word(&mut self, word: Word<'_>) {
        if let Some(h) = hash_word(word) {
            self.push(h);
        }
    }

    /// The next word's hash.
    #[inline]
    pub fn push(&mut self, w: u64) {
        // The length is read once: the store to the slot need not be assumed to change it.
        let len = self.pending_len;
        let len = match self.pending.get_mut(len) {
            Some(slot) => {
                *slot = w;
                len + 1
            }
            None => len,
        };
        self.pending_len = len;
        if len >= BATCH {
            self.fold_pending();
        }
    }

    /// Fold the gathered hashes in: the exact hash chains them all; every word from the third
    /// on ends a shingle of three. A shingle's bits go into 4-bit counters, one per bit
    /// position, sliced across four words (bit `b` of `planes[p]` is bit `p` of position
    /// `b`'s count), which take at most 15 shingles before they are added to the byte lanes.
    fn fold_pending(&mut self) {
        let (mut exact, mut last_one, mut last_two) = (self.exact, self.last_one, self.last_two);
        let mut words = self.words;
        let mut planes = [0u64; 4];
        let mut in_planes = 0u32;
        for k in 0..self.pending_len.min(BATCH) {
            let w = self.pending[k];
            exact = mix(exact ^ w);
            if words >= 2 {
                let h = shingle(last_two, w);
                let bin = (h >> (64 - MINHASH_BINS.ilog2())) as usize;
                self.minhash[bin] = self.minhash[bin].min(h as u32);
                // A ripple-carry increment of the positions whose bit is set.
                let carry = planes[0] & h;
                planes[0] ^= h;
                let carry2 = planes[1] & carry;
                planes[1] ^= carry;
                let carry4 = planes[2] & carry2;
                planes[2] ^= carry2;
                planes[3] ^= carry4;
                in_planes += 1;
                if in_planes == 15 {
                    self.bit_counts.add_planes(&planes, in_planes);
                    planes = [0; 4];
                    in_planes = 0;
                }
            }
            last_two = pair(last_one, w);
            last_one = w;
            words += 1;
        }
        if in_planes > 0 {
            self.bit_counts.add_planes(&planes, in_planes);
        }
        self.grams = self
            .grams
            .saturating_add(words.saturating_sub(self.words.max(2)) as u32);
        (self.exact, self.last_one, self.last_two) = (exact, last_one, last_two);
        self.words = words;
        self.pending_len = 0;
    }

    fn add_shingle(&mut self, h: u64) {
        let bin = (h >> (64 - MINHASH_BINS.ilog2())) as usize;
        self.minhash[bin] = self.minhash[bin].min(h as u32);
        self.bit_counts.add(h);
        self.grams += 1;
    }

    pub fn finish(mut self) -> TextPrint {
        self.fold_pending();
        // A text of one or two words is one shingle.
        match self.words {
            1 => self.add_shingle(mix(self.last_one)),
            2 => self.add_shingle(mix(self.last_two)),
            _ => {}
        }
        let grams = self.grams;
        let ones = self.bit_counts.finish();
        let simhash = ones
            .iter()
            .enumerate()
            .filter(|(_, &count)| 2 * count > grams)
            .fold(0u64, |acc, (bit, _)| acc | 1 << bit);
        TextPrint {
            exact: self.exact,
            simhash,
            minhash: self.minhash,
            words: self.words.min(u64::from(u32::MAX)) as u32,
        }
    }
}

/// [`word_hash`] of each whitespace-separated word of `parts` that has one, in order.
fn word_hashes<'a>(parts: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
    let mut words = Vec::new();
    for part in parts {
        if part.is_ascii() {
            ascii_word_hashes(part.as_bytes(), &mut words);
        } else {
            words.extend(part.split_whitespace().filter_map(word_hash));
        }
    }
    words
}

/// [`word_hashes`] of ASCII text in one pass over its bytes: no per-word split or ASCII check
/// (this runs over every word of every crawled page).
fn ascii_word_hashes(bytes: &[u8], words: &mut Vec<u64>) {
    let mut hasher = LaneHasher::default();
    for &b in bytes {
        if is_whitespace_byte(b) {
            words.extend(std::mem::take(&mut hasher).finish());
        } else if b.is_ascii_alphanumeric() {
            hasher.push(b.to_ascii_lowercase());
        }
    }
    words.extend(hasher.finish());
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Estimated share of 3-word shingles two texts have in common (Jaccard resemblance, 0..=1):
/// the share of bins, among those either text fills, where both hold the same minimum.
pub fn resemblance(a: &TextPrint, b: &TextPrint) -> f64 {
    let (mut same, mut filled) = (0u32, 0u32);
    for (x, y) in a.minhash.iter().zip(&b.minhash) {
        if *x == u32::MAX && *y == u32::MAX {
            continue;
        }
        filled += 1;
        same += u32::from(x == y);
    }
    if filled == 0 {
        1.0
    } else {
        f64::from(same) / f64::from(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "Sourdough starters need regular feeding with flour and water. Keep the \
        jar at room temperature and discard half before each feeding. A healthy starter doubles \
        within eight hours and smells pleasantly sour. Rye flour speeds up fermentation while \
        white flour gives a milder taste. Store a mature starter in the fridge between bakes and \
        feed it weekly to keep the yeast and bacteria balanced for the next loaf you bake. \
        Bakers who travel can dry a thin layer of starter on parchment, crumble the flakes into \
        a jar and revive them weeks later with warm water and fresh flour. The first feedings \
        after a long rest are slow, so plan two or three days before baking day. Hydration \
        matters as well: a stiff starter ferments more slowly and tastes milder, while a liquid \
        one rises quickly and brings more acidity to the crumb and the crust of the loaf.";

    #[test]
    fn one_pass_word_hashes_match_the_per_word_ones() {
        let texts = [
            BASE,
            "  Leading and trailing  ",
            "tabs\there\nnewlines\r\nvertical\x0btab\x0cfeed -- ... (x) 42 a-b C3PO",
            "",
            "   ",
            "Ünïcödé words mixed with ASCII ones, ﬁ ligature\u{a0}nbsp",
            "punctuation-only tokens: — … !! ?? and words",
        ];
        for text in texts {
            let per_word: Vec<u64> = text.split_whitespace().filter_map(word_hash).collect();
            assert_eq!(word_hashes([text]), per_word, "{text:?}");
        }
        // Parts are read one after another, each split on its own.
        let joined: Vec<u64> = format!("{} {}", texts[2], texts[5])
            .split_whitespace()
            .filter_map(word_hash)
            .collect();
        assert_eq!(word_hashes([texts[2], texts[5]]), joined);
    }

    #[test]
    fn words_met_while_counting_hash_as_the_per_word_hash() {
        for text in [
            BASE,
            "a ab abcdefg abcdefgh abcdefghi ABCDEFGHIJKLMNOPQ 0 42 C3PO x86_64 it's (x) --",
            "Ünïcödé words mixed with ASCII ones, ﬁ ligature\u{a0}nbsp",
        ] {
            let mut met = Vec::new();
            crate::doc::words::TextCounts::of_visiting(text, &mut |w| met.push(hash_word(w)));
            let per_word: Vec<Option<u64>> =
                crate::doc::words::words(text).map(word_hash).collect();
            assert_eq!(met, per_word, "{text:?}");
            let hashes: Vec<u64> = met.into_iter().flatten().collect();
            assert_eq!(fingerprint_of_words(&hashes), fingerprint([text]));
        }
    }

    /// Random texts of letters, digits, punctuation, non-ASCII letters and spaces (words of
    /// every length, punctuation before, inside and after them, at the text's end or not):
    /// each word met while counting hashes as [`word_hash`] of it, whether the counting pass
    /// folded it or not.
    #[test]
    fn generated_words_hash_as_the_per_word_hash() {
        const PIECES: [&str; 14] = [
            "a", "B", "q", "Z", "7", "0", ".", ",", "(", "'", "-", "\u{e9}", "\u{2014}", "\u{a0}",
        ];
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..stream.next() % 60 {
                let roll = stream.next() % 100;
                if roll < 15 {
                    text.push(if roll < 2 { '\n' } else { ' ' });
                } else if roll < 75 {
                    text.push(char::from(b'a' + (roll % 26) as u8));
                } else {
                    text.push_str(PIECES[stream.below(PIECES.len())]);
                }
            }
            let mut met = Vec::new();
            let mut alone = Vec::new();
            crate::doc::words::TextCounts::of_visiting(&text, &mut |w| {
                met.push(hash_word(w));
                alone.push(hash_word(Word { folded: None, ..w }));
            });
            let per_word: Vec<Option<u64>> =
                crate::doc::words::words(&text).map(word_hash).collect();
            assert_eq!(met, per_word, "{text:?}");
            assert_eq!(alone, per_word, "{text:?}");
        }
    }

    #[test]
    fn short_lanes_equal_zero_padded_copies() {
        let bytes = b"abcdefg";
        for n in 0..=7 {
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(short_lane(&bytes[..n]), u64::from_le_bytes(padded), "{n}");
        }
    }

    /// The fingerprint as defined, computed the plain way: shingles of up to three words
    /// folded one by one, ones counted bit by bit.
    fn plain_fingerprint(words: &[u64]) -> TextPrint {
        let exact = words
            .iter()
            .fold(0x243f_6a88_85a3_08d3u64, |acc, w| mix(acc ^ w));
        let shingle = 3.min(words.len().max(1));
        let mut ones = [0u32; 64];
        let mut minhash = [u32::MAX; MINHASH_BINS];
        let mut grams = 0;
        for gram in words.windows(shingle) {
            // Each word rotated by 23 bits per word after it, all xor-ed, then mixed once.
            let h = mix(gram.iter().fold(0u64, |acc, w| acc.rotate_left(23) ^ w));
            let bin = (h >> (64 - MINHASH_BINS.ilog2())) as usize;
            minhash[bin] = minhash[bin].min(h as u32);
            for (bit, count) in ones.iter_mut().enumerate() {
                *count += ((h >> bit) & 1) as u32;
            }
            grams += 1;
        }
        let simhash = (0..64)
            .filter(|&bit| 2 * ones[bit] > grams)
            .fold(0u64, |acc, bit| acc | 1 << bit);
        TextPrint {
            exact,
            simhash,
            minhash,
            words: words.len() as u32,
        }
    }

    #[test]
    fn fingerprint_equals_the_plain_definition() {
        for n in [0, 1, 2, 3, 4, 17, 63, 64, 65, 66, 130, 300, 1000] {
            let words: Vec<u64> = (0..n as u64).map(|i| mix(i ^ 0x5bd1)).collect();
            assert_eq!(
                fingerprint_of_words(&words),
                plain_fingerprint(&words),
                "{n}"
            );
        }
    }

    #[test]
    fn near_copies_are_close_and_different_texts_far() {
        let a = fingerprint([BASE]);
        let b = fingerprint([BASE.replace("eight hours", "six hours").as_str()]);
        let c = fingerprint([
            "Tax rules for freelancers differ by country; register early, keep \
            receipts, and set aside a share of each invoice for the yearly bill. Pension \
            contributions lower the taxable income in many systems, and advisers help.",
        ]);
        assert_ne!(a.exact, b.exact);
        assert!(resemblance(&a, &b) >= 0.6, "{}", resemblance(&a, &b));
        assert!(resemblance(&a, &c) <= 0.2, "{}", resemblance(&a, &c));
        assert_eq!(resemblance(&a, &a), 1.0);
        assert!(
            distance(a.simhash, b.simhash) <= 6,
            "{}",
            distance(a.simhash, b.simhash)
        );
        assert!(
            distance(a.simhash, c.simhash) > 10,
            "{}",
            distance(a.simhash, c.simhash)
        );
        assert_eq!(
            fingerprint([BASE]).exact,
            fingerprint([BASE.to_uppercase().as_str()]).exact
        );
    }

    #[test]
    fn sliced_counts_equal_counting_bit_by_bit() {
        // Groups of every size up to 15, through every lane flush; all-ones hashes too.
        let hashes: Vec<u64> = (0..2000u64)
            .map(|i| if i % 7 == 0 { u64::MAX } else { mix(i) })
            .collect();
        let mut fast = BitCounts::new();
        let mut slow = [0u32; 64];
        let mut rest = &hashes[..];
        let mut size = 1;
        while !rest.is_empty() {
            let (group, after) = rest.split_at(size.min(rest.len()));
            let mut planes = [0u64; 4];
            for &h in group {
                let mut carry = h;
                for plane in &mut planes {
                    let next = *plane & carry;
                    *plane ^= carry;
                    carry = next;
                }
                for (bit, count) in slow.iter_mut().enumerate() {
                    *count += ((h >> bit) & 1) as u32;
                }
            }
            fast.add_planes(&planes, group.len() as u32);
            // Single adds in between, as a one- or two-word text's shingle comes.
            fast.add(group[0]);
            for (bit, count) in slow.iter_mut().enumerate() {
                *count += ((group[0] >> bit) & 1) as u32;
            }
            rest = after;
            size = size % 15 + 1;
        }
        assert_eq!(fast.finish(), slow);
    }

    #[test]
    fn bit_counts_equal_counting_bit_by_bit() {
        let hashes: Vec<u64> = (0..1000u64).map(mix).collect();
        let mut fast = BitCounts::new();
        let mut slow = [0u32; 64];
        for &h in &hashes {
            fast.add(h);
            for (bit, count) in slow.iter_mut().enumerate() {
                *count += ((h >> bit) & 1) as u32;
            }
        }
        assert_eq!(fast.finish(), slow);
    }

    #[test]
    fn words_hash_alike_whatever_their_case_punctuation_or_neighbours() {
        let hello = word_hash("hello");
        assert!(hello.is_some());
        // The ASCII and the general path agree on ASCII letters.
        assert_eq!(word_hash("Hello,"), hello);
        assert_eq!(word_hash("«Hello—»"), hello);
        assert_eq!(word_hash("CAFÉ"), word_hash("café"));
        assert_ne!(word_hash("café"), word_hash("cafe"));
        // Lanes: words of 8, 9 and 16 characters and their prefixes all differ.
        let long = [
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmno",
        ];
        for (i, a) in long.iter().enumerate() {
            for b in &long[i + 1..] {
                assert_ne!(word_hash(a), word_hash(b), "{a} {b}");
            }
        }
        assert_eq!(word_hash("—"), None);
    }

    #[test]
    fn empty_text() {
        let p = fingerprint([""]);
        assert_eq!(p.words, 0);
        assert_eq!(p.simhash, 0);
    }
}
