//! URL normalisation for the crawl: one spelling per page, so the seen-set and the per-pattern
//! cap are not fooled by fragments, session ids, tracking parameters or parameter order.
use crate::rules::builtin::support::urls::without_www;
use url::Url;

/// Query parameters that name a session or a campaign, never a different page.
const NOISE_PARAMS: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "sid",
    "sessionid",
    "session_id",
    "aspsessionid",
    "cfid",
    "cftoken",
    "fbclid",
    "gclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ref_src",
    "yclid",
];

/// Normalise an absolute http(s) or file URL: no fragment, no default port, no session or
/// tracking parameters (`utm_*` too), sorted query, `;jsessionid=` path parameters removed.
/// `None` for other schemes (mailto:, javascript:, data:, ...).
pub fn normalise(url: &Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return None;
    }
    normalise_owned(url.clone())
}

/// [`normalise`] of a URL the caller no longer needs (a link just resolved): no copy.
fn normalise_owned(mut url: Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return None;
    }
    url.set_fragment(None);
    if url.port().is_some() && url.port() == default_port(url.scheme()) {
        // Setting the port cannot fail on an http(s) URL with a host.
        let _ = url.set_port(None);
    }
    // Java-style session ids ride in the path: `/page;jsessionid=ABC`.
    if let Some(pos) = jsessionid_at(url.path()) {
        let path = url.path()[..pos].to_string();
        url.set_path(&path);
    }
    if url.query().is_some() {
        let mut pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_noise_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        if pairs.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    Some(url)
}

/// Where `;jsessionid=` starts in `path`, in any case; paths rarely hold a `;`, so most are
/// passed over by one byte search, with no lower-cased copy.
fn jsessionid_at(path: &str) -> Option<usize> {
    const PARAM: &[u8] = b";jsessionid=";
    let bytes = path.as_bytes();
    let first = memchr::memchr(b';', bytes)?;
    bytes[first..]
        .windows(PARAM.len())
        .position(|w| w.eq_ignore_ascii_case(PARAM))
        .map(|at| first + at)
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn is_noise_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || NOISE_PARAMS.contains(&lower.as_str())
}

/// Resolve `href` against `base` and normalise; `None` when it is not a crawlable URL.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    normalise_owned(base.join(href).ok()?)
}

/// 64-bit key of a normalised URL for the seen-set: 8 bytes per URL instead of the string.
/// A fixed seed, so it is stable across runs; foldhash's quality variant (full avalanche, so
/// distinct URLs collide only by 64-bit chance) at a fraction of SipHash's cost, which every
/// link of every page pays.
pub fn key(url: &Url) -> u64 {
    use std::hash::BuildHasher;
    const STATE: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x5eed);
    STATE.hash_one(url.as_str())
}

/// The shape of a URL for the per-pattern cap: host, path segments with digit runs replaced by
/// `N` (so `/calendar/2031/05/` and `/calendar/2032/11/` share one pattern) and the sorted
/// query parameter names without values.
pub fn pattern(url: &Url) -> String {
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.host_str().unwrap_or(""));
    let mut in_digits = false;
    for c in url.path().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    let mut names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    names.sort();
    names.dedup();
    if !names.is_empty() {
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

/// Whether a pattern has the shape of generated URLs: a query, or two or more numbers in the
/// path (`/calendar/N/N/`, `/archive/N/page/N`). Paths with one number are ordinary ids
/// (`/p/N.html`) that real sites have by the thousand, so they are not capped.
pub fn is_trap_shaped(pattern: &str) -> bool {
    let path = pattern.split('?').next().unwrap_or(pattern);
    pattern.contains('?') || path.matches('N').count() - count_letter_n(path) >= 2
}

/// Upper-case `N`s that belong to words rather than stand for numbers.
fn count_letter_n(path: &str) -> usize {
    let bytes = path.as_bytes();
    (0..bytes.len())
        .filter(|&i| {
            bytes[i] == b'N'
                && (i > 0 && bytes[i - 1].is_ascii_alphabetic()
                    || bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()))
        })
        .count()
}

/// Whether two URLs are on the same site: same scheme-independent host and port (http and
/// https of one host count as one site), or both local files.
pub fn same_site(a: &Url, b: &Url) -> bool {
    if a.scheme() == "file" || b.scheme() == "file" {
        return a.scheme() == b.scheme();
    }
    a.host_str().map(without_www) == b.host_str().map(without_www) && a.port() == b.port()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalise(&Url::parse(s).expect("url"))
            .expect("crawlable")
            .to_string()
    }

    #[test]
    fn spellings_of_one_page_normalise_alike() {
        assert_eq!(
            n("HTTP://Example.ORG:80/a?b=2&a=1#top"),
            "http://example.org/a?a=1&b=2"
        );
        assert_eq!(
            n("https://example.org/a?utm_source=x&PHPSESSID=1"),
            "https://example.org/a"
        );
        assert_eq!(
            n("https://example.org/a;jsessionid=ABC123"),
            "https://example.org/a"
        );
        assert_eq!(n("https://example.org:8443/"), "https://example.org:8443/");
        assert!(normalise(&Url::parse("mailto:a@example.org").expect("url")).is_none());
    }

    #[test]
    fn session_ids_in_the_path_are_found_in_any_case() {
        for path in [
            "/a",
            "/a;x=1",
            "/a;JSESSIONID=1",
            "/a;x;jSessionId=2",
            "/;jsessionid=",
            ";jsessionid",
            "/\u{e9};jsessionid=3",
        ] {
            assert_eq!(
                jsessionid_at(path),
                path.to_ascii_lowercase().find(";jsessionid="),
                "{path}"
            );
        }
    }

    #[test]
    fn resolve_drops_fragments_only_links() {
        let base = Url::parse("https://example.org/dir/page").expect("url");
        assert_eq!(resolve(&base, "#x"), None);
        assert_eq!(
            resolve(&base, "../b?sid=9").map(|u| u.to_string()),
            Some("https://example.org/b".to_string())
        );
        assert_eq!(resolve(&base, "javascript:void(0)"), None);
    }

    #[test]
    fn calendar_urls_share_a_pattern() {
        let a = Url::parse("https://example.org/calendar/2031/05/?view=month").expect("url");
        let b = Url::parse("https://example.org/calendar/1999/12/?view=week").expect("url");
        assert_eq!(pattern(&a), pattern(&b));
        assert_ne!(
            pattern(&a),
            pattern(&Url::parse("https://example.org/blog/1/").expect("url"))
        );
    }

    #[test]
    fn key_is_stable() {
        let a = Url::parse("https://example.org/").expect("url");
        assert_eq!(key(&a), key(&a.clone()));
        assert_ne!(
            key(&a),
            key(&Url::parse("https://example.org/x").expect("url"))
        );
    }
}
