//! Limits and policies of a fetch run.
use std::path::PathBuf;
use std::time::Duration;

/// The user agent sent with every request; its first word is the robots.txt token.
pub const USER_AGENT: &str = concat!("pressgate/", env!("CARGO_PKG_VERSION"));

/// Limits and policies of a fetch run. [`FetchOptions::default`] is what the CLI uses.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Allow private, loopback and link-local addresses (`--allow-private`).
    pub allow_private: bool,
    pub connect_timeout: Duration,
    /// Whole request, from connecting to the last body byte.
    pub timeout: Duration,
    /// Largest body kept (after decompression); larger ones are refused.
    pub max_bytes: u64,
    pub max_redirects: usize,
    pub user_agent: String,
    /// HTTP cache folder; `None` disables the cache (`--no-cache`).
    pub cache_dir: Option<PathBuf>,
    pub respect_robots: bool,
    /// Least time between the starts of two requests to one host.
    pub host_delay: Duration,
    /// Most requests in flight to one host.
    pub host_concurrency: usize,
    /// Retries after a 429 or 5xx answer.
    pub max_retries: u32,
    /// First backoff when the server gives no `Retry-After`; doubles each retry.
    pub retry_base: Duration,
    /// Cap on any single wait, including one asked for by `Retry-After`.
    pub max_retry_wait: Duration,
    /// Local files must lie under this folder.
    pub project_root: PathBuf,
    /// PEM files of extra root certificates trusted besides the built-in roots (`--ca-cert`):
    /// a staging server or an internal CA, without turning certificate checks off.
    pub extra_root_certs: Vec<PathBuf>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            allow_private: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            user_agent: USER_AGENT.to_string(),
            cache_dir: crate::sources::cache::default_cache_dir(),
            respect_robots: true,
            host_delay: Duration::from_millis(500),
            host_concurrency: 2,
            max_retries: 2,
            retry_base: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(10),
            project_root: PathBuf::from("."),
            extra_root_certs: Vec::new(),
        }
    }
}
