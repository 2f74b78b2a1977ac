//! Resend: webhook events `{"type": "email.…", "created_at", "data": {...}}` (format reference,
//! section 5). The event time is the top-level `created_at` (`data.created_at` is the email's
//! creation); there is no SMTP reply in `delivered` / `delivery_delayed`, and `bounce.message`
//! is prose.

use serde_json::Value;

use super::event::{unwrap_address, Event, Kind, Location, Reply, Service};
use super::json::{message_id, s, text};
use super::{time, Ctx};

pub(crate) fn event(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let ty = s(v, "type").ok_or("a Resend event without \"type\"")?;
    let data = v.get("data").ok_or("a Resend event without \"data\"")?;
    let when = v
        .get("created_at")
        .and_then(time::from_json)
        .ok_or("a Resend event without a readable \"created_at\"")?;
    let bounce = data.get("bounce");
    let kind = match ty {
        "email.sent" => Kind::Accepted,
        "email.delivered" => Kind::Delivered,
        // A docs sample once spelled it `email.delivered_delayed`.
        "email.delivery_delayed" | "email.delivered_delayed" => Kind::Deferred,
        "email.bounced" => match bounce.and_then(|b| s(b, "subType")) {
            Some("Suppressed" | "OnAccountSuppressionList") => Kind::Suppressed,
            _ => Kind::Bounced,
        },
        "email.complained" => Kind::Complained,
        "email.failed" => Kind::Rejected,
        "email.suppressed" | "suppression.added" => Kind::Suppressed,
        "email.scheduled"
        | "email.opened"
        | "email.clicked"
        | "email.received"
        | "suppression.removed" => return Ok(0),
        t if t.starts_with("contact.") || t.starts_with("domain.") => return Ok(0),
        other => return Err(format!("unknown Resend event type {other:?}")),
    };
    let recipients: Vec<String> = if ty == "suppression.added" {
        s(data, "email")
            .map(|e| vec![e.to_string()])
            .unwrap_or_default()
    } else {
        match data.get("to") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => vec![],
        }
    };
    if recipients.is_empty() {
        return Err(format!(
            "a Resend {ty} event without a recipient (\"data.to\")"
        ));
    }
    let mut n = 0;
    for r in &recipients {
        let mut e = Event::new(when, unwrap_address(r), kind, Service::Resend, loc.clone());
        e.service_message_id = text(data, "email_id");
        // `data.message_id` is in the client types, **unverified** in payloads.
        e.message_id = s(data, "message_id").and_then(message_id);
        e.subject = text(data, "subject");
        // Svix's id is not in the body: type + email + time identify the event.
        e.event_id = Some(format!(
            "{ty}|{}|{}",
            e.service_message_id.as_deref().unwrap_or(""),
            s(v, "created_at").unwrap_or("")
        ));
        match ty {
            "email.bounced" => {
                if let Some(b) = bounce {
                    e.reply = text(b, "message")
                        .as_deref()
                        .map(Reply::from_text)
                        .unwrap_or_default();
                    e.reason = Some(format!(
                        "{}/{}",
                        s(b, "type").unwrap_or("?"),
                        s(b, "subType").unwrap_or("?")
                    ));
                }
                if kind == Kind::Suppressed {
                    e.list = Some("Resend suppression list".into());
                }
            }
            "email.suppressed" => {
                let sup = data.get("suppressed");
                // Only `OnAccountSuppressionList` has been seen as `suppressed.type`.
                e.reason = sup.and_then(|x| text(x, "type"));
                e.reply = sup
                    .and_then(|x| text(x, "message"))
                    .map(|m| Reply {
                        text: Some(m),
                        ..Reply::default()
                    })
                    .unwrap_or_default();
                e.list = Some("Resend suppression list".into());
            }
            "suppression.added" => {
                e.reason = text(data, "origin");
                e.list = Some("Resend suppression list".into());
            }
            "email.failed" => e.reason = data.get("failed").and_then(|f| text(f, "reason")),
            _ => {}
        }
        ctx.emit(e);
        n += 1;
    }
    Ok(n)
}
