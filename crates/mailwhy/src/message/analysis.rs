//! What one message says, read from its [`Parsed`] form into plain facts ([`Analysis`]):
//! recipients, the Received chain, the receivers' authentication results, spam verdicts, the
//! sender facts an allowlist comparison needs, and the bounce reading. No DNS and no findings:
//! the header checks and [`super::verify`] judge these facts.

use std::net::IpAddr;

use mail_parser::Address;
use serde::Serialize;

use super::auth_results::{self, AuthResults};
use super::received_chain::{self, Chain};
use super::spam::{self, Verdict};
use super::Parsed;
use crate::bounce::{self, Bounce};

/// Facts about the sender that an allowlist comparison needs (`allowlist.sender-not-listed`,
/// added with the allowlist module): the IP that connected to the recipient's systems and the
/// domains that authenticated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SenderFacts {
    /// The first external IP of the Received chain.
    pub connecting_ip: Option<IpAddr>,
    /// The envelope sender's domain (Return-Path, or `smtp.mailfrom` in the results).
    pub envelope_domain: Option<String>,
    /// The From header's domain.
    pub from_domain: Option<String>,
    /// The `d=` domains of DKIM signatures (and `header.d` of DKIM results).
    pub dkim_domains: Vec<String>,
}

/// Everything read from one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// Subject.
    pub subject: Option<String>,
    /// The From address.
    pub from: Option<String>,
    /// To and Cc addresses.
    pub to: Vec<String>,
    /// Delivered-To, X-Original-To and Envelope-To addresses (the mailbox it landed in).
    pub delivered_to: Vec<String>,
    /// Message-ID.
    pub message_id: Option<String>,
    /// The Received chain.
    pub received: Chain,
    /// Authentication-Results, ARC-Authentication-Results and Received-SPF headers.
    pub authentication: Vec<AuthResults>,
    /// Spam filter verdicts.
    pub spam: Vec<Verdict>,
    /// Facts for an allowlist comparison.
    pub sender: SenderFacts,
    /// The bounce reading of the message.
    pub bounce: Bounce,
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn domain_of(addr: &str) -> Option<String> {
    let a = addr.trim().trim_matches(['<', '>']);
    a.rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// Reads the facts of `parsed`.
pub fn analyze(parsed: &Parsed<'_>) -> Analysis {
    let msg = parsed.mail();
    let mut authentication = Vec::new();
    let mut delivered_to = Vec::new();
    let mut dkim_domains: Vec<String> = Vec::new();
    for h in msg.headers() {
        let name = h.name.as_str();
        let value = || parsed.text_of(h);
        match name.to_ascii_lowercase().as_str() {
            "authentication-results" | "arc-authentication-results" => {
                authentication.push(auth_results::parse_authentication_results(name, &value()))
            }
            "received-spf" => authentication.push(auth_results::parse_received_spf(&value())),
            "delivered-to" | "x-original-to" | "envelope-to" => {
                let v = value();
                let v = v.trim().trim_matches(['<', '>']);
                if !v.is_empty() {
                    delivered_to.push(v.to_string());
                }
            }
            "dkim-signature" => {
                let v = value();
                if let Some(d) = v.split(';').find_map(|t| t.trim().strip_prefix("d=")) {
                    let d = d.trim().to_ascii_lowercase();
                    if !d.is_empty() && !dkim_domains.contains(&d) {
                        dkim_domains.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    let received = received_chain::chain(parsed);
    let spam = spam::verdicts(msg.headers_raw());
    // The same Return-Path our authentication checks SPF with (see `verify::envelope`).
    let mut envelope_domain = parsed.return_path().as_deref().and_then(domain_of);
    for a in &authentication {
        for r in &a.results {
            if envelope_domain.is_none() && r.method == "spf" {
                envelope_domain = r
                    .properties
                    .get("smtp.mailfrom")
                    .or_else(|| r.properties.get("envelope-from"))
                    .map(|m| domain_of(m).unwrap_or_else(|| m.to_ascii_lowercase()));
            }
            if r.method == "dkim" {
                if let Some(d) = r.properties.get("header.d") {
                    let d = d.to_ascii_lowercase();
                    if !dkim_domains.contains(&d) {
                        dkim_domains.push(d);
                    }
                }
            }
        }
    }
    let from = addresses(msg.from()).into_iter().next();
    let mut to = addresses(msg.to());
    to.extend(addresses(msg.cc()));
    Analysis {
        subject: msg.subject().map(str::to_string),
        sender: SenderFacts {
            connecting_ip: received.first_external_ip,
            envelope_domain,
            from_domain: from.as_deref().and_then(domain_of),
            dkim_domains,
        },
        from,
        to,
        delivered_to,
        message_id: msg.message_id().map(str::to_string),
        received,
        authentication,
        spam,
        bounce: bounce::analyze(parsed),
    }
}

impl Analysis {
    /// True for an ordinary message: not a bounce, delivery report, feedback report or
    /// automatic reply. Only such a message is the sender's own mail, which the allowlist
    /// comparison and our authentication are about; the others were written by the
    /// recipient's systems.
    pub fn is_sender_mail(&self) -> bool {
        self.bounce.kind == bounce::Kind::NotBounce
    }
}
