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
    text_match(lower).map(|m| m.reason)
}

/// The whole pattern table compiled into one Aho-Corasick automaton, so that a text is scanned
/// once however many patterns there are (the table has hundreds).
struct Matcher {
    automaton: aho_corasick::AhoCorasick,
    /// The table entry and the pattern of each plain pattern.
    entry_of: Vec<(usize, &'static str)>,
    /// Patterns with `*` (entry, pattern), checked one by one.
    wildcards: Vec<(usize, &'static str)>,
}

fn matcher() -> &'static Matcher {
    static M: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        let (mut plain, mut entry_of, mut wildcards) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (_, _, _, pats)) in PATTERNS.iter().enumerate() {
            for p in *pats {
                if p.contains('*') {
                    wildcards.push((i, *p));
                } else {
                    plain.push(*p);
                    entry_of.push((i, *p));
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

/// A phrase of the table found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PhraseMatch {
    pub reason: Reason,
    pub strength: Strength,
    /// The phrase (lowercase, as in the table).
    pub phrase: &'static str,
    /// Where the row's wording comes from.
    pub source: &'static str,
}

/// The first entry of the table whose wording occurs in `lower`, with the phrase that matched.
pub(crate) fn text_match(lower: &str) -> Option<PhraseMatch> {
    let m = matcher();
    let mut best = (usize::MAX, "");
    for found in m.automaton.find_overlapping_iter(lower) {
        let e = m.entry_of[found.pattern().as_usize()];
        if e.0 < best.0 {
            best = e;
        }
        if best.0 == 0 {
            break;
        }
    }
    for (entry, p) in &m.wildcards {
        if *entry < best.0 && matches(lower, p) {
            best = (*entry, p);
        }
    }
    PATTERNS.get(best.0).map(|(r, s, src, _)| PhraseMatch {
        reason: *r,
        strength: *s,
        phrase: best.1,
        source: src,
    })
}

/// What decided a recipient's reason: the evidence an agent can check against the bounce.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// Which kind of rule decided.
    pub by: RuleKind,
    /// What it matched: the field and its value, the phrase, or the code.
    pub matched: String,
    /// For a phrase: where the wording of its table row comes from (MTAs, providers). For a
    /// code: its RFC 3463 / RFC 5321 meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
    /// A refinement applied after the match (the SMTP phase, the code's class), and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<&'static str>,
}

/// The kinds of rule, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A structured DSN field (Action, Status class, Diagnostic-Code type).
    Field,
    /// A phrase of the wording table (`data::PATTERNS`).
    Phrase,
    /// The meaning of the RFC 3463 enhanced status code (`data::STATUS_REASONS`).
    StatusCode,
    /// The SMTP reply code (RFC 5321).
    ReplyCode,
    /// Nothing specific was said.
    Default,
}

impl Rule {
    fn new(by: RuleKind, matched: impl Into<String>, source: Option<&'static str>) -> Rule {
        Rule {
            by,
            matched: matched.into(),
            source,
            adjusted: None,
        }
    }

    fn adjust(mut self, why: &'static str) -> Rule {
        self.adjusted = Some(why);
        self
    }

    /// The rule for a recipient that a reader decided without the classifier.
    pub fn field(matched: impl Into<String>) -> Rule {
        Rule::new(RuleKind::Field, matched, None)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.by {
            RuleKind::Field => write!(f, "field {}", self.matched)?,
            RuleKind::Phrase => write!(f, "phrase \"{}\"", self.matched)?,
            RuleKind::StatusCode => write!(f, "status code {}", self.matched)?,
            RuleKind::ReplyCode => write!(f, "reply code {}", self.matched)?,
            RuleKind::Default => write!(f, "default: {}", self.matched)?,
        }
        if let Some(s) = self.source {
            write!(f, " ({s})")?;
        }
        if let Some(a) = self.adjusted {
            write!(f, "; {a}")?;
        }
        Ok(())
    }
}

/// A reason and the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The reason.
    pub reason: Reason,
    /// Why.
    pub rule: Rule,
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
    decide(e).reason
}

