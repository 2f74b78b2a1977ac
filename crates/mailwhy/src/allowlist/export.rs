//! Export: the vendor's sending domains and networks from its profile, in the form a gateway
//! takes (a Postfix CIDR map, a plain list, JSON, a Microsoft 365 PowerShell line).

use ipnet::IpNet;
use serde_json::json;

use super::SenderProfile;

/// Export formats for `--export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A Postfix CIDR access map.
    Postfix,
    /// One entry per line.
    Plain,
    /// JSON `{ "domains": [...], "ips": [...] }`.
    Json,
    /// A PowerShell line for the Microsoft 365 connection filter.
    M365,
}

/// The vendor entries the gateway needs, ready to paste.
pub fn export(profile: &SenderProfile, format: ExportFormat) -> String {
    let ips: Vec<String> = profile.ips.iter().map(IpNet::to_string).collect();
    match format {
        ExportFormat::Plain => {
            let mut s = String::new();
            for d in &profile.domains {
                s.push_str(d);
                s.push('\n');
            }
            for i in &ips {
                s.push_str(i);
                s.push('\n');
            }
            s
        }
        ExportFormat::Json => {
            crate::json::to_string_pretty(
                &json!({ "vendor": profile.name, "domains": profile.domains, "ips": ips }),
            )
            .expect("strings serialize")
                + "\n"
        }
        ExportFormat::Postfix => {
            let mut s = format!(
                "# Postfix CIDR access map: the sending networks of {name}.\n# Save as /etc/postfix/{file}.cidr and use it in main.cf:\n#   smtpd_client_restrictions = check_client_access cidr:/etc/postfix/{file}.cidr, ...\n",
                name = profile.name,
                file = profile.name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            );
            for n in &profile.ips {
                s.push_str(&format!("{n}\tOK\n"));
            }
            s.push_str("# Sender domains (check_sender_access; the envelope sender can be forged, so pair it with SPF/DMARC checks):\n");
            for d in &profile.domains {
                s.push_str(&format!("# {d}\tOK\n"));
            }
            s
        }
        ExportFormat::M365 => {
            let v4: Vec<String> = profile
                .ips
                .iter()
                .filter(|n| matches!(n, IpNet::V4(_)))
                .map(|n| format!("\"{n}\""))
                .collect();
            let mut s = format!(
                "# Microsoft 365 connection filter (IPv4 only; CIDR /24 to /32): the sending IPs of {}\nSet-HostedConnectionFilterPolicy -Identity Default -IPAllowList @{{Add={}}}\n",
                profile.name,
                v4.join(",")
            );
            if v4.len() < profile.ips.len() {
                s.push_str("# IPv6 networks cannot go on the connection filter; use a mail flow rule instead.\n");
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::tests::procore;

    #[test]
    fn exports() {
        let p = procore();
        assert!(export(&p, ExportFormat::Postfix).contains("137.22.225.98/32\tOK"));
        assert!(export(&p, ExportFormat::M365).contains("Set-HostedConnectionFilterPolicy"));
        let j: serde_json::Value = serde_json::from_str(&export(&p, ExportFormat::Json)).unwrap();
        assert_eq!(j["ips"].as_array().unwrap().len(), 8);
    }
}
