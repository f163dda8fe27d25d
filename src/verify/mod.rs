//! Fact-check and citation verification: every claim of an article against the sources it cites.
//!
//! ```text
//! Document ─▶ claims::extract ─▶ [Claim] ─┐
//! [Source] ─▶ evidence::SourceIndex ──────┴▶ judge (passages + deterministic checks)
//!          ─▶ support score (lexical, blended with MiniLM when given) ─▶ ClaimVerdict + FACT findings
//! ```
//!
//! Nothing here fetches: callers resolve sources first (`sources::for_document`).
pub mod claims;
pub mod documents;
pub mod eval;
pub mod evidence;
pub mod facts;
pub mod judge;
pub mod language;
pub mod rules;
pub mod words;

use crate::doc::Document;
use crate::finding::{Evidence, Finding, Severity};
use crate::rules::suppress::Suppressions;
use crate::rules::Engine;
use crate::sources::{MiniLmEmbedder, Source};
use crate::span::Span;
use evidence::SourceIndex;
use judge::{Judgement, PreparedClaim, Problem};
use std::collections::HashMap;

/// Thresholds of a verification run.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Least support score (0..=1) for a claim without deterministic problems to count as
    /// supported. Calibrated on the calibration split of `fixtures/verify/pairs.jsonl`.
    pub min_support: f32,
    /// Weight of the embedding similarity in the support score when an embedder is given.
    pub semantic_weight: f32,
}

/// Lexical support below this is too little for any similarity to rescue.
const UNCERTAIN_LOW: f32 = 0.15;
/// Lexical support from this on needs no embedding to confirm it.
const UNCERTAIN_HIGH: f32 = 0.7;

/// Calibrated on the calibration split (see docs/benchmarks.md, `bench:verify`).
pub const DEFAULT_MIN_SUPPORT: f32 = 0.3;

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            min_support: DEFAULT_MIN_SUPPORT,
            semantic_weight: 0.5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Supported,
    Contradicted,
    Unsupported,
    Uncited,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Contradicted => "contradicted",
            Verdict::Unsupported => "unsupported",
            Verdict::Uncited => "uncited",
        }
    }
}

/// The verdict on one claim.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClaimVerdict {
    pub span: Span,
    pub text: String,
    /// Indexes of the cited sources (`0` is `[1]`).
    pub cited: Vec<usize>,
    pub verdict: Verdict,
    /// Support of the best evidence, 0..=1; deterministic problems cap it at a quarter.
    pub score: f32,
    pub evidence: Option<Evidence>,
    /// Index of the source the evidence comes from.
    pub evidence_source: Option<usize>,
    /// What the evidence does not back, in words.
    pub reasons: Vec<String>,
    /// The FACT code of each reason (same order as `reasons`).
    pub codes: Vec<String>,
    /// Error kinds found: `number`, `date`, `quote`, `entity`, `negation`, `direction`, `swap`,
    /// `generalisation`, `low-support`, `miscitation`, `unreachable`, `language`.
    pub error_kinds: Vec<String>,
}

impl ClaimVerdict {
    fn note(&mut self, kind: &str, code: &str, reason: String) {
        self.error_kinds.push(kind.to_owned());
        self.codes.push(code.to_owned());
        self.reasons.push(reason);
    }
}

/// The result of verifying one article.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct VerifyReport {
    pub claims: Vec<ClaimVerdict>,
    /// `FACT…` findings at their default severities (see [`apply_config`]).
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Share of claims judged supported (1.0 when there are none).
    pub fn supported_share(&self) -> f64 {
        if self.claims.is_empty() {
            return 1.0;
        }
        let supported = self
            .claims
            .iter()
            .filter(|c| c.verdict == Verdict::Supported)
            .count();
        supported as f64 / self.claims.len() as f64
    }
}

/// Verifies articles against their sources.
pub struct Verifier {
    options: VerifyOptions,
    embedder: Option<MiniLmEmbedder>,
}

/// One source ready for matching, or why it is not.
enum Prepared {
    Ready(SourceIndex),
    Unreachable(String),
    /// Fetched, but in another language than the article.
    Foreign(String),
}

/// A source's judgement with the support score it earned.
struct Scored {
    source: usize,
    judgement: Judgement,
    support: f32,
}

impl Scored {
    fn clean(&self, min_support: f32) -> bool {
        self.judgement.problems.is_empty() && self.support >= min_support
    }
}

fn severity(code: &str) -> Severity {
    rules::meta(code).map_or(Severity::Warning, |m| m.default_severity)
}

