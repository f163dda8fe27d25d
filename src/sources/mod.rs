//! The evidence layer, part 1: fetching sources safely, extracting their main text and
//! metadata, flagging instruction-like text, and chunking it for retrieval.
//!
//! ```text
//! input (URL or project file) ─▶ Fetcher::fetch ─▶ Fetched ─▶ extract ─▶ Extracted ─▶ chunk_text ─▶ [Chunk]
//! [Chunk] ─▶ index_store::open_or_build (MiniLmEmbedder) ─▶ HybridIndex ─▶ search_mmr ─▶ [Hit]
//! ```
pub mod cache;
pub mod chunk;
pub mod decode;
pub mod embed;
pub mod extract;
pub mod fetch;
pub mod for_document;
pub mod index;
pub mod index_store;
pub mod injection;
pub mod politeness;
pub mod retry;
pub mod robots;
pub mod safety;

pub use chunk::{chunk_text, Chunk, ChunkOptions, TokenCounter, WordEstimate};
pub use embed::MiniLmEmbedder;
pub use extract::{extract_html, extract_markdown, extract_text, Extracted, HeadingMark};
pub use fetch::{ContentKind, FetchError, FetchOptions, Fetched, Fetcher, Origin};
pub use index::{Embedder, Hit, HybridIndex};
pub use injection::{fence_for_prompt, InjectionFlag};

use sha2::{Digest, Sha256};

/// A fetched and extracted source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Stable id derived from the final URL (`src-` and 12 hex digits).
    pub id: String,
    pub fetched: Fetched,
    pub extracted: Extracted,
}

impl Source {
    /// Chunks of this source's text with the default sizes and the word-based token estimate.
    pub fn chunks(&self) -> Vec<Chunk> {
        chunk_text(
            &self.id,
            &self.extracted,
            &ChunkOptions::default(),
            &WordEstimate,
        )
    }
}

/// The id of a source at `url`.
pub fn source_id(url: &str) -> String {
    let digest = hex::encode(Sha256::digest(url.as_bytes()));
    format!("src-{}", &digest[..12])
}

/// Extract the text of a fetched body according to its kind.
pub fn extract(fetched: &Fetched) -> Extracted {
    let text = fetched.text();
    match fetched.kind {
        ContentKind::Html => {
            let base = url::Url::parse(&fetched.url).ok();
            extract_html(&text, base.as_ref())
        }
        ContentKind::Markdown => extract_markdown(&text),
        ContentKind::Text => extract_text(&text),
    }
}

/// Fetch and extract one source.
pub fn load(fetcher: &Fetcher, input: &str) -> Result<Source, FetchError> {
    let fetched = fetcher.fetch(input)?;
    Ok(from_fetched(fetched))
}

/// Extract an already fetched body into a [`Source`].
pub fn from_fetched(fetched: Fetched) -> Source {
    let extracted = extract(&fetched);
    Source {
        id: source_id(&fetched.url),
        fetched,
        extracted,
    }
}

/// Sources listed in a briefs CSV: the `sources` column, `;`-separated, in order, without
/// duplicates.
pub fn sources_from_briefs_csv(path: &std::path::Path) -> crate::Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| crate::Error::input(path, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| crate::Error::input(path, e.to_string()))?
        .clone();
    let column = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("sources"))
        .ok_or_else(|| crate::Error::input(path, "no `sources` column in the header"))?;
    let mut out: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| crate::Error::input(path, e.to_string()))?;
        for source in record.get(column).unwrap_or("").split(';') {
            let source = source.trim();
            if !source.is_empty() && !out.iter().any(|s| s == source) {
                out.push(source.to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn briefs_csv_sources_column() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("briefs.csv");
        std::fs::write(
            &path,
            "topic,sources\n\"Solar\",\"https://a.example/1; https://b.example/2\"\nWind,https://a.example/1\nEmpty,\n",
        )
        .expect("write");
        let sources = sources_from_briefs_csv(&path).expect("csv");
        assert_eq!(sources, vec!["https://a.example/1", "https://b.example/2"]);
        std::fs::write(&path, "topic,urls\nx,y\n").expect("write");
        assert!(sources_from_briefs_csv(&path).is_err());
    }

    #[test]
    fn ids_are_stable() {
        assert_eq!(
            source_id("https://a.example/"),
            source_id("https://a.example/")
        );
        assert_ne!(
            source_id("https://a.example/"),
            source_id("https://b.example/")
        );
        assert_eq!(source_id("x").len(), 16);
    }
}
