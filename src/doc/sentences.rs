//! Abbreviation-aware sentence splitting of a block's plain text.
//!
//! Works on byte offsets of the text so that sentence spans map back to the source through the
//! block's `OffsetMap`. Linear in the text length.

/// Abbreviations after which a period never ends a sentence (titles, "e.g.", "vs.", ...).
const NEVER_FINAL: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "prof", "st", "mt", "ft", "vs", "v", "e.g", "i.e", "cf", "fig",
    "figs", "approx", "ca", "gen", "gov", "sen", "rep", "rev", "hon", "pres", "capt", "col", "lt",
    "sgt", "cpt", "maj", "mssrs", "messrs", "mme", "mlle", "u.s", "u.k", "u.n", "e.u", "a.m",
    "p.m", "ph.d", "b.a", "m.a", "b.sc", "m.sc", "d.c", "vol", "vols", "pp", "p", "eq", "eqs",
    "ch", "sec", "art", "dept", "univ", "assn", "bros", "est", "al", "op", "viz", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed",
    "thu", "fri", "sat", "sun",
];

/// Abbreviations that often end a sentence too: a period after them ends the sentence only when
/// the next word is capitalised ("... pears, etc. They ...").
const SOMETIMES_FINAL: &[&str] = &["etc", "inc", "ltd", "co", "corp", "jr", "sr", "llc", "plc"];

/// A word of up to 7 bytes as one number (bytes big-endian, length in the low byte), so that
/// the lists above are searched by comparing integers: this runs at most sentence ends.
const fn word_key(word: &[u8]) -> Option<u64> {
    if word.len() > 7 {
        return None;
    }
    let mut key = 0u64;
    let mut i = 0;
    while i < 7 {
        let byte = if i < word.len() { word[i] } else { 0 };
        key = (key << 8) | byte as u64;
        i += 1;
    }
    Some((key << 8) | word.len() as u64)
}

/// [`word_key`]s of the `N` `words`, sorted for binary search. Every word must be at most 7
/// bytes (checked when compiling).
const fn sorted_keys<const N: usize>(words: &[&str]) -> [u64; N] {
    assert!(words.len() == N);
    let mut keys = [0u64; N];
    let mut i = 0;
    while i < N {
        keys[i] = match word_key(words[i].as_bytes()) {
            Some(key) => key,
            None => panic!("abbreviation longer than 7 bytes"),
        };
        i += 1;
    }
    // Insertion sort: a few dozen keys, once, at compile time.
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            let t = keys[j - 1];
            keys[j - 1] = keys[j];
            keys[j] = t;
            j -= 1;
        }
        i += 1;
    }
    keys
}

const NEVER_FINAL_KEYS: [u64; NEVER_FINAL.len()] = sorted_keys(NEVER_FINAL);
const SOMETIMES_FINAL_KEYS: [u64; SOMETIMES_FINAL.len()] = sorted_keys(SOMETIMES_FINAL);

/// Whether `word` is one of the words whose sorted keys are `keys`.
fn is_listed(keys: &[u64], word: &str) -> bool {
    word_key(word.as_bytes()).is_some_and(|key| keys.binary_search(&key).is_ok())
}

/// Characters that may follow the terminal punctuation and still belong to the sentence.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | ')' | ']' | '}' | '”' | '’' | '»' | '›' | '*' | '_'
    )
}

/// Split `text` into sentences: byte ranges with surrounding whitespace trimmed.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    split_into(text, &mut out);
    out
}

