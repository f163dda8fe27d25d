//! YAML (`---`) and TOML (`+++`) front matter: detection, parsing into JSON values, and the source
//! spans of individual values so findings about `title:` point at the title line.
use super::{FrontMatter, Text};
use crate::finding::{Finding, Severity};
use crate::span::{LineIndex, Span};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrontMatterKind {
    Yaml,
    Toml,
}

/// Where the front matter sits in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    pub kind: FrontMatterKind,
    /// The whole block including both fences and the newline after the closing fence.
    pub span: Span,
    /// The text between the fences.
    pub content: Span,
}

/// The result of reading the front matter of a Markdown file.
pub(crate) struct Parsed {
    pub front_matter: Option<FrontMatter>,
    /// Where the Markdown body starts (0 without front matter).
    pub body_start: usize,
    pub diagnostic: Option<Finding>,
}

/// Find a front matter block at the very start of `source` (after an optional BOM).
pub(crate) fn locate(source: &str) -> Option<Located> {
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &source[start..];
    let (kind, fence) = if rest.starts_with("---") {
        (FrontMatterKind::Yaml, "---")
    } else if rest.starts_with("+++") {
        (FrontMatterKind::Toml, "+++")
    } else {
        return None;
    };
    // The opening fence must be alone on its line.
    let first_line_end = rest.find('\n')?;
    if rest[..first_line_end].trim_end() != fence {
        return None;
    }
    let content_start = start + first_line_end + 1;
    let mut line_start = content_start;
    while line_start <= source.len() {
        let line_end = source[line_start..]
            .find('\n')
            .map_or(source.len(), |i| line_start + i);
        let line = source[line_start..line_end].trim_end();
        let closes = line == fence || (kind == FrontMatterKind::Yaml && line == "...");
        if closes {
            let block_end = (line_end + 1).min(source.len());
            return Some(Located {
                kind,
                span: Span::new(start, block_end),
                content: Span::new(content_start, line_start),
            });
        }
        if line_end >= source.len() {
            break;
        }
        line_start = line_end + 1;
    }
    None
}

static YAML_LOCATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r",? at line \d+ column \d+").expect("valid location regex"));

/// Read the front matter of `source`. Broken front matter becomes a `PARSE001` diagnostic and the
/// body still starts after it, so the rest of the document is parsed normally.
pub(crate) fn parse(source: &str, lines: &LineIndex) -> Parsed {
    let Some(located) = locate(source) else {
        return Parsed {
            front_matter: None,
            body_start: 0,
            diagnostic: None,
        };
    };
    let content = &source[located.content.start..located.content.end];
    let result = match located.kind {
        FrontMatterKind::Yaml => parse_yaml(content, located.content.start, source, lines),
        FrontMatterKind::Toml => parse_toml(content, located.content.start, source, lines),
    };
    match result {
        Ok(values) => Parsed {
            front_matter: Some(FrontMatter {
                values,
                span: located.span,
            }),
            body_start: located.span.end,
            diagnostic: None,
        },
        Err(message) => Parsed {
            front_matter: None,
            body_start: located.span.end,
            diagnostic: Some(
                Finding::new("PARSE001", Severity::Error, message, located.span)
                    .with_help("fix the front matter syntax; the document body was still checked"),
            ),
        },
    }
}

fn parse_yaml(
    content: &str,
    content_start: usize,
    source: &str,
    lines: &LineIndex,
) -> Result<Map<String, Value>, String> {
    if content.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_yaml::from_str::<serde_yaml::Value>(content) {
        Ok(serde_yaml::Value::Mapping(mapping)) => Ok(yaml_mapping_to_json(mapping)),
        Ok(serde_yaml::Value::Null) => Ok(Map::new()),
        Ok(_) => Err(format!(
            "YAML front matter at line {} is not a mapping of keys to values",
            lines.line_col(source, content_start).line
        )),
        Err(err) => {
            let line = match err.location() {
                Some(loc) => lines.line_col(source, content_start + loc.index()).line,
                None => lines.line_col(source, content_start).line,
            };
            let detail = YAML_LOCATION.replace_all(&err.to_string(), "").into_owned();
            Err(format!(
                "invalid YAML front matter at line {line}: {detail}"
            ))
        }
    }
}

fn parse_toml(
    content: &str,
    content_start: usize,
    source: &str,
    lines: &LineIndex,
) -> Result<Map<String, Value>, String> {
    match toml::from_str::<toml::Table>(content) {
        Ok(table) => Ok(toml_table_to_json(table, 0)),
        Err(err) => {
            let offset = err.span().map_or(0, |r| r.start.min(content.len()));
            let line = lines.line_col(source, content_start + offset).line;
            let detail = err.message().trim().to_owned();
            Err(format!(
                "invalid TOML front matter at line {line}: {detail}"
            ))
        }
    }
}

/// Nesting below this depth is dropped (`null`), so hostile front matter cannot exhaust the stack.
const MAX_VALUE_DEPTH: usize = 64;

fn toml_table_to_json(table: toml::Table, depth: usize) -> Map<String, Value> {
    table
        .into_iter()
        .map(|(k, v)| (k, toml_to_json(v, depth + 1)))
        .collect()
}

/// TOML dates become their RFC 3339 text, like YAML dates, so `date` reads the same either way.
fn toml_to_json(value: toml::Value, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return Value::Null;
    }
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| toml_to_json(v, depth + 1))
                .collect(),
        ),
        toml::Value::Table(t) => Value::Object(toml_table_to_json(t, depth + 1)),
    }
}

fn yaml_mapping_to_json(mapping: serde_yaml::Mapping) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in mapping {
        out.insert(yaml_key(&key), yaml_to_json(value));
    }
    out
}

