//! Addresses that are not reachable from the internet, after the IANA IPv4 and IPv6
//! Special-Purpose Address Registries (entries whose "Globally Reachable" is False) and the
//! multicast and reserved blocks. A mail server published at one of them cannot receive mail
//! from outside.

use std::net::IpAddr;
use std::sync::OnceLock;

use ipnet::IpNet;
use serde::Serialize;

/// One special-purpose block.
#[derive(Debug, Clone, Serialize)]
pub struct SpecialRange {
    /// The block, e.g. `10.0.0.0/8`.
    pub network: String,
    /// What it is, in plain words.
    pub name: &'static str,
    /// Where it is defined.
    pub rfc: &'static str,
}

/// (block, name, source), most specific first where blocks nest.
#[rustfmt::skip]
static TABLE: &[(&str, &str, &str)] = &[
    // IPv4
    ("0.0.0.0/8", "\"this network\" (unspecified)", "RFC 791"),
    ("10.0.0.0/8", "private network", "RFC 1918"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)", "RFC 6598"),
    ("127.0.0.0/8", "loopback", "RFC 1122"),
    ("169.254.0.0/16", "link-local", "RFC 3927"),
    ("172.16.0.0/12", "private network", "RFC 1918"),
    ("192.0.0.0/24", "IETF protocol assignments", "RFC 6890"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast", "RFC 7526"),
    ("192.168.0.0/16", "private network", "RFC 1918"),
    ("198.18.0.0/15", "benchmarking", "RFC 2544"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737"),
    ("224.0.0.0/4", "multicast", "RFC 5771"),
    ("255.255.255.255/32", "limited broadcast", "RFC 919"),
    ("240.0.0.0/4", "reserved for future use", "RFC 1112"),
    // IPv6
    ("::/128", "unspecified", "RFC 4291"),
    ("::1/128", "loopback", "RFC 4291"),
    ("::ffff:0:0/96", "IPv4-mapped address", "RFC 4291"),
    ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation", "RFC 8215"),
    ("100::/64", "discard-only", "RFC 6666"),
    ("2001:2::/48", "benchmarking", "RFC 5180"),
    ("2001:db8::/32", "documentation", "RFC 3849"),
    ("2001::/23", "IETF protocol assignments", "RFC 2928"),
    ("3fff::/20", "documentation", "RFC 9637"),
    ("5f00::/16", "segment routing (SRv6) SIDs", "RFC 9602"),
    ("fc00::/7", "unique local (private network)", "RFC 4193"),
    ("fe80::/10", "link-local", "RFC 4291"),
    ("ff00::/8", "multicast", "RFC 4291"),
];

/// Blocks inside 2001::/23 that the registry marks globally reachable (TEREDO, 2001::/32, is
/// marked N/A there and treated as reachable here: relays exist).
static GLOBAL_EXCEPTIONS: &[&str] = &[
    "2001:1::1/128",
    "2001:1::2/128",
    "2001:1::3/128",
    "2001:3::/32",
    "2001:4:112::/48",
    "2001:20::/28",
    "2001:30::/28",
    "2001::/32",
];

/// The table parsed once: the blocks with their names, and the global exceptions.
type Parsed = (Vec<(IpNet, &'static str, &'static str)>, Vec<IpNet>);

fn parsed() -> &'static Parsed {
    static P: OnceLock<Parsed> = OnceLock::new();
    P.get_or_init(|| {
        let t = TABLE
            .iter()
            .map(|(n, name, rfc)| (n.parse().expect("valid block in the table"), *name, *rfc))
            .collect();
        let g = GLOBAL_EXCEPTIONS
            .iter()
            .map(|n| n.parse().expect("valid block in the table"))
            .collect();
        (t, g)
    })
}

/// The special-purpose block `ip` falls in, when it is not globally reachable.
pub fn non_global(ip: IpAddr) -> Option<SpecialRange> {
    let (table, exceptions) = parsed();
    if exceptions.iter().any(|n| n.contains(&ip)) {
        return None;
    }
    table
        .iter()
        .find(|(n, _, _)| n.contains(&ip))
        .map(|(n, name, rfc)| SpecialRange {
            network: n.to_string(),
            name,
            rfc,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ng(s: &str) -> Option<&'static str> {
        non_global(s.parse().unwrap()).map(|r| r.name)
    }

    #[test]
    fn the_usual_ranges() {
        assert_eq!(ng("127.0.0.1"), Some("loopback"));
        assert_eq!(ng("10.1.2.3"), Some("private network"));
        assert_eq!(ng("172.31.0.1"), Some("private network"));
        assert_eq!(ng("172.32.0.1"), None);
        assert_eq!(
            ng("100.72.0.1"),
            Some("shared address space (carrier-grade NAT)")
        );
        assert_eq!(ng("169.254.1.1"), Some("link-local"));
        assert_eq!(ng("0.0.0.0"), Some("\"this network\" (unspecified)"));
        assert_eq!(ng("192.0.2.10"), Some("documentation (TEST-NET-1)"));
        assert_eq!(ng("239.1.1.1"), Some("multicast"));
        assert_eq!(ng("142.250.102.27"), None);
        assert_eq!(ng("::1"), Some("loopback"));
        assert_eq!(ng("::"), Some("unspecified"));
        assert_eq!(ng("fd00::25"), Some("unique local (private network)"));
        assert_eq!(ng("fe80::1"), Some("link-local"));
        assert_eq!(ng("2001:db8::1"), Some("documentation"));
        assert_eq!(ng("2a00:1450:400c:c0b::1b"), None);
        assert_eq!(ng("2001:4:112::1"), None);
    }
}
