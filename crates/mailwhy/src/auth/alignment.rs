//! Identifier alignment (RFC 9989 §3.2.9, §4.10.2; RFC 7489 §3.1): whether an authenticated
//! domain (the SPF MAIL FROM domain, a DKIM `d=`) aligns with the From domain, in relaxed or
//! strict mode. Relaxed mode compares organizational domains: RFC 9989 finds them by the DNS tree
//! walk (looked up beforehand by `org_domain` into an [`OrgDomains`] table, since this module does
//! no DNS), RFC 7489 by the Public Suffix List (the `psl` crate, never a hand list). Both answers
//! are kept, because receivers migrate from one to the other at different speeds.
//!
//! Pure functions, no DNS: the DMARC result computation (message checks, predictions per IP)
//! calls them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::dmarc::AlignmentMode;

/// Lowercases and strips one trailing dot.
fn norm(d: &str) -> String {
    d.trim_end_matches('.').to_ascii_lowercase()
}

/// The organizational domain of `domain` by the Public Suffix List (RFC 7489 §3.2): the public
/// suffix plus one label. A name that is itself a public suffix (or unknown to the list's rules)
/// is its own.
pub(crate) fn organizational_domain(domain: &str) -> String {
    let d = norm(domain);
    match psl::domain_str(&d) {
        Some(org) => org.to_string(),
        None => d,
    }
}

/// The two organizational domains of one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgDomain {
    /// By the RFC 9989 §4.10.2 DNS tree walk; `None` when a lookup of the walk failed.
    pub tree_walk: Option<String>,
    /// By the Public Suffix List (RFC 7489).
    pub psl: String,
}

/// The organizational domains of the names a DMARC evaluation compares, by the tree walk and by
/// the Public Suffix List, keyed by the name (lowercase, no trailing dot).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OrgDomains {
    map: BTreeMap<String, OrgDomain>,
}

/// An empty table, the default of the inputs that borrow one: every name then falls back to the
/// Public Suffix List.
static EMPTY: OrgDomains = OrgDomains {
    map: BTreeMap::new(),
};

impl Default for &OrgDomains {
    fn default() -> Self {
        &EMPTY
    }
}

impl OrgDomains {
    /// Records the tree walk's answer for `name` (`None`: the walk's lookup failed).
    pub fn insert(&mut self, name: &str, tree_walk: Option<String>) {
        let name = norm(name);
        let psl = organizational_domain(&name);
        self.map.insert(name, OrgDomain { tree_walk, psl });
    }

    /// True when `name` was looked up (whether or not its walk completed).
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(&norm(name))
    }

    /// Both answers for `name`, if it was looked up.
    pub fn get(&self, name: &str) -> Option<&OrgDomain> {
        self.map.get(&norm(name))
    }

    /// The tree walk's organizational domain of `name`, when its walk was made and completed.
    pub fn walked(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|o| o.tree_walk.as_deref())
    }

    /// The organizational domain RFC 9989 receivers use: the tree walk's, or the Public Suffix
    /// List's when the walk was not made or failed (the check that made it says so).
    pub fn of(&self, name: &str) -> String {
        match self.get(name) {
            Some(OrgDomain {
                tree_walk: Some(o), ..
            }) => o.clone(),
            _ => organizational_domain(name),
        }
    }
}

/// Whether `authenticated` aligns with `from` in `mode` as RFC 9989 receivers judge it: strict
/// needs the same name, relaxed the same organizational domain by the tree walk (RFC 9989
/// §4.10.2). When either name's walk is missing from `orgs` (not made, or failed), both are
/// compared by the Public Suffix List.
pub fn aligned(authenticated: &str, from: &str, mode: AlignmentMode, orgs: &OrgDomains) -> bool {
    let (a, f) = (norm(authenticated), norm(from));
    if a.is_empty() || f.is_empty() {
        return false;
    }
    match mode {
        AlignmentMode::Strict => a == f,
        AlignmentMode::Relaxed => {
            a == f
                || match (orgs.walked(&a), orgs.walked(&f)) {
                    (Some(x), Some(y)) => x == y,
                    // Without both walks, compare like with like: both by the list.
                    _ => organizational_domain(&a) == organizational_domain(&f),
                }
        }
    }
}