/// [`split`], appending the ranges to `out` (one buffer for all blocks of a document).
pub fn split_into(text: &str, out: &mut Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut sentence_start = skip_ws(text, 0);
    let mut i = sentence_start;
    let ascii = text.is_ascii();
    while i < bytes.len() {
        if ascii {
            // Most text is ASCII: jump to the next `.`, `!` or `?` (SIMD).
            match memchr::memchr3(b'.', b'!', b'?', &bytes[i..]) {
                Some(skip) => i += skip,
                None => break,
            }
        } else if !matches!(bytes[i], b'.' | b'!' | b'?' | 0xE2 | 0xE3 | 0xEF) {
            // Terminal punctuation is ASCII or starts with one of three lead bytes, so most
            // bytes are rejected without decoding a character (continuation bytes never match).
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let c_len = c.len_utf8();
        let is_terminal = matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？');
        if !is_terminal {
            i += c_len;
            continue;
        }
        // Runs of terminal punctuation ("?!", "...") count as one.
        let mut end = i + c_len;
        while let Some(next) = text[end..].chars().next() {
            if matches!(next, '.' | '!' | '?' | '…') {
                end += next.len_utf8();
            } else {
                break;
            }
        }
        let punct = &text[i..end];
        let end = consume_trailers(text, end);
        let after_ws = skip_ws(text, end);
        let at_end = after_ws >= bytes.len();
        let followed_by_space = at_end || after_ws > end;
        let breaks = followed_by_space
            && (at_end || ends_sentence(text, sentence_start, i, punct, after_ws));
        if breaks {
            let trimmed_end = trim_end(text, sentence_start, end);
            if trimmed_end > sentence_start {
                out.push((sentence_start, trimmed_end));
            }
            sentence_start = after_ws;
            i = after_ws;
        } else {
            i = end.max(i + c_len);
        }
    }
    let trimmed_end = trim_end(text, sentence_start, bytes.len());
    if trimmed_end > sentence_start {
        out.push((sentence_start, trimmed_end));
    }
}

/// After terminal punctuation: closing quotes/brackets and citation markers (`[1]`, `[^a]`)
/// still belong to the sentence.
fn consume_trailers(text: &str, mut pos: usize) -> usize {
    loop {
        let rest = &text[pos..];
        let Some(c) = rest.chars().next() else {
            return pos;
        };
        if c == '[' {
            if let Some(len) = citation_marker_len(rest) {
                pos += len;
                continue;
            }
            return pos;
        }
        if is_closer(c) {
            pos += c.len_utf8();
            continue;
        }
        return pos;
    }
}

/// Length of a `[1]`, `[2, 3]`, `[4-6]` or `[^label]` marker at the start of `s`.
fn citation_marker_len(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('[')?;
    // Markers are short: look for the `]` only nearby, so a text full of `[` stays linear.
    let close = inner.bytes().take(65).position(|b| b == b']')?;
    if close == 0 {
        return None;
    }
    let body = &inner[..close];
    let ok = if let Some(label) = body.strip_prefix('^') {
        !label.is_empty() && !label.contains(char::is_whitespace)
    } else {
        body.chars().any(|c| c.is_ascii_digit())
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '-' | '–' | '—'))
    };
    ok.then_some(close + 2)
}

/// Decide whether the terminal punctuation `punct` at `at` ends the sentence, given the next
/// word starts at `next`.
fn ends_sentence(text: &str, sentence_start: usize, at: usize, punct: &str, next: usize) -> bool {
    let next_char = text[next..].chars().next().unwrap_or(' ');
    let next_is_lower = next_char.is_lowercase();
    let next_is_upper_or_digit = next_char.is_uppercase() || next_char.is_ascii_digit();
    if punct.starts_with('!') || punct.starts_with('?') {
        return !next_is_lower;
    }
    if punct == "..." || punct == "…" || punct.chars().count() > 1 {
        // Ellipsis: a pause mid-sentence unless a new sentence visibly starts.
        return next_char.is_uppercase();
    }
    // A single period from here on.
    if next_is_lower {
        return false;
    }
    let word = word_before(text, sentence_start, at);
    if word.is_empty() {
        return true;
    }
    // Lower-cased on the stack for the usual short ASCII word: this runs at every period.
    let mut ascii_buf = [0u8; 32];
    let owned;
    let lower: &str = if word.is_ascii() && word.len() <= ascii_buf.len() {
        let buf = &mut ascii_buf[..word.len()];
        buf.copy_from_slice(word.as_bytes());
        buf.make_ascii_lowercase();
        std::str::from_utf8(buf).unwrap_or(word)
    } else {
        owned = word.to_lowercase();
        &owned
    };
    let lower = lower.trim_start_matches(['(', '"', '\'', '“', '‘', '[']);
    if is_listed(&NEVER_FINAL_KEYS, lower) {
        return false;
    }
    if lower == "no" || lower == "nos" {
        // "No. 5" is an abbreviation; "No. We ..." is an answer.
        return !next_char.is_ascii_digit();
    }
    if is_listed(&SOMETIMES_FINAL_KEYS, lower) {
        return next_is_upper_or_digit;
    }
    // Initials ("J. R. R. Tolkien") and dotted abbreviations ("U.S.A.").
    let mut letters = lower.chars().filter(|c| *c != '.');
    let single_letter = letters.next().is_some_and(char::is_alphabetic) && letters.next().is_none();
    if single_letter && word.chars().all(|c| c != '.') {
        let first = word.chars().next().unwrap_or(' ');
        if first.is_uppercase() {
            return false;
        }
    }
    if word.contains('.') && word.split('.').all(|part| part.chars().count() <= 2) {
        return false;
    }
    true
}

