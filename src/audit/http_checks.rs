//! Checks on one HTTP answer: error status, failed fetch, robots.txt, redirect chain or loop,
//! response time and page weight.
use super::codes;
use super::model::{AuditFinding, PageRecord};
use super::page::audit_finding;
use super::AuditOptions;
use crate::rules::Engine;
use crate::sources::fetch::FetchError;

/// Findings for a URL that could not be fetched.
pub fn fetch_error_findings(engine: &Engine, url: &str, err: &FetchError) -> Vec<AuditFinding> {
    let (code, message) = match err {
        FetchError::RedirectLoop(at) => (
            codes::REDIRECT_LOOP,
            format!("redirect loop: {at} was reached twice"),
        ),
        FetchError::TooManyRedirects(n) => (
            codes::REDIRECT_LOOP,
            format!("more than {n} redirects without reaching a page"),
        ),
        FetchError::RobotsDisallowed => (
            codes::BLOCKED_BY_ROBOTS,
            "robots.txt disallows this URL; it was not fetched".to_string(),
        ),
        other => (
            codes::FETCH_FAILED,
            format!("could not fetch the page: {other}"),
        ),
    };
    audit_finding(engine, code, Some(url), message, None, Vec::new())
        .into_iter()
        .collect()
}

/// Findings about an answer that arrived: status, redirects, time and size.
pub fn response_findings(
    engine: &Engine,
    record: &PageRecord,
    is_html: bool,
    options: &AuditOptions,
) -> Vec<AuditFinding> {
    let url = Some(record.url.as_str());
    let mut out = Vec::new();
    if let Some(status) = record.status.filter(|s| *s >= 400) {
        out.extend(audit_finding(
            engine,
            codes::HTTP_ERROR_STATUS,
            url,
            format!("the page answers HTTP {status}"),
            None,
            Vec::new(),
        ));
    }
    if record.redirects.len() >= 2 {
        let mut chain: Vec<String> = record.redirects.iter().map(|h| h.url.clone()).collect();
        chain.push(record.final_url.clone());
        out.extend(audit_finding(
            engine,
            codes::REDIRECT_CHAIN,
            url,
            format!(
                "{} redirects before the final page: {}",
                record.redirects.len(),
                chain.join(" → ")
            ),
            None,
            chain,
        ));
    }
    if record.response_ms > options.slow_ms {
        out.extend(audit_finding(
            engine,
            codes::SLOW_RESPONSE,
            url,
            format!(
                "the response took {} ms (threshold {} ms)",
                record.response_ms, options.slow_ms
            ),
            None,
            Vec::new(),
        ));
    }
    if is_html && record.bytes > options.heavy_bytes {
        out.extend(audit_finding(
            engine,
            codes::HEAVY_PAGE,
            url,
            format!(
                "the HTML is {} KB (threshold {} KB)",
                record.bytes / 1024,
                options.heavy_bytes / 1024
            ),
            None,
            Vec::new(),
        ));
    }
    out
}
