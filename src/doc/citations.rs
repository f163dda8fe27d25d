//! Bracket citation markers in running text: `[1]`, `[2, 3]`, `[4-6]` (expanded to 4, 5, 6).
use super::words::is_whitespace_byte;
use regex::Regex;
use std::sync::LazyLock;

static BRACKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(\d{1,4}(?:\s*[-–—,]\s*\d{1,4})*)\]").expect("valid citation regex")
});

/// Ranges wider than this are not expanded (they are typos or years, not citation lists).
const MAX_RANGE: u32 = 100;

/// A marker found in a block's text.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// Byte range of the whole `[...]` in the text.
    pub start: usize,
    pub end: usize,
    /// Reference numbers it cites, in order.
    pub labels: Vec<String>,
}

/// All bracket markers in `text`, skipping those that start inside `excluded` ranges (inline code)
/// and those followed by `(` or `[` (Markdown link syntax that did not resolve).
#[cfg(test)]
pub fn find(text: &str, excluded: &[(usize, usize)]) -> Vec<Marker> {
    let mut out: Vec<Marker> = Vec::new();
    for_each_label(text, excluded, |start, end, label| match out.last_mut() {
        Some(last) if last.start == start => last.labels.push(label),
        _ => out.push(Marker {
            start,
            end,
            labels: vec![label],
        }),
    });
    out
}

/// Each label of the markers of [`find`], in order, with its marker's byte range: the
/// citations are built from these without a vector of markers and of labels per marker.
pub fn for_each_label(
    text: &str,
    excluded: &[(usize, usize)],
    mut label: impl FnMut(usize, usize, String),
) {
    if memchr::memchr(b'[', text.as_bytes()).is_none() {
        return;
    }
    if text.is_ascii() {
        // Most blocks are ASCII: match the brackets by hand (the regex engine's setup per
        // search costs more than the whole scan). Non-ASCII text keeps the regex, whose `\d`
        // and `\s` are Unicode classes.
        for (start, end) in ascii_brackets(text.as_bytes()) {
            marker_labels(text, excluded, start, end, &mut label);
        }
        return;
    }
    for caps in BRACKET.captures_iter(text) {
        if let Some(whole) = caps.get(0) {
            marker_labels(text, excluded, whole.start(), whole.end(), &mut label);
        }
    }
}

/// The labels of the bracket `text[start..end]` (a match of [`BRACKET`]) unless it is
/// excluded or is link syntax.
fn marker_labels(
    text: &str,
    excluded: &[(usize, usize)],
    start: usize,
    end: usize,
    label: &mut impl FnMut(usize, usize, String),
) {
    if excluded.iter().any(|&(s, e)| start >= s && start < e) {
        return;
    }
    if matches!(text.as_bytes().get(end), Some(b'(') | Some(b':')) {
        return;
    }
    expand(&text[start + 1..end - 1], |n| label(start, end, n));
}

/// The matches of [`BRACKET`] in ASCII `bytes`, leftmost first and not overlapping, as the
/// regex finds them. On ASCII, `\d` is `[0-9]` and `\s` is `[\t\n\x0B\x0C\r ]`; the match at
/// a `[` is unique (digits, blanks, separators and `]` are disjoint classes), so no
/// backtracking is needed.
fn ascii_brackets(bytes: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = memchr::memchr(b'[', bytes.get(from..)?) {
            let open = from + offset;
            match bracket_end(bytes, open) {
                Some(end) => {
                    from = end;
                    return Some((open, end));
                }
                None => from = open + 1,
            }
        }
        None
    })
}

/// End (past `]`) of the [`BRACKET`] match starting at the `[` at `open`, if there is one.
fn bracket_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        let digits = bytes
            .get(i..)?
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if !(1..=4).contains(&digits) {
            return None;
        }
        i += digits;
        while bytes.get(i).copied().is_some_and(is_whitespace_byte) {
            i += 1;
        }
        match bytes.get(i)? {
            // `]` right after the digits only: `\s*` belongs to the separator group.
            b']' if bytes[i - 1].is_ascii_digit() => return Some(i + 1),
            b'-' | b',' => i += 1,
            _ => return None,
        }
        while bytes.get(i).copied().is_some_and(is_whitespace_byte) {
            i += 1;
        }
    }
}

