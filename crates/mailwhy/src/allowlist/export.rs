//! Export: the vendor's sending domains and networks from its profile, in the form a gateway
//! takes (a Postfix CIDR map, a plain list, JSON, a Microsoft 365 PowerShell line).

use ipnet::IpNet;
use serde_json::json;

use super::index::Index;
use super::list::Allowlist;
use super::{shared_service, SenderProfile};

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

/// What to export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// Also export the vendor's entries on shared sending infrastructure (a domain of a
    /// service every other sender also uses), which the audit warns against.
    pub include_shared: bool,
}

/// An entry of the vendor's profile left out of an export because it admits a shared service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// The entry.
    pub entry: String,
    /// The shared service it belongs to.
    pub service: &'static str,
}

/// An export: the text to paste, and what was not put in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The entries in the chosen format.
    pub text: String,
    /// Entries left out as shared infrastructure (say so to the reader).
    pub left_out: Vec<LeftOut>,
    /// Entries of the profile the given allowlist already admits (not exported).
    pub already_listed: usize,
}

/// The vendor entries the gateway needs, ready to paste: with `list`, only what it does not
/// admit yet; without `options.include_shared`, never an entry on shared infrastructure (the
/// audit's `allowlist.shared-infrastructure`), which is listed in [`Export::left_out`] and, for
/// the formats that take comments, in a comment.
pub fn export(
    profile: &SenderProfile,
    list: Option<&Allowlist>,
    format: ExportFormat,
    options: ExportOptions,
) -> Export {
    let ix = list.map(|l| Index::new(&l.entries));
    let mut left_out = Vec::new();
    let mut already_listed = 0;
    let mut domains = Vec::new();
    for d in &profile.domains {
        if ix.as_ref().is_some_and(|ix| ix.match_domain(d).is_some()) {
            already_listed += 1;
        } else if let Some((_, service)) = shared_service(d).filter(|_| !options.include_shared) {
            left_out.push(LeftOut {
                entry: d.clone(),
                service,
            });
        } else {
            domains.push(d.clone());
        }
    }
    let mut nets = Vec::new();
    for n in &profile.ips {
        if ix.as_ref().is_some_and(|ix| ix.coverage(n).fully) {
            already_listed += 1;
        } else {
            nets.push(*n);
        }
    }
    let text = render(&profile.name, &domains, &nets, &left_out, format);
    Export {
        text,
        left_out,
        already_listed,
    }
}

/// The comment lines naming what was left out.
fn left_out_comment(left_out: &[LeftOut]) -> String {
    left_out
        .iter()
        .map(|l| {
            format!(
                "# Left out: {} is shared sending infrastructure ({}): it would admit every other sender of that service (--include-shared exports it).\n",
                l.entry, l.service
            )
        })
        .collect()
}

