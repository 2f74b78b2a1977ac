//! The one event type every reader produces: what a sending service or an MTA says happened to
//! one message for one recipient, normalized (time in UTC, a [`Kind`] from one vocabulary, the
//! receiver's reply split into code / enhanced status / text) and located in its source file.
//! Readers live in their own modules; what the events mean for an address is [`super::timeline`].

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What happened, in one vocabulary for every source (format reference, section 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The service took the message for sending (SendGrid `processed`, SES `Send`, Mailgun
    /// `accepted`, Resend `email.sent`, Postfix `qmgr ... from=`).
    Accepted,
    /// The receiving MX answered 2xx: the receiver has it (not "in the inbox").
    Delivered,
    /// A temporary failure; the service will retry.
    Deferred,
    /// A permanent failure, including the receiver's policy blocks.
    Bounced,
    /// The service refused to try: the address is on a suppression list (no SMTP attempt), or
    /// a suppression-list record itself.
    Suppressed,
    /// The recipient (or their provider) reported the message as spam.
    Complained,
    /// The recipient unsubscribed.
    Unsubscribed,
    /// The service gave up after temporary failures.
    Expired,
    /// The request itself was refused before any attempt (virus, quota, template), or an MTA
    /// refused it in SMTP (Postfix `NOQUEUE: reject`).
    Rejected,
}

impl Kind {
    /// The kebab-case name (`dropped` is `suppressed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Accepted => "accepted",
            Kind::Delivered => "delivered",
            Kind::Deferred => "deferred",
            Kind::Bounced => "bounced",
            Kind::Suppressed => "suppressed",
            Kind::Complained => "complained",
            Kind::Unsubscribed => "unsubscribed",
            Kind::Expired => "expired",
            Kind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the events came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// Twilio SendGrid (event webhook, suppression lists).
    Sendgrid,
    /// Amazon SES (event publishing, SNS notifications, account-level suppression list).
    Ses,
    /// Postmark (webhooks, bounces API, suppression dumps).
    Postmark,
    /// Mailgun (events API, webhooks, suppression lists).
    Mailgun,
    /// Resend (webhooks).
    Resend,
    /// A Postfix mail log.
    Postfix,
    /// An Exim main log.
    Exim,
    /// A CSV suppression export whose service the columns do not tell.
    Csv,
}

impl Service {
    /// The name, as `--events-format` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Sendgrid => "sendgrid",
            Service::Ses => "ses",
            Service::Postmark => "postmark",
            Service::Mailgun => "mailgun",
            Service::Resend => "resend",
            Service::Postfix => "postfix",
            Service::Exim => "exim",
            Service::Csv => "csv",
        }
    }

    /// Every service, in `--events-format` order.
    pub const ALL: &'static [Service] = &[
        Service::Sendgrid,
        Service::Ses,
        Service::Postmark,
        Service::Mailgun,
        Service::Resend,
        Service::Postfix,
        Service::Exim,
        Service::Csv,
    ];

    /// The service named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Service> {
        Service::ALL
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a source: the file and its line (line-based sources, JSON Lines) or the number of
/// the record (elements of a JSON array or page, 1-based).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// The file, as given (or the name of uploaded text).
    #[serde(serialize_with = "str_of")]
    pub file: Arc<str>,
    /// The 1-based line, for line-based sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The 1-based record number, for records of a JSON document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.record) {
            (Some(l), _) => write!(f, "{}:{l}", self.file),
            (None, Some(r)) => write!(f, "{}: record {r}", self.file),
            (None, None) => f.write_str(&self.file),
        }
    }
}

fn str_of<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

/// The receiver's (or the service's) reply, as far as the source gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Reply {
    /// The SMTP reply code (`550`), or the service's own code (Mailgun 605).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The RFC 3463 enhanced status (`5.1.1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The text, as the source has it (`smtp;` prefixes removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Reply {
    /// A reply from its text alone: the code and enhanced status are read from it.
    pub fn from_text(text: &str) -> Reply {
        let text = strip_diagnostic_type(text.trim());
        Reply {
            code: reply_code_in(text),
            status: enhanced_status_in(text),
            text: (!text.is_empty()).then(|| text.to_string()),
        }
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.status.is_none() && self.text.is_none()
    }

    /// `550 5.1.1 text` as far as known, without repeating what the text already starts with.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let text = self.text.as_deref().unwrap_or("");
        if let Some(c) = self.code {
            if !text.contains(&c.to_string()) {
                out.push_str(&c.to_string());
            }
        }
        if let Some(s) = &self.status {
            if !text.contains(s.as_str()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(s);
            }
        }
        if !text.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(text);
        }
        out
    }
}

/// `smtp; 550 ...` and `smtp;550 ...` (DSN diagnostic type) without the type.
pub(crate) fn strip_diagnostic_type(text: &str) -> &str {
    for prefix in ["smtp;", "SMTP;", "Smtp;"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return rest.trim_start();
        }
    }
    text
}

