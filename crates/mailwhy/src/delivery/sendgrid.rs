//! Twilio SendGrid: event webhook objects (arrays as posted, or JSON Lines as stored) and the
//! suppression lists (`bounces`, `blocks`, `spam_reports`, `invalid_emails`, `unsubscribes`,
//! ASM group suppressions) as the API returns them (format reference, section 1).

use serde_json::Value;

use super::event::{Event, Kind, Location, Reply, Service};
use super::json::{message_id, s, text, uint};
use super::{time, Ctx};

/// The `dropped` reasons that mean "on a suppression list" (the others are refusals of the
/// request itself: `Invalid SMTPAPI header`, `Spam Content`, `Recipient List over Package Quota`).
const SUPPRESSED_DROPS: &[&str] = &[
    "Bounced Address",
    "Unsubscribed Address",
    "Spam Reporting Address",
    "Invalid",
];

/// The list a `dropped` reason refers to.
fn list_of_drop(reason: &str) -> &'static str {
    match reason {
        "Bounced Address" => "bounces",
        "Unsubscribed Address" => "unsubscribes",
        "Spam Reporting Address" => "spam_reports",
        _ => "invalid_emails",
    }
}

/// One webhook event. Ok(0) for events that are not delivery evidence (opens, clicks).
pub(crate) fn event(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let name = s(v, "event").ok_or("a SendGrid event without \"event\"")?;
    let reason = text(v, "reason");
    let kind = match name {
        "processed" => Kind::Accepted,
        "delivered" => Kind::Delivered,
        "deferred" => Kind::Deferred,
        "bounce" => {
            // The webhook event at the 72-hour expiry is **unverified**: a `type` or `reason`
            // of `expired` is taken as expiry.
            let ty = s(v, "type").unwrap_or("");
            if ty.eq_ignore_ascii_case("expired")
                || reason
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case("expired"))
            {
                Kind::Expired
            } else {
                Kind::Bounced
            }
        }
        "dropped" => match reason.as_deref() {
            Some(r) if SUPPRESSED_DROPS.contains(&r) => Kind::Suppressed,
            _ => Kind::Rejected,
        },
        "spamreport" => Kind::Complained,
        "unsubscribe" | "group_unsubscribe" => Kind::Unsubscribed,
        "open" | "click" | "group_resubscribe" => return Ok(0),
        other => return Err(format!("unknown SendGrid event {other:?}")),
    };
    let email = s(v, "email").ok_or("a SendGrid event without \"email\"")?;
    let when = v
        .get("timestamp")
        .and_then(time::from_json)
        .ok_or("a SendGrid event without a readable \"timestamp\" (unix seconds)")?;
    let mut e = Event::new(when, email.trim(), kind, Service::Sendgrid, loc.clone());
    e.event_id = text(v, "sg_event_id");
    e.message_id = s(v, "smtp-id").and_then(message_id);
    // `sg_message_id` is the X-Message-Id plus a per-event suffix after the first dot.
    e.service_message_id = s(v, "sg_message_id")
        .map(|m| m.split('.').next().unwrap_or(m).to_string())
        .filter(|m| !m.is_empty());
    e.subject = text(v, "subject");
    e.attempt = uint(v, "attempt").map(|a| a as u32);
    let reply_text = match kind {
        Kind::Delivered | Kind::Deferred => text(v, "response").or_else(|| reason.clone()),
        Kind::Bounced | Kind::Expired => reason.clone().or_else(|| text(v, "response")),
        _ => None,
    };
    e.reply = reply_text
        .as_deref()
        .map(Reply::from_text)
        .unwrap_or_default();
    if let Some(st) = text(v, "status").filter(|st| super::event::is_enhanced_status(st)) {
        e.reply.status = Some(st);
    }
    let words: Vec<String> = [
        (name == "bounce")
            .then(|| s(v, "type").map(|t| format!("type {t}")))
            .flatten(),
        (kind != Kind::Bounced && kind != Kind::Deferred && kind != Kind::Delivered)
            .then(|| reason.clone())
            .flatten(),
        text(v, "bounce_classification"),
        (name == "group_unsubscribe")
            .then(|| text(v, "asm_group_id").map(|g| format!("group {g}")))
            .flatten(),
    ]
    .into_iter()
    .flatten()
    .collect();
    e.reason = (!words.is_empty()).then(|| words.join("; "));
    if kind == Kind::Suppressed {
        e.list = reason.as_deref().map(|r| list_of_drop(r).to_string());
    }
    ctx.emit(e);
    Ok(1)
}

/// One suppression-list item. The list is told by its fields (the API answers one list per
/// call, and the export has no list name): `ip` = spam_reports, `status` = bounces (blocks
/// have the same fields and do not suppress: the name says both), `reason` alone =
/// invalid_emails, `group_id` = a group unsubscribe, neither = unsubscribes. The UI's CSV
/// columns are **unverified**; CSV goes through the column-name mapping instead.
pub(crate) fn list_item(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let email = s(v, "email")
        .or_else(|| s(v, "recipient_email"))
        .ok_or("a SendGrid suppression item without \"email\"")?;
    let when = v
        .get("created")
        .or_else(|| v.get("created_at"))
        .and_then(time::from_json)
        .ok_or("a SendGrid suppression item without a readable \"created\" (unix seconds)")?;
    let has = |k: &str| v.get(k).is_some();
    let (kind, list) = if has("ip") {
        (Kind::Suppressed, "spam_reports".to_string())
    } else if has("status") {
        (Kind::Suppressed, "bounces (or blocks)".to_string())
    } else if has("reason") {
        (Kind::Suppressed, "invalid_emails".to_string())
    } else if has("group_id") {
        let group = text(v, "group_name")
            .or_else(|| text(v, "group_id"))
            .unwrap_or_default();
        (Kind::Unsubscribed, format!("group unsubscribes ({group})"))
    } else {
        (Kind::Suppressed, "unsubscribes".to_string())
    };
    let mut e = Event::new(when, email.trim(), kind, Service::Sendgrid, loc.clone());
    e.reply = text(v, "reason")
        .as_deref()
        .map(Reply::from_text)
        .unwrap_or_default();
    if let Some(st) = text(v, "status").filter(|st| super::event::is_enhanced_status(st)) {
        e.reply.status = Some(st);
    }
    e.reason = text(v, "reason");
    e.list_record = true;
    e.list = Some(list);
    ctx.emit(e);
    Ok(1)
}
