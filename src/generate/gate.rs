//! The gate: the check rules and the fact check run on an assembled article; it passes only
//! with no finding at or above the fail level.
use crate::doc::{self, Document, Format};
use crate::error::Result;
use crate::finding::{Finding, Severity};
use crate::rules::Engine;
use crate::sources::Source;
use crate::span::Span;

/// The generator's own check: an article shorter than its brief's `min_words` (an error, so a
/// model that writes nothing usable never publishes an empty shell).
pub const TOO_SHORT_CODE: &str = "GEN001";
use std::collections::BTreeMap;

/// What a fact check found in an article.
#[derive(Debug, Clone, Default)]
pub struct FactCheckOutcome {
    pub findings: Vec<Finding>,
    /// Share of the article's claims supported by the sources, when claims were found.
    pub supported_share: Option<f64>,
}

/// A fact checker (the `verify` module): claims of `doc` against the brief's sources.
pub trait FactCheck {
    fn check(
        &mut self,
        doc: &Document,
        sources: &[Result<Source, String>],
    ) -> Result<FactCheckOutcome>;
}

impl FactCheck for crate::verify::Verifier {
    fn check(
        &mut self,
        doc: &Document,
        sources: &[Result<Source, String>],
    ) -> Result<FactCheckOutcome> {
        let report = self.verify(doc, sources)?;
        let supported_share = (!report.claims.is_empty()).then(|| report.supported_share());
        Ok(FactCheckOutcome {
            findings: report.findings,
            supported_share,
        })
    }
}

/// The gate's verdict on one draft.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Every finding, sorted by position then code.
    pub findings: Vec<Finding>,
    pub fail_level: Severity,
    pub supported_share: Option<f64>,
    pub words: usize,
    /// The parsed article (for the repair step's sentence lookups).
    pub source: String,
}

impl Verdict {
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity >= self.fail_level)
    }

    pub fn passed(&self) -> bool {
        self.blocking().next().is_none()
    }

    pub fn counts_by_code(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry(finding.code.to_string()).or_default() += 1;
        }
        counts
    }
}

pub struct Gate<'a> {
    pub engine: &'a Engine,
    pub fail_level: Severity,
}

impl Gate<'_> {
    /// Judge `text` (the article as it would be written at `path`).
    pub fn judge<'f>(
        &self,
        path: &str,
        text: &str,
        format: Format,
        fact_check: Option<&mut (dyn FactCheck + 'f)>,
        sources: &[Result<Source, String>],
        min_words: usize,
    ) -> Result<Verdict> {
        let document = doc::parse(path, text, format);
        let mut findings = document.diagnostics.clone();
        let words = document.word_count();
        if words < min_words {
            findings.push(
                Finding::new(
                    TOO_SHORT_CODE,
                    Severity::Error,
                    format!(
                        "the article has {words} words; the brief asks for at least {min_words}"
                    ),
                    Span::file_start(),
                )
                .with_help("write more from the sources, or lower min_words in the brief"),
            );
        }
        findings.extend(self.engine.check_document(&document).findings);
        let mut supported_share = None;
        if let Some(checker) = fact_check {
            let mut outcome = checker.check(&document, sources)?;
            // FACT codes obey pressgate.toml severities and inline suppressions like the rules.
            crate::verify::apply_config(self.engine, &document, &mut outcome.findings);
            findings.extend(outcome.findings);
            supported_share = outcome.supported_share;
        }
        findings.sort_by(|a, b| {
            a.span
                .start
                .cmp(&b.span.start)
                .then_with(|| a.code.cmp(&b.code))
        });
        Ok(Verdict {
            findings,
            fail_level: self.fail_level,
            supported_share,
            words,
            source: document.source,
        })
    }
}
