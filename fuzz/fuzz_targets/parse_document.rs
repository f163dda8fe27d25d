//! Arbitrary UTF-8 into the Document parser, as Markdown and as HTML: it must never panic, and
//! every span it reports must slice the source.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pressgate::doc::{parse, Document, Format};
use pressgate::Span;

fn check_span(doc: &Document, span: Span) {
    assert!(span.start <= span.end, "inverted span {span:?}");
    assert!(
        doc.source.get(span.start..span.end).is_some(),
        "span {span:?} does not slice a {}-byte source",
        doc.source.len()
    );
}

fn check(doc: &Document) {
    for h in &doc.headings {
        check_span(doc, h.span);
    }
    for b in &doc.blocks {
        check_span(doc, b.span);
    }
    for s in &doc.sentences {
        check_span(doc, s.span);
        let block = &doc.blocks[s.block];
        assert!(block.text.get(s.text_range.0..s.text_range.1).is_some());
    }
    for c in &doc.citations {
        check_span(doc, c.span);
        if let Some(i) = c.sentence {
            assert!(i < doc.sentences.len());
        }
    }
    for span in doc
        .links
        .iter()
        .map(|l| l.span)
        .chain(doc.images.iter().map(|i| i.span))
        .chain(doc.references.iter().map(|r| r.span))
        .chain(doc.json_ld.iter().map(|j| j.span))
        .chain(doc.comments.iter().map(|c| c.span))
        .chain(doc.diagnostics.iter().map(|d| d.span))
    {
        check_span(doc, span);
    }
    let _ = doc.lines.line_col(&doc.source, doc.source.len());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(&parse("fuzz.md", text, Format::Markdown));
        check(&parse("fuzz.html", text, Format::Html));
    }
});
