//! Word, syllable and sentence helpers shared by the style and declarative rules.
//! Allocation-free: they run over every block of every checked document.
use crate::doc::{BlockKind, Document};

/// Words in `text`: whitespace-separated tokens holding at least one letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
}

pub fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return words(text).count();
    }
    // Byte scan for ASCII text (the common case): same result as `words`, several times faster.
    let mut count = 0;
    let mut in_word = false;
    let mut has_alnum = false;
    for &b in text.as_bytes() {
        if b.is_ascii_whitespace() || b == 0x0b {
            count += usize::from(in_word && has_alnum);
            in_word = false;
            has_alnum = false;
        } else {
            in_word = true;
            has_alnum |= b.is_ascii_alphanumeric();
        }
    }
    count + usize::from(in_word && has_alnum)
}

/// Non-whitespace characters.
pub fn char_count(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// English syllables of one word by vowel groups, with the usual silent-`e` correction.
/// An estimate, as in every Flesch implementation; at least 1 for any word with a letter.
pub fn syllables(word: &str) -> usize {
    let mut count = 0;
    let mut prev_vowel = false;
    let mut letters = 0;
    let mut last = ['\0'; 3];
    let mut step = |c: char| {
        let c = c.to_ascii_lowercase();
        letters += 1;
        let vowel = is_vowel(c);
        if vowel && !prev_vowel {
            count += 1;
        }
        prev_vowel = vowel;
        last = [last[1], last[2], c];
    };
    // Bytes for the common ASCII case: this runs for every word of every document.
    if word.is_ascii() {
        word.bytes()
            .filter(u8::is_ascii_alphabetic)
            .for_each(|b| step(char::from(b)));
    } else {
        word.chars().filter(|c| c.is_alphabetic()).for_each(step);
    }
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

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

pub fn syllable_count(text: &str) -> usize {
    words(text).map(syllables).sum()
}

/// Words of three or more syllables.
pub fn complex_word_count(text: &str) -> usize {
    words(text).filter(|w| syllables(w) >= 3).count()
}

/// The first word of a sentence, without surrounding punctuation or quotes.
pub fn first_word(sentence: &str) -> Option<&str> {
    words(sentence)
        .next()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// Indices of the sentences that lie in prose blocks (not code).
pub fn prose_sentences(doc: &Document) -> impl Iterator<Item = usize> + '_ {
    doc.sentences.iter().enumerate().filter_map(|(i, s)| {
        let prose = doc
            .blocks
            .get(s.block)
            .is_none_or(|b| b.kind != BlockKind::Code);
        prose.then_some(i)
    })
}

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
    fn counts_words_and_first_word() {
        assert_eq!(word_count("Hello, world — it's 2026!"), 4);
        assert_eq!(first_word("\"However,\" she said."), Some("However"));
        assert_eq!(first_word(" — "), None);
        assert_eq!(char_count("a b\tc"), 3);
        for t in [
            "",
            " a  b ",
            "a - b",
            "x\x0by\nz",
            "one,two three!",
            "-- 3 --",
        ] {
            assert_eq!(word_count(t), words(t).count(), "{t:?}");
        }
    }
}
