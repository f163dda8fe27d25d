//! Small URL helpers: scheme checks, host extraction, domain matching and normalisation
//! for duplicate detection (no full URL parser needed for these questions).

/// Whether `url` is an absolute `http://` or `https://` URL with a host.
pub fn is_http(url: &str) -> bool {
    // `host(url).is_some()` without building the host: lower-casing keeps the length, and
    // with its trailing dots trimmed the host cannot be exactly `www.`, so it is empty only
    // when the trimmed raw host is.
    raw_host(url).is_some_and(|h| !h.trim_end_matches('.').is_empty())
}

/// Lower-cased host of an absolute http(s) URL, without `www.`, port or credentials.
pub fn host(url: &str) -> Option<String> {
    let host = raw_host(url)?.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    if host.is_empty() {
        None
    } else {
        Some(host)
    }
}

/// The host of an absolute http(s) URL as written (any case, trailing dots kept), without
/// port or credentials; `None` when the URL is not http(s).
fn raw_host(url: &str) -> Option<&str> {
    let rest = strip_http_scheme(url.trim())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        // IPv6 literal: keep the brackets' content.
        authority
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        authority.split(':').next().unwrap_or("")
    };
    Some(host)
}

/// `host` without its leading `www.`s, as `trim_start_matches("www.")` has it, without
/// setting up a substring searcher (this runs for the hosts of every link and reference).
pub fn without_www(mut host: &str) -> &str {
    while let Some(rest) = host.strip_prefix("www.") {
        host = rest;
    }
    host
}

/// Whether `host` is `domain` or one of its subdomains (`news.example.com` is in `example.com`).
pub fn host_in_domain(host: &str, domain: &str) -> bool {
    let domain = without_www(domain.trim()).trim_end_matches('.');
    if domain.is_empty() {
        return false;
    }
    let host = host.as_bytes();
    let domain = domain.as_bytes();
    if host.len() == domain.len() {
        return host.eq_ignore_ascii_case(domain);
    }
    host.len() > domain.len()
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && host[host.len() - domain.len() - 1] == b'.'
}

/// A comparison key for "the same page": scheme-less, lower-case host without `www.`,
/// no default port, fragment, tracking parameters or trailing slash.
pub fn normalize(url: &str) -> String {
    let url = url.trim();
    let Some(rest) = strip_http_scheme(url) else {
        return url.trim_end_matches('/').to_owned();
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (authority_and_path, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match authority_and_path.find('/') {
        Some(i) => authority_and_path.split_at(i),
        None => (authority_and_path, ""),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let authority = authority
        .strip_suffix(":80")
        .or_else(|| authority.strip_suffix(":443"))
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let authority = authority.strip_prefix("www.").unwrap_or(&authority);
    let mut key = String::with_capacity(url.len());
    key.push_str(authority);
    key.push_str(path.trim_end_matches('/'));
    if let Some(query) = query {
        let mut params: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !is_tracking_param(p))
            .collect();
        params.sort_unstable();
        if !params.is_empty() {
            key.push('?');
            key.push_str(&params.join("&"));
        }
    }
    key
}

fn is_tracking_param(param: &str) -> bool {
    let name = param.split('=').next().unwrap_or("").to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid" | "gclid" | "mc_cid" | "mc_eid" | "ref_src"
        )
}

fn strip_http_scheme(url: &str) -> Option<&str> {
    for scheme in ["https://", "http://"] {
        if url.len() >= scheme.len()
            && url.is_char_boundary(scheme.len())
            && url[..scheme.len()].eq_ignore_ascii_case(scheme)
        {
            return Some(&url[scheme.len()..]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_www_strips_as_trim_start_matches_does() {
        for host in [
            "www.example.org",
            "www.www.example.org",
            "example.org",
            "www.",
            "",
            "wwwx.org",
            "WWW.example.org",
            "xwww.org",
        ] {
            assert_eq!(without_www(host), host.trim_start_matches("www."), "{host}");
        }
    }

    #[test]
    fn extracts_hosts() {
        assert_eq!(
            host("https://www.Example.com:8080/a?b#c").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            host("http://user:pw@news.bbc.co.uk").as_deref(),
            Some("news.bbc.co.uk")
        );
        assert_eq!(host("ftp://example.com"), None);
        assert_eq!(host("/relative/path"), None);
        assert_eq!(host("https://"), None);
        assert!(is_http("HTTPS://example.org"));
        assert!(!is_http("mailto:a@b.c"));
    }

    /// `is_http` answers as `host(url).is_some()`, which it replaces: generated URLs of
    /// schemes, credentials, dots, `www.` in any case, ports, IPv6 brackets and Unicode.
    #[test]
    fn is_http_agrees_with_host() {
        let pieces = [
            "http://", "HTTPS://", "https:/", "ftp://", " ", "www.", "WWW.", ".", "..", "a", "é",
            "@", ":", ":80", "[", "]", "::1", "/", "?", "#", "x.org", "\u{2003}",
        ];
        let mut stream = crate::test_fixtures::Stream(0x6A09_E667_F3BC_C909);
        let mut http = 0;
        for _ in 0..20_000 {
            let mut url = String::new();
            for _ in 0..1 + stream.below(6) {
                url.push_str(pieces[stream.below(pieces.len())]);
            }
            let want = host(&url).is_some();
            assert_eq!(is_http(&url), want, "{url:?}");
            http += usize::from(want);
        }
        assert!((1_000..19_000).contains(&http), "{http}");
        assert!(is_http("https://www.x"));
        assert!(!is_http("https://..."));
        assert!(!is_http("http://user@:8080/"));
    }

    #[test]
    fn matches_domains_and_subdomains_only_on_label_boundaries() {
        assert!(host_in_domain("example.com", "example.com"));
        assert!(host_in_domain("news.example.com", "example.com"));
        assert!(host_in_domain("news.example.com", "www.example.com"));
        assert!(!host_in_domain("badexample.com", "example.com"));
        assert!(!host_in_domain("example.com", ""));
    }

    #[test]
    fn normalizes_equivalent_urls_to_one_key() {
        let a = normalize("https://www.Example.com/study/?utm_source=x&b=2&a=1#results");
        let b = normalize("http://example.com:80/study?a=1&b=2");
        assert_eq!(a, b);
        assert_eq!(a, "example.com/study?a=1&b=2");
        assert_ne!(
            normalize("https://example.com/a"),
            normalize("https://example.com/b")
        );
        assert_eq!(
            normalize("https://example.com/"),
            normalize("https://example.com")
        );
        // Odd input never panics.
        assert_eq!(normalize("not a url/"), "not a url");
        assert_eq!(normalize("https://é.fr/ü"), "é.fr/ü");
    }
}
