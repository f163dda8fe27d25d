//! When to retry a request: 429 and 5xx answers, with exponential backoff that honours the
//! server's `Retry-After` (seconds or HTTP-date), capped so one source cannot stall a run.
use std::time::Duration;

/// Whether an HTTP status is worth retrying.
pub fn is_retryable(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status) && status != 501 && status != 505
}

/// Parse `Retry-After`: delta-seconds or an HTTP-date, relative to `now`.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is a subset of RFC 2822.
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The wait before retry number `attempt` (1 for the first retry): the server's wish when it
/// gave one, else `base * 2^(attempt-1)`; never more than `cap`.
pub fn backoff(
    attempt: u32,
    base: Duration,
    retry_after: Option<Duration>,
    cap: Duration,
) -> Duration {
    let wait = retry_after.unwrap_or_else(|| {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        base.saturating_mul(factor)
    });
    wait.min(cap)
}

/// [`backoff`] for a retryable answer, honouring its `Retry-After` header.
pub fn backoff_for(
    headers: &reqwest::header::HeaderMap,
    attempt: u32,
    base: Duration,
    cap: Duration,
) -> Duration {
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    backoff(attempt, base, retry_after, cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("valid date");
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        assert_eq!(backoff(1, base, None, cap), Duration::from_millis(100));
        assert_eq!(backoff(3, base, None, cap), Duration::from_millis(400));
        assert_eq!(backoff(30, base, None, cap), cap);
        assert_eq!(backoff(1, base, Some(Duration::from_secs(3600)), cap), cap);
    }

    #[test]
    fn retryable_statuses() {
        assert!(is_retryable(429));
        assert!(is_retryable(503));
        assert!(!is_retryable(404));
        assert!(!is_retryable(501));
    }
}
