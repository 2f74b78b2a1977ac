//! What a message's headers tell about how it arrived: the SMTP envelope (the connecting IP,
//! its HELO name, the envelope sender) and the ARC sets forwarders added. Read from the
//! [`Parsed`] message and its Received chain; no DNS.
//!
//! The connecting IP is the first external hop of the Received chain
//! ([`crate::message::received_chain`]), the envelope sender the Return-Path (the receiver's
//! record of MAIL FROM), and for a null reverse-path (`<>`) SPF checks the HELO name of that
//! hop (RFC 7208 §2.4).

use std::net::IpAddr;

use mail_parser::HeaderName;
use serde::Serialize;

use crate::message::received_chain::Hop;
use crate::message::{Analysis, Parsed};

/// The SMTP envelope of a received message, as far as its headers tell it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// The IP that handed the message to the recipient's systems.
    pub ip: Option<IpAddr>,
    /// The HELO/EHLO name that server gave (the `from` of its Received hop).
    pub helo: Option<String>,
    /// The envelope sender: `Some("")` for the null reverse-path, `None` when unknown.
    pub mail_from: Option<String>,
    /// Where `mail_from` came from: `return-path` or `authentication-results`.
    pub mail_from_source: Option<&'static str>,
}

/// The hop whose sender is `ip`, newest first (the chain is stored oldest first).
fn hop_from(hops: &[Hop], ip: IpAddr) -> Option<&Hop> {
    hops.iter().rev().find(|h| h.from_ip == Some(ip))
}

/// Reads the envelope from the message's headers.
pub fn envelope(msg: &Parsed<'_>, a: &Analysis) -> Envelope {
    let ip = a.received.first_external_ip;
    let helo = ip
        .and_then(|ip| hop_from(&a.received.hops, ip))
        .and_then(|h| h.from.clone())
        .filter(|h| h.parse::<IpAddr>().is_err() && h.contains('.'))
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase());
    let (mail_from, mail_from_source) = match msg.return_path() {
        Some(rp) => (Some(rp), Some("return-path")),
        None => {
            // No Return-Path (the copy was saved before final delivery): the receiver's record
            // of the envelope sender, if it wrote one.
            let recorded = a.authentication.iter().find_map(|ar| {
                ar.results
                    .iter()
                    .filter(|r| r.method == "spf")
                    .find_map(|r| r.properties.get("smtp.mailfrom").cloned())
            });
            match recorded {
                Some(m) => (Some(m), Some("authentication-results")),
                None => (None, None),
            }
        }
    };
    Envelope {
        ip,
        helo,
        mail_from,
        mail_from_source,
    }
}

/// The SPF identity to check: `(domain, sender address, identity)`, or why there is none.
pub(super) fn spf_identity(env: &Envelope) -> Result<(String, String, &'static str), &'static str> {
    match env.mail_from.as_deref() {
        None => Err("the message shows no envelope sender (no Return-Path)"),
        Some("") => match &env.helo {
            Some(h) => Ok((h.clone(), String::new(), "helo")),
            None => Err("the envelope sender is null (<>) and the connecting server's HELO name is not recorded"),
        },
        Some(m) => {
            let domain = m.rsplit_once('@').map(|(_, d)| d).unwrap_or(m);
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            if domain.is_empty() {
                return Err("the envelope sender has no domain");
            }
            let sender = if m.contains('@') {
                m.to_string()
            } else {
                format!("postmaster@{domain}")
            };
            Ok((domain, sender, "mail-from"))
        }
    }
}

/// The ARC-Seal sets of `msg`: `(i=, d=)` each, by instance.
pub fn arc_seals(msg: &Parsed<'_>) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = msg
        .values(HeaderName::ArcSeal)
        .map(|v| {
            let tag = |t: &str| {
                v.split(';').find_map(|p| {
                    p.trim()
                        .strip_prefix(t)
                        .and_then(|r| r.trim_start().strip_prefix('='))
                        .map(|x| x.trim().to_string())
                })
            };
            (
                tag("i").and_then(|i| i.parse().ok()).unwrap_or(0),
                tag("d").unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_sender_checks_the_helo_name() {
        let env = Envelope {
            ip: Some("137.22.225.77".parse().unwrap()),
            helo: Some("out.example.com".into()),
            mail_from: Some(String::new()),
            mail_from_source: Some("return-path"),
        };
        assert_eq!(
            spf_identity(&env),
            Ok(("out.example.com".into(), String::new(), "helo"))
        );
        let env = Envelope { helo: None, ..env };
        assert!(spf_identity(&env).is_err());
    }

    #[test]
    fn arc_seals_are_listed_by_instance() {
        let raw = b"ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=b.example; s=s\r\nARC-Seal: i=1; cv=none;\r\n d=a.example; s=s\r\n\r\n";
        assert_eq!(
            arc_seals(&Parsed::new(raw).unwrap()),
            vec![(1, "a.example".to_string()), (2, "b.example".to_string())]
        );
    }
}
