//! Where the recipient's mail goes: the MX records of the domain (RFC 5321 §5.1), null MX
//! (RFC 7505), the implicit MX fallback to A/AAAA, the addresses of every MX host (resolved
//! concurrently), targets that are IP literals or aliases, addresses that are not reachable from
//! the internet, parked domains, and the mail provider behind the MX hosts.
//!
//! The address itself (syntax, typos) is [`crate::address`]'s concern. Every temporary DNS
//! failure makes the `domain` check inconclusive: this module never says "fine" about something
//! it could not look up.

pub(crate) mod providers;
mod sanity;
pub(crate) mod special;

use std::net::IpAddr;
use std::sync::Arc;

use futures::future::join_all;
use serde::Serialize;
use serde_json::json;

use crate::check::{CheckOutcome, Context, OutcomeBuilder};
use crate::dns::{Answer, Outcome, RecordType};
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};

pub use providers::{detect_provider, Provider, ProviderKind, PROVIDERS};
pub use special::{non_global, SpecialRange};

/// One MX host and what its name resolved to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MxHost {
    /// MX preference (lower is tried first).
    pub preference: u16,
    /// The host name as published.
    pub host: String,
    /// Its addresses (A and AAAA); for an IP-literal target, the literal itself.
    pub addresses: Vec<IpAddr>,
    /// `resolved`, `no-address`, `ip-literal` or `lookup-failed`.
    pub status: &'static str,
    /// The alias chain when the host name is a CNAME, as `alias -> target` pairs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cname: Vec<(String, String)>,
    /// The provider recognized from the host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
}

/// What the routing check saw, for the report's data and for later checks.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Routing {
    /// The domain (ASCII).
    pub domain: String,
    /// `mx`, `null-mx`, `implicit-mx`, `no-mail-host`, `not-found` or `unknown`.
    pub route: &'static str,
    /// The MX hosts, by preference; for implicit MX, the domain itself.
    pub mx: Vec<MxHost>,
    /// Providers recognized from the MX hosts, in MX order.
    pub providers: Vec<&'static Provider>,
    /// True when the domain has no MX and publishes `v=spf1 -all`.
    pub parked: bool,
}

/// The `domain` check for a recipient domain (lowercase ASCII, A-labels).
pub async fn check_domain(ctx: &Context, domain: &str) -> CheckOutcome {
    inspect_domain(ctx, domain).await.0
}

/// [`check_domain`], also returning what was seen.
pub(crate) async fn inspect_domain(ctx: &Context, domain: &str) -> (CheckOutcome, Routing) {
    let mut c = CheckOutcome::start("domain");
    let mut routing = Routing {
        domain: domain.to_string(),
        route: "unknown",
        ..Default::default()
    };
    let mx = match ctx.dns.query(domain, RecordType::MX).await {
        Ok(a) => a,
        Err(e) => {
            c.inconclusive(e.to_string());
            return (c.done(format!("{domain} cannot be looked up")), routing);
        }
    };
    if c.dns_failure(&mx, "where the domain's mail goes (MX)") {
        return (c.done(format!("the MX records of {domain}")), routing);
    }
    let records = mx.mx();
    // "No such domain" or "no mail server" from a resolver that denies gmail.com is the
    // resolver's fault, not the domain's: say so, and decide nothing about the domain.
    if mx.outcome == Outcome::NxDomain || records.is_empty() {
        if let Some(f) = sanity::distrust(ctx, domain).await {
            c.push(f);
            c.inconclusive(format!(
                "the DNS resolver's answers cannot be believed, so where mail to {domain} goes could not be checked"
            ));
            return (c.done(format!("{domain}: unknown")), routing);
        }
    }
    if mx.outcome == Outcome::NxDomain {
        routing.route = "not-found";
        c.push(
            Finding::new(FindingId::DomainNotFound,
                format!("The domain {domain} does not exist in DNS (NXDOMAIN), so mail to it bounces as \"host unknown\"."))
            .with_evidence(json!({ "question": format!("{domain} MX"), "outcome": "nxdomain" })),
        );
        return (c.done(format!("{domain} does not exist")), routing);
    }
    let detail = if records.is_empty() {
        implicit_mx(ctx, &mut c, domain, &mut routing).await
    } else {
        explicit_mx(ctx, &mut c, domain, &records, &mut routing).await
    };
    (c.done(detail), routing)
}

