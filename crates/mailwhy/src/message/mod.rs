//! Received messages: a message read once ([`Parsed`]), the facts its headers give
//! ([`Analysis`]: the Received chain in `received_chain`, the receivers' authentication
//! results in [`auth_results`], spam verdicts in `spam`, the bounce reading from
//! [`crate::bounce`]), the checks on those facts (`checks.rs`, no DNS), our own SPF, DKIM and
//! DMARC for the message beside the receivers' ([`verify`]), and the one entry point that runs
//! them all: [`check`], or [`report`] for the `mailwhy message` report (its text sections are
//! `sections.rs`).
//!
//! Dependencies run one way: this module calls [`crate::auth`] and [`crate::spf`] for the
//! protocol work, and neither reads a message.
//!
//! ```no_run
//! # async fn demo(raw: Vec<u8>) -> Result<(), mailwhy::Error> {
//! use mailwhy::check::Context;
//! use mailwhy::dns::{Dns, DnsConfig};
//! use mailwhy::message::{self, Inputs, Options, Parsed};
//! let ctx = Context::new(Dns::new(&DnsConfig::default())?);
//! let parsed = Parsed::new(&raw).expect("mail");
//! let inputs = Inputs { ticket_address: Some("jane@example.com"), ..Inputs::default() };
//! let report = message::report(&ctx, "message.eml", &parsed, &Options::default(), &inputs).await;
//! println!("{}", mailwhy::report::render_text(&[report], false));
//! # Ok(()) }
//! ```

mod analysis;
pub mod auth_results;
mod checks;
mod parsed;
pub(crate) mod received_chain;
mod sections;
pub(crate) mod spam;
pub mod verify;

use std::time::Instant;

pub use analysis::{analyze, Analysis, SenderFacts};
pub use checks::recipient_mismatch;
pub use parsed::Parsed;
pub use sections::bounce_lines;

use crate::allowlist::Allowlist;
use crate::auth::DmarcChecked;
use crate::check::{CheckOutcome, Context};

/// Settings of the message checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Inputs larger than this are refused ([`read_file`], [`Parsed::capped`]; default
    /// [`DEFAULT_MAX_BYTES`]).
    pub max_bytes: u64,
    /// A hop that held the message longer than this many seconds is reported (default 15 min).
    pub hop_delay_threshold_secs: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_bytes: DEFAULT_MAX_BYTES,
            hop_delay_threshold_secs: 15 * 60,
        }
    }
}

/// What a message is checked against besides itself; every part is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// The address from the ticket: `message.recipient-mismatch` when the message went
    /// elsewhere.
    pub ticket_address: Option<&'a str>,
    /// A gateway allowlist for the sender (`allowlist.sender-not-listed`).
    pub allowlist: Option<&'a Allowlist>,
    /// DMARC policies already checked in this run (a diagnosis checks the sender profile's
    /// first): a message from one of those domains reuses the check instead of reporting the
    /// policy again.
    pub dmarc_checked: &'a [DmarcChecked],
}

/// What [`check`] found for one message.
#[derive(Debug)]
pub struct Checked {
    /// The facts read from the message.
    pub analysis: Analysis,
    /// Our SPF, DKIM and DMARC for it, when it is the sender's own mail (not a bounce).
    pub computed: Option<verify::Computed>,
    /// The From domain's DMARC check when this message ran it, for later messages to reuse.
    pub dmarc: Option<DmarcChecked>,
    /// The outcomes: `received`, `authentication`, `spam-filters`, `bounce`, then
    /// `message-recipient` and `sender-listed` when their inputs are given, then, for the
    /// sender's own mail, `spf`, `dkim-signatures`, `dmarc`, `dmarc-result` and
    /// `receiver-results`.
    pub outcomes: Vec<CheckOutcome>,
}

