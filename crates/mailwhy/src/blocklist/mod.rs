//! DNSBL and RHSBL lookups read right: an IP or a domain is queried on each configured list
//! (RFC 5782 layout) and the answer is decoded per list. A listing code is `blocklist.listed`;
//! a list's error codes (Spamhaus's 127.255.255.0/24, URIBL's 127.0.0.1, DBL's 127.0.1.255) mean
//! the query was refused, so nothing is known: `blocklist.query-refused` and an inconclusive
//! check, never "listed" and never "clean". Only lists that answered NXDOMAIN count towards
//! "not listed". The default lists and their codes are one table, [`data::LISTS`].

pub mod data;

use std::net::{IpAddr, Ipv4Addr};

use serde_json::json;

use crate::check::{CheckOutcome, Context};
use crate::dns::{Outcome, RecordType};
use crate::finding::{Finding, FindingId, Scope};
use crate::sanitize;

pub use data::{Code, ListKind, ListSpec, LISTS};

/// One list to query: a row of the default table, or a zone the configuration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// The zone (`zen.spamhaus.org`), lowercase, without the trailing dot.
    pub zone: String,
    /// IP or domain list.
    pub kind: ListKind,
}

impl List {
    /// Parses a configured list: `ZONE` for an IP list, `domain:ZONE` for a domain list; a zone
    /// of the default table keeps the table's kind. `Err` says what was expected.
    pub fn parse(s: &str) -> Result<List, String> {
        let (kind, zone) = match s.strip_prefix("domain:") {
            Some(z) => (Some(ListKind::Domain), z),
            None => (None, s),
        };
        let zone = crate::dns::normalize_name(zone.trim()).map_err(|e| {
            format!(
                "{:?} is not a blocklist zone ({}): expected a DNS name such as zen.spamhaus.org, or domain:ZONE for a domain list",
                sanitize::line(s),
                e.reason
            )
        })?;
        let zone = zone.to_string();
        let zone = zone.trim_end_matches('.').to_ascii_lowercase();
        if !zone.contains('.') {
            return Err(format!(
                "{:?} is not a blocklist zone: expected a DNS name with a dot, such as zen.spamhaus.org",
                sanitize::line(s)
            ));
        }
        let kind = kind
            .or_else(|| data::spec(&zone).map(|l| l.kind))
            .unwrap_or(ListKind::Ip);
        Ok(List { zone, kind })
    }

    /// The lists queried when none are configured.
    pub fn defaults() -> Vec<List> {
        LISTS
            .iter()
            .filter(|l| l.default)
            .map(|l| List {
                zone: l.zone.to_string(),
                kind: l.kind,
            })
            .collect()
    }

    fn spec(&self) -> Option<&'static ListSpec> {
        data::spec(&self.zone)
    }

    fn name(&self) -> String {
        self.spec().map_or_else(
            || self.zone.clone(),
            |s| format!("{} ({})", s.name, self.zone),
        )
    }
}

/// What is looked up: an IP address or a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An IP address, on IP lists.
    Ip(IpAddr),
    /// A domain, on domain lists.
    Domain(String),
}

impl Target {
    /// Reads a command-line argument: an IP address, else a domain name.
    pub fn parse(s: &str) -> Result<Target, String> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Target::Ip(ip));
        }
        crate::dns::host_name(s)
            .map(|d| Target::Domain(d.trim_end_matches('.').to_ascii_lowercase()))
            .map_err(|e| {
                format!(
                    "{:?} is neither an IP address nor a domain name ({})",
                    sanitize::line(s),
                    e.reason
                )
            })
    }

    fn kind(&self) -> ListKind {
        match self {
            Target::Ip(_) => ListKind::Ip,
            Target::Domain(_) => ListKind::Domain,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Ip(ip) => write!(f, "{ip}"),
            Target::Domain(d) => f.write_str(d),
        }
    }
}

/// The name to query (RFC 5782): IPv4 octets reversed, IPv6 as 32 reversed nibbles, a domain as
/// itself, each before the zone.
pub fn query_name(target: &Target, zone: &str) -> String {
    match target {
        Target::Ip(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
        }
        Target::Ip(IpAddr::V6(v6)) => {
            let mut s = String::with_capacity(64 + zone.len());
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str(zone);
            s
        }
        Target::Domain(d) => format!("{d}.{zone}"),
    }
}

