//! Reverse DNS of sending IPs: the PTR name of each address and whether that name resolves back
//! to the address (forward-confirmed reverse DNS, "FCrDNS"), which Gmail, Yahoo and Microsoft
//! require of senders and which the bounce reason `requireptr` points at.
//!
//! Owns the reverse-name construction and the check; the provider checklist only reads its
//! result.

use std::net::IpAddr;

use serde::Serialize;

use crate::check::{CheckOutcome, Context};
use crate::dns::{Outcome, RecordType};
use crate::finding::Finding;
use crate::finding::FindingId;
use crate::sanitize;

/// The reverse-lookup name of `ip` (RFC 1035 §3.5 `in-addr.arpa`, RFC 3596 §2.5 `ip6.arpa`).
pub(crate) fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0x0f, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

/// The reverse DNS of one IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReverseDns {
    /// The address.
    pub ip: IpAddr,
    /// The PTR names found (empty when none).
    pub ptr: Vec<String>,
    /// The PTR name that resolves back to the address, if one does.
    pub confirmed_by: Option<String>,
    /// False when a lookup failed temporarily (the result is unknown).
    pub known: bool,
    /// The lookup that failed, when one did: `("NAME TYPE", outcome)`.
    #[serde(skip)]
    pub(crate) lookup_failed: Option<(String, String)>,
}

impl ReverseDns {
    /// True when a PTR name resolves back to the address.
    pub fn forward_confirmed(&self) -> bool {
        self.confirmed_by.is_some()
    }
}

/// Looks up the PTR of each IP and confirms each PTR name forward (A for IPv4, AAAA for IPv6).
/// Adds `sender.no-reverse-dns` for every IP without a forward-confirmed name.
pub async fn check(ctx: &Context, ips: &[IpAddr]) -> (CheckOutcome, Vec<ReverseDns>) {
    let mut c = CheckOutcome::start("reverse-dns");
    let mut out = Vec::new();
    for &ip in ips {
        let rname = reverse_name(ip);
        let mut r = ReverseDns {
            ip,
            ptr: vec![],
            confirmed_by: None,
            known: true,
            lookup_failed: None,
        };
        let answer = match ctx.dns.query(&rname, RecordType::PTR).await {
            Ok(a) => a,
            Err(e) => {
                c.inconclusive(format!("cannot ask for {rname}: {e}"));
                r.known = false;
                out.push(r);
                continue;
            }
        };
        if c.dns_failure(&answer, &format!("the reverse DNS of {ip}")) {
            r.known = false;
            r.lookup_failed = Some((format!("{rname} PTR"), answer.outcome.kind().to_string()));
            out.push(r);
            continue;
        }
        r.ptr = answer
            .records()
            .filter_map(|d| match d {
                crate::dns::Data::Ptr { target } => Some(target.clone()),
                _ => None,
            })
            .collect();
        let fwd_type = if ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::AAAA
        };
        let mut forward = Vec::new();
        for name in &r.ptr {
            let Ok(a) = ctx.dns.query(name, fwd_type).await else {
                continue;
            };
            if c.dns_failure(
                &a,
                &format!("the forward confirmation of {ip}'s PTR {name}"),
            ) {
                r.known = false;
                r.lookup_failed.get_or_insert_with(|| {
                    (format!("{name} {fwd_type}"), a.outcome.kind().to_string())
                });
                continue;
            }
            let ips_of = a.ips();
            if ips_of.contains(&ip) {
                r.confirmed_by = Some(name.clone());
                break;
            }
            forward.push(serde_json::json!({"name": name, "addresses": ips_of}));
        }
        if r.known && !r.forward_confirmed() {
            let (detail, evidence) = if r.ptr.is_empty() {
                let how = match answer.outcome {
                    Outcome::NxDomain => "does not exist (NXDOMAIN)",
                    _ => "has no PTR record",
                };
                (
                    format!("The sending IP {ip} has no reverse DNS: {rname} {how}."),
                    serde_json::json!({"ip": ip, "reverse_name": rname, "ptr": [], "outcome": answer.outcome.kind()}),
                )
            } else {
                (
                    format!(
                        "The sending IP {ip} has the PTR name {}, but that name does not resolve back to {ip} (no forward confirmation).",
                        sanitize::line(&r.ptr.join(", "))
                    ),
                    serde_json::json!({"ip": ip, "reverse_name": rname, "ptr": r.ptr, "forward": forward}),
                )
            };
            c.push(Finding::new(FindingId::SenderNoReverseDns, detail).with_evidence(evidence));
        }
        out.push(r);
    }
    let confirmed = out.iter().filter(|r| r.forward_confirmed()).count();
    let detail = format!(
        "{confirmed} of {} sending IPs have forward-confirmed reverse DNS",
        out.len()
    );
    (c.done(detail), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names_are_built_per_rfc() {
        assert_eq!(
            reverse_name("137.22.225.98".parse().unwrap()),
            "98.225.22.137.in-addr.arpa"
        );
        let v6 = reverse_name("2001:db8::1".parse().unwrap());
        assert!(v6.starts_with("1.0.0.0.") && v6.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"));
    }
}
