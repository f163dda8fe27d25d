//! Evidence passages of one source: its sentences with an inverted term index, so a claim is
//! scored only against the few passages that share its rarer words (bounded time on long
//! sources and long articles alike).
use super::facts::Facts;
use super::words;
use crate::span::Span;
use std::collections::HashMap;

/// Sentences on each side of the best sentence that a passage includes.
const WINDOW: usize = 1;
/// Terms found in more sentences than this are too common to pick passages with.
const MAX_POSTINGS: usize = 4000;

pub struct SourceSentence {
    pub span: Span,
    terms: Vec<u32>,
}

/// A source's text, split and indexed.
pub struct SourceIndex {
    /// The URL shown in evidence.
    pub url: String,
    pub text: String,
    /// [`super::facts::normalise_quote`] of the whole text, for verbatim quote checks.
    pub quote_text: String,
    pub sentences: Vec<SourceSentence>,
    vocabulary: HashMap<String, u32>,
    postings: Vec<Vec<u32>>,
}

/// A run of source sentences scored against one claim.
#[derive(Debug, Clone)]
pub struct Passage {
    /// Sentence range `first..=last` in the source.
    pub first: usize,
    pub last: usize,
    /// The sentence that matched the claim best.
    pub best: usize,
    /// Weighted share of the claim's terms present in the passage, 0..=1.
    pub lexical: f32,
}

/// Terms of a claim with their weights (inverse document frequency in one source).
pub struct ClaimTerms {
    pub terms: Vec<String>,
}

impl ClaimTerms {
    pub fn of(text: &str) -> ClaimTerms {
        let mut terms = words::terms(text);
        terms.sort();
        terms.dedup();
        ClaimTerms { terms }
    }
}

impl SourceIndex {
    pub fn build(url: &str, text: &str) -> SourceIndex {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut sentences = Vec::new();
        let mut offset = 0;
        for paragraph in text.split_inclusive('\n') {
            for (s, e) in crate::doc::sentences::split(paragraph) {
                let Some(sentence) = paragraph.get(s..e) else {
                    continue;
                };
                let index = sentences.len() as u32;
                let mut ids: Vec<u32> = words::terms(sentence)
                    .into_iter()
                    .map(|t| {
                        let next = vocabulary.len() as u32;
                        *vocabulary.entry(t).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                for &id in &ids {
                    if postings.len() <= id as usize {
                        postings.resize_with(id as usize + 1, Vec::new);
                    }
                    postings[id as usize].push(index);
                }
                sentences.push(SourceSentence {
                    span: Span::new(offset + s, offset + e),
                    terms: ids,
                });
            }
            offset += paragraph.len();
        }
        SourceIndex {
            url: url.to_owned(),
            quote_text: super::facts::normalise_quote(text),
            text: text.to_owned(),
            sentences,
            vocabulary,
            postings,
        }
    }

    fn idf(&self, id: u32) -> f32 {
        let df = self.postings.get(id as usize).map_or(0, Vec::len) as f32;
        let n = self.sentences.len().max(1) as f32;
        (1.0 + n / (1.0 + df)).ln().max(0.05)
    }

    /// Weight of a term the source never uses: as rare as can be.
    fn unseen_weight(&self) -> f32 {
        (1.0 + self.sentences.len().max(1) as f32).ln().max(0.05)
    }

    pub fn sentence_text(&self, i: usize) -> &str {
        self.sentences
            .get(i)
            .and_then(|s| self.text.get(s.span.start..s.span.end))
            .unwrap_or("")
    }

    /// Text of sentences `first..=last`.
    pub fn passage_text(&self, passage: &Passage) -> &str {
        let (Some(a), Some(b)) = (
            self.sentences.get(passage.first),
            self.sentences.get(passage.last),
        ) else {
            return "";
        };
        self.text.get(a.span.start..b.span.end).unwrap_or("")
    }

    pub fn passage_span(&self, passage: &Passage) -> Option<Span> {
        let a = self.sentences.get(passage.first)?;
        let b = self.sentences.get(passage.last)?;
        Some(Span::new(a.span.start, b.span.end))
    }

    /// The `limit` best passages for `claim`, best first.
    pub fn passages(&self, claim: &ClaimTerms, limit: usize) -> Vec<Passage> {
        let mut weights: Vec<(Option<u32>, f32)> = Vec::with_capacity(claim.terms.len());
        for t in &claim.terms {
            match self.vocabulary.get(t) {
                Some(&id) => weights.push((Some(id), self.idf(id))),
                None => weights.push((None, self.unseen_weight())),
            }
        }
        let total: f32 = weights.iter().map(|(_, w)| w).sum();
        if total <= 0.0 || self.sentences.is_empty() {
            return Vec::new();
        }
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for &(id, w) in &weights {
            let Some(id) = id else { continue };
            let list = &self.postings[id as usize];
            if list.len() > MAX_POSTINGS {
                continue;
            }
            for &s in list {
                *scores.entry(s).or_default() += w;
            }
        }
        let mut best: Vec<(u32, f32)> = scores.into_iter().collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.truncate(limit);
        best.into_iter()
            .map(|(s, _)| {
                let s = s as usize;
                let first = s.saturating_sub(WINDOW);
                let last = (s + WINDOW).min(self.sentences.len() - 1);
                let present = |id: u32| {
                    (first..=last).any(|i| self.sentences[i].terms.binary_search(&id).is_ok())
                };
                let covered: f32 = weights
                    .iter()
                    .filter(|(id, _)| id.is_some_and(present))
                    .map(|(_, w)| w)
                    .sum();
                Passage {
                    first,
                    last,
                    best: s,
                    lexical: (covered / total).clamp(0.0, 1.0),
                }
            })
            .collect()
    }

    /// Facts of a passage (extracted on demand: most passages are never looked at).
    pub fn facts(&self, passage: &Passage) -> Facts {
        Facts::of(self.passage_text(passage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_passage_with_the_claims_words() {
        let index = SourceIndex::build(
            "https://example.org/a",
            "Bees pollinate crops. Honey sells well.\nThe survey counted 4,100 hives in Kent. Rain fell all spring.",
        );
        assert_eq!(index.sentences.len(), 4);
        let passages = index.passages(&ClaimTerms::of("A survey found 4,100 hives in Kent."), 3);
        assert_eq!(passages[0].best, 2);
        assert!(passages[0].lexical > 0.6, "{}", passages[0].lexical);
        assert!(index.passage_text(&passages[0]).contains("4,100 hives"));
        assert!(index
            .passages(&ClaimTerms::of("Quantum chromodynamics"), 3)
            .is_empty());
    }
}
