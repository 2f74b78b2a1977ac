//! Deciding a recipient's [`Reason`] from what the bounce says: the diagnostic wording first
//! (the receiver's own words are the most specific), the enhanced status code where the wording
//! is silent or agrees, then the reply code, the SMTP phase and the DSN action.
//!
//! The one deliberate subtlety, kept from Sisimai so that results compare: a "no such user"
//! refusal given *after DATA*, or under an X.2.x "mailbox refused" code, is the recipient's
//! filter speaking (`filtered`), since the mailbox was accepted at RCPT TO.

use super::data::{self, Strength, PATTERNS};
use super::status;
use super::Reason;

/// The SMTP phase in which the receiver refused, as far as the wording says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// At MAIL FROM.
    #[default]
    Mail,
    /// At RCPT TO.
    Rcpt,
    /// After DATA (the content was seen).
    Data,
}

/// The phase named in `lower` (lowercase text), if any.
pub(crate) fn phase_of(lower: &str) -> Option<Phase> {
    let has = |list: &[&str]| list.iter().any(|p| lower.contains(p));
    if has(data::DATA_PHASE) {
        Some(Phase::Data)
    } else if has(data::RCPT_PHASE) {
        Some(Phase::Rcpt)
    } else if has(data::MAIL_PHASE) {
        Some(Phase::Mail)
    } else {
        None
    }
}

/// True when `pattern` (lowercase, `*` = any run on one line) occurs in `lower`.
pub fn matches(lower: &str, pattern: &str) -> bool {
    if !pattern.contains('*') {
        return lower.contains(pattern);
    }
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let mut from = 0;
    while let Some(pos) = lower[from..].find(first) {
        let start = from + pos + first.len();
        let line_end = lower[start..].find('\n').map_or(lower.len(), |e| start + e);
        let mut at = start;
        let mut ok = true;
        for p in parts.clone() {
            match lower[at..line_end].find(p) {
                Some(i) => at += i + p.len(),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return true;
        }
        from = from + pos + first.len().max(1);
        if from >= lower.len() {
            break;
        }
    }
    false
}

/// The first reason in the table whose wording occurs in `lower`.
pub(crate) fn text_reason(lower: &str) -> Option<Reason> {
    text_match(lower).map(|(r, _)| r)
}

/// The whole pattern table compiled into one Aho-Corasick automaton, so that a text is scanned
/// once however many patterns there are (the table has hundreds).
struct Matcher {
    automaton: aho_corasick::AhoCorasick,
    /// The table entry of each plain pattern.
    entry_of: Vec<usize>,
    /// Patterns with `*` (entry, pattern), checked one by one.
    wildcards: Vec<(usize, &'static str)>,
}

fn matcher() -> &'static Matcher {
    static M: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let (mut plain, mut entry_of, mut wildcards) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (_, _, pats)) in PATTERNS.iter().enumerate() {
            for p in *pats {
                if p.contains('*') {
                    wildcards.push((i, *p));
                } else {
                    plain.push(*p);
                    entry_of.push(i);
                }
            }
        }
        let automaton = aho_corasick::AhoCorasick::new(&plain).expect("the pattern table compiles");
        Matcher {
            automaton,
            entry_of,
            wildcards,
        }
    })
}

/// The first entry of the table whose wording occurs in `lower`, with its strength.
pub(crate) fn text_match(lower: &str) -> Option<(Reason, Strength)> {
    let m = matcher();
    let mut best = usize::MAX;
    for found in m.automaton.find_overlapping_iter(lower) {
        best = best.min(m.entry_of[found.pattern().as_usize()]);
        if best == 0 {
            break;
        }
    }
    for (entry, p) in &m.wildcards {
        if *entry < best && matches(lower, p) {
            best = *entry;
        }
    }
    PATTERNS.get(best).map(|(r, s, _)| (*r, *s))
}

/// What is known about one failed recipient.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The diagnostic text (Diagnostic-Code or the bounce's wording for this recipient).
    pub diagnostic: &'a str,
    /// Extra context to find the SMTP phase in (the human-readable part).
    pub context: &'a str,
    /// The RFC 3463 status code.
    pub status: Option<&'a str>,
    /// The SMTP reply code.
    pub reply_code: Option<&'a str>,
    /// The DSN Action (`failed`, `delayed`, `delivered` ...).
    pub action: Option<&'a str>,
    /// The diagnostic type (`smtp`, `x-unix`, `x-postfix`).
    pub diagnostic_type: Option<&'a str>,
    /// The SMTP phase found elsewhere in the bounce, used when the diagnostic and the context
    /// name none.
    pub phase_hint: Option<Phase>,
}

