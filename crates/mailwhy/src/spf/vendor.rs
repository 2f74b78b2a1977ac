//! The vendor's own SPF, inside `diagnose` (and once in a batch's shared summary): the record of
//! every sending domain of the sender profile linted as `mailwhy spf` lints it (lookup and void
//! limits, permerror, multiple records, `+all`, with the same `spf.*` ids), and every sending IP
//! the profile lists evaluated with `check_host` against the envelope domains, so that an IP whose
//! mail fails SPF at every receiver is an error naming the IP and the domains
//! (`spf.ip-not-authorized`). Every finding is about the vendor as a whole ([`Scope::Vendor`]); a
//! failed lookup makes the check inconclusive, never "no problem".

use std::net::IpAddr;

use serde_json::json;

use crate::allowlist::SenderProfile;
use crate::check::{CheckOutcome, Context};
use crate::finding::{Finding, FindingId, Scope, Severity};
use crate::sanitize;

use super::{check_host, failed_lookup, record_findings, SpfResult, Verdict, PROBE_IP};

/// The `vendor-spf` check of `profile`.
pub async fn check(ctx: &Context, profile: &SenderProfile) -> CheckOutcome {
    let mut c = CheckOutcome::start("vendor-spf");
    // The vendor's own domains and its envelope domains; a shared service's record (fastly.net,
    // smtp.sendgrid.net) is that service's, not the vendor's to fix.
    let mut domains: Vec<(&str, bool)> = Vec::new();
    for d in &profile.envelope_domains {
        if !domains.iter().any(|(x, _)| x == d) {
            domains.push((d, true));
        }
    }
    for d in &profile.domains {
        if crate::allowlist::shared_service(d).is_none() && !domains.iter().any(|(x, _)| x == d) {
            domains.push((d, false));
        }
    }
    let probes: Vec<SpfResult> =
        futures::future::join_all(domains.iter().map(|(d, _)| evaluate(ctx, PROBE_IP, d))).await;
    let mut linted = 0;
    for ((d, envelope), probe) in domains.iter().zip(&probes) {
        // A From-only domain without SPF is fine (SPF checks the envelope domain); an envelope
        // domain without one leaves every IP with SPF "none".
        if probe.result == Verdict::None && !envelope {
            continue;
        }
        linted += 1;
        record_findings(&mut c, d, probe);
    }
    // The identities SPF checks for the vendor's mail: its envelope domains, else its own domains
    // that publish SPF (as the SPF drift compares them).
    let identities: Vec<&str> = if profile.envelope_domains.is_empty() {
        domains
            .iter()
            .zip(&probes)
            .filter(|(_, p)| !matches!(p.result, Verdict::None | Verdict::TempError))
            .map(|((d, _), _)| *d)
            .collect()
    } else {
        profile
            .envelope_domains
            .iter()
            .map(String::as_str)
            .collect()
    };
    // Single addresses only: a network is not probed address by address.
    let ips: Vec<IpAddr> = profile
        .ips
        .iter()
        .filter(|n| n.prefix_len() == n.max_prefix_len())
        .map(|n| n.addr())
        .collect();
    let mut failing = 0;
    if !identities.is_empty() {
        for ip in &ips {
            let results: Vec<SpfResult> =
                futures::future::join_all(identities.iter().map(|d| evaluate(ctx, *ip, d))).await;
            if results.iter().any(|r| r.result == Verdict::Pass) {
                continue;
            }
            // Its only hope may be the evaluation a DNS failure cut short: unknown, not failing.
            if let Some(r) = results.iter().find(|r| r.result == Verdict::TempError) {
                let needed = format!("whether {ip} passes SPF");
                match failed_lookup(r) {
                    Some((question, outcome)) => c.lookup_failed(&question, outcome, None, &needed),
                    None => c.inconclusive(format!(
                        "{needed} could not be checked (SPF temperror): try again in a few minutes"
                    )),
                }
                continue;
            }
            failing += 1;
            c.push(not_authorized(profile, *ip, &identities, &results));
        }
    }
    let checked = if identities.is_empty() {
        "no envelope domain or own domain publishes SPF, so no listed IP was checked".to_string()
    } else {
        format!(
            "{} of {} listed sending IPs fail SPF for {}",
            failing,
            ips.len(),
            identities.join(", ")
        )
    };
    let mut c_done = c.done(format!(
        "the SPF records of {linted} of {}'s sending domains linted; {checked}",
        profile.name
    ));
    for f in &mut c_done.findings {
        f.scope = Some(Scope::Vendor);
    }
    c_done
}

/// `check_host` for mail from `ip` with envelope domain (and HELO) `domain`.
async fn evaluate(ctx: &Context, ip: IpAddr, domain: &str) -> SpfResult {
    check_host(ctx, ip, domain, &format!("postmaster@{domain}"), domain).await
}

/// `spf.ip-not-authorized` for a listed IP that passes SPF for none of the identities: an error
/// when a receiver's SPF result is fail or permerror, a warning for softfail, neutral or none.
fn not_authorized(
    profile: &SenderProfile,
    ip: IpAddr,
    identities: &[&str],
    results: &[SpfResult],
) -> Finding {
    let got: Vec<String> = identities
        .iter()
        .zip(results)
        .map(|(d, r)| format!("{d} {}", r.result))
        .collect();
    let hard = results
        .iter()
        .any(|r| matches!(r.result, Verdict::Fail | Verdict::PermError));
    Finding::new(
        FindingId::SpfIpNotAuthorized,
        format!(
            "{ip}, a sending IP {} lists, passes SPF for none of its envelope domains ({}): {}.",
            sanitize::line(&profile.name),
            sanitize::line(&got.join(", ")),
            if hard {
                "receivers that check SPF treat its mail as failing SPF"
            } else {
                "receivers that check SPF treat its mail as unauthenticated"
            }
        ),
    )
    .with_remedy(format!(
        "{}'s mail admin adds {ip} to the SPF record of {} (or stops sending from it), then runs `mailwhy spf {} --ip {ip}` again.",
        sanitize::line(&profile.name),
        sanitize::line(identities[0]),
        sanitize::line(identities[0]),
    ))
    .with_severity(if hard {
        Severity::Error
    } else {
        Severity::Warning
    })
    .with_evidence(json!({
        "ip": ip,
        "vendor": profile.name,
        "results": identities.iter().zip(results).map(|(d, r)| json!({
            "domain": d, "result": r.result, "reason": r.trace.reason,
            "lookups": r.lookups, "void_lookups": r.void_lookups,
        })).collect::<Vec<_>>(),
    }))
}
