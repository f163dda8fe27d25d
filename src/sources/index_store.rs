//! Persisting a [`HybridIndex`] under a batch directory, keyed by a hash of its chunks and the
//! embedding model, so `generate`, `verify` and reruns reuse it instead of re-embedding.
//!
//! Layout: `BATCH/index/HASH/index.json` (chunks and BM25 statistics) and, when the index has
//! vectors, `vectors.f32` (row-major f32, little-endian); `last-used` is an empty file whose
//! modification time says when a run last opened the index.
//!
//! Pruning: each [`open_or_build`] keeps the index it opened and the [`KEEP_RECENT`] most
//! recently used others, and deletes older ones (and staging folders of crashed runs older
//! than [`STALE_STAGING`]). A folder is first renamed to a hidden trash name, then deleted, so a
//! concurrent run sees either the whole index or none (and then rebuilds it); every race
//! (a folder already gone, renamed or being written) is ignored.
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
const USED_FILE: &str = "last-used";
/// Indexes kept besides the one in use: enough for a few alternating runs (another model, a
/// changed source) to reuse theirs, small enough that a batch dir stays bounded.
pub const KEEP_RECENT: usize = 3;
/// Age after which a staging or trash folder is taken to belong to a crashed run.
pub const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(3600);
const STAGING_PREFIX: &str = ".index-";
const TRASH_PREFIX: &str = ".trash-";

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
        .prefix(STAGING_PREFIX)
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
            Ok(index) => {
                housekeeping(batch_dir, &dir);
                return Ok((index, true));
            }
            Err(e) => eprintln!("warning: rebuilding the index: {e}"),
        }
    }
    let index = HybridIndex::build(chunks, embedder.map(|(e, _)| e))
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot build the index: {e}")))?;
    save(&index, &dir)?;
    housekeeping(batch_dir, &dir);
    Ok((index, false))
}

/// Mark `in_use` as used now and prune the others. Both are optimisations: a failure only
/// leaves an extra folder behind, so it must not fail the run.
fn housekeeping(batch_dir: &Path, in_use: &Path) {
    let _ = mark_used(in_use);
    let _ = prune(batch_dir, in_use, KEEP_RECENT);
}

/// Record that a run used the index in `dir` now.
pub fn mark_used(dir: &Path) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(USED_FILE))?;
    file.set_modified(std::time::SystemTime::now())
}

/// When the index in `dir` was last used: its `last-used` mark, else the folder's own time.
fn last_used(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(dir.join(USED_FILE))
        .or_else(|_| std::fs::metadata(dir))
        .and_then(|m| m.modified())
        .ok()
}

