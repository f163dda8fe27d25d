//! Bit masks of byte classes over 64-byte chunks, one bit per byte (bit `j` for byte `j`).
//!
//! Written so the compiler vectorizes them: a class made of a few byte ranges is tested with
//! range compares over a whole 64-byte array (16 or 32 bytes per instruction), and the
//! per-byte results are packed into bits 16 at a time (SSE2 `movemask`; elsewhere eight at a
//! time with one multiplication). A
//! per-byte table lookup shifted into a `u64` does not vectorize and costs several times more.

/// Bytes per chunk: one bit each in a `u64`.
pub const CHUNK: usize = 64;

/// A set of bytes as at most [`ByteRanges::MAX`] ranges, for [`ByteRanges::mask`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRanges {
    /// `(first byte, length)` of each range; the first `count` are used.
    ranges: [(u8, u8); ByteRanges::MAX],
    count: usize,
}

impl ByteRanges {
    /// The most ranges a set may have.
    pub const MAX: usize = 4;

    /// The ranges of `member` over all 256 bytes; `None` when there are more than
    /// [`ByteRanges::MAX`] (or a range of all 256 bytes, whose length does not fit a byte).
    pub fn of(member: impl Fn(u8) -> bool) -> Option<ByteRanges> {
        let mut ranges = [(0u8, 0u8); ByteRanges::MAX];
        let mut count = 0;
        let mut b = 0usize;
        while b < 256 {
            if !member(b as u8) {
                b += 1;
                continue;
            }
            let start = b;
            while b < 256 && member(b as u8) {
                b += 1;
            }
            if count == ByteRanges::MAX {
                return None;
            }
            ranges[count] = (start as u8, u8::try_from(b - start).ok()?);
            count += 1;
        }
        Some(ByteRanges { ranges, count })
    }

    /// Bit `j` set when `chunk[j]` is in the set.
    #[inline]
    pub fn mask(&self, chunk: &[u8; CHUNK]) -> u64 {
        let mut flags = [0u8; CHUNK];
        for &(first, len) in &self.ranges[..self.count] {
            for (flag, &b) in flags.iter_mut().zip(chunk) {
                *flag |= u8::from(b.wrapping_sub(first) < len);
            }
        }
        pack(&flags)
    }
}

