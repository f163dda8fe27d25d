//! Which sentences carry a source: a citation marker or an inline link inside the sentence.
use crate::doc::Document;

/// `cited[i]` is true when sentence `i` has a `[n]`/footnote marker or an http(s) link in it.
pub fn cited_sentences(doc: &Document) -> Vec<bool> {
    let mut cited = vec![false; doc.sentences.len()];
    for citation in &doc.citations {
        if let Some(flag) = citation.sentence.and_then(|i| cited.get_mut(i)) {
            *flag = true;
        }
    }
    for link in &doc.links {
        if !super::urls::is_http(&link.href) {
            continue;
        }
        if let Some(i) = sentence_at(doc, link.span.start) {
            cited[i] = true;
        }
    }
    cited
}

/// Index of the sentence whose span contains `offset` (sentences are in source order).
fn sentence_at(doc: &Document, offset: usize) -> Option<usize> {
    let i = doc
        .sentences
        .partition_point(|s| s.span.start <= offset)
        .checked_sub(1)?;
    let span = doc.sentences[i].span;
    (offset < span.end.max(span.start + 1)).then_some(i)
}
