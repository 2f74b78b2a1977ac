//! The analysis of one message: what its headers say (recipients, Received chain,
//! authentication results, spam verdicts, sender facts) and its bounce reading, and the checks
//! that turn those facts into findings.

use std::net::IpAddr;
use std::time::Instant;

use mail_parser::{Address, HeaderName, HeaderValue, Message};
use serde::Serialize;

use super::auth::{self, AuthResults};
use super::received::{self, Chain};
use super::spam::{self, Verdict};
use crate::bounce::{self, Bounce};
use crate::check::CheckOutcome;
use crate::finding::Finding;
use crate::finding::FindingId;
use crate::sanitize;

/// Settings of the message checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Inputs larger than this are refused (default [`super::DEFAULT_MAX_BYTES`]).
    pub max_bytes: u64,
    /// A hop that held the message longer than this many seconds is reported (default 15 min).
    pub hop_delay_threshold_secs: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_bytes: super::DEFAULT_MAX_BYTES,
            hop_delay_threshold_secs: 15 * 60,
        }
    }
}

/// Facts about the sender that an allowlist comparison needs (`allowlist.sender-not-listed`,
/// added with the allowlist module): the IP that connected to the recipient's systems and the
/// domains that authenticated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SenderFacts {
    /// The first external IP of the Received chain.
    pub connecting_ip: Option<IpAddr>,
    /// The envelope sender's domain (Return-Path, or `smtp.mailfrom` in the results).
    pub envelope_domain: Option<String>,
    /// The From header's domain.
    pub from_domain: Option<String>,
    /// The `d=` domains of DKIM signatures (and `header.d` of DKIM results).
    pub dkim_domains: Vec<String>,
}