/// Bit `j` set when `flags[j]` is 1 (each flag 0 or 1): with SSE2, each flag shifted up to
/// its byte's top bit and 16 of them gathered by one `movemask`, a few instructions per 16
/// flags where the multiplications ([`pack_by_multiplying`]) take a few per 8.
#[cfg(target_arch = "x86_64")]
#[inline]
pub fn pack(flags: &[u8; CHUNK]) -> u64 {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
    unsafe { pack_sse2(flags) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn pack_sse2(flags: &[u8; CHUNK]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_slli_epi16};
    let mut mask = 0u64;
    for (k, sixteen) in flags.chunks_exact(16).enumerate() {
        // SAFETY: `sixteen` is 16 readable bytes; the load has no alignment requirement.
        let v = unsafe { _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>()) };
        // Bit 0 of each byte to bit 7: flags are 0 or 1, so no bit crosses into the next
        // byte's top bit within a 16-bit lane.
        let top = _mm_slli_epi16(v, 7);
        mask |= u64::from(_mm_movemask_epi8(top) as u32 & 0xffff) << (16 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub fn pack(flags: &[u8; CHUNK]) -> u64 {
    pack_by_multiplying(flags)
}

/// [`pack`] without vector instructions: per eight flags, the multiplication moves flag `i`
/// (bit `8i`) to bit `56 + i`, and no two partial products share a bit.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline]
fn pack_by_multiplying(flags: &[u8; CHUNK]) -> u64 {
    let mut mask = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(eight);
        let spread = u64::from_le_bytes(word);
        mask |= (spread.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// An ASCII word byte (letter, digit or `_`), as `(?-u:\b)` sees them: the bytes
/// [`word_mask`] marks.
#[inline]
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Bit `j` set when `chunk[j]` is an ASCII word byte (letter, digit or `_`), as
/// `(?-u:\b)` sees them.
#[inline]
pub fn word_mask(chunk: &[u8; CHUNK]) -> u64 {
    let mut flags = [0u8; CHUNK];
    for (flag, &b) in flags.iter_mut().zip(chunk) {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        *flag = u8::from(letter | digit | (b == b'_'));
    }
    pack(&flags)
}

/// `bytes` split into 64-byte chunks, the last one padded with `pad`: (chunk, its length).
pub fn chunks(bytes: &[u8], pad: u8) -> impl Iterator<Item = ([u8; CHUNK], usize)> + '_ {
    bytes.chunks(CHUNK).map(move |part| {
        // Full chunks as a fixed-size copy (a few vector moves, not a `memcpy` call).
        if let Ok(full) = <&[u8; CHUNK]>::try_from(part) {
            return (*full, CHUNK);
        }
        let mut chunk = [pad; CHUNK];
        chunk[..part.len()].copy_from_slice(part);
        (chunk, part.len())
    })
}

/// Whether every byte of `bytes` is ASCII, as `<[u8]>::is_ascii`: that one tests a text's
/// last `len % 64` bytes one at a time, most of a sentence. Here 16 bytes at a time, the last
/// block overlapping the one before, and texts under 16 bytes in two 8-byte words.
#[inline]
pub fn is_ascii(bytes: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
        unsafe { is_ascii_sse2(bytes) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytes.is_ascii()
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn is_ascii_sse2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_setzero_si128,
    };
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = bytes.len();
    if n < 16 {
        let word = |at: usize| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(eight)
        };
        return if n >= 8 {
            (word(0) | word(n - 8)) & HIGH == 0
        } else {
            bytes.iter().fold(0u8, |seen, &b| seen | b) < 0x80
        };
    }
    let load = |block: &[u8]| {
        debug_assert!(block.len() >= 16);
        // SAFETY: `block` has at least 16 readable bytes; no alignment is required.
        unsafe { _mm_loadu_si128(block.as_ptr().cast::<__m128i>()) }
    };
    let mut seen = _mm_setzero_si128();
    for block in bytes.chunks_exact(16) {
        seen = _mm_or_si128(seen, load(block));
    }
    seen = _mm_or_si128(seen, load(&bytes[n - 16..]));
    _mm_movemask_epi8(seen) == 0
}

/// Where the first ASCII digit of `bytes` is: 16 bytes at a time (a range compare and one
/// `movemask`), the last block overlapping the one before (whose bytes hold no digit, so
/// the overlap finds none twice); byte by byte only under 16 bytes.
pub fn first_ascii_digit(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
        unsafe { first_ascii_digit_sse2(bytes) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytes.iter().position(u8::is_ascii_digit)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn first_ascii_digit_sse2(bytes: &[u8]) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    let n = bytes.len();
    if n < 16 {
        return bytes.iter().position(u8::is_ascii_digit);
    }
    // Bit `j` set when `bytes[at + j]` is a digit: `b - '0'` is at most 9 (unsigned) just
    // for digits.
    let digits = |at: usize| {
        let block = &bytes[at..at + 16];
        // SAFETY: `block` is 16 readable bytes; no alignment is required.
        let v = unsafe { _mm_loadu_si128(block.as_ptr().cast::<__m128i>()) };
        let from_zero = _mm_sub_epi8(v, _mm_set1_epi8(b'0' as i8));
        let digit = _mm_cmpeq_epi8(_mm_min_epu8(from_zero, _mm_set1_epi8(9)), from_zero);
        _mm_movemask_epi8(digit) as u32
    };
    let mut at = 0;
    while at + 16 <= n {
        let found = digits(at);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += 16;
    }
    if at == n {
        return None;
    }
    let last = n - 16;
    let found = digits(last);
    (found != 0).then(|| last + found.trailing_zeros() as usize)
}

/// Whether `at(i)` holds for some `i` where `text[i..i + 2]` is `pair` (two lower-case ASCII
/// letters) in any case, trying them in text order. The places are found 16 bytes at a time
/// (two loads, two compares, one `movemask`), not byte by byte: a sentence costs a few
/// dozen instructions when the pair is rare.
pub fn any_pair_ignoring_case(
    text: &[u8],
    pair: [u8; 2],
    mut at: impl FnMut(usize) -> bool,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this build runs on has it.
        unsafe { any_pair_sse2(text, pair, &mut at) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        any_pair_by_bytes(text, pair, at)
    }
}

/// [`any_pair_ignoring_case`] byte by byte: the definition, and the search beyond x86-64.
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
fn any_pair_by_bytes(text: &[u8], pair: [u8; 2], mut at: impl FnMut(usize) -> bool) -> bool {
    (0..text.len().saturating_sub(1))
        .any(|i| text[i] | 0x20 == pair[0] && text[i + 1] | 0x20 == pair[1] && at(i))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn any_pair_sse2(text: &[u8], pair: [u8; 2], at: &mut impl FnMut(usize) -> bool) -> bool {
    /// Bytes a block reads: 16 places and the byte after the last.
    const READ: usize = 17;
    // Short texts from a zero-padded copy: zero is no letter, so the padding adds no pair.
    if text.len() < READ {
        let mut padded = [0u8; READ];
        padded[..text.len()].copy_from_slice(text);
        return tries(pair_bits(&padded, pair), 0, at);
    }
    // Blocks at 0, 16, 32, ... and a last one that ends at the text's end, overlapping the
    // one before: its places already tried are dropped.
    let last = text.len() - READ;
    let mut next = 0;
    loop {
        let start = next.min(last);
        let block: &[u8; READ] = text[start..start + READ]
            .try_into()
            .expect("a block is READ bytes");
        let fresh = pair_bits(block, pair) & (u32::MAX << (next - start));
        if fresh != 0 && tries(fresh, start, at) {
            return true;
        }
        if start == last {
            return false;
        }
        next += 16;
    }
}

/// Bit `j` set when `block[j..j + 2]` is `pair` in any case (lower-case letters: setting a
/// byte's `0x20` bit lower-cases a letter and turns no other byte into one).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn pair_bits(block: &[u8; 17], pair: [u8; 2]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let case = _mm_set1_epi8(0x20);
    // SAFETY: both loads read 16 of the block's 17 bytes; no alignment is required.
    let (first, second) = unsafe {
        (
            _mm_loadu_si128(block.as_ptr().cast::<__m128i>()),
            _mm_loadu_si128(block.as_ptr().add(1).cast::<__m128i>()),
        )
    };
    let first = _mm_cmpeq_epi8(_mm_or_si128(first, case), _mm_set1_epi8(pair[0] as i8));
    let second = _mm_cmpeq_epi8(_mm_or_si128(second, case), _mm_set1_epi8(pair[1] as i8));
    _mm_movemask_epi8(_mm_and_si128(first, second)) as u32 & 0xffff
}

/// Whether `at(offset + j)` holds for some set bit `j` of `bits`, tried from the lowest.
#[inline(always)]
fn tries(mut bits: u32, offset: usize, at: &mut impl FnMut(usize) -> bool) -> bool {
    while bits != 0 {
        if at(offset + bits.trailing_zeros() as usize) {
            return true;
        }
        bits &= bits - 1;
    }
    false
}

/// The low `n` bits (all 64 for `n >= 64`).
#[inline]
pub fn low_bits(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of every value, in a scrambled order, so each chunk mixes classes.
    fn all_bytes_scrambled(seed: u64) -> Vec<u8> {
        let mut stream = crate::test_fixtures::Stream(0x9E37_79B9_7F4A_7C15 ^ seed);
        (0..1024)
            .map(|_| {
                let state = stream.next();
                (state >> 56) as u8
            })
            .collect()
    }

    fn mask_by_bytes(chunk: &[u8; CHUNK], member: impl Fn(u8) -> bool) -> u64 {
        chunk
            .iter()
            .enumerate()
            .fold(0, |m, (j, &b)| m | (u64::from(member(b)) << j))
    }

    #[test]
    fn first_digit_agrees_with_a_byte_walk() {
        let mut stream = crate::test_fixtures::Stream(0xBB67_AE85_84CA_A73B);
        for len in 0..120 {
            for _ in 0..40 {
                // Few digits, so the first often lies in a later block or the overlap.
                let text: Vec<u8> = (0..len)
                    .map(|_| match stream.below(40) {
                        0 => b'0' + stream.below(10) as u8,
                        1 => b'/',
                        2 => b':',
                        3 => 0x80 | stream.below(128) as u8,
                        _ => b'a' + stream.below(26) as u8,
                    })
                    .collect();
                assert_eq!(
                    first_ascii_digit(&text),
                    text.iter().position(u8::is_ascii_digit),
                    "{text:?}"
                );
            }
        }
        for b in 0..=255u8 {
            let text = [b; 20];
            assert_eq!(first_ascii_digit(&text), b.is_ascii_digit().then_some(0));
        }
    }

    #[test]
    fn ascii_test_agrees_with_the_standard_one() {
        let mut stream = crate::test_fixtures::Stream(0x3C6E_F372_FE94_F82B);
        for len in 0..200 {
            let ascii: Vec<u8> = (0..len).map(|_| stream.below(128) as u8).collect();
            assert!(is_ascii(&ascii), "{len}");
            // One byte of 0x80 or more at every place in turn.
            for at in 0..len {
                let mut text = ascii.clone();
                text[at] = 0x80 | stream.below(128) as u8;
                assert!(!is_ascii(&text), "{len} {at}");
            }
        }
        let scrambled = all_bytes_scrambled(3);
        for start in 0..64 {
            for len in 0..100 {
                let part = &scrambled[start..start + len];
                assert_eq!(is_ascii(part), part.is_ascii(), "{start} {len}");
            }
        }
    }

    #[test]
    fn pair_search_tries_the_places_a_byte_walk_tries() {
        let pieces: [&[u8]; 12] = [
            b"i",
            b"I",
            b"n",
            b"N",
            b"in",
            b"IN",
            b" ",
            b"x",
            b"\xc3\xa9",
            b"\x49\x4e",
            b"\x69",
            b"\0",
        ];
        let mut stream = crate::test_fixtures::Stream(0xA076_1D64_78BD_642F);
        let mut tried = 0;
        for round in 0..4_000 {
            let mut text = Vec::new();
            for _ in 0..stream.below(60) {
                text.extend_from_slice(pieces[stream.below(pieces.len())]);
            }
            // Every place in order, then a stop at the k-th place.
            let stop = stream.below(4);
            for stop_at in [usize::MAX, stop] {
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                let found_fast = any_pair_ignoring_case(&text, *b"in", |i| {
                    fast.push(i);
                    fast.len() > stop_at
                });
                let found_slow = any_pair_by_bytes(&text, *b"in", |i| {
                    slow.push(i);
                    slow.len() > stop_at
                });
                assert_eq!(
                    (found_fast, &fast),
                    (found_slow, &slow),
                    "{round}: {text:?}"
                );
                tried += slow.len();
            }
        }
        assert!(tried > 10_000, "{tried}");
    }

    #[test]
    fn word_mask_marks_exactly_the_word_bytes() {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        for seed in 0..8 {
            for (chunk, _) in chunks(&all_bytes_scrambled(seed), 0) {
                assert_eq!(word_mask(&chunk), mask_by_bytes(&chunk, is_word));
            }
        }
        let mut every = [0u8; CHUNK];
        for start in (0..256).step_by(CHUNK) {
            for (j, b) in every.iter_mut().enumerate() {
                *b = (start + j) as u8;
            }
            assert_eq!(word_mask(&every), mask_by_bytes(&every, is_word));
        }
    }

    #[test]
    fn range_masks_agree_with_membership() {
        let sets: [&dyn Fn(u8) -> bool; 5] = [
            &|b: u8| b.is_ascii_uppercase(),
            &|b: u8| b.is_ascii_hexdigit(),
            &|b: u8| b == 0 || b == 255 || b == b'(',
            &|b: u8| b >= 0x80,
            &|b: u8| b != b' ',
        ];
        for member in sets {
            let ranges = ByteRanges::of(member).expect("few ranges");
            for seed in 0..8 {
                for (chunk, _) in chunks(&all_bytes_scrambled(seed), 7) {
                    assert_eq!(ranges.mask(&chunk), mask_by_bytes(&chunk, member));
                }
            }
        }
        assert_eq!(ByteRanges::of(|b| b % 2 == 0), None);
        assert_eq!(ByteRanges::of(|_| true), None);
        assert_eq!(ByteRanges::of(|_| false).map(|r| r.count), Some(0));
    }

    #[test]
    fn both_packs_set_the_bit_of_each_set_flag() {
        let mut stream = crate::test_fixtures::Stream(0x51ed_270b);
        for round in 0..200 {
            let mut flags = [0u8; CHUNK];
            for flag in flags.iter_mut() {
                // Sparse, dense and half-set chunks.
                *flag = u8::from(stream.below(4) < round % 5);
            }
            let want = flags
                .iter()
                .enumerate()
                .fold(0u64, |m, (j, &f)| m | (u64::from(f) << j));
            assert_eq!(pack(&flags), want);
            assert_eq!(pack_by_multiplying(&flags), want);
        }
        assert_eq!(pack(&[1; CHUNK]), u64::MAX);
        assert_eq!(pack(&[0; CHUNK]), 0);
    }

    #[test]
    fn chunks_pad_the_last_one() {
        let bytes: Vec<u8> = (0..130).map(|i| i as u8).collect();
        let parts: Vec<([u8; CHUNK], usize)> = chunks(&bytes, b'#').collect();
        assert_eq!(parts.iter().map(|p| p.1).collect::<Vec<_>>(), [64, 64, 2]);
        assert_eq!(parts[2].0[..3], [128, 129, b'#']);
        assert_eq!(low_bits(0), 0);
        assert_eq!(low_bits(3), 0b111);
        assert_eq!(low_bits(64), u64::MAX);
    }
}
