//! Per-document view of project settings: front matter overrides `[settings]` for one page.
use crate::doc::{BlockKind, Document};
use crate::rules::Settings;
use crate::span::Span;
use serde_json::Value;

/// Front matter keys that name the primary keyword, in priority order.
const KEYWORD_KEYS: &[&str] = &[
    "primary_keyword",
    "keyword",
    "focus_keyword",
    "focus_keyphrase",
];

/// Categories whose pages are "Your Money or Your Life" content.
const YMYL_CATEGORIES: &[&str] = &[
    "health",
    "medical",
    "medicine",
    "wellness",
    "nutrition",
    "mental health",
    "finance",
    "financial",
    "money",
    "investing",
    "personal finance",
    "tax",
    "taxes",
    "insurance",
    "legal",
    "law",
    "safety",
];

/// The primary keyword: front matter first, then `settings.primary_keyword`.
pub fn primary_keyword<'a>(doc: &'a Document, settings: &'a Settings) -> Option<&'a str> {
    KEYWORD_KEYS
        .iter()
        .find_map(|k| doc.meta(k))
        .or(settings.primary_keyword.as_deref())
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// A front matter flag as a bool: `true`/`false`, `"yes"`/`"no"`, `1`/`0`.
pub fn fm_flag(doc: &Document, key: &str) -> Option<bool> {
    let value = doc.front_matter.as_ref()?.values.get(key)?;
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the page is YMYL: front matter `ymyl` decides when present; otherwise a YMYL
/// `category`/`categories`/`section`/`topic`, or `settings.ymyl`.
pub fn is_ymyl(doc: &Document, settings: &Settings) -> bool {
    if let Some(flag) = fm_flag(doc, "ymyl") {
        return flag;
    }
    settings.ymyl || ymyl_category(doc).is_some()
}

/// The first YMYL category the front matter names.
pub fn ymyl_category(doc: &Document) -> Option<&str> {
    let values = &doc.front_matter.as_ref()?.values;
    ["category", "categories", "section", "topic", "topics"]
        .iter()
        .filter_map(|k| values.get(*k))
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .filter_map(Value::as_str)
        .find(|c| {
            let c = c.trim();
            YMYL_CATEGORIES.iter().any(|y| y.eq_ignore_ascii_case(c))
        })
}

/// Whether an AI-assistance disclosure is required: front matter `ai_disclosure`,
/// `ai_assisted` or `ai_generated` set to true, or `settings.require_ai_disclosure`
/// (front matter `ai_disclosure: false` opts a page out).
pub fn requires_ai_disclosure(doc: &Document, settings: &Settings) -> bool {
    if let Some(flag) = fm_flag(doc, "ai_disclosure") {
        return flag;
    }
    settings.require_ai_disclosure
        || fm_flag(doc, "ai_assisted") == Some(true)
        || fm_flag(doc, "ai_generated") == Some(true)
}

/// Visible prose blocks (everything but code), in document order.
pub fn prose_blocks(doc: &Document) -> impl Iterator<Item = &crate::doc::Block> {
    doc.blocks.iter().filter(|b| b.kind != BlockKind::Code)
}

/// Whether `span` lies inside one of the references-list entries.
pub fn in_references(doc: &Document, span: Span) -> bool {
    doc.references
        .iter()
        .any(|r| r.span.start <= span.start && span.end <= r.span.end && !r.span.is_empty())
}