/// Everything read from one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Subject.
    pub subject: Option<String>,
    /// The From address.
    pub from: Option<String>,
    /// To and Cc addresses.
    pub to: Vec<String>,
    /// Delivered-To, X-Original-To and Envelope-To addresses (the mailbox it landed in).
    pub delivered_to: Vec<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// The Received chain.
    pub received: Chain,
    /// Authentication-Results, ARC-Authentication-Results and Received-SPF headers.
    pub authentication: Vec<AuthResults>,
    /// Spam filter verdicts.
    pub spam: Vec<Verdict>,
    /// Facts for an allowlist comparison.
    pub sender: SenderFacts,
    /// The bounce reading of the message.
    pub bounce: Bounce,
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn domain_of(addr: &str) -> Option<String> {
    let a = addr.trim().trim_matches(['<', '>']);
    a.rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// Reads `msg`.
pub fn analyze(msg: &Message<'_>) -> Analysis {
    let mut authentication = Vec::new();
    let mut delivered_to = Vec::new();
    let mut dkim_domains: Vec<String> = Vec::new();
    for h in msg.headers() {
        let name = h.name.as_str();
        let value = || match &h.value {
            HeaderValue::Text(t) => t.to_string(),
            _ => {
                let raw = msg.raw_message();
                String::from_utf8_lossy(
                    raw.get(h.offset_start as usize..(h.offset_end as usize).min(raw.len()))
                        .unwrap_or(&[]),
                )
                .into_owned()
            }
        };
        match name.to_ascii_lowercase().as_str() {
            "authentication-results" | "arc-authentication-results" => {
                authentication.push(auth::parse_authentication_results(name, &value()))
            }
            "received-spf" => authentication.push(auth::parse_received_spf(&value())),
            "delivered-to" | "x-original-to" | "envelope-to" => {
                let v = value();
                let v = v.trim().trim_matches(['<', '>']);
                if !v.is_empty() {
                    delivered_to.push(v.to_string());
                }
            }
            "dkim-signature" => {
                let v = value();
                if let Some(d) = v.split(';').find_map(|t| t.trim().strip_prefix("d=")) {
                    let d = d.trim().to_ascii_lowercase();
                    if !d.is_empty() && !dkim_domains.contains(&d) {
                        dkim_domains.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    let received = received::chain(msg);
    let spam = spam::verdicts(msg.headers_raw());
    let mut envelope_domain = match msg.header(HeaderName::ReturnPath) {
        Some(HeaderValue::Text(t)) => domain_of(t),
        Some(HeaderValue::TextList(l)) => l.first().and_then(|t| domain_of(t)),
        Some(HeaderValue::Address(a)) => a.first().and_then(|x| x.address()).and_then(domain_of),
        _ => None,
    };
    for a in &authentication {
        for r in &a.results {
            if envelope_domain.is_none() && r.method == "spf" {
                envelope_domain = r
                    .properties
                    .get("smtp.mailfrom")
                    .or_else(|| r.properties.get("envelope-from"))
                    .map(|m| domain_of(m).unwrap_or_else(|| m.to_ascii_lowercase()));
            }
            if r.method == "dkim" {
                if let Some(d) = r.properties.get("header.d") {
                    let d = d.to_ascii_lowercase();
                    if !dkim_domains.contains(&d) {
                        dkim_domains.push(d);
                    }
                }
            }
        }
    }
    let from = addresses(msg.from()).into_iter().next();
    let mut to = addresses(msg.to());
    to.extend(addresses(msg.cc()));
    Analysis {
        subject: msg.subject().map(str::to_string),
        sender: SenderFacts {
            connecting_ip: received.first_external_ip,
            envelope_domain,
            from_domain: from.as_deref().and_then(domain_of),
            dkim_domains,
        },
        from,
        to,
        delivered_to,
        message_id: msg.message_id().map(str::to_string),
        received,
        authentication,
        spam,
        bounce: bounce::analyze(msg),
    }
}

/// The Received chain check: hops held longer than the threshold, unparseable headers.
pub fn check_received(a: &Analysis, opts: &Options) -> CheckOutcome {
    let mut c = CheckOutcome::start("received");
    for (i, h) in a.received.hops.iter().enumerate() {
        if !h.parsed {
            c.push(
                Finding::new(FindingId::MessageUnparseableReceived,
                    format!(
                        "Received header {} of {} could not be parsed; it is kept as written: {}",
                        i + 1,
                        a.received.hops.len(),
                        sanitize::line(&h.raw.chars().take(200).collect::<String>())
                    )).with_remedy("Nothing to fix on the recipient's side: the hop is shown raw, and its date and IP were read where possible. If the delay matters, read the header yourself.")
                .with_evidence(serde_json::json!({ "index": i, "raw": h.raw, "date": h.date, "from_ip": h.from_ip })),
            );
        }
        if let Some(d) = h.delay_secs {
            if d > opts.hop_delay_threshold_secs {
                let by = h.by.clone().unwrap_or_else(|| "a server".into());
                c.push(
                    Finding::new(FindingId::MessageHopDelay,
                        format!(
                            "{} held the message for {} before passing it on (threshold {}).",
                            sanitize::line(&by),
                            received::human_duration(d),
                            received::human_duration(opts.hop_delay_threshold_secs)
                        )).with_remedy("A long hop is usually greylisting, a queue backlog or a retry after a refusal. If the delay is on the recipient's side, their mail admin can check the server's queue and greylisting; on the sender's side, the sending service's status page.")
                    .with_evidence(serde_json::json!({ "hop": i, "by": h.by, "from": h.from, "delay_secs": d, "threshold_secs": opts.hop_delay_threshold_secs })),
                );
            }
        }
    }
    let negative = a.received.hops.iter().filter(|h| h.negative_delay).count();
    let mut detail = format!("{} Received header(s)", a.received.hops.len());
    if let Some(t) = a.received.total_transit_secs {
        detail.push_str(&format!(", total transit {}", received::human_duration(t)));
    }
    if negative > 0 {
        detail.push_str(&format!(
            ", {negative} negative delay(s) (a server's clock is off)"
        ));
    }
    c.done(detail)
}

/// The authentication check: any SPF, DKIM, DMARC or ARC failure a receiver recorded.
pub fn check_authentication(a: &Analysis) -> CheckOutcome {
    let mut c = CheckOutcome::start("authentication");
    for ar in &a.authentication {
        let failed: Vec<_> = ar.results.iter().filter(|r| auth::is_failure(r)).collect();
        if failed.is_empty() {
            continue;
        }
        let what = failed
            .iter()
            .map(|r| format!("{}={}", r.method, r.result))
            .collect::<Vec<_>>()
            .join(", ");
        // An SPF or DKIM failure in a header that also records dmarc=pass did not cost the
        // message its authentication (the other method passed aligned): a warning, not a cause.
        let dmarc_passed = ar
            .results
            .iter()
            .any(|r| r.method == "dmarc" && r.result == "pass");
        c.push(
            Finding::new(FindingId::MessageAuthFailed,
                format!(
                    "{} at {} recorded {}{}.",
                    ar.header,
                    sanitize::line(if ar.authserv_id.is_empty() { "the receiver" } else { &ar.authserv_id }),
                    sanitize::line(&what),
                    if dmarc_passed { ", but dmarc=pass: the message passed authentication through the other method" } else { "" }
                )).with_remedy("Fix the sending domain's authentication: SPF must list the sending IP, DKIM must sign with a published key, and the From domain must align (run `mailwhy auth DOMAIN`). Receivers junk or reject failing mail.")
            .with_evidence(serde_json::to_value(ar).unwrap_or_default())
            .with_severity(if dmarc_passed { crate::finding::Severity::Warning } else { crate::finding::Severity::Error }),
        );
    }
    let n: usize = a.authentication.iter().map(|r| r.results.len()).sum();
    if a.authentication.is_empty() {
        c.done("no Authentication-Results or Received-SPF headers")
    } else {
        c.done(format!(
            "{n} result(s) in {} header(s)",
            a.authentication.len()
        ))
    }
}

/// The spam check: any filter that classed the message as spam.
pub fn check_spam(a: &Analysis) -> CheckOutcome {
    let mut c = CheckOutcome::start("spam-filters");
    for v in &a.spam {
        if v.spam != Some(true) {
            continue;
        }
        let mut detail = format!("{} marked the message as spam", v.filter);
        if let Some(s) = v.score {
            detail.push_str(&format!(" (score {s}"));
            if let Some(t) = v.threshold {
                detail.push_str(&format!(", threshold {t}"));
            }
            detail.push(')');
        }
        if !v.reasons.is_empty() {
            detail.push_str(&format!(": {}", v.reasons.join(", ")));
        }
        c.push(
            Finding::new(FindingId::MessageSpamVerdict,
                sanitize::line(&detail).into_owned()).with_remedy("Ask the person to look in their junk or spam folder (or the admin in the gateway's quarantine) and mark it as not spam; the admin can allow the sender. Check the sender's authentication too.")
            .with_evidence(serde_json::to_value(v).unwrap_or_default()),
        );
    }
    let names: Vec<&str> = a.spam.iter().map(|v| v.filter).collect();
    c.done(if names.is_empty() {
        "no spam filter headers".to_string()
    } else {
        format!("verdicts from {}", names.join(", "))
    })
}

/// The bounce check: one finding per reported recipient.
pub fn check_bounce(a: &Analysis) -> CheckOutcome {
    let mut c = CheckOutcome::start("bounce");
    for f in bounce::findings(&a.bounce) {
        c.push(f);
    }
    let detail = match a.bounce.kind {
        bounce::Kind::NotBounce => "not a bounce".to_string(),
        k => format!(
            "{} for {} recipient(s)",
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            a.bounce.recipients.len()
        ),
    };
    c.done(detail)
}

fn normalize_address(a: &str) -> String {
    a.trim().trim_matches(['<', '>']).to_lowercase()
}

/// `message.recipient-mismatch` when the message went to other addresses than `ticket_address`
/// (To, Cc, Delivered-To, X-Original-To, Envelope-To and Received `for`); `None` when it matches
/// one of them or the message names no recipient.
pub fn recipient_mismatch(a: &Analysis, ticket_address: &str) -> Option<Finding> {
    let want = normalize_address(ticket_address);
    let mut seen: Vec<String> = Vec::new();
    for x in a.to.iter().chain(a.delivered_to.iter()).chain(
        a.received
            .hops
            .iter()
            .filter_map(|h| h.for_address.as_ref()),
    ) {
        let n = normalize_address(x);
        if !n.is_empty() && !seen.contains(&n) {
            seen.push(n);
        }
    }
    if seen.is_empty() || seen.contains(&want) {
        return None;
    }
    Some(
        Finding::new(FindingId::MessageRecipientMismatch,
            format!(
                "The ticket is about {}, but this message was addressed to {}.",
                sanitize::line(ticket_address),
                sanitize::line(&seen.join(", "))
            )).with_remedy("Check which address the product has on file for this person: the email went to the address shown, so correct the account's address (or ask the person to check that mailbox) and resend.")
        .with_evidence(serde_json::json!({ "ticket_address": ticket_address, "message_recipients": seen })),
    )
}

/// The recipient check for `diagnose` (the ticket's address against the message).
pub fn check_recipient(a: &Analysis, ticket_address: &str) -> CheckOutcome {
    let mut c = CheckOutcome::start("message-recipient");
    if let Some(f) = recipient_mismatch(a, ticket_address) {
        c.push(f);
    }
    c.done(format!(
        "compared {} with the message's recipients",
        sanitize::line(ticket_address)
    ))
}

/// Reads `raw` and builds the full `mailwhy message` report (with the bounce part, and the
/// recipient comparison when `ticket_address` is given). `subject` names the input.
pub fn report(
    subject: &str,
    raw: &[u8],
    opts: &Options,
    ticket_address: Option<&str>,
) -> Result<crate::Report, super::NotMail> {
    report_with(subject, raw, opts, ticket_address, None)
}

/// [`report`], also checking the message's sender against an allowlist
/// (`allowlist.sender-not-listed`). Reads the headers only: no DNS (see [`report_authenticated`]).
pub fn report_with(
    subject: &str,
    raw: &[u8],
    opts: &Options,
    ticket_address: Option<&str>,
    list: Option<&crate::allowlist::Allowlist>,
) -> Result<crate::Report, super::NotMail> {
    let started = Instant::now();
    let (a, outcomes) = header_checks(raw, opts, ticket_address, list)?;
    let stats = crate::report::Stats {
        dns_queries: 0,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    Ok(assemble(subject, &a, outcomes, stats, None))
}

/// [`report_with`] plus the message's authentication computed by us through `ctx`'s DNS layer
/// (SPF, every DKIM signature, the DMARC policy and result) beside the receivers' own
/// Authentication-Results, as `mailwhy message` shows it.
pub async fn report_authenticated(
    ctx: &crate::check::Context,
    subject: &str,
    raw: &[u8],
    opts: &Options,
    ticket_address: Option<&str>,
    list: Option<&crate::allowlist::Allowlist>,
) -> Result<crate::Report, super::NotMail> {
    let started = Instant::now();
    let before = ctx.dns.queries_sent();
    let (a, mut outcomes) = header_checks(raw, opts, ticket_address, list)?;
    let computed = if a.bounce.kind == bounce::Kind::NotBounce {
        let (auth_outcomes, computed) = crate::auth::received::check(ctx, raw, &a).await;
        outcomes.extend(auth_outcomes);
        Some(computed)
    } else {
        None
    };
    let stats = crate::report::Stats {
        dns_queries: ctx.dns.queries_sent() - before,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    Ok(assemble(subject, &a, outcomes, stats, computed.as_ref()))
}

/// Reads `raw` (size cap, mail or not) and runs the checks every message gets: Received chain,
/// authentication results, spam verdicts, bounce.
fn read_and_check(
    raw: &[u8],
    opts: &Options,
) -> Result<(Analysis, Vec<CheckOutcome>), super::NotMail> {
    if raw.len() as u64 > opts.max_bytes {
        return Err(super::NotMail::TooLarge {
            size: raw.len() as u64,
            cap: opts.max_bytes,
        });
    }
    let msg = super::parse(raw)?;
    let a = analyze(&msg);
    let outcomes = vec![
        check_received(&a, opts),
        check_authentication(&a),
        check_spam(&a),
        check_bounce(&a),
    ];
    Ok((a, outcomes))
}

/// Parses `raw` and runs the header checks of `mailwhy message`.
fn header_checks(
    raw: &[u8],
    opts: &Options,
    ticket_address: Option<&str>,
    list: Option<&crate::allowlist::Allowlist>,
) -> Result<(Analysis, Vec<CheckOutcome>), super::NotMail> {
    let (a, mut outcomes) = read_and_check(raw, opts)?;
    if let Some(t) = ticket_address {
        outcomes.push(check_recipient(&a, t));
    }
    if let Some(l) = list {
        outcomes.push(check_sender_listed(&a, l));
    }
    Ok((a, outcomes))
}

/// The `mailwhy message` report from the analysis and the outcomes.
fn assemble(
    subject: &str,
    a: &Analysis,
    outcomes: Vec<CheckOutcome>,
    stats: crate::report::Stats,
    computed: Option<&crate::auth::received::Computed>,
) -> crate::Report {
    let mut data = serde_json::to_value(a).unwrap_or_default();
    if let (Some(c), Some(obj)) = (computed, data.as_object_mut()) {
        obj.insert(
            "authentication_computed".into(),
            serde_json::to_value(c).unwrap_or_default(),
        );
    }
    let mut r = crate::Report::from_outcomes(subject, outcomes, stats).with_data(data);
    r = r.with_section("Received chain (oldest first)", chain_lines(&a.received));
    if !a.authentication.is_empty() {
        r = r.with_section("Authentication results", auth_lines(&a.authentication));
    }
    if let Some(c) = computed {
        r = r.with_section(
            "Authentication: ours beside the receivers'",
            crate::auth::received::lines(c, &a.authentication),
        );
    }
    if !a.spam.is_empty() {
        r = r.with_section("Spam filter verdicts", spam_lines(&a.spam));
    }
    if a.bounce.kind != bounce::Kind::NotBounce {
        r = r.with_section("Bounce", bounce_lines(&a.bounce));
    }
    r
}

fn chain_lines(c: &Chain) -> Vec<String> {
    let mut out = Vec::new();
    for (i, h) in c.hops.iter().enumerate() {
        if !h.parsed {
            out.push(format!(
                "{:>2}. (unparsed) {}",
                i + 1,
                h.raw.chars().take(160).collect::<String>()
            ));
            continue;
        }
        let mut l = format!(
            "{:>2}. from {} by {}",
            i + 1,
            h.from.as_deref().unwrap_or("?"),
            h.by.as_deref().unwrap_or("?")
        );
        if let Some(ip) = h.from_ip {
            l.push_str(&format!(" [{ip}]"));
        }
        if let Some(w) = &h.with {
            l.push_str(&format!(" with {w}"));
        }
        if let Some(t) = &h.tls {
            l.push_str(&format!(" ({t})"));
        }
        if let Some(d) = &h.date {
            l.push_str(&format!(" at {d}"));
        }
        if let Some(d) = h.delay_secs {
            l.push_str(&format!(", +{}", received::human_duration(d)));
            if h.negative_delay {
                l.push_str(" (negative: clock skew)");
            }
        }
        out.push(l);
    }
    if let Some(t) = c.total_transit_secs {
        out.push(format!("total transit: {}", received::human_duration(t)));
    }
    if let Some(ip) = c.first_external_ip {
        out.push(format!("first external IP: {ip}"));
    }
    out
}

fn auth_lines(list: &[AuthResults]) -> Vec<String> {
    list.iter()
        .flat_map(|a| {
            a.results.iter().map(move |r| {
                let props = r
                    .properties
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                format!(
                    "{} ({}): {}={} {props}",
                    a.header, a.authserv_id, r.method, r.result
                )
            })
        })
        .collect()
}

fn spam_lines(list: &[Verdict]) -> Vec<String> {
    list.iter()
        .map(|v| {
            format!(
                "{}: {}{}{}{}",
                v.filter,
                match v.spam {
                    Some(true) => "spam",
                    Some(false) => "not spam",
                    None => "no verdict",
                },
                v.score.map(|s| format!(", score {s}")).unwrap_or_default(),
                v.threshold
                    .map(|t| format!(" / threshold {t}"))
                    .unwrap_or_default(),
                if v.reasons.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", v.reasons.join(", "))
                }
            )
        })
        .collect()
}

/// Text lines describing a bounce (shared by `message` and `bounce`).
pub fn bounce_lines(b: &Bounce) -> Vec<String> {
    let mut out = vec![format!(
        "kind: {}{}",
        serde_json::to_value(b.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        b.feedback_type
            .as_deref()
            .map(|f| format!(" (feedback type {f})"))
            .unwrap_or_default()
    )];
    for r in &b.recipients {
        let mut l = format!(
            "{}: {}",
            if r.address.is_empty() {
                "?"
            } else {
                &r.address
            },
            r.reason
        );
        for (k, v) in [
            ("action", &r.action),
            ("status", &r.status),
            ("reply", &r.reply_code),
            ("remote", &r.remote_mta),
        ] {
            if let Some(v) = v {
                l.push_str(&format!(", {k} {v}"));
            }
        }
        out.push(l);
        if let Some(d) = &r.diagnostic {
            out.push(format!(
                "  {}",
                d.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
    }
    out
}

/// `allowlist.sender-not-listed`: the connecting IP, and the envelope and DKIM domains, of a
/// received message against the gateway allowlist. The IP must be admitted; of the domains, at
/// least one must be (a gateway matches whichever identity it is configured for).
pub fn check_sender_listed(a: &Analysis, list: &crate::allowlist::Allowlist) -> CheckOutcome {
    use crate::allowlist::Index;
    let mut c = CheckOutcome::start("sender-listed");
    if a.bounce.kind != bounce::Kind::NotBounce {
        return CheckOutcome::skipped(
            "sender-listed",
            "the message is a bounce, not the vendor's mail",
        );
    }
    let ix = Index::new(&list.entries);
    let f = &a.sender;
    let mut missing = Vec::new();
    if let Some(ip) = f.connecting_ip {
        if ix.match_ip(ip).is_none() {
            missing.push(format!("connecting IP {ip}"));
        }
    }
    let domains: Vec<&String> = f
        .envelope_domain
        .iter()
        .chain(f.dkim_domains.iter())
        .collect();
    if !domains.is_empty() && domains.iter().all(|d| ix.match_domain(d).is_none()) {
        missing.push(format!(
            "sender domain{} {}",
            if domains.len() == 1 { "" } else { "s" },
            domains
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !missing.is_empty() {
        c.push(
            Finding::new(FindingId::AllowlistSenderNotListed,
                format!(
                    "The message came from {} not on the allowlist {}.",
                    missing.join(" and "),
                    list.file
                )).with_remedy("Add the missing entries to the gateway allowlist (mailwhy allowlist --export lists the vendor's), or release the message from quarantine.")
            .with_evidence(serde_json::json!({
                "connecting_ip": f.connecting_ip,
                "envelope_domain": f.envelope_domain,
                "dkim_domains": f.dkim_domains,
                "missing": missing,
            })),
        );
    }
    if f.connecting_ip.is_none() && domains.is_empty() {
        return CheckOutcome::skipped(
            "sender-listed",
            "no connecting IP or sender domain found in the message",
        );
    }
    c.done(format!("sender of the message against {}", list.file))
}

/// The checks of one message for `diagnose`: Received chain, authentication, spam verdicts, the
/// bounce, the recipient against the ticket's address, and the sender against the allowlist.
pub fn checks(
    raw: &[u8],
    opts: &Options,
    ticket_address: &str,
    list: Option<&crate::allowlist::Allowlist>,
) -> Result<(Vec<CheckOutcome>, Analysis), super::NotMail> {
    let (a, mut outcomes) = read_and_check(raw, opts)?;
    if a.bounce.is_bounce {
        // A bounce is addressed to the sender; the recipient that matters is the one it reports.
        let mut c = CheckOutcome::start("message-recipient");
        let want = normalize_address(ticket_address);
        let bounced: Vec<String> = a
            .bounce
            .recipients
            .iter()
            .map(|r| normalize_address(&r.address))
            .collect();
        if !bounced.is_empty() && !bounced.contains(&want) {
            c.push(
                Finding::new(FindingId::MessageRecipientMismatch,
                    format!(
                        "The ticket is about {}, but this bounce is about {}.",
                        sanitize::line(ticket_address),
                        sanitize::line(&bounced.join(", "))
                    )).with_remedy("Check which address the product has on file for this person: the bounce concerns the address shown.")
                .with_evidence(serde_json::json!({ "ticket_address": ticket_address, "bounced_recipients": bounced })),
            );
        }
        outcomes.push(c.done("the bounced recipients against the ticket's address"));
    } else {
        outcomes.push(check_recipient(&a, ticket_address));
    }
    if let Some(l) = list {
        outcomes.push(check_sender_listed(&a, l));
    }
    Ok((outcomes, a))
}
