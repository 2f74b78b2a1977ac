//! Bounces: reading a returned message and saying, per recipient, why it failed.
//!
//! Owns DSN parsing (RFC 3464 `multipart/report; report-type=delivery-status`), the reading of
//! non-standard bounces (Exchange/Office 365 NDR text, qmail, Exim, Sendmail, Gmail, Yahoo,
//! Postfix without DSN ...) through one table of the MTAs' wording (`data`), and the
//! classification into the Sisimai reason vocabulary ([`Reason`]). ARF feedback reports
//! (RFC 5965) and RFC 3834 auto-replies are recognized and are *not* bounces. Parsing the MIME
//! structure is mail-parser's job; the parsing of the delivery-status fields is ours.
//! The headers of a message (Received chain, authentication) belong to [`crate::message`].

pub mod classify;
pub(crate) mod data;
pub mod dsn;
mod reason;
mod ses;
pub mod status;
mod text;

use mail_parser::{Message, MessagePart, MimeHeaders, PartType};
use serde::Serialize;

use crate::finding::{Finding, FindingId, Severity};
use crate::mail::Parsed;
pub use classify::{Rule, RuleKind};
pub use reason::{BounceClass, Reason, Resend};

/// What kind of message was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An RFC 3464 delivery status notification reporting failures or delays.
    Dsn,
    /// A bounce without a DSN part, read from its text.
    NonStandard,
    /// A DSN that reports only successful delivery (not a bounce).
    Delivered,
    /// An ARF (RFC 5965) feedback report: a complaint, not a bounce.
    Feedback,
    /// An RFC 3834 automatic reply (out of office): not a bounce.
    AutoReply,
    /// An ordinary message.
    NotBounce,
}

/// One recipient the bounce reports on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The recipient address (Final-Recipient, or as the text names it).
    pub address: String,
    /// The DSN action (`failed`, `delayed`, `delivered` ...), when stated.
    pub action: Option<String>,
    /// The RFC 3463 status code (`5.1.1`), when stated.
    pub status: Option<String>,
    /// The SMTP reply code (`550`), when stated.
    pub reply_code: Option<String>,
    /// Why it failed.
    pub reason: Reason,
    /// The rule that decided the reason (a field, a phrase of the table, a code's meaning).
    pub rule: classify::Rule,
    /// The receiver's own words (Diagnostic-Code or the bounce text for this recipient).
    pub diagnostic: Option<String>,
    /// The server that refused (Remote-MTA, or the host the text names).
    pub remote_mta: Option<String>,
}

/// The reading of one message as a bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bounce {
    /// What kind of message it is.
    pub kind: Kind,
    /// True for DSNs and non-standard bounces that report a failure or delay.
    pub is_bounce: bool,
    /// The recipients reported on (for feedback and auto-replies, the one the report is about).
    pub recipients: Vec<Recipient>,
    /// The ARF `Feedback-Type` (`abuse`, `fraud` ...), for feedback reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_type: Option<String>,
    /// The server that wrote the report (Reporting-MTA), when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting_mta: Option<String>,
}

impl Bounce {
    fn not_bounce(kind: Kind) -> Bounce {
        Bounce {
            kind,
            is_bounce: false,
            recipients: vec![],
            feedback_type: None,
            reporting_mta: None,
        }
    }
}

/// The text of a part (decoded), for text and opaque bodies alike.
pub(crate) fn part_text<'a>(part: &'a MessagePart<'a>) -> Option<std::borrow::Cow<'a, str>> {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => Some(std::borrow::Cow::Borrowed(t.as_ref())),
        PartType::Binary(b) | PartType::InlineBinary(b) => Some(String::from_utf8_lossy(b)),
        _ => None,
    }
}

fn ctype(part: &MessagePart<'_>) -> (String, String) {
    match part.content_type() {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        ),
        None => ("text".into(), "plain".into()),
    }
}

