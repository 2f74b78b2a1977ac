//! Lookup: is this address or domain on the list, by which entry (with its line), and does the
//! vendor publish it? The matching itself is [`super::Index`]'s.

use std::net::IpAddr;

use super::{list, Allowlist, Index, SenderProfile};

/// The answer to "is this address or domain on the list, and by which entry".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lookup {
    /// What was asked.
    pub query: String,
    /// The entry that admits it, with its line.
    pub entry: Option<(usize, String)>,
    /// Whether the vendor publishes it (when a profile is given).
    pub vendor_publishes: Option<bool>,
    /// Why the query could not be understood.
    pub error: Option<String>,
}

/// Looks `query` (an IP or a domain) up in `list`.
pub fn lookup(
    list: &Allowlist,
    ix: &Index,
    profile: Option<&SenderProfile>,
    query: &str,
) -> Lookup {
    let q = query.trim();
    let mut out = Lookup {
        query: q.to_string(),
        entry: None,
        vendor_publishes: None,
        error: None,
    };
    let hit = if let Ok(ip) = q.parse::<IpAddr>() {
        out.vendor_publishes =
            profile.map(|p| p.ips.iter().any(|n| n.contains(&list::canonical_ip(ip))));
        ix.match_ip(ip)
    } else if let Some(d) = list::normalize_domain(q) {
        out.vendor_publishes = profile.map(|p| p.domains.contains(&d));
        ix.match_domain(&d)
    } else {
        out.error = Some(format!("{q:?} is neither an IP address nor a domain"));
        None
    };
    out.entry = hit.map(|i| (list.entries[i].line, list.entries[i].text.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::tests::procore;
    use crate::allowlist::ListFormat;

    #[test]
    fn lookup_names_the_entry() {
        let l = Allowlist::parse(
            "# x\n*.procore.com\n167.89.0.0/17\n",
            "gw.txt",
            &ListFormat::Plain,
        )
        .unwrap();
        let ix = Index::new(&l.entries);
        let p = procore();
        let r = lookup(&l, &ix, Some(&p), "167.89.22.86");
        assert_eq!(r.entry, Some((3, "167.89.0.0/17".into())));
        assert_eq!(r.vendor_publishes, Some(true));
        let r = lookup(&l, &ix, Some(&p), "click.procore.com");
        assert_eq!(r.entry.map(|e| e.0), Some(2));
        assert_eq!(lookup(&l, &ix, None, "procore.com").entry, None);
        assert!(lookup(&l, &ix, None, "not valid!").error.is_some());
    }
}