/// What one list's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Listed, with each code and its meaning.
    Listed(Vec<(Ipv4Addr, String)>),
    /// The list refused the query (its error code and why): nothing is known.
    Refused(Ipv4Addr, String),
    /// An answer that is no DNSBL code (outside 127.0.0.0/8): nothing is known.
    Unexpected(Vec<Ipv4Addr>),
}

/// Decodes the A records a list answered. An error code anywhere wins over listing codes: a
/// list that says "refused" has not looked the address up.
pub fn decode(list_zone: &str, codes: &[Ipv4Addr]) -> Verdict {
    let spec = data::spec(list_zone);
    let mut listed = Vec::new();
    let mut unexpected = Vec::new();
    for &a in codes {
        let documented = spec.and_then(|s| {
            s.codes
                .iter()
                .find(|(c, _)| c.parse::<Ipv4Addr>().ok() == Some(a))
                .map(|(_, m)| *m)
        });
        match documented {
            Some(Code::Refused(why)) => return Verdict::Refused(a, why.to_string()),
            Some(Code::Listed(m)) => listed.push((a, m.to_string())),
            None => {
                let o = a.octets();
                if o[0] != 127 {
                    unexpected.push(a);
                } else if o[1..3] == [255, 255] {
                    return Verdict::Refused(
                        a,
                        "an error code (127.255.255.0/24): the list refused the query (public or open resolver, rate limit, or no subscription)".into(),
                    );
                } else if a == Ipv4Addr::new(127, 0, 0, 1) {
                    // RFC 5782: 127.0.0.1 is never listed; a list answering it lists the world,
                    // which operators do to refuse or to signal shutdown.
                    return Verdict::Refused(
                        a,
                        "127.0.0.1, which RFC 5782 says is never a listing: the list is refusing queries or listing the world".into(),
                    );
                } else {
                    listed.push((
                        a,
                        "listed (a code mailwhy's table does not describe for this list)".into(),
                    ));
                }
            }
        }
    }
    if !unexpected.is_empty() {
        Verdict::Unexpected(unexpected)
    } else {
        Verdict::Listed(listed)
    }
}

/// Looks `target` up on every list of its kind and returns the `blocklist` check: a
/// `blocklist.listed` per listing, `blocklist.query-refused` per refusing list (inconclusive),
/// an inconclusive outcome for failed lookups, and `blocklist.not-listed` naming the lists that
/// answered when none listed it. `scope` is the reach a listing has in the report (the vendor's
/// sending IP in `diagnose`).
pub async fn check(
    ctx: &Context,
    target: &Target,
    lists: &[List],
    scope: Option<Scope>,
) -> CheckOutcome {
    let mut check = CheckOutcome::start("blocklist");
    let kind = target.kind();
    let wanted: Vec<&List> = lists
        .iter()
        .filter(|l| l.kind == kind)
        .filter(|l| match target {
            // An IPv4-only list says nothing about an IPv6 address.
            Target::Ip(IpAddr::V6(_)) => l.spec().is_none_or(|s| s.ipv6),
            _ => true,
        })
        .collect();
    if wanted.is_empty() {
        check.inconclusive(format!(
            "no configured {} list covers {target}",
            if kind == ListKind::Ip { "IP" } else { "domain" }
        ));
        return check.done(format!("{target}: no list to query"));
    }
    let answers = futures_join(ctx, target, &wanted).await;
    let mut clean = Vec::new();
    let mut listed_on = Vec::new();
    let mut not_known = Vec::new();
    for (list, name, answer) in answers {
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                check.inconclusive(e.to_string());
                not_known.push(list.zone.clone());
                continue;
            }
        };
        let needed = format!("whether {target} is on {}", list.zone);
        if check.dns_failure(&answer, &needed) {
            not_known.push(list.zone.clone());
            continue;
        }
        match &answer.outcome {
            Outcome::NxDomain | Outcome::NoData => clean.push(list.zone.clone()),
            Outcome::Records(_) => {
                let codes: Vec<Ipv4Addr> = answer
                    .ips()
                    .into_iter()
                    .filter_map(|ip| match ip {
                        IpAddr::V4(v4) => Some(v4),
                        IpAddr::V6(_) => None,
                    })
                    .collect();
                match decode(&list.zone, &codes) {
                    Verdict::Listed(codes) if !codes.is_empty() => {
                        listed_on.push(list.zone.clone());
                        check.push(listed(target, list, &name, &codes, scope));
                    }
                    Verdict::Listed(_) => clean.push(list.zone.clone()),
                    Verdict::Refused(code, why) => {
                        not_known.push(list.zone.clone());
                        check.inconclusive(format!(
                            "{} refused the query for {target} ({code}): not known whether it is listed",
                            list.zone
                        ));
                        check.push(refused(target, list, &name, code, &why));
                    }
                    Verdict::Unexpected(codes) => {
                        not_known.push(list.zone.clone());
                        let codes: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
                        check.inconclusive(format!(
                            "{} answered {} for {name}, which is no DNSBL code (a resolver that rewrites NXDOMAIN?): not known whether {target} is listed",
                            list.zone,
                            codes.join(", ")
                        ));
                    }
                }
            }
            _ => not_known.push(list.zone.clone()),
        }
    }
    if listed_on.is_empty() && !clean.is_empty() {
        let mut f = Finding::new(
            FindingId::BlocklistNotListed,
            format!(
                "{target} is not listed on {}{}.",
                clean.join(", "),
                if not_known.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (no answer to rely on from {}, see the other findings)",
                        not_known.join(", ")
                    )
                }
            ),
        )
        .with_evidence(
            json!({"target": target.to_string(), "not_listed_on": clean, "unknown_on": not_known}),
        );
        if let Some(s) = scope {
            f = f.with_scope(s);
        }
        check.push(f);
    }
    check.done(format!(
        "{target} on {} list(s): listed on {}, not listed on {}, unknown on {}",
        wanted.len(),
        listed_on.len(),
        clean.len(),
        not_known.len()
    ))
}

