//! Timestamps as the sources write them, all turned into UTC (format reference, section 0):
//! unix seconds (integer, float, or a string of either), ISO 8601 / RFC 3339 with any number of
//! fraction digits and a `Z`, `±HH:MM` or `±HHMM` zone (a space instead of `T` too), the RFC 2822
//! style of Mailgun's lists (`Tue, 04 Feb 2025 10:21:09 UTC`), and the syslog stamp
//! (`Mar  5 10:15:02`) that has neither year nor zone: those come from [`LogClock`], and the
//! report says what was assumed. Hand-written rather than chrono's parsers: the log readers call
//! this once per line, and chrono's RFC 3339 parser refuses `+0100` and 7 fraction digits.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// What syslog-style timestamps lack: the year and the UTC offset of the machine's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogClock {
    /// The year of stamps that carry none.
    pub year: i32,
    /// The offset of stamps that carry no zone (Exim without `log_timezone`, syslog).
    pub offset: FixedOffset,
}

impl Default for LogClock {
    /// The current year (UTC), at UTC.
    fn default() -> Self {
        use chrono::Datelike;
        LogClock {
            year: Utc::now().year(),
            offset: FixedOffset::east_opt(0).expect("zero offset"),
        }
    }
}

/// Unix seconds, with a fraction, as a UTC time.
pub fn from_unix(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() || secs.abs() > 1e11 {
        return None;
    }
    let whole = secs.floor();
    // Float seconds carry at most microseconds (Mailgun); rounding there undoes the binary
    // fraction (`.33` is stored as `.329999923...`).
    let nanos = (((secs - whole) * 1e6).round().min(999_999.0) as u32) * 1000;
    DateTime::from_timestamp(whole as i64, nanos)
}

/// A JSON timestamp: a number of unix seconds, a string of one, or a date string.
pub fn from_json(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    match v {
        serde_json::Value::Number(n) => from_unix(n.as_f64()?),
        serde_json::Value::String(s) => parse(s),
        _ => None,
    }
}

