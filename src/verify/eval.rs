//! The labelled evaluation set (`fixtures/verify/pairs.jsonl`): running the verifier on each
//! claim–evidence pair and scoring the verdicts (balanced accuracy, ROC AUC, recall per error
//! kind, threshold calibration).
use super::{Verdict, Verifier};
use crate::doc::{parse, Format};
use crate::sources::{from_fetched, ContentKind, Fetched, Origin, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One labelled pair.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Pair {
    pub id: String,
    pub evidence: String,
    pub claim: String,
    /// `supported`, `contradicted`, `unsupported` or `uncited`.
    pub label: String,
    /// Corruption applied: `none`, `number`, `date`, `quote`, `name`, `negation`,
    /// `direction`, `generalisation`, `unrelated`, `uncited`.
    pub error: String,
    /// `calib` (thresholds are chosen on it) or `test` (numbers are reported on it).
    pub split: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairResult {
    pub id: String,
    pub label: String,
    pub error: String,
    pub split: String,
    /// `none` when the claim sentence was not taken as a claim.
    pub verdict: String,
    pub score: f32,
    pub kinds: Vec<String>,
}

/// A source with `text` as its body, as if read from `url`.
pub fn text_source(url: &str, text: &str) -> Source {
    from_fetched(Fetched {
        requested: url.to_owned(),
        url: url.to_owned(),
        status: 200,
        content_type: "text/plain".into(),
        charset: Some("utf-8".into()),
        kind: ContentKind::Text,
        body: text.as_bytes().to_vec(),
        origin: Origin::File,
        redirects: Vec::new(),
        attempts: 1,
    })
}

pub fn load_pairs(path: &Path) -> crate::Result<Vec<Pair>> {
    let text = std::fs::read_to_string(path).map_err(|e| crate::Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l)
                .map_err(|e| crate::Error::input(path, format!("line {}: {e}", n + 1)))
        })
        .collect()
}

/// The article a pair stands for: the claim, cited as `[1]` unless the pair is uncited.
fn article(pair: &Pair) -> String {
    let claim = pair.claim.trim();
    let body = if pair.label == "uncited" {
        claim.to_owned()
    } else {
        let cut = claim.trim_end_matches(['.', '!', '?']);
        format!("{cut} [1]{}", &claim[cut.len()..])
    };
    format!(
        "# Claim {}\n\n{body}\n\n## References\n\n1. https://evidence.example/{}\n",
        pair.id, pair.id
    )
}

pub fn run_pair(verifier: &mut Verifier, pair: &Pair) -> crate::Result<PairResult> {
    let doc = parse(&format!("{}.md", pair.id), &article(pair), Format::Markdown);
    let url = format!("https://evidence.example/{}", pair.id);
    let sources = vec![Ok(text_source(&url, &pair.evidence))];
    let report = verifier.verify(&doc, &sources)?;
    let claim = report.claims.first();
    Ok(PairResult {
        id: pair.id.clone(),
        label: pair.label.clone(),
        error: pair.error.clone(),
        split: pair.split.clone(),
        verdict: claim.map_or("none", |c| c.verdict.as_str()).to_owned(),
        score: claim.map_or(0.0, |c| c.score),
        kinds: claim.map(|c| c.error_kinds.clone()).unwrap_or_default(),
    })
}

/// Scores of one run over a set of pair results.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub pairs: usize,
    /// Over cited pairs: supported vs not supported.
    pub balanced_accuracy: f64,
    pub roc_auc: f64,
    pub supported_recall: f64,
    /// Per corruption kind: share of corrupted pairs not judged supported.
    pub recall_by_error: BTreeMap<String, f64>,
    /// Share of uncited pairs judged uncited.
    pub uncited_recall: f64,
}

fn is_supported(r: &PairResult) -> bool {
    r.verdict == Verdict::Supported.as_str()
}

