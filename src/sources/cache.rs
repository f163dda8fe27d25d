//! On-disk HTTP cache: `<dir>/<sha256(url)>.body` and `.json` (metadata), each written
//! atomically, with the validators (ETag, Last-Modified) needed to revalidate on the next run.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What is stored next to a cached body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheMeta {
    pub url: String,
    pub status: u16,
    pub content_type: String,
    #[serde(default)]
    pub charset: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// RFC 3339 time of the last full or revalidated fetch.
    pub fetched_at: String,
    pub body_len: u64,
    /// RFC 3339 time until which the entry may be used without asking the server (from
    /// `Cache-Control: max-age` or `Expires`); `None`: revalidate before every use.
    #[serde(default)]
    pub fresh_until: Option<String>,
}

impl CacheMeta {
    /// Whether the entry can be revalidated with a conditional request.
    pub fn has_validators(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    /// Whether the entry may still be used at `now` without a request.
    pub fn is_fresh(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.fresh_until
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|until| now < until)
    }
}

/// The data dir's HTTP cache folder: `cache/http` under the one data dir of pressgate.
pub fn default_cache_dir() -> Option<PathBuf> {
    Some(crate::paths::data_dir().join("cache").join("http"))
}

#[derive(Debug, Clone)]
pub struct HttpCache {
    dir: PathBuf,
}

impl HttpCache {
    pub fn new(dir: impl Into<PathBuf>) -> HttpCache {
        HttpCache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key(url: &str) -> String {
        hex::encode(Sha256::digest(url.as_bytes()))
    }

    fn paths(&self, url: &str) -> (PathBuf, PathBuf) {
        let key = Self::key(url);
        (
            self.dir.join(format!("{key}.json")),
            self.dir.join(format!("{key}.body")),
        )
    }

    /// The cached metadata and body for `url`, if both are present, readable and consistent.
    pub fn load(&self, url: &str) -> Option<(CacheMeta, Vec<u8>)> {
        let (meta_path, body_path) = self.paths(url);
        let meta: CacheMeta = serde_json::from_slice(&std::fs::read(meta_path).ok()?).ok()?;
        let body = std::fs::read(body_path).ok()?;
        // A body written by another entry or cut short is treated as a miss.
        (meta.url == url && meta.body_len == body.len() as u64).then_some((meta, body))
    }

    /// Store `body` and `meta` for `url`. The body goes first, so a reader never sees new
    /// metadata with an old body of a different length.
    pub fn store(&self, meta: &CacheMeta, body: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let (meta_path, body_path) = self.paths(&meta.url);
        write_atomic(&self.dir, &body_path, body)?;
        let json = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
        write_atomic(&self.dir, &meta_path, &json)
    }

    /// Refresh only the metadata (after a 304).
    pub fn touch(&self, meta: &CacheMeta) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let (meta_path, _) = self.paths(&meta.url);
        let json = serde_json::to_vec_pretty(meta).map_err(std::io::Error::other)?;
        write_atomic(&self.dir, &meta_path, &json)
    }
}

/// Write to a temporary file in the same folder, then rename over the target.
fn write_atomic(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(url: &str, len: usize) -> CacheMeta {
        CacheMeta {
            url: url.into(),
            status: 200,
            content_type: "text/html".into(),
            charset: None,
            etag: Some("\"v1\"".into()),
            last_modified: None,
            fetched_at: "2026-01-01T00:00:00Z".into(),
            body_len: len as u64,
            fresh_until: None,
        }
    }

    #[test]
    fn stores_and_loads_by_url() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = HttpCache::new(dir.path().join("http"));
        assert!(cache.load("https://a.example/").is_none());
        cache
            .store(&meta("https://a.example/", 5), b"hello")
            .expect("store");
        let (m, body) = cache.load("https://a.example/").expect("hit");
        assert_eq!(body, b"hello");
        assert!(m.has_validators());
        assert!(cache.load("https://b.example/").is_none());
        // Exactly one body and one metadata file, no temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(cache.dir())
            .expect("read dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn inconsistent_entry_is_a_miss() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cache = HttpCache::new(dir.path());
        cache
            .store(&meta("https://a.example/", 99), b"short")
            .expect("store");
        assert!(cache.load("https://a.example/").is_none());
    }

    #[test]
    fn freshness_needs_a_future_time() {
        let now = chrono::Utc::now();
        let mut m = meta("https://a.example/", 0);
        assert!(!m.is_fresh(now));
        m.fresh_until = Some((now + chrono::Duration::seconds(60)).to_rfc3339());
        assert!(m.is_fresh(now));
        assert!(!m.is_fresh(now + chrono::Duration::seconds(61)));
        m.fresh_until = Some("yesterday".into());
        assert!(!m.is_fresh(now));
        // Entries written before the field existed still load.
        let old = r#"{"url":"u","status":200,"content_type":"text/plain","etag":null,
            "last_modified":null,"fetched_at":"2026-01-01T00:00:00Z","body_len":0}"#;
        let parsed: CacheMeta = serde_json::from_str(old).expect("old entry");
        assert_eq!(parsed.fresh_until, None);
    }
}