/// Runs every check of one message: the header checks, and for the sender's own mail (not a
/// bounce or a report) our SPF, DKIM and DMARC through `ctx`'s DNS layer beside the
/// receivers' results. What `mailwhy message`, `POST /v1/message` and `diagnose --message` run.
pub async fn check(
    ctx: &Context,
    msg: &Parsed<'_>,
    opts: &Options,
    inputs: &Inputs<'_>,
) -> Checked {
    let analysis = analyze(msg);
    let a = &analysis;
    let mut outcomes = vec![
        checks::check_received(a, opts),
        checks::check_authentication(a),
        checks::check_spam(a),
        checks::check_bounce(a),
    ];
    if let Some(t) = inputs.ticket_address {
        outcomes.push(checks::check_recipient(a, t));
    }
    if let Some(l) = inputs.allowlist {
        outcomes.push(checks::check_sender_listed(a, l));
    }
    let (computed, dmarc) = if a.is_sender_mail() {
        let v = verify::check(ctx, msg, a, inputs.dmarc_checked).await;
        outcomes.extend(v.outcomes);
        (Some(v.computed), v.dmarc)
    } else {
        (None, None)
    };
    Checked {
        analysis,
        computed,
        dmarc,
        outcomes,
    }
}

/// [`check`], as the `mailwhy message` report named `subject`: the outcomes ranked, the facts
/// and our authentication as data, and text sections for the Received chain, the
/// authentication results, spam verdicts and the bounce.
pub async fn report(
    ctx: &Context,
    subject: &str,
    msg: &Parsed<'_>,
    opts: &Options,
    inputs: &Inputs<'_>,
) -> crate::Report {
    let started = Instant::now();
    let before = ctx.dns.queries_sent();
    let c = check(ctx, msg, opts, inputs).await;
    let stats = crate::report::Stats {
        dns_queries: ctx.dns.queries_sent() - before,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    sections::assemble(subject, &c.analysis, c.outcomes, stats, c.computed.as_ref())
}

/// The default size cap for one input message: 25 MB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// Why some bytes are not a mail message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotMail {
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// The input is larger than the cap.
    #[error("the input is {size} bytes, over the {cap}-byte limit for one message")]
    TooLarge {
        /// The input's size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The bytes do not begin with mail header fields.
    #[error("not an email message: {0}")]
    NoHeaders(String),
}

/// The bytes after an mbox `From ` separator line, if the input begins with one.
pub fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    let mut body = raw;
    while body.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
        body = &body[1..];
    }
    if body.starts_with(b"From ") {
        let nl = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
        return &body[(nl + 1).min(body.len())..];
    }
    body
}

/// The cheap test that keeps binary files and plain text from being read as mail: the first
/// line (after an optional mbox `From ` line) must be an RFC 5322 header field, and the header
/// section must hold no NUL bytes.
pub fn check_looks_like_mail(raw: &[u8]) -> Result<(), NotMail> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(NotMail::Empty);
    }
    let body = skip_mbox_line(raw);
    let head_end = body
        .windows(2)
        .position(|w| w == b"\n\n" || w == b"\r\n")
        .map(|_| body.len().min(64 * 1024))
        .unwrap_or(body.len().min(64 * 1024));
    if body[..head_end.min(body.len())].contains(&0) {
        return Err(NotMail::NoHeaders(
            "it contains NUL bytes (binary data)".into(),
        ));
    }
    let first = body.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let colon = first.iter().position(|b| *b == b':');
    let ok = match colon {
        Some(c) if c > 0 && c <= 76 => first[..c]
            .iter()
            .all(|b| (33..=126).contains(b) && *b != b':'),
        _ => false,
    };
    if !ok {
        return Err(NotMail::NoHeaders(
            "the first line is not a header field (expected e.g. \"Received:\" or \"From:\")"
                .into(),
        ));
    }
    Ok(())
}

/// Reads a message file with the size cap, as `mailwhy message` and `mailwhy bounce` do:
/// an unreadable file, one over `max_bytes`, or bytes that are not mail give an error naming it.
pub fn read_file(path: &std::path::Path, max_bytes: u64) -> crate::Result<Vec<u8>> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| crate::Error::Read {
        file: file.clone(),
        source,
    })?;
    if meta.len() > max_bytes {
        return Err(crate::Error::Input {
            file,
            message: NotMail::TooLarge {
                size: meta.len(),
                cap: max_bytes,
            }
            .to_string(),
        });
    }
    let raw = std::fs::read(path).map_err(|source| crate::Error::Read {
        file: file.clone(),
        source,
    })?;
    if raw.len() as u64 > max_bytes {
        return Err(crate::Error::Input {
            file,
            message: NotMail::TooLarge {
                size: raw.len() as u64,
                cap: max_bytes,
            }
            .to_string(),
        });
    }
    check_looks_like_mail(&raw).map_err(|e| crate::Error::Input {
        file,
        message: e.to_string(),
    })?;
    Ok(raw)
}
