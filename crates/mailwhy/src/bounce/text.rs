//! Reading bounces from their text: the explanation a mail server writes above the returned
//! copy, the recipients it names, and the block of wording about each one. Used for bounces
//! without a DSN part, and to add the SMTP phase and fuller wording to DSNs.

use mail_parser::{Message, MimeHeaders, PartType};

use super::{classify, data, dsn, part_text, status, Bounce, Kind, Reason, Recipient};

/// The human-readable explanation: the text parts of the bounce (not of the returned copy),
/// cut where the returned copy begins.
pub fn explanation(msg: &Message<'_>) -> String {
    let mut out = String::new();
    for part in &msg.parts {
        let (t, s) = match part.content_type() {
            Some(ct) => (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            ),
            None => ("text".into(), "plain".into()),
        };
        if t != "text" || s == "rfc822-headers" || s == "delivery-status" {
            continue;
        }
        if part.attachment_name().is_some() {
            continue;
        }
        let body = match &part.body {
            PartType::Text(x) => x.to_string(),
            PartType::Html(h) => strip_html(h),
            _ => continue,
        };
        out.push_str(&body);
        out.push('\n');
        if out.len() > 64 * 1024 {
            break;
        }
    }
    if out.trim().is_empty() {
        // A multipart without boundaries (old Sendmail DSNs) leaves no parts: read the body.
        let root = msg.root_part();
        let raw = msg.raw_message();
        let body = raw.get(root.offset_body as usize..(root.offset_end as usize).min(raw.len()));
        out = String::from_utf8_lossy(body.unwrap_or(&[]))
            .chars()
            .take(64 * 1024)
            .collect();
        return out;
    }
    let mut cut = cut_at_original(&out).to_string();
    if cut.len() > MAX_EXPLANATION {
        let mut end = MAX_EXPLANATION;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut.truncate(end);
    }
    cut
}

/// The most explanation text read from one bounce (real ones are a few KB).
const MAX_EXPLANATION: usize = 32 * 1024;

fn strip_html(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut in_tag = false;
    for c in h.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn cut_at_original(text: &str) -> &str {
    let lower = text.to_ascii_lowercase();
    let mut cut = text.len();
    for m in data::ORIGINAL_MARKERS {
        if let Some(p) = lower.find(m) {
            // Keep at least a little: a marker on the first line is a header, not a cut.
            if p > 0 && p < cut {
                cut = p;
            }
        }
    }
    &text[..cut]
}

/// DSN fields written into the text (no delivery-status part), when there are recipients.
pub(crate) fn inline_dsn(explanation: &str) -> Option<dsn::DeliveryStatus> {
    let lower = explanation.to_ascii_lowercase();
    let start = lower
        .find("\nfinal-recipient:")
        .or_else(|| lower.find("\noriginal-recipient:"))?;
    // The per-message fields just above, if any.
    let from = lower[..start].rfind("\nreporting-mta:").unwrap_or(start);
    let d = dsn::parse(&explanation[from..]);
    (d.recipients
        .iter()
        .any(|r| r.get("status").is_some() || r.get("action").is_some()))
    .then_some(d)
}

/// Cleans an address from a DSN field or the text: `<a@b>` -> `a@b`, trailing dots dropped.
pub(crate) fn clean_address(s: &str) -> String {
    let s = s.trim();
    let s = match (s.find('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => s,
    };
    s.trim_matches(|c: char| {
        c == '"' || c == '\'' || c.is_whitespace() || c == '.' || c == ':' || c == ','
    })
    .to_string()
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"._%+-=/!#$&*?^`{|}~'".contains(&c)
}

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// Every address in `text`, in order, with the byte offset where it starts.
pub fn addresses(text: &str) -> Vec<(usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = text[i..].find('@') {
        let at = i + p;
        let mut s = at;
        while s > 0 && is_local_char(b[s - 1]) {
            s -= 1;
        }
        let mut e = at + 1;
        while e < b.len() && is_domain_char(b[e]) {
            e += 1;
        }
        let local = text[s..at].trim_start_matches(['.', '/', '=', '\'', '`']);
        let domain = text[at + 1..e].trim_end_matches(['.', '-']);
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') {
            let start = at - local.len();
            out.push((start, format!("{local}@{domain}")));
        }
        i = at + 1;
    }
    out
}

/// Lines naming the original message's headers inside the explanation ("To: x", "From: y"):
/// the addresses on them are not recipients that failed.
fn is_header_line(line: &str) -> bool {
    let t = line.trim_start().to_ascii_lowercase();
    [
        "to:",
        "from:",
        "cc:",
        "sender:",
        "reply-to:",
        "return-path:",
        "subject:",
        "sent:",
        "date:",
        "message-id:",
        "envelope-from",
    ]
    .iter()
    .any(|h| t.starts_with(h))
}

/// The lines of `explanation` about `address`: the line naming it and those that follow, up to
/// a blank line after some text or a line naming another address, for every place it appears.
pub(crate) fn block_for(explanation: &str, address: &str) -> String {
    if address.is_empty() {
        return String::new();
    }
    let needle = address.to_ascii_lowercase();
    // ASCII lowercasing keeps byte offsets, so the two line lists stay aligned.
    let lower = explanation.to_ascii_lowercase();
    if !lower.contains(&needle) {
        return String::new();
    }
    let lines: Vec<&str> = explanation.lines().collect();
    let lower_lines: Vec<&str> = lower.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if !lower_lines[i].contains(&needle) || is_header_line(lines[i]) {
            i += 1;
            continue;
        }
        // Sendmail's transcript puts one recipient per line: "550 <a@b>... User unknown".
        let t = lines[i].trim_start();
        if t.len() > 4
            && t.as_bytes()[..3].iter().all(u8::is_ascii_digit)
            && t.as_bytes()[3] == b' '
        {
            out.push_str(t);
            out.push('\n');
            i += 1;
            continue;
        }
        let mut j = i;
        let mut seen_text = false;
        while j < lines.len() && j < i + 12 {
            let l = lines[j];
            if j > i {
                if l.trim().is_empty() {
                    if seen_text {
                        break;
                    }
                    j += 1;
                    continue;
                }
                // A line that begins with another address starts that address's block.
                let t = l.trim_start().trim_start_matches('<');
                let lead = addresses(t).into_iter().next();
                if lead.is_some_and(|(at, a)| at == 0 && !a.eq_ignore_ascii_case(address)) {
                    break;
                }
                seen_text = true;
            }
            // A line that only names the address ("<a@b>:") adds nothing to the diagnostic.
            let rest = lower_lines[j].replace(&needle, "");
            if !rest
                .trim_matches(|c: char| c.is_whitespace() || "<>:,.".contains(c))
                .is_empty()
            {
                out.push_str(l.trim());
                out.push('\n');
            }
            j += 1;
        }
        i = j.max(i + 1);
    }
    out
}