/// The word immediately before byte `at` (back to whitespace or the sentence start).
fn word_before(text: &str, sentence_start: usize, at: usize) -> &str {
    let before = &text[sentence_start..at];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    &before[start..]
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if c.is_whitespace() {
            pos += c.len_utf8();
        } else {
            break;
        }
    }
    pos
}

fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn abbreviation_keys_find_exactly_the_listed_words() {
        let mut probes: Vec<String> = NEVER_FINAL
            .iter()
            .chain(SOMETIMES_FINAL)
            .map(|w| w.to_string())
            .collect();
        for w in probes.clone() {
            probes.push(format!("{w}\0"));
            probes.push(format!("{w}x"));
            probes.push(w[..w.len() - 1].to_owned());
        }
        probes.extend(
            [
                "", "\0", "mr\0\0", "é", "messrsx", "approxim", "no", "study",
            ]
            .map(String::from),
        );
        for word in &probes {
            assert_eq!(
                is_listed(&NEVER_FINAL_KEYS, word),
                NEVER_FINAL.contains(&word.as_str()),
                "{word:?}"
            );
            assert_eq!(
                is_listed(&SOMETIMES_FINAL_KEYS, word),
                SOMETIMES_FINAL.contains(&word.as_str()),
                "{word:?}"
            );
        }
    }

    #[test]
    fn splits_plain_sentences() {
        assert_eq!(
            sentences("One two. Three four! Five six? Seven"),
            vec!["One two.", "Three four!", "Five six?", "Seven"]
        );
    }

    #[test]
    fn keeps_abbreviations_together() {
        assert_eq!(
            sentences("Mr. Smith met Dr. Jones at 5 p.m. on Friday. They talked."),
            vec![
                "Mr. Smith met Dr. Jones at 5 p.m. on Friday.",
                "They talked."
            ]
        );
        assert_eq!(
            sentences("Use tools, e.g. hammers, i.e. the heavy ones. Done."),
            vec!["Use tools, e.g. hammers, i.e. the heavy ones.", "Done."]
        );
        assert_eq!(
            sentences("The U.S. Senate voted vs. the House. See No. 5 for details."),
            vec![
                "The U.S. Senate voted vs. the House.",
                "See No. 5 for details."
            ]
        );
    }

    #[test]
    fn etc_ends_a_sentence_only_before_a_capital() {
        assert_eq!(
            sentences("Apples, pears, etc. are fruit. We ate apples, pears, etc. Then we left."),
            vec![
                "Apples, pears, etc. are fruit.",
                "We ate apples, pears, etc.",
                "Then we left."
            ]
        );
    }

    #[test]
    fn decimals_initials_and_ellipses() {
        assert_eq!(
            sentences(
                "Growth was 3.5 percent. J. R. R. Tolkien wrote it. Wait... what? Yes… Next."
            ),
            vec![
                "Growth was 3.5 percent.",
                "J. R. R. Tolkien wrote it.",
                "Wait... what?",
                "Yes…",
                "Next."
            ]
        );
    }

    #[test]
    fn quotes_and_citations_close_after_the_period() {
        assert_eq!(
            sentences("He said \"stop.\" Then it rained.[1] Prices rose.[2, 3] (Really.) End"),
            vec![
                "He said \"stop.\"",
                "Then it rained.[1]",
                "Prices rose.[2, 3]",
                "(Really.)",
                "End"
            ]
        );
        assert_eq!(
            sentences("It works.[^note] Yes."),
            vec!["It works.[^note]", "Yes."]
        );
    }

    #[test]
    fn urls_and_whitespace_do_not_split() {
        assert_eq!(
            sentences("  Visit example.com/a.b today.  "),
            vec!["Visit example.com/a.b today."]
        );
        assert!(split("").is_empty());
        assert!(split("   ").is_empty());
    }

    #[test]
    fn odd_input_is_safe() {
        for text in [
            "...",
            "?!",
            "é.",
            ".é",
            "[",
            "a.[",
            "a. [^",
            "a.[1",
            "…",
            "a.\u{2028}b",
        ] {
            for (s, e) in split(text) {
                assert!(s < e && e <= text.len());
                assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
            }
        }
    }
}
