//! Fetching one source: a URL over http(s) or a file in the project, with every safety check,
//! limit, robots.txt, politeness, retries and the revalidating HTTP cache applied.
mod options;
mod outcome;
mod probe;
mod response;
mod robots_txt;

pub use options::{FetchOptions, USER_AGENT};
pub use outcome::{kind_of, ContentKind, FetchError, Fetched, Origin};
pub use probe::{Probe, ProbeHop, ProbeMethod};

use super::cache::{CacheMeta, HttpCache};
use super::politeness::HostGate;
use super::retry;
use super::robots::Robots;
use super::safety;
use reqwest::header;
use response::{
    classify, error_chain, header_string, host_key, is_redirect, looks_binary, looks_like_host,
    media_type, path_and_query, read_limited, redirect_target,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use url::Url;

/// Fetches sources; share one per run so robots.txt, politeness and connections are shared.
pub struct Fetcher {
    options: FetchOptions,
    client: reqwest::blocking::Client,
    /// The async client and the one runtime its connections live on, made on the first
    /// probe (`pressgate sources fetch` never needs them).
    probing: std::sync::OnceLock<Result<Probing, FetchError>>,
    cache: Option<HttpCache>,
    gate: HostGate,
    /// One slot per origin; a worker loading robots.txt holds the slot's lock, so the other
    /// workers for that origin wait for its answer instead of fetching it again.
    robots: Mutex<HashMap<String, RobotsSlot>>,
}

/// An async mutex: a probe waiting for another's robots.txt must not block the thread the
/// other's request runs on.
type RobotsSlot = Arc<tokio::sync::Mutex<Option<Arc<Robots>>>>;

/// What probes run on: one current-thread runtime, and a client whose pooled connections are
/// tasks of that runtime (so every probe must run on it).
struct Probing {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

/// Apply the settings both clients share to a blocking or an async client builder.
macro_rules! configure_client {
    ($builder:expr, $options:expr, $certs:expr) => {{
        let mut builder = $builder;
        for cert in $certs {
            builder = builder.add_root_certificate(cert.clone());
        }
        builder
            .user_agent($options.user_agent.clone())
            // Redirects are followed by hand so each hop gets the scheme, address and
            // robots checks.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the host itself and bypass the address check.
            .no_proxy()
            .connect_timeout($options.connect_timeout)
            .timeout($options.timeout)
            .dns_resolver(safety::resolver($options.allow_private))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Client(error_chain(&e)))
    }};
}

/// Outcome of one request that did not fail.
enum Hop {
    Redirect(Url),
    Done(Box<Fetched>),
}

/// The certificates of every `--ca-cert` file.
fn extra_roots(options: &FetchOptions) -> Result<Vec<reqwest::Certificate>, FetchError> {
    let mut certs = Vec::new();
    for path in &options.extra_root_certs {
        certs.extend(read_root_certs(path)?);
    }
    Ok(certs)
}

/// The certificates of a PEM file (one or a bundle); a file without any is an error, since a
/// mistyped `--ca-cert` would otherwise fail later as an unexplained certificate error.
fn read_root_certs(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, FetchError> {
    let pem = std::fs::read(path)
        .map_err(|e| FetchError::Client(format!("CA certificate {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        FetchError::Client(format!(
            "CA certificate {}: {}",
            path.display(),
            error_chain(&e)
        ))
    })?;
    if certs.is_empty() {
        return Err(FetchError::Client(format!(
            "CA certificate {}: no PEM certificate in the file",
            path.display()
        )));
    }
    Ok(certs)
}

impl Fetcher {
    pub fn new(options: FetchOptions) -> Result<Fetcher, FetchError> {
        let client = configure_client!(
            reqwest::blocking::Client::builder(),
            options,
            &extra_roots(&options)?
        )?;
        Ok(Fetcher {
            probing: std::sync::OnceLock::new(),
            cache: options.cache_dir.clone().map(HttpCache::new),
            gate: HostGate::new(options.host_delay, options.host_concurrency),
            robots: Mutex::new(HashMap::new()),
            client,
            options,
        })
    }

    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    fn probing(&self) -> Result<&Probing, FetchError> {
        self.probing
            .get_or_init(|| {
                let client = configure_client!(
                    reqwest::Client::builder(),
                    self.options,
                    &extra_roots(&self.options)?
                )?;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                    .map_err(|e| FetchError::Client(format!("async runtime: {e}")))?;
                Ok(Probing { runtime, client })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The async client of [`Fetcher::probe_async`]; only usable inside [`Fetcher::block_on`].
    pub(super) fn async_client(&self) -> Result<&reqwest::Client, FetchError> {
        self.probing().map(|p| &p.client)
    }

    /// Run `future` (probes, or a loop driving many) to its end on the fetcher's runtime,
    /// which every probe must run on. Several threads may call this at once: one drives the
    /// runtime's I/O for all of them. Not to be called from inside a future it runs.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> Result<F::Output, FetchError> {
        Ok(self.probing()?.runtime.block_on(future))
    }

    /// Fetch one source: an `http(s)://` URL, a `file://` URL or a path inside the project.
    pub fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        let input_trimmed = input.trim();
        if input_trimmed.is_empty() {
            return Err(FetchError::InvalidInput(input.to_string()));
        }
        if input_trimmed.contains("://") {
            let url = Url::parse(input_trimmed)
                .map_err(|e| FetchError::InvalidInput(format!("{input_trimmed}: {e}")))?;
            match url.scheme() {
                "http" | "https" => self.fetch_remote(input_trimmed, url),
                "file" => {
                    let path = url
                        .to_file_path()
                        .map_err(|_| FetchError::InvalidInput(input_trimmed.to_string()))?;
                    self.read_local(input_trimmed, &path)
                }
                other => Err(FetchError::UnsupportedScheme(other.to_string())),
            }
        } else {
            let path = Path::new(input_trimmed);
            if looks_like_host(input_trimmed) && !self.options.project_root.join(path).exists() {
                return Err(FetchError::InvalidInput(format!(
                    "{input_trimmed} is not a file in the project; write web sources with https://"
                )));
            }
            self.read_local(input_trimmed, path)
        }
    }

    /// Fetch many sources with `workers` threads (politeness still applies per host); results
    /// come back in input order and `on_done` is called as each one finishes.
    pub fn fetch_all(
        &self,
        inputs: &[String],
        workers: usize,
        on_done: &(dyn Fn(usize, &Result<Fetched, FetchError>) + Sync),
    ) -> Vec<Result<Fetched, FetchError>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Result<Fetched, FetchError>>>> =
            Mutex::new((0..inputs.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..workers.clamp(1, inputs.len().max(1)) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let result = self.fetch(input);
                    on_done(i, &result);
                    let mut slots = results.lock().unwrap_or_else(|e| e.into_inner());
                    slots[i] = Some(result);
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .zip(inputs)
            .map(|(slot, input)| {
                slot.unwrap_or_else(|| Err(FetchError::Network(format!("{input}: not fetched"))))
            })
            .collect()
    }

    fn read_local(&self, requested: &str, path: &Path) -> Result<Fetched, FetchError> {
        let kind = match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("html" | "htm") => ContentKind::Html,
            Some("md" | "markdown") => ContentKind::Markdown,
            Some("txt") => ContentKind::Text,
            _ => {
                return Err(FetchError::NotText(format!(
                    "{} (local sources must be .html, .md or .txt)",
                    path.display()
                )))
            }
        };
        let resolved =
            safety::local_path_under(path, &self.options.project_root).map_err(FetchError::File)?;
        let len = std::fs::metadata(&resolved)
            .map_err(|e| FetchError::File(format!("{}: {e}", resolved.display())))?
            .len();
        if len > self.options.max_bytes {
            return Err(FetchError::TooLarge(self.options.max_bytes));
        }
        let body = std::fs::read(&resolved)
            .map_err(|e| FetchError::File(format!("{}: {e}", resolved.display())))?;
        let url = Url::from_file_path(&resolved)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| resolved.display().to_string());
        let content_type = match kind {
            ContentKind::Html => "text/html",
            ContentKind::Markdown => "text/markdown",
            ContentKind::Text => "text/plain",
        };
        Ok(Fetched {
            requested: requested.to_string(),
            url,
            status: 200,
            content_type: content_type.into(),
            charset: None,
            kind,
            body,
            origin: Origin::File,
            redirects: Vec::new(),
            attempts: 1,
        })
    }

    fn fetch_remote(&self, requested: &str, start: Url) -> Result<Fetched, FetchError> {
        let mut url = start;
        let mut visited: HashSet<String> = HashSet::new();
        let mut redirects: Vec<String> = Vec::new();
        loop {
            self.check_target(&url)?;
            if !visited.insert(url.as_str().to_string()) {
                return Err(FetchError::RedirectLoop(url.to_string()));
            }
            if self.options.respect_robots
                && !self.robots_for(&url)?.is_allowed(&path_and_query(&url))
            {
                return Err(FetchError::RobotsDisallowed);
            }
            match self.request(&url)? {
                Hop::Redirect(next) => {
                    if redirects.len() >= self.options.max_redirects {
                        return Err(FetchError::TooManyRedirects(self.options.max_redirects));
                    }
                    redirects.push(url.to_string());
                    url = next;
                }
                Hop::Done(mut fetched) => {
                    fetched.requested = requested.to_string();
                    fetched.redirects = redirects;
                    return Ok(*fetched);
                }
            }
        }
    }

    /// Scheme and literal-address checks, done for the first URL and every redirect target.
    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::UnsupportedScheme(url.scheme().to_string()));
        }
        if url.host().is_none() {
            return Err(FetchError::InvalidInput(url.to_string()));
        }
        if let Some(ip) = safety::literal_ip(url) {
            let host = url.host_str().unwrap_or_default();
            safety::check_ip(host, ip, self.options.allow_private)
                .map_err(FetchError::PrivateAddress)?;
        }
        Ok(())
    }

    /// One hop: the request with retries on 429/5xx, conditional when a cached copy exists.
    fn request(&self, url: &Url) -> Result<Hop, FetchError> {
        let cached = self
            .cache
            .as_ref()
            .and_then(|cache| cache.load(url.as_str()))
            .filter(|(meta, _)| meta.has_validators());
        let host = host_key(url);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let permit = self.gate.acquire(&host);
            let mut request = self.client.get(url.clone()).header(
                header::ACCEPT,
                "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.1",
            );
            if let Some((meta, _)) = &cached {
                if let Some(etag) = &meta.etag {
                    request = request.header(header::IF_NONE_MATCH, etag);
                }
                if let Some(modified) = &meta.last_modified {
                    request = request.header(header::IF_MODIFIED_SINCE, modified);
                }
            }
            let response = request.send().map_err(classify)?;
            let status = response.status().as_u16();

            if is_redirect(status) {
                return Ok(Hop::Redirect(redirect_target(url, response.headers())?));
            }
            if status == 304 {
                if let Some((mut meta, body)) = cached {
                    meta.fetched_at = chrono::Utc::now().to_rfc3339();
                    if let Some(cache) = &self.cache {
                        // A failed metadata refresh only costs a full fetch next time.
                        let _ = cache.touch(&meta);
                    }
                    let kind = kind_of(&meta.content_type).unwrap_or(ContentKind::Html);
                    return Ok(Hop::Done(Box::new(Fetched {
                        requested: String::new(),
                        url: url.to_string(),
                        status: meta.status,
                        content_type: meta.content_type,
                        charset: meta.charset,
                        kind,
                        body,
                        origin: Origin::Revalidated,
                        redirects: Vec::new(),
                        attempts: attempt,
                    })));
                }
                return Err(FetchError::HttpStatus(status));
            }
            if let Some(wait) = self.retry_wait(status, response.headers(), attempt) {
                drop(response);
                drop(permit);
                std::thread::sleep(wait);
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(FetchError::HttpStatus(status));
            }
            let fetched = self.read_ok_response(url, response, attempt)?;
            drop(permit);
            return Ok(Hop::Done(Box::new(fetched)));
        }
    }

    /// How long to wait before trying `attempt + 1`, when `status` is worth retrying and
    /// retries are left (fetch and probe alike).
    fn retry_wait(
        &self,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        attempt: u32,
    ) -> Option<std::time::Duration> {
        (retry::is_retryable(status) && attempt <= self.options.max_retries).then(|| {
            retry::backoff_for(
                headers,
                attempt,
                self.options.retry_base,
                self.options.max_retry_wait,
            )
        })
    }

    fn read_ok_response(
        &self,
        url: &Url,
        response: reqwest::blocking::Response,
        attempt: u32,
    ) -> Result<Fetched, FetchError> {
        let headers = response.headers().clone();
        let content_type = media_type(&headers);
        let charset = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::sources::decode::charset_param);
        let kind = match content_type.as_deref() {
            Some(ct) => kind_of(ct).ok_or_else(|| FetchError::NotText(ct.to_string()))?,
            // No Content-Type: judged by the bytes below.
            None => ContentKind::Html,
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.options.max_bytes)
        {
            return Err(FetchError::TooLarge(self.options.max_bytes));
        }
        let status = response.status().as_u16();
        let body = read_limited(response, self.options.max_bytes)?;
        if looks_binary(&body) {
            return Err(FetchError::NotText(
                content_type.unwrap_or_else(|| "binary data".into()),
            ));
        }
        let content_type = content_type.unwrap_or_else(|| "text/html".into());
        if let Some(cache) = &self.cache {
            let meta = CacheMeta {
                url: url.to_string(),
                status,
                content_type: content_type.clone(),
                charset: charset.clone(),
                etag: header_string(&headers, header::ETAG),
                last_modified: header_string(&headers, header::LAST_MODIFIED),
                fetched_at: chrono::Utc::now().to_rfc3339(),
                body_len: body.len() as u64,
                // Pages are revalidated on every run; only robots.txt is reused unasked.
                fresh_until: None,
            };
            // The cache is an optimisation: a full disk must not fail the fetch.
            let _ = cache.store(&meta, &body);
        }
        Ok(Fetched {
            requested: String::new(),
            url: url.to_string(),
            status,
            content_type,
            charset,
            kind,
            body,
            origin: Origin::Network,
            redirects: Vec::new(),
            attempts: attempt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert_eq!(kind_of("text/html"), Some(ContentKind::Html));
        assert_eq!(kind_of("text/markdown"), Some(ContentKind::Markdown));
        assert_eq!(kind_of("application/pdf"), None);
        assert_eq!(kind_of("image/png"), None);
    }

    #[test]
    fn local_files_need_a_known_extension_and_the_project() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.md"), "# Title\n\nBody.").expect("write");
        std::fs::write(dir.path().join("b.bin"), [0u8, 1, 2]).expect("write");
        let fetcher = Fetcher::new(FetchOptions {
            project_root: dir.path().to_path_buf(),
            cache_dir: None,
            ..FetchOptions::default()
        })
        .expect("client");
        let fetched = fetcher.fetch("a.md").expect("local markdown");
        assert_eq!(fetched.kind, ContentKind::Markdown);
        assert_eq!(fetched.origin, Origin::File);
        assert_eq!(
            fetcher.fetch("b.bin").expect_err("binary").code(),
            "not-text"
        );
        assert_eq!(
            fetcher
                .fetch("/etc/hostname.txt")
                .expect_err("outside")
                .code(),
            "file"
        );
        assert_eq!(
            fetcher
                .fetch("ftp://example.org/x")
                .expect_err("ftp")
                .code(),
            "unsupported-scheme"
        );
    }

    #[test]
    fn literal_private_addresses_are_refused_before_connecting() {
        let fetcher = Fetcher::new(FetchOptions {
            cache_dir: None,
            ..FetchOptions::default()
        })
        .expect("client");
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]:9/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            let err = fetcher.fetch(url).expect_err("refused");
            assert_eq!(err.code(), "private-address", "{url}: {err}");
        }
    }

    #[test]
    fn an_extra_root_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().expect("temp dir");
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "just text\n").expect("write");
        for path in [not_pem, dir.path().join("missing.pem")] {
            let err = Fetcher::new(FetchOptions {
                cache_dir: None,
                extra_root_certs: vec![path.clone()],
                ..FetchOptions::default()
            })
            .err()
            .expect("refused");
            assert_eq!(err.code(), "client", "{err}");
            assert!(err.to_string().contains("ca.pem") || err.to_string().contains("missing.pem"));
        }
    }
}