/// Decides the reason for one recipient.
pub fn classify(e: &Evidence<'_>) -> Reason {
    let action = e.action.unwrap_or("").to_ascii_lowercase();
    if matches!(action.as_str(), "delivered" | "relayed" | "expanded")
        || e.status.is_some_and(|s| s.starts_with("2."))
    {
        return Reason::Delivered;
    }
    let lower = normalize(e.diagnostic);
    let phase = phase_of(&lower)
        .or_else(|| phase_of(&e.context.to_lowercase()))
        .or(e.phase_hint);
    // A relay that wraps the receiver's reply ("Unknown address error 550-'5.7.1 ... Access
    // denied'") summarizes it in its own words first: the receiver's words decide.
    let raw_lower = e.diagnostic.to_lowercase();
    let receivers = embedded_reply(&raw_lower).map(normalize);
    let by_status = e
        .status
        .filter(|s| !status::is_general(s))
        .and_then(status::reason_of);

    let by_text = receivers
        .as_deref()
        .and_then(text_match)
        .or_else(|| text_match(&lower));
    let mut reason = by_text.map(|(r, _)| r);
    let broad = by_text.is_some_and(|(_, s)| s == Strength::Broad);
    if let Some(s) = by_status {
        reason = match reason {
            None => Some(s),
            // The code names a narrow reason and the wording is only a generic refusal.
            Some(_) if broad => Some(s),
            // Size and quota wording is close: the code says which limit it was.
            Some(t) if in_size_family(t) && in_size_family(s) => Some(s),
            Some(t) => Some(t),
        };
    }
    // A domain that "does not exist" in a temporary failure is a DNS problem, not proof.
    if reason == Some(Reason::HostUnknown) && e.status.is_some_and(|s| s.starts_with('4')) {
        reason = Some(Reason::NetworkError);
    }
    if reason == Some(Reason::UserUnknown) {
        // The standard X.1.1-X.1.10 codes are about the address itself.
        let code_says_user = e.status.is_some_and(|s| {
            s.get(1..4) == Some(".1.")
                && s.get(4..)
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| (1..=10).contains(&d))
        });
        let filtered = match phase {
            Some(Phase::Data) => true,
            Some(Phase::Rcpt) | Some(Phase::Mail) => false,
            // Without the phase, "no such user" under a code that is not about the address
            // (or with a bare reply code) is the recipient's filter (Sisimai's reading).
            None => !code_says_user,
        };
        if filtered {
            reason = Some(Reason::Filtered);
        }
    }
    if let Some(r) = reason {
        return r;
    }
    // Nothing specific: fall back on the code's class and the DSN's action.
    if let Some(s) = e.status {
        if s.get(1..4) == Some(".6.") {
            return Reason::ContentError;
        }
        if s.get(1..4) == Some(".7.") {
            return Reason::SecurityError;
        }
    }
    if matches!(
        e.diagnostic_type.map(str::to_ascii_lowercase).as_deref(),
        Some("x-unix" | "x-postfix")
    ) {
        return Reason::MailerError;
    }
    if let Some(c) = e.reply_code {
        if matches!(c, "500" | "501" | "502" | "503" | "504") {
            return Reason::SyntaxError;
        }
    }
    if action.starts_with("delayed") || action.starts_with("expired") {
        return Reason::Expired;
    }
    if data::VACATION_WORDING.iter().any(|p| lower.contains(p)) {
        return Reason::Vacation;
    }
    if !e.diagnostic.trim().is_empty() {
        Reason::OnHold
    } else {
        Reason::Undefined
    }
}

