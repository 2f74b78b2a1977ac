//! The one place delivery evidence asks the bounce classifier ([`crate::bounce`]) why a reply
//! refused a message, so that a bounce read from an ESP's events gets the same reason (and the
//! same `bounce.*` vocabulary) as the same text in a bounce message read by `mailwhy bounce`.
//! Only the classifier's public entry point is used: its internals are free to change.

use crate::bounce::classify::{classify, Evidence};
use crate::bounce::Reason;

use super::{Event, Kind};

/// Why the receiver (or the service) refused or delayed `e`, from its reply; None for events
/// that are no refusal, or whose reply says nothing.
pub fn of(e: &Event) -> Option<Reason> {
    let action = match e.kind {
        Kind::Deferred => "delayed",
        Kind::Bounced | Kind::Expired | Kind::Rejected => "failed",
        _ => return None,
    };
    if e.reply.is_empty() {
        return None;
    }
    let code = e.reply.code.map(|c| c.to_string());
    let reason = classify(&Evidence {
        diagnostic: e.reply.text.as_deref().unwrap_or(""),
        context: e.reason.as_deref().unwrap_or(""),
        status: e.reply.status.as_deref(),
        reply_code: code.as_deref(),
        action: Some(action),
        diagnostic_type: Some("smtp"),
        phase_hint: None,
    });
    Some(reason)
}
