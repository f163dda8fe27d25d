//! Bracket citation markers in running text: `[1]`, `[2, 3]`, `[4-6]` (expanded to 4, 5, 6).
use regex::Regex;
use std::sync::LazyLock;

static BRACKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[(\d{1,4}(?:\s*[-–—,]\s*\d{1,4})*)\]").expect("valid citation regex")
});

/// Ranges wider than this are not expanded (they are typos or years, not citation lists).
const MAX_RANGE: u32 = 100;

/// A marker found in a block's text.
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
pub fn find(text: &str, excluded: &[(usize, usize)]) -> Vec<Marker> {
    let mut out = Vec::new();
    if !text.contains('[') {
        return out;
    }
    for caps in BRACKET.captures_iter(text) {
        let (Some(whole), Some(inner)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        if excluded
            .iter()
            .any(|&(s, e)| whole.start() >= s && whole.start() < e)
        {
            continue;
        }
        if matches!(text.as_bytes().get(whole.end()), Some(b'(') | Some(b':')) {
            continue;
        }
        let labels = expand(inner.as_str());
        if !labels.is_empty() {
            out.push(Marker {
                start: whole.start(),
                end: whole.end(),
                labels,
            });
        }
    }
    out
}

/// `"2, 3"` → 2, 3; `"4-6"` → 4, 5, 6.
fn expand(inner: &str) -> Vec<String> {
    let mut labels = Vec::new();
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
                labels.extend((first..=last).map(|n| n.to_string()));
            }
            Some(last) => {
                labels.push(first.to_string());
                labels.push(last.to_string());
            }
            None => labels.push(first.to_string()),
        }
    }
    labels
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

    #[test]
    fn huge_ranges_are_not_expanded() {
        assert_eq!(
            labels("[1-9999]"),
            vec![vec!["1".to_owned(), "9999".to_owned()]]
        );
        assert_eq!(labels("[9-3]"), vec![vec!["9".to_owned(), "3".to_owned()]]);
    }
}
