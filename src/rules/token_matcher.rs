//! The matcher of declarative token rules: one regex over every token, behind an
//! Aho-Corasick prefilter of a literal piece that every match must contain. Most paragraphs
//! hold none of a rule's phrases, so the regex (word boundaries, `\s+`, apostrophe classes)
//! runs only on the few that can match.
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Match, Regex};

#[derive(Debug)]
pub struct TokenMatcher {
    regex: Regex,
    /// `None` when some alternative has no literal piece to look for (raw `patterns`).
    prefilter: Option<Prefilter>,
}

#[derive(Debug)]
struct Prefilter {
    pieces: AhoCorasick,
    /// Case-insensitive: the regex also folds the Kelvin sign (K) and the long s (ſ) to ASCII
    /// letters, which an ASCII-case-insensitive search would miss.
    ignorecase: bool,
}

impl TokenMatcher {
    /// `regex` matches any of `tokens` (spaces as `\s+`, `'` as either apostrophe); with
    /// `has_patterns` it also holds raw regex alternatives and gets no prefilter.
    pub fn new(regex: Regex, tokens: &[String], has_patterns: bool, ignorecase: bool) -> Self {
        let prefilter = if has_patterns || tokens.is_empty() {
            None
        } else {
            prefilter(tokens, ignorecase)
        };
        TokenMatcher { regex, prefilter }
    }

    /// A hand-written `regex` behind a prefilter of `words`, at least one of which (in any
    /// case, with `ignorecase`) every match of the regex contains: the caller's promise, to be
    /// held by a test of the caller's.
    pub fn with_required_words(regex: Regex, words: &[&str], ignorecase: bool) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        TokenMatcher::new(regex, &words, false, ignorecase)
    }

    /// The regex's matches in `text`; none without a search when no token can occur in it.
    pub fn find_iter<'r, 't>(&'r self, text: &'t str) -> impl Iterator<Item = Match<'t>> + 'r
    where
        't: 'r,
    {
        self.may_match(text)
            .then(|| self.regex.find_iter(text))
            .into_iter()
            .flatten()
    }

    fn may_match(&self, text: &str) -> bool {
        let Some(p) = &self.prefilter else {
            return true;
        };
        if !p.ignorecase {
            return p.pieces.is_match(text);
        }
        if !text.is_ascii() && (text.contains('\u{212A}') || text.contains('\u{17F}')) {
            return true;
        }
        // Lower-cased pieces searched in a lower-cased copy: a case-sensitive search runs on
        // SIMD (Teddy), several times faster than an ASCII-case-insensitive automaton.
        LOWERED.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            buf.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
            p.pieces.is_match(buf.as_slice())
        })
    }
}

thread_local! {
    /// Reused buffer for the lower-cased text (one per thread, grown to the largest block).
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The longest literal piece of each token (split where the regex allows variation), or
/// `None` when a token has no piece that an ASCII search can find as the regex would.
fn prefilter(tokens: &[String], ignorecase: bool) -> Option<Prefilter> {
    let mut pieces = Vec::with_capacity(tokens.len());
    for token in tokens {
        let piece = token
            .split([' ', '\''])
            .max_by_key(|p| p.len())
            .filter(|p| !p.is_empty())?;
        // Unicode letters fold beyond ASCII under `(?i)`: keep such rules on the regex alone.
        if ignorecase && !piece.is_ascii() {
            return None;
        }
        pieces.push(if ignorecase {
            piece.to_ascii_lowercase()
        } else {
            piece.to_string()
        });
    }
    // Leftmost-first lets the searcher use its packed SIMD prefilter (Teddy), which the
    // standard match kind does not; any match answers `is_match` the same.
    let pieces = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostFirst)
        .build(&pieces)
        .ok()?;
    Some(Prefilter { pieces, ignorecase })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(tokens: &[&str], ignorecase: bool) -> TokenMatcher {
        let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
        let alts: Vec<String> = tokens
            .iter()
            .map(|t| regex::escape(t).replace('\'', "['’]").replace(' ', r"\s+"))
            .collect();
        let flags = if ignorecase { "(?i)" } else { "" };
        let regex = Regex::new(&format!(r"{flags}(?-u:\b)(?:{})(?-u:\b)", alts.join("|")))
            .expect("valid regex");
        TokenMatcher::new(regex, &tokens, false, ignorecase)
    }

    fn found(m: &TokenMatcher, text: &str) -> Vec<String> {
        m.find_iter(text).map(|x| x.as_str().to_string()).collect()
    }

    #[test]
    fn finds_what_the_regex_finds() {
        let m = matcher(&["it's worth noting", "delve", "in order to"], true);
        assert!(m.prefilter.is_some());
        assert_eq!(
            found(&m, "It’s  worth\nnoting that we DELVE in order to learn."),
            ["It’s  worth\nnoting", "DELVE", "in order to"]
        );
        assert!(found(&m, "Nothing to see here.").is_empty());
        // The regex folds the Kelvin sign and the long s; the prefilter must not hide them.
        let k = matcher(&["bake sale"], true);
        assert_eq!(
            found(&k, "a ba\u{212A}e \u{17F}ale"),
            ["ba\u{212A}e \u{17F}ale"]
        );
    }

    #[test]
    fn case_sensitive_and_unusable_pieces() {
        let m = matcher(&["NASA"], false);
        assert!(found(&m, "nasa").is_empty());
        assert_eq!(found(&m, "the NASA probe"), ["NASA"]);
        assert!(matcher(&["café au lait"], true).prefilter.is_none());
        assert!(matcher(&["'"], true).prefilter.is_none());
    }
}