pub fn metrics(results: &[PairResult]) -> Metrics {
    let cited: Vec<&PairResult> = results.iter().filter(|r| r.label != "uncited").collect();
    let positives: Vec<&&PairResult> = cited.iter().filter(|r| r.label == "supported").collect();
    let negatives: Vec<&&PairResult> = cited.iter().filter(|r| r.label != "supported").collect();
    let share = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let tpr = share(
        positives.iter().filter(|r| is_supported(r)).count(),
        positives.len(),
    );
    let tnr = share(
        negatives.iter().filter(|r| !is_supported(r)).count(),
        negatives.len(),
    );
    let mut by_error: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &negatives {
        let e = by_error.entry(r.error.clone()).or_default();
        e.1 += 1;
        if !is_supported(r) {
            e.0 += 1;
        }
    }
    let uncited: Vec<&PairResult> = results.iter().filter(|r| r.label == "uncited").collect();
    Metrics {
        pairs: results.len(),
        balanced_accuracy: (tpr + tnr) / 2.0,
        roc_auc: roc_auc(
            &positives.iter().map(|r| r.score).collect::<Vec<_>>(),
            &negatives.iter().map(|r| r.score).collect::<Vec<_>>(),
        ),
        supported_recall: tpr,
        recall_by_error: by_error
            .into_iter()
            .map(|(k, (hit, n))| (k, share(hit, n)))
            .collect(),
        uncited_recall: share(
            uncited.iter().filter(|r| r.verdict == "uncited").count(),
            uncited.len(),
        ),
    }
}

/// Probability that a random positive scores above a random negative (ties count half).
pub fn roc_auc(positives: &[f32], negatives: &[f32]) -> f64 {
    if positives.is_empty() || negatives.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for p in positives {
        for n in negatives {
            total += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    total / (positives.len() * negatives.len()) as f64
}

/// The `min_support` in 0.10..=0.90 (steps of 0.02) with the best balanced accuracy on
/// `results` (scored with the threshold at 0, so every score is visible); the middle of the
/// range when several tie.
pub fn calibrate(results: &[PairResult]) -> (f32, f64) {
    let cited: Vec<&PairResult> = results.iter().filter(|r| r.label != "uncited").collect();
    let mut scored = Vec::new();
    for step in 0..=40 {
        let t = 0.10 + step as f32 * 0.02;
        let relabelled: Vec<PairResult> = cited
            .iter()
            .map(|r| {
                let mut r = (*r).clone();
                if r.verdict == "supported" && r.score < t {
                    r.verdict = "unsupported".into();
                }
                r
            })
            .collect();
        scored.push((t, metrics(&relabelled).balanced_accuracy));
    }
    // The middle of the best plateau: as far from both edges as the data allows.
    let top = scored.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let plateau: Vec<&(f32, f64)> = scored.iter().filter(|s| s.1 >= top - 1e-9).collect();
    plateau
        .get(plateau.len() / 2)
        .map(|s| (s.0, s.1))
        .unwrap_or((0.5, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_and_random_rankings() {
        assert_eq!(roc_auc(&[0.9, 0.8], &[0.1, 0.2]), 1.0);
        assert_eq!(roc_auc(&[0.5], &[0.5]), 0.5);
        assert_eq!(roc_auc(&[0.1], &[0.9]), 0.0);
    }

    #[test]
    fn a_pair_runs_through_the_verifier() {
        let pair = Pair {
            id: "t1".into(),
            evidence: "The bridge opened in 1932 and carries 160,000 vehicles a day.".into(),
            claim: "The bridge carries 160,000 vehicles a day.".into(),
            label: "supported".into(),
            error: "none".into(),
            split: "test".into(),
        };
        let mut verifier = Verifier::new(super::super::VerifyOptions::default(), None);
        let r = run_pair(&mut verifier, &pair).unwrap();
        assert_eq!(r.verdict, "supported", "{r:?}");
        let changed = Pair {
            claim: "The bridge carries 610,000 vehicles a day.".into(),
            label: "contradicted".into(),
            error: "number".into(),
            ..pair
        };
        let r = run_pair(&mut verifier, &changed).unwrap();
        assert_eq!(r.verdict, "contradicted", "{r:?}");
    }
}
