//! The claims of an article: its sentences (headings, code and the references list excluded)
//! with the sources each one cites.
use crate::doc::{BlockKind, CitationKind, Document};
use crate::rules::builtin::support::claims::{claim_kind, has_number};
use crate::span::Span;

/// One sentence to verify.
#[derive(Debug, Clone)]
pub struct Claim {
    pub span: Span,
    pub text: String,
    /// Indexes into `Document::references` (and so into the verifier's sources), sorted.
    pub cited: Vec<usize>,
    /// Citation markers or links that name no entry of the references list.
    pub unresolved: Vec<String>,
    /// Whether the sentence states something a reader would want a source for.
    pub needs_citation: bool,
}

/// Shortest sentence, in words, that is checked as a claim.
const MIN_WORDS: usize = 3;

/// Index of the reference a marker label or link points at.
fn reference_for_label(doc: &Document, label: &str) -> Option<usize> {
    doc.references.iter().position(|r| r.label == label)
}

fn reference_for_url(doc: &Document, href: &str) -> Option<usize> {
    let trim = |u: &str| u.trim().trim_end_matches('/').to_ascii_lowercase();
    let href = trim(href);
    doc.references
        .iter()
        .position(|r| r.url.as_deref().is_some_and(|u| trim(u) == href))
}

/// Claims of `doc` in document order. `source_count` sources are given for it: `[n]` with no
/// references entry labelled `n` cites source `n - 1` when there is one (sources passed
/// explicitly instead of a references list).
pub fn extract(doc: &Document, source_count: usize) -> Vec<Claim> {
    let in_references = |span: Span| {
        doc.references
            .iter()
            .any(|r| r.span.start <= span.start && span.start < r.span.end.max(r.span.start + 1))
    };
    let mut claims: Vec<Claim> = Vec::new();
    let mut by_sentence: Vec<Option<usize>> = vec![None; doc.sentences.len()];
    for (i, sentence) in doc.sentences.iter().enumerate() {
        let Some(block) = doc.blocks.get(sentence.block) else {
            continue;
        };
        if block.kind == BlockKind::Code || in_references(sentence.span) {
            continue;
        }
        let text = sentence.text(doc);
        let words = crate::doc::words::words(text).count();
        if words < MIN_WORDS {
            continue;
        }
        by_sentence[i] = Some(claims.len());
        claims.push(Claim {
            span: sentence.span,
            text: text.to_owned(),
            cited: Vec::new(),
            unresolved: Vec::new(),
            needs_citation: claim_kind(text).is_some() || has_number(text),
        });
    }
    for citation in &doc.citations {
        let Some(c) = citation
            .sentence
            .and_then(|s| by_sentence.get(s).copied().flatten())
        else {
            continue;
        };
        let label = citation.label.as_str();
        let found = reference_for_label(doc, label).or_else(|| {
            // `[3]` with no labelled list: the third entry.
            (citation.kind == CitationKind::Bracket)
                .then(|| label.parse::<usize>().ok())
                .flatten()
                .filter(|n| *n >= 1 && *n <= doc.references.len().max(source_count))
                .map(|n| n - 1)
        });
        match found {
            Some(r) => claims[c].cited.push(r),
            None => claims[c].unresolved.push(format!("[{label}]")),
        }
    }
    for link in &doc.links {
        if !link.href.starts_with("http://") && !link.href.starts_with("https://") {
            continue;
        }
        let Some(c) = claims
            .iter()
            .position(|c| c.span.start <= link.span.start && link.span.start < c.span.end)
        else {
            continue;
        };
        match reference_for_url(doc, &link.href) {
            Some(r) => claims[c].cited.push(r),
            None => claims[c].unresolved.push(link.href.clone()),
        }
    }
    for claim in &mut claims {
        claim.cited.sort_unstable();
        claim.cited.dedup();
    }
    // A sentence whose only citations point outside the references list (an inline link to
    // an author page, an unresolved `[7]`) is cited, just not by a source given to verify:
    // the CITE rules report unresolved markers, and such a sentence is not "uncited".
    claims.retain(|c| !c.cited.is_empty() || (c.unresolved.is_empty() && c.needs_citation));
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Format};

    #[test]
    fn maps_markers_to_references_and_skips_the_list() {
        let doc = parse(
            "a.md",
            "# Bees in 2024\n\nA survey counted 4,100 hives [2]. Bees are lovely.\n\nHoney prices rose 12% in 2023.\n\n```\nx = 5 kg\n```\n\n## References\n\n1. https://a.example/one\n2. https://b.example/two\n",
            Format::Markdown,
        );
        let claims = extract(&doc, 2);
        let texts: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert_eq!(claims[0].cited, vec![1]);
        assert!(claims[1].cited.is_empty() && claims[1].needs_citation);
    }

    #[test]
    fn inline_links_cite_their_reference_and_explicit_sources_resolve_markers() {
        let doc = parse(
            "a.md",
            "Hives rose to 4,100 per [the survey](https://b.example/two/). Prices rose 12% [2].\n\n## References\n\n1. https://a.example/one\n2. https://b.example/two\n",
            Format::Markdown,
        );
        let claims = extract(&doc, 0);
        assert_eq!(claims[0].cited, vec![1]);
        assert_eq!(claims[1].cited, vec![1]);
        let bare = parse("b.md", "Prices rose 12% in 2023 [2].\n", Format::Markdown);
        assert!(
            extract(&bare, 0).is_empty(),
            "an unresolved marker is no claim to verify"
        );
        assert_eq!(extract(&bare, 2)[0].cited, vec![1]);
    }
}
