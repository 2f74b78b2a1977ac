//! Amazon SES: event-publishing records and identity notifications, bare or in their SNS
//! envelope (`Message` is a JSON string) or a Lambda `Records[].Sns` batch, and the
//! account-level suppression list (`ListSuppressedDestinations`, `GetSuppressedDestination`)
//! (format reference, section 2). One record can cover several recipients: each event object's
//! own recipient list is used, never `mail.destination` (except for `Send` and `Reject`, which
//! have none of their own).

use serde_json::Value;

use super::event::{unwrap_address, Event, Kind, Location, Reply, Service};
use super::json::{message_id, s, text};
use super::{time, Ctx};

/// The list that `OnAccountSuppressionList` and the account-level API name.
const ACCOUNT_LIST: &str = "SES account-level suppression list";
/// The list `bounceSubType: Suppressed` names.
const GLOBAL_LIST: &str = "SES global suppression list";

/// An SNS envelope (its `Message` parsed), or a Lambda batch of them.
pub(crate) fn sns(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    if let Some(inner) = v.get("Sns") {
        return sns(ctx, inner, loc);
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        let mut n = 0;
        for r in records {
            n += sns(ctx, r, loc)?;
        }
        return Ok(n);
    }
    if s(v, "Type") == Some("SubscriptionConfirmation") {
        return Ok(0);
    }
    let message = v
        .get("Message")
        .ok_or("an SNS envelope without \"Message\"")?;
    let inner: Value = match message {
        Value::String(m) => serde_json::from_str(m.trim_end())
            .map_err(|e| format!("the SNS \"Message\" is not the JSON of an SES event ({e})"))?,
        // Raw message delivery or a hand-made dump may hold the object itself.
        other => other.clone(),
    };
    let mut inner = inner;
    // SNS is at-least-once: the envelope's MessageId de-duplicates when the event has no id.
    if let (Some(id), Some(o)) = (s(v, "MessageId"), inner.as_object_mut()) {
        o.entry("x-sns-message-id")
            .or_insert_with(|| Value::String(id.to_string()));
    }
    record(ctx, &inner, loc)
}

/// An SES record with `mail` and `eventType` or `notificationType`.
pub(crate) fn record(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let ty = s(v, "eventType")
        .or_else(|| s(v, "notificationType"))
        .ok_or("an SES record without \"eventType\" or \"notificationType\"")?;
    let mail = v.get("mail").cloned().unwrap_or(Value::Null);
    let base = Base {
        service_message_id: s(&mail, "messageId").map(str::to_string),
        message_id: mail
            .get("commonHeaders")
            .and_then(|h| s(h, "messageId"))
            .and_then(message_id),
        subject: mail.get("commonHeaders").and_then(|h| text(h, "subject")),
        sns_id: s(v, "x-sns-message-id").map(str::to_string),
    };
    let obj = |k: &str| {
        v.get(k)
            .ok_or(format!("an SES {ty} record without \"{k}\""))
    };
    let mut n = 0;
    match ty {
        "Bounce" => {
            let b = obj("bounce")?;
            let when = event_time(b)?;
            let bounce_type = s(b, "bounceType").unwrap_or("");
            let sub = s(b, "bounceSubType").unwrap_or("");
            for r in array(b, "bouncedRecipients")? {
                let addr = recipient(r)?;
                let status = text(r, "status");
                let diag = text(r, "diagnosticCode");
                let kind = match sub {
                    "Suppressed" | "OnAccountSuppressionList" => Kind::Suppressed,
                    // Expiry after delays: a Transient bounce, typically 4.4.7 (wording
                    // **unverified**).
                    _ if bounce_type == "Transient"
                        && (status.as_deref() == Some("4.4.7")
                            || diag.as_deref().is_some_and(|d| d.contains("expired"))) =>
                    {
                        Kind::Expired
                    }
                    _ => Kind::Bounced,
                };
                let mut e = base.event(when, addr, kind, loc);
                e.reply = diag.as_deref().map(Reply::from_text).unwrap_or_default();
                if let Some(st) = status {
                    e.reply.status = Some(st);
                }
                e.reason = Some(format!("{bounce_type}/{sub}"));
                e.event_id = text(b, "feedbackId").or(base.sns_id.clone());
                e.mx_host = text(b, "remoteMtaIp");
                if kind == Kind::Suppressed {
                    e.list = Some(
                        if sub == "Suppressed" {
                            GLOBAL_LIST
                        } else {
                            ACCOUNT_LIST
                        }
                        .into(),
                    );
                }
                ctx.emit(e);
                n += 1;
            }
        }
        "Complaint" => {
            let c = obj("complaint")?;
            let when = event_time(c)?;
            let on_list = s(c, "complaintSubType") == Some("OnAccountSuppressionList");
            for r in array(c, "complainedRecipients")? {
                let kind = if on_list {
                    Kind::Suppressed
                } else {
                    Kind::Complained
                };
                let mut e = base.event(when, recipient(r)?, kind, loc);
                e.reason = text(c, "complaintFeedbackType")
                    .map(|t| format!("complaint: {t}"))
                    .or_else(|| Some("complaint".into()));
                e.event_id = text(c, "feedbackId").or(base.sns_id.clone());
                if on_list {
                    e.list = Some(ACCOUNT_LIST.into());
                }
                ctx.emit(e);
                n += 1;
            }
        }
        "Delivery" => {
            let d = obj("delivery")?;
            let when = event_time(d)?;
            for r in array(d, "recipients")? {
                let addr = r
                    .as_str()
                    .ok_or("a delivery recipient that is not a string")?;
                let mut e = base.event(when, unwrap_address(addr), Kind::Delivered, loc);
                e.reply = text(d, "smtpResponse")
                    .as_deref()
                    .map(Reply::from_text)
                    .unwrap_or_default();
                e.mx_host = text(d, "remoteMtaIp");
                e.event_id = base.sns_id.clone();
                ctx.emit(e);
                n += 1;
            }
        }
        "DeliveryDelay" => {
            let d = obj("deliveryDelay")?;
            let when = event_time(d)?;
            for r in array(d, "delayedRecipients")? {
                let mut e = base.event(when, recipient(r)?, Kind::Deferred, loc);
                e.reply = text(r, "diagnosticCode")
                    .as_deref()
                    .map(Reply::from_text)
                    .unwrap_or_default();
                if let Some(st) = text(r, "status") {
                    e.reply.status = Some(st);
                }
                // The full delayType list is partly **unverified**: any value is kept as words.
                e.reason = [
                    text(d, "delayType"),
                    text(d, "expirationTime").map(|t| format!("SES stops trying at {t}")),
                ]
                .into_iter()
                .flatten()
                .reduce(|a, b| format!("{a}; {b}"));
                e.event_id = base.sns_id.clone();
                ctx.emit(e);
                n += 1;
            }
        }
        "Send" | "Reject" | "Rendering Failure" => {
            let when = mail
                .get("timestamp")
                .and_then(time::from_json)
                .ok_or("an SES record without a readable \"mail.timestamp\"")?;
            let kind = if ty == "Send" {
                Kind::Accepted
            } else {
                Kind::Rejected
            };
            for r in array(&mail, "destination")? {
                let addr = r.as_str().ok_or("a destination that is not a string")?;
                let mut e = base.event(when, unwrap_address(addr), kind, loc);
                e.reason = match ty {
                    "Reject" => v.get("reject").and_then(|r| text(r, "reason")),
                    "Rendering Failure" => v
                        .get("failure")
                        .and_then(|f| text(f, "errorMessage"))
                        .or_else(|| Some("rendering failure".into())),
                    _ => None,
                };
                e.event_id = base.sns_id.clone();
                ctx.emit(e);
                n += 1;
            }
        }
        "Open" | "Click" | "Subscription" | "AmazonSnsSubscriptionSucceeded" => {}
        other => return Err(format!("unknown SES event type {other:?}")),
    }
    Ok(n)
}

