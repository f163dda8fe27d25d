//! robots.txt for a fetch run: loaded once per origin (single-flight across workers) and kept
//! in the on-disk HTTP cache between runs.
//!
//! Reuse across runs (RFC 9309 §2.4 allows caching robots.txt for up to 24 hours):
//! - a cached answer still fresh by its `Cache-Control: max-age` or `Expires` (capped at 24 h)
//!   is used without a request;
//! - otherwise a cached 2xx answer is revalidated with `If-None-Match` / `If-Modified-Since`,
//!   and a 304 reuses the cached rules;
//! - a 4xx answer ("no robots.txt", everything allowed) is cached as fresh for 24 h unless the
//!   server gives a shorter lifetime, since it carries no validators to revalidate with;
//! - a 5xx answer or a network error is never cached (it is transient; the run treats the
//!   origin as fully disallowed, or fails the page, and the next run asks again).
use super::response::{
    classify, header_string, host_key, is_redirect, read_limited_async, redirect_target,
};
use super::{FetchError, Fetcher, RobotsSlot};
use crate::sources::cache::CacheMeta;
use crate::sources::robots::Robots;
use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use std::sync::Arc;
use url::Url;

/// Longest time a cached robots.txt is used without asking the server (RFC 9309 §2.4).
pub const ROBOTS_MAX_AGE: chrono::Duration = chrono::Duration::hours(24);
/// Largest robots.txt read; RFC 9309 §2.5 asks parsers to handle at least 500 KiB.
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

impl Fetcher {
    /// The slot of `url`'s origin, made empty on first use.
    fn robots_slot(&self, url: &Url) -> RobotsSlot {
        let origin = url.origin().ascii_serialization();
        self.robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(origin)
            .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(None)))
            .clone()
    }

    /// robots.txt rules for `url`'s origin, loaded once per origin and run.
    pub(super) fn robots_for(&self, url: &Url) -> Result<Arc<Robots>, FetchError> {
        let slot = self.robots_slot(url);
        // Held while loading: the other workers for this origin wait here for the answer.
        let mut loaded = slot.blocking_lock();
        if let Some(robots) = loaded.as_ref() {
            return Ok(robots.clone());
        }
        // An error is not kept: the next page of the origin tries again.
        let robots = Arc::new(self.load_robots(url)?);
        *loaded = Some(robots.clone());
        Ok(robots)
    }

    /// [`Fetcher::robots_for`] for probes (async client, on the fetcher's runtime).
    pub(super) async fn robots_for_async(&self, url: &Url) -> Result<Arc<Robots>, FetchError> {
        let slot = self.robots_slot(url);
        let mut loaded = slot.lock().await;
        if let Some(robots) = loaded.as_ref() {
            return Ok(robots.clone());
        }
        let robots = Arc::new(self.load_robots_async(url).await?);
        *loaded = Some(robots.clone());
        Ok(robots)
    }

    /// [`Fetcher::load_robots_async`] driven to its end on the fetcher's runtime: callers of the
    /// blocking fetch path are never inside a runtime themselves (the blocking client would
    /// refuse to run there too), so one request loop serves both paths.
    fn load_robots(&self, page: &Url) -> Result<Robots, FetchError> {
        self.block_on(self.load_robots_async(page))?
    }

    /// The robots.txt rules for `page`'s origin, from the cache or the network.
    async fn load_robots_async(&self, page: &Url) -> Result<Robots, FetchError> {
        let client = self.async_client()?;
        let mut url = robots_url(page)?;
        // A few redirects are normal for robots.txt (http to https, bare to www).
        for _ in 0..=self.options.max_redirects {
            let cached = match self.robots_cached(&url)? {
                Cached::Fresh(robots) => return Ok(robots),
                Cached::Stale(cached) => cached,
            };
            let response = {
                let _permit = self.gate.acquire_async(&host_key(&url)).await;
                client
                    .get(url.clone())
                    .headers(conditional_headers(cached.as_ref()))
                    .send()
                    .await
                    .map_err(classify)?
            };
            let status = response.status().as_u16();
            if is_redirect(status) {
                url = redirect_target(&url, response.headers())?;
                continue;
            }
            let headers = response.headers().clone();
            let body = if (200..300).contains(&status) {
                read_limited_async(response, ROBOTS_MAX_BYTES).await?
            } else {
                Vec::new()
            };
            return Ok(self.robots_answer(&url, status, &headers, cached, &body));
        }
        Ok(Robots::allow_all())
    }

    /// Checks `url` and looks it up in the cache: rules still fresh there need no request.
    fn robots_cached(&self, url: &Url) -> Result<Cached, FetchError> {
        self.check_target(url)?;
        let cached = self.cache.as_ref().and_then(|c| c.load(url.as_str()));
        if let Some((meta, body)) = &cached {
            if meta.is_fresh(Utc::now()) {
                return Ok(Cached::Fresh(self.robots_from(meta.status, body)));
            }
        }
        Ok(Cached::Stale(cached))
    }

    /// The rules of a final (not redirecting) answer for robots.txt, remembered in the cache;
    /// `body` is read for 2xx answers only.
    fn robots_answer(
        &self,
        url: &Url,
        status: u16,
        headers: &HeaderMap,
        cached: Option<(CacheMeta, Vec<u8>)>,
        body: &[u8],
    ) -> Robots {
        let now = Utc::now();
        let fresh_until = freshness(headers, status, now);
        match (status, cached) {
            (304, Some((mut meta, body))) => {
                meta.fetched_at = now.to_rfc3339();
                meta.fresh_until = fresh_until;
                if let Some(cache) = &self.cache {
                    // A failed refresh only costs a conditional request next time.
                    let _ = cache.touch(&meta);
                }
                self.robots_from(meta.status, &body)
            }
            (200..=299 | 400..=499, _) => {
                self.remember(url, status, headers, body, fresh_until);
                self.robots_from(status, body)
            }
            // Server errors mean "unreachable": assume complete disallow (§2.3.1.4).
            _ => Robots::disallow_all(),
        }
    }

    /// The rules a stored answer stands for.
    fn robots_from(&self, status: u16, body: &[u8]) -> Robots {
        if (200..300).contains(&status) {
            Robots::parse(&String::from_utf8_lossy(body), &self.options.user_agent)
        } else {
            // No robots.txt (or not readable to us): no restriction (RFC 9309 §2.3.1.3).
            Robots::allow_all()
        }
    }

    fn remember(
        &self,
        url: &Url,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        fresh_until: Option<String>,
    ) {
        let Some(cache) = &self.cache else { return };
        let meta = CacheMeta {
            url: url.to_string(),
            status,
            content_type: "text/plain".into(),
            charset: None,
            etag: header_string(headers, header::ETAG),
            last_modified: header_string(headers, header::LAST_MODIFIED),
            fetched_at: Utc::now().to_rfc3339(),
            body_len: body.len() as u64,
            fresh_until,
        };
        // The cache is an optimisation: a full disk must not fail the fetch.
        let _ = cache.store(&meta, body);
    }
}