fn finding(code: &str, message: String, span: Span) -> Finding {
    Finding::new(code.to_owned(), severity(code), message, span)
}

impl Verifier {
    pub fn new(options: VerifyOptions, embedder: Option<MiniLmEmbedder>) -> Verifier {
        Verifier { options, embedder }
    }

    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// Verify `doc`. `sources[i]` is the source the article cites as `[i+1]` (its references
    /// list order); an unreachable one is `Err(reason)`.
    pub fn verify(
        &mut self,
        doc: &Document,
        sources: &[Result<Source, String>],
    ) -> crate::Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let doc_lang = doc
            .lang
            .as_ref()
            .map(|l| language::primary(&l.text))
            .or_else(|| {
                let sample: String = doc
                    .blocks
                    .iter()
                    .take(200)
                    .map(|b| b.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                language::guess(&sample).map(str::to_owned)
            });
        let prepared: Vec<Prepared> = sources
            .iter()
            .map(|s| prepare(s, doc_lang.as_deref()))
            .collect();
        for (i, p) in prepared.iter().enumerate() {
            let span = doc.references.get(i).map_or(Span::file_start(), |r| r.span);
            match p {
                Prepared::Unreachable(reason) => report.findings.push(
                    finding(
                        "FACT008",
                        format!("source [{}] could not be read: {reason}", i + 1),
                        span,
                    )
                    .with_help("replace it with a reachable copy, or remove the claims that rely on it"),
                ),
                Prepared::Foreign(lang) => report.findings.push(
                    finding(
                        "FACT010",
                        format!(
                            "source [{}] is in another language ({lang}) than the article; its claims cannot be word-matched",
                            i + 1
                        ),
                        span,
                    )
                    .with_help("cite a version in the article's language, or check these claims by hand"),
                ),
                Prepared::Ready(_) => {}
            }
        }
        let claims = claims::extract(doc, sources.len());
        if sources.is_empty() {
            if !claims.is_empty() {
                report.findings.push(
                    finding(
                        "FACT009",
                        format!(
                            "the article has {} claim(s) but no sources to verify them against",
                            claims.len()
                        ),
                        Span::file_start(),
                    )
                    .with_help("add a references list, or pass the sources with --source"),
                );
            }
            return Ok(report);
        }
        let mut embeddings = EmbeddingCache::default();
        for claim in &claims {
            let verdict = self.verify_claim(claim, &prepared, &mut embeddings)?;
            report.findings.extend(claim_findings(claim, &verdict));
            report.claims.push(verdict);
        }
        report
            .findings
            .sort_by(|a, b| (a.span.start, &a.code).cmp(&(b.span.start, &b.code)));
        Ok(report)
    }

    fn support(
        &self,
        claim: &PreparedClaim,
        index: &SourceIndex,
        source: usize,
        judgement: &Judgement,
        cache: &mut EmbeddingCache,
    ) -> crate::Result<f32> {
        let lexical = judgement.passage.lexical;
        let Some(embedder) = &self.embedder else {
            return Ok(lexical);
        };
        // A cascade: the model only settles claims the cheap signals leave open. A claim with
        // a deterministic problem is not supported whatever its similarity, and lexical
        // overlap outside the uncertain band already decides.
        if !judgement.problems.is_empty() || !(UNCERTAIN_LOW..UNCERTAIN_HIGH).contains(&lexical) {
            return Ok(lexical);
        }
        let passage = index.passage_text(&judgement.passage);
        let key = (source, judgement.passage.first, judgement.passage.last);
        let claim_vec = cache.get(embedder, CacheKey::Claim(claim.text.to_owned()), claim.text)?;
        let passage_vec = cache.get(embedder, CacheKey::Passage(key), passage)?;
        let cosine: f32 = claim_vec.iter().zip(&passage_vec).map(|(a, b)| a * b).sum();
        // MiniLM puts unrelated sentences near 0.1 and paraphrases above 0.7.
        let semantic = ((cosine - 0.2) / 0.6).clamp(0.0, 1.0);
        let w = self.options.semantic_weight.clamp(0.0, 1.0);
        Ok((1.0 - w) * lexical + w * semantic)
    }

