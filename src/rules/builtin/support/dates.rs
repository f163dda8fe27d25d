//! ISO 8601 date and date-time parsing (the subset schema.org uses) and "today".
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// A parsed ISO 8601 date or date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDate {
    /// The calendar date as written (local to its offset).
    pub date: NaiveDate,
    /// The instant in UTC; midnight UTC for a date without time or offset.
    pub utc: NaiveDateTime,
}

/// Parse `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]` and `Z` or `±HH:MM`/`±HHMM`.
/// Date-only forms `YYYY` and `YYYY-MM` are accepted too (schema.org allows them).
pub fn parse_iso8601(text: &str) -> Option<IsoDate> {
    let s = text.trim();
    let (date_part, time_part) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let date = parse_date(date_part)?;
    let Some(time_part) = time_part else {
        return Some(IsoDate {
            date,
            utc: date.and_time(NaiveTime::MIN),
        });
    };
    if date_part.len() != 10 {
        return None;
    }
    let (clock, offset_minutes) = split_offset(time_part)?;
    let time = parse_clock(clock)?;
    let local = date.and_time(time);
    Some(IsoDate {
        date,
        utc: local - Duration::minutes(offset_minutes),
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            part.parse().ok()
        } else {
            None
        }
    };
    match b.len() {
        4 => NaiveDate::from_ymd_opt(digits(0..4)? as i32, 1, 1),
        7 if b[4] == b'-' => NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, 1),
        10 if b[4] == b'-' && b[7] == b'-' => {
            NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
        }
        _ => None,
    }
}

/// Split `HH:MM:SSZ` / `HH:MM+02:00` into the clock and the offset east of UTC in minutes.
fn split_offset(s: &str) -> Option<(&str, i64)> {
    if let Some(clock) = s.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match s.rfind(['+', '-']) {
        Some(i) => {
            let (clock, offset) = s.split_at(i);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits[2..].parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            Some((clock, sign * (hours * 60 + minutes)))
        }
        None => Some((s, 0)),
    }
}

fn parse_clock(s: &str) -> Option<NaiveTime> {
    let valid = s.len() >= 5
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b':' | b'.' | b','));
    if !valid {
        return None;
    }
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(&s.replace(',', "."), f).ok())
}

/// `settings.today` when it is a valid date (reproducible tests), else the UTC clock.
pub fn today(settings_today: Option<&str>) -> NaiveDate {
    settings_today
        .and_then(parse_iso8601)
        .map(|d| d.date)
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_dates_and_date_times() {
        assert_eq!(parse_iso8601("2024-03-05").unwrap().date, d(2024, 3, 5));
        assert_eq!(parse_iso8601("2024-03").unwrap().date, d(2024, 3, 1));
        assert_eq!(parse_iso8601("2024").unwrap().date, d(2024, 1, 1));
        let t = parse_iso8601("2024-03-05T23:30:00+02:00").unwrap();
        assert_eq!(t.date, d(2024, 3, 5));
        assert_eq!(t.utc, d(2024, 3, 5).and_hms_opt(21, 30, 0).unwrap());
        let z = parse_iso8601("2024-03-05T23:30:00.123Z").unwrap();
        assert_eq!(z.utc.date(), d(2024, 3, 5));
        let west = parse_iso8601("2024-03-05T23:30-0500").unwrap();
        assert_eq!(west.utc, d(2024, 3, 6).and_hms_opt(4, 30, 0).unwrap());
    }

    #[test]
    fn rejects_non_iso_and_impossible_dates() {
        for bad in [
            "",
            "March 5, 2024",
            "05/03/2024",
            "2024-13-01",
            "2024-02-30",
            "2024-3-5",
            "2024-03-05T25:00",
            "2024-03-05T10:00+25:00",
            "2024-03-05Tnoon",
            "２０２４-03-05",
        ] {
            assert!(parse_iso8601(bad).is_none(), "{bad} should be rejected");
        }
    }

    #[test]
    fn today_prefers_the_settings_override() {
        assert_eq!(today(Some("2026-01-01")), d(2026, 1, 1));
        assert!(today(Some("garbage")) > d(2020, 1, 1));
    }
}