/// The host a text says refused (`host mx.example.net[192.0.2.1] said:`).
pub(crate) fn remote_host(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for lead in ["host ", "while talking to ", "remote host "] {
        let mut from = 0;
        while let Some(p) = lower[from..].find(lead) {
            let s = from + p + lead.len();
            let word: String = text[s..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            if word.contains('.') && word.chars().any(|c| c.is_ascii_alphabetic()) {
                return Some(word.trim_end_matches('.').to_string());
            }
            from = s;
        }
    }
    None
}

/// The headers of the returned copy (a message/rfc822 or text/rfc822-headers part).
pub(crate) fn original_headers(msg: &Message<'_>) -> Option<String> {
    for part in &msg.parts {
        match &part.body {
            PartType::Message(m) => {
                let raw = m.raw_message();
                let end = find_header_end(raw);
                return Some(String::from_utf8_lossy(&raw[..end]).into_owned());
            }
            _ => {
                if let Some(ct) = part.content_type() {
                    if ct.ctype().eq_ignore_ascii_case("text")
                        && ct
                            .subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
                    {
                        return part_text(part).map(|t| t.into_owned());
                    }
                }
            }
        }
    }
    None
}

fn find_header_end(raw: &[u8]) -> usize {
    raw.windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| raw.windows(4).position(|w| w == b"\r\n\r\n"))
        .unwrap_or(raw.len())
}

/// The first address of header `name` in header text.
pub(crate) fn header_address(headers: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}:");
    let mut lines = headers.lines().peekable();
    while let Some(l) = lines.next() {
        if l.to_ascii_lowercase().starts_with(&prefix) {
            let mut v = l[prefix.len()..].to_string();
            while lines.peek().is_some_and(|n| n.starts_with([' ', '\t'])) {
                v.push_str(lines.next().unwrap_or(""));
            }
            return addresses(&v).into_iter().next().map(|(_, a)| a);
        }
    }
    None
}

fn header_text(msg: &Message<'_>, name: &str) -> String {
    msg.header_raw(name).unwrap_or("").to_lowercase()
}

/// True when the bounce's own headers say it is a bounce (sender or subject).
fn headers_say_bounce(msg: &Message<'_>) -> bool {
    let from = header_text(msg, "From");
    let subject = msg.subject().unwrap_or("").to_lowercase();
    let return_path = header_text(msg, "Return-Path");
    data::BOUNCE_SENDERS.iter().any(|s| from.contains(s))
        || return_path.trim() == "<>"
        || data::BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
        || msg.header_raw("X-Failed-Recipients").is_some()
}

