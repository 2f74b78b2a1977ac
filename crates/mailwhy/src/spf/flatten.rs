//! Flattening: the networks a domain authorizes, reached through `ip4`, `ip6`, `a`, `mx`,
//! `include` and `redirect`, with a note for every part that cannot be reduced to networks
//! (`exists`, `ptr`, macros, `+all`, lookup failures).
//!
//! The result answers "which addresses may send as this domain", which the allowlist audit
//! compares with a vendor's published list. It is an over-approximation of `pass`: terms with a
//! `-`, `~` or `?` qualifier are reported in a note, not subtracted, because whether they take
//! effect depends on the order of evaluation for each address.

use std::collections::HashSet;

use futures::future::{BoxFuture, FutureExt};
use ipnet::IpNet;
use serde::Serialize;

use super::parse::{self, Mechanism, Qualifier};
use crate::check::Context;
use crate::dns::{Outcome, RecordType};

/// The networks a domain authorizes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flattened {
    /// Networks reached through `+` terms, aggregated and sorted.
    pub networks: Vec<IpNet>,
    /// One note per part that could not be flattened.
    pub notes: Vec<String>,
    /// DNS-querying terms met on the way (a receiver stops at 10).
    pub lookups: u32,
}

/// At most this many records are visited (a loop or a fan-out of includes stays bounded).
const MAX_RECORDS: usize = 64;

/// Flattens the SPF record of `domain`.
pub async fn flatten(ctx: &Context, domain: &str) -> Flattened {
    let mut w = Walker {
        ctx,
        nets: vec![],
        notes: vec![],
        lookups: 0,
        seen: HashSet::new(),
    };
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    w.record(d, 0).await;
    let mut networks = IpNet::aggregate(&w.nets);
    networks.sort();
    Flattened {
        networks,
        notes: w.notes,
        lookups: w.lookups,
    }
}

struct Walker<'c> {
    ctx: &'c Context,
    nets: Vec<IpNet>,
    notes: Vec<String>,
    lookups: u32,
    seen: HashSet<String>,
}

impl Walker<'_> {
    fn note(&mut self, n: String) {
        if !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }

    fn record(&mut self, domain: String, depth: usize) -> BoxFuture<'_, ()> {
        async move {
            if !self.seen.insert(domain.clone()) {
                self.note(format!("{domain} is reached twice (an include or redirect loop, or a repeated include); its networks are counted once"));
                return;
            }
            if self.seen.len() > MAX_RECORDS || depth > 20 {
                self.note(format!("stopped at {domain}: more than {MAX_RECORDS} records or 20 levels"));
                return;
            }
            let Ok(answer) = self.ctx.dns.query(&domain, RecordType::TXT).await else {
                self.note(format!("{domain:?} is not a valid domain name"));
                return;
            };
            if answer.outcome.is_temporary_failure() {
                self.note(format!("the TXT lookup of {domain} failed ({}); its networks are missing", answer.outcome.kind()));
                return;
            }
            let spf: Vec<Vec<u8>> = answer.txt().into_iter().filter(|t| parse::is_spf_record(t)).collect();
            if spf.len() != 1 {
                self.note(format!("{domain} has {} SPF records; nothing flattened from it", spf.len()));
                return;
            }
            let text = String::from_utf8_lossy(&spf[0]).into_owned();
            let record = match parse::parse(&text) {
                Ok(r) => r,
                Err(e) => {
                    self.note(format!("the record of {domain} does not parse ({e}); nothing flattened from it"));
                    return;
                }
            };
            let mut has_all = false;
            for d in record.directives() {
                let term = record.term_text(d.span).to_string();
                if d.mechanism.queries_dns() {
                    self.lookups += 1;
                }
                if matches!(d.mechanism, Mechanism::All) {
                    has_all = true;
                    if matches!(d.qualifier, Qualifier::Pass) {
                        self.note(format!("{term} in {domain} authorizes every address"));
                    }
                    continue;
                }
                if d.qualifier != Qualifier::Pass {
                    self.note(format!("{term} in {domain} is not a pass term; its addresses are not subtracted"));
                    continue;
                }
                self.mechanism(&d.mechanism, &term, &domain, depth).await;
            }
            if let Some(target) = record.redirect() {
                if !has_all {
                    self.lookups += 1;
                    match literal(target) {
                        Some(t) => self.record(t, depth + 1).await,
                        None => self.note(format!("redirect={target} in {domain} uses macros; it depends on the sender")),
                    }
                }
            }
        }
        .boxed()
    }

    async fn mechanism(&mut self, m: &Mechanism, term: &str, domain: &str, depth: usize) {
        match m {
            Mechanism::Ip4 { net } => self.nets.push(IpNet::V4(net.trunc())),
            Mechanism::Ip6 { net } => self.nets.push(IpNet::V6(net.trunc())),
            Mechanism::Include { domain: spec } => match literal(spec) {
                Some(t) => self.record(t, depth + 1).await,
                None => self.note(format!("{term} in {domain} uses macros; it depends on the sender")),
            },
            Mechanism::A { domain: spec, cidr } => {
                let Some(target) = spec.as_ref().map(literal).unwrap_or(Some(domain.to_string())) else {
                    self.note(format!("{term} in {domain} uses macros; it depends on the sender"));
                    return;
                };
                self.addresses(&target, *cidr, term, domain).await;
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let Some(target) = spec.as_ref().map(literal).unwrap_or(Some(domain.to_string())) else {
                    self.note(format!("{term} in {domain} uses macros; it depends on the sender"));
                    return;
                };
                let Ok(a) = self.ctx.dns.query(&target, RecordType::MX).await else { return };
                if a.outcome.is_temporary_failure() {
                    self.note(format!("the MX lookup of {target} failed ({}); its hosts are missing", a.outcome.kind()));
                    return;
                }
                for (_, host) in a.mx().into_iter().take(10) {
                    if host != "." {
                        self.addresses(&host, *cidr, term, domain).await;
                    }
                }
            }
            Mechanism::Ptr { .. } => self.note(format!(
                "{term} in {domain} depends on the reverse DNS of each client; it cannot be flattened"
            )),
            Mechanism::Exists { .. } => self.note(format!(
                "{term} in {domain} is decided by a DNS lookup per client; it cannot be flattened"
            )),
            Mechanism::All => {}
        }
    }

    async fn addresses(&mut self, target: &str, cidr: parse::DualCidr, term: &str, domain: &str) {
        for rtype in [RecordType::A, RecordType::AAAA] {
            let Ok(a) = self.ctx.dns.query(target, rtype).await else {
                return;
            };
            match &a.outcome {
                Outcome::Records(_) => {
                    for ip in a.ips() {
                        let len = if ip.is_ipv4() { cidr.v4 } else { cidr.v6 };
                        if let Ok(n) = IpNet::new(ip, len) {
                            self.nets.push(n.trunc());
                        }
                    }
                }
                o if o.is_temporary_failure() => self.note(format!(
                    "{term} in {domain}: the {rtype} lookup of {target} failed ({}); its addresses are missing",
                    o.kind()
                )),
                _ => {}
            }
        }
    }
}

fn literal(ms: &super::macros::MacroString) -> Option<String> {
    ms.is_literal().then(|| {
        ms.parts()
            .iter()
            .map(|p| match p {
                super::macros::Part::Literal(l) => l.as_str(),
                super::macros::Part::Macro(_) => "",
            })
            .collect::<String>()
            .trim_end_matches('.')
            .to_ascii_lowercase()
    })
}
