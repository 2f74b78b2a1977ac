//! Sub-linear matching of addresses and domains against an allowlist.
//!
//! Addresses: every network and range becomes an inclusive interval; a sweep over the interval
//! ends cuts the address space into disjoint segments, each labelled with the narrowest entry
//! covering it. A lookup is one binary search (O(log n)); coverage of a whole network walks the
//! segments it spans. IPv4 and IPv6 have separate segment lists; IPv4-mapped IPv6 is IPv4.
//! Domains: a hash set of exact names and one of "subdomains of" names; a lookup walks the
//! labels of the name asked (O(labels)).

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;

use super::list::{canonical_ip, Entry, EntryKind};

/// One disjoint segment of address space and the entry that covers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: u128,
    end: u128,
    entry: usize,
}

/// The index over one allowlist's entries.
#[derive(Debug, Clone, Default)]
pub struct Index {
    v4: Vec<Segment>,
    v6: Vec<Segment>,
    exact: HashMap<String, usize>,
    parents: HashMap<String, usize>,
}

/// An inclusive interval of one address family.
pub(crate) fn interval(net: &IpNet) -> (bool, u128, u128) {
    match net {
        IpNet::V4(n) => (
            true,
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (false, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// The family and position of an address (IPv4-mapped IPv6 is IPv4).
pub(crate) fn ip_key(ip: IpAddr) -> (bool, u128) {
    match canonical_ip(ip) {
        IpAddr::V4(a) => (true, u128::from(u32::from(a))),
        IpAddr::V6(a) => (false, u128::from(a)),
    }
}

fn build_segments(mut spans: Vec<(u128, u128, usize)>) -> Vec<Segment> {
    // Sweep over interval boundaries; the active set is ordered by (size, entry) so its first
    // element is the narrowest covering entry (file order breaks ties).
    let mut events: Vec<(u128, bool, u128, usize)> = Vec::with_capacity(spans.len() * 2);
    spans.sort_unstable();
    for &(s, e, i) in &spans {
        let size = e - s;
        events.push((s, true, size, i));
        if e < u128::MAX {
            events.push((e + 1, false, size, i));
        }
    }
    events.sort_unstable_by_key(|&(pos, open, _, _)| (pos, open));
    let mut active: BTreeSet<(u128, usize)> = BTreeSet::new();
    let mut segs: Vec<Segment> = Vec::new();
    // The segment being built: its start and the entry representing it.
    let mut open: Option<(u128, usize)> = None;
    let mut k = 0;
    while k < events.len() {
        let pos = events[k].0;
        while k < events.len() && events[k].0 == pos {
            let (_, is_open, size, i) = events[k];
            if is_open {
                active.insert((size, i));
            } else {
                active.remove(&(size, i));
            }
            k += 1;
        }
        let now = active.first().map(|&(_, i)| i);
        match (open, now) {
            (Some((_, cur)), Some(new)) if cur == new => {}
            _ => {
                if let Some((start, entry)) = open.take() {
                    segs.push(Segment {
                        start,
                        end: pos - 1,
                        entry,
                    });
                }
                open = now.map(|e| (pos, e));
            }
        }
    }
    if let Some((start, entry)) = open {
        // Only an interval reaching the top of the address space has no closing event.
        segs.push(Segment {
            start,
            end: u128::MAX,
            entry,
        });
    }
    segs
}

fn find(segs: &[Segment], x: u128) -> Option<&Segment> {
    let i = segs.partition_point(|s| s.start <= x);
    let s = segs.get(i.checked_sub(1)?)?;
    (x <= s.end).then_some(s)
}

impl Index {
    /// Builds the index over `entries` (entry numbers are positions in that slice).
    pub fn new(entries: &[Entry]) -> Index {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let mut exact = HashMap::new();
        let mut parents = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let span = match &e.kind {
                EntryKind::Net(n) => Some(interval(n)),
                EntryKind::Range(a, b) => {
                    let (fa, sa) = ip_key(*a);
                    let (_, sb) = ip_key(*b);
                    Some((fa, sa, sb))
                }
                EntryKind::Domain(d) => {
                    exact.entry(d.clone()).or_insert(i);
                    None
                }
                EntryKind::Subdomains(d) => {
                    parents.entry(d.clone()).or_insert(i);
                    None
                }
            };
            if let Some((is_v4, s, e)) = span {
                if is_v4 { &mut v4 } else { &mut v6 }.push((s, e, i));
            }
        }
        Index {
            v4: build_segments(v4),
            v6: build_segments(v6),
            exact,
            parents,
        }
    }

    /// The narrowest entry that admits `ip`.
    pub fn match_ip(&self, ip: IpAddr) -> Option<usize> {
        let (is_v4, x) = ip_key(ip);
        find(if is_v4 { &self.v4 } else { &self.v6 }, x).map(|s| s.entry)
    }

    /// The entry that admits `domain` (exact first, then the nearest parent wildcard).
    pub fn match_domain(&self, domain: &str) -> Option<usize> {
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        if let Some(&i) = self.exact.get(&d) {
            return Some(i);
        }
        let mut rest = d.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(&i) = self.parents.get(parent) {
                return Some(i);
            }
            rest = parent;
        }
        None
    }

    /// How `net` is covered: the entries that cover parts of it, and the sub-ranges nobody covers.
    pub fn coverage(&self, net: &IpNet) -> Coverage {
        let (is_v4, s, e) = interval(net);
        self.coverage_interval(is_v4, s, e)
    }

    /// Like [`Index::coverage`] for an inclusive interval of one family.
    pub fn coverage_interval(&self, is_v4: bool, s: u128, e: u128) -> Coverage {
        let segs = if is_v4 { &self.v4 } else { &self.v6 };
        let mut entries = Vec::new();
        let mut gaps = Vec::new();
        let mut x = s;
        let mut i = segs.partition_point(|seg| seg.end < s);
        loop {
            match segs.get(i) {
                Some(seg) if seg.start <= e => {
                    if seg.start > x {
                        gaps.push((x, seg.start - 1));
                    }
                    if !entries.contains(&seg.entry) {
                        entries.push(seg.entry);
                    }
                    if seg.end >= e {
                        break;
                    }
                    x = seg.end + 1;
                    i += 1;
                }
                _ => {
                    gaps.push((x, e));
                    break;
                }
            }
        }
        Coverage {
            entries,
            uncovered: gaps.len(),
            fully: gaps.is_empty(),
        }
    }
}

/// How a network is covered by the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Entries covering some part of it.
    pub entries: Vec<usize>,
    /// How many separate gaps remain.
    pub uncovered: usize,
    /// True when every address of it is admitted.
    pub fully: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::list::{Allowlist, ListFormat};

    fn index(t: &str) -> (Allowlist, Index) {
        let l = Allowlist::parse(t, "t", &ListFormat::Plain).unwrap();
        let i = Index::new(&l.entries);
        (l, i)
    }

    #[test]
    fn narrowest_entry_wins_and_ranges_work() {
        let (_, ix) = index("10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n192.0.2.10-192.0.2.20\n::ffff:198.51.100.0/120\n2001:db8::/32\n");
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(ix.match_ip(ip("10.1.2.3")), Some(2));
        assert_eq!(ix.match_ip(ip("10.1.2.4")), Some(1));
        assert_eq!(ix.match_ip(ip("10.2.0.0")), Some(0));
        assert_eq!(ix.match_ip(ip("11.0.0.0")), None);
        assert_eq!(ix.match_ip(ip("192.0.2.20")), Some(3));
        assert_eq!(ix.match_ip(ip("192.0.2.21")), None);
        assert_eq!(ix.match_ip(ip("198.51.100.7")), Some(4));
        assert_eq!(ix.match_ip(ip("::ffff:10.9.9.9")), Some(0));
        assert_eq!(ix.match_ip(ip("2001:db8::1")), Some(5));
        assert_eq!(ix.match_ip(ip("2001:db9::1")), None);
    }

    #[test]
    fn extremes_of_the_address_space() {
        let (_, ix) = index("0.0.0.0/0\n255.255.255.255\n::/0\n");
        assert_eq!(ix.match_ip("255.255.255.255".parse().unwrap()), Some(1));
        assert_eq!(ix.match_ip("0.0.0.0".parse().unwrap()), Some(0));
        assert_eq!(ix.match_ip("ffff::1".parse().unwrap()), Some(2));
    }

    #[test]
    fn domains_exact_versus_subdomains() {
        let (_, ix) = index("procore.com\n*.sendgrid.net\n.procoretech.com\n");
        assert_eq!(ix.match_domain("procore.com"), Some(0));
        assert_eq!(ix.match_domain("PROCORE.com."), Some(0));
        assert_eq!(ix.match_domain("click.procore.com"), None);
        assert_eq!(ix.match_domain("smtp.sendgrid.net"), Some(1));
        assert_eq!(ix.match_domain("sendgrid.net"), None);
        assert_eq!(ix.match_domain("a.b.procoretech.com"), Some(2));
    }

    #[test]
    fn coverage_finds_gaps() {
        let (_, ix) = index("10.0.0.0/25\n10.0.0.200-10.0.0.255\n");
        let c = ix.coverage(&"10.0.0.0/24".parse().unwrap());
        assert!(!c.fully);
        assert_eq!(c.uncovered, 1);
        assert_eq!(c.entries, vec![0, 1]);
        assert!(ix.coverage(&"10.0.0.0/26".parse().unwrap()).fully);
        assert!(!ix.coverage(&"11.0.0.0/32".parse().unwrap()).fully);
    }

    #[test]
    fn matches_agree_with_a_linear_scan() {
        // A small exhaustive cross-check over overlapping random-ish networks.
        let mut text = String::new();
        let mut x: u32 = 12345;
        for _ in 0..200 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = 20 + (x % 13) as u8;
            let net = IpNet::new(
                IpAddr::from((x & 0x00ff_ffff | 0x0a00_0000).to_be_bytes()),
                len,
            )
            .unwrap()
            .trunc();
            text.push_str(&format!("{net}\n"));
        }
        let (l, ix) = index(&text);
        for probe in (0x0a00_0000u32..0x0b00_0000).step_by(4099) {
            let ip = IpAddr::from(probe.to_be_bytes());
            let linear = l
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| matches!(&e.kind, EntryKind::Net(n) if n.contains(&ip)))
                .min_by_key(|(i, e)| match &e.kind {
                    EntryKind::Net(n) => (u8::MAX - n.prefix_len(), *i),
                    _ => unreachable!(),
                })
                .map(|(i, _)| i);
            assert_eq!(ix.match_ip(ip), linear, "{ip}");
        }
    }
}
