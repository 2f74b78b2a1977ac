//! Mailgun: webhook bodies (`{"signature", "event-data"}`), events-API pages (`items` of event
//! data) and the bounces / complaints / unsubscribes lists (`items` with `address`) (format
//! reference, section 4). A `failed` event whose reason is `suppress-*` (codes 605/606/607, no
//! SMTP session) is a suppression, not a bounce. Legacy (pre-2018) `bounced` / `dropped` events
//! are read too.

use serde_json::Value;

use super::event::{unwrap_address, Event, Kind, Location, Reply, Service};
use super::json::{message_id, s, text, uint};
use super::{time, Ctx};

/// The list a `suppress-*` reason refers to.
fn suppress_list(reason: &str) -> Option<&'static str> {
    match reason {
        "suppress-bounce" => Some("bounces"),
        "suppress-unsubscribe" => Some("unsubscribes"),
        "suppress-complaint" => Some("complaints"),
        _ => None,
    }
}

pub(crate) fn event(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let d = v.get("event-data").unwrap_or(v);
    let name = s(d, "event").ok_or("a Mailgun event without \"event\"")?;
    let reason = s(d, "reason").unwrap_or("");
    let severity = s(d, "severity").unwrap_or("");
    let kind = match name {
        "accepted" => Kind::Accepted,
        "rejected" => Kind::Rejected,
        "delivered" => Kind::Delivered,
        "failed" | "dropped" | "bounced" => {
            if suppress_list(reason).is_some() || (name == "dropped" && reason == "hardfail") {
                Kind::Suppressed
            } else if reason == "old" {
                // Retries exhausted: seen in legacy `dropped` events; on current events
                // **unverified**.
                Kind::Expired
            } else if severity == "temporary" {
                Kind::Deferred
            } else {
                Kind::Bounced
            }
        }
        "complained" => Kind::Complained,
        "unsubscribed" => Kind::Unsubscribed,
        "opened" | "clicked" | "stored" | "list_member_uploaded" => return Ok(0),
        other => return Err(format!("unknown Mailgun event {other:?}")),
    };
    let when = d
        .get("timestamp")
        .and_then(time::from_json)
        .ok_or("a Mailgun event without a readable \"timestamp\" (unix seconds)")?;
    let Some(recipient) = s(d, "recipient") else {
        // `rejected` (the request refused) names no recipient: nothing to attach it to.
        return if kind == Kind::Rejected {
            Ok(0)
        } else {
            Err(format!("a Mailgun {name} event without \"recipient\""))
        };
    };
    let mut e = Event::new(
        when,
        unwrap_address(recipient),
        kind,
        Service::Mailgun,
        loc.clone(),
    );
    let headers = d.get("message").and_then(|m| m.get("headers"));
    e.message_id = headers
        .and_then(|h| s(h, "message-id"))
        .and_then(message_id);
    e.subject = headers.and_then(|h| text(h, "subject"));
    // `id` is unique only within a day: with the timestamp it is.
    e.event_id = s(d, "id").map(|id| format!("{id}|{}", e.time.timestamp_millis()));
    if let Some(ds) = d.get("delivery-status") {
        let words = text(ds, "message").or_else(|| text(ds, "description"));
        e.reply = words.as_deref().map(Reply::from_text).unwrap_or_default();
        if let Some(code) = uint(ds, "code") {
            e.reply.code = u16::try_from(code).ok();
        }
        if let Some(st) = text(ds, "enhanced-code") {
            e.reply.status = Some(st);
        }
        e.mx_host = text(ds, "mx-host");
        e.attempt = uint(ds, "attempt-no").map(|a| a as u32);
    } else if let Some(err) = text(d, "error").or_else(|| text(d, "description")) {
        e.reply = Reply::from_text(&err);
    }
    e.reason = (!reason.is_empty()).then(|| {
        if severity.is_empty() {
            reason.to_string()
        } else {
            format!("{severity} {reason}")
        }
    });
    if kind == Kind::Suppressed {
        e.list = Some(suppress_list(reason).unwrap_or("bounces").to_string());
    }
    ctx.emit(e);
    Ok(1)
}

/// A suppression-list item: bounces `{address, code, error, created_at}`, complaints
/// `{address, created_at}`, unsubscribes `{address, tags, created_at}` (the shape of `tags` is
/// **unverified**; only its presence is used).
pub(crate) fn list_item(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let addr = s(v, "address").ok_or("a Mailgun list item without \"address\"")?;
    let when = v
        .get("created_at")
        .and_then(time::from_json)
        .ok_or("a Mailgun list item without a readable \"created_at\"")?;
    let list = if v.get("error").is_some() || v.get("code").is_some() {
        "bounces"
    } else if v.get("tags").is_some() {
        "unsubscribes"
    } else {
        "complaints"
    };
    let mut e = Event::new(
        when,
        unwrap_address(addr),
        Kind::Suppressed,
        Service::Mailgun,
        loc.clone(),
    );
    e.reply = text(v, "error")
        .as_deref()
        .map(Reply::from_text)
        .unwrap_or_default();
    if let Some(code) = uint(v, "code") {
        e.reply.code = u16::try_from(code).ok();
    }
    e.list_record = true;
    e.list = Some(list.into());
    ctx.emit(e);
    Ok(1)
}