/// `"2, 3"` → 2, 3; `"4-6"` → 4, 5, 6.
fn expand(inner: &str, mut label: impl FnMut(String)) {
    for part in inner.split(',') {
        let part = part.trim();
        let mut bounds = part
            .split(['-', '–', '—'])
            .map(str::trim)
            .filter_map(|n| n.parse::<u32>().ok());
        let Some(first) = bounds.next() else {
            continue;
        };
        match bounds.next() {
            Some(last) if last >= first && last - first <= MAX_RANGE => {
                (first..=last).for_each(|n| label(n.to_string()));
            }
            Some(last) => {
                label(first.to_string());
                label(last.to_string());
            }
            None => label(first.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<Vec<String>> {
        find(text, &[]).into_iter().map(|m| m.labels).collect()
    }

    #[test]
    fn finds_single_lists_and_ranges() {
        assert_eq!(
            labels("A [1] b [2, 3] c [4-6] d [7–8]."),
            vec![
                vec!["1".to_owned()],
                vec!["2".to_owned(), "3".to_owned()],
                vec!["4".to_owned(), "5".to_owned(), "6".to_owned()],
                vec!["7".to_owned(), "8".to_owned()],
            ]
        );
    }

    #[test]
    fn spans_cover_the_brackets() {
        let text = "Claim.[12] More";
        let markers = find(text, &[]);
        assert_eq!(&text[markers[0].start..markers[0].end], "[12]");
    }

    #[test]
    fn ignores_non_citations() {
        assert!(labels("[a] [] [1a] [ 1] [x, 2] [1](http://x) [1]: def").is_empty());
        let text = "code `[3]` here";
        assert!(find(text, &[(5, 10)]).is_empty());
    }

    /// The regex path on any text, for comparison with the ASCII fast path.
    fn find_with_regex(text: &str, excluded: &[(usize, usize)]) -> Vec<Marker> {
        let mut out = Vec::new();
        for caps in BRACKET.captures_iter(text) {
            if let Some(whole) = caps.get(0) {
                let (start, end) = (whole.start(), whole.end());
                if excluded.iter().any(|&(s, e)| start >= s && start < e)
                    || matches!(text.as_bytes().get(end), Some(b'(') | Some(b':'))
                {
                    continue;
                }
                let mut labels = Vec::new();
                expand(&text[start + 1..end - 1], |n| labels.push(n));
                if !labels.is_empty() {
                    out.push(Marker { start, end, labels });
                }
            }
        }
        out
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_regex() {
        let fixed = [
            "A [1] b [2, 3] c [4-6] d [7,8].",
            "[12345] [1234] [0] [00001] [1 ] [ 1] [1 ,2] [1,\t\n2] [1--2] [1,] [,1] [1-2-3]",
            "[[1]] [1][2] [1](x) [1]: y [1]z [9999-1] [1 - 100] [5-300] ]1[ [",
            "[1\x0b,\x0c2] [1\r\n-\r\n2] [3\x01] [1,2,3,4,5,6,7,8,9,10] [1, 2 , 3]",
            "",
            "[",
            "[1",
            "[1,",
            "[1, 2",
        ];
        for text in fixed {
            assert_eq!(find(text, &[]), find_with_regex(text, &[]), "{text:?}");
            assert_eq!(find(text, &[(0, 5)]), find_with_regex(text, &[(0, 5)]));
        }
        // Generated strings over the characters the pattern cares about.
        let alphabet = b"[]0123456789 ,-\t\n\x0b\x0c\ra(:";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let len = (state % 24) as usize;
            let mut text = String::new();
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize] as char);
            }
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            assert_eq!(find(&text, &[]), find_with_regex(&text, &[]), "{text:?}");
        }
    }

    #[test]
    fn huge_ranges_are_not_expanded() {
        assert_eq!(
            labels("[1-9999]"),
            vec![vec!["1".to_owned(), "9999".to_owned()]]
        );
        assert_eq!(labels("[9-3]"), vec![vec!["9".to_owned(), "3".to_owned()]]);
    }
}
