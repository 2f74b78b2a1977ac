//! Recognizing a source from its content (format reference, section 8; first match wins):
//! the file's *shape* from its first lines (an Exim or Postfix log, JSON Lines, one JSON
//! document, a CSV export), then each JSON record's *service* from its keys, so that one file
//! may mix records (an SNS dump holding SES events, a Mailgun page holding list items).

use serde_json::Value;

use super::Service;

/// How a file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing but white space.
    Empty,
    /// A Postfix log.
    Postfix,
    /// An Exim main log.
    Exim,
    /// One JSON value per line.
    JsonLines,
    /// One JSON document (an array or object), or several written one after another.
    JsonDocument,
    /// A CSV export with a header row.
    Csv,
    /// None of these.
    Unknown,
}

/// How many leading lines are looked at for a log's tag (a syslog file holds other daemons'
/// lines too).
const LOG_LINES_LOOKED_AT: usize = 50;

/// The shape of a file from its first bytes (`head`, up to one buffer). `forced` narrows it:
/// a log service forces that log, `csv` forces CSV, a JSON service leaves JSON Lines or not.
pub fn shape(head: &[u8], forced: Option<Service>) -> Shape {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Shape::Empty;
    };
    match forced {
        Some(Service::Postfix) => return Shape::Postfix,
        Some(Service::Exim) => return Shape::Exim,
        Some(Service::Csv) => return Shape::Csv,
        _ => {}
    }
    let body = &head[start..];
    if forced.is_none() {
        let text = String::from_utf8_lossy(body);
        let mut lines = text.lines().take(LOG_LINES_LOOKED_AT);
        if lines.clone().any(is_exim_line) {
            return Shape::Exim;
        }
        if lines.any(is_postfix_line) {
            return Shape::Postfix;
        }
    }
    match body[0] {
        b'{' | b'[' => {
            // JSON Lines when the first line is one whole value and something follows it; a
            // first line longer than the buffer is a document (never read as one line).
            match body.iter().position(|&b| b == b'\n') {
                Some(end)
                    if serde_json::from_slice::<serde::de::IgnoredAny>(&body[..end]).is_ok() =>
                {
                    Shape::JsonLines
                }
                _ => Shape::JsonDocument,
            }
        }
        _ if forced.is_some() => Shape::JsonLines,
        _ if looks_like_csv_header(body) => Shape::Csv,
        _ => Shape::Unknown,
    }
}

/// `YYYY-MM-DD HH:MM:SS[.mmm][ +ZZZZ][ [pid]] MSGID FLAG` or `exim[pid]: MSGID FLAG`.
pub fn is_exim_line(line: &str) -> bool {
    super::exim::split_line(line).is_some()
}

/// A `postfix*/daemon[pid]:` tag in the line.
pub fn is_postfix_line(line: &str) -> bool {
    super::postfix::tag_end(line).is_some()
}

fn looks_like_csv_header(body: &[u8]) -> bool {
    let first = body.split(|&b| b == b'\n').next().unwrap_or(b"");
    let first = String::from_utf8_lossy(first).to_ascii_lowercase();
    (first.contains(',') || first.contains(';') || first.contains('\t'))
        && super::csv_list::header_names_an_address(&first)
}

/// Whose record a JSON object is, and which of its kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// An SNS envelope (`Type` + `Message` string) or a Lambda `Records[].Sns` batch.
    SesSns,
    /// A bare SES event record (`mail` + `eventType` / `notificationType`).
    Ses,
    /// An SES account-level suppression list answer or item.
    SesList,
    /// A Mailgun webhook body (`event-data`) or events-API item.
    MailgunEvent,
    /// A Mailgun suppression-list item (`address`).
    MailgunList,
    /// A Postmark webhook, bounces-API item, or suppression-dump item.
    Postmark,
    /// A Resend webhook.
    Resend,
    /// A SendGrid event.
    SendgridEvent,
    /// A SendGrid suppression-list item.
    SendgridList,
}

/// The keys whose arrays hold the records of a page or list answer; they are read one element
/// at a time, and the element's kind follows from the key where the element alone is ambiguous.
pub const CONTAINERS: &[&str] = &[
    "items",
    "Bounces",
    "Suppressions",
    "SuppressedDestinationSummaries",
    "Records",
];

/// The kind of `v`, found inside the array under `container` (None: at the top, or a line).
pub fn record(v: &Value, container: Option<&str>) -> Option<Record> {
    let o = v.as_object()?;
    let has = |k: &str| o.contains_key(k);
    match container {
        Some("Bounces") | Some("Suppressions") => return Some(Record::Postmark),
        Some("SuppressedDestinationSummaries") => return Some(Record::SesList),
        Some("Records") if has("Sns") => return Some(Record::SesSns),
        Some("items") if has("address") && !has("event") => return Some(Record::MailgunList),
        _ => {}
    }
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    if (s("Type") == Some("Notification") || s("Type") == Some("SubscriptionConfirmation"))
        && has("Message")
    {
        return Some(Record::SesSns);
    }
    if has("Sns") {
        return Some(Record::SesSns);
    }
    if has("mail") && (has("eventType") || has("notificationType")) {
        return Some(Record::Ses);
    }
    if has("SuppressedDestinationSummaries") || has("SuppressedDestination") {
        return Some(Record::SesList);
    }
    if has("event-data") {
        return Some(Record::MailgunEvent);
    }
    if has("event") && has("recipient") || container == Some("items") {
        return Some(Record::MailgunEvent);
    }
    if o.keys()
        .any(|k| k.eq_ignore_ascii_case("RecordType") || k == "TotalCount" || k == "EmailAddress")
    {
        return Some(Record::Postmark);
    }
    if s("type").is_some_and(|t| t.starts_with("email.") || t.starts_with("suppression."))
        && has("data")
    {
        return Some(Record::Resend);
    }
    if has("sg_event_id") || (has("event") && has("email") && has("timestamp")) {
        return Some(Record::SendgridEvent);
    }
    if has("email")
        && (has("created") || has("created_at") || has("recipient_email"))
        && !has("event")
    {
        return Some(Record::SendgridList);
    }
    if has("recipient_email") {
        return Some(Record::SendgridList);
    }
    None
}

/// The record kind a forced service reads `v` as (its sub-kind still from the keys).
pub fn forced_record(v: &Value, container: Option<&str>, service: Service) -> Option<Record> {
    let found = record(v, container);
    let ok = |r: Record| match service {
        Service::Sendgrid => matches!(r, Record::SendgridEvent | Record::SendgridList),
        Service::Ses => matches!(r, Record::SesSns | Record::Ses | Record::SesList),
        Service::Postmark => r == Record::Postmark,
        Service::Mailgun => matches!(r, Record::MailgunEvent | Record::MailgunList),
        Service::Resend => r == Record::Resend,
        _ => false,
    };
    match found {
        Some(r) if ok(r) => Some(r),
        _ => match service {
            Service::Sendgrid if v.get("event").is_some() => Some(Record::SendgridEvent),
            Service::Sendgrid => Some(Record::SendgridList),
            Service::Ses => Some(Record::Ses),
            Service::Postmark => Some(Record::Postmark),
            Service::Mailgun if v.get("address").is_some() => Some(Record::MailgunList),
            Service::Mailgun => Some(Record::MailgunEvent),
            Service::Resend => Some(Record::Resend),
            _ => None,
        },
    }
}