async fn explicit_mx(
    ctx: &Context,
    c: &mut OutcomeBuilder,
    domain: &str,
    records: &[(u16, String)],
    routing: &mut Routing,
) -> String {
    if records.iter().any(|(_, h)| h == ".") {
        routing.route = "null-mx";
        let mixed = records.len() > 1;
        c.push(
            Finding::new(FindingId::DomainNullMx,
                format!(
                    "{domain} publishes a null MX (MX 0 .): by RFC 7505 it accepts no mail at all{}.",
                    if mixed { ", and it also publishes other MX records, which RFC 7505 forbids" } else { "" }
                ))
            .with_evidence(json!({
                "mx": records.iter().map(|(p, h)| format!("{p} {h}")).collect::<Vec<_>>(),
                "rule": "RFC 7505 §3",
            })),
        );
        return format!("{domain} accepts no mail (null MX)");
    }
    routing.route = "mx";
    let mut hosts: Vec<(u16, String)> = Vec::new();
    for (p, h) in records {
        if !hosts.iter().any(|(_, x)| x == h) {
            hosts.push((*p, h.clone()));
        }
    }
    // Every target, A and AAAA, at once.
    let lookups = join_all(hosts.iter().map(|(_, h)| resolve(ctx, h))).await;
    let mut unresolvable = Vec::new();
    let mut failed = 0;
    let mut invalid = Vec::new();
    for ((pref, host), lookup) in hosts.iter().zip(lookups) {
        let provider = detect_provider(host);
        let mut m = MxHost {
            preference: *pref,
            host: host.clone(),
            addresses: vec![],
            status: "resolved",
            cname: vec![],
            provider: provider.map(|p| p.id),
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            m.status = "ip-literal";
            m.addresses.push(ip);
            invalid
                .push(json!({ "host": host, "problem": "an IP address instead of a host name" }));
        } else {
            match lookup {
                Lookup::Invalid(why) => {
                    m.status = "no-address";
                    unresolvable.push(json!({ "host": host, "why": why }));
                }
                Lookup::Done(a, aaaa) => {
                    let mut temp = false;
                    for ans in [&a, &aaaa] {
                        temp |= c.dns_failure(ans, &format!("the address of mail server {host}"));
                    }
                    m.addresses = a.ips().into_iter().chain(aaaa.ips()).collect();
                    m.cname = a.cnames();
                    if m.cname.is_empty() {
                        m.cname = aaaa.cnames();
                    }
                    if !m.cname.is_empty() {
                        invalid.push(
                            json!({ "host": host, "problem": "a CNAME alias", "cname": m.cname }),
                        );
                    }
                    if m.addresses.is_empty() {
                        if temp {
                            m.status = "lookup-failed";
                            failed += 1;
                        } else {
                            m.status = "no-address";
                            unresolvable.push(json!({
                                "host": host,
                                "a": a.outcome.kind(),
                                "aaaa": aaaa.outcome.kind(),
                            }));
                        }
                    }
                }
            }
        }
        if let Some(p) = provider {
            if !routing.providers.iter().any(|x| x.id == p.id) {
                routing.providers.push(p);
            }
        }
        routing.mx.push(m);
    }
    if !unresolvable.is_empty() {
        let all = unresolvable.len() == routing.mx.len();
        let names: Vec<&str> = unresolvable
            .iter()
            .filter_map(|u| u["host"].as_str())
            .collect();
        let f = Finding::new(FindingId::DomainMxUnresolvable,
            if all {
                format!("No MX host of {domain} has an address: {}. Mail to it cannot be delivered.", names.join(", "))
            } else {
                format!(
                    "{} of the {} MX hosts of {domain} {} no address: {}. Mail still goes to the other hosts, later if these were preferred.",
                    unresolvable.len(),
                    routing.mx.len(),
                    if unresolvable.len() == 1 { "has" } else { "have" },
                    names.join(", ")
                )
            })
        .with_evidence(json!({ "hosts": unresolvable, "mx_hosts": routing.mx.len() }));
        c.push(if all {
            f
        } else {
            f.with_severity(Severity::Warning)
        });
    }
    if !invalid.is_empty() {
        c.push(
            Finding::new(
                FindingId::DomainMxInvalidTarget,
                format!(
                    "{} MX target(s) of {domain} are not plain host names: {}.",
                    invalid.len(),
                    invalid
                        .iter()
                        .map(|i| format!(
                            "{} ({})",
                            i["host"].as_str().unwrap_or(""),
                            i["problem"].as_str().unwrap_or("")
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_evidence(json!({ "targets": invalid, "rule": "RFC 5321 §5.1; RFC 2181 §10.3" })),
        );
    }
    private_addresses(c, domain, &routing.mx, failed > 0);
    if !routing.providers.is_empty() {
        let names: Vec<&str> = routing.providers.iter().map(|p| p.name).collect();
        c.push(
            Finding::new(
                FindingId::DomainMailProvider,
                format!("Mail for {domain} is handled by {}.", names.join(", then ")),
            )
            .with_remedy(format!(
                "Look for missing mail in {}.",
                routing
                    .providers
                    .iter()
                    .map(|p| p.where_filtered_mail_is)
                    .collect::<Vec<_>>()
                    .join("; and in ")
            ))
            .with_evidence(json!({
                "providers": routing.providers,
                "mx": routing.mx.iter().map(|m| &m.host).collect::<Vec<_>>(),
            })),
        );
    }
    let first = &routing.mx[0];
    let mut detail = format!("{domain}: mail goes to {}", first.host);
    if let Some(p) = routing.providers.first() {
        detail.push_str(&format!(" ({})", p.name));
    }
    if routing.mx.len() > 1 {
        detail.push_str(&format!(" and {} more MX host(s)", routing.mx.len() - 1));
    }
    detail
}

/// Reports MX (or implicit MX) hosts whose addresses are not globally reachable.
fn private_addresses(c: &mut OutcomeBuilder, domain: &str, hosts: &[MxHost], some_failed: bool) {
    let mut bad = Vec::new();
    let mut any_global = false;
    for m in hosts {
        for ip in &m.addresses {
            match non_global(*ip) {
                Some(r) => bad.push(json!({ "host": m.host, "address": ip, "range": r })),
                None => any_global = true,
            }
        }
    }
    if bad.is_empty() {
        return;
    }
    let list: Vec<String> = bad
        .iter()
        .map(|b| {
            format!(
                "{} ({}) is in {}, {}",
                b["address"].as_str().unwrap_or(""),
                b["host"].as_str().unwrap_or(""),
                b["range"]["network"].as_str().unwrap_or(""),
                b["range"]["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    let f = Finding::new(FindingId::DomainMxPrivateAddress,
        if any_global {
            format!("Some mail servers of {domain} resolve to addresses the internet cannot reach: {}. Senders that pick them fail and retry the others.", list.join("; "))
        } else {
            format!("Every mail server address of {domain} is one the internet cannot reach: {}. Mail from outside cannot be delivered.", list.join("; "))
        })
    .with_evidence(json!({ "addresses": bad, "registry": "IANA IPv4/IPv6 Special-Purpose Address Registries" }));
    c.push(if any_global || some_failed {
        f.with_severity(Severity::Warning)
    } else {
        f
    });
}

async fn implicit_mx(
    ctx: &Context,
    c: &mut OutcomeBuilder,
    domain: &str,
    routing: &mut Routing,
) -> String {
    let (a, aaaa, txt) = futures::join!(
        ctx.dns.query(domain, RecordType::A),
        ctx.dns.query(domain, RecordType::AAAA),
        ctx.dns.query(domain, RecordType::TXT),
    );
    let (Ok(a), Ok(aaaa), Ok(txt)) = (a, aaaa, txt) else {
        c.inconclusive(format!("{domain} is not a name DNS can be asked about"));
        return format!("{domain} cannot be looked up");
    };
    let mut temp = false;
    for ans in [&a, &aaaa] {
        temp |= c.dns_failure(
            ans,
            "the implicit mail host (A/AAAA) of a domain without MX",
        );
    }
    if !c.dns_failure(&txt, "whether the domain is parked (SPF)") {
        routing.parked = txt.txt().iter().any(|t| is_spf_reject_all(t));
    }
    let ips: Vec<IpAddr> = a.ips().into_iter().chain(aaaa.ips()).collect();
    if routing.parked {
        c.push(
            Finding::new(FindingId::DomainParked,
                format!("{domain} has no MX record and its SPF record is \"v=spf1 -all\": it declares that it sends no mail and has set up nothing to receive it."))
            .with_evidence(json!({ "mx": "none", "spf": "v=spf1 -all", "addresses": ips })),
        );
    }
    if !ips.is_empty() {
        routing.route = "implicit-mx";
        let host = MxHost {
            preference: 0,
            host: domain.to_string(),
            addresses: ips.clone(),
            status: "resolved",
            cname: a.cnames(),
            provider: None,
        };
        c.push(
            Finding::new(FindingId::DomainImplicitMx,
                format!(
                    "{domain} has no MX record, so by RFC 5321 §5.1 senders deliver to its own address ({}), usually a web server.",
                    ips.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
                ))
            .with_evidence(json!({ "addresses": ips, "rule": "RFC 5321 §5.1" })),
        );
        private_addresses(c, domain, std::slice::from_ref(&host), temp);
        routing.mx.push(host);
        return format!("{domain} has no MX; mail would go to its A/AAAA host");
    }
    if temp {
        return format!("{domain} has no MX; its address could not be looked up");
    }
    routing.route = "no-mail-host";
    c.push(
        Finding::new(FindingId::DomainNoMailHost,
            format!("{domain} exists but has neither MX records nor an address (A/AAAA) to fall back to: there is no mail server to deliver to."))
        .with_evidence(json!({
            "mx": "nodata",
            "a": a.outcome.kind(),
            "aaaa": aaaa.outcome.kind(),
            "rule": "RFC 5321 §5.1",
        })),
    );
    format!("{domain} has no mail server")
}

/// `v=spf1 -all` and nothing else (letter case and extra spaces aside).
fn is_spf_reject_all(txt: &[u8]) -> bool {
    let s = String::from_utf8_lossy(txt).to_ascii_lowercase();
    let terms: Vec<&str> = s.split_ascii_whitespace().collect();
    terms == ["v=spf1", "-all"]
}

enum Lookup {
    Done(Arc<Answer>, Arc<Answer>),
    Invalid(String),
}

async fn resolve(ctx: &Context, host: &str) -> Lookup {
    if host.parse::<IpAddr>().is_ok() {
        return Lookup::Invalid("an IP literal".into());
    }
    let (a, aaaa) = futures::join!(
        ctx.dns.query(host, RecordType::A),
        ctx.dns.query(host, RecordType::AAAA)
    );
    match (a, aaaa) {
        (Ok(a), Ok(aaaa)) => Lookup::Done(a, aaaa),
        (Err(e), _) | (_, Err(e)) => Lookup::Invalid(e.reason),
    }
}

/// The `domain` check for an address literal (`jane@[192.0.2.1]`): no DNS, but the address
/// must be reachable from the internet. `literal` is the literal as written, brackets included;
/// `ip` its address, None for a general literal (`[tag:content]`). The address parser gives
/// both (`Literal::ip`); taking plain values keeps this module independent of the address
/// module, which calls it (the dependency goes one way: address -> routing).
pub(crate) fn check_literal(literal: &str, ip: Option<IpAddr>) -> CheckOutcome {
    let mut c = CheckOutcome::start("domain");
    let Some(ip) = ip else {
        return c.done(format!(
            "{literal} is a general address literal; mail goes where its tag says"
        ));
    };
    let host = MxHost {
        preference: 0,
        host: literal.to_string(),
        addresses: vec![ip],
        status: "ip-literal",
        cname: vec![],
        provider: None,
    };
    private_addresses(&mut c, literal, &[host], false);
    c.done(format!("mail goes straight to {ip} (address literal)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parked_means_exactly_reject_all() {
        assert!(is_spf_reject_all(b"v=spf1 -all"));
        assert!(is_spf_reject_all(b"V=SPF1   -ALL "));
        assert!(!is_spf_reject_all(b"v=spf1 ~all"));
        assert!(!is_spf_reject_all(b"v=spf1 include:x -all"));
    }
}
