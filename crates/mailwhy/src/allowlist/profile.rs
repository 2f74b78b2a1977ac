//! Sender profiles: a vendor's published sending infrastructure (TOML), as the vendor's
//! help-center allowlist article lists it: domains, IPs or networks, a support contact and the
//! invitation reminder schedule.

use std::path::Path;

use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use crate::error::{line_of, Error, Result};

/// The reminder schedule when a profile does not give one: 3, 7 and 14 days after the invitation.
pub(crate) const DEFAULT_FOLLOW_UP_DAYS: [u32; 3] = [3, 7, 14];

/// A vendor's published sending infrastructure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderProfile {
    /// The vendor's name.
    pub name: String,
    /// Sending domains (lowercase, A-labels).
    pub domains: Vec<String>,
    /// Sending IPs and networks (a single address is a /32 or /128).
    pub ips: Vec<IpNet>,
    /// Where the vendor's support is reached.
    pub support: Option<String>,
    /// Days after an unaccepted invitation on which reminders go out.
    pub follow_up_days: Vec<u32>,
    /// Domains the vendor's mail shows in From (the DMARC identifier; lowercase, A-labels).
    pub from_domains: Vec<String>,
    /// Domains of the envelope sender (MAIL FROM / Return-Path, the SPF identity).
    pub envelope_domains: Vec<String>,
    /// DKIM selectors the vendor signs with, as `selector` or `selector._domainkey.domain`
    /// written `selector:domain` (a bare selector applies to every From domain).
    pub dkim_selectors: Vec<String>,
}

// Every checked value keeps its place in the text, so an error names the line it is on (even
// when it is written with TOML escapes, or its text also appears on an earlier line).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    #[serde(default)]
    ips: Vec<Spanned<String>>,
    support: Option<String>,
    follow_up_days: Option<Spanned<Vec<u32>>>,
    #[serde(default)]
    from_domains: Vec<Spanned<String>>,
    #[serde(default)]
    envelope_domains: Vec<Spanned<String>>,
    #[serde(default)]
    dkim_selectors: Vec<Spanned<String>>,
}

impl SenderProfile {
    /// Reads a profile file.
    pub fn load(path: &Path) -> Result<SenderProfile> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
        SenderProfile::parse(&text, &file)
    }

    /// Parses profile TOML; `file` labels errors.
    pub fn parse(text: &str, file: &str) -> Result<SenderProfile> {
        let err = |pos: Option<usize>, message: String| Error::Parse {
            file: file.to_string(),
            line: pos.map(|p| line_of(text, p)).unwrap_or(0),
            message,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            err(
                e.span().map(|s| s.start),
                format!(
                    "{} (a sender profile has name, domains, ips, support, follow_up_days, from_domains, envelope_domains, dkim_selectors)",
                    e.message().trim()
                ),
            )
        })?;
        let domain_list = |key: &str, list: &[Spanned<String>]| -> Result<Vec<String>> {
            list.iter()
                .map(|d| {
                    super::list::normalize_domain(d.get_ref()).ok_or_else(|| {
                        err(
                            Some(d.span().start),
                            format!("{key}: {:?} is not a domain name", d.get_ref()),
                        )
                    })
                })
                .collect()
        };
        let domains = domain_list("domains", &raw.domains)?;
        let from_domains = domain_list("from_domains", &raw.from_domains)?;
        let envelope_domains = domain_list("envelope_domains", &raw.envelope_domains)?;
        let mut dkim_selectors = Vec::new();
        for spanned in &raw.dkim_selectors {
            let (s, at) = (spanned.get_ref(), Some(spanned.span().start));
            // A selector is one or more DNS labels (RFC 6376 §3.1), optionally `:domain`.
            let (sel, dom) = match s.split_once(':') {
                Some((sel, dom)) => (sel, Some(dom)),
                None => (s.as_str(), None),
            };
            let sel_ok = !sel.is_empty()
                && sel.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
            let dom = match dom {
                Some(d) => Some(super::list::normalize_domain(d).ok_or_else(|| {
                    err(at, format!("dkim_selectors: {d:?} is not a domain name"))
                })?),
                None => None,
            };
            if !sel_ok {
                return Err(err(
                    at,
                    format!("dkim_selectors: {s:?} is not a selector (e.g. \"s1\" or \"s1:example.com\")"),
                ));
            }
            let sel = sel.to_ascii_lowercase();
            dkim_selectors.push(match dom {
                Some(d) => format!("{sel}:{d}"),
                None => sel,
            });
        }
        let mut ips = Vec::new();
        for s in &raw.ips {
            let net = super::list::parse_net_strict(s.get_ref())
                .map_err(|m| err(Some(s.span().start), format!("ips: {m}")))?;
            ips.push(net);
        }
        let at = raw.follow_up_days.as_ref().map(|d| d.span().start);
        let follow_up_days = raw
            .follow_up_days
            .map(Spanned::into_inner)
            .unwrap_or_else(|| DEFAULT_FOLLOW_UP_DAYS.to_vec());
        if follow_up_days.windows(2).any(|w| w[0] >= w[1]) {
            return Err(err(
                at,
                "follow_up_days must be increasing, e.g. [3, 7, 14]".into(),
            ));
        }
        Ok(SenderProfile {
            name: raw.name,
            domains,
            ips,
            support: raw.support,
            follow_up_days,
            from_domains,
            envelope_domains,
            dkim_selectors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authentication_keys_are_optional_and_normalized() {
        let p = SenderProfile::parse("name = \"V\"\n", "v.toml").unwrap();
        assert!(p.from_domains.is_empty() && p.envelope_domains.is_empty());
        assert!(p.dkim_selectors.is_empty());
        let p = SenderProfile::parse(
            "name = \"V\"\nfrom_domains = [\"Vendor.Example\"]\nenvelope_domains = [\"bounce.vendor.example\"]\ndkim_selectors = [\"S1\", \"s2:mail.vendor.example\"]\n",
            "v.toml",
        )
        .unwrap();
        assert_eq!(p.from_domains, ["vendor.example"]);
        assert_eq!(p.envelope_domains, ["bounce.vendor.example"]);
        assert_eq!(p.dkim_selectors, ["s1", "s2:mail.vendor.example"]);
    }

    #[test]
    fn a_bad_selector_names_the_key() {
        let e = SenderProfile::parse("name = \"V\"\ndkim_selectors = [\"s 1\"]\n", "v.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("dkim_selectors") && e.contains(":2"), "{e}");
    }

    /// Guards the profile's error lines: they were found by searching the text for the bad
    /// value, so a value written with a TOML escape gave line 0 and one whose text appears
    /// earlier (here in `name`) gave that earlier line.
    #[test]
    fn a_bad_value_names_its_own_line() {
        for (text, line) in [
            (
                "name = \"V\"\n\ndomains = [\"ok.example\", \"bad\\u0020domain\"]\n",
                3,
            ),
            ("name = \"a\"\ndomains = [\"a\"]\n", 2),
            ("name = \"10.0.0.1/8\"\n\nips = [\"10.0.0.1/8\"]\n", 3),
            ("name = \"s 1\"\n\n\ndkim_selectors = [\"s 1\"]\n", 4),
            (
                "name = \"V\" # follow_up_days\nfollow_up_days = [7, 3]\n",
                2,
            ),
        ] {
            let e = SenderProfile::parse(text, "v.toml")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("v.toml:{line}:")), "{text:?}: {e}");
        }
    }
}
