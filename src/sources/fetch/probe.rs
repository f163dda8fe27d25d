//! Probing a URL the way a crawler or link checker needs it: any status (not only 2xx), every
//! redirect hop with its status, the headers that matter for indexability, timing, and the
//! body only when asked for. Same safety checks, robots.txt and per-host politeness as
//! [`Fetcher::fetch`]; no HTTP cache (an audit wants the live answer).
use super::response::{
    classify, header_string, host_key, is_redirect, media_type, path_and_query, read_limited_async,
    redirect_target,
};
use super::{FetchError, Fetcher};
use reqwest::header;
use std::time::Instant;
use url::Url;

/// HEAD for link checks (falls back to GET when the server rejects HEAD), GET for pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeMethod {
    Head,
    Get,
}

/// One redirect answered on the way to the final URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeHop {
    pub url: String,
    pub status: u16,
}

/// What one probe saw.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Final URL after redirects.
    pub url: String,
    /// Status of the final answer (any status, 4xx and 5xx included).
    pub status: u16,
    /// Redirects followed, in order.
    pub hops: Vec<ProbeHop>,
    /// Media type of the final answer, lower case, without parameters.
    pub content_type: Option<String>,
    pub charset: Option<String>,
    /// `X-Robots-Tag` values of the final answer, joined with `, `.
    pub x_robots_tag: Option<String>,
    /// Body of a 2xx GET answer when `read_body` was asked for; at most `max_bytes`.
    pub body: Option<Vec<u8>>,
    /// Body size: bytes read, else the `Content-Length` header, else 0.
    pub bytes: u64,
    /// Time from the first request to the final answer's headers (and body when read).
    pub elapsed_ms: u64,
}

impl Fetcher {
    /// Request `url` with `method`, following redirects by hand (each hop is checked and
    /// recorded). A redirect loop, too many redirects, a refused address, robots.txt (when
    /// respected), a timeout or a body over `max_bytes` are errors; an HTTP error status is not.
    pub fn probe(
        &self,
        url: &str,
        method: ProbeMethod,
        read_body: bool,
    ) -> Result<Probe, FetchError> {
        self.probe_with_limit(url, method, read_body, self.options.max_bytes)
    }

    /// [`Fetcher::probe`] with its own body limit (a sitemap may be 50 MB, a page not).
    pub fn probe_with_limit(
        &self,
        url: &str,
        method: ProbeMethod,
        read_body: bool,
        max_bytes: u64,
    ) -> Result<Probe, FetchError> {
        let url =
            Url::parse(url.trim()).map_err(|e| FetchError::InvalidInput(format!("{url}: {e}")))?;
        self.block_on(self.probe_async(&url, method, read_body, max_bytes))?
    }

    /// [`Fetcher::probe_with_limit`] as a future, to be run by [`Fetcher::block_on`]: many
    /// probes in flight share one thread (no thread per request, no hop to a client thread).
    pub async fn probe_async(
        &self,
        url: &Url,
        method: ProbeMethod,
        read_body: bool,
        max_bytes: u64,
    ) -> Result<Probe, FetchError> {
        let started = Instant::now();
        let mut current = url.clone();
        let mut hops: Vec<ProbeHop> = Vec::new();
        loop {
            self.check_target(&current)?;
            // Hops are few: a linear look-up beats hashing every URL.
            if hops.iter().any(|h| h.url == current.as_str()) {
                return Err(FetchError::RedirectLoop(current.to_string()));
            }
            if self.options.respect_robots
                && !self
                    .robots_for_async(&current)
                    .await?
                    .is_allowed(&path_and_query(&current))
            {
                return Err(FetchError::RobotsDisallowed);
            }
            let response = self.send_with_retries(&current, method).await?;
            let status = response.status().as_u16();
            if is_redirect(status) {
                if hops.len() >= self.options.max_redirects {
                    return Err(FetchError::TooManyRedirects(self.options.max_redirects));
                }
                let next = redirect_target(&current, response.headers())?;
                hops.push(ProbeHop {
                    url: current.to_string(),
                    status,
                });
                current = next;
                continue;
            }
            // Servers that do not implement HEAD answer 405 or 501: ask again with GET.
            if method == ProbeMethod::Head && matches!(status, 405 | 501) {
                let mut probe = Box::pin(self.probe_async(
                    &current,
                    ProbeMethod::Get,
                    false,
                    self.options.max_bytes,
                ))
                .await?;
                hops.append(&mut probe.hops);
                probe.hops = hops;
                probe.elapsed_ms = started.elapsed().as_millis() as u64;
                return Ok(probe);
            }
            let headers = response.headers();
            let content_type = media_type(headers);
            let charset = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(crate::sources::decode::charset_param);
            let x_robots_tag = {
                let values: Vec<&str> = headers
                    .get_all("x-robots-tag")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(", "))
            };
            let header_length =
                header_string(headers, header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
            let declared = response.content_length();
            if read_body
                && method == ProbeMethod::Get
                && declared.is_some_and(|len| len > max_bytes)
            {
                return Err(FetchError::TooLarge(max_bytes));
            }
            let body = if read_body && method == ProbeMethod::Get && (200..300).contains(&status) {
                Some(read_limited_async(response, max_bytes).await?)
            } else {
                None
            };
            let bytes = body
                .as_ref()
                .map(|b| b.len() as u64)
                .or(declared)
                .or(header_length)
                .unwrap_or(0);
            return Ok(Probe {
                url: current.to_string(),
                status,
                hops,
                content_type,
                charset,
                x_robots_tag,
                body,
                bytes,
                elapsed_ms: started.elapsed().as_millis() as u64,
            });
        }
    }

    /// One request with the per-host gate held, retried on 429/5xx like [`Fetcher::fetch`].
    async fn send_with_retries(
        &self,
        url: &Url,
        method: ProbeMethod,
    ) -> Result<reqwest::Response, FetchError> {
        let client = self.async_client()?;
        let host = host_key(url);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let permit = self.gate.acquire_async(&host).await;
            let request = match method {
                ProbeMethod::Head => client.head(url.clone()),
                ProbeMethod::Get => client.get(url.clone()),
            }
            .header(
                header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
            );
            let response = request.send().await.map_err(classify)?;
            let status = response.status().as_u16();
            if let Some(wait) = self.retry_wait(status, response.headers(), attempt) {
                drop(response);
                drop(permit);
                tokio::time::sleep(wait).await;
                continue;
            }
            // The permit covers the request; the body is read after it is released.
            drop(permit);
            return Ok(response);
        }
    }
}
