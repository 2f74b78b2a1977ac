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
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EventsArgs {
    #[command(subcommand)]
    action: Option<EventsAction>,
    /// Event exports, webhook dumps, suppression lists or mail logs (recognized from content)
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The recipient address (domain matched without regard to case, local part exactly)
    #[arg(long, value_name = "ADDR", required = true)]
    email: Option<String>,
    /// Read the events from this store (`sqlite:PATH`, filled by `events import`) instead of
    /// files (default with no FILE: `store` in the config)
    #[arg(long, value_name = "URL", conflicts_with = "files")]
    store: Option<String>,
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

/// `mailwhy events import` and `mailwhy events prune`.
#[derive(Debug, clap::Subcommand)]
enum EventsAction {
    /// Read event exports, suppression lists and logs into the event store (idempotent: events
    /// already stored are skipped; a suppression list's export updates the suppression table)
    Import(ImportArgs),
    /// Delete the stored events older than a duration (suppressions stay)
    Prune(PruneArgs),
}

/// Arguments of `mailwhy events import`.
#[derive(Debug, Args)]
struct ImportArgs {
    /// The files to import
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The store (`sqlite:PATH`; default: `store` in the config)
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// The year of log timestamps that have none (default: this year)
    #[arg(long, value_name = "YYYY")]
    year: Option<i32>,
    /// The UTC offset of log timestamps without a zone (default +00:00)
    #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true)]
    log_utc_offset: Option<String>,
    /// Read every file as this source instead of recognizing it
    #[arg(long, value_name = "NAME")]
    events_format: Option<String>,
    /// "Now": when a suppression missing from a later export counts as removed (RFC 3339;
    /// default: the clock)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

/// Arguments of `mailwhy events prune`.
#[derive(Debug, Args)]
struct PruneArgs {
    /// Delete events older than this: `180d`, `12h`, `30m`
    #[arg(long, value_name = "DURATION", required = true)]
    older_than: String,
    /// The store (`sqlite:PATH`; default: `store` in the config)
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// "Now", which the duration counts back from (RFC 3339; default: the clock)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

/// Opens the store a `--store` URL names.
pub(crate) fn open_store(url: &str) -> Result<mailwhy::store::SqliteStore, CliError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(CliError::Usage(
            "--store: PostgreSQL stores are not implemented in this build (expected sqlite:PATH)"
                .into(),
        ));
    }
    mailwhy::store::SqliteStore::open_url(url).map_err(|e| match e {
        mailwhy::store::StoreError::Url(_) => CliError::Usage(format!("--store: {e}")),
        other => CliError::Io(other.to_string()),
    })
}

fn store_url(settings: &Settings, flag: Option<String>) -> Result<String, CliError> {
    flag.or_else(|| settings.config.store.clone())
        .ok_or_else(|| {
            CliError::Usage(
                "needs the event store: --store sqlite:PATH, or `store` in --config".into(),
            )
        })
}

fn now_of(s: Option<&str>) -> Result<chrono::DateTime<chrono::Utc>, CliError> {
    Ok(match s {
        Some(s) => crate::parse_now(s)?.into(),
        None => chrono::Utc::now(),
    })
}

/// `180d`, `12h`, `30m`, `45s` as a duration.
fn parse_age(s: &str) -> Result<chrono::Duration, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--older-than: {:?} is not a duration (expected a number and d, h, m or s, e.g. 180d)",
            mailwhy::sanitize::line(s)
        ))
    };
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(bad()),
    };
    n.checked_mul(secs)
        .filter(|s| *s >= 0)
        .and_then(chrono::Duration::try_seconds)
        .ok_or_else(bad)
}

fn import(settings: &Settings, args: ImportArgs) -> Result<u8, CliError> {
    if let Some(y) = args.year {
        if !(1970..=9999).contains(&y) {
            return Err(CliError::Usage(format!(
                "--year: expected a year from 1970 to 9999, found {y}"
            )));
        }
    }
    let request = EventsRequest {
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
        ..Default::default()
    };
    let now = now_of(args.now.as_deref())?;
    let store = open_store(&store_url(settings, args.store)?)?;
    let files: Vec<SourceFile> = args.files.into_iter().map(SourceFile::Path).collect();
    let summary = store
        .import(&files, &request.read_options(), now)
        .map_err(|e| match e {
            mailwhy::store::StoreError::Source(mailwhy::delivery::SourceError::Unreadable {
                file,
                message,
            }) => CliError::Run(mailwhy::Error::Input { file, message }),
            other => CliError::Io(other.to_string()),
        })?;
    let (events, suppressions) = store.counts().map_err(|e| CliError::Io(e.to_string()))?;
    match settings.format {
        mailwhy::report::Format::Json | mailwhy::report::Format::Jsonl => {
            let mut v = serde_json::to_value(&summary).expect("the summary serializes");
            v["stored_events"] = events.into();
            v["active_suppressions"] = suppressions.into();
            crate::output::print_or_fail(
                &(mailwhy::json::to_string_pretty(&v).expect("serializes") + "\n"),
            )?;
        }
        _ => {
            let mut text = String::new();
            for f in &summary.files {
                text.push_str(&mailwhy::sanitize::line(&format!(
                    "{}: {} events read, {} records could not be read",
                    f.file, f.events, f.problem_count
                )));
                text.push('\n');
                for p in &f.problems {
                    text.push_str(&mailwhy::sanitize::line(&format!(
                        "  {}:{}: {}",
                        p.location.file,
                        p.location.line.unwrap_or(0),
                        p.message
                    )));
                    text.push('\n');
                }
            }
            text.push_str(&format!(
                "{} events added, {} already stored; {} suppressions added, {} removed; the store holds {} events and {} active suppressions\n",
                summary.events_added,
                summary.events_known,
                summary.suppressions_added,
                summary.suppressions_removed,
                events,
                suppressions
            ));
            crate::output::print_or_fail(&text)?;
        }
    }
    Ok(0)
}

fn prune(settings: &Settings, args: PruneArgs) -> Result<u8, CliError> {
    let age = parse_age(&args.older_than)?;
    let now = now_of(args.now.as_deref())?;
    let store = open_store(&store_url(settings, args.store)?)?;
    let before = now - age;
    let n = store
        .prune(before)
        .map_err(|e| CliError::Io(e.to_string()))?;
    crate::output::print_or_fail(&format!(
        "{n} events older than {} deleted\n",
        before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ))?;
    Ok(0)
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
    match args.action {
        Some(EventsAction::Import(a)) => return import(settings, a),
        Some(EventsAction::Prune(a)) => return prune(settings, a),
        None => {}
    }
    let email = args.email.unwrap_or_default();
    if !email.contains('@') {
        return Err(CliError::Usage(format!(
            "--email: {:?} is not an email address",
            mailwhy::sanitize::line(&email)
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
    let store = if args.files.is_empty() {
        Some(store_url(settings, args.store)?)
    } else {
        None
    };
    let request = EventsRequest {
        files: args.files.into_iter().map(SourceFile::Path).collect(),
        address: email,
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
    let report = match store {
        Some(url) => workflow::events_in_store(&request, &open_store(&url)?)?,
        None => workflow::events(&request)?,
    };
    crate::output::emit(settings, &[report], None)
}
