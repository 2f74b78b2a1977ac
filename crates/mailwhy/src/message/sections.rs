//! The text sections of the `mailwhy message` report: the Received chain, the receivers'
//! authentication results, our authentication beside theirs, spam verdicts and the bounce, as
//! plain functions of the facts. The report's own rendering (text, Markdown, JSON) is
//! [`crate::report`]'s.

use super::auth_results::AuthResults;
use super::received_chain::{human_duration, Chain};
use super::spam::Verdict;
use super::verify::{self, Computed};
use super::Analysis;
use crate::bounce::Bounce;
use crate::check::CheckOutcome;

/// The `mailwhy message` report from the analysis and the outcomes.
pub(super) fn assemble(
    subject: &str,
    a: &Analysis,
    outcomes: Vec<CheckOutcome>,
    stats: crate::report::Stats,
    computed: Option<&Computed>,
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
            verify::lines(c, &a.authentication),
        );
    }
    if !a.spam.is_empty() {
        r = r.with_section("Spam filter verdicts", spam_lines(&a.spam));
    }
    if !a.is_sender_mail() {
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
            l.push_str(&format!(", +{}", human_duration(d)));
            if h.negative_delay {
                l.push_str(" (negative: clock skew)");
            }
        }
        out.push(l);
    }
    if let Some(t) = c.total_transit_secs {
        out.push(format!("total transit: {}", human_duration(t)));
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
        let class = match (r.reason.class(), r.reason.resend()) {
            (crate::bounce::BounceClass::NotBounce, _) => String::new(),
            (c, resend) => format!(
                "; {} bounce, resend {}",
                if c == crate::bounce::BounceClass::Hard {
                    "hard"
                } else {
                    "soft"
                },
                if resend == crate::bounce::Resend::Later {
                    "later can succeed"
                } else {
                    "only after a fix"
                }
            ),
        };
        out.push(format!("  decided by {}{class}", r.rule));
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
