//! The default table of public DNSBLs and RHSBLs: zone, kind, return codes and what each means,
//! the delisting page and the terms of use. One data table, checked 2026-12 against
//! `shared/formats/dnsbl.md` (which cites the operators' pages); operators change their codes,
//! so a row is updated here and nowhere else.

/// What a list is queried with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// An IP list (DNSBL): the reversed address before the zone.
    Ip,
    /// A domain list (RHSBL, URIBL): the domain itself before the zone.
    Domain,
}

/// What one return code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The address or domain is listed, with this meaning.
    Listed(&'static str),
    /// The list refused to answer (public resolver, rate limit, no subscription, wrong query):
    /// nothing is known about the address.
    Refused(&'static str),
}

/// One list of the default table.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// The zone queried (`zen.spamhaus.org`).
    pub zone: &'static str,
    /// The operator and list name.
    pub name: &'static str,
    /// IP or domain list.
    pub kind: ListKind,
    /// Whether the list publishes IPv6 data (an IPv4-only list says nothing about IPv6).
    pub ipv6: bool,
    /// Queried by default (false for dead lists and for ones that only answer registered
    /// resolvers, which would only ever be inconclusive).
    pub default: bool,
    /// The documented return codes.
    pub codes: &'static [(&'static str, Code)],
    /// Where the listed party asks for removal.
    pub delist: &'static str,
    /// The terms of use, in one line.
    pub terms: &'static str,
}

use Code::{Listed, Refused};

/// Spamhaus's error codes, shared by every Spamhaus zone (127.255.255.0/24, news 788).
const SPAMHAUS_PUBLIC: &str = "the query came through a public or open resolver (Google, Cloudflare, Quad9, shared ISP or cloud resolvers), which Spamhaus's public mirrors refuse";

