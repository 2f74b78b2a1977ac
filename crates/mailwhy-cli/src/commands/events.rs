//! `mailwhy events FILE... --email ADDR [--since T] [--until T] [--year YYYY]
//! [--log-utc-offset ±HH:MM] [--events-format NAME]`: the address's delivery timeline from ESP
//! event exports, suppression lists and mail logs, its state first (exit 1 when it explains a
//! missing email, 0 when delivered, 3 when the files cannot tell).

use std::path::PathBuf;

use chrono::FixedOffset;
use clap::Args;
use mailwhy::delivery::timeline::Window;
use mailwhy::delivery::{Service, SourceFile};
use mailwhy::workflow::{self, EventsRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Event exports, webhook dumps, suppression lists or mail logs (recognized from content)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The recipient address (domain matched without regard to case, local part exactly)
    #[arg(long, value_name = "ADDR")]
    email: String,
    /// Only events at or after this time (RFC 3339, or a date: midnight UTC)
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// Only events at or before this time (RFC 3339, or a date: midnight UTC)
    #[arg(long, value_name = "T")]
    until: Option<String>,
    /// The year of log timestamps that have none (syslog's `Mar  5 10:15:02`; default: this year)
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
    /// The UTC offset of log timestamps without a zone (default +00:00)
    #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
    log_utc_offset: Option<String>,
    /// Read every file as this source instead of recognizing it: sendgrid, ses, postmark,
    /// mailgun, resend, postfix, exim, csv
    #[arg(long, value_name = "NAME")]
    events_format: Option<String>,
}

/// `±HH:MM` (or `±HHMM`, `Z`) as an offset.
pub(crate) fn parse_offset(s: &str) -> Result<FixedOffset, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--log-utc-offset: {:?} is not a UTC offset (expected ±HH:MM, e.g. +01:00)",
            mailwhy::sanitize::line(s)
        ))
    };
    if s == "Z" || s == "z" {
        return Ok(FixedOffset::east_opt(0).expect("zero"));
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 5 {
        return Err(bad());
    }
    let h: i32 = digits[..2].parse().map_err(|_| bad())?;
    let m: i32 = digits[2..].parse().map_err(|_| bad())?;
    if h > 14 || m > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
}

/// `--events-format NAME`.
pub(crate) fn parse_format(s: &str) -> Result<Service, CliError> {
    Service::from_name(s).ok_or_else(|| {
        CliError::Usage(format!(
            "--events-format: {:?} is not a source (expected one of {})",
            mailwhy::sanitize::line(s),
            Service::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn parse_time(flag: &str, s: &str) -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    mailwhy::directory::parse_time(s)
        .ok()
        .flatten()
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{flag}: {:?} is not a time (expected RFC 3339, e.g. 2026-11-23T12:00:00Z, or a date)",
                mailwhy::sanitize::line(s)
            ))
        })
}

pub fn run(settings: &Settings, args: EventsArgs) -> Result<u8, CliError> {
    if !args.email.contains('@') {
        return Err(CliError::Usage(format!(
            "--email: {:?} is not an email address",
            mailwhy::sanitize::line(&args.email)
        )));
    }
    let window = Window {
        since: args
            .since
            .as_deref()
            .map(|s| parse_time("--since", s))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_time("--until", s))
            .transpose()?,
    };
    if let (Some(s), Some(u)) = (window.since, window.until) {
        if s > u {
            return Err(CliError::Usage("--since is later than --until".into()));
        }
    }
    if let Some(y) = args.year {
        if !(1970..=9999).contains(&y) {
            return Err(CliError::Usage(format!(
                "--year: expected a year from 1970 to 9999, found {y}"
            )));
        }
    }
    let request = EventsRequest {
        files: args.files.into_iter().map(SourceFile::Path).collect(),
        address: args.email,
        window,
        year: args.year,
        log_utc_offset: args
            .log_utc_offset
            .as_deref()
            .map(parse_offset)
            .transpose()?,
        format: args
            .events_format
            .as_deref()
            .map(parse_format)
            .transpose()?,
    };
    let report = workflow::events(&request)?;
    crate::output::emit(settings, &[report], None)
}