/// Delete the indexes under `batch_dir` other than `in_use` and the `keep` most recently used
/// others, and staging or trash folders older than [`STALE_STAGING`]. Returns how many
/// folders it deleted. Safe to run from several processes at once.
pub fn prune(batch_dir: &Path, in_use: &Path, keep: usize) -> std::io::Result<usize> {
    let root = batch_dir.join("index");
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = std::time::SystemTime::now();
    let in_use_name = in_use.file_name();
    let mut indexes: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    let mut stale: Vec<PathBuf> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if Some(name.as_os_str()) == in_use_name || !path.is_dir() {
            continue;
        }
        let name = name.to_string_lossy();
        if name.starts_with(STAGING_PREFIX) || name.starts_with(TRASH_PREFIX) {
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok());
            if age.is_some_and(|age| age > STALE_STAGING) {
                stale.push(path);
            }
        } else if let Some(used) = last_used(&path) {
            indexes.push((used, path));
        }
    }
    // Newest first; ties broken by name so concurrent pruners agree on what to keep.
    indexes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut removed = 0;
    for path in indexes.into_iter().skip(keep).map(|(_, p)| p).chain(stale) {
        if remove_whole(&root, &path) {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Rename `path` to a trash name, then delete it; false when another process got there first.
fn remove_whole(root: &Path, path: &Path) -> bool {
    let is_trash = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(TRASH_PREFIX));
    let target = if is_trash {
        path.to_path_buf()
    } else {
        let Some(name) = path.file_name() else {
            return false;
        };
        // The process id keeps two pruners' trash names apart; only one rename can succeed.
        let trash = root.join(format!(
            "{TRASH_PREFIX}{}-{}",
            std::process::id(),
            name.to_string_lossy()
        ));
        if std::fs::rename(path, &trash).is_err() {
            return false;
        }
        trash
    };
    std::fs::remove_dir_all(&target).is_ok()
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

    fn set_used(dir: &Path, secs_ago: u64) {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(USED_FILE))
            .expect("mark");
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago);
        file.set_modified(when).expect("set time");
    }

    fn index_names(batch: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(batch.join("index"))
            .expect("read index dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn old_indexes_are_pruned_but_never_the_one_in_use() {
        let batch = tempfile::tempdir().expect("temp dir");
        // Six indexes of different chunks; index i was last used (10 - i) hours ago, so the
        // first is the oldest.
        let sets: Vec<Vec<Chunk>> = (0..6)
            .map(|i| vec![chunk(i, &format!("text number {i}"))])
            .collect();
        let mut dirs = Vec::new();
        for (i, chunks) in sets.iter().enumerate() {
            open_or_build(batch.path(), chunks.clone(), None).expect("build");
            let dir = index_dir(batch.path(), &content_hash(chunks, None));
            set_used(&dir, (10 - i as u64) * 3600);
            dirs.push(dir);
        }
        // The last build pruned down to itself plus KEEP_RECENT others; set the times again
        // for what survived and rebuild the deleted ones.
        for (i, chunks) in sets.iter().enumerate() {
            if !dirs[i].exists() {
                save(
                    &HybridIndex::build(chunks.clone(), None).expect("build"),
                    &dirs[i],
                )
                .expect("save");
            }
            set_used(&dirs[i], (10 - i as u64) * 3600);
        }
        assert_eq!(index_names(batch.path()).len(), 6);
        // A stale staging folder of a crashed run, and a fresh one of a run in progress.
        let stale = batch.path().join("index").join(".index-crashed");
        let fresh = batch.path().join("index").join(".index-writing");
        for dir in [&stale, &fresh] {
            std::fs::create_dir_all(dir).expect("staging");
        }
        std::fs::File::open(&stale)
            .expect("open")
            .set_modified(std::time::SystemTime::now() - 2 * STALE_STAGING)
            .expect("age");

        // Opening the OLDEST index keeps it (in use) and the three most recent others.
        let (_, reused) = open_or_build(batch.path(), sets[0].clone(), None).expect("reuse");
        assert!(reused);
        let mut expected: Vec<String> = [0, 3, 4, 5]
            .iter()
            .map(|&i| content_hash(&sets[i], None))
            .collect();
        expected.push(".index-writing".into());
        expected.sort();
        assert_eq!(index_names(batch.path()), expected);
        // The reused index was marked as used just now.
        let used = last_used(&dirs[0]).expect("mark");
        assert!(used.elapsed().expect("clock") < std::time::Duration::from_secs(60));
        // Nothing left to prune; keep = 0 removes every other index but still not the one
        // in use, nor the fresh staging folder.
        assert_eq!(
            prune(batch.path(), &dirs[0], KEEP_RECENT).expect("prune"),
            0
        );
        assert_eq!(prune(batch.path(), &dirs[0], 0).expect("prune"), 3);
        let mut expected = vec![content_hash(&sets[0], None), ".index-writing".into()];
        expected.sort();
        assert_eq!(index_names(batch.path()), expected);
        assert!(load(&dirs[0]).is_ok());
    }

    #[test]
    fn concurrent_pruners_agree_and_do_not_fail() {
        let batch = tempfile::tempdir().expect("temp dir");
        let mut dirs = Vec::new();
        for i in 0..8 {
            let chunks = vec![chunk(i, &format!("text number {i}"))];
            let dir = index_dir(batch.path(), &content_hash(&chunks, None));
            save(&HybridIndex::build(chunks, None).expect("build"), &dir).expect("save");
            set_used(&dir, 100 - i as u64);
            dirs.push(dir);
        }
        let in_use = dirs[7].clone();
        let removed: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| prune(batch.path(), &in_use, 2).expect("prune")))
                .collect();
            workers.into_iter().map(|w| w.join().expect("thread")).sum()
        });
        // Each of the five surplus folders was deleted exactly once, by whichever got it.
        assert_eq!(removed, 5);
        let mut expected: Vec<String> = dirs[5..]
            .iter()
            .map(|d| d.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        expected.sort();
        assert_eq!(index_names(batch.path()), expected);
        // A batch dir without any index is fine.
        let empty = tempfile::tempdir().expect("temp dir");
        assert_eq!(prune(empty.path(), &in_use, 2).expect("prune"), 0);
    }
}
