//! Word, syllable and sentence helpers shared by the style and declarative rules.
//! Allocation-free: they run over every block of every checked document.
use crate::doc::words::is_whitespace_byte;
pub use crate::doc::words::{syllables, words, TextCounts};
use crate::doc::{BlockKind, Document};

/// Non-whitespace characters.
pub fn char_count(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// The first word of a sentence, without surrounding punctuation or quotes.
pub fn first_word(sentence: &str) -> Option<&str> {
    // Byte by byte while the text is ASCII (`char::is_whitespace` and `is_alphanumeric` are
    // then byte tests): this runs on every sentence, and the first word is near its start.
    let bytes = sentence.as_bytes();
    let mut i = 0;
    loop {
        while bytes.get(i).is_some_and(|&b| is_whitespace_byte(b)) {
            i += 1;
        }
        if i == bytes.len() {
            return None;
        }
        // The token's first and last letter or digit.
        let mut alnum: Option<(usize, usize)> = None;
        while let Some(&b) = bytes.get(i).filter(|&&b| !is_whitespace_byte(b)) {
            if !b.is_ascii() {
                return first_word_by_chars(sentence);
            }
            if b.is_ascii_alphanumeric() {
                alnum = Some((alnum.map_or(i, |(first, _)| first), i + 1));
            }
            i += 1;
        }
        if let Some((first, end)) = alnum {
            return sentence.get(first..end);
        }
    }
}

/// [`first_word`] by chars, for text beyond ASCII.
fn first_word_by_chars(sentence: &str) -> Option<&str> {
    let word = words(sentence).next()?;
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    (!word.is_empty()).then_some(word)
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

    /// The byte walk over ASCII answers as the char trim it replaces, on generated sentences
    /// of letters, digits, punctuation, quotes, whitespace and Unicode.
    #[test]
    fn first_word_agrees_with_the_char_trim() {
        let pieces = [
            "a", "The", "9", "_", "\"", "'", "(", ".", ",", " ", "\t", "\n", "—", "é", "“", "x1",
            "\u{2003}", "\u{a0}", "--", "\x0b", "\x1f", "\r",
        ];
        fn simple(s: &str) -> Option<&str> {
            words(s)
                .next()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .filter(|w| !w.is_empty())
        }
        let mut stream = crate::test_fixtures::Stream(0xBB67_AE85_84CA_A73B);
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..stream.below(8) {
                text.push_str(pieces[stream.below(pieces.len())]);
            }
            assert_eq!(first_word(&text), simple(&text), "{text:?}");
        }
    }

    #[test]
    fn first_word_and_characters() {
        assert_eq!(first_word("\"However,\" she said."), Some("However"));
        assert_eq!(first_word(" — "), None);
        assert_eq!(char_count("a b\tc"), 3);
    }
}