/// The first SMTP reply code in `text`: three digits `[245]xx` standing alone (followed by a
/// space, `-` or the end).
pub(crate) fn reply_code_in(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(2)).find_map(|i| {
        let alone_before = i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.';
        let alone_after = b
            .get(i + 3)
            .is_none_or(|c| *c == b' ' || *c == b'-' || *c == b')');
        (alone_before
            && alone_after
            && matches!(b[i], b'2' | b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit())
        .then(|| text[i..i + 3].parse().ok())
        .flatten()
    })
}

/// The first RFC 3463 enhanced status in `text` (`5.1.1`, `4.7.26`).
pub(crate) fn enhanced_status_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | ',' | ';' | '\''))
        .find(|w| is_enhanced_status(w))
        .map(str::to_string)
}

/// `c.s.d` with c in 2/4/5, s up to 3 digits, d up to 3 digits.
pub(crate) fn is_enhanced_status(w: &str) -> bool {
    let mut parts = w.split('.');
    let (Some(c), Some(s), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(c, "2" | "4" | "5")
        && (1..=3).contains(&s.len())
        && (1..=3).contains(&d.len())
        && s.bytes().chain(d.bytes()).all(|b| b.is_ascii_digit())
}

/// One delivery event for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When it happened (UTC): the event's own time, never the publish time of a wrapper.
    pub time: DateTime<Utc>,
    /// The recipient, unwrapped from `Name <a@b>`.
    pub recipient: String,
    /// What happened.
    pub kind: Kind,
    /// Who said so.
    pub service: Service,
    /// The Message-ID header (without `<>`), where the source gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The service's id of the message (SES `messageId`, Postmark `MessageID`, Resend
    /// `email_id`, `sg_message_id`, the MTA's queue id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_message_id: Option<String>,
    /// The subject, where given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The receiver's or service's reply.
    #[serde(skip_serializing_if = "Reply::is_empty")]
    pub reply: Reply,
    /// The receiving MX host (or its IP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mx_host: Option<String>,
    /// The attempt number, where counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The source's own reason words (`Bounced Address`, `Permanent/General`, `suppress-bounce`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For suppression-list records: the list (`bounces`, `account-level suppression list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// The source's event id, the de-duplication key (`sg_event_id`, `feedbackId` ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// True for a record of a suppression list (not an event of one send): it still applies
    /// after its time, so a `--since` later than it does not hide it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub list_record: bool,
    /// Where it was read.
    pub location: Location,
}

impl Event {
    /// A bare event; readers fill in the rest.
    pub fn new(
        time: DateTime<Utc>,
        recipient: impl Into<String>,
        kind: Kind,
        service: Service,
        location: Location,
    ) -> Event {
        Event {
            time,
            recipient: recipient.into(),
            kind,
            service,
            message_id: None,
            service_message_id: None,
            subject: None,
            reply: Reply::default(),
            mx_host: None,
            attempt: None,
            reason: None,
            list: None,
            event_id: None,
            list_record: false,
            location,
        }
    }

    /// The key two copies of one event share (a webhook and an export of the same event): the
    /// source's event id with the recipient (one SES record covers several), else what the
    /// event says.
    pub fn dedup_key(&self) -> String {
        match &self.event_id {
            Some(id) => format!("{}|{}|{}|{}", self.service, id, self.recipient, self.kind),
            None => format!(
                "{}|{}|{}|{}|{}|{}",
                self.service,
                self.time.timestamp_micros(),
                self.recipient,
                self.kind,
                self.message_id
                    .as_deref()
                    .or(self.service_message_id.as_deref())
                    .unwrap_or(""),
                self.reply.text.as_deref().unwrap_or("")
            ),
        }
    }
}

/// A record that could not be read, where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where.
    pub location: Location,
    /// What was wrong or expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// `a@b` from `Name <a@b>`, `<a@b>` or `a@b` (trimmed).
pub fn unwrap_address(s: &str) -> &str {
    let s = s.trim();
    match (s.rfind('<'), s.rfind('>')) {
        (Some(l), Some(r)) if l < r => s[l + 1..r].trim(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_parts_come_from_the_text() {
        let r = Reply::from_text("smtp;550 5.1.1 <pat@x.example>: User unknown");
        assert_eq!(r.code, Some(550));
        assert_eq!(r.status.as_deref(), Some("5.1.1"));
        assert_eq!(
            r.text.as_deref(),
            Some("550 5.1.1 <pat@x.example>: User unknown")
        );
        let r = Reply::from_text("host mx[203.0.113.30] said: 452 4.2.2 Mailbox full");
        assert_eq!((r.code, r.status.as_deref()), (Some(452), Some("4.2.2")));
        // An IP address or a size is not a reply code.
        assert_eq!(reply_code_in("relay 203.0.113.250 size=2500"), None);
    }

    #[test]
    fn addresses_are_unwrapped() {
        assert_eq!(
            unwrap_address("App <no-reply@app.example>"),
            "no-reply@app.example"
        );
        assert_eq!(unwrap_address(" pat@x.example "), "pat@x.example");
    }
}