fn render(
    name: &str,
    domains: &[String],
    nets: &[IpNet],
    left_out: &[LeftOut],
    format: ExportFormat,
) -> String {
    let ips: Vec<String> = nets.iter().map(IpNet::to_string).collect();
    match format {
        // A plain list is read by gateways that may not take comments: what was left out is
        // said by the caller (on stderr), not in the list.
        ExportFormat::Plain => {
            let mut s = String::new();
            for d in domains {
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
            crate::json::to_string_pretty(&json!({
                "vendor": name,
                "domains": domains,
                "ips": ips,
                "left_out": left_out,
            }))
            .expect("strings serialize")
                + "\n"
        }
        ExportFormat::Postfix => {
            let mut s = format!(
                "# Postfix CIDR access map: the sending networks of {name}.\n# Save as /etc/postfix/{file}.cidr and use it in main.cf:\n#   smtpd_client_restrictions = check_client_access cidr:/etc/postfix/{file}.cidr, ...\n",
                file = name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            );
            for n in nets {
                s.push_str(&format!("{n}\tOK\n"));
            }
            if !domains.is_empty() {
                s.push_str("# Sender domains (check_sender_access; the envelope sender can be forged, so pair it with SPF/DMARC checks):\n");
            }
            for d in domains {
                s.push_str(&format!("# {d}\tOK\n"));
            }
            s.push_str(&left_out_comment(left_out));
            s
        }
        ExportFormat::M365 => {
            let v4: Vec<String> = nets
                .iter()
                .filter(|n| matches!(n, IpNet::V4(_)))
                .map(|n| format!("\"{n}\""))
                .collect();
            let mut s = if v4.is_empty() {
                format!(
                    "# Microsoft 365 connection filter: no IPv4 sending network of {name} to add\n"
                )
            } else {
                format!(
                    "# Microsoft 365 connection filter (IPv4 only; CIDR /24 to /32): the sending IPs of {name}\nSet-HostedConnectionFilterPolicy -Identity Default -IPAllowList @{{Add={}}}\n",
                    v4.join(",")
                )
            };
            if v4.len() < nets.len() {
                s.push_str("# IPv6 networks cannot go on the connection filter; use a mail flow rule instead.\n");
            }
            s.push_str(&left_out_comment(left_out));
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::tests::procore;
    use crate::allowlist::ListFormat;

    fn all(format: ExportFormat) -> Export {
        export(&procore(), None, format, ExportOptions::default())
    }

    #[test]
    fn exports() {
        assert!(all(ExportFormat::Postfix)
            .text
            .contains("137.22.225.98/32\tOK"));
        assert!(all(ExportFormat::M365)
            .text
            .contains("Set-HostedConnectionFilterPolicy"));
        let j: serde_json::Value = serde_json::from_str(&all(ExportFormat::Json).text).unwrap();
        assert_eq!(j["ips"].as_array().unwrap().len(), 8);
    }

    /// The audit warns against fastly.net and smtp.sendgrid.net: an export leaves them out,
    /// and says so, unless asked for them.
    #[test]
    fn shared_infrastructure_is_left_out_and_said_unless_asked_for() {
        let e = all(ExportFormat::Plain);
        let left: Vec<&str> = e.left_out.iter().map(|l| l.entry.as_str()).collect();
        assert_eq!(left, ["fastly.net", "smtp.sendgrid.net"]);
        assert!(
            !e.text.contains("fastly.net") && !e.text.contains("sendgrid"),
            "{}",
            e.text
        );
        let p = all(ExportFormat::Postfix).text;
        assert!(p.contains("# Left out: fastly.net is shared"), "{p}");
        let j: serde_json::Value = serde_json::from_str(&all(ExportFormat::Json).text).unwrap();
        assert_eq!(j["left_out"][0]["entry"], "fastly.net");
        let with = export(
            &procore(),
            None,
            ExportFormat::Plain,
            ExportOptions {
                include_shared: true,
            },
        );
        assert!(with.text.contains("fastly.net\n") && with.left_out.is_empty());
    }

    /// Given the gateway's list, only what it lacks.
    #[test]
    fn with_the_gateway_list_only_what_it_lacks() {
        let list = Allowlist::parse(
            "procore.com\n*.procore.com\n137.22.225.98\n137.22.227.19\n",
            "gw.txt",
            &ListFormat::Plain,
        )
        .unwrap();
        let e = export(
            &procore(),
            Some(&list),
            ExportFormat::Plain,
            ExportOptions::default(),
        );
        let lines: Vec<&str> = e.text.lines().collect();
        assert!(!lines.contains(&"procore.com"), "{lines:?}");
        assert!(!lines.contains(&"click.procore.com"), "{lines:?}");
        assert!(!lines.contains(&"137.22.225.98/32"), "{lines:?}");
        assert!(lines.contains(&"137.22.228.37/32"), "{lines:?}");
        assert!(lines.contains(&"procoretech.com"), "{lines:?}");
        assert_eq!(e.already_listed, 8, "{lines:?}");
    }
}
