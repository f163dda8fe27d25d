//! Persisting a [`HybridIndex`] under a batch directory, keyed by a hash of its chunks and the
//! embedding model, so `generate`, `verify` and reruns reuse it instead of re-embedding.
//!
//! Layout: `BATCH/index/HASH/index.json` (chunks and BM25 statistics) and, when the index has
//! vectors, `vectors.f32` (row-major f32, little-endian).
use super::chunk::Chunk;
use super::index::{Embedder, HybridIndex};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bumped when the stored layout changes, so old directories are rebuilt, never misread.
const FORMAT: u32 = 1;
const META_FILE: &str = "index.json";
const VECTORS_FILE: &str = "vectors.f32";

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredIndex {
    format: u32,
    chunks: Vec<Chunk>,
    term_freqs: Vec<HashMap<String, usize>>,
    doc_lens: Vec<usize>,
    doc_freq: HashMap<String, usize>,
    avg_len: f64,
    /// Vector dimension; 0 when the index is lexical only.
    dim: usize,
}

/// Hash of everything the index is built from: each chunk's source, span and text, and the
/// embedding model's id (`None`: lexical only).
pub fn content_hash(chunks: &[Chunk], model_id: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(FORMAT.to_le_bytes());
    hasher.update(model_id.unwrap_or("-").as_bytes());
    for chunk in chunks {
        for part in [chunk.source_id.as_bytes(), chunk.text.as_bytes()] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        hasher.update((chunk.span.start as u64).to_le_bytes());
        hasher.update((chunk.span.end as u64).to_le_bytes());
    }
    hex::encode(&hasher.finalize()[..12])
}

/// The directory an index with `hash` lives in under `batch_dir`.
pub fn index_dir(batch_dir: &Path, hash: &str) -> PathBuf {
    batch_dir.join("index").join(hash)
}

/// Write `index` into `dir` (created; an existing index there is replaced whole).
pub fn save(index: &HybridIndex, dir: &Path) -> Result<()> {
    let io = |path: &Path, e: std::io::Error| Error::input(path, e.to_string());
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    // Written into a sibling and renamed, so a reader never sees half an index.
    let staging = tempfile::Builder::new()
        .prefix(".index-")
        .tempdir_in(parent)
        .map_err(|e| io(parent, e))?;
    let dim = index
        .vectors
        .as_ref()
        .and_then(|v| v.first())
        .map_or(0, Vec::len);
    let stored = StoredIndex {
        format: FORMAT,
        chunks: index.chunks.clone(),
        term_freqs: index.term_freqs.clone(),
        doc_lens: index.doc_lens.clone(),
        doc_freq: index.doc_freq.clone(),
        avg_len: index.avg_len,
        dim,
    };
    let meta_path = staging.path().join(META_FILE);
    let json = serde_json::to_vec(&stored).map_err(|e| Error::Other(e.into()))?;
    std::fs::write(&meta_path, json).map_err(|e| io(&meta_path, e))?;
    if let Some(vectors) = &index.vectors {
        let mut bytes = Vec::with_capacity(vectors.len() * dim * 4);
        for value in vectors.iter().flatten() {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        let path = staging.path().join(VECTORS_FILE);
        std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| io(dir, e))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dir).map_err(|e| io(dir, e))?;
    Ok(())
}

/// Read an index written by [`save`]; any inconsistency is an error (callers rebuild).
pub fn load(dir: &Path) -> Result<HybridIndex> {
    let meta_path = dir.join(META_FILE);
    let bytes = std::fs::read(&meta_path).map_err(|e| Error::input(&meta_path, e.to_string()))?;
    let stored: StoredIndex = serde_json::from_slice(&bytes)
        .map_err(|e| Error::input(&meta_path, format!("not a stored index: {e}")))?;
    let count = stored.chunks.len();
    if stored.format != FORMAT || stored.term_freqs.len() != count || stored.doc_lens.len() != count
    {
        return Err(Error::input(
            &meta_path,
            "stored index is inconsistent or from another version",
        ));
    }
    let vectors = if stored.dim == 0 {
        None
    } else {
        let path = dir.join(VECTORS_FILE);
        let raw = std::fs::read(&path).map_err(|e| Error::input(&path, e.to_string()))?;
        if raw.len() != count * stored.dim * 4 {
            return Err(Error::input(
                &path,
                format!(
                    "expected {} bytes of vectors, found {}",
                    count * stored.dim * 4,
                    raw.len()
                ),
            ));
        }
        let values: Vec<f32> = raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Some(values.chunks(stored.dim).map(<[f32]>::to_vec).collect())
    };
    Ok(HybridIndex {
        chunks: stored.chunks,
        term_freqs: stored.term_freqs,
        doc_lens: stored.doc_lens,
        doc_freq: stored.doc_freq,
        avg_len: stored.avg_len,
        vectors,
    })
}