/// Decides the reason for one recipient, with the rule that decided it. In order: the
/// structured fields (Action, the Status class), the receiver's wording (the phrase table), the
/// meaning of the enhanced status code (which wins over a generic phrase, and over any phrase
/// when it names a narrow reason of the same family), then the fallbacks on the code's class,
/// the Diagnostic-Code type, the reply code and the Action.
pub fn decide(e: &Evidence<'_>) -> Decision {
    let (mut d, specific_phrase) = decide_inner(e);
    // A failure report on a temporary (4.x.x) status: the sender gave up retrying when its
    // queue lifetime ran out (RFC 3464 Action: failed). Unless the last refusal's wording named
    // a cause of its own (a specific phrase: a missing PTR, a full mailbox) or a temporary
    // condition (a busy server), the outcome is the expiry.
    // A status that says nothing (`5.0.0`, which Exim writes for every failure it has no code
    // for, even after retrying a 4xx until its retry timeout) defers to the receiver's last
    // reply code: a 4xx there is the same temporary refusal.
    let unspecific = e.status.is_none_or(|s| s.ends_with(".0.0"));
    let temporary = e.status.is_some_and(|s| s.starts_with('4'))
        || (unspecific && e.reply_code.is_some_and(|c| c.starts_with('4')));
    if e.action.is_some_and(|a| a.eq_ignore_ascii_case("failed"))
        && temporary
        && !specific_phrase
        && d.reason.resend() != crate::bounce::Resend::Later
    {
        d.reason = Reason::Expired;
        d.rule.adjusted =
            Some("failed on a temporary 4.x.x status: retried until the queue lifetime ran out");
    }
    d
}