/// Whether `authenticated` aligns with `from` in `mode` as RFC 7489 receivers judge it (Public
/// Suffix List organizational domains, RFC 7489 §3.1.1, §3.1.2).
pub fn aligned_psl(authenticated: &str, from: &str, mode: AlignmentMode) -> bool {
    let (a, f) = (norm(authenticated), norm(from));
    if a.is_empty() || f.is_empty() {
        return false;
    }
    match mode {
        AlignmentMode::Strict => a == f,
        AlignmentMode::Relaxed => organizational_domain(&a) == organizational_domain(&f),
    }
}

/// Where RFC 9989 and RFC 7489 receivers judge the relaxed alignment of `authenticated` with
/// `from` differently: `Some((rfc9989, rfc7489))`. `None` when they agree, in strict mode, or
/// when a tree walk of the two names did not complete (nothing is known to disagree then).
pub(crate) fn disagreement(
    authenticated: &str,
    from: &str,
    mode: AlignmentMode,
    orgs: &OrgDomains,
) -> Option<(bool, bool)> {
    if mode == AlignmentMode::Strict {
        return None;
    }
    if norm(authenticated) != norm(from)
        && (orgs.walked(authenticated).is_none() || orgs.walked(from).is_none())
    {
        return None;
    }
    let bis = aligned(authenticated, from, mode, orgs);
    let old = aligned_psl(authenticated, from, mode);
    (bis != old).then_some((bis, old))
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlignmentMode::*;

    #[test]
    fn organizational_domains_follow_the_public_suffix_list() {
        assert_eq!(organizational_domain("mail.procore.com"), "procore.com");
        assert_eq!(organizational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(
            organizational_domain("Bounce.Sendgrid.NET."),
            "sendgrid.net"
        );
    }

    #[test]
    fn relaxed_alignment_without_walks_compares_psl_organizational_domains() {
        let none = OrgDomains::default();
        assert!(aligned("em123.procore.com", "procore.com", Relaxed, &none));
        assert!(!aligned("em123.procore.com", "procore.com", Strict, &none));
        assert!(aligned("procore.com", "PROCORE.com.", Strict, &none));
        assert!(!aligned("sendgrid.net", "procore.com", Relaxed, &none));
        // Two registrable domains under the same public suffix are different organizations.
        assert!(!aligned("a.co.uk", "b.co.uk", Relaxed, &none));
        assert!(!aligned("", "procore.com", Relaxed, &none));
        assert!(aligned_psl("em123.procore.com", "procore.com", Relaxed));
    }

    /// RFC 9989 Appendix B.4.3 (format note vector 8): under the PSD bank.example, SPF's
    /// mail.giant.bank.example aligns with From giant.bank.example, DKIM's mail.mega.bank.example
    /// does not; the Public Suffix List (bank.example unknown: "example" is the suffix) puts all
    /// three in one organization.
    #[test]
    fn relaxed_alignment_follows_the_tree_walk() {
        let mut orgs = OrgDomains::default();
        orgs.insert("giant.bank.example", Some("giant.bank.example".into()));
        orgs.insert("mail.giant.bank.example", Some("giant.bank.example".into()));
        orgs.insert("mail.mega.bank.example", Some("mega.bank.example".into()));
        let from = "giant.bank.example";
        assert!(aligned("mail.giant.bank.example", from, Relaxed, &orgs));
        assert!(!aligned("mail.mega.bank.example", from, Relaxed, &orgs));
        assert!(aligned_psl("mail.mega.bank.example", from, Relaxed));
        assert_eq!(
            disagreement("mail.mega.bank.example", from, Relaxed, &orgs),
            Some((false, true))
        );
        assert_eq!(
            disagreement("mail.giant.bank.example", from, Relaxed, &orgs),
            None
        );
        assert_eq!(
            disagreement("mail.mega.bank.example", from, Strict, &orgs),
            None
        );
        // A walk that failed: the PSL decides, and no disagreement is claimed.
        orgs.insert("x.mega.bank.example", None);
        assert!(aligned("x.mega.bank.example", from, Relaxed, &orgs));
        assert_eq!(
            disagreement("x.mega.bank.example", from, Relaxed, &orgs),
            None
        );
    }
}
