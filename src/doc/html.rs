//! HTML documents (being written).
use super::{json_ld, Document};
use crate::span::Span;

pub(crate) fn fill(doc: &mut Document) {
    let source = doc.source.as_str();
    doc.json_ld = json_ld::in_html(source, Span::new(0, source.len()));
}