/// The decision, and whether a specific phrase of the table made it.
fn decide_inner(e: &Evidence<'_>) -> (Decision, bool) {
    let action = e.action.unwrap_or("").to_ascii_lowercase();
    if matches!(action.as_str(), "delivered" | "relayed" | "expanded") {
        return (
            Decision {
                reason: Reason::Delivered,
                rule: Rule::field(format!("Action: {action}")),
            },
            false,
        );
    }
    if let Some(s) = e.status.filter(|s| s.starts_with("2.")) {
        return (
            Decision {
                reason: Reason::Delivered,
                rule: Rule::new(
                    RuleKind::Field,
                    format!("Status: {s}"),
                    Some("RFC 3463 class 2: success"),
                ),
            },
            false,
        );
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
        .and_then(|s| status::reason_of(s).map(|r| (r, s)));

    let by_text = receivers
        .as_deref()
        .and_then(text_match)
        .or_else(|| text_match(&lower));
    let phrase = |m: PhraseMatch| Decision {
        reason: m.reason,
        rule: Rule::new(RuleKind::Phrase, m.phrase, Some(m.source)),
    };
    let code = |r: Reason, s: &str| Decision {
        reason: r,
        rule: Rule::new(RuleKind::StatusCode, s, status::meaning(s)),
    };
    let mut decision = by_text.map(phrase);
    if let Some((r, s)) = by_status {
        decision = match (decision, by_text) {
            (None, _) => Some(code(r, s)),
            // The code names a narrow reason and the wording is only a generic refusal.
            (Some(_), Some(t)) if t.strength == Strength::Broad => {
                Some(code(r, s).rule_adjusted("the code is more specific than the generic wording"))
            }
            // Size and quota wording is close: the code says which limit it was.
            (Some(d), _) if in_size_family(d.reason) && in_size_family(r) => Some(code(r, s)),
            (d, _) => d,
        };
    }
    if let Some(d) = decision.as_mut() {
        // A domain that "does not exist" in a temporary failure is a DNS problem, not proof.
        if d.reason == Reason::HostUnknown && e.status.is_some_and(|s| s.starts_with('4')) {
            d.reason = Reason::NetworkError;
            d.rule.adjusted = Some(
                "a temporary (4.x.x) failure: the lookup failed, the domain is not proven missing",
            );
        }
        if d.reason == Reason::UserUnknown {
            // The standard X.1.1-X.1.10 codes are about the address itself.
            let code_says_user = e.status.is_some_and(|s| {
                s.get(1..4) == Some(".1.")
                    && s.get(4..)
                        .and_then(|d| d.parse::<u32>().ok())
                        .is_some_and(|d| (1..=10).contains(&d))
            });
            // Sisimai's reading, kept so results compare: "no such user" is a missing mailbox
            // only when refused at RCPT TO or under an address code; after DATA (the mailbox
            // was accepted), or with neither phase nor such a code, it is the recipient's filter.
            let why = match phase {
                Some(Phase::Data) => Some("refused after DATA: the address was accepted, a filter refused"),
                Some(Phase::Rcpt) | Some(Phase::Mail) => None,
                None if code_says_user => None,
                None => Some("no SMTP phase and no X.1.x address code: the recipient's filter (Sisimai's reading)"),
            };
            if let Some(why) = why {
                d.reason = Reason::Filtered;
                d.rule.adjusted = Some(why);
            }
        }
        let specific_phrase = d.rule.by == RuleKind::Phrase
            && by_text.is_some_and(|t| t.strength == Strength::Specific);
        // Generic "not authorized" wording under an X.7.x code: whose fault the words say.
        if d.reason == Reason::SecurityError
            && !specific_phrase
            && e.status.is_some_and(|s| s.get(1..4) == Some(".7."))
        {
            let r = security_subject(&lower);
            if r != d.reason {
                d.reason = r;
                d.rule.adjusted =
                    Some("an X.7.x refusal whose words name the sender address or host");
            }
        }
        return (decision.expect("set"), specific_phrase);
    }
    (fallback(e, &action, &lower), false)
}

/// Nothing in the table matched: the code's class, the field types, the reply code, the action.
fn fallback(e: &Evidence<'_>, action: &str, lower: &str) -> Decision {
    let by = |reason, kind, matched: String, source| Decision {
        reason,
        rule: Rule::new(kind, matched, source),
    };
    if let Some(s) = e.status {
        let meaning = status::meaning(s);
        match s.get(1..4) {
            Some(".6.") => {
                return by(
                    Reason::ContentError,
                    RuleKind::StatusCode,
                    s.into(),
                    meaning,
                )
            }
            // X.7.1 "delivery not authorized" says nothing of why: whose fault the wording says.
            Some(".7.") => {
                let r = security_subject(lower);
                return by(r, RuleKind::StatusCode, s.into(), meaning);
            }
            Some(".4.") if s.starts_with('4') || action == "delayed" => {
                return by(
                    Reason::NetworkError,
                    RuleKind::StatusCode,
                    s.into(),
                    meaning,
                )
            }
            _ => {}
        }
    }
    if let Some(t) = e
        .diagnostic_type
        .filter(|t| matches!(t.to_ascii_lowercase().as_str(), "x-unix" | "x-postfix"))
    {
        return by(
            Reason::MailerError,
            RuleKind::Field,
            format!("Diagnostic-Code type {t}"),
            Some("a local delivery program, not a remote server, failed"),
        );
    }
    if let Some(c) = e.reply_code {
        if let Some((r, meaning)) = reply_reason(c) {
            return by(r, RuleKind::ReplyCode, c.into(), Some(meaning));
        }
    }
    if action.starts_with("delayed") || action.starts_with("expired") {
        return by(
            Reason::Expired,
            RuleKind::Field,
            format!("Action: {action}"),
            Some("still queued or given up after retries"),
        );
    }
    if data::VACATION_WORDING.iter().any(|p| lower.contains(p)) {
        return by(
            Reason::Vacation,
            RuleKind::Phrase,
            "out-of-office wording".into(),
            None,
        );
    }
    if !e.diagnostic.trim().is_empty() {
        by(
            Reason::OnHold,
            RuleKind::Default,
            "a diagnostic that names no reason".into(),
            None,
        )
    } else {
        by(
            Reason::Undefined,
            RuleKind::Default,
            "no diagnostic".into(),
            None,
        )
    }
}

/// For an X.7.x refusal the table's wording did not explain: whether the words are about the
/// sender address (rejected), the sending host (blocked), or neither (securityerror).
fn security_subject(lower: &str) -> Reason {
    let has = |list: &[&str]| list.iter().any(|p| lower.contains(p));
    if has(data::SENDER_ADDRESS_WORDS) {
        Reason::Rejected
    } else if has(data::SENDER_HOST_WORDS) {
        Reason::Blocked
    } else {
        Reason::SecurityError
    }
}

/// The reason an RFC 5321 reply code states by itself (most say only "refused").
fn reply_reason(code: &str) -> Option<(Reason, &'static str)> {
    data::REPLY_REASONS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, r, m)| (*r, *m))
}

