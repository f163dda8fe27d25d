//! `<script type="application/ld+json">` blocks: parsed values, or the parse error.
use super::{html_scan, JsonLd};
use crate::span::Span;

/// Whether a `type` attribute value names JSON-LD.
pub(crate) fn is_json_ld_type(value: &str) -> bool {
    value
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
}

/// Parse script text that has no source position (the span is set by the caller).
pub(crate) fn parse_text(text: &str) -> JsonLd {
    let mut block = parse_str(text);
    block.span = Span::new(0, 0);
    block
}

/// Parse the script content at `span` (the text between the tags).
pub(crate) fn parse_block(source: &str, span: Span) -> JsonLd {
    let raw = source.get(span.start..span.end).unwrap_or("");
    let mut block = parse_str(raw);
    block.span = span;
    block
}

fn parse_str(raw: &str) -> JsonLd {
    // Some sites wrap the JSON in an HTML comment or CDATA for old browsers.
    let trimmed = raw.trim();
    let unwrapped = trimmed
        .strip_prefix("<!--")
        .and_then(|s| s.strip_suffix("-->"))
        .or_else(|| {
            trimmed
                .strip_prefix("//<![CDATA[")
                .and_then(|s| s.strip_suffix("//]]>"))
        })
        .unwrap_or(trimmed);
    match serde_json::from_str::<serde_json::Value>(unwrapped) {
        Ok(value) => JsonLd {
            value: Some(value),
            error: None,
            span: Span::new(0, 0),
        },
        Err(err) => JsonLd {
            value: None,
            error: Some(format!("invalid JSON-LD: {err}")),
            span: Span::new(0, 0),
        },
    }
}

/// Structured data given in front matter (`jsonld:` / `json_ld:` / `schema:`), as a mapping or
/// as a JSON string.
pub(crate) fn from_front_matter(source: &str, fm: &super::FrontMatter) -> Option<JsonLd> {
    let (key, value) = ["jsonld", "json_ld", "schema"]
        .iter()
        .find_map(|k| fm.values.get(*k).map(|v| (*k, v)))?;
    let span = super::front_matter::value_span(source, fm, key);
    let mut block = match value {
        serde_json::Value::String(text) => parse_str(text),
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => JsonLd {
            value: Some(value.clone()),
            error: None,
            span,
        },
        _ => return None,
    };
    block.span = span;
    Some(block)
}

/// All JSON-LD scripts in the HTML at `span` of `source`.
pub(crate) fn in_html(source: &str, span: Span) -> Vec<JsonLd> {
    let scan = html_scan::scan(source, span.start, span.end);
    scan.raw_texts
        .iter()
        .filter_map(|&(tag_index, content)| {
            let tag = scan.tags.get(tag_index)?;
            let kind = html_scan::attr(source, tag.span, "type")?;
            (tag.name == "script" && is_json_ld_type(&kind.value))
                .then(|| parse_block(source, content))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_keeps_errors() {
        let src = r#"<script type="application/ld+json">{"@type":"Article"}</script>
<script type='application/ld+json'>{"@type": </script><script>var x;</script>"#;
        let found = in_html(src, Span::new(0, src.len()));
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].value.as_ref().map(|v| v["@type"].clone()),
            Some("Article".into())
        );
        assert_eq!(
            &src[found[0].span.start..found[0].span.end],
            r#"{"@type":"Article"}"#
        );
        assert!(found[1].value.is_none());
        assert!(found[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("line 1")));
    }
}
