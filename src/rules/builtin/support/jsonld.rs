//! Walks JSON-LD of any shape: top-level arrays, `@graph`, type arrays and `@id` references.
use crate::doc::{Document, JsonLd};
use crate::span::Span;
use serde_json::{Map, Value};

/// One JSON-LD node object with the block it came from.
#[derive(Debug, Clone, Copy)]
pub struct Node<'d> {
    pub object: &'d Map<String, Value>,
    /// Span of the `<script>` block holding it.
    pub span: Span,
}

/// schema.org types that are articles (Article and its common subtypes).
const ARTICLE_TYPES: &[&str] = &[
    "Article",
    "AdvertiserContentArticle",
    "AnalysisNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "DiscussionForumPosting",
    "LiveBlogPosting",
    "MedicalScholarlyArticle",
    "NewsArticle",
    "OpinionNewsArticle",
    "Report",
    "ReportageNewsArticle",
    "ReviewNewsArticle",
    "SatiricalArticle",
    "ScholarlyArticle",
    "SocialMediaPosting",
    "TechArticle",
];

const ORGANIZATION_TYPES: &[&str] = &[
    "Organization",
    "NewsMediaOrganization",
    "Corporation",
    "EducationalOrganization",
    "GovernmentOrganization",
    "MedicalOrganization",
    "NGO",
];

impl<'d> Node<'d> {
    /// `@type` values, without a `schema:` or `https://schema.org/` prefix.
    pub fn types(&self) -> impl Iterator<Item = &'d str> {
        types_of(self.object)
    }
    pub fn has_type(&self, wanted: &[&str]) -> bool {
        self.types().any(|t| wanted.contains(&t))
    }
    pub fn is_article(&self) -> bool {
        self.has_type(ARTICLE_TYPES)
    }
    pub fn is_organization(&self) -> bool {
        self.has_type(ORGANIZATION_TYPES)
    }
    /// First type, for messages.
    pub fn type_name(&self) -> &'d str {
        self.types().next().unwrap_or("node")
    }
    pub fn get(&self, key: &str) -> Option<&'d Value> {
        self.object.get(key).filter(|v| !is_blank(v))
    }
    /// A string property (the first string when it is an array).
    pub fn str(&self, key: &str) -> Option<&'d str> {
        match self.get(key)? {
            Value::String(s) => Some(s.as_str()),
            Value::Array(items) => items.iter().find_map(Value::as_str),
            Value::Object(o) => o.get("@value").and_then(Value::as_str),
            _ => None,
        }
    }
}

fn types_of(object: &Map<String, Value>) -> impl Iterator<Item = &str> {
    let values: &[Value] = match object.get("@type") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(v @ Value::String(_)) => std::slice::from_ref(v),
        _ => &[],
    };
    values.iter().filter_map(Value::as_str).map(|t| {
        let t = t.trim();
        t.rsplit(['/', ':', '#']).next().unwrap_or(t)
    })
}

/// Null, empty strings, empty arrays and empty objects count as absent.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(is_blank),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Every top-level node of every parsed JSON-LD block (arrays and `@graph` flattened).
pub fn nodes(doc: &Document) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    for block in &doc.json_ld {
        collect_block(block, &mut out);
    }
    out
}

fn collect_block<'d>(block: &'d JsonLd, out: &mut Vec<Node<'d>>) {
    let Some(value) = &block.value else { return };
    // An explicit stack instead of recursion: JSON-LD of any depth is safe.
    let mut stack: Vec<&Value> = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(object) => {
                if object.contains_key("@type") {
                    out.push(Node {
                        object,
                        span: block.span,
                    });
                }
                if let Some(graph) = object.get("@graph") {
                    stack.push(graph);
                }
            }
            _ => {}
        }
    }
}

/// The node objects a property points to: inline objects, arrays of them, and `@id`
/// references resolved against `all` (unresolvable references are returned as they are).
/// Plain strings are returned as `Err(text)` so callers can say "a bare string".
pub fn linked<'d>(
    value: &'d Value,
    all: &[Node<'d>],
) -> Vec<Result<&'d Map<String, Value>, &'d str>> {
    let items: &[Value] = match value {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(Err(s.as_str())),
            Value::Object(o) => Some(Ok(resolve(o, all))),
            _ => None,
        })
        .collect()
}

