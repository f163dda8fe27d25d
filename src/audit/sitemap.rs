//! sitemap.xml reading: `<urlset>` pages and `<sitemapindex>` children, gzip-compressed or not.
use std::borrow::Cow;
use std::io::Read;

/// Largest decompressed sitemap read (the protocol's limit is 50 MB).
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// What one sitemap file lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs (`<urlset><url><loc>`).
    pub pages: Vec<String>,
    /// Child sitemaps (`<sitemapindex><sitemap><loc>`).
    pub children: Vec<String>,
}

/// Whether a URL names a sitemap rather than a page.
pub fn looks_like_sitemap(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    path.ends_with(".xml") || path.ends_with(".xml.gz")
}

/// A sitemap file's text, decompressed and known to be a `<urlset>` or a `<sitemapindex>`.
pub struct SitemapText {
    text: String,
    is_index: bool,
}

/// Read a sitemap body; gzip bodies (magic bytes) are decompressed first, up to
/// [`MAX_SITEMAP_BYTES`]. Errors name what is wrong with the file.
pub fn open(body: &[u8]) -> Result<SitemapText, String> {
    let text = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(MAX_SITEMAP_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("not a valid gzip file: {e}"))?;
        if out.len() as u64 > MAX_SITEMAP_BYTES {
            return Err(format!(
                "larger than {MAX_SITEMAP_BYTES} bytes uncompressed"
            ));
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    let is_index = text.contains("<sitemapindex");
    if !is_index && !text.contains("<urlset") {
        return Err("neither a <urlset> nor a <sitemapindex> document".into());
    }
    Ok(SitemapText { text, is_index })
}

impl SitemapText {
    /// Whether the file lists child sitemaps (`<sitemapindex>`) rather than pages.
    pub fn is_index(&self) -> bool {
        self.is_index
    }

    /// Each non-empty `<loc>`, trimmed and unescaped, borrowed from the text when it holds no
    /// entity (a large sitemap's 50,000 URLs are not copied one by one).
    pub fn locs(&self) -> impl Iterator<Item = Cow<'_, str>> {
        Locs {
            text: &self.text,
            at: 0,
        }
        .map(|loc| unescape(loc.trim()))
        .filter(|loc| !loc.is_empty())
    }
}

/// Parse a sitemap body into its page URLs or child sitemaps ([`open`] and
/// [`SitemapText::locs`]).
pub fn parse(body: &[u8]) -> Result<Sitemap, String> {
    let text = open(body)?;
    let locs = text.locs().map(Cow::into_owned);
    let mut sitemap = Sitemap::default();
    if text.is_index() {
        sitemap.children = locs.collect();
    } else {
        sitemap.pages = locs.collect();
    }
    Ok(sitemap)
}

/// The `<loc>` contents of a text, as the pattern
/// `(?s)<loc>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</loc>` captures them (a test holds the two
/// alike), found with substring searches instead of a backtracking regex.
struct Locs<'t> {
    text: &'t str,
    at: usize,
}

const OPEN: &str = "<loc>";
const CLOSE: &str = "</loc>";
const CDATA_OPEN: &str = "<![CDATA[";
const CDATA_CLOSE: &str = "]]>";

impl<'t> Iterator for Locs<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.text.get(self.at..)?;
        let open = self.at + memchr::memmem::find(rest.as_bytes(), OPEN.as_bytes())?;
        let inner_start = open + OPEN.len();
        let close = inner_start
            + memchr::memmem::find(self.text.get(inner_start..)?.as_bytes(), CLOSE.as_bytes())?;
        self.at = close + CLOSE.len();
        let inner = self.text.get(inner_start..close)?;
        // `\s*` then an optional CDATA opening, both taken greedily.
        let after_space = inner.trim_start();
        let after_open = after_space.strip_prefix(CDATA_OPEN).unwrap_or(after_space);
        let start = close - after_open.len();
        // The lazy capture ends at the first place from which only an optional `]]>` and
        // white space are left before `</loc>`.
        let space_start = inner_start + inner.trim_end().len();
        let end = match space_start.checked_sub(CDATA_CLOSE.len()) {
            Some(cdata)
                if cdata >= start && self.text.get(cdata..space_start) == Some(CDATA_CLOSE) =>
            {
                cdata
            }
            _ => space_start.max(start),
        };
        self.text.get(start..end)
    }
}

fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn urlset_and_index() {
        let set = parse(
            b"<?xml version=\"1.0\"?><urlset xmlns=\"x\"><url><loc> https://a.test/?a=1&amp;b=2 </loc></url>\
              <url><loc><![CDATA[https://a.test/b]]></loc></url></urlset>",
        )
        .expect("urlset");
        assert_eq!(
            set.pages,
            vec!["https://a.test/?a=1&b=2", "https://a.test/b"]
        );
        let index = parse(
            b"<sitemapindex><sitemap><loc>https://a.test/s1.xml.gz</loc></sitemap></sitemapindex>",
        )
        .expect("index");
        assert_eq!(index.children, vec!["https://a.test/s1.xml.gz"]);
        assert!(index.pages.is_empty());
    }

    /// The pattern the loc scan implements, and its use before: every capture, trimmed.
    fn regex_locs(text: &str) -> Vec<String> {
        let re = regex::Regex::new(r"(?s)<loc>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</loc>")
            .expect("valid regex");
        re.captures_iter(text)
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str().to_string())
            .collect()
    }

    #[test]
    fn loc_scan_captures_what_the_pattern_captures() {
        const PIECES: &[&str] = &[
            "<loc>",
            "</loc>",
            "<loc",
            "</loc",
            " ",
            "\n",
            "\u{a0}",
            "\u{2003}",
            "<![CDATA[",
            "]]>",
            "]]",
            "]",
            "<",
            ">",
            "https://a.test/x",
            "&amp;",
            "\u{e9}",
            "<url>",
            "a",
        ];
        let mut stream = crate::test_fixtures::Stream(0x51_7e_3a_9d);
        for round in 0..20_000 {
            let mut text = String::new();
            for _ in 0..stream.below(12) {
                text.push_str(PIECES[stream.below(PIECES.len())]);
            }
            let got: Vec<String> = Locs { text: &text, at: 0 }.map(str::to_string).collect();
            assert_eq!(got, regex_locs(&text), "round {round}: {text:?}");
        }
    }

    #[test]
    fn gzip_and_garbage() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"<urlset><url><loc>https://a.test/</loc></url></urlset>")
            .expect("gzip");
        let bytes = gz.finish().expect("gzip");
        assert_eq!(parse(&bytes).expect("gz").pages, vec!["https://a.test/"]);
        assert!(parse(b"<html>not a sitemap</html>").is_err());
        assert!(parse(&[0x1f, 0x8b, 0, 1, 2]).is_err());
        assert!(looks_like_sitemap("https://a.test/sitemap.xml.gz"));
        assert!(!looks_like_sitemap("https://a.test/"));
    }
}
