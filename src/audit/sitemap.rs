//! sitemap.xml reading: `<urlset>` pages and `<sitemapindex>` children, gzip-compressed or not.
use regex::Regex;
use std::io::Read;
use std::sync::OnceLock;

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

/// Parse a sitemap body; gzip bodies (magic bytes) are decompressed first, up to
/// [`MAX_SITEMAP_BYTES`]. Errors name what is wrong with the file.
pub fn parse(body: &[u8]) -> Result<Sitemap, String> {
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
    let locs = loc_regex()
        .captures_iter(&text)
        .filter_map(|c| c.get(1))
        .map(|m| unescape(m.as_str().trim()))
        .filter(|s| !s.is_empty());
    let mut sitemap = Sitemap::default();
    if is_index {
        sitemap.children = locs.collect();
    } else {
        sitemap.pages = locs.collect();
    }
    Ok(sitemap)
}

fn loc_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?s)<loc>\s*(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?\s*</loc>").expect("valid regex")
    })
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
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