/// The text from a reply code that follows other words (`... 550 5.7.1 ...`), if any.
fn embedded_reply(lower: &str) -> Option<&str> {
    let b = lower.as_bytes();
    // A diagnostic that begins with a reply code is the receiver's own (wrapped lines repeat it).
    if status::find_reply_code(lower.trim_start())
        .is_some_and(|c| lower.trim_start().starts_with(c.as_str()))
    {
        return None;
    }
    (1..b.len().saturating_sub(4)).find_map(|i| {
        let code = matches!(b[i], b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && matches!(b[i + 3], b' ' | b'-')
            && !b[i - 1].is_ascii_alphanumeric()
            && b[i - 1] != b'.';
        let rest = lower.get(i + 4..)?.trim_start_matches(['\'', '"', ' ']);
        (code && status::find_enhanced(rest).is_some_and(|c| rest.starts_with(c.as_str())))
            .then(|| &lower[i..])
    })
}

fn in_size_family(r: Reason) -> bool {
    matches!(
        r,
        Reason::MesgTooBig | Reason::ExceedLimit | Reason::MailboxFull
    )
}

/// Lowercases `text` and joins wrapped lines: the `550-5.7.1` continuation prefixes that
/// multi-line SMTP replies repeat on each line are dropped, so wording split across lines matches.
pub fn normalize(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for (i, line) in lower.lines().enumerate() {
        let mut l = line.trim();
        if i > 0 {
            // "550-5.7.1 rest" / "550 5.7.1 rest" on a continuation line.
            let b = l.as_bytes();
            if b.len() >= 4
                && b[..3].iter().all(u8::is_ascii_digit)
                && (b[3] == b'-' || b[3] == b' ')
            {
                l = l[4..].trim_start();
                if let Some(code) =
                    super::status::find_enhanced(l).filter(|c| l.starts_with(c.as_str()))
                {
                    l = l[code.len()..].trim_start();
                }
            }
            out.push(' ');
        }
        out.push_str(l);
    }
    // Wrapped continuation inside one line (DSN fields are unfolded into one line).
    let mut s = String::with_capacity(out.len());
    let words: Vec<&str> = out.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let is_cont = i > 2
            && w.len() >= 4
            && w.as_bytes()[..3].iter().all(u8::is_ascii_digit)
            && w.as_bytes()[3] == b'-';
        if is_cont {
            i += 1;
            continue;
        }
        if i > 2
            && w.len() == 3
            && w.bytes().all(|b| b.is_ascii_digit())
            && words
                .get(i + 1)
                .is_some_and(|n| super::status::find_enhanced(n).as_deref() == Some(*n))
        {
            i += 2;
            continue;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(w);
        i += 1;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(diag: &str, status: Option<&str>) -> Reason {
        classify(&Evidence {
            diagnostic: diag,
            status,
            ..Default::default()
        })
    }

    #[test]
    fn wording_decides() {
        assert_eq!(
            c("550 5.1.1 <a@b.example>... User unknown", Some("5.1.1")),
            Reason::UserUnknown
        );
        assert_eq!(c("552 5.2.2 Mailbox full", None), Reason::MailboxFull);
        assert_eq!(
            c("552 mailbox over quota", Some("5.1.1")),
            Reason::MailboxFull
        );
        assert_eq!(
            c(
                "550 5.1.1 User unknown (in reply to end of DATA command)",
                None
            ),
            Reason::Filtered
        );
    }

    #[test]
    fn code_decides_when_wording_is_silent() {
        assert_eq!(c("550 sorry", Some("5.2.2")), Reason::MailboxFull);
        assert_eq!(c("", Some("5.7.25")), Reason::RequirePtr);
        assert_eq!(c("", Some("4.4.7")), Reason::Expired);
        assert_eq!(c("", None), Reason::Undefined);
        assert_eq!(c("something odd", Some("5.0.0")), Reason::OnHold);
    }

    #[test]
    fn a_bare_temporary_failure_says_nothing_specific() {
        assert_eq!(text_match(&normalize("450 4.0.0 Temporary failure")), None);
    }

    #[test]
    fn the_automaton_agrees_with_the_table_order() {
        // Every pattern, alone, finds an entry at or before its own.
        for (i, (_, _, pats)) in PATTERNS.iter().enumerate() {
            for p in *pats {
                let text = p.replace('*', " x ");
                let found = PATTERNS
                    .iter()
                    .position(|(_, _, ps)| ps.iter().any(|q| matches(&text, q)));
                let (r, s) = text_match(&text).expect(p);
                let want = &PATTERNS[found.unwrap()];
                assert_eq!((r, s), (want.0, want.1), "{p}");
                assert!(found.unwrap() <= i);
            }
        }
    }

    #[test]
    fn wildcard_patterns_stay_on_one_line() {
        assert!(matches("host x refused to talk", "host * refused"));
        assert!(!matches("host x\n refused", "host * refused"));
    }
}
