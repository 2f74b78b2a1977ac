//! Our authentication of a message beside the receivers', as text lines for the report's
//! "Authentication: ours beside the receivers'" section.

use super::{is_receiver_record, Computed};
use crate::message::auth_results::AuthResults;

/// Text lines setting our results beside each receiver's.
pub fn lines(c: &Computed, receivers: &[AuthResults]) -> Vec<String> {
    let mut out = Vec::new();
    let env = &c.envelope;
    out.push(format!(
        "envelope: connecting IP {}, HELO {}, envelope sender {}",
        env.ip
            .map(|i| i.to_string())
            .unwrap_or_else(|| "unknown".into()),
        env.helo.as_deref().unwrap_or("unknown"),
        match env.mail_from.as_deref() {
            None => "unknown".to_string(),
            Some("") => "<> (null: SPF checks the HELO name)".to_string(),
            Some(m) => format!(
                "{m} (from the {})",
                env.mail_from_source.unwrap_or("headers")
            ),
        }
    ));
    let theirs = |method: &str| -> String {
        receivers
            .iter()
            .filter(|r| is_receiver_record(r))
            .map(|r| {
                let v: Vec<String> = r
                    .results
                    .iter()
                    .filter(|m| m.method == method)
                    .map(|m| match m.properties.get("header.d") {
                        Some(d) if method == "dkim" => format!("{} (d={d})", m.result),
                        _ => m.result.clone(),
                    })
                    .collect();
                format!(
                    "{}: {}",
                    if r.authserv_id.is_empty() {
                        "receiver"
                    } else {
                        &r.authserv_id
                    },
                    if v.is_empty() {
                        "-".into()
                    } else {
                        v.join(", ")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let with = |s: String| {
        if receivers.iter().any(is_receiver_record) {
            s
        } else {
            "no Authentication-Results".into()
        }
    };
    out.push(format!(
        "SPF    ours: {} | {}",
        c.spf
            .as_ref()
            .map(|s| format!("{} ({} {} at {})", s.result, s.identity, s.domain, s.ip))
            .unwrap_or_else(|| "not checkable".into()),
        with(theirs("spf"))
    ));
    out.push(format!(
        "DKIM   ours: {} | {}",
        if c.dkim.is_empty() {
            "no signature".to_string()
        } else {
            c.dkim
                .iter()
                .map(|s| format!("{} (d={}, s={})", s.result, s.domain, s.selector))
                .collect::<Vec<_>>()
                .join(", ")
        },
        with(theirs("dkim"))
    ));
    out.push(format!(
        "DMARC  ours: {} | {}",
        c.dmarc
            .as_ref()
            .map(|d| {
                let mut through = d
                    .aligned_dkim
                    .iter()
                    .map(|x| format!("DKIM {x}"))
                    .collect::<Vec<_>>();
                through.extend(d.aligned_spf.iter().map(|x| format!("SPF {x}")));
                format!(
                    "{} (From {}, p={}{})",
                    d.result,
                    d.from_domain,
                    d.policy.unwrap_or("-"),
                    if through.is_empty() {
                        String::new()
                    } else {
                        format!(", aligned: {}", through.join(", "))
                    }
                )
            })
            .unwrap_or_else(|| "no From domain".into()),
        with(theirs("dmarc"))
    ));
    for (i, d) in &c.arc_seals {
        out.push(format!(
            "ARC    seal i={i} by {d}: a forwarder vouched for the results it saw (seals are not verified by mailwhy)"
        ));
    }
    for d in &c.differences {
        out.push(format!(
            "differs: {} {}={} vs ours {}: {}",
            d.receiver, d.method, d.theirs, d.ours, d.reason
        ));
    }
    out
}
