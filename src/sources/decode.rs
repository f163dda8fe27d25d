//! Bytes to text: the charset from a byte-order mark, the Content-Type header or an HTML
//! `<meta charset>` (in that order), UTF-8 otherwise; undecodable bytes become U+FFFD.
use encoding_rs::Encoding;

/// The `charset` parameter of a Content-Type value.
pub fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// A `<meta charset=...>` or `<meta http-equiv="Content-Type" content="...; charset=...">`
/// in the first kilobyte of an HTML body.
fn meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(1024)]).to_ascii_lowercase();
    let at = head.find("charset=")?;
    let rest = head[at + "charset=".len()..].trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// Decode `body`; `header_charset` is the Content-Type's charset, `is_html` allows the meta
/// tag to name it.
pub fn decode(body: &[u8], header_charset: Option<&str>, is_html: bool) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
        return text.into_owned();
    }
    let label =
        header_charset
            .map(str::to_string)
            .or_else(|| if is_html { meta_charset(body) } else { None });
    let encoding = label
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    let (text, _) = encoding.decode_without_bom_handling(body);
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_meta_and_bom() {
        assert_eq!(
            charset_param("text/html; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1".into())
        );
        assert_eq!(charset_param("text/html"), None);
        // "café" in Latin-1.
        let latin1 = [b'c', b'a', b'f', 0xe9];
        assert_eq!(decode(&latin1, Some("iso-8859-1"), false), "café");
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        assert!(decode(page, None, true).contains("café"));
        assert_eq!(decode(b"\xef\xbb\xbfhello", Some("latin1"), false), "hello");
        assert_eq!(decode("plain ü".as_bytes(), None, false), "plain ü");
        // Invalid UTF-8 is replaced, never an error.
        assert_eq!(decode(b"a\xffb", None, false), "a\u{fffd}b");
    }
}
