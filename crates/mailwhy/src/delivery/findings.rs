//! The timeline's conclusion as one finding (the first of `mailwhy events`, and the delivery
//! check's in `diagnose`): the address's state, since when (UTC), the receiver's or the service's
//! own words, and what to do, with the removal steps of the service whose list holds the address.
//! The removal steps and the deferral causes are data tables here, in one place.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::timeline::{State, Timeline, TimelineEvent};
use super::{Kind, Service};
use crate::finding::{Finding, FindingId, Scope};
use crate::sanitize;

/// How to take an address off each service's suppression list.
const REMOVAL_STEPS: &[(Service, &str)] = &[
    (Service::Sendgrid, "SendGrid: Suppressions in the web app, or `DELETE /v3/suppression/<list>/{email}` (lists: bounces, blocks, spam_reports, invalid_emails, unsubscribes; a group unsubscribe: `DELETE /v3/asm/groups/{group_id}/suppressions/{email}`)."),
    (Service::Ses, "Amazon SES: `aws sesv2 delete-suppressed-destination --email-address ADDRESS` (account-level list). The SES global suppression list cannot be edited: after fixing the cause, resend later (SES removes global entries by itself)."),
    (Service::Postmark, "Postmark: reactivate the address on the bounce in the web app, or `POST /message-streams/{stream}/suppressions/delete` with {\"Suppressions\":[{\"EmailAddress\":\"ADDRESS\"}]} (whether spam-complaint entries can be removed is unverified)."),
    (Service::Mailgun, "Mailgun: `DELETE /v3/{domain}/bounces/{address}` (or .../unsubscribes/..., .../complaints/...), or Suppressions in the control panel."),
    (Service::Resend, "Resend: remove the address from the suppression list in the dashboard (an API for it is unverified)."),
    (Service::Csv, "Remove the address from the suppression list the export came from, in that service's web app or API."),
];

/// Likely causes of a deferral, by words of the reply (lowercase) or the bounce reason.
const DEFERRAL_CAUSES: &[(&[&str], &str)] = &[
    (&["greylist", "graylist", "try again later", "4.7.1 greylisted"], "greylisting (the first attempt is refused on purpose; a retry a few minutes later normally passes)"),
    (&["rate limit", "too many", "throttl", "speeding", "toomanyconn", "4.7.28", "exceedlimit", "4.2.1"], "a rate limit at the receiver (too much mail too fast from the sending IP)"),
    (&["mailbox full", "mailboxfull", "quota", "over quota", "4.2.2", "insufficient storage"], "a full mailbox"),
    (&["tls", "starttls", "certificate", "handshake", "securityerror"], "TLS (the servers could not agree on an encrypted connection)"),
    (&["timed out", "connection refused", "no route", "networkerror", "host not found", "dns"], "the receiving server does not answer (network or DNS)"),
];

fn likely_cause(e: &TimelineEvent) -> Option<&'static str> {
    let hay = format!(
        "{} {} {} {}",
        e.event.reply.text.as_deref().unwrap_or(""),
        e.event.reply.status.as_deref().unwrap_or(""),
        e.event.reason.as_deref().unwrap_or(""),
        e.bounce_reason.unwrap_or("")
    )
    .to_lowercase();
    DEFERRAL_CAUSES
        .iter()
        .find(|(words, _)| words.iter().any(|w| hay.contains(w)))
        .map(|(_, cause)| *cause)
}

fn at(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `550 5.1.1 text` as the source gave it, for one line.
fn words(e: &TimelineEvent) -> String {
    let reply = e.event.reply.summary();
    let reply = sanitize::line(&reply);
    let own = e.event.reason.as_deref().map(sanitize::line);
    match (reply.is_empty(), own) {
        (false, Some(o)) => format!("\"{reply}\" ({o})"),
        (false, None) => format!("\"{reply}\""),
        (true, Some(o)) => format!("\"{o}\""),
        (true, None) => "no reply text".into(),
    }
}

fn source(e: &TimelineEvent) -> String {
    format!("{} ({})", e.event.service, e.event.location)
}

fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mins = (to - from).num_minutes().max(0);
    if mins < 120 {
        format!("{mins} minutes")
    } else if mins < 72 * 60 {
        format!("{:.1} hours", mins as f64 / 60.0)
    } else {
        format!("{:.1} days", mins as f64 / 1440.0)
    }
}

/// The finding id of a state.
pub fn finding_id(state: State) -> FindingId {
    match state {
        State::Delivered => FindingId::DeliveryDelivered,
        State::Bounced => FindingId::DeliveryBounced,
        State::Suppressed => FindingId::DeliverySuppressed,
        State::Deferred => FindingId::DeliveryDeferred,
        State::Expired => FindingId::DeliveryExpired,
        State::Complained => FindingId::DeliveryComplained,
        State::Unsubscribed => FindingId::DeliveryUnsubscribed,
        State::NotSent => FindingId::DeliveryNotSent,
        State::NoEvidence => FindingId::DeliveryNoEvidenceForPeriod,
    }
}

