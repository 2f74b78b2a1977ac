//! Whether the resolver can be believed when it says a recipient domain does not exist.
//!
//! A captive portal, a filtering or an offline resolver answers NXDOMAIN (or an address of its
//! own) for names it does not want to resolve; believed, it turns "the network is broken" into
//! "your address is wrong". Before the `domain` check blames a domain it could not find, it asks
//! three test questions: the MX of the well-known mail domains of the provider table
//! ([`super::providers::WELL_KNOWN_MAIL_DOMAINS`]), which must exist and receive mail, and the
//! address of a made-up name (the layer's canary label under `.com`), which must not exist. The
//! probe runs only when a lookup came back NXDOMAIN or without data, and its answers are cached
//! like any others, so a run pays for it once. Never with `--dns-zones`: there the zones are the
//! whole world by design.

use futures::future::join_all;
use serde_json::json;

use crate::check::Context;
use crate::dns::{Outcome, RecordType};
use crate::finding::{Finding, FindingId};
use crate::sanitize;

use super::providers::WELL_KNOWN_MAIL_DOMAINS;

/// Asks the test questions; a `dns.resolver-untrustworthy` finding when the answers show that
/// the resolver invents them, None when it looks sound (or the test questions themselves
/// failed: a temporary failure is reported where it happens, not as a lie).
pub(crate) async fn distrust(ctx: &Context, domain: &str) -> Option<Finding> {
    if ctx.dns.is_closed_world() {
        return None;
    }
    let canary = format!("{}.com", ctx.dns.canary_label());
    let (known, canary_answer) = futures::join!(
        join_all(
            WELL_KNOWN_MAIL_DOMAINS
                .iter()
                .map(|(d, _)| ctx.dns.query(d, RecordType::MX))
        ),
        ctx.dns.query(&canary, RecordType::A),
    );
    let mut reasons = Vec::new();
    let mut probes = Vec::new();
    let mut without_mail = 0;
    for ((d, _), answer) in WELL_KNOWN_MAIL_DOMAINS.iter().zip(known) {
        let Ok(a) = answer else { continue };
        probes.push(json!({ "question": format!("{d} MX"), "outcome": a.outcome.kind() }));
        match a.outcome {
            Outcome::NxDomain => {
                without_mail += 1;
                reasons.push(format!("{d} does not exist (NXDOMAIN)"));
            }
            _ if a.outcome.is_temporary_failure() => {}
            _ if a.mx().is_empty() => without_mail += 1,
            _ => {}
        }
    }
    if reasons.is_empty() && without_mail == WELL_KNOWN_MAIL_DOMAINS.len() {
        reasons.push(format!(
            "{} receive no mail (no MX record)",
            WELL_KNOWN_MAIL_DOMAINS
                .iter()
                .map(|(d, _)| *d)
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    if let Ok(a) = canary_answer {
        let ips = a.ips();
        probes.push(json!({
            "question": format!("{canary} A"),
            "outcome": a.outcome.kind(),
            "addresses": ips,
        }));
        if !ips.is_empty() {
            let list: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
            reasons.push(format!(
                "the made-up name {canary} has an address ({})",
                list.join(", ")
            ));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let resolvers = ctx.dns.resolvers();
    let who = match resolvers {
        [] => "The DNS resolver".to_string(),
        [one] => format!("The DNS resolver {}", sanitize::line(one)),
        many => format!(
            "The DNS resolvers {}",
            many.iter()
                .map(|r| sanitize::line(r).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some(
        Finding::new(
            FindingId::DnsResolverUntrustworthy,
            format!(
                "{who} says that {}: it invents answers, so its word that {domain} has no mail server cannot be believed, and whether mail to {domain} can be delivered is not known.",
                reasons.join(", and that ")
            ),
        )
        .with_remedy(
            "Run the check again with working DNS: on another network, or with --nameserver naming a resolver that answers normally. Do not tell the person that their address is wrong on the strength of this report.",
        )
        .with_evidence(json!({
            "resolvers": resolvers,
            "domain": domain,
            "probes": probes,
        })),
    )
}
