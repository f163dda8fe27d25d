//! Word, syllable and sentence helpers shared by the style and declarative rules.
//! Allocation-free: they run over every block of every checked document.
pub use crate::doc::words::{syllables, words, TextCounts};
use crate::doc::{BlockKind, Document};

/// Non-whitespace characters.
pub fn char_count(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
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
    fn first_word_and_characters() {
        assert_eq!(first_word("\"However,\" she said."), Some("However"));
        assert_eq!(first_word(" — "), None);
        assert_eq!(char_count("a b\tc"), 3);
    }
}