/// Any of the string forms above (not syslog's, which needs a [`LogClock`]).
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !s.is_empty() {
        return from_unix(s.parse().ok()?);
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return iso(s, None).map(|(t, _)| t);
    }
    rfc2822ish(s)
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
    })
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM| ±HHMM]` at the start of `s`. Without a zone,
/// `default_offset` is taken (None: refuse). Returns the time and the bytes used.
pub fn iso(s: &str, default_offset: Option<FixedOffset>) -> Option<(DateTime<Utc>, usize)> {
    let b = s.as_bytes();
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    if b[4] != b'-' || b[7] != b'-' || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (h, mi, sec) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if b.get(at) == Some(&b'.') || b.get(at) == Some(&b',') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanos = nanos * 10 + u32::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..9 {
            nanos *= 10;
        }
    }
    let naive =
        NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_nano_opt(h, mi, sec.min(59), nanos)?;
    // The zone: directly after, or after one space (Exim's `2025-03-18 14:02:12 +0100`).
    let zone_at = if b.get(at) == Some(&b' ') && matches!(b.get(at + 1), Some(b'+' | b'-')) {
        at + 1
    } else {
        at
    };
    let (offset, end) = match b.get(zone_at) {
        Some(b'Z' | b'z') => (FixedOffset::east_opt(0)?, zone_at + 1),
        Some(sign @ (b'+' | b'-')) => {
            let hh = digits(b, zone_at + 1, 2)?;
            let (mm, end) = if b.get(zone_at + 3) == Some(&b':') {
                (digits(b, zone_at + 4, 2)?, zone_at + 6)
            } else {
                (digits(b, zone_at + 3, 2)?, zone_at + 5)
            };
            let secs = (hh * 3600 + mm * 60) as i32;
            let off = if *sign == b'-' {
                FixedOffset::west_opt(secs)?
            } else {
                FixedOffset::east_opt(secs)?
            };
            (off, end)
        }
        _ => (default_offset?, at),
    };
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((local(naive, offset)?, end))
}

fn local(naive: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(word: &str) -> Option<u32> {
    let w = word.get(..3)?.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == w).map(|i| i as u32 + 1)
}

/// `Tue, 04 Feb 2025 10:21:09 UTC` (also `GMT`, `+0000`, or no weekday).
fn rfc2822ish(s: &str) -> Option<DateTime<Utc>> {
    let s = s.split_once(',').map_or(s, |(_, rest)| rest).trim();
    let mut w = s.split_whitespace();
    let day: u32 = w.next()?.parse().ok()?;
    let mo = month(w.next()?)?;
    let year: i32 = w.next()?.parse().ok()?;
    let (h, mi, sec) = hms(w.next()?)?;
    let offset = match w.next() {
        None | Some("UTC" | "GMT" | "UT" | "Z") => FixedOffset::east_opt(0)?,
        Some(z) => {
            let b = z.as_bytes();
            let secs = (digits(b, 1, 2)? * 3600 + digits(b, 3, 2)? * 60) as i32;
            match b[0] {
                b'+' => FixedOffset::east_opt(secs)?,
                b'-' => FixedOffset::west_opt(secs)?,
                _ => return None,
            }
        }
    };
    local(
        NaiveDate::from_ymd_opt(year, mo, day)?.and_hms_opt(h, mi, sec.min(59))?,
        offset,
    )
}

fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    Some((digits(b, 0, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?))
}

/// The syslog stamp `Mar  5 10:15:02` at the start of `line` (15 bytes), in `clock`'s year
/// and zone. Returns the time and the rest of the line.
pub fn syslog<'a>(line: &'a str, clock: &LogClock) -> Option<(DateTime<Utc>, &'a str)> {
    let stamp = line.get(..15)?;
    let mo = month(stamp)?;
    let day: u32 = stamp.get(4..6)?.trim_start().parse().ok()?;
    let (h, mi, sec) = hms(stamp.get(7..15)?)?;
    let naive = NaiveDate::from_ymd_opt(clock.year, mo, day)?.and_hms_opt(h, mi, sec.min(59))?;
    Some((local(naive, clock.offset)?, &line[15..]))
}

/// The leading timestamp of a log line: RFC 3339 (rsyslog), journald `short-iso`, or syslog's.
/// Returns the time, whether the clock's assumptions were used, and the rest of the line.
pub fn log_stamp<'a>(line: &'a str, clock: &LogClock) -> Option<(DateTime<Utc>, bool, &'a str)> {
    if line.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        // A zone-less ISO stamp takes the clock's offset (an assumption too).
        if let Some((t, end)) = iso(line, None) {
            return Some((t, false, &line[end..]));
        }
        let (t, end) = iso(line, Some(clock.offset))?;
        return Some((t, true, &line[end..]));
    }
    syslog(line, clock).map(|(t, rest)| (t, true, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_form_of_the_reference_is_read_as_utc() {
        for (text, want) in [
            ("1742198533", "2025-03-17T08:02:13Z"),
            ("2025-03-18T08:30:00.350Z", "2025-03-18T08:30:00.350Z"),
            (
                "2025-03-12T08:14:27.5531822-04:00",
                "2025-03-12T12:14:27.5531822Z",
            ),
            ("Tue, 04 Feb 2025 10:21:09 UTC", "2025-02-04T10:21:09Z"),
            (
                "2025-03-20T09:05:10.774902+00:00",
                "2025-03-20T09:05:10.774902Z",
            ),
            (
                "2025-03-18T14:02:12.551093+01:00",
                "2025-03-18T13:02:12.551093Z",
            ),
            ("2025-03-18T14:02:12+0100", "2025-03-18T13:02:12Z"),
            ("2025-03-18 14:02:12 +0100", "2025-03-18T13:02:12Z"),
        ] {
            assert_eq!(parse(text), Some(utc(want)), "{text}");
        }
        assert_eq!(
            from_json(&serde_json::json!(1742382341.33)).map(|t| t.timestamp_millis()),
            Some(1742382341330)
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(parse("2025-13-40T99:00:00Z"), None);
    }

    #[test]
    fn syslog_stamps_take_the_assumed_year_and_offset() {
        let clock = LogClock {
            year: 2025,
            offset: FixedOffset::east_opt(3600).unwrap(),
        };
        let (t, assumed, rest) = log_stamp("Mar  5 10:15:02 mta1 postfix", &clock).unwrap();
        assert_eq!(t, utc("2025-03-05T09:15:02Z"));
        assert!(assumed);
        assert_eq!(rest, " mta1 postfix");
        let (t, assumed, _) = log_stamp("2025-03-05 10:15:02 1tuZ", &clock).unwrap();
        assert_eq!((t, assumed), (utc("2025-03-05T09:15:02Z"), true));
    }
}
