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
pub(crate) mod received_chain;
mod sections;
pub(crate) mod spam;
pub mod verify;

use std::time::Instant;

pub use crate::mail::{check_looks_like_mail, read_file, skip_mbox_line, NotMail, Parsed};
pub use analysis::{analyze, Analysis, SenderFacts};
pub use checks::recipient_mismatch;
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
        ..Default::default()
    };
    sections::assemble(subject, &c.analysis, c.outcomes, stats, c.computed.as_ref())
}

/// The default size cap for one input message: 25 MB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
