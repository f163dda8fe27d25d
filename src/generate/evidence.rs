//! A brief's evidence: its sources fetched, chunked and indexed (hybrid BM25 + embeddings, or
//! BM25 alone without the embedding model), numbered for citation, and searched per section.
use crate::error::{Error, Result};
use crate::sources::{self, index_store, Embedder, Fetcher, HybridIndex, Source};
use std::path::Path;

/// A source as the article cites it: `[number]` in the text, an entry in the references.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberedSource {
    /// 1-based, in the brief's order of the sources that could be loaded.
    pub number: usize,
    pub source_id: String,
    /// The page's canonical http(s) URL when it declares one, else the fetched URL.
    pub url: String,
    pub title: String,
}

/// One retrieved chunk, tagged with the number of its source.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceChunk {
    pub number: usize,
    pub text: String,
}

/// The embedding model and its id (for the index cache), shareable across worker threads.
pub type SharedEmbedder<'a> = (&'a (dyn Embedder + Sync), &'a str);

pub struct Evidence {
    pub sources: Vec<NumberedSource>,
    /// Every source of the brief, loaded or with the reason it could not be (for the fact check).
    pub loaded: Vec<Result<Source, String>>,
    index: HybridIndex,
}

fn reference_url(source: &Source) -> String {
    source
        .extracted
        .meta
        .canonical_url
        .as_deref()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map_or_else(|| source.fetched.url.clone(), str::to_string)
}

impl Evidence {
    /// Fetch and index the sources. Fails only when no source at all could be loaded.
    pub fn gather(
        source_inputs: &[String],
        fetcher: &Fetcher,
        embedder: Option<SharedEmbedder<'_>>,
        index_root: &Path,
    ) -> Result<Evidence> {
        let loaded: Vec<Result<Source, String>> = source_inputs
            .iter()
            .map(|input| sources::load(fetcher, input).map_err(|e| format!("{input}: {e}")))
            .collect();
        let mut numbered = Vec::new();
        let mut chunks = Vec::new();
        for source in loaded.iter().flatten() {
            if numbered
                .iter()
                .any(|n: &NumberedSource| n.source_id == source.id)
            {
                continue;
            }
            let url = reference_url(source);
            numbered.push(NumberedSource {
                number: numbered.len() + 1,
                source_id: source.id.clone(),
                title: source
                    .extracted
                    .meta
                    .title
                    .clone()
                    .unwrap_or_else(|| url.clone()),
                url,
            });
            chunks.extend(source.chunks());
        }
        if numbered.is_empty() {
            let reasons: Vec<&str> = loaded
                .iter()
                .filter_map(|r| r.as_ref().err())
                .map(String::as_str)
                .collect();
            return Err(Error::Other(anyhow::anyhow!(
                "no source could be loaded: {}",
                reasons.join("; ")
            )));
        }
        if chunks.is_empty() {
            return Err(Error::Other(anyhow::anyhow!(
                "the sources have no readable text"
            )));
        }
        let embedder = embedder.map(|(e, id)| (e as &dyn Embedder, id));
        let (index, _reused) = index_store::open_or_build(index_root, chunks, embedder)?;
        Ok(Evidence {
            sources: numbered,
            loaded,
            index,
        })
    }

    /// The `k` best chunks for `query` (MMR, so they are not near-copies of each other).
    pub fn retrieve(
        &self,
        query: &str,
        k: usize,
        embedder: Option<SharedEmbedder<'_>>,
    ) -> Vec<EvidenceChunk> {
        let embedder = embedder
            .filter(|_| self.index.has_vectors())
            .map(|(e, _)| e as &dyn Embedder);
        let hits = self
            .index
            .search_mmr(query, k, embedder, sources::index::DEFAULT_MMR_LAMBDA)
            // A failing embedder leaves the lexical ranking, which always works.
            .or_else(|_| {
                self.index
                    .search_mmr(query, k, None, sources::index::DEFAULT_MMR_LAMBDA)
            })
            .unwrap_or_default();
        hits.iter()
            .filter_map(|hit| self.index.chunks().get(hit.chunk))
            .filter_map(|chunk| {
                let number = self
                    .sources
                    .iter()
                    .find(|s| s.source_id == chunk.source_id)?
                    .number;
                Some(EvidenceChunk {
                    number,
                    text: chunk.text.clone(),
                })
            })
            .collect()
    }

    /// Headings found in the sources, in order and without repeats (an outline fallback).
    pub fn source_headings(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for source in self.loaded.iter().flatten() {
            for mark in &source.extracted.headings {
                if mark.level >= 2 && !out.iter().any(|h| h.eq_ignore_ascii_case(&mark.text)) {
                    out.push(mark.text.clone());
                }
            }
        }
        out
    }

    /// The loaded sources in the order of an article's references list, as the fact check
    /// wants them (`[i+1]` is element `i`).
    pub fn for_references(&self, references: &[NumberedSource]) -> Vec<Result<Source, String>> {
        references
            .iter()
            .map(|r| {
                self.loaded
                    .iter()
                    .find_map(|s| match s {
                        Ok(source) if source.id == r.source_id => Some(Ok(source.clone())),
                        _ => None,
                    })
                    .unwrap_or_else(|| Err(format!("{} was not loaded", r.url)))
            })
            .collect()
    }
}