/// Reads `msg` as a bounce.
pub fn analyze(msg: &Parsed<'_>) -> Bounce {
    let msg = msg.mail();
    let root_type = msg
        .root_part()
        .content_type()
        .map(|ct| {
            (
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
                ct.attribute("report-type")
                    .unwrap_or("")
                    .to_ascii_lowercase(),
            )
        })
        .unwrap_or_default();

    // ARF feedback (RFC 5965): a multipart/report of report-type feedback-report, or a
    // message/feedback-report part.
    let mut feedback = None;
    let mut dsn_text = None;
    for part in &msg.parts {
        match ctype(part) {
            (t, s) if t == "message" && s == "feedback-report" => {
                feedback = part_text(part).map(|t| t.into_owned());
            }
            (t, s)
                if ((t == "message"
                    && (s == "delivery-status" || s == "global-delivery-status"))
                    || (t == "text" && s == "delivery-status"))
                    && dsn_text.is_none() =>
            {
                dsn_text = part_text(part).map(|t| t.into_owned());
            }
            _ => {}
        }
    }
    if feedback.is_some() || root_type.1 == "feedback-report" {
        return feedback_report(msg, feedback.as_deref().unwrap_or(""));
    }
    let explanation = text::explanation(msg);

    if let Some(ds) = dsn_text {
        let parsed = dsn::parse(&ds);
        if !parsed.recipients.is_empty() {
            return from_dsn(msg, &parsed, &explanation);
        }
    }
    // Some MTAs put the DSN fields into the text (no delivery-status part).
    if let Some(b) = text::inline_dsn(&explanation) {
        if !b.recipients.is_empty() {
            return from_dsn(msg, &b, &explanation);
        }
    }
    if let Some(b) = ses::read(&explanation) {
        return b;
    }
    if let Some(b) = text::non_standard(msg, &explanation) {
        return b;
    }
    if is_auto_reply(msg) {
        let mut b = Bounce::not_bounce(Kind::AutoReply);
        b.recipients.push(Recipient {
            address: msg
                .from()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or("")
                .to_string(),
            action: None,
            status: None,
            reply_code: None,
            reason: Reason::Vacation,
            rule: classify::Rule::field(
                "an automatic reply (RFC 3834 Auto-Submitted, or a vacation header or subject)",
            ),
            diagnostic: msg.subject().map(str::to_string),
            remote_mta: None,
        });
        return b;
    }
    Bounce::not_bounce(Kind::NotBounce)
}

fn from_dsn(msg: &Message<'_>, ds: &dsn::DeliveryStatus, explanation: &str) -> Bounce {
    let reporting_mta = ds
        .per_message
        .get("reporting-mta")
        .map(|v| dsn::strip_type(v).1.to_string());
    let mut recipients = Vec::new();
    for r in ds.recipients.iter().take(text::MAX_RECIPIENTS) {
        let address = r
            .get("final-recipient")
            .or_else(|| r.get("original-recipient"))
            .or_else(|| r.get("x-actual-recipient"))
            .map(|v| text::clean_address(dsn::strip_type(v).1))
            .unwrap_or_default();
        let action = r.get("action").map(|a| {
            a.split(|c: char| c.is_whitespace() || c == '(')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        });
        let (diag_type, diag) = match r.get("diagnostic-code") {
            Some(d) => {
                let (t, v) = dsn::strip_type(d);
                (Some(t.to_string()), v.to_string())
            }
            None => (None, String::new()),
        };
        // The human-readable part often has the fuller text (Postfix adds the SMTP phase).
        let block = text::block_for(explanation, &address);
        let diag_for_code = if diag.is_empty() {
            block.as_str()
        } else {
            diag.as_str()
        };
        let status_field = r.get("status").and_then(status::find_enhanced);
        let in_diag = status::find_receivers(&text::strip_addresses(diag_for_code));
        // The receiver's own code, in its words, is more precise than the reporting MTA's
        // summary of it (which is often X.0.0 or a near guess), within the same class.
        let status_field = match (status_field, in_diag) {
            (Some(s), Some(d)) if s.as_bytes().first() == d.as_bytes().first() => Some(d),
            (None, Some(d)) => Some(d),
            (s, _) => s,
        };
        let reply_code = status::find_reply_code(diag_for_code.trim_start());
        let remote_mta = r
            .get("remote-mta")
            .map(|v| dsn::strip_type(v).1.to_string())
            .or_else(|| text::remote_host(diag_for_code));
        let diagnostic = if diag.is_empty() {
            block.clone()
        } else {
            diag.clone()
        };
        let decision = classify::decide(&classify::Evidence {
            diagnostic: &diagnostic,
            context: &block,
            status: status_field.as_deref(),
            reply_code: reply_code.as_deref(),
            action: action.as_deref(),
            diagnostic_type: diag_type.as_deref(),
            phase_hint: None,
        });
        // Sisimai's convention, which the codes of many MTAs follow: a reply code with no
        // enhanced code implies the class's general status.
        let status_field = status_field.or_else(|| {
            reply_code
                .as_deref()
                .and_then(|c| c.chars().next())
                .map(|c| format!("{c}.0.0"))
        });
        recipients.push(Recipient {
            address,
            action,
            status: status_field,
            reply_code,
            reason: decision.reason,
            rule: decision.rule,
            diagnostic: Some(diagnostic).filter(|d| !d.trim().is_empty()),
            remote_mta,
        });
    }
    let failed = recipients.iter().any(|r| r.reason != Reason::Delivered);
    let _ = msg;
    Bounce {
        kind: if failed { Kind::Dsn } else { Kind::Delivered },
        is_bounce: failed,
        recipients,
        feedback_type: None,
        reporting_mta,
    }
}

