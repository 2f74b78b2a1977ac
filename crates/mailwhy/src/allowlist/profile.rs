//! Sender profiles: a vendor's published sending infrastructure (TOML), as the vendor's
//! help-center allowlist article lists it: domains, IPs or networks, a support contact and the
//! invitation reminder schedule.

use std::path::Path;

use ipnet::IpNet;
use serde::Deserialize;

use crate::error::{line_of, Error, Result};

/// The reminder schedule when a profile does not give one: 3, 7 and 14 days after the invitation.
pub const DEFAULT_FOLLOW_UP_DAYS: [u32; 3] = [3, 7, 14];

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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    #[serde(default)]
    domains: Vec<String>,
    #[serde(default)]
    ips: Vec<String>,
    support: Option<String>,
    follow_up_days: Option<Vec<u32>>,
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
                    "{} (a sender profile has name, domains, ips, support, follow_up_days)",
                    e.message().trim()
                ),
            )
        })?;
        let mut domains = Vec::new();
        for d in &raw.domains {
            let norm = super::list::normalize_domain(d)
                .ok_or_else(|| err(text.find(d.as_str()), format!("{d:?} is not a domain name")))?;
            domains.push(norm);
        }
        let mut ips = Vec::new();
        for s in &raw.ips {
            let net = super::list::parse_net_strict(s)
                .map_err(|m| err(text.find(s.as_str()), format!("ips: {m}")))?;
            ips.push(net);
        }
        let follow_up_days = raw
            .follow_up_days
            .unwrap_or_else(|| DEFAULT_FOLLOW_UP_DAYS.to_vec());
        if follow_up_days.windows(2).any(|w| w[0] >= w[1]) {
            return Err(err(
                text.find("follow_up_days"),
                "follow_up_days must be increasing, e.g. [3, 7, 14]".into(),
            ));
        }
        Ok(SenderProfile {
            name: raw.name,
            domains,
            ips,
            support: raw.support,
            follow_up_days,
        })
    }
}