/// The finding that states `t`'s conclusion (scope: this message).
pub fn finding(t: &Timeline) -> Finding {
    let c = &t.conclusion;
    let decided = t.event(c.decided_by);
    let addr = sanitize::line(&t.address).into_owned();
    let since = c.since.map(at);
    let mut remedy = None;
    let detail = match (c.state, decided) {
        (State::Delivered, Some(e)) => {
            let provider = e
                .event
                .mx_host
                .as_deref()
                .and_then(crate::routing::detect_provider);
            let where_ = provider.map_or_else(
                || "Look in the spam or junk folder, the gateway's quarantine and the mailbox rules.".to_string(),
                |p| format!("Receiver: {}. {}", p.name, p.where_filtered_mail_is),
            );
            remedy = Some(format!(
                "The receiver has it: ask the person to search every folder (spam/junk included) for mail received at {}; their admin searches the quarantine and message trace. {where_}",
                at(e.event.time)
            ));
            format!(
                "{} accepted the message for {addr} at {}{}: {}. Where to look next: {where_}",
                e.event.mx_host.as_deref().map_or("The receiving server".to_string(), |h| sanitize::line(h).into_owned()),
                at(e.event.time),
                e.event.subject.as_deref().map_or(String::new(), |s| format!(" (subject \"{}\")", sanitize::line(s))),
                words(e)
            )
        }
        (State::Bounced, Some(e)) => {
            let reason = e.bounce_reason.map_or(String::new(), |r| format!("; bounce reason {r}"));
            if let Some(r) = e.bounce_reason.and_then(crate::bounce::Reason::from_name) {
                remedy = Some(r.remedy().to_string());
            }
            format!(
                "The receiver refused mail to {addr} at {}: {}{reason} (from {}).",
                at(e.event.time),
                words(e),
                source(e)
            )
        }
        (State::Suppressed, Some(e)) => {
            let cause = t.event(c.cause);
            let list = e.event.list.as_deref().map_or("its suppression list".to_string(), |l| sanitize::line(l).into_owned());
            let steps = REMOVAL_STEPS
                .iter()
                .find(|(s, _)| *s == e.event.service)
                .map(|(_, steps)| *steps);
            remedy = steps.map(|s| {
                format!("Fix the original cause first, then remove the address: {s} Then resend.")
            });
            let because = match cause {
                Some(c) => format!(
                    " It was put there by the {} at {}: {}.",
                    if c.event.kind == Kind::Complained { "spam complaint" } else if c.event.kind == Kind::Unsubscribed { "unsubscribe" } else { "bounce" },
                    at(c.event.time),
                    words(c)
                ),
                None => String::new(),
            };
            format!(
                "{} does not send to {addr}: on {list} since {} ({}, {}).{because}",
                e.event.service,
                since.clone().unwrap_or_default(),
                words(e),
                source(e)
            )
        }
        (State::Deferred | State::Expired, Some(e)) => {
            let first = t.event(c.first_deferral).unwrap_or(e);
            let cause = likely_cause(e).map_or(String::new(), |c| format!(" Likely cause: {c}."));
            let attempts = t.events.iter().filter(|x| x.event.kind == Kind::Deferred && x.event.time >= first.event.time).count();
            if c.state == State::Deferred {
                format!(
                    "Delivery to {addr} has been deferred since {} ({} of retries, {attempts} deferral(s) recorded); the last reply at {}: {}.{cause}",
                    at(first.event.time),
                    duration(first.event.time, e.event.time),
                    at(e.event.time),
                    words(e)
                )
            } else {
                let last_reply = t
                    .events
                    .iter()
                    .rev()
                    .find(|x| x.event.kind == Kind::Deferred && !x.event.reply.is_empty())
                    .map_or_else(|| words(e), words);
                format!(
                    "{} gave up on the message to {addr} at {} after {} of temporary failures (first at {}); the last reply: {last_reply}.{cause}",
                    e.event.service,
                    at(e.event.time),
                    duration(first.event.time, e.event.time),
                    at(first.event.time),
                )
            }
        }
        (State::Complained, Some(e)) => format!(
            "A spam complaint about mail to {addr} was recorded at {}: {} (from {}).",
            at(e.event.time),
            words(e),
            source(e)
        ),
        (State::Unsubscribed, Some(e)) => format!(
            "{addr} unsubscribed at {}: {} (from {}).",
            at(e.event.time),
            words(e),
            source(e)
        ),
        (State::NotSent, Some(e)) => format!(
            "The sending service refused the request for {addr} at {} before sending it: {} (from {}).",
            at(e.event.time),
            words(e),
            source(e)
        ),
        (State::NotSent, None) => {
            let near = if t.near_matches.is_empty() {
                String::new()
            } else {
                format!(
                    " Near matches in the files: {}.",
                    t.near_matches.iter().map(|n| sanitize::line(n).into_owned()).collect::<Vec<_>>().join(", ")
                )
            };
            format!(
                "The files hold {} event(s) from {} to {}, none for {addr}.{near}",
                t.events_read,
                t.covered.map(|c| at(c.first)).unwrap_or_default(),
                t.covered.map(|c| at(c.last)).unwrap_or_default(),
            )
        }
        (_, _) => {
            let covered = t.covered.map_or("no events".to_string(), |c| format!("events from {} to {}", at(c.first), at(c.last)));
            format!(
                "The delivery evidence cannot tell what happened to mail for {addr}: {}. The files hold {covered}.",
                c.why_unknown.as_deref().unwrap_or("no conclusive event")
            )
        }
    };
    let mut f = Finding::new(finding_id(c.state), detail)
        .with_scope(Scope::Message)
        .with_evidence(evidence(t));
    if let Some(r) = remedy {
        f = f.with_remedy(r);
    }
    f
}

fn evidence(t: &Timeline) -> serde_json::Value {
    let c = &t.conclusion;
    let ev = |i: Option<usize>| {
        t.event(i)
            .map(|e| serde_json::to_value(e).unwrap_or_default())
    };
    json!({
        "address": t.address,
        "state": c.state.as_str(),
        "since": c.since,
        "event": ev(c.decided_by),
        "cause": ev(c.cause),
        "first_deferral": ev(c.first_deferral),
        "events": t.events.len(),
        "near_matches": t.near_matches,
        "covered": t.covered,
    })
}
