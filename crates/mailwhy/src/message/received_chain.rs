//! The Received chain (RFC 5321 section 4.4): every hop, oldest first, with its delay, the total
//! transit time, clock-skew (negative delays) marked, and the first external IP.
//!
//! mail-parser parses most Received headers but silently drops the ones it cannot read from
//! `received_all()`; here every Received header is kept, in order, and the unparseable ones
//! are kept raw (with whatever date and IP can still be read from them) and reported.

use std::net::IpAddr;

use mail_parser::{DateTime, HeaderName, HeaderValue, Host, Received};
use serde::Serialize;

use super::Parsed;

/// One Received header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    /// The header as written (unfolded).
    pub raw: String,
    /// False when the header did not parse; the other fields are then best-effort.
    pub parsed: bool,
    /// The `from` host (HELO name or address) the hop received from.
    pub from: Option<String>,
    /// The connecting IP address.
    pub from_ip: Option<IpAddr>,
    /// The `by` host that wrote the header.
    pub by: Option<String>,
    /// The protocol (`ESMTPS`, `SMTP`, `LMTP` ...).
    pub with: Option<String>,
    /// The TLS version, when recorded.
    pub tls: Option<String>,
    /// The `for` recipient, when recorded.
    pub for_address: Option<String>,
    /// The date, as Unix seconds.
    pub timestamp: Option<i64>,
    /// The date as written (RFC 3339, UTC).
    pub date: Option<String>,
    /// Seconds since the previous (older) hop, when both dates are known.
    pub delay_secs: Option<i64>,
    /// True when this hop's date is before the previous hop's (a clock is wrong).
    pub negative_delay: bool,
}

/// The chain of Received headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Chain {
    /// The hops, oldest (the sender's side) first.
    pub hops: Vec<Hop>,
    /// Seconds from the oldest dated hop to the newest.
    pub total_transit_secs: Option<i64>,
    /// The first publicly routable IP, reading from the newest hop down: the server that
    /// handed the message to the recipient's systems.
    pub first_external_ip: Option<IpAddr>,
}

fn host(h: &Host<'_>) -> String {
    match h {
        Host::Name(n) => n.to_string(),
        Host::IpAddr(ip) => ip.to_string(),
    }
}

fn rfc3339(ts: i64) -> Option<String> {
    let dt = DateTime::from_timestamp(ts);
    Some(dt.to_rfc3339())
}

fn from_parsed(raw: String, r: &Received<'_>) -> Hop {
    let timestamp = r
        .date
        .as_ref()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    Hop {
        raw,
        parsed: true,
        from: r.from.as_ref().or(r.helo.as_ref()).map(host),
        from_ip: r.from_ip.or(match &r.from {
            Some(Host::IpAddr(ip)) => Some(*ip),
            _ => None,
        }),
        by: r.by.as_ref().map(host),
        with: r.with.map(|p| p.to_string()),
        tls: r.tls_version.map(|t| t.to_string()),
        for_address: r.for_.as_ref().map(|f| f.to_string()),
        timestamp,
        date: timestamp.and_then(rfc3339),
        delay_secs: None,
        negative_delay: false,
    }
}

/// Best effort on a header mail-parser could not read: the date after the last `;` and the
/// first bracketed IP.
fn from_raw(raw: String) -> Hop {
    let timestamp = raw
        .rsplit_once(';')
        .and_then(|(_, d)| DateTime::parse_rfc822(d.trim()))
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    let from_ip = raw
        .split(['[', ']', '(', ')', ' '])
        .find_map(|w| w.trim_start_matches("IPv6:").parse::<IpAddr>().ok());
    Hop {
        raw,
        parsed: false,
        from: None,
        from_ip,
        by: None,
        with: None,
        tls: None,
        for_address: None,
        timestamp,
        date: timestamp.and_then(rfc3339),
        delay_secs: None,
        negative_delay: false,
    }
}

/// Reads the Received chain of `msg`.
pub fn chain(msg: &Parsed<'_>) -> Chain {
    let mut hops: Vec<Hop> = msg
        .mail()
        .headers()
        .iter()
        .filter(|h| h.name == HeaderName::Received)
        .map(|h| {
            let raw = msg.unfolded(h);
            match &h.value {
                // A value with neither `from` nor `by` is mail-parser giving up politely.
                HeaderValue::Received(r)
                    if r.from.is_some()
                        || r.by.is_some()
                        || r.from_ip.is_some()
                        || r.helo.is_some() =>
                {
                    from_parsed(raw, r)
                }
                _ => from_raw(raw),
            }
        })
        .collect();
    // The recipient's own systems: hosts in the domain of the newest hop's receiver. Walking
    // from the newest hop down, hops whose sender is one of those hosts (or has no public
    // address) are internal; the first other hop is the one that handed the message over.
    let org = hops
        .first()
        .and_then(|h| h.by.as_deref())
        .map(org_domain)
        .filter(|d| d.contains('.'));
    let internal = |h: &Hop| {
        h.from
            .as_deref()
            .zip(org.as_deref())
            .is_some_and(|(from, org)| {
                let f = from.trim_end_matches('.').to_ascii_lowercase();
                f == org || f.ends_with(&format!(".{org}"))
            })
    };
    let first_external_ip = hops
        .iter()
        .filter(|h| !internal(h))
        .filter_map(|h| h.from_ip)
        .find(|ip| is_global(*ip))
        .or_else(|| {
            hops.iter()
                .filter_map(|h| h.from_ip)
                .find(|ip| is_global(*ip))
        });
    hops.reverse();
    let mut prev: Option<i64> = None;
    for h in &mut hops {
        if let (Some(p), Some(t)) = (prev, h.timestamp) {
            h.delay_secs = Some(t - p);
            h.negative_delay = t < p;
        }
        if h.timestamp.is_some() {
            prev = h.timestamp;
        }
    }
    let dated: Vec<i64> = hops.iter().filter_map(|h| h.timestamp).collect();
    let total_transit_secs = match (dated.first(), dated.last()) {
        (Some(a), Some(b)) if dated.len() > 1 => Some(b - a),
        _ => None,
    };
    Chain {
        hops,
        total_transit_secs,
        first_external_ip,
    }
}

/// True for publicly routable addresses (not private, loopback, link-local, documentation,
/// shared or reserved ranges).
pub(crate) fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || s[0] == 0x2001 && s[1] == 0x0db8)
                && v6
                    .to_ipv4_mapped()
                    .is_none_or(|v4| is_global(IpAddr::V4(v4)))
        }
    }
}

/// Renders seconds as `1h 2m 3s`.
pub(crate) fn human_duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::from(sign);
    if d > 0 {
        out.push_str(&format!("{d}d "));
    }
    if h > 0 || d > 0 {
        out.push_str(&format!("{h}h "));
    }
    if m > 0 || h > 0 || d > 0 {
        out.push_str(&format!("{m}m "));
    }
    out.push_str(&format!("{sec}s"));
    out
}

/// The last two labels of a host name (three when the second-level label is a common
/// second-level registry label such as `co.uk`): a rough organizational domain, enough to tell
/// the receiver's own hops apart.
fn org_domain(host: &str) -> String {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = h.split('.').collect();
    let n = labels.len();
    let take = if n >= 3
        && matches!(
            labels[n - 2],
            "co" | "com" | "net" | "org" | "ac" | "gov" | "ne" | "or"
        )
        && labels[n - 1].len() == 2
    {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".")
}