/// What the cache holds for a robots.txt URL.
enum Cached {
    /// Rules still fresh: no request needed.
    Fresh(Robots),
    /// A stored answer to revalidate (or none).
    Stale(Option<(CacheMeta, Vec<u8>)>),
}

fn robots_url(page: &Url) -> Result<Url, FetchError> {
    page.join("/robots.txt")
        .map_err(|e| FetchError::InvalidInput(e.to_string()))
}

/// `If-None-Match` / `If-Modified-Since` from a cached answer that has validators.
fn conditional_headers(cached: Option<&(CacheMeta, Vec<u8>)>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let Some((meta, _)) = cached.filter(|(m, _)| m.has_validators()) else {
        return headers;
    };
    let pairs = [
        (header::IF_NONE_MATCH, &meta.etag),
        (header::IF_MODIFIED_SINCE, &meta.last_modified),
    ];
    for (name, value) in pairs {
        // A stored validator that is no longer a valid header value is not sent.
        if let Some(value) = value.as_deref().and_then(|v| v.parse().ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

/// Until when a robots.txt answer may be reused without a request, as RFC 3339: the server's
/// `Cache-Control: max-age` (or `Expires`), at most [`ROBOTS_MAX_AGE`]; a 4xx answer without
/// either gets the full [`ROBOTS_MAX_AGE`]; `no-store` / `no-cache` give none.
pub(super) fn freshness(headers: &HeaderMap, status: u16, now: DateTime<Utc>) -> Option<String> {
    let cache_control = header_string(headers, header::CACHE_CONTROL)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let directives: Vec<&str> = cache_control.split(',').map(str::trim).collect();
    if directives
        .iter()
        .any(|d| matches!(*d, "no-store" | "no-cache"))
    {
        return None;
    }
    let max_age = directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age="))
        .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
        .map(chrono::Duration::seconds);
    let lifetime = max_age
        .or_else(|| {
            let expires = header_string(headers, header::EXPIRES)?;
            // An unparseable Expires (often "0" or "-1") means already expired.
            let when = DateTime::parse_from_rfc2822(&expires).ok();
            Some(when.map_or(chrono::Duration::zero(), |w| w.with_timezone(&Utc) - now))
        })
        .or_else(|| (400..500).contains(&status).then_some(ROBOTS_MAX_AGE))?;
    let lifetime = lifetime.min(ROBOTS_MAX_AGE);
    (lifetime > chrono::Duration::zero()).then(|| (now + lifetime).to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_str(value).expect("header"));
        }
        map
    }

    fn seconds(fresh_until: Option<String>, now: DateTime<Utc>) -> Option<i64> {
        let until = DateTime::parse_from_rfc3339(&fresh_until?).ok()?;
        Some((until.with_timezone(&Utc) - now).num_seconds())
    }

    #[test]
    fn lifetime_from_headers_capped_at_a_day() {
        let now = Utc::now();
        let max_age = headers(&[(header::CACHE_CONTROL, "public, max-age=600")]);
        assert_eq!(seconds(freshness(&max_age, 200, now), now), Some(600));
        let long = headers(&[(header::CACHE_CONTROL, "max-age=9999999")]);
        assert_eq!(seconds(freshness(&long, 200, now), now), Some(86_400));
        let expires = (now + chrono::Duration::seconds(120))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let dated = headers(&[(header::EXPIRES, &expires)]);
        let got = seconds(freshness(&dated, 200, now), now).expect("fresh");
        assert!((118..=120).contains(&got), "{got}");
    }

    #[test]
    fn no_lifetime_means_revalidate() {
        let now = Utc::now();
        assert_eq!(freshness(&HeaderMap::new(), 200, now), None);
        let no_cache = headers(&[(header::CACHE_CONTROL, "no-cache, max-age=600")]);
        assert_eq!(freshness(&no_cache, 200, now), None);
        let expired = headers(&[(header::EXPIRES, "0")]);
        assert_eq!(freshness(&expired, 200, now), None);
        assert_eq!(
            freshness(&headers(&[(header::CACHE_CONTROL, "max-age=0")]), 200, now),
            None
        );
        // A missing robots.txt has no validators: kept for the day unless told otherwise.
        assert_eq!(
            seconds(freshness(&HeaderMap::new(), 404, now), now),
            Some(86_400)
        );
        assert_eq!(freshness(&no_cache, 404, now), None);
    }
}