fn feedback_report(msg: &Message<'_>, report: &str) -> Bounce {
    let fields = dsn::parse(report);
    let all: Vec<&(String, String)> = fields
        .per_message
        .0
        .iter()
        .chain(fields.recipients.iter().flat_map(|r| r.0.iter()))
        .collect();
    let get = |n: &str| all.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut b = Bounce::not_bounce(Kind::Feedback);
    b.feedback_type = get("feedback-type").map(|v| v.to_ascii_lowercase());
    let address = get("original-rcpt-to")
        .or_else(|| get("removal-recipient"))
        .map(|v| text::clean_address(dsn::strip_type(&v).1))
        .or_else(|| text::original_headers(msg).and_then(|h| text::header_address(&h, "to")))
        .unwrap_or_default();
    b.reporting_mta = get("reporting-mta").map(|v| dsn::strip_type(&v).1.to_string());
    b.recipients.push(Recipient {
        address,
        action: None,
        status: None,
        reply_code: None,
        reason: Reason::Feedback,
        rule: classify::Rule::field("an ARF feedback report (RFC 5965)"),
        diagnostic: b.feedback_type.clone(),
        remote_mta: None,
    });
    b
}

/// RFC 3834: `Auto-Submitted: auto-replied`, or the headers the common vacation programs set.
fn is_auto_reply(msg: &Message<'_>) -> bool {
    let h = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if h("Auto-Submitted").is_some_and(|v| v.starts_with("auto-replied")) {
        return true;
    }
    if h("X-Autoreply").is_some() || h("X-Autorespond").is_some() || h("X-Vacation").is_some() {
        return true;
    }
    if h("X-Auto-Response-Suppress").is_some_and(|v| v.contains("oof")) {
        return true;
    }
    if h("Precedence").is_some_and(|v| v == "auto_reply") {
        return true;
    }
    let subject = msg.subject().unwrap_or("").to_lowercase();
    [
        "out of office",
        "out of the office",
        "automatic reply",
        "auto-reply",
        "auto reply",
        "autoreply",
        "vacation",
        "abwesend",
    ]
    .iter()
    .any(|p| subject.contains(p))
}

/// The findings for a bounce: one per recipient (the `bounce.*` id of its reason).
pub fn findings(b: &Bounce) -> Vec<Finding> {
    let mut out: Vec<Finding> = b
        .recipients
        .iter()
        .filter_map(receiver_dnsbl_refused)
        .collect();
    out.extend(b.recipients.iter().map(|r| {
        let mut detail = format!(
            "{}: {}",
            if r.address.is_empty() {
                "(recipient not named)"
            } else {
                &r.address
            },
            r.reason.name()
        );
        if let Some(s) = &r.status {
            detail.push_str(&format!(", status {s}"));
        }
        if let Some(d) = &r.diagnostic {
            let d: String = d.split_whitespace().collect::<Vec<_>>().join(" ");
            let d: String = d.chars().take(300).collect();
            detail.push_str(&format!(": \"{d}\""));
        }
        let mut f = Finding::new(r.reason.finding_id(), detail)
            .with_remedy(r.reason.remedy())
            .with_evidence(serde_json::to_value(r).unwrap_or_default());
        if r.action.as_deref() == Some("delayed") && f.severity == Severity::Error {
            f = f.with_severity(Severity::Warning);
        }
        f
    }));
    out
}

/// `blocklist.receiver-misconfigured` for a blocked recipient whose diagnostic shows the
/// receiver's DNSBL queries were refused (the receiver's misconfiguration, not a listing).
pub fn receiver_dnsbl_refused(r: &Recipient) -> Option<Finding> {
    let d = r.diagnostic.as_deref()?;
    if !matches!(
        r.reason,
        Reason::Blocked | Reason::BadReputation | Reason::SpamDetected
    ) {
        return None;
    }
    let lower = d.to_lowercase();
    let hit = data::RECEIVER_DNSBL_REFUSED
        .iter()
        .find(|p| lower.contains(*p))?;
    let text: String = d.split_whitespace().collect::<Vec<_>>().join(" ");
    let text: String = text.chars().take(300).collect();
    Some(
        Finding::new(
            FindingId::BlocklistReceiverMisconfigured,
            format!(
                "{}: the receiver blocked the message on a DNS blocklist, but its own blocklist query was refused (\"{hit}\"): \"{text}\"",
                if r.address.is_empty() { "(recipient not named)" } else { &r.address }
            ),
        )
        .with_evidence(serde_json::json!({"recipient": r.address, "matched": hit, "diagnostic": d})),
    )
}

#[cfg(test)]
mod tests;

/// Parses raw message bytes and reads them as a bounce; `Err` when the bytes are not a mail
/// message (see [`Parsed::new`]).
pub fn analyze_bytes(raw: &[u8]) -> Result<Bounce, crate::mail::NotMail> {
    Ok(analyze(&Parsed::new(raw)?))
}
