//! What a fetch returns: the body with what is known about it, or why it failed.
use crate::sources::safety::BlockedAddress;

/// What kind of text a body holds, which decides how it is extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentKind {
    Html,
    Markdown,
    Text,
}

/// Where a body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Downloaded in full.
    Network,
    /// The server answered 304 Not Modified; the body is the cached one.
    Revalidated,
    /// Read from a local file.
    File,
}

/// A fetched source body with what is known about it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The input as given (URL or path).
    pub requested: String,
    /// Final URL after redirects (`file://` URL for local files).
    pub url: String,
    pub status: u16,
    /// Media type, lower case, without parameters.
    pub content_type: String,
    /// The Content-Type's `charset` parameter, if any.
    pub charset: Option<String>,
    pub kind: ContentKind,
    pub body: Vec<u8>,
    pub origin: Origin,
    /// URLs redirected through, in order.
    pub redirects: Vec<String>,
    /// Requests made for the final hop (more than 1 after retries).
    pub attempts: u32,
}

impl Fetched {
    /// The body as text, decoded by its charset (BOM, header, HTML meta tag; else UTF-8).
    pub fn text(&self) -> String {
        crate::sources::decode::decode(
            &self.body,
            self.charset.as_deref(),
            self.kind == ContentKind::Html,
        )
    }
}

/// Why a source could not be fetched; `Display` is the reason shown to the user.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("not a URL or file path: {0}")]
    InvalidInput(String),
    #[error("unsupported scheme `{0}` (only http, https and files inside the project)")]
    UnsupportedScheme(String),
    #[error("file refused: {0}")]
    File(String),
    #[error("private address refused: {0}")]
    PrivateAddress(BlockedAddress),
    #[error("blocked by robots.txt")]
    RobotsDisallowed,
    #[error("too many redirects (more than {0})")]
    TooManyRedirects(usize),
    #[error("redirect loop: {0} was already visited")]
    RedirectLoop(String),
    #[error("redirect without a usable Location header")]
    BadRedirect,
    #[error("HTTP {0}")]
    HttpStatus(u16),
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("network error: {0}")]
    Network(String),
    #[error("too large: more than {0} bytes")]
    TooLarge(u64),
    #[error("not HTML or text: {0}")]
    NotText(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// A stable short name for the failure, for tables, JSON and tests.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::InvalidInput(_) => "invalid-input",
            FetchError::UnsupportedScheme(_) => "unsupported-scheme",
            FetchError::File(_) => "file",
            FetchError::PrivateAddress(_) => "private-address",
            FetchError::RobotsDisallowed => "robots",
            FetchError::TooManyRedirects(_) => "too-many-redirects",
            FetchError::RedirectLoop(_) => "redirect-loop",
            FetchError::BadRedirect => "bad-redirect",
            FetchError::HttpStatus(_) => "http-status",
            FetchError::Timeout => "timeout",
            FetchError::Connect(_) => "connect",
            FetchError::Network(_) => "network",
            FetchError::TooLarge(_) => "too-large",
            FetchError::NotText(_) => "not-text",
            FetchError::Client(_) => "client",
        }
    }
}

/// The kind of text a media type holds; `None` for everything pressgate cannot read.
pub fn kind_of(media_type: &str) -> Option<ContentKind> {
    match media_type {
        "text/html" | "application/xhtml+xml" => Some(ContentKind::Html),
        "text/markdown" | "text/x-markdown" => Some(ContentKind::Markdown),
        "text/plain" => Some(ContentKind::Text),
        _ => None,
    }
}
