//! The resume manifest: for each slug, the key of the brief it was generated from and the
//! outcome. A rerun skips a brief whose key is unchanged and whose article is still on disk,
//! and redoes one whose brief (or model, or pressgate version) changed.
use super::output::write_atomic;
use super::report::{BriefStatus, ReportRow};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub row: ReportRow,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub entries: BTreeMap<String, Entry>,
    #[serde(skip)]
    path: PathBuf,
}

/// The manifest key of a brief: its content hash, what generates it (backend and model, seed,
/// gate settings) and the pressgate version.
pub fn key(brief_hash: &str, run_settings: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [brief_hash, run_settings, env!("CARGO_PKG_VERSION")] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

impl Manifest {
    /// The manifest in `out_dir`, empty when there is none. A corrupt one is an error rather
    /// than silently regenerating the whole batch.
    pub fn open(out_dir: &Path) -> Result<Manifest> {
        let path = out_dir.join(FILE_NAME);
        let mut manifest = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<Manifest>(&text).map_err(|e| {
                Error::input(
                    &path,
                    format!("corrupt manifest ({e}); delete it to start over"),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        manifest.path = path;
        Ok(manifest)
    }

    /// The finished row for `slug` when its key matches and its article still exists.
    /// Failed briefs are never finished: they are retried.
    pub fn finished(&self, slug: &str, key: &str, out_dir: &Path) -> Option<&ReportRow> {
        let entry = self.entries.get(slug)?;
        let done = entry.key == key
            && entry.row.status != BriefStatus::Failed
            && entry
                .row
                .output
                .as_ref()
                .is_some_and(|o| out_dir.join(o).is_file());
        done.then_some(&entry.row)
    }

    pub fn record(&mut self, slug: &str, key: &str, row: ReportRow) -> Result<()> {
        self.entries.insert(
            slug.to_string(),
            Entry {
                key: key.to_string(),
                row,
            },
        );
        self.save()
    }

    fn save(&self) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Other(e.into()))?;
        write_atomic(&self.path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_needs_same_key_and_existing_output() {
        let dir = tempfile::tempdir().expect("dir");
        let mut manifest = Manifest::open(dir.path()).expect("open");
        let row = ReportRow {
            slug: "a".into(),
            status: BriefStatus::Published,
            attempts: 1,
            words: 1,
            findings: Default::default(),
            supported_share: None,
            prompt_tokens: 0,
            generated_tokens: 0,
            seconds: 0.0,
            model_seconds: 0.0,
            output: Some("publish/a.md".into()),
            error: None,
            resumed: false,
        };
        manifest.record("a", "k1", row).expect("record");
        let reopened = Manifest::open(dir.path()).expect("reopen");
        assert!(
            reopened.finished("a", "k1", dir.path()).is_none(),
            "output missing"
        );
        write_atomic(&dir.path().join("publish/a.md"), b"x").expect("write");
        assert!(reopened.finished("a", "k1", dir.path()).is_some());
        assert!(reopened.finished("a", "k2", dir.path()).is_none());
        assert_ne!(key("h", "onnx"), key("h", "openai"));
        std::fs::write(dir.path().join(FILE_NAME), "{").expect("corrupt");
        assert!(Manifest::open(dir.path()).is_err());
    }
}