/// YAML allows non-string keys (`1: x`, `true: y`); JSON does not, so they become their text.
fn yaml_key(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Null => "null".to_owned(),
        other => serde_yaml::to_string(other)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    }
}

/// Recursion depth is bounded by serde_yaml's own nesting limit (128).
fn yaml_to_json(value: serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(seq) => {
            Value::Array(seq.into_iter().map(yaml_to_json).collect())
        }
        serde_yaml::Value::Mapping(m) => Value::Object(yaml_mapping_to_json(m)),
        serde_yaml::Value::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

/// The source span of a top-level `key`'s value (`key: value` or `key = value`), trimmed and
/// without quotes; the key's line when the value spans several lines; the whole block if the key
/// is not found at the top level (e.g. written in flow style).
pub(crate) fn value_span(source: &str, fm: &FrontMatter, key: &str) -> Span {
    let block = fm.span;
    let text = &source[block.start..block.end];
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let here = line_start;
        line_start += line.len();
        let Some(rest) = line.strip_prefix(key) else {
            continue;
        };
        let rest_trimmed = rest.trim_start_matches([' ', '\t']);
        let Some(after_sep) = rest_trimmed
            .strip_prefix(':')
            .or_else(|| rest_trimmed.strip_prefix('='))
        else {
            continue;
        };
        let value_offset = here + key.len() + (rest.len() - after_sep.len());
        let value = after_sep.trim_end_matches(['\n', '\r']);
        let leading = value.len() - value.trim_start().len();
        let mut start = block.start + value_offset + leading;
        let mut end = block.start + value_offset + value.trim_end().len();
        if end <= start {
            // Value on the following lines (block scalar, nested mapping): point at the key.
            return Span::new(block.start + here, block.start + here + key.len());
        }
        let bytes = source.as_bytes();
        if end - start >= 2
            && (bytes[start] == b'"' || bytes[start] == b'\'')
            && bytes[end - 1] == bytes[start]
        {
            start += 1;
            end -= 1;
        }
        return Span::new(start, end);
    }
    block
}

/// A string field of the front matter as [`Text`] with the span of its value.
pub(crate) fn text_field(source: &str, fm: &FrontMatter, keys: &[&str]) -> Option<Text> {
    keys.iter().find_map(|key| {
        let value = fm.values.get(*key)?;
        let text = match value {
            Value::String(s) => s.clone(),
            // TOML dates and YAML numbers are still meaningful as text.
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(Text {
            text,
            span: value_span(source, fm, key),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_src(src: &str) -> Parsed {
        parse(src, &LineIndex::new(src))
    }

    #[test]
    fn yaml_front_matter_parses_and_body_starts_after_it() {
        let src = "---\ntitle: \"Hello\"\ntags: [a, b]\n---\n# Body\n";
        let parsed = parse_src(src);
        let fm = parsed.front_matter.expect("front matter");
        assert_eq!(fm.str("title"), Some("Hello"));
        assert_eq!(fm.values["tags"], serde_json::json!(["a", "b"]));
        assert_eq!(&src[parsed.body_start..], "# Body\n");
        assert_eq!(
            &src[fm.span.start..fm.span.end],
            "---\ntitle: \"Hello\"\ntags: [a, b]\n---\n"
        );
        let title = text_field(src, &fm, &["title"]).expect("title");
        assert_eq!(&src[title.span.start..title.span.end], "Hello");
    }

    #[test]
    fn toml_front_matter_parses_with_value_spans() {
        let src = "+++\ntitle = 'Rust'\ndate = 2024-05-01\n+++\nBody\n";
        let parsed = parse_src(src);
        let fm = parsed.front_matter.expect("front matter");
        assert_eq!(fm.str("title"), Some("Rust"));
        assert_eq!(fm.str("date"), Some("2024-05-01"));
        let title = text_field(src, &fm, &["title"]).expect("title");
        assert_eq!(&src[title.span.start..title.span.end], "Rust");
    }

    #[test]
    fn broken_yaml_reports_parse001_with_file_line() {
        let src = "---\ntitle: ok\ndescription: [unclosed\nauthor: x\n---\nBody text.\n";
        let parsed = parse_src(src);
        assert!(parsed.front_matter.is_none());
        let finding = parsed.diagnostic.expect("diagnostic");
        assert_eq!(finding.code, "PARSE001");
        assert_eq!(finding.severity, Severity::Error);
        assert!(finding.message.contains("line "), "{}", finding.message);
        assert!(!finding.message.contains("column"), "{}", finding.message);
        assert_eq!(finding.span.start, 0);
        assert_eq!(&src[parsed.body_start..], "Body text.\n");
    }

    #[test]
    fn broken_toml_reports_the_line_of_the_error() {
        let src = "+++\ntitle = 'ok'\nbroken = = 3\n+++\nBody\n";
        let parsed = parse_src(src);
        let finding = parsed.diagnostic.expect("diagnostic");
        assert!(finding.message.contains("line 3"), "{}", finding.message);
    }

    #[test]
    fn unclosed_fence_is_not_front_matter() {
        assert!(locate("---\ntitle: x\nno close").is_none());
        assert!(locate("--- not a fence\n---\n").is_none());
        assert!(locate("").is_none());
        assert!(locate("---").is_none());
    }

    #[test]
    fn non_string_yaml_keys_and_scalars_are_handled() {
        let parsed = parse_src("---\n1: one\ntrue: yes\n---\n");
        let fm = parsed.front_matter.expect("fm");
        assert_eq!(fm.str("1"), Some("one"));
        let scalar = parse_src("---\njust a string\n---\n");
        assert_eq!(scalar.diagnostic.expect("diag").code, "PARSE001");
    }
}