/// An index of `chunks` from `batch_dir` when one with the same content hash is stored there,
/// else built (embedding with `embedder`, identified by its model id) and stored. Returns the
/// index and whether it was reused.
pub fn open_or_build(
    batch_dir: &Path,
    chunks: Vec<Chunk>,
    embedder: Option<(&dyn Embedder, &str)>,
) -> Result<(HybridIndex, bool)> {
    let hash = content_hash(&chunks, embedder.map(|(_, id)| id));
    let dir = index_dir(batch_dir, &hash);
    if dir.join(META_FILE).is_file() {
        match load(&dir) {
            Ok(index) => return Ok((index, true)),
            Err(e) => eprintln!("warning: rebuilding the index: {e}"),
        }
    }
    let index = HybridIndex::build(chunks, embedder.map(|(e, _)| e))
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot build the index: {e}")))?;
    save(&index, &dir)?;
    Ok((index, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Span;
    use std::cell::Cell;

    fn chunk(i: usize, text: &str) -> Chunk {
        Chunk {
            source_id: format!("src-{i}"),
            index: 0,
            span: Span::new(0, text.len()),
            text: text.to_string(),
            heading_path: vec!["Top".into()],
            tokens: 3,
        }
    }

    /// Counts its calls, so a test can tell a reuse from a rebuild.
    struct CountingEmbedder(Cell<usize>);
    impl Embedder for CountingEmbedder {
        fn embed(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
            self.0.set(self.0.get() + 1);
            Ok(texts
                .iter()
                .map(|t| vec![t.len() as f32, 1.0, -0.5])
                .collect())
        }
    }

    #[test]
    fn rerun_reuses_the_stored_index() {
        let batch = tempfile::tempdir().expect("temp dir");
        let chunks = vec![
            chunk(0, "bike lanes approved"),
            chunk(1, "sourdough at altitude"),
        ];
        let embedder = CountingEmbedder(Cell::new(0));
        let (first, reused) =
            open_or_build(batch.path(), chunks.clone(), Some((&embedder, "m1"))).expect("build");
        assert!(!reused);
        assert_eq!(embedder.0.get(), 1);
        let (second, reused) =
            open_or_build(batch.path(), chunks.clone(), Some((&embedder, "m1"))).expect("reuse");
        assert!(reused);
        assert_eq!(embedder.0.get(), 1, "a rerun must not embed again");
        assert_eq!(second.chunks(), first.chunks());
        assert_eq!(second.vectors, first.vectors);
        assert_eq!(second.doc_freq, first.doc_freq);
        assert_eq!(second.lexical("bike lanes"), first.lexical("bike lanes"),);
        // Another model or other chunks give another key.
        let (_, reused) =
            open_or_build(batch.path(), chunks.clone(), Some((&embedder, "m2"))).expect("m2");
        assert!(!reused);
        let (lexical, reused) =
            open_or_build(batch.path(), chunks[..1].to_vec(), None).expect("lex");
        assert!(!reused && !lexical.has_vectors());
        let (lexical, reused) =
            open_or_build(batch.path(), chunks[..1].to_vec(), None).expect("lex");
        assert!(reused && !lexical.has_vectors());
    }

    #[test]
    fn damaged_store_is_rebuilt() {
        let batch = tempfile::tempdir().expect("temp dir");
        let chunks = vec![chunk(0, "bike lanes approved")];
        let embedder = CountingEmbedder(Cell::new(0));
        open_or_build(batch.path(), chunks.clone(), Some((&embedder, "m"))).expect("build");
        let dir = index_dir(batch.path(), &content_hash(&chunks, Some("m")));
        std::fs::write(dir.join(VECTORS_FILE), [1u8, 2, 3]).expect("truncate");
        assert!(load(&dir).is_err());
        let (index, reused) =
            open_or_build(batch.path(), chunks, Some((&embedder, "m"))).expect("rebuild");
        assert!(!reused && index.has_vectors());
        std::fs::write(dir.join(META_FILE), "{").expect("garble");
        assert!(load(&dir).is_err());
    }
}