/// The most recipients read from one bounce.
pub(crate) const MAX_RECIPIENTS: usize = 200;

/// True when only the subject says "bounce" (no bounce sender, no X-Failed-Recipients, no
/// null Return-Path).
fn weak_headers(msg: &Message<'_>) -> bool {
    let from = header_text(msg, "From");
    !(data::BOUNCE_SENDERS.iter().any(|s| from.contains(s))
        || msg.header_raw("X-Failed-Recipients").is_some()
        || header_text(msg, "Return-Path").trim() == "<>")
}

fn headers_say_bounce_strongly(msg: &Message<'_>) -> bool {
    let from = header_text(msg, "From");
    let subject = msg.subject().unwrap_or("").to_lowercase();
    (data::BOUNCE_SENDERS.iter().any(|s| from.contains(s))
        || msg.header_raw("X-Failed-Recipients").is_some())
        && data::BOUNCE_SUBJECTS.iter().any(|s| subject.contains(s))
}

/// Reads a bounce without a DSN part from its explanation text; `None` when it is not one.
pub(crate) fn non_standard(msg: &Message<'_>, explanation: &str) -> Option<Bounce> {
    let lower = explanation.to_lowercase();
    let says_failure = data::FAILURE_WORDING.iter().any(|w| lower.contains(w));
    let headers = headers_say_bounce(msg);
    // A sender and a subject that both say "bounce" are enough even when the wording is in a
    // language the table does not know.
    let strongly = headers_say_bounce_strongly(msg);
    if !(headers && (says_failure || strongly || classify::text_reason(&lower).is_some())) {
        return None;
    }
    // Addresses that are the bounce's own sender and receiver are not failed recipients.
    let mut own: Vec<String> = Vec::new();
    for h in ["From", "To", "Return-Path", "Sender", "Reply-To"] {
        for (_, a) in addresses(msg.header_raw(h).unwrap_or("")) {
            own.push(a.to_ascii_lowercase());
        }
    }
    let is_service = |a: &str| {
        let local = a.split('@').next().unwrap_or("").to_ascii_lowercase();
        local == "mailer-daemon" || local == "postmaster" || local.starts_with("bounce")
    };
    let mut candidates: Vec<String> = Vec::new();
    'lines: for line in explanation.lines() {
        if is_header_line(line) {
            continue;
        }
        for (_, a) in addresses(line) {
            let l = a.to_ascii_lowercase();
            if own.contains(&l)
                || is_service(&l)
                || candidates.iter().any(|c| c.eq_ignore_ascii_case(&a))
            {
                continue;
            }
            candidates.push(a);
            if candidates.len() >= MAX_RECIPIENTS {
                break 'lines;
            }
        }
    }
    if let Some(v) = msg.header_raw("X-Failed-Recipients") {
        for (_, a) in addresses(v).into_iter().rev() {
            if !candidates.iter().any(|c| c.eq_ignore_ascii_case(&a)) {
                candidates.insert(0, a);
            }
        }
    }
    if candidates.is_empty() {
        // The returned copy's To, as a last resort (as a part, or quoted in the text).
        if let Some(a) = original_headers(msg)
            .and_then(|h| header_address(&h, "to"))
            .or_else(|| header_address(explanation.trim_start(), "to"))
            .or_else(|| {
                explanation
                    .lines()
                    .find(|l| l.trim_start().to_ascii_lowercase().starts_with("to:"))
                    .and_then(|l| addresses(l).into_iter().next().map(|(_, a)| a))
            })
        {
            candidates.push(a);
        }
    }
    // An address mentioned only in passing is not a recipient when others have error blocks;
    // keep those whose block has an error code or wording.
    let mut recipients = Vec::new();
    // Bounded work on hostile input: real bounces name a handful of recipients.
    candidates.truncate(MAX_RECIPIENTS);
    for address in &candidates {
        let block = block_for(explanation, address);
        let has_error = status::find_reply_code(&block).is_some()
            || status::find_enhanced(&block).is_some()
            || classify::text_reason(&block.to_lowercase()).is_some();
        let diagnostic = if has_error {
            block
        } else {
            let whole = diagnostic_from_whole(explanation);
            if whole.trim().is_empty() {
                lines_above(explanation, address)
            } else {
                whole
            }
        };
        recipients.push((address.clone(), diagnostic, has_error));
    }
    if recipients.iter().any(|r| r.2) {
        recipients.retain(|r| r.2);
    } else if weak_headers(msg) {
        // Only the subject says "bounce" and no recipient has an error: an ordinary message
        // that talks about a rejection, not a bounce.
        return None;
    } else {
        recipients.truncate(1);
    }
    let phase_hint = classify::phase_of(&lower);
    let remote = remote_host(explanation);
    let mut out = Vec::new();
    for (address, diagnostic, _) in recipients {
        let code_text = strip_addresses(&diagnostic);
        let st = status::find_enhanced(&code_text);
        let reply = reply_in(&code_text);
        let temporary = lower.contains("delayed")
            || lower.contains("will be retried")
            || lower.contains("still trying")
            || lower.contains("will continue to be")
            || lower.contains("temporary");
        let permanent = lower.contains("permanent")
            || lower.contains("given up")
            || lower.contains("giving up");
        let action = if temporary && !permanent {
            "delayed"
        } else {
            "failed"
        };
        let decision = classify::decide(&classify::Evidence {
            diagnostic: &diagnostic,
            context: "",
            phase_hint,
            status: st.as_deref(),
            reply_code: reply.as_deref(),
            action: Some(action),
            diagnostic_type: None,
        });
        // A text bounce reports a failure, whatever a stray 2.x.x code in it says.
        let (reason, rule) = if decision.reason == Reason::Delivered {
            (
                Reason::Undefined,
                classify::Rule::field("a failure notice quoting a success code"),
            )
        } else {
            (decision.reason, decision.rule)
        };
        let status_out = st.or_else(|| {
            reply
                .as_deref()
                .and_then(|c| c.chars().next())
                .map(|c| format!("{c}.0.0"))
        });
        out.push(Recipient {
            address: clean_address(&address),
            action: Some(action.to_string()),
            status: status_out,
            reply_code: reply,
            reason,
            rule,
            diagnostic: Some(diagnostic.trim().to_string()).filter(|d| !d.is_empty()),
            remote_mta: remote.clone(),
        });
    }
    if out.is_empty() {
        return None;
    }
    Some(Bounce {
        kind: Kind::NonStandard,
        is_bounce: true,
        recipients: out,
        feedback_type: None,
        reporting_mta: None,
    })
}

