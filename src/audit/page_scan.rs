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
    for m in tag_regex().find_iter(source) {
        let tag = m.as_str();
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
                    offset: m.start(),
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
                        offset: m.start(),
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
                offset: m.start(),
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
