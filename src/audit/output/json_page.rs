//! One [`PageRecord`] in `serde_json`'s pretty format, written by hand: keys are fixed byte
//! strings with their indentation, and a string that needs no escaping (nearly all of them) is
//! copied in one piece after one pass that checks every byte. The report's pages are almost
//! all of its 100+ MB, and serde's formatter calls and byte-by-byte escaping were most of the
//! time spent writing it. Tests hold the output to `serde_json::to_writer_pretty`.

use std::io;

use serde::Serialize;

use super::json::NestedPretty;
use crate::audit::model::{AuditFinding, PageRecord, RedirectHop};
use crate::finding::Evidence;

/// The JSON escape of each byte below 0x20 (as `serde_json` writes them: short forms where
/// JSON has one, `\u00xx` with lower-case hex otherwise).
fn control_escape(byte: u8) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[usize::from(byte >> 4)],
        HEX[usize::from(byte & 0xf)],
    ]
}

/// Whether `bytes` hold a byte JSON must escape (`"`, `\` or a control byte below 0x20). No
/// early exit: the loop compiles to vector compares, and report strings are short.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |seen, &b| {
        seen | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

/// `text` as a JSON string literal.
pub(super) fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        escape(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

fn escape(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(&control_escape(byte));
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(short);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

fn uint(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

fn opt_uint(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => uint(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

fn opt_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// `page` as an element of the report's `pages` array: the object opens where the caller
/// left off (indented by 4) and its fields are indented by 6.
pub(super) fn write_page(out: &mut Vec<u8>, page: &PageRecord) -> io::Result<()> {
    out.extend_from_slice(b"{\n      \"url\": ");
    string(out, &page.url);
    out.extend_from_slice(b",\n      \"final_url\": ");
    string(out, &page.final_url);
    out.extend_from_slice(b",\n      \"status\": ");
    opt_uint(out, page.status.map(u64::from));
    out.extend_from_slice(b",\n      \"error\": ");
    opt_string(out, page.error.as_deref());
    out.extend_from_slice(b",\n      \"depth\": ");
    uint(out, u64::from(page.depth));
    out.extend_from_slice(b",\n      \"redirects\": ");
    redirects(out, &page.redirects)?;
    out.extend_from_slice(b",\n      \"response_ms\": ");
    uint(out, page.response_ms);
    out.extend_from_slice(b",\n      \"bytes\": ");
    uint(out, page.bytes);
    out.extend_from_slice(b",\n      \"content_type\": ");
    opt_string(out, page.content_type.as_deref());
    out.extend_from_slice(b",\n      \"title\": ");
    opt_string(out, page.title.as_deref());
    out.extend_from_slice(b",\n      \"indexable\": ");
    boolean(out, page.indexable);
    out.extend_from_slice(b",\n      \"noindex_reason\": ");
    opt_string(out, page.noindex_reason.as_deref());
    out.extend_from_slice(b",\n      \"canonical\": ");
    opt_string(out, page.canonical.as_deref());
    out.extend_from_slice(b",\n      \"in_sitemap\": ");
    boolean(out, page.in_sitemap);
    out.extend_from_slice(b",\n      \"inlinks\": ");
    uint(out, u64::from(page.inlinks));
    out.extend_from_slice(b",\n      \"outlinks\": ");
    uint(out, u64::from(page.outlinks));
    out.extend_from_slice(b",\n      \"words\": ");
    uint(out, u64::from(page.words));
    out.extend_from_slice(b",\n      \"findings\": ");
    array(out, &page.findings, 8, write_finding)?;
    out.extend_from_slice(b"\n    }");
    Ok(())
}

fn redirects(out: &mut Vec<u8>, hops: &[RedirectHop]) -> io::Result<()> {
    let hop = |out: &mut Vec<u8>, hop: &RedirectHop| {
        out.extend_from_slice(b"{\n          \"url\": ");
        string(out, &hop.url);
        out.extend_from_slice(b",\n          \"status\": ");
        uint(out, u64::from(hop.status));
        out.extend_from_slice(b"\n        }");
        Ok(())
    };
    array(out, hops, 8, hop)
}

/// `items` as a pretty array whose elements sit `indent` spaces in (its closing bracket two
/// fewer), each written by `element`; `[]` when there are none, as serde_json writes it.
#[inline]
fn array<T>(
    out: &mut Vec<u8>,
    items: &[T],
    indent: usize,
    mut element: impl FnMut(&mut Vec<u8>, &T) -> io::Result<()>,
) -> io::Result<()> {
    const SPACES: &[u8; 16] = b"                ";
    let Some(spaces) = SPACES.get(..indent) else {
        return Err(io::Error::other("array nested deeper than the report goes"));
    };
    if items.is_empty() {
        out.extend_from_slice(b"[]");
        return Ok(());
    }
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        out.extend_from_slice(spaces);
        element(out, item)?;
    }
    out.push(b'\n');
    out.extend_from_slice(spaces.get(2..).unwrap_or_default());
    out.push(b']');
    Ok(())
}

/// A finding as an element of a page's `findings` (object at indent 8, fields at 10).
fn write_finding(out: &mut Vec<u8>, finding: &AuditFinding) -> io::Result<()> {
    out.extend_from_slice(b"{\n          \"code\": ");
    string(out, &finding.code);
    // Severity and category names are plain lower-case words: nothing to escape.
    out.extend_from_slice(b",\n          \"severity\": \"");
    out.extend_from_slice(finding.severity.as_str().as_bytes());
    out.extend_from_slice(b"\",\n          \"category\": \"");
    out.extend_from_slice(finding.category.as_str().as_bytes());
    out.extend_from_slice(b"\",\n          \"message\": ");
    string(out, &finding.message);
    out.extend_from_slice(b",\n          \"url\": ");
    opt_string(out, finding.url.as_deref());
    out.extend_from_slice(b",\n          \"line\": ");
    opt_uint(out, finding.line.map(u64::from));
    out.extend_from_slice(b",\n          \"column\": ");
    opt_uint(out, finding.column.map(u64::from));
    out.extend_from_slice(b",\n          \"help\": ");
    opt_string(out, finding.help.as_deref());
    out.extend_from_slice(b",\n          \"related\": ");
    array(out, &finding.related, 12, |out, url| {
        string(out, url);
        Ok(())
    })?;
    out.extend_from_slice(b",\n          \"evidence\": ");
    match &finding.evidence {
        None => out.extend_from_slice(b"null"),
        Some(evidence) => write_evidence(out, evidence)?,
    }
    out.extend_from_slice(b"\n        }");
    Ok(())
}

/// Evidence is rare (fact checks only) and has optional fields serde skips: serde writes it,
/// nested at the finding's field level.
fn write_evidence(out: &mut Vec<u8>, evidence: &Evidence) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, NestedPretty::at_level(5));
    evidence
        .serialize(&mut serializer)
        .map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::Category;
    use crate::finding::Severity;
    use crate::span::Span;
    use crate::test_fixtures::Stream;
    use std::sync::Arc;

    /// Pieces of text covering every escape class: quotes, backslashes, every control byte,
    /// DEL, U+2028/U+2029 (JSON allows them raw, and serde_json leaves them), non-ASCII.
    fn text(stream: &mut Stream) -> String {
        const PIECES: &[&str] = &[
            "plain words",
            "\"quoted\"",
            "back\\slash",
            "\u{7f}del",
            "line\u{2028}sep\u{2029}",
            "caf\u{e9} \u{1F600} \u{4e2d}",
            "</script>",
            "https://example.test/p/1?a=1&b=2",
            "",
        ];
        let mut out = String::new();
        for _ in 0..stream.below(5) {
            if stream.below(3) == 0 {
                // Any control byte, including NUL, \b, \f, \n, \r, \t.
                out.push(char::from(stream.below(0x20) as u8));
            } else {
                out.push_str(PIECES[stream.below(PIECES.len())]);
            }
        }
        out
    }

    fn maybe<T>(stream: &mut Stream, value: impl FnOnce(&mut Stream) -> T) -> Option<T> {
        (stream.below(2) == 0).then(|| value(stream))
    }

    fn finding(stream: &mut Stream) -> AuditFinding {
        let severities = [Severity::Info, Severity::Warning, Severity::Error];
        AuditFinding {
            code: if stream.below(4) == 0 {
                text(stream).into()
            } else {
                "STYLE001".into()
            },
            severity: severities[stream.below(severities.len())],
            category: Category::ALL[stream.below(Category::ALL.len())],
            message: text(stream).into(),
            url: maybe(stream, |s| Arc::from(text(s))),
            line: maybe(stream, |s| s.next() as u32),
            column: maybe(stream, |s| s.below(200) as u32),
            help: maybe(stream, |s| Arc::from(text(s))),
            related: (0..stream.below(3)).map(|_| text(stream)).collect(),
            evidence: maybe(stream, |s| {
                Box::new(Evidence {
                    quote: text(s),
                    source: text(s),
                    span: maybe(s, |s| Span::new(s.below(100), 100 + s.below(100))),
                    score: maybe(s, |s| s.unit()),
                })
            }),
        }
    }

    fn page(stream: &mut Stream) -> PageRecord {
        PageRecord {
            url: text(stream),
            final_url: text(stream),
            status: maybe(stream, |s| s.next() as u16),
            error: maybe(stream, text),
            depth: stream.next() as u32,
            redirects: (0..stream.below(3))
                .map(|_| RedirectHop {
                    url: text(stream),
                    status: stream.next() as u16,
                })
                .collect(),
            response_ms: stream.next() >> stream.below(64),
            bytes: stream.next() >> stream.below(64),
            content_type: maybe(stream, text),
            title: maybe(stream, text),
            indexable: stream.below(2) == 0,
            noindex_reason: maybe(stream, text),
            canonical: maybe(stream, text),
            in_sitemap: stream.below(2) == 0,
            inlinks: stream.next() as u32,
            outlinks: stream.below(3) as u32,
            words: u32::MAX - stream.below(2) as u32,
            findings: (0..stream.below(4)).map(|_| finding(stream)).collect(),
        }
    }

    /// A page's pretty JSON as serde_json writes it as an element of the report's pages.
    fn serde_page(page: &PageRecord) -> String {
        // Serialised directly, not through `serde_json::Value` (which would widen the f32
        // score to f64 and print it differently).
        #[derive(Serialize)]
        struct Pages<'a> {
            pages: [&'a PageRecord; 1],
        }
        let text = serde_json::to_string_pretty(&Pages { pages: [page] }).expect("serialise");
        let start = text.find("    {").expect("page object");
        let end = text.rfind("\n  ]").expect("end of pages");
        text[start + 4..end].to_string()
    }

    fn written(page: &PageRecord) -> String {
        let mut out = Vec::new();
        write_page(&mut out, page).expect("write");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn generated_pages_are_written_as_serde_json_pretty_writes_them() {
        let mut stream = Stream(0x9e37_79b9_7f4a_7c15);
        for round in 0..3000 {
            let page = page(&mut stream);
            let expected = serde_page(&page);
            let got = written(&page);
            assert!(
                got == expected,
                "round {round}: hand-written page differs\n--- serde\n{expected}\n--- ours\n{got}"
            );
        }
    }

    #[test]
    fn every_byte_below_0x80_and_unicode_escape_as_in_serde_json() {
        let mut all = String::new();
        for byte in 0u8..0x80 {
            all.push(char::from(byte));
        }
        all.push_str("\u{80}\u{2028}\u{2029}\u{feff}\u{10ffff}");
        for text in [all.as_str(), "", "\"", "\\", "\u{0}", "no escapes at all"] {
            let mut out = Vec::new();
            string(&mut out, text);
            let expected = serde_json::to_string(text).expect("serialise");
            assert_eq!(String::from_utf8(out).expect("utf-8"), expected);
        }
    }

    #[test]
    fn empty_and_extreme_numbers_match_serde() {
        let mut page = PageRecord {
            response_ms: u64::MAX,
            bytes: 0,
            status: Some(u16::MAX),
            ..PageRecord::default()
        };
        assert_eq!(written(&page), serde_page(&page));
        page.findings.push(AuditFinding {
            code: "X".into(),
            severity: Severity::Error,
            category: Category::StructuredData,
            message: "".into(),
            url: None,
            line: Some(0),
            column: Some(u32::MAX),
            help: None,
            related: vec![String::new()],
            evidence: Some(Box::new(Evidence {
                quote: String::new(),
                source: String::new(),
                span: None,
                score: Some(f32::NAN),
            })),
        });
        assert_eq!(written(&page), serde_page(&page));
    }
}