/// The vendor's sending IPs and domains from its sender profile, on every list (`diagnose`,
/// and once in a batch summary): the `vendor-blocklist` check. Listings reach every recipient of
/// the vendor's mail. Address ranges in the profile are skipped (a list is asked about one
/// address, and a range's addresses are not all senders); one `blocklist.not-listed` note sums
/// up the targets that are on no list that answered.
pub async fn vendor_check(
    ctx: &Context,
    profile: &crate::allowlist::SenderProfile,
    lists: &[List],
) -> CheckOutcome {
    let mut targets: Vec<Target> = profile
        .ips
        .iter()
        .filter(|n| n.prefix_len() == n.max_prefix_len())
        .map(|n| Target::Ip(n.addr()))
        .collect();
    let ranges = profile.ips.len() - targets.len();
    let mut domains: Vec<String> = profile
        .domains
        .iter()
        .chain(&profile.from_domains)
        .chain(&profile.envelope_domains)
        .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    domains.sort();
    domains.dedup();
    targets.extend(domains.into_iter().map(Target::Domain));
    let mut check = CheckOutcome::start("vendor-blocklist");
    if targets.is_empty() {
        return CheckOutcome::skipped(
            "vendor-blocklist",
            "the sender profile lists no single sending IP or domain",
        );
    }
    let outcomes = futures::future::join_all(
        targets
            .iter()
            .map(|t| self::check(ctx, t, lists, Some(Scope::Vendor))),
    )
    .await;
    let mut clean = Vec::new();
    let mut listed = 0;
    for (t, o) in targets.iter().zip(outcomes) {
        if let Some(why) = o.why {
            check.inconclusive(why);
        }
        for f in o.findings {
            match f.id {
                FindingId::BlocklistNotListed => clean.push(t.to_string()),
                FindingId::BlocklistListed => {
                    listed += 1;
                    check.push(f)
                }
                _ => check.push(f),
            }
        }
    }
    if listed == 0 && !clean.is_empty() {
        check.push(
            Finding::new(
                FindingId::BlocklistNotListed,
                format!(
                    "{} of the vendor's {} sending IPs and domains are on no blocklist that answered ({}).",
                    clean.len(),
                    targets.len(),
                    clean.join(", ")
                ),
            )
            .with_scope(Scope::Vendor)
            .with_evidence(json!({"not_listed": clean})),
        );
    }
    check.done(format!(
        "{} sending IPs and domains of the vendor on {} lists{}",
        targets.len(),
        lists.len(),
        if ranges > 0 {
            format!(" ({ranges} address ranges not queried)")
        } else {
            String::new()
        }
    ))
}

type Asked<'a> = (
    &'a List,
    String,
    Result<std::sync::Arc<crate::dns::Answer>, crate::dns::InvalidName>,
);

/// Every list at once (answers come back in the lists' order).
async fn futures_join<'a>(ctx: &Context, target: &Target, lists: &[&'a List]) -> Vec<Asked<'a>> {
    let asks = lists.iter().map(|l| {
        let name = query_name(target, &l.zone);
        async move {
            let a = ctx.dns.query(&name, RecordType::A).await;
            (*l, name, a)
        }
    });
    futures::future::join_all(asks).await
}

