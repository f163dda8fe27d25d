//! Where pages come from: the web through the shared [`Fetcher`] (safety checks, robots.txt,
//! politeness, retries), or a local folder of HTML read as if it were served.
use crate::sources::fetch::{FetchError, Fetcher, Probe, ProbeMethod};
use std::path::{Path, PathBuf};
use std::time::Instant;
use url::Url;

pub enum SiteSource<'a> {
    Web(&'a Fetcher),
    Local {
        /// Canonical folder path.
        root: PathBuf,
        /// `file://` URL of the folder, ending in `/`.
        root_url: Url,
        max_bytes: u64,
    },
}

impl SiteSource<'_> {
    /// A local folder as a site.
    pub fn local(dir: &Path, max_bytes: u64) -> Result<SiteSource<'static>, String> {
        let root = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let root_url = Url::from_directory_path(&root)
            .map_err(|_| format!("{}: not an absolute folder path", root.display()))?;
        Ok(SiteSource::Local {
            root,
            root_url,
            max_bytes,
        })
    }

    /// The folder URL for local sites (root-relative links resolve against it).
    pub fn local_root(&self) -> Option<&Url> {
        match self {
            SiteSource::Web(_) => None,
            SiteSource::Local { root_url, .. } => Some(root_url),
        }
    }

    /// GET a page with its body (2xx answers only).
    pub fn get(&self, url: &Url) -> Result<Probe, FetchError> {
        match self {
            SiteSource::Web(fetcher) => fetcher.probe(url.as_str(), ProbeMethod::Get, true),
            SiteSource::Local {
                root, max_bytes, ..
            } => read_local(root, url, *max_bytes),
        }
    }

    /// Fetch a sitemap: as [`SiteSource::get`], with the sitemap protocol's 50 MB limit instead
    /// of the page limit.
    pub fn get_sitemap(&self, url: &Url) -> Result<Probe, FetchError> {
        let limit = super::sitemap::MAX_SITEMAP_BYTES;
        match self {
            SiteSource::Web(fetcher) => {
                fetcher.probe_with_limit(url.as_str(), ProbeMethod::Get, true, limit)
            }
            SiteSource::Local { root, .. } => read_local(root, url, limit),
        }
    }

    /// Check a link target without its body: HEAD (GET when refused) on the web, existence
    /// for local files.
    pub fn head(&self, url: &Url) -> Result<Probe, FetchError> {
        match self {
            SiteSource::Web(fetcher) => fetcher.probe(url.as_str(), ProbeMethod::Head, false),
            SiteSource::Local { root, .. } => read_local(root, url, 0).map(|mut p| {
                p.body = None;
                p
            }),
        }
    }
}

/// Serve a file under `root` like a static web server: 200 with the body, 404 when missing.
/// `max_bytes == 0` only checks that the file exists.
fn read_local(root: &Path, url: &Url, max_bytes: u64) -> Result<Probe, FetchError> {
    let started = Instant::now();
    let path = url
        .to_file_path()
        .map_err(|_| FetchError::InvalidInput(url.to_string()))?;
    let probe =
        |status: u16, content_type: Option<String>, body: Option<Vec<u8>>, bytes: u64| Probe {
            url: url.to_string(),
            status,
            hops: Vec::new(),
            content_type,
            charset: None,
            x_robots_tag: None,
            body,
            bytes,
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
    let resolved = match path.canonicalize() {
        Ok(p) => p,
        Err(_) => return Ok(probe(404, None, None, 0)),
    };
    if !resolved.starts_with(root) {
        return Err(FetchError::File(format!(
            "{} is outside the audited folder",
            path.display()
        )));
    }
    if resolved.is_dir() {
        return Ok(probe(404, None, None, 0));
    }
    let content_type = match resolved
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        _ => "application/octet-stream",
    };
    let len = std::fs::metadata(&resolved)
        .map_err(|e| FetchError::File(format!("{}: {e}", resolved.display())))?
        .len();
    if max_bytes == 0 {
        return Ok(probe(200, Some(content_type.into()), None, len));
    }
    if len > max_bytes {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let body = std::fs::read(&resolved)
        .map_err(|e| FetchError::File(format!("{}: {e}", resolved.display())))?;
    Ok(probe(200, Some(content_type.into()), Some(body), len))
}

/// Every HTML file under `root` (sorted, at most `limit`), skipping hidden folders.
pub fn html_files(root: &Path, limit: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker.flatten() {
        let path = entry.path();
        let is_html = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if is_html && entry.file_type().is_some_and(|t| t.is_file()) {
            out.push(path.to_path_buf());
            if out.len() >= limit {
                break;
            }
        }
    }
    out
}
