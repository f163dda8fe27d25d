//! The references list: which headings open it, and how one entry's label, URL and title are read.
use super::{Link, Reference};
use crate::span::Span;
use regex::Regex;
use std::sync::LazyLock;

static BARE_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"https?://[^\s<>"'\])]+[^\s<>"'\]).,;:!?]"#).expect("valid url regex")
});
static QUOTED_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""([^"]{2,300})"|“([^”]{2,300})”"#).expect("valid title regex"));
static LEADING_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:\[(\d{1,4})\]|(\d{1,4})[.)])\s*").expect("label regex"));

/// Headings (lowercase) that open the references section.
const REFERENCES_HEADINGS: [&str; 13] = [
    "references",
    "reference",
    "sources",
    "source",
    "bibliography",
    "works cited",
    "work cited",
    "citations",
    "notes",
    "footnotes",
    "notes and references",
    "references and notes",
    "sources and references",
];

/// Whether a heading opens the references section.
pub fn is_references_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches([':', '.']).trim();
    // ASCII text (nearly every heading) compares without a lowercase copy; other text may
    // lowercase into ASCII (the Kelvin sign to `k`), so it keeps `to_lowercase`.
    if t.is_ascii() {
        return REFERENCES_HEADINGS
            .iter()
            .any(|name| t.eq_ignore_ascii_case(name));
    }
    REFERENCES_HEADINGS.contains(&t.to_lowercase().as_str())
}

/// A leading `[n]`, `n.` or `n)` label: the number and the length of the label with its spacing.
pub fn leading_label(text: &str) -> Option<(String, usize)> {
    // The label starts at the first non-space character with `[` or a digit (`\s` is
    // White_Space, as `trim_start`; every `\d` is numeric): most entries and lines start
    // otherwise, and a regex search with captures costs more than this check.
    let first = text.trim_start().chars().next()?;
    if first != '[' && !first.is_numeric() {
        return None;
    }
    let caps = LEADING_LABEL.captures(text)?;
    let number = caps.get(1).or_else(|| caps.get(2))?;
    Some((number.as_str().to_owned(), caps.get(0)?.end()))
}

fn looks_like_url(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("http://") || t.starts_with("https://") || t.starts_with("www.")
}

/// Build one reference from its plain text. `links` are the links whose span lies inside `span`.
pub fn build(default_label: Option<String>, text: &str, span: Span, links: &[&Link]) -> Reference {
    let label_from_text = leading_label(text);
    let label = match (&label_from_text, default_label) {
        (Some((n, _)), _) => n.clone(),
        (None, Some(d)) => d,
        (None, None) => String::new(),
    };
    let first_link = links.first();
    let url = first_link
        .map(|l| l.href.clone())
        .or_else(|| BARE_URL.find(text).map(|m| m.as_str().to_owned()));
    let link_title = first_link
        .map(|l| l.text.trim().to_owned())
        .filter(|t| !t.is_empty() && !looks_like_url(t));
    // The quoted title is only the fallback, and needs a quote mark to exist.
    let title = link_title.or_else(|| quoted_title(text));
    Reference {
        label,
        text: text.trim().to_owned(),
        url,
        title,
        span,
    }
}

/// The first `"..."` or `“...”` title of an entry.
fn quoted_title(text: &str) -> Option<String> {
    if memchr::memchr(b'"', text.as_bytes()).is_none() && !text.contains('“') {
        return None;
    }
    QUOTED_TITLE.captures(text).and_then(|c| {
        c.get(1)
            .or_else(|| c.get(2))
            .map(|m| m.as_str().trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(href: &str, text: &str) -> Link {
        Link {
            href: href.to_owned(),
            text: text.to_owned(),
            rel: Vec::new(),
            span: Span::new(0, 1),
        }
    }

    #[test]
    fn recognises_reference_headings() {
        for h in [
            "References",
            "SOURCES",
            "Works cited:",
            " Bibliography ",
            "Notes",
        ] {
            assert!(is_references_heading(h), "{h}");
        }
        for h in ["Reference architecture", "Introduction", ""] {
            assert!(!is_references_heading(h), "{h}");
        }
    }

    #[test]
    fn references_headings_match_their_lowercase_copy() {
        let pieces = [
            "References",
            "NOTES",
            "works",
            "Work",
            " ",
            "cited",
            "and",
            "sources",
            "\u{212a}",
            "wor",
            "s",
            "\u{130}",
            ":",
            ".",
            "\u{a0}",
            "Bibliography",
            "x",
            "FOOTNOTES",
        ];
        let mut rng = crate::test_fixtures::Stream(0x4ead_1235);
        for _ in 0..20_000 {
            let text: String = (0..1 + rng.below(4))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            let lower = text
                .trim()
                .trim_end_matches([':', '.'])
                .trim()
                .to_lowercase();
            let expected = REFERENCES_HEADINGS.contains(&lower.as_str());
            assert_eq!(is_references_heading(&text), expected, "{text:?}");
        }
        assert!(is_references_heading("Wor\u{212a}s cited"));
    }

    #[test]
    fn reads_labels() {
        assert_eq!(leading_label("[12] Foo"), Some(("12".to_owned(), 5)));
        assert_eq!(leading_label("3. Foo").map(|l| l.0), Some("3".to_owned()));
        assert_eq!(leading_label("Foo [1]"), None);
        // The first-character check agrees with the regex alone (Unicode digits and spaces).
        for text in [
            "",
            " ",
            "[",
            "[1]",
            "  [12] x",
            "1.",
            "12) x",
            "\u{a0}\u{2003}3. x",
            "\u{663}. x",
            "\u{663}\u{664}) x",
            "\u{2167}. x",
            "x1.",
            "[x]",
            "\t\n[9999]x",
            "[12345] x",
        ] {
            let by_regex = LEADING_LABEL.captures(text).and_then(|caps| {
                let number = caps.get(1).or_else(|| caps.get(2))?;
                Some((number.as_str().to_owned(), caps.get(0)?.end()))
            });
            assert_eq!(leading_label(text), by_regex, "{text:?}");
        }
    }

    #[test]
    fn takes_url_and_title_from_the_first_link() {
        let l = link("https://example.org/a", "A study");
        let r = build(
            Some("2".to_owned()),
            "Smith. A study. 2020.",
            Span::new(5, 9),
            &[&l],
        );
        assert_eq!(r.label, "2");
        assert_eq!(r.url.as_deref(), Some("https://example.org/a"));
        assert_eq!(r.title.as_deref(), Some("A study"));
    }

    #[test]
    fn falls_back_to_bare_url_and_quoted_title() {
        let r = build(
            None,
            "[4] Doe, J. \"Why rust wins\". https://example.com/x.",
            Span::new(0, 1),
            &[],
        );
        assert_eq!(r.label, "4");
        assert_eq!(r.url.as_deref(), Some("https://example.com/x"));
        assert_eq!(r.title.as_deref(), Some("Why rust wins"));
        let curly = build(None, "Doe, “Curly title” 2020", Span::new(0, 1), &[]);
        assert_eq!(curly.title.as_deref(), Some("Curly title"));
        let none = build(None, "Doe, no quotes 2020", Span::new(0, 1), &[]);
        assert_eq!(none.title, None);
    }

    #[test]
    fn url_shaped_link_text_is_not_a_title() {
        let l = link("https://e.org", "https://e.org");
        let r = build(
            Some("1".to_owned()),
            "https://e.org",
            Span::new(0, 1),
            &[&l],
        );
        assert_eq!(r.title, None);
    }
}
