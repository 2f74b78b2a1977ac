//! `mailwhy events FILE... --email ADDR`: the address's delivery timeline from the sending
//! service's events or the MTA's log, and its state as the report's first finding (one of the
//! `delivery.*` ids). The reading and the conclusion are [`crate::delivery`]'s; this module only
//! puts them into a [`Report`]: the `delivery` check, the finding, the timeline as `data` and as
//! text sections, the records that could not be read, and the assumptions about log clocks.

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde_json::json;

use crate::check::{CheckOutcome, CheckStatus};
use crate::delivery::timeline::{State, Timeline, Window};
use crate::delivery::{
    findings, EventQuery, FileSource, LogClock, ReadOptions, Service, SourceError, SourceFile,
};
use crate::report::{Report, Stats};

/// The files and the question.
#[derive(Debug, Clone, Default)]
pub struct EventsRequest {
    /// The files (exports, webhook dumps, mail logs) or uploaded texts.
    pub files: Vec<SourceFile>,
    /// The address.
    pub address: String,
    /// The period asked about.
    pub window: Window,
    /// The year of log stamps without one (default: the current year).
    pub year: Option<i32>,
    /// The UTC offset of log stamps without a zone (default: UTC).
    pub log_utc_offset: Option<FixedOffset>,
    /// Read every record as this service's; None: recognize each.
    pub format: Option<Service>,
}

impl EventsRequest {
    /// The reading options, with the defaults for what was not given.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.format,
            clock: LogClock {
                year: self.year.unwrap_or_else(|| Utc::now().year()),
                offset: self
                    .log_utc_offset
                    .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset")),
            },
        }
    }
}

/// Reads the files and reports on the address. A file that cannot be opened is an error (the
/// others are not read); records that cannot be read are listed in the report.
pub fn events(request: &EventsRequest) -> crate::Result<Report> {
    let started = std::time::Instant::now();
    let source = FileSource {
        files: request.files.clone(),
        options: request.read_options(),
    };
    let query = EventQuery {
        address: request.address.clone(),
        window: request.window,
    };
    let timeline = source.read_blocking(&query).map_err(|e| match e {
        SourceError::Unreadable { file, message } => crate::Error::Input { file, message },
        other => crate::Error::Input {
            file: request.address.clone(),
            message: other.to_string(),
        },
    })?;
    Ok(timeline_report(timeline, &source.options, started))
}

/// `mailwhy events --email ADDR --store sqlite:PATH`: the same report, from the event store
/// (an index lookup on the address) instead of files.
#[cfg(feature = "store")]
pub fn events_in_store(
    request: &EventsRequest,
    store: &crate::store::SqliteStore,
) -> crate::Result<Report> {
    let started = std::time::Instant::now();
    let query = EventQuery {
        address: request.address.clone(),
        window: request.window,
    };
    let timeline = store
        .timeline_blocking(&query)
        .map_err(|e| crate::Error::Input {
            file: request.address.clone(),
            message: e.to_string(),
        })?;
    Ok(timeline_report(timeline, &request.read_options(), started))
}

/// The report of a timeline, however it was read.
fn timeline_report(
    timeline: Timeline,
    options: &ReadOptions,
    started: std::time::Instant,
) -> Report {
    let outcome = delivery_outcome(&timeline, options);
    let sections = sections(&timeline, options);
    let mut report = Report::from_outcomes(
        timeline.address.clone(),
        vec![outcome],
        Stats {
            dns_queries: 0,
            duration_ms: started.elapsed().as_millis() as u64,
            // Reading delivery evidence asks no resolver.
            resolvers: Vec::new(),
        },
    )
    .with_data(json!({ "timeline": timeline, "assumptions": assumptions(&timeline, options) }));
    for (title, lines) in sections {
        report = report.with_section(title, lines);
    }
    report
}

/// The `delivery` check of a timeline: ran with its conclusion as the finding, or inconclusive
/// when the files cannot tell.
pub fn delivery_outcome(t: &Timeline, options: &ReadOptions) -> CheckOutcome {
    let mut c = CheckOutcome::start("delivery");
    c.push(findings::finding(t));
    let problems: u64 = t.files.iter().map(|f| f.problem_count).sum();
    let mut detail = format!(
        "{} event(s) read from {} file(s), {} for {}",
        t.events_read,
        t.files.len(),
        t.events.len(),
        t.address
    );
    if problems > 0 {
        detail.push_str(&format!("; {problems} record(s) could not be read"));
    }
    if t.duplicates > 0 {
        detail.push_str(&format!("; {} duplicate(s) dropped", t.duplicates));
    }
    for a in assumptions(t, options) {
        detail.push_str(&format!("; {a}"));
    }
    if t.conclusion.state == State::NoEvidence {
        c.inconclusive(detail.clone());
    }
    let mut out = c.done(detail);
    if out.status == CheckStatus::Inconclusive {
        out.why = None;
    }
    out
}

fn assumptions(t: &Timeline, options: &ReadOptions) -> Vec<String> {
    if !t.files.iter().any(|f| f.clock_assumed) {
        return vec![];
    }
    vec![format!(
        "log timestamps without year or zone read as year {} at UTC{} (--year, --log-utc-offset)",
        options.clock.year, options.clock.offset
    )]
}

fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn sections(t: &Timeline, options: &ReadOptions) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let lines: Vec<String> = t
        .events
        .iter()
        .map(|te| {
            let e = &te.event;
            let mut l = format!("{}  {:<12} {}", at(e.time), e.kind.as_str(), e.service);
            let reply = e.reply.summary();
            if !reply.is_empty() {
                l.push_str(&format!("  \"{reply}\""));
            }
            if let Some(r) = &e.reason {
                l.push_str(&format!("  ({r})"));
            }
            if let Some(list) = &e.list {
                l.push_str(&format!("  list: {list}"));
            }
            if let Some(r) = te.bounce_reason {
                l.push_str(&format!("  reason {r}"));
            }
            if let Some(m) = e.message_id.as_deref().or(e.service_message_id.as_deref()) {
                l.push_str(&format!("  message {m}"));
            }
            l.push_str(&format!("  [{}]", e.location));
            l
        })
        .collect();
    out.push((
        format!("timeline of {} (UTC)", t.address),
        if lines.is_empty() {
            vec!["no events for this address".into()]
        } else {
            lines
        },
    ));
    if t.messages.len() > 1 {
        out.push((
            "messages".into(),
            t.messages
                .iter()
                .map(|m| {
                    format!(
                        "{}  {:<12} {}{}",
                        at(m.at),
                        m.state.as_str(),
                        m.message,
                        m.subject
                            .as_deref()
                            .map_or(String::new(), |s| format!("  \"{s}\""))
                    )
                })
                .collect(),
        ));
    }
    if !t.near_matches.is_empty() {
        out.push(("near matches".into(), t.near_matches.clone()));
    }
    let problems: Vec<String> = t
        .files
        .iter()
        .flat_map(|f| {
            let more = f.problem_count.saturating_sub(f.problems.len() as u64);
            f.problems
                .iter()
                .map(|p| p.to_string())
                .chain((more > 0).then(|| format!("{}: {more} more", f.file)))
        })
        .collect();
    if !problems.is_empty() {
        out.push(("records that could not be read".into(), problems));
    }
    let a = assumptions(t, options);
    if !a.is_empty() {
        out.push(("assumptions".into(), a));
    }
    out
}
