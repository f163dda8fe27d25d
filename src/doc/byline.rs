//! The author byline: front matter `author`, a "By Jane Doe" line near the top, or (HTML) the
//! text of an author element.
use super::{front_matter, Block, BlockKind, Byline, FrontMatter, Heading, Link};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

static BY_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:by)[ \u{a0}]+(\S.*)$").expect("valid byline regex"));

/// How many blocks from the top a "By ..." line may appear in.
const TOP_BLOCKS: usize = 4;

/// `author: Jane` / `author: {name, url}` / `author: [Jane, ...]`, plus `author_url`.
pub(crate) fn from_front_matter(source: &str, fm: &FrontMatter) -> Option<Byline> {
    let (key, value) = ["author", "authors", "byline"]
        .iter()
        .find_map(|k| fm.values.get(*k).map(|v| (*k, v)))?;
    let value = match value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    let (name, url) = match value {
        Value::String(s) => (s.trim().to_owned(), None),
        Value::Object(map) => (
            map.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            map.get("url").and_then(Value::as_str).map(str::to_owned),
        ),
        _ => return None,
    };
    if name.is_empty() {
        return None;
    }
    let url = url.or_else(|| fm.str("author_url").map(str::to_owned));
    Some(Byline {
        name,
        url,
        span: front_matter::value_span(source, fm, key),
    })
}

/// Trim a byline text to the name: drop "By ", and a trailing date or role after a separator.
pub(crate) fn clean_name(text: &str) -> Option<(usize, usize)> {
    let trimmed_start = text.len() - text.trim_start().len();
    let mut start = trimmed_start;
    // `(?i:by)` can only match a leading `b` or `B`: no regex search for other texts.
    let may_start_with_by = matches!(text.as_bytes().get(trimmed_start), Some(b'b' | b'B'));
    if may_start_with_by {
        if let Some(caps) = BY_LINE.captures(&text[trimmed_start..]) {
            start = trimmed_start + caps.get(1)?.start();
        }
    }
    let rest = &text[start..];
    let end = first_separator(rest).unwrap_or(rest.len());
    let name = rest[..end].trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    if name.is_empty() || name.eq_ignore_ascii_case("by") {
        return None;
    }
    Some((start, start + name.len()))
}

/// What ends a name in a byline: a date, a role or a second part after these.
const NAME_SEPARATORS: [&str; 10] = [
    " on ",
    " | ",
    " · ",
    ",",
    " — ",
    " – ",
    " - ",
    "\n",
    " updated ",
    " published ",
];

/// Where the first of [`NAME_SEPARATORS`] starts in `rest`. Each starts with a space, a comma
/// or a line break, so only those positions are tried (one search instead of one per
/// separator).
fn first_separator(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    memchr::memchr3_iter(b' ', b',', b'\n', bytes).find(|&p| {
        NAME_SEPARATORS
            .iter()
            .any(|sep| bytes[p..].starts_with(sep.as_bytes()))
    })
}

/// A "By Jane Doe" paragraph among the first blocks, before any second-level heading.
pub(crate) fn from_text(blocks: &[Block], headings: &[Heading], links: &[Link]) -> Option<Byline> {
    for block in blocks.iter().take(TOP_BLOCKS) {
        if block
            .heading
            .and_then(|h| headings.get(h))
            .is_some_and(|h| h.level > 1)
        {
            break;
        }
        if block.kind == BlockKind::Code || !BY_LINE.is_match(block.text.trim_start()) {
            continue;
        }
        let (start, end) = clean_name(&block.text)?;
        let name = &block.text[start..end];
        let words = name.split_whitespace().count();
        let capitalised = name.chars().next().is_some_and(char::is_uppercase);
        if !(1..=6).contains(&words) || !capitalised {
            continue;
        }
        let url = links
            .iter()
            .filter(|l| block.span.start <= l.span.start && l.span.start < block.span.end)
            .find(|l| name.contains(l.text.trim()) && !l.text.trim().is_empty())
            .map(|l| l.href.clone());
        return Some(Byline {
            name: name.to_owned(),
            url,
            span: block.map.span(start, end),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_names() {
        let name = |t: &'static str| clean_name(t).map(|(s, e)| &t[s..e]);
        assert_eq!(name("By Jane Doe"), Some("Jane Doe"));
        assert_eq!(name("by Jane Doe, Staff Writer"), Some("Jane Doe"));
        assert_eq!(name("By Jane Doe on May 3, 2024"), Some("Jane Doe"));
        assert_eq!(name("  Jane Doe | News  "), Some("Jane Doe"));
        assert_eq!(name("By "), None);
    }

    #[test]
    fn first_separator_is_the_earliest_of_the_searches() {
        for rest in [
            "",
            "Jane Doe",
            "Jane Doe on May 3",
            "Jane, Doe | x",
            "Jane Doe · News — x",
            "Jane – Doe - x",
            "Jane\nDoe",
            "Jane Doe updated today",
            "Jane Doe published, x",
            "Jane  on",
            "Jané Dœ · x",
            " on ",
            "Jane onion",
        ] {
            let by_search = NAME_SEPARATORS
                .iter()
                .filter_map(|sep| rest.find(sep))
                .min();
            assert_eq!(first_separator(rest), by_search, "{rest:?}");
        }
    }

    #[test]
    fn front_matter_author_string_and_object() {
        let src = "---\nauthor:\n  name: Jane Doe\n  url: /authors/jane\n---\n";
        let parsed = front_matter::parse(src, &crate::span::LineIndex::new(src));
        let fm = parsed.front_matter.expect("fm");
        let byline = from_front_matter(src, &fm).expect("byline");
        assert_eq!(byline.name, "Jane Doe");
        assert_eq!(byline.url.as_deref(), Some("/authors/jane"));

        let src = "---\nauthor: Sam Roe\nauthor_url: https://x.org/sam\n---\n";
        let parsed = front_matter::parse(src, &crate::span::LineIndex::new(src));
        let fm = parsed.front_matter.expect("fm");
        let byline = from_front_matter(src, &fm).expect("byline");
        assert_eq!(&src[byline.span.start..byline.span.end], "Sam Roe");
        assert_eq!(byline.url.as_deref(), Some("https://x.org/sam"));
    }
}