/// What every event of one SES record shares.
struct Base {
    service_message_id: Option<String>,
    message_id: Option<String>,
    subject: Option<String>,
    sns_id: Option<String>,
}

impl Base {
    fn event(
        &self,
        when: chrono::DateTime<chrono::Utc>,
        addr: &str,
        kind: Kind,
        loc: &Location,
    ) -> Event {
        let mut e = Event::new(when, addr, kind, Service::Ses, loc.clone());
        e.service_message_id = self.service_message_id.clone();
        e.message_id = self.message_id.clone();
        e.subject = self.subject.clone();
        e
    }
}

/// The event's own time (inside the event object; not `mail.timestamp`, the send, nor the SNS
/// `Timestamp`, the publish).
fn event_time(o: &Value) -> Result<chrono::DateTime<chrono::Utc>, String> {
    o.get("timestamp")
        .and_then(time::from_json)
        .ok_or_else(|| "an SES event without a readable \"timestamp\"".to_string())
}

fn array<'v>(o: &'v Value, key: &str) -> Result<&'v Vec<Value>, String> {
    o.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("an SES event without the list \"{key}\""))
}

/// `emailAddress`, unwrapped from `Name <a@b>`.
fn recipient(r: &Value) -> Result<&str, String> {
    s(r, "emailAddress")
        .map(unwrap_address)
        .ok_or_else(|| "a recipient without \"emailAddress\"".to_string())
}

/// The account-level suppression list: a `ListSuppressedDestinations` item, or a
/// `GetSuppressedDestination` answer. `LastUpdateTime` is epoch seconds in the raw API and ISO
/// 8601 from the CLI (its exact rendering is **unverified**): both are read.
pub(crate) fn list(ctx: &mut Ctx<'_>, v: &Value, loc: &Location) -> Result<usize, String> {
    let item = v.get("SuppressedDestination").unwrap_or(v);
    if let Some(items) = item
        .get("SuppressedDestinationSummaries")
        .and_then(Value::as_array)
    {
        let mut n = 0;
        for i in items {
            n += list(ctx, i, loc)?;
        }
        return Ok(n);
    }
    let addr =
        s(item, "EmailAddress").ok_or("a suppressed destination without \"EmailAddress\"")?;
    let when = item
        .get("LastUpdateTime")
        .and_then(time::from_json)
        .ok_or("a suppressed destination without a readable \"LastUpdateTime\"")?;
    let mut e = Event::new(
        when,
        unwrap_address(addr),
        Kind::Suppressed,
        Service::Ses,
        loc.clone(),
    );
    e.reason = text(item, "Reason");
    e.list_record = true;
    e.list = Some(ACCOUNT_LIST.into());
    if let Some(attrs) = item.get("Attributes") {
        e.service_message_id = text(attrs, "MessageId");
        e.event_id = text(attrs, "FeedbackId").map(|f| format!("list:{f}"));
    }
    ctx.emit(e);
    Ok(1)
}
