//! The repair step: blocking findings mapped to the sections they lie in, and turned into
//! feedback lines (rule, message, the offending sentence, the evidence) for a rewrite of only
//! those sections.
use super::gate::{Verdict, TOO_SHORT_CODE};
use crate::finding::Finding;
use crate::span::Span;
use std::collections::BTreeMap;

/// Longest quote of article or evidence text put into feedback.
const QUOTE_MAX: usize = 200;

fn quote(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= QUOTE_MAX {
        return text;
    }
    let cut: String = text.chars().take(QUOTE_MAX).collect();
    format!("{cut}…")
}

/// One feedback line for a finding: what is wrong, where, and what the source says.
pub fn feedback_line(finding: &Finding, article: &str) -> String {
    let mut line = format!("{}: {}", finding.code, finding.message);
    let span = finding.span;
    if span.end > span.start {
        if let Some(text) = article.get(span.start..span.end) {
            line.push_str(&format!(" In: \"{}\"", quote(text)));
        }
    }
    if let Some(evidence) = &finding.evidence {
        line.push_str(&format!(" Source says: \"{}\"", quote(&evidence.quote)));
    }
    if let Some(help) = &finding.help {
        line.push_str(&format!(" ({help})"));
    }
    line
}

/// Feedback for each section (by index) that holds a blocking finding. A too-short article
/// concerns every section. Other findings outside every section (front matter, references,
/// document-level rules) are not repairable by rewriting prose and are left out.
pub fn failing_sections(verdict: &Verdict, section_spans: &[Span]) -> BTreeMap<usize, Vec<String>> {
    let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for finding in verdict.blocking() {
        if finding.code == TOO_SHORT_CODE {
            for index in 0..section_spans.len() {
                out.entry(index)
                    .or_default()
                    .push(feedback_line(finding, &verdict.source));
            }
            continue;
        }
        let Some(index) = section_spans
            .iter()
            .position(|s| finding.span.start >= s.start && finding.span.start < s.end)
        else {
            continue;
        };
        out.entry(index)
            .or_default()
            .push(feedback_line(finding, &verdict.source));
    }
    out
}

/// Text of sentences the fact check marked (codes `FACT…`) at or above the fail level, for
/// `--drop-unsupported`.
pub fn unsupported_sentences(verdict: &Verdict) -> Vec<String> {
    verdict
        .blocking()
        .filter(|f| f.code.starts_with("FACT") && f.span.end > f.span.start)
        .filter_map(|f| verdict.source.get(f.span.start..f.span.end))
        .map(|s| s.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, Severity};

    #[test]
    fn findings_map_to_their_sections_with_quotes() {
        let source = "intro text. ## A\nBad claim 40% here.\n## B\nfine.".to_string();
        let bad = source.find("Bad").expect("pos");
        let finding = Finding::new(
            "EEAT008",
            Severity::Error,
            "number without citation",
            Span::new(bad, bad + 19),
        )
        .with_evidence(Evidence {
            quote: "It was 20%.".into(),
            source: "s".into(),
            span: None,
            score: None,
        });
        let verdict = Verdict {
            findings: vec![
                finding,
                Finding::new("EEAT007", Severity::Error, "no reviewer", Span::new(0, 0)),
                Finding::new(
                    "STYLE006",
                    Severity::Warning,
                    "long",
                    Span::new(bad, bad + 3),
                ),
            ],
            fail_level: Severity::Error,
            supported_share: None,
            words: 3,
            source,
        };
        let spans = [Span::new(12, 16), Span::new(12, 37), Span::new(37, 45)];
        let failing = failing_sections(&verdict, &spans[1..]);
        assert_eq!(failing.len(), 1);
        assert_eq!(
            failing[&0],
            ["EEAT008: number without citation In: \"Bad claim 40% here.\" Source says: \"It was 20%.\""]
        );
    }
}