fn listed(
    target: &Target,
    list: &List,
    name: &str,
    codes: &[(Ipv4Addr, String)],
    scope: Option<Scope>,
) -> Finding {
    let spec = list.spec();
    let meanings: Vec<String> = codes.iter().map(|(c, m)| format!("{c}: {m}")).collect();
    let delist = spec.map(|s| s.delist).filter(|d| !d.is_empty());
    let mut f = Finding::new(
        FindingId::BlocklistListed,
        format!(
            "{target} is listed on {} ({}).",
            list.name(),
            meanings.join("; ")
        ),
    )
    .with_evidence(json!({
        "target": target.to_string(),
        "list": list.zone,
        "query": name,
        "codes": codes.iter().map(|(c, m)| json!({"code": c.to_string(), "meaning": m})).collect::<Vec<_>>(),
        "delist": delist,
        "terms": spec.map(|s| s.terms),
    }));
    if let Some(d) = delist {
        f = f.with_remedy(format!(
            "Find and stop what caused the listing (a compromised account, a bad list, a misconfigured server), then ask for removal at {d}. Until then, receivers that use {} refuse or junk mail from {target}.",
            list.zone
        ));
    }
    if let Some(s) = scope {
        f = f.with_scope(s);
    }
    f
}

fn refused(target: &Target, list: &List, name: &str, code: Ipv4Addr, why: &str) -> Finding {
    Finding::new(
        FindingId::BlocklistQueryRefused,
        format!(
            "{} did not look {target} up: it answered {code}, meaning {why}. Whether {target} is listed there is not known.",
            list.name()
        ),
    )
    .with_evidence(json!({
        "target": target.to_string(),
        "list": list.zone,
        "query": name,
        "code": code.to_string(),
        "meaning": why,
        "terms": list.spec().map(|s| s.terms),
    }))
    .with_scope(Scope::Run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_names_follow_rfc_5782() {
        let ip = Target::parse("192.0.2.99").unwrap();
        assert_eq!(
            query_name(&ip, "zen.spamhaus.org"),
            "99.2.0.192.zen.spamhaus.org"
        );
        let v6 = Target::parse("2001:db8::1").unwrap();
        assert_eq!(
            query_name(&v6, "z.example"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.z.example"
        );
        let d = Target::parse("Example.COM.").unwrap();
        assert_eq!(
            query_name(&d, "dbl.spamhaus.org"),
            "example.com.dbl.spamhaus.org"
        );
        assert!(Target::parse("not a name!").is_err());
    }

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn error_codes_are_never_listings() {
        for code in ["127.255.255.254", "127.255.255.252", "127.255.255.255"] {
            assert!(
                matches!(decode("zen.spamhaus.org", &[a(code)]), Verdict::Refused(..)),
                "{code}"
            );
            // A list mailwhy does not know answers in the same error range: still refused.
            assert!(
                matches!(decode("bl.example", &[a(code)]), Verdict::Refused(..)),
                "{code}"
            );
        }
        // Mixed with a listing code, the refusal wins.
        assert!(matches!(
            decode("zen.spamhaus.org", &[a("127.0.0.2"), a("127.255.255.254")]),
            Verdict::Refused(..)
        ));
        assert!(matches!(
            decode("multi.uribl.com", &[a("127.0.0.1")]),
            Verdict::Refused(..)
        ));
        assert!(matches!(
            decode("dbl.spamhaus.org", &[a("127.0.1.255")]),
            Verdict::Refused(..)
        ));
        assert!(matches!(
            decode("bl.example", &[a("127.0.0.1")]),
            Verdict::Refused(..)
        ));
        assert!(matches!(
            decode("bl.example", &[a("10.0.0.1")]),
            Verdict::Unexpected(_)
        ));
        match decode("zen.spamhaus.org", &[a("127.0.0.4"), a("127.0.0.10")]) {
            Verdict::Listed(c) => assert_eq!(c.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn configured_lists_parse() {
        assert_eq!(
            List::parse("dbl.spamhaus.org").unwrap().kind,
            ListKind::Domain
        );
        assert_eq!(List::parse("bl.example.").unwrap().kind, ListKind::Ip);
        assert_eq!(
            List::parse("domain:rhs.example").unwrap().kind,
            ListKind::Domain
        );
        assert!(List::parse("nodot").is_err());
        assert!(List::parse("a..b").is_err());
        assert!(List::defaults().iter().all(|l| l.zone != "dnsbl.sorbs.net"));
    }
}
