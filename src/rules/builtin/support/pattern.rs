//! Compiles the built-in English-phrase patterns for speed.
use regex::Regex;

/// Compile `pattern` with ASCII word boundaries: Unicode `\b` stops the regex engine's fast
/// DFA at the first non-ASCII character (an "é" in "café"), which made whole-page scans
/// several times slower. The patterns only match English words, so ASCII boundaries suffice.
pub fn compile(pattern: &str) -> Regex {
    let ascii = pattern.replace(r"\b", r"(?-u:\b)");
    Regex::new(&ascii).expect("built-in pattern is valid")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_boundaries_still_match_words() {
        let re = super::compile(r"\bgrind\b");
        assert!(re.is_match("a fine grind, café style"));
        assert!(!re.is_match("grinder"));
    }
}