impl Decision {
    fn rule_adjusted(mut self, why: &'static str) -> Decision {
        self.rule = self.rule.adjust(why);
        self
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
        for (i, (_, _, _, pats)) in PATTERNS.iter().enumerate() {
            for p in *pats {
                let text = p.replace('*', " x ");
                let found = PATTERNS
                    .iter()
                    .position(|(_, _, _, ps)| ps.iter().any(|q| matches(&text, q)));
                let m = text_match(&text).expect(p);
                let (r, s) = (m.reason, m.strength);
                let want = &PATTERNS[found.unwrap()];
                assert_eq!((r, s), (want.0, want.1), "{p}");
                assert!(found.unwrap() <= i);
            }
        }
    }

    fn d(diag: &str, status: Option<&str>, action: Option<&str>) -> Decision {
        decide(&Evidence {
            diagnostic: diag,
            status,
            action,
            ..Default::default()
        })
    }

    #[test]
    fn the_deciding_rule_is_named() {
        let r = d(
            "550 5.1.1 <a@b.example>: User unknown (in reply to RCPT TO command)",
            Some("5.1.1"),
            None,
        );
        assert_eq!(r.reason, Reason::UserUnknown);
        assert_eq!(
            (r.rule.by, r.rule.matched.as_str()),
            (RuleKind::Phrase, "user unknown")
        );
        let r = d("550 sorry", Some("5.2.2"), None);
        assert_eq!(
            (r.reason, r.rule.by),
            (Reason::MailboxFull, RuleKind::StatusCode)
        );
        assert_eq!(r.rule.source, Some("mailbox full"));
        let r = d("", None, Some("delivered"));
        assert_eq!((r.reason, r.rule.by), (Reason::Delivered, RuleKind::Field));
    }

    #[test]
    fn esp_suppression_wording_is_suppressed() {
        for w in [
            "Amazon SES has suppressed sending to this address because it has a recent history of bouncing",
            "Bounced Address",
            "You tried to send to recipient(s) that have been marked as inactive.",
        ] {
            assert_eq!(d(w, None, Some("failed")).reason, Reason::Suppressed, "{w}");
        }
    }

    #[test]
    fn an_x71_refusal_says_whose_fault_from_its_words() {
        assert_eq!(
            d(
                "554 5.7.1 not permitted: the envelope sender is not authorized here",
                Some("5.7.1"),
                None
            )
            .reason,
            Reason::Rejected
        );
        assert_eq!(
            d("554 5.7.1 Client host not permitted", Some("5.7.1"), None).reason,
            Reason::Blocked
        );
        assert_eq!(
            d("554 5.7.1 Delivery not permitted", Some("5.7.1"), None).reason,
            Reason::SecurityError
        );
    }

    #[test]
    fn giving_up_on_a_temporary_refusal_is_expiry() {
        let r = d(
            "450 4.2.0 <a@b>: Recipient address rejected: Greylisted",
            Some("4.2.0"),
            Some("failed"),
        );
        assert_eq!(r.reason, Reason::Expired);
        // A specific cause in the last refusal stays the answer.
        let r = d(
            "450 4.7.1 Client host rejected: cannot find your hostname",
            Some("4.7.1"),
            Some("failed"),
        );
        assert_eq!(r.reason, Reason::RequirePtr);
        // Exim's shape: Status 5.0.0 (no code of its own) after retrying a 450 until its retry
        // timeout; the reply code says the refusal was temporary. A 5xx reply stays refused.
        let exim = |reply: &str| {
            decide(&Evidence {
                diagnostic: "450 4.2.0 <a@b>: Recipient address rejected: Greylisted: retry timeout exceeded",
                status: Some("5.0.0"),
                reply_code: Some(reply),
                action: Some("failed"),
                ..Default::default()
            })
            .reason
        };
        assert_eq!(exim("450"), Reason::Expired);
        assert_ne!(exim("550"), Reason::Expired);
        // "Recipient address rejected:" is Postfix's prefix for any RCPT refusal, not "unknown".
        assert_ne!(
            d(
                "554 5.7.1 <a@b>: Recipient address rejected: Access denied",
                Some("5.7.1"),
                None
            )
            .reason,
            Reason::UserUnknown
        );
    }

    #[test]
    fn wildcard_patterns_stay_on_one_line() {
        assert!(matches("host x refused to talk", "host * refused"));
        assert!(!matches("host x\n refused", "host * refused"));
    }
}