/// The default table. Spamhaus codes from the docs' zone table; the others as the format note
/// gives them.
#[rustfmt::skip]
pub const LISTS: &[ListSpec] = &[
    ListSpec {
        zone: "zen.spamhaus.org", name: "Spamhaus ZEN", kind: ListKind::Ip, ipv6: true, default: true,
        codes: &[
            ("127.0.0.2", Listed("Spamhaus SBL: a direct spam source or spam operation")),
            ("127.0.0.3", Listed("Spamhaus SBL CSS: automated listing of a snowshoe spam source")),
            ("127.0.0.9", Listed("Spamhaus DROP: a hijacked or criminal network")),
            ("127.0.0.30", Listed("Spamhaus BCL: a botnet controller")),
            ("127.0.0.4", Listed("Spamhaus XBL: an exploited or infected host")),
            ("127.0.0.10", Listed("Spamhaus PBL (ISP maintained): an end-user range that should not send directly to MX servers; relay through the provider's smarthost, not a spam verdict")),
            ("127.0.0.11", Listed("Spamhaus PBL (Spamhaus maintained): an end-user range that should not send directly to MX servers; relay through the provider's smarthost, not a spam verdict")),
            ("127.255.255.252", Refused("typing error in the DNSBL zone name (Spamhaus answers 127.255.255.252)")),
            ("127.255.255.254", Refused(SPAMHAUS_PUBLIC)),
            ("127.255.255.255", Refused("too many queries: over Spamhaus's free-use limit (rate limited)")),
            ("127.255.255.250", Refused("Spamhaus DQS key error (disabled key)")),
            ("127.255.255.251", Refused("Spamhaus DQS key error (key rejected)")),
        ],
        delist: "https://check.spamhaus.org/",
        terms: "free for low-volume, non-commercial use through your own recursive resolver; public resolvers are refused (127.255.255.254); larger or commercial use needs Spamhaus DQS",
    },
    ListSpec {
        zone: "dbl.spamhaus.org", name: "Spamhaus DBL", kind: ListKind::Domain, ipv6: false, default: true,
        codes: &[
            ("127.0.1.2", Listed("Spamhaus DBL: a low-reputation domain")),
            ("127.0.1.4", Listed("Spamhaus DBL: a phishing domain")),
            ("127.0.1.5", Listed("Spamhaus DBL: a malware domain")),
            ("127.0.1.6", Listed("Spamhaus DBL: a botnet command-and-control domain")),
            ("127.0.1.102", Listed("Spamhaus DBL: an abused legitimate domain")),
            ("127.0.1.103", Listed("Spamhaus DBL: an abused redirector or URL shortener")),
            ("127.0.1.104", Listed("Spamhaus DBL: an abused legitimate domain used in phishing")),
            ("127.0.1.105", Listed("Spamhaus DBL: an abused legitimate domain used by malware")),
            ("127.0.1.106", Listed("Spamhaus DBL: an abused legitimate domain hosting botnet command and control")),
            ("127.0.1.255", Refused("an IP address was queried on a domain list (Spamhaus answers 127.0.1.255: IP queries not allowed on DBL)")),
            ("127.255.255.252", Refused("typing error in the DNSBL zone name (Spamhaus answers 127.255.255.252)")),
            ("127.255.255.254", Refused(SPAMHAUS_PUBLIC)),
            ("127.255.255.255", Refused("too many queries: over Spamhaus's free-use limit (rate limited)")),
        ],
        delist: "https://check.spamhaus.org/",
        terms: "as for ZEN: own resolver, low volume, non-commercial; otherwise Spamhaus DQS",
    },
    ListSpec {
        zone: "b.barracudacentral.org", name: "Barracuda BRBL", kind: ListKind::Ip, ipv6: false, default: false,
        codes: &[("127.0.0.2", Listed("Barracuda Reputation Block List: the IP has a poor sending reputation"))],
        delist: "https://www.barracudacentral.org/rbl/removal-request",
        terms: "free, but the querying DNS server's IP must be registered and approved first (unregistered resolvers get no answer), so it is not queried unless configured",
    },
    ListSpec {
        zone: "bl.spamcop.net", name: "SpamCop SCBL", kind: ListKind::Ip, ipv6: false, default: true,
        codes: &[("127.0.0.2", Listed("SpamCop Blocking List: recent spam reports about this IP (listings expire by themselves once reports stop)"))],
        delist: "https://www.spamcop.net/bl.shtml",
        terms: "free; SpamCop calls the list aggressive and suggests tagging rather than blocking",
    },
    ListSpec {
        zone: "dnsbl-1.uceprotect.net", name: "UCEPROTECT Level 1", kind: ListKind::Ip, ipv6: false, default: true,
        codes: &[("127.0.0.2", Listed("UCEPROTECT Level 1: this single IP hit spam traps (expires automatically)"))],
        delist: "https://www.uceprotect.net/en/rblcheck.php",
        terms: "free to query; levels 2 and 3 list whole allocations and ASNs (collateral by design)",
    },
    ListSpec {
        zone: "psbl.surriel.com", name: "PSBL", kind: ListKind::Ip, ipv6: false, default: true,
        codes: &[("127.0.0.2", Listed("Passive Spam Block List: the IP sent to a spam trap"))],
        delist: "https://psbl.org/",
        terms: "free for anybody; anyone can remove an entry through the web form; entries expire a few weeks after the last hit",
    },
    ListSpec {
        zone: "bl.mailspike.net", name: "Mailspike BL", kind: ListKind::Ip, ipv6: false, default: true,
        codes: &[
            ("127.0.0.2", Listed("Mailspike: the IP takes part in a distributed spam wave (zero-hour)")),
            ("127.0.0.10", Listed("Mailspike reputation L5: worst reputation")),
            ("127.0.0.11", Listed("Mailspike reputation L4: very bad reputation")),
            ("127.0.0.12", Listed("Mailspike reputation L3: bad reputation")),
        ],
        delist: "https://mailspike.org/",
        terms: "free for sites under 100,000 messages and 100,000 DNS queries a day; larger sites use rsync",
    },
    ListSpec {
        zone: "multi.uribl.com", name: "URIBL", kind: ListKind::Domain, ipv6: false, default: true,
        codes: &[
            ("127.0.0.1", Refused("URIBL refused the query (public resolver or over its free-use volume)")),
            ("127.0.0.2", Listed("URIBL black: a domain seen in spam")),
            ("127.0.0.4", Listed("URIBL grey: a domain in bulk or unsolicited mail")),
            ("127.0.0.8", Listed("URIBL red: a domain in spam from new or compromised accounts")),
        ],
        delist: "https://admin.uribl.com/",
        terms: "free for low volume through your own resolver; answers 127.0.0.1 to refused queries",
    },
    ListSpec {
        zone: "dnsbl.sorbs.net", name: "SORBS (dead)", kind: ListKind::Ip, ipv6: false, default: false,
        codes: &[],
        delist: "",
        terms: "decommissioned by Proofpoint on 5 June 2024: the zones no longer contain reputation data; a receiver still using it protects nothing",
    },
];

/// The table row for `zone` (case-insensitive, a trailing dot ignored).
pub fn spec(zone: &str) -> Option<&'static ListSpec> {
    let zone = zone.trim_end_matches('.');
    LISTS.iter().find(|l| l.zone.eq_ignore_ascii_case(zone))
}
