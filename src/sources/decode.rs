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
    let head = body[..body.len().min(1024)].to_ascii_lowercase();
    let at = memchr::memmem::find(&head, b"charset=")?;
    let rest = &head[at + b"charset=".len()..];
    let rest = &rest[rest
        .iter()
        .take_while(|b| matches!(b, b'"' | b'\''))
        .count()..];
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .unwrap_or(rest.len());
    // The label is ASCII: it ends at the first byte that is not.
    (end > 0).then(|| String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Decode `body`; `header_charset` is the Content-Type's charset, `is_html` allows the meta
/// tag to name it.
pub fn decode(body: &[u8], header_charset: Option<&str>, is_html: bool) -> String {
    let (encoding, bom_len) = encoding_of(body, header_charset, is_html);
    let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
    text.into_owned()
}

/// [`decode`] of a body the caller is done with: valid UTF-8 without a byte-order mark (most
/// pages) becomes the text without a copy.
pub fn decode_owned(body: Vec<u8>, header_charset: Option<&str>, is_html: bool) -> String {
    let (encoding, bom_len) = encoding_of(&body, header_charset, is_html);
    if encoding == encoding_rs::UTF_8 && bom_len == 0 {
        return match String::from_utf8(body) {
            Ok(text) => text,
            Err(invalid) => decode(invalid.as_bytes(), header_charset, is_html),
        };
    }
    let (text, _) = encoding.decode_without_bom_handling(&body[bom_len..]);
    text.into_owned()
}

/// The encoding `body` is in, and the length of its byte-order mark (0 when it has none).
fn encoding_of(
    body: &[u8],
    header_charset: Option<&str>,
    is_html: bool,
) -> (&'static Encoding, usize) {
    if let Some(found) = Encoding::for_bom(body) {
        return found;
    }
    let label =
        header_charset
            .map(str::to_string)
            .or_else(|| if is_html { meta_charset(body) } else { None });
    let encoding = label
        .and_then(|l| Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    (encoding, 0)
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

    #[test]
    fn owned_bodies_decode_as_borrowed_ones() {
        let cases: [(&[u8], Option<&str>, bool); 10] = [
            (b"plain ascii", None, true),
            ("plain \u{fc} utf-8".as_bytes(), None, false),
            (b"a\xffb", None, false),
            (b"\xef\xbb\xbfbom then text", None, true),
            (b"\xef\xbb\xbf\xff after a bom", Some("latin1"), false),
            (b"caf\xe9", Some("iso-8859-1"), false),
            (b"<meta charset=\"windows-1252\"><p>caf\xe9", None, true),
            (b"<meta charset=\"utf-8\"><p>caf\xc3\xa9 \xc3", None, true),
            (b"\xff\xfeh\x00i\x00", None, false),
            (
                b"<META http-equiv=Content-Type content='text/html; CHARSET=ISO-8859-1'>\xe9",
                None,
                true,
            ),
        ];
        for (body, charset, is_html) in cases {
            assert_eq!(
                decode_owned(body.to_vec(), charset, is_html),
                decode(body, charset, is_html),
                "{body:?}"
            );
        }
    }
}
