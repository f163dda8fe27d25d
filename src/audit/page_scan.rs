//! What the audit reads from raw HTML beyond the Document model: sub-resource URLs (for mixed
//! content) and hreflang alternates, each with its byte offset. A regex scan over start tags:
//! linear and panic-free on any input.
use regex::Regex;
use std::sync::OnceLock;

/// A URL-bearing attribute of a start tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagUrl {
    /// Lower-case element name.
    pub element: String,
    pub url: String,
    /// Byte offset of the tag's `<`.
    pub offset: usize,
}

/// An `<link rel="alternate" hreflang>` annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hreflang {
    pub lang: String,
    pub href: String,
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct PageScan {
    /// Sub-resources a browser loads with the page (images, scripts, stylesheets, frames, media).
    pub subresources: Vec<TagUrl>,
    pub hreflangs: Vec<Hreflang>,
}

fn tag_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)<(img|script|iframe|link|source|video|audio|embed|object|frame)\b[^>]*>")
            .expect("valid regex")
    })
}

/// [`tag_regex`] matching only at the start of the text.
fn anchored_tag_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!("^(?:{})", tag_regex().as_str())).expect("valid regex"))
}

/// The elements of [`tag_regex`].
const URL_ELEMENTS: [&[u8]; 10] = [
    b"img", b"script", b"iframe", b"link", b"source", b"video", b"audio", b"embed", b"object",
    b"frame",
];

/// The matches of [`tag_regex`] as `(start, end)`, in order, found with `memchr` and byte
/// compares: every `<` of a page is a candidate, and few start these elements. Where the
/// bytes after a `<` are not all ASCII (Unicode case folding maps `ſ` to `s` and the Kelvin
/// sign to `k`; `\b` is Unicode-aware), the regex itself decides.
fn url_tags(source: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = source.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let lt = from + memchr::memchr(b'<', bytes.get(from..)?)?;
        from = lt + 1;
        // The longest name (six bytes) and the byte after it.
        let window = &bytes[lt + 1..bytes.len().min(lt + 8)];
        // Most tags (`p`, `a`, `h2`, end tags) fail on their first byte: an ASCII one that is
        // not the first letter of an element name, in either case, cannot start a match.
        if window.first().is_some_and(|&b| {
            b.is_ascii()
                && !matches!(
                    b | 0x20,
                    b'i' | b's' | b'l' | b'v' | b'a' | b'e' | b'o' | b'f'
                )
        }) {
            continue;
        }
        let name_end = if window.is_ascii() {
            let name = URL_ELEMENTS.iter().find(|name| {
                window
                    .get(..name.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(name))
            });
            let Some(name) = name else { continue };
            let after = lt + 1 + name.len();
            let word_char = bytes
                .get(after)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
            if word_char {
                continue;
            }
            // Past the window a non-ASCII byte cannot change whether a word ends here.
            after
        } else {
            // Anchored at this `<`, so a page of such bytes still costs linear time.
            match anchored_tag_regex().find(&source[lt..]) {
                Some(m) => {
                    from = lt + m.end();
                    return Some((lt, from));
                }
                None => continue,
            }
        };
        let gt = memchr::memchr(b'>', &bytes[name_end..])?;
        from = name_end + gt + 1;
        return Some((lt, from));
    })
}

fn attr_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"(?i)(?:^|\s)([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#)
            .expect("valid regex")
    })
}

fn attributes(tag: &str) -> Vec<(String, String)> {
    // Skip the element name so `<img` is not read as an attribute.
    let body = tag
        .find(|c: char| c.is_whitespace())
        .map(|i| &tag[i..])
        .unwrap_or("");
    attr_regex()
        .captures_iter(body)
        .filter_map(|c| {
            let name = c.get(1)?.as_str().to_ascii_lowercase();
            let value = c.get(2).or(c.get(3)).or(c.get(4))?.as_str();
            Some((name, value.replace("&amp;", "&").trim().to_string()))
        })
        .collect()
}

/// Scan `source` for sub-resources and hreflang alternates.
pub fn scan(source: &str) -> PageScan {
    let mut out = PageScan::default();
    for (start, end) in url_tags(source) {
        let tag = &source[start..end];
        let element: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let attrs = attributes(tag);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if element == "link" {
            let rel = get("rel").unwrap_or("").to_ascii_lowercase();
            let rels: Vec<&str> = rel.split_whitespace().collect();
            if let (true, Some(lang), Some(href)) =
                (rels.contains(&"alternate"), get("hreflang"), get("href"))
            {
                out.hreflangs.push(Hreflang {
                    lang: lang.to_ascii_lowercase(),
                    href: href.to_string(),
                    offset: start,
                });
            }
            // Stylesheets, icons and preloads are fetched by the browser; plain links are not.
            if rels
                .iter()
                .any(|r| matches!(*r, "stylesheet" | "icon" | "preload" | "modulepreload"))
            {
                if let Some(href) = get("href") {
                    out.subresources.push(TagUrl {
                        element,
                        url: href.to_string(),
                        offset: start,
                    });
                }
            }
            continue;
        }
        let attr = if element == "object" { "data" } else { "src" };
        if let Some(url) = get(attr).filter(|u| !u.is_empty()) {
            out.subresources.push(TagUrl {
                element,
                url: url.to_string(),
                offset: start,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_subresources_and_hreflang() {
        let html = r#"<html><head>
<link rel="stylesheet" href="http://cdn.test/a.css">
<link rel="alternate" hreflang="FR" href="/fr/">
<link rel="canonical" href="/en/">
<script src='/app.js'></script></head>
<body><img alt="x" src=http://cdn.test/i.png><a href="http://x.test/">x</a><img alt="no src"></body></html>"#;
        let scan = scan(html);
        let urls: Vec<&str> = scan.subresources.iter().map(|t| t.url.as_str()).collect();
        assert_eq!(
            urls,
            vec!["http://cdn.test/a.css", "/app.js", "http://cdn.test/i.png"]
        );
        assert_eq!(scan.hreflangs.len(), 1);
        assert_eq!(scan.hreflangs[0].lang, "fr");
        assert_eq!(scan.hreflangs[0].href, "/fr/");
        assert!(html[scan.hreflangs[0].offset..].starts_with("<link rel=\"alternate\""));
    }

    #[test]
    fn url_tags_are_the_regex_matches() {
        let mut texts: Vec<String> = [
            "<img src=a><IMG\nsrc=b><imgx src=c><img_ src=d><img-x src=e><i<img>",
            "<script>a<b</script><ſcript src=x><lin\u{212a} rel=icon href=y><Ümg>",
            "<iframe src=a><frame><embed src=b><OBJECT data=c><video><audio><source src=d>",
            "<img\u{e9} src=a><img\u{a0}src=b><img src='>' alt=x><link",
            "<img src=unterminated",
            "<<<<img>",
            "<p><a href=x><h2><br/></p></a><EMBED src=y><Frame><Source src=z><Video><Audio>",
            "<Ilink><SVG><Object data=q><LINK rel=stylesheet href=s><!--<img src=c>--><\u{17f}cript>",
            "",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        texts.extend(
            crate::test_fixtures::fixture_texts(&["html"])
                .into_iter()
                .map(|(_, t)| t),
        );
        for text in &texts {
            let fast: Vec<(usize, usize)> = url_tags(text).collect();
            let regex: Vec<(usize, usize)> = tag_regex()
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(fast, regex, "{text:?}");
        }
        assert!(!texts.is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for input in [
            "<img src=",
            "<link rel=alternate hreflang",
            "<<<script src='é",
            "",
        ] {
            let _ = scan(input);
        }
    }
}