    fn score_sources(
        &self,
        prepared_claim: &PreparedClaim,
        prepared: &[Prepared],
        which: impl Iterator<Item = usize>,
        cache: &mut EmbeddingCache,
    ) -> crate::Result<Vec<Scored>> {
        let mut out = Vec::new();
        for i in which {
            let Some(Prepared::Ready(index)) = prepared.get(i) else {
                continue;
            };
            let Some(judgement) = judge::judge(prepared_claim, index) else {
                continue;
            };
            let support = self.support(prepared_claim, index, i, &judgement, cache)?;
            out.push(Scored {
                source: i,
                judgement,
                support,
            });
        }
        // Clean judgements first, then fewest problems, then most support.
        out.sort_by(|a, b| {
            (a.judgement.problems.len(), -a.support)
                .partial_cmp(&(b.judgement.problems.len(), -b.support))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(out)
    }

    fn verify_claim(
        &self,
        claim: &claims::Claim,
        prepared: &[Prepared],
        cache: &mut EmbeddingCache,
    ) -> crate::Result<ClaimVerdict> {
        let pc = PreparedClaim::new(&claim.text);
        let min = self.options.min_support;
        let mut verdict = ClaimVerdict {
            span: claim.span,
            text: claim.text.clone(),
            cited: claim.cited.clone(),
            verdict: Verdict::Unsupported,
            score: 0.0,
            evidence: None,
            evidence_source: None,
            reasons: Vec::new(),
            codes: Vec::new(),
            error_kinds: Vec::new(),
        };
        let others = |cited: &[usize]| {
            let cited = cited.to_vec();
            (0..prepared.len()).filter(move |i| !cited.contains(i))
        };
        if claim.cited.is_empty() {
            let scored = self.score_sources(&pc, prepared, 0..prepared.len(), cache)?;
            verdict.verdict = Verdict::Uncited;
            verdict.error_kinds.push("uncited".into());
            if let Some(best) = scored.first() {
                fill_evidence(&mut verdict, best, prepared);
                if !best.clean(min) {
                    verdict
                        .reasons
                        .push("no source of the article supports it".into());
                    verdict.codes.push("FACT006".into());
                }
            }
            return Ok(verdict);
        }
        let cited = self.score_sources(&pc, prepared, claim.cited.iter().copied(), cache)?;
        if let Some(best) = cited.first().filter(|s| s.clean(min)) {
            verdict.verdict = Verdict::Supported;
            fill_evidence(&mut verdict, best, prepared);
            return Ok(verdict);
        }
        let reachable = claim
            .cited
            .iter()
            .any(|&i| matches!(prepared.get(i), Some(Prepared::Ready(_))));
        if !reachable {
            let kind = if claim
                .cited
                .iter()
                .any(|&i| matches!(prepared.get(i), Some(Prepared::Foreign(_))))
            {
                "language"
            } else {
                "unreachable"
            };
            verdict.note(
                kind,
                if kind == "language" {
                    "FACT010"
                } else {
                    "FACT008"
                },
                "no cited source could be read for comparison".into(),
            );
        }
        let elsewhere = self.score_sources(&pc, prepared, others(&claim.cited), cache)?;
        if let Some(other) = elsewhere.first().filter(|s| s.clean(min)) {
            verdict.note(
                "miscitation",
                "FACT007",
                format!(
                    "source [{}] supports it, the cited one does not",
                    other.source + 1
                ),
            );
            fill_evidence(&mut verdict, other, prepared);
            return Ok(verdict);
        }
        match cited.first() {
            Some(best) => {
                fill_evidence(&mut verdict, best, prepared);
                let problems = &best.judgement.problems;
                verdict.verdict = if problems.iter().any(Problem::contradicts) {
                    Verdict::Contradicted
                } else {
                    Verdict::Unsupported
                };
                for p in problems {
                    verdict.note(p.kind(), p.code(), p.describe());
                }
                if problems.is_empty() {
                    verdict.note(
                        "low-support",
                        "FACT001",
                        format!(
                            "the best passage supports it with score {:.2}, under {:.2}",
                            best.support, min
                        ),
                    );
                }
            }
            None if reachable => verdict.note(
                "low-support",
                "FACT001",
                "the cited source shares no words with it".into(),
            ),
            None => {}
        }
        Ok(verdict)
    }
}

fn prepare(source: &Result<Source, String>, doc_lang: Option<&str>) -> Prepared {
    let source = match source {
        Ok(s) => s,
        Err(reason) => return Prepared::Unreachable(reason.clone()),
    };
    let text = &source.extracted.text;
    if text.trim().is_empty() {
        return Prepared::Unreachable("it has no readable text".into());
    }
    let source_lang = source
        .extracted
        .meta
        .language
        .as_deref()
        .map(language::primary)
        .filter(|l| !l.is_empty())
        .or_else(|| language::guess(text).map(str::to_owned));
    if let (Some(a), Some(b)) = (doc_lang, source_lang.as_deref()) {
        if a != b {
            return Prepared::Foreign(b.to_owned());
        }
    }
    Prepared::Ready(SourceIndex::build(&source.fetched.url, text))
}

fn fill_evidence(verdict: &mut ClaimVerdict, scored: &Scored, prepared: &[Prepared]) {
    let penalty = if scored.judgement.problems.is_empty() {
        1.0
    } else {
        0.25
    };
    verdict.score = scored.support * penalty;
    verdict.evidence_source = Some(scored.source);
    if let Some(Prepared::Ready(index)) = prepared.get(scored.source) {
        verdict.evidence = Some(Evidence {
            quote: clip(index.passage_text(&scored.judgement.passage), 600),
            source: index.url.clone(),
            span: index.passage_span(&scored.judgement.passage),
            score: Some(verdict.score),
        });
    }
}

fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The findings for one claim verdict.
fn claim_findings(claim: &claims::Claim, v: &ClaimVerdict) -> Vec<Finding> {
    let short = clip(&v.text, 80);
    let with_evidence = |f: Finding| match &v.evidence {
        Some(e) => f.with_evidence(e.clone()),
        None => f,
    };
    let cite_label = |i: usize| format!("[{}]", i + 1);
    match v.verdict {
        Verdict::Supported => Vec::new(),
        Verdict::Uncited => {
            let supported_by = v.evidence_source.filter(|_| v.reasons.is_empty());
            let help = match supported_by {
                Some(i) => format!("source {} supports it: add the citation", cite_label(i)),
                None => "cite a source that states this, or remove the claim".into(),
            };
            vec![with_evidence(
                finding(
                    "FACT006",
                    format!("claim cites no source: “{short}”"),
                    v.span,
                )
                .with_help(help),
            )]
        }
        Verdict::Contradicted | Verdict::Unsupported => {
            if v.error_kinds.iter().any(|k| k == "miscitation") {
                let right = v.evidence_source.map(cite_label).unwrap_or_default();
                let cited: Vec<String> = claim.cited.iter().map(|&i| cite_label(i)).collect();
                return vec![with_evidence(
                    finding(
                        "FACT007",
                        format!(
                            "claim cites {} but only {right} supports it",
                            cited.join(", ")
                        ),
                        v.span,
                    )
                    .with_help(format!("cite {right} instead")),
                )];
            }
            if v.error_kinds
                .iter()
                .any(|k| k == "unreachable" || k == "language")
            {
                // FACT008/FACT010 on the reference already say why.
                return Vec::new();
            }
            let mut out: Vec<Finding> = Vec::new();
            let source = v.evidence_source.map(cite_label).unwrap_or_default();
            for (reason, code) in v.reasons.iter().zip(&v.codes) {
                // One finding per code and claim: the first reason names the problem.
                if out.iter().any(|f| f.code == *code) {
                    continue;
                }
                out.push(with_evidence(
                    finding(code, format!("{reason} {source}: “{short}”"), v.span).with_help(
                        "rewrite the claim to say what the source says, or cite a source that supports it",
                    ),
                ));
            }
            if out.is_empty() {
                let reason = v
                    .reasons
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "no evidence found".into());
                out.push(with_evidence(
                    finding("FACT001", format!("claim not supported by its source ({reason}): “{short}”"), v.span)
                        .with_help("rewrite the claim to say what the source says, or cite a source that supports it"),
                ));
            }
            out
        }
    }
}

#[derive(Hash, PartialEq, Eq)]
enum CacheKey {
    Claim(String),
    Passage((usize, usize, usize)),
}

/// Embeddings computed during one `verify` call.
#[derive(Default)]
struct EmbeddingCache {
    vectors: HashMap<CacheKey, Vec<f32>>,
}

impl EmbeddingCache {
    fn get(
        &mut self,
        embedder: &MiniLmEmbedder,
        key: CacheKey,
        text: &str,
    ) -> crate::Result<Vec<f32>> {
        if let Some(v) = self.vectors.get(&key) {
            return Ok(v.clone());
        }
        let v = embedder
            .embed_texts(&[text])?
            .into_iter()
            .next()
            .unwrap_or_default();
        self.vectors.insert(key, v.clone());
        Ok(v)
    }
}

/// Apply the project's configuration to verification findings for the document at `path`:
/// drop codes that are off, set configured severities, honour inline suppressions.
pub fn apply_config(engine: &Engine, doc: &Document, findings: &mut Vec<Finding>) {
    let suppressions = Suppressions::collect(doc);
    findings.retain_mut(|f| match engine.severity_for(&f.code, &doc.path) {
        Some(severity) => {
            f.severity = severity;
            !suppressions.suppresses(doc, f)
        }
        None => false,
    });
}