/// An object holding only `@id` replaced by the node with that `@id`, when there is one.
fn resolve<'d>(object: &'d Map<String, Value>, all: &[Node<'d>]) -> &'d Map<String, Value> {
    let only_id = object.len() == 1 || !object.contains_key("@type");
    match object.get("@id").and_then(Value::as_str) {
        Some(id) if only_id => all
            .iter()
            .find(|n| n.object.get("@id").and_then(Value::as_str) == Some(id) && n.object.len() > 1)
            .map(|n| n.object)
            .unwrap_or(object),
        _ => object,
    }
}

/// A node view of a linked object, sharing the parent's span.
pub fn as_node<'d>(object: &'d Map<String, Value>, span: Span) -> Node<'d> {
    Node { object, span }
}

/// An author of an article node, as far as JSON-LD says.
#[derive(Debug, Clone)]
pub struct Author {
    /// Trimmed name; empty when the author object has none.
    pub name: String,
    /// Whether it has a `url` or `sameAs` (a profile to link to).
    pub has_profile: bool,
    /// Span of the JSON-LD block.
    pub span: Span,
}

/// The authors of every article node (resolving `@id` references; bare strings are names).
pub fn article_authors(doc: &Document) -> Vec<Author> {
    let all = nodes(doc);
    let mut authors = Vec::new();
    for node in all.iter().filter(|n| n.is_article()) {
        let Some(author) = node.get("author") else {
            continue;
        };
        for link in linked(author, &all) {
            authors.push(match link {
                Ok(object) => {
                    let person = as_node(object, node.span);
                    Author {
                        name: person.str("name").unwrap_or("").trim().to_owned(),
                        has_profile: person.get("url").is_some() || person.get("sameAs").is_some(),
                        span: node.span,
                    }
                }
                Err(text) => Author {
                    name: text.trim().to_owned(),
                    has_profile: false,
                    span: node.span,
                },
            });
        }
    }
    authors
}

/// Names of the authors of every article node.
pub fn article_author_names(doc: &Document) -> Vec<String> {
    article_authors(doc)
        .into_iter()
        .map(|a| a.name)
        .filter(|n| !n.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc_with(values: Vec<Value>) -> Document {
        let mut doc = crate::doc::parse("t.html", "", crate::doc::Format::Html);
        doc.json_ld = values
            .into_iter()
            .map(|v| JsonLd {
                value: Some(v),
                error: None,
                span: Span::new(0, 0),
            })
            .collect();
        doc
    }

    #[test]
    fn flattens_graphs_arrays_and_type_arrays() {
        let doc = doc_with(vec![
            json!({"@context": "https://schema.org", "@graph": [
                {"@type": "WebPage", "@id": "#page"},
                {"@type": ["schema:BlogPosting", "CreativeWork"], "headline": "H"}
            ]}),
            json!([{"@type": "https://schema.org/Organization", "name": "Acme"}, 3, "x"]),
            json!("just a string"),
        ]);
        let all = nodes(&doc);
        assert_eq!(all.len(), 3);
        assert!(all[1].is_article());
        assert_eq!(all[1].type_name(), "BlogPosting");
        assert!(all[2].is_organization());
    }

    #[test]
    fn resolves_author_references_and_strings() {
        let doc = doc_with(vec![json!({"@graph": [
            {"@type": "Article", "author": [{"@id": "#jane"}, "Bob Smith", {"@type": "Person", "name": " Ann Lee "}]},
            {"@type": "Person", "@id": "#jane", "name": "Jane Doe"}
        ]})]);
        assert_eq!(
            article_author_names(&doc),
            vec!["Jane Doe", "Bob Smith", "Ann Lee"]
        );
    }

    #[test]
    fn blank_values_count_as_absent() {
        assert!(is_blank(&json!("  ")));
        assert!(is_blank(&json!([])));
        assert!(is_blank(&json!([null, ""])));
        assert!(!is_blank(&json!(0)));
    }
}