/// Replaces addresses by a placeholder so that digits in them are not read as codes.
pub(crate) fn strip_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (s, a) in addresses(text) {
        if s < last {
            continue;
        }
        out.push_str(&text[last..s]);
        out.push_str("ADDR");
        last = s + a.len();
    }
    out.push_str(&text[last.min(text.len())..]);
    out
}

/// The first reply code that begins a line or follows "said:"-like wording.
fn reply_in(text: &str) -> Option<String> {
    for line in text.lines() {
        let t = line.trim_start_matches(['<', ' ', '\t', '>']);
        if let Some(c) = status::find_reply_code(t).filter(|_| {
            t.as_bytes()
                .first()
                .is_some_and(|b| matches!(b, b'4' | b'5'))
        }) {
            if t.starts_with(c.as_str()) {
                return Some(c);
            }
        }
        let lower = line.to_ascii_lowercase();
        for lead in [
            "said:",
            "said ",
            "replied:",
            "error:",
            "returned:",
            "response:",
            "responded:",
        ] {
            if let Some(p) = lower.find(lead) {
                if let Some(c) = status::find_reply_code(line[p + lead.len()..].trim_start()) {
                    return Some(c);
                }
            }
        }
    }
    status::find_reply_code(text)
}

/// The text just above the first line naming `address` (some MTAs write the reason first, in
/// any language, then the address).
fn lines_above(explanation: &str, address: &str) -> String {
    let lines: Vec<&str> = explanation.lines().collect();
    let needle = address.to_ascii_lowercase();
    let Some(at) = lines
        .iter()
        .position(|l| l.to_ascii_lowercase().contains(&needle))
    else {
        return String::new();
    };
    lines[at.saturating_sub(3)..at]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with("---") && !l.starts_with("==="))
        .collect::<Vec<_>>()
        .join("\n")
}

/// When no block names the recipient, the explanation's lines that carry error wording.
fn diagnostic_from_whole(explanation: &str) -> String {
    explanation
        .lines()
        .filter(|l| {
            let lower = l.to_lowercase();
            !l.trim().is_empty()
                && (status::find_reply_code(l.trim_start()).is_some()
                    || classify::text_reason(&lower).is_some())
        })
        .take(6)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_found_in_order() {
        let a = addresses("<a.b@example.org>: said x@y.example.net. and no@dot");
        assert_eq!(
            a.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
            ["a.b@example.org", "x@y.example.net"]
        );
    }

    #[test]
    fn clean_address_strips_brackets() {
        assert_eq!(clean_address(" <A@b.example>. "), "A@b.example");
        assert_eq!(clean_address("\"a@b.example\""), "a@b.example");
    }
}
