//! `mailwhy message` and `POST /v1/message`: the full report on one received message or bounce.
//! The Received chain with hop delays, the receivers' authentication results, spam verdicts and
//! the bounce reading; the sender against the allowlist; and for a received message its SPF,
//! DKIM and DMARC computed by mailwhy beside what the receivers recorded. Both front ends get
//! this same authenticated report.

use crate::allowlist::Allowlist;
use crate::check::Context;
use crate::message::{NotMail, Options};
use crate::report::Report;

use super::Run;

/// One message and what to compare it with.
#[derive(Debug, Clone)]
pub struct MessageRequest<'a> {
    /// The name the report gives the message (a file name; the server says `message`).
    pub name: String,
    /// The raw message or bounce (RFC 5322).
    pub raw: &'a [u8],
    /// Size cap and hop-delay threshold.
    pub options: Options,
    /// The address from the ticket: the report says when the message went elsewhere.
    pub ticket_address: Option<String>,
    /// The gateway allowlist (or what the vendor publishes) to check the sender against.
    pub allowlist: Option<&'a Allowlist>,
}

/// The message report, or why the bytes are not a message.
pub async fn message(ctx: &Context, request: &MessageRequest<'_>) -> Result<Report, NotMail> {
    let run = Run::start(ctx);
    let msg = crate::message::Parsed::capped(request.raw, request.options.max_bytes)?;
    let inputs = crate::message::Inputs {
        ticket_address: request.ticket_address.as_deref(),
        allowlist: request.allowlist,
        ..Default::default()
    };
    let report =
        crate::message::report(&run.ctx, &request.name, &msg, &request.options, &inputs).await;
    Ok(run.finish(report))
}
