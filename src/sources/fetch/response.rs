//! Reading HTTP answers: headers, redirect targets, bounded bodies, and errors mapped to
//! [`FetchError`].
use super::outcome::FetchError;
use crate::sources::safety;
use reqwest::header::{self, HeaderMap};
use std::io::Read;
use url::Url;

/// `example.org` or `www.example.org/page`: a host name written without a scheme.
pub(super) fn looks_like_host(input: &str) -> bool {
    let first = input.split('/').next().unwrap_or("");
    let Some((_, tld)) = first.rsplit_once('.') else {
        return false;
    };
    !input.starts_with('.')
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && !matches!(
            tld.to_ascii_lowercase().as_str(),
            "html" | "htm" | "md" | "markdown" | "txt" | "csv"
        )
}

pub(super) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

pub(super) fn redirect_target(base: &Url, headers: &HeaderMap) -> Result<Url, FetchError> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(FetchError::BadRedirect)?;
    base.join(location).map_err(|_| FetchError::BadRedirect)
}

pub(super) fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

pub(super) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

pub(super) fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub(super) fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim().to_ascii_lowercase();
    (!media.is_empty()).then_some(media)
}

/// NUL bytes in the first kilobyte: a binary file served with a text type.
pub(super) fn looks_binary(body: &[u8]) -> bool {
    body.iter().take(1024).any(|&b| b == 0)
}

/// Read at most `limit` bytes; one byte more means the body is too large, and the rest is
/// never read (the connection is dropped).
pub(super) fn read_limited(
    response: reqwest::blocking::Response,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let mut body = Vec::new();
    response
        .take(limit.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| classify_io(&e))?;
    if body.len() as u64 > limit {
        return Err(FetchError::TooLarge(limit));
    }
    Ok(body)
}

/// [`read_limited`] for the async client: the body arrives in chunks and is never held past
/// `limit` bytes; room for a declared length is reserved up front (no regrowth copies).
pub(super) async fn read_limited_async(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let declared = response.content_length().unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(FetchError::TooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(super) fn classify(err: reqwest::Error) -> FetchError {
    if let Some(blocked) = safety::find_blocked(&err) {
        return FetchError::PrivateAddress(blocked);
    }
    if err.is_timeout() {
        return FetchError::Timeout;
    }
    if err.is_connect() {
        return FetchError::Connect(error_chain(&err));
    }
    FetchError::Network(error_chain(&err))
}

pub(super) fn classify_io(err: &std::io::Error) -> FetchError {
    if err.kind() == std::io::ErrorKind::TimedOut || error_chain(err).contains("timed out") {
        return FetchError::Timeout;
    }
    FetchError::Network(error_chain(err))
}

/// An error and its causes on one line, most general first.
pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
