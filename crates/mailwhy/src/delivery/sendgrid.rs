//! Twilio SendGrid: event webhook objects (arrays as posted, or JSON Lines as stored) and the
//! suppression lists (`bounces`, `blocks`, `spam_reports`, `invalid_emails`, `unsubscribes`,
//! ASM group suppressions) as the API returns them (format reference, section 1).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::event::{Event, Kind, Location, Reply, Service};
use super::json::{message_id, s, text, Fields};
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
pub(crate) fn event(ctx: &mut Ctx<'_>, v: &impl Fields, loc: &Location) -> Result<usize, String> {
    let name = v.s("event").ok_or("a SendGrid event without \"event\"")?;
    let reason = v.text("reason");
    let kind = match name {
        "processed" => Kind::Accepted,
        "delivered" => Kind::Delivered,
        "deferred" => Kind::Deferred,
        "bounce" => {
            // The webhook event at the 72-hour expiry is **unverified**: a `type` or `reason`
            // of `expired` is taken as expiry.
            let ty = v.s("type").unwrap_or("");
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
    let email = v.s("email").ok_or("a SendGrid event without \"email\"")?;
    let when = v
        .time("timestamp")
        .ok_or("a SendGrid event without a readable \"timestamp\" (unix seconds)")?;
    let mut e = Event::new(when, email.trim(), kind, Service::Sendgrid, loc.clone());
    e.event_id = v.text("sg_event_id");
    e.message_id = v.s("smtp-id").and_then(message_id);
    // `sg_message_id` is the X-Message-Id plus a per-event suffix after the first dot.
    e.service_message_id = v
        .s("sg_message_id")
        .map(|m| m.split('.').next().unwrap_or(m).to_string())
        .filter(|m| !m.is_empty());
    e.subject = v.text("subject");
    e.attempt = v.uint("attempt").map(|a| a as u32);
    let reply_text = match kind {
        Kind::Delivered | Kind::Deferred => v.text("response").or_else(|| reason.clone()),
        Kind::Bounced | Kind::Expired => reason.clone().or_else(|| v.text("response")),
        _ => None,
    };
    e.reply = reply_text
        .as_deref()
        .map(Reply::from_text)
        .unwrap_or_default();
    if let Some(st) = v
        .text("status")
        .filter(|st| super::event::is_enhanced_status(st))
    {
        e.reply.status = Some(st);
    }
    let words: Vec<String> = [
        (name == "bounce")
            .then(|| v.s("type").map(|t| format!("type {t}")))
            .flatten(),
        (kind != Kind::Bounced && kind != Kind::Deferred && kind != Kind::Delivered)
            .then(|| reason.clone())
            .flatten(),
        v.text("bounce_classification"),
        (name == "group_unsubscribe")
            .then(|| v.text("asm_group_id").map(|g| format!("group {g}")))
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

// The fast path for JSON Lines of webhook events, the bulk of a stored SendGrid log: each line
// is parsed straight into the fields [`event`] reads, borrowed from the line (no `Value` tree,
// no map, no copy of a string without escapes). A line this cannot settle — not one object,
// another service's keys, or not a SendGrid event by the rules of [`super::detect::record`] — goes
// the general way, so the outcome (events, problems, counts) is the same either way; the test
// `fast_and_general_paths_agree` holds them to that.

/// The keys [`event`] reads, in [`Flat::vals`] order.
const EVENT_KEYS: [&str; 14] = [
    "event",
    "email",
    "timestamp",
    "sg_event_id",
    "smtp-id",
    "sg_message_id",
    "subject",
    "attempt",
    "reason",
    "response",
    "status",
    "type",
    "bounce_classification",
    "asm_group_id",
];

/// Keys that make [`super::detect::record`] (or the page expansion of [`super::json::record`]) decide
/// before the SendGrid rule; `RecordType` is matched without regard to case there, and here.
const OTHER_KEYS: &[&str] = &[
    "Type",
    "Message",
    "Sns",
    "mail",
    "eventType",
    "notificationType",
    "SuppressedDestinationSummaries",
    "SuppressedDestination",
    "event-data",
    "recipient",
    "TotalCount",
    "EmailAddress",
    "data",
    "items",
    "Bounces",
    "Suppressions",
    "Records",
];

/// A scalar field of a line, borrowed where it has no escapes.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(serde_json::Number),
    /// `null`, a boolean, an array or an object: present, but none of the readable kinds.
    Other,
}

/// One line's fields that [`event`] reads; `other` when it has a key of another service.
#[derive(Default)]
struct Flat<'a> {
    vals: [Option<Scalar<'a>>; EVENT_KEYS.len()],
    other: bool,
}

impl Flat<'_> {
    fn get(&self, key: &str) -> Option<&Scalar<'_>> {
        let i = EVENT_KEYS.iter().position(|k| *k == key)?;
        self.vals[i].as_ref()
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

impl Fields for Flat<'_> {
    fn s(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
    fn text(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Scalar::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Scalar::Num(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn uint(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Scalar::Num(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
            Scalar::Str(s) => s.trim().parse().ok(),
            Scalar::Other => None,
        }
    }
    fn time(&self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.get(key)? {
            Scalar::Num(n) => time::from_unix(n.as_f64()?),
            Scalar::Str(s) => time::parse(s),
            Scalar::Other => None,
        }
    }
}

/// Reads `line` as one SendGrid webhook event if it is plainly one; false: it was not read
/// (nothing counted), the general path reads it.
pub(crate) fn fast_line(ctx: &mut Ctx<'_>, line: &[u8], loc: &Location) -> bool {
    let Ok(flat) = serde_json::from_slice::<Flat<'_>>(line) else {
        return false;
    };
    if flat.other
        || !(flat.has("sg_event_id")
            || flat.has("event") && flat.has("email") && flat.has("timestamp"))
    {
        return false;
    }
    ctx.summary.records += 1;
    match event(ctx, &flat, loc) {
        Ok(0) => ctx.summary.ignored += 1,
        Ok(_) => {}
        Err(message) => ctx.problem(loc.clone(), message),
    }
    true
}

impl<'de: 'a, 'a> Deserialize<'de> for Flat<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(FlatVisitor(std::marker::PhantomData))
    }
}

struct FlatVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for FlatVisitor<'a> {
    type Value = Flat<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flat<'a>, A::Error> {
        let mut flat = Flat::default();
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            match EVENT_KEYS.iter().position(|k| *k == key) {
                // A repeated key: the last one counts, as in a parsed `Value`.
                Some(i) => flat.vals[i] = Some(map.next_value::<Scalar<'de>>()?),
                None => {
                    if OTHER_KEYS.contains(&&*key) || key.eq_ignore_ascii_case("RecordType") {
                        flat.other = true;
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(flat)
    }
}

/// A string, borrowed from the input where it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ScalarVisitor(std::marker::PhantomData))
            .and_then(|s| match s {
                Scalar::Str(s) => Ok(Str(s)),
                _ => Err(serde::de::Error::custom("expected a string")),
            })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Num(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar<'a>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Scalar::Other, Scalar::Num))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Scalar<'a>, E> {
        Ok(Scalar::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'a>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}
