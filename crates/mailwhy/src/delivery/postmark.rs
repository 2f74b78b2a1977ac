//! Postmark: bounce, delivery, spam-complaint and subscription-change webhooks, the bounces API
//! (`{"TotalCount", "Bounces": [...]}`, whose items may lack `RecordType`: **unverified**) and
//! the suppression dump (`{"Suppressions": [...]}`) (format reference, section 3). Keys are
//! matched without regard to case (`MessageID` and `MessageId` both occur), and the bounce kind
//! is read from `Type`, not `TypeCode` (an older sample pairs `SpamComplaint` with 512).

use serde_json::Value;

use super::event::{unwrap_address, Event, Kind, Location, Reply, Service};
use super::json::get_ci;
use super::{time, Ctx};

/// What a bounce `Type` means; None: not delivery evidence (auto-replies, subscribes ...).
fn bounce_kind(ty: &str) -> Option<Kind> {
    Some(match ty {
        "HardBounce" | "BadEmailAddress" | "Blocked" | "DMARCPolicy" | "SpamNotification" => {
            Kind::Bounced
        }
        "Transient" | "DnsError" | "SoftBounce" => Kind::Deferred,
        "SpamComplaint" => Kind::Complained,
        "SMTPApiError" | "ManuallyDeactivated" => Kind::Suppressed,
        "TemplateRenderingFailed" => Kind::Rejected,
        "Unsubscribe" => Kind::Unsubscribed,
        _ => return None,
    })
}

fn st(v: &Value, key: &str) -> Option<String> {
    match get_ci(v, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn when(v: &Value, key: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    get_ci(v, key)
        .and_then(time::from_json)
        .ok_or_else(|| format!("a Postmark record without a readable \"{key}\""))
}

/// One Postmark record; `container` is the page key it was found under.
pub(crate) fn record(
    ctx: &mut Ctx<'_>,
    v: &Value,
    container: Option<&str>,
    loc: &Location,
) -> Result<usize, String> {
    let record_type = st(v, "RecordType");
    let is_dump_item = container == Some("Suppressions")
        || (record_type.is_none() && get_ci(v, "EmailAddress").is_some());
    if is_dump_item {
        return dump_item(ctx, v, loc);
    }
    let record_type = record_type.unwrap_or_else(|| "Bounce".to_string());
    // Every record type: the event at the time in `at`, with the message fields (absent ones stay
    // `None`) and the receiver's words from `Details` where the type has them.
    let event = |at: &str, addr: &str, kind: Kind| -> Result<Event, String> {
        let mut e = Event::new(
            when(v, at)?,
            unwrap_address(addr),
            kind,
            Service::Postmark,
            loc.clone(),
        );
        e.service_message_id = st(v, "MessageID");
        e.subject = st(v, "Subject");
        e.event_id = st(v, "ID").map(|id| format!("{}:{id}", record_type));
        e.reply = st(v, "Details")
            .as_deref()
            .map(Reply::from_text)
            .unwrap_or_default();
        Ok(e)
    };
    let stream_list = || {
        format!(
            "suppressions of stream {}",
            st(v, "MessageStream").unwrap_or_else(|| "outbound".into())
        )
    };
    match record_type.as_str() {
        "Bounce" | "SpamComplaint" => {
            let ty = st(v, "Type").ok_or("a Postmark bounce without \"Type\"")?;
            let Some(kind) = bounce_kind(&ty) else {
                return Ok(0);
            };
            let addr = st(v, "Email").ok_or("a Postmark bounce without \"Email\"")?;
            let mut e = event("BouncedAt", &addr, kind)?;
            e.reason = Some(
                [Some(ty.clone()), st(v, "Description")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": "),
            );
            if kind == Kind::Suppressed {
                e.list = Some(stream_list());
            }
            ctx.emit(e);
            Ok(1)
        }
        "Delivery" => {
            let addr = st(v, "Recipient").ok_or("a Postmark delivery without \"Recipient\"")?;
            ctx.emit(event("DeliveredAt", &addr, Kind::Delivered)?);
            Ok(1)
        }
        "SubscriptionChange" => {
            // `SuppressSending: false` is a reactivation: not an event of this vocabulary, and
            // a later send shows the result; it is counted as not evidence.
            if get_ci(v, "SuppressSending").and_then(Value::as_bool) != Some(true) {
                return Ok(0);
            }
            let addr =
                st(v, "Recipient").ok_or("a Postmark subscription change without \"Recipient\"")?;
            let reason = st(v, "SuppressionReason");
            let kind = if reason.is_none() {
                Kind::Unsubscribed
            } else {
                Kind::Suppressed
            };
            let mut e = event("ChangedAt", &addr, kind)?;
            e.reason = reason.or_else(|| st(v, "Origin"));
            e.list = Some(stream_list());
            ctx.emit(e);
            Ok(1)
        }
        "Open" | "Click" | "Inbound" => Ok(0),
        other => Err(format!("unknown Postmark RecordType {other:?}")),
    }
}

/// A suppression-dump item: `EmailAddress`, `SuppressionReason`, `Origin`, `CreatedAt` (its
/// exact form is **unverified**: an ISO string with an offset is assumed, any form read).
fn dump_item(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let addr = st(v, "EmailAddress").ok_or("a Postmark suppression without \"EmailAddress\"")?;
    let mut e = Event::new(
        when(v, "CreatedAt")?,
        unwrap_address(&addr),
        Kind::Suppressed,
        Service::Postmark,
        loc.clone(),
    );
    e.reason = Some(
        [
            st(v, "SuppressionReason"),
            st(v, "Origin").map(|o| format!("by {o}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
    )
    .filter(|r| !r.is_empty());
    e.list_record = true;
    e.list = Some("suppressions of the message stream".into());
    ctx.emit(e);
    Ok(1)
}
