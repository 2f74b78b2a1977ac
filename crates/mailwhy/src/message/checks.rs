//! The checks on what a message's headers say, no DNS: hops held too long and unreadable
//! Received headers, failures the receivers recorded, spam verdicts, the bounce reading, the
//! recipient against the ticket's address, and the sender against a gateway allowlist. Each
//! turns [`Analysis`] facts into findings; our own authentication of the message is
//! [`super::verify`]'s.

use super::received_chain::human_duration;
use super::{auth_results, Analysis, Options};
use crate::bounce;
use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId, Severity};
use crate::sanitize;

/// The Received chain check: hops held longer than the threshold, unparseable headers.
pub(crate) fn check_received(a: &Analysis, opts: &Options) -> CheckOutcome {
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
                    ))
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
                            human_duration(d),
                            human_duration(opts.hop_delay_threshold_secs)
                        ))
                    .with_evidence(serde_json::json!({ "hop": i, "by": h.by, "from": h.from, "delay_secs": d, "threshold_secs": opts.hop_delay_threshold_secs })),
                );
            }
        }
    }
    let negative = a.received.hops.iter().filter(|h| h.negative_delay).count();
    let mut detail = format!("{} Received header(s)", a.received.hops.len());
    if let Some(t) = a.received.total_transit_secs {
        detail.push_str(&format!(", total transit {}", human_duration(t)));
    }
    if negative > 0 {
        detail.push_str(&format!(
            ", {negative} negative delay(s) (a server's clock is off)"
        ));
    }
    c.done(detail)
}

/// The authentication check: any SPF, DKIM, DMARC or ARC failure a receiver recorded.
pub(crate) fn check_authentication(a: &Analysis) -> CheckOutcome {
    let mut c = CheckOutcome::start("authentication");
    for ar in &a.authentication {
        let failed: Vec<_> = ar
            .results
            .iter()
            .filter(|r| auth_results::is_failure(r))
            .collect();
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
                ))
            .with_evidence(serde_json::to_value(ar).unwrap_or_default())
            .with_severity(if dmarc_passed { Severity::Warning } else { Severity::Error }),
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
pub(crate) fn check_spam(a: &Analysis) -> CheckOutcome {
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
            Finding::new(
                FindingId::MessageSpamVerdict,
                sanitize::line(&detail).into_owned(),
            )
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
pub(crate) fn check_bounce(a: &Analysis) -> CheckOutcome {
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

/// `message.recipient-mismatch` when the message concerns other addresses than
/// `ticket_address`; `None` when it matches one of them or names no recipient.
///
/// A bounce is addressed to the sender, and so is every other report about a message (a
/// delivery notification, a feedback report, an out-of-office reply): for those the recipients
/// that matter are the ones the report is about; for any other message they are To, Cc,
/// Delivered-To, X-Original-To, Envelope-To and the Received `for` clauses.
pub fn recipient_mismatch(a: &Analysis, ticket_address: &str) -> Option<Finding> {
    let want = normalize_address(ticket_address);
    let report = a.bounce.is_bounce || a.bounce.kind != crate::bounce::Kind::NotBounce;
    if report {
        let bounced: Vec<String> = a
            .bounce
            .recipients
            .iter()
            .map(|r| normalize_address(&r.address))
            .collect();
        if bounced.is_empty() || bounced.contains(&want) {
            return None;
        }
        return Some(
            Finding::new(FindingId::MessageRecipientMismatch,
                format!(
                    "The ticket is about {}, but this {} is about {}.",
                    sanitize::line(ticket_address),
                    if a.bounce.is_bounce { "bounce" } else { "report" },
                    sanitize::line(&bounced.join(", "))
                )).with_remedy("Check which address the product has on file for this person: the bounce concerns the address shown.")
            .with_evidence(serde_json::json!({ "ticket_address": ticket_address, "bounced_recipients": bounced })),
        );
    }
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

/// The recipient check: the ticket's address against the message's recipients (a bounce's:
/// the ones it reports).
pub(crate) fn check_recipient(a: &Analysis, ticket_address: &str) -> CheckOutcome {
    let mut c = CheckOutcome::start("message-recipient");
    if let Some(f) = recipient_mismatch(a, ticket_address) {
        c.push(f);
    }
    c.done(
        if a.bounce.is_bounce || a.bounce.kind != crate::bounce::Kind::NotBounce {
            "the bounced recipients against the ticket's address".to_string()
        } else {
            format!(
                "compared {} with the message's recipients",
                sanitize::line(ticket_address)
            )
        },
    )
}

/// `allowlist.sender-not-listed`: the connecting IP, and the envelope and DKIM domains, of a
/// received message against the gateway allowlist. The IP must be admitted; of the domains, at
/// least one must be (a gateway matches whichever identity it is configured for).
pub(crate) fn check_sender_listed(
    a: &Analysis,
    list: &crate::allowlist::Allowlist,
) -> CheckOutcome {
    use crate::allowlist::Index;
    let mut c = CheckOutcome::start("sender-listed");
    if !a.is_sender_mail() {
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
            Finding::new(
                FindingId::AllowlistSenderNotListed,
                format!(
                    "The message came from {} not on the allowlist {}.",
                    missing.join(" and "),
                    list.file
                ),
            )
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
