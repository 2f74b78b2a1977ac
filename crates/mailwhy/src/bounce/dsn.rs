//! RFC 3464 delivery-status fields: the per-message group and one group per recipient, with
//! folded lines unfolded.
//!
//! ```text
//! delivery-status-content = per-message-fields 1*( CRLF per-recipient-fields )
//! per-recipient-fields    = [ original-recipient-field CRLF ] final-recipient-field CRLF
//!                           action-field CRLF status-field CRLF [ remote-mta-field CRLF ]
//!                           [ diagnostic-code-field CRLF ] ... *( extension-field CRLF )
//! ```
//! Real DSNs bend this (no blank line between groups, the groups in one block, fields in another
//! order), so a recipient group starts at the first recipient field after the per-message
//! fields and again whenever a field repeats.

/// One group of fields, names lowercased, values unfolded and trimmed, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of field `name` (lowercase).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// A parsed `message/delivery-status` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// Reporting-MTA, Arrival-Date and the other per-message fields.
    pub per_message: Fields,
    /// One group per recipient.
    pub recipients: Vec<Fields>,
}

const RECIPIENT_FIELDS: &[&str] = &[
    "final-recipient",
    "original-recipient",
    "x-actual-recipient",
];

/// Parses delivery-status text. Lines that are not fields (and not continuations) are skipped.
pub fn parse(text: &str) -> DeliveryStatus {
    let mut out = DeliveryStatus::default();
    for group in groups(text) {
        let has_rcpt = group
            .iter()
            .any(|(n, _)| RECIPIENT_FIELDS.contains(&n.as_str()));
        if !has_rcpt {
            if out.recipients.is_empty() {
                out.per_message.0.extend(group);
            } else if let Some(last) = out.recipients.last_mut() {
                // Fields split from their recipient by a stray blank line.
                last.0.extend(group);
            }
            continue;
        }
        let mut current = Fields::default();
        let mut seen_rcpt = false;
        for (name, value) in group {
            let is_rcpt_field = RECIPIENT_FIELDS.contains(&name.as_str());
            let repeats = current.has(&name);
            if repeats && seen_rcpt {
                out.recipients.push(std::mem::take(&mut current));
                seen_rcpt = false;
            } else if is_rcpt_field
                && !seen_rcpt
                && out.recipients.is_empty()
                && out.per_message.0.is_empty()
            {
                // Per-message fields written in the same block as the first recipient.
                let (pm, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut current)
                    .0
                    .into_iter()
                    .partition(|(n, _)| PER_MESSAGE_FIELDS.contains(&n.as_str()));
                out.per_message.0.extend(pm);
                current.0 = rest;
            }
            seen_rcpt |= is_rcpt_field;
            current.0.push((name, value));
        }
        if !current.0.is_empty() {
            out.recipients.push(current);
        }
    }
    out
}

const PER_MESSAGE_FIELDS: &[&str] = &[
    "reporting-mta",
    "dsn-gateway",
    "received-from-mta",
    "arrival-date",
    "original-envelope-id",
    "x-postfix-queue-id",
    "x-postfix-sender",
    "x-original-message-id",
];

/// The blank-line separated groups of unfolded fields.
fn groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut group: Vec<(String, String)> = Vec::new();
    let mut last: Option<(String, String)> = None;
    let finish = |last: &mut Option<(String, String)>, group: &mut Vec<(String, String)>| {
        if let Some((n, v)) = last.take() {
            group.push((n, v.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    };
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            finish(&mut last, &mut group);
            if !group.is_empty() {
                out.push(std::mem::take(&mut group));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = last.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        finish(&mut last, &mut group);
        if let Some((name, value)) = split_field(line) {
            last = Some((name, value.to_string()));
        }
    }
    finish(&mut last, &mut group);
    if !group.is_empty() {
        out.push(group);
    }
    out
}

/// `Name: value` with an RFC 5322 field name.
fn split_field(line: &str) -> Option<(String, &str)> {
    let colon = line.find(':')?;
    let name = &line[..colon];
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    Some((name.to_ascii_lowercase(), line[colon + 1..].trim()))
}

/// The value after an RFC 3464 type prefix: `rfc822; a@b` -> `a@b`, `smtp; 550 ...` -> `550 ...`.
pub(crate) fn strip_type(value: &str) -> (&str, &str) {
    match value.find(';') {
        Some(i) if i < 20 && !value[..i].contains(' ') => {
            (value[..i].trim(), value[i + 1..].trim())
        }
        _ => ("", value.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_folded_lines() {
        let d = parse(
            "Reporting-MTA: dns; mx.example.net\nArrival-Date: Mon, 1 Jan 2024\n\n\
             Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n\
             Diagnostic-Code: smtp; 550 5.1.1 <a@example.org>:\n    Recipient address rejected\n\n\
             Original-Recipient: rfc822; b@example.org\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.4.7\n",
        );
        assert_eq!(
            d.per_message.get("reporting-mta"),
            Some("dns; mx.example.net")
        );
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(
            d.recipients[0].get("diagnostic-code"),
            Some("smtp; 550 5.1.1 <a@example.org>: Recipient address rejected")
        );
        assert_eq!(d.recipients[1].get("status"), Some("4.4.7"));
    }

    #[test]
    fn recipients_without_blank_lines_split_on_repeat() {
        let d = parse("Final-Recipient: rfc822; a@x.org\nStatus: 5.1.1\nFinal-Recipient: rfc822; b@x.org\nStatus: 5.2.2\n");
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(
            strip_type(d.recipients[1].get("final-recipient").unwrap()).1,
            "b@x.org"
        );
    }
}
