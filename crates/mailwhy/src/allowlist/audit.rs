//! The audit: a gateway's allowlist against what the vendor's sender profile publishes. Does the
//! gateway admit everything the vendor sends from (`allowlist.domain-missing`,
//! `allowlist.ip-missing`), and nothing more (`allowlist.overbroad-entry`,
//! `allowlist.shared-infrastructure`, `allowlist.stale-entry`)? Unusable lines become
//! `allowlist.invalid-entry` / `allowlist.host-bits-set`, and `allowlist.gateway-in-front` says
//! where the list has to be kept when a filtering service sits in front of the mailboxes.
//!
//! No DNS here: comparing the profile with the vendor's SPF is [`super::spf_drift`]'s job.

use serde_json::json;

use crate::check::CheckOutcome;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};

use super::{
    index, shared_service, Allowlist, Entry, EntryKind, Index, SenderProfile, SHARED_SERVICES,
};

/// Thresholds of the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// An IPv4 entry this wide or wider (prefix length at most this) is always overbroad.
    pub max_prefix_v4: u8,
    /// An IPv6 entry this wide or wider is always overbroad.
    pub max_prefix_v6: u8,
    /// An entry admitting more than this many times the vendor addresses it covers is overbroad.
    pub overbroad_factor: u128,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            max_prefix_v4: 8,
            max_prefix_v6: 32,
            overbroad_factor: 256,
        }
    }
}

fn entry_shared(kind: &EntryKind) -> Option<(&'static str, &'static str)> {
    match kind {
        EntryKind::Domain(d) => shared_service(d),
        EntryKind::Subdomains(p) => shared_service(p).or_else(|| {
            // `*.net` admits sendgrid.net too.
            SHARED_SERVICES
                .iter()
                .find(|(s, _)| s.ends_with(&format!(".{p}")))
                .copied()
        }),
        _ => None,
    }
}

fn size_of(is_v4: bool, s: u128, e: u128) -> u128 {
    let _ = is_v4;
    (e - s).saturating_add(1)
}

fn entry_interval(kind: &EntryKind) -> Option<(bool, u128, u128)> {
    match kind {
        EntryKind::Net(n) => Some(index::interval(n)),
        EntryKind::Range(a, b) => {
            let (f, s) = index::ip_key(*a);
            let (_, e) = index::ip_key(*b);
            Some((f, s, e))
        }
        _ => None,
    }
}

/// Where a mail admin adds allowlist entries; `None` gives the generic advice. Keyed by the
/// provider names the routing module detects.
pub fn where_to_add(provider: Option<&str>) -> &'static str {
    match provider.map(|p| p.to_ascii_lowercase()) {
        Some(p) if p.contains("microsoft") => "In Microsoft 365 Defender: Email & collaboration > Policies > Anti-spam > Connection filter policy (IP Allow List, IPv4 only), and for the sending domains an Exchange mail flow rule that sets the spam confidence level to -1 when the sender domain matches and DMARC passes.",
        Some(p) if p.contains("google") => "In the Google Admin console: Apps > Google Workspace > Gmail > Spam, Phishing and Malware > Email allowlist (IP addresses), and an approved-senders list for the domains in the Spam setting.",
        Some(p) if p.contains("proofpoint") => "In Proofpoint Essentials/Protection Server: Security Settings > Sender Lists > Safe Senders (domains) and the IP allow list of the inbound policy.",
        Some(p) if p.contains("mimecast") => "In the Mimecast Administration Console: Policies > Gateway Policies > Permitted Senders (domains and IP ranges).",
        Some(p) if p.contains("barracuda") => "In the Barracuda Email Security Service: Inbound Settings > IP Address Policies (exempt) and Sender Policies (exempt domains).",
        Some(p) if p.contains("cisco") => "In Cisco Secure Email (IronPort): Mail Policies > HAT Overview > ALLOWED_LIST sender group (IPs and domains).",
        _ => "In the mail gateway's inbound allowlist (IP allow list and approved sender domains); with Postfix, a check_client_access CIDR map (see --export postfix).",
    }
}

/// What a gateway does with a CIDR entry that has host bits set (`167.89.22.86/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HostBits {
    /// Postfix's cidr tables skip the rule ("non-null host address bits ... skipping this
    /// rule", cidr_table(5)): the vendor's IPs in it are not admitted.
    Skipped,
    /// The hosted gateways and mailbox providers mailwhy knows read it as the network: the
    /// vendor's IPs are admitted, with every other address of the network.
    Widened,
    /// The gateway is not known: either may happen.
    Unknown,
}

/// How the gateway that holds the list treats host bits, from the recipient's provider (what
/// the audit knows of the gateway); a batch audits without one.
fn host_bits_effect(provider: Option<&str>) -> HostBits {
    match provider.map(|p| p.to_ascii_lowercase()) {
        Some(p) if p.contains("postfix") => HostBits::Skipped,
        Some(_) => HostBits::Widened,
        None => HostBits::Unknown,
    }
}

/// The finding detail's sentence on what the gateway does with `entry` (host bits set; `meant`
/// is the network it probably means), and the severity that follows: an error where the rule may
/// be skipped (the vendor's IPs are then not admitted), a warning where it is widened.
fn host_bits_words(provider: Option<&str>, entry: &str, meant: &str) -> (Severity, String) {
    match host_bits_effect(provider) {
        HostBits::Skipped => (
            Severity::Error,
            format!("Postfix (cidr tables) skips the rule {entry}, so the vendor's IPs in it are not admitted."),
        ),
        HostBits::Widened => (
            Severity::Warning,
            format!(
                "{} reads it as {meant}: the vendor's IPs in it are admitted, with every other address of that network.",
                provider.unwrap_or("the gateway")
            ),
        ),
        HostBits::Unknown => (
            Severity::Error,
            format!("Postfix (cidr tables) skips such a rule, so the vendor's IPs in it are not admitted there; other gateways widen it to {meant}, admitting every address of that network."),
        ),
    }
}

/// Audits `list` against what `profile` publishes. Synchronous: no DNS (SPF drift is a separate
/// check).
pub fn audit(
    profile: &SenderProfile,
    list: &Allowlist,
    opts: &AuditOptions,
    provider: Option<&str>,
) -> CheckOutcome {
    let mut c = CheckOutcome::start("allowlist");
    let ix = Index::new(&list.entries);
    let where_ = where_to_add(provider);

    for bad in &list.invalid {
        let host_bits = bad.reason.contains("host bits");
        let id = if host_bits {
            FindingId::AllowlistHostBitsSet
        } else {
            FindingId::AllowlistInvalidEntry
        };
        let remedy = match &bad.suggestion {
            Some(s) => {
                format!(
                    "Replace {} (line {}) with {s}, after checking that this network is what was meant.",
                    bad.text, bad.line
                )
            }
            None => {
                "Correct the line or remove it; until then the gateway may refuse or ignore it."
                    .to_string()
            }
        };
        let mut detail = format!("{} line {}: {}", list.file, bad.line, bad.reason);
        let mut severity = id.kind().severity;
        if host_bits {
            let meant = bad.suggestion.as_deref().unwrap_or("the network");
            let (sev, words) = host_bits_words(provider, &bad.text, meant);
            severity = sev;
            detail = format!("{detail}. {words}");
        }
        c.push(
            Finding::new(id, detail).with_remedy(remedy)
                .with_severity(severity)
                .with_evidence(json!({ "file": list.file, "line": bad.line, "entry": bad.text, "suggestion": bad.suggestion })),
        );
    }

    let missing_domains: Vec<&String> = profile
        .domains
        .iter()
        .filter(|d| ix.match_domain(d).is_none())
        .collect();
    if !missing_domains.is_empty() {
        let shared: Vec<String> = missing_domains
            .iter()
            .filter_map(|d| shared_service(d).map(|(_, s)| format!("{d} ({s})")))
            .collect();
        let mut remedy = format!(
            "Add {} to the allowlist. {where_}",
            missing_domains
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !shared.is_empty() {
            remedy.push_str(&format!(
                " Note: {} {} shared sending infrastructure; allowlisting it admits every other customer of that service, so prefer the vendor's own IPs or a rule that also requires DKIM/DMARC to pass.",
                shared.join(", "),
                if shared.len() == 1 { "is" } else { "are" }
            ));
        }
        c.push(
            Finding::new(
                FindingId::AllowlistDomainMissing,
                format!(
                    "{} of {} sending domains of {} are not on the allowlist: {}.",
                    missing_domains.len(),
                    profile.domains.len(),
                    profile.name,
                    missing_domains
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_remedy(remedy)
            .with_evidence(json!({ "missing": missing_domains, "vendor": profile.name })),
        );
    }

    let mut missing_ips = Vec::new();
    let mut partial = Vec::new();
    for net in &profile.ips {
        let cov = ix.coverage(net);
        if !cov.fully {
            if cov.entries.is_empty() {
                missing_ips.push(net.to_string());
            } else {
                partial.push(net.to_string());
            }
        }
    }
    if !missing_ips.is_empty() || !partial.is_empty() {
        let all: Vec<&String> = missing_ips.iter().chain(partial.iter()).collect();
        c.push(
            Finding::new(FindingId::AllowlistIpMissing,
                format!(
                    "{} of {} sending addresses of {} are not (fully) admitted: {}{}.",
                    all.len(),
                    profile.ips.len(),
                    profile.name,
                    all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    if partial.is_empty() { String::new() } else { format!(" (partly covered: {})", partial.join(", ")) }
                )).with_remedy(format!(
                    "Add {}'s sending addresses {} to the IP allowlist. {where_}",
                    profile.name,
                    all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ))
            .with_evidence(json!({ "missing": missing_ips, "partly_covered": partial, "vendor": profile.name })),
        );
    }

    // Which entries admit something the vendor publishes, and how much.
    let vendor_entries: Vec<Entry> = profile
        .ips
        .iter()
        .map(|n| Entry {
            line: 0,
            text: n.to_string(),
            kind: EntryKind::Net(*n),
        })
        .collect();
    let vendor_ix = Index::new(&vendor_entries);
    let mut stale = Vec::new();
    for e in &list.entries {
        if let Some((svc_domain, svc)) = entry_shared(&e.kind) {
            // When the vendor's own article asks for this entry, it is context for the admin
            // (a trade-off the vendor chose), not a mistake of the gateway's.
            // Only an exact entry for a domain the vendor lists; `*.sendgrid.net` admits far more
            // than the vendor's `smtp.sendgrid.net`.
            let vendor_asks =
                matches!(&e.kind, EntryKind::Domain(d) if profile.domains.contains(d));
            c.push(
                Finding::new(FindingId::AllowlistSharedInfrastructure,
                    format!(
                        "{} line {}: {} admits {} ({svc}), a service many senders share{}.",
                        list.file,
                        e.line,
                        e.text,
                        svc_domain,
                        if vendor_asks { format!("; {} lists it among its sending domains", profile.name) } else { String::new() }
                    )).with_remedy(format!("Every customer of {svc} can now reach your users unfiltered. Replace the entry {} (line {}) with {}'s own sending IPs, or a rule that also requires DKIM (d={}) or DMARC to pass.", e.text, e.line, profile.name, profile.domains.first().map(String::as_str).unwrap_or("the vendor's domain")))
                .with_severity(if vendor_asks { Severity::Info } else { Severity::Warning })
                .with_evidence(json!({ "file": list.file, "line": e.line, "entry": e.text, "service": svc, "vendor_lists_it": vendor_asks })),
            );
        }
        match (&e.kind, entry_interval(&e.kind)) {
            (_, Some((is_v4, s, end))) => {
                let size = size_of(is_v4, s, end);
                let cov = vendor_ix.coverage_interval(is_v4, s, end);
                let vendor_covered: u128 = cov
                    .entries
                    .iter()
                    .map(|&i| {
                        let (_, vs, ve) = index::interval(&profile.ips[i]);
                        size_of(is_v4, vs.max(s), ve.min(end))
                    })
                    .sum();
                let prefix = match e.kind {
                    EntryKind::Net(n) => Some(n.prefix_len()),
                    _ => None,
                };
                let very_wide = prefix.is_some_and(|p| {
                    if is_v4 {
                        p <= opts.max_prefix_v4
                    } else {
                        p <= opts.max_prefix_v6
                    }
                }) || (is_v4
                    && size > 1u128 << (32 - u32::from(opts.max_prefix_v4)))
                    || (!is_v4 && size > 1u128 << (128 - u32::from(opts.max_prefix_v6)));
                let far_wider = vendor_covered > 0
                    && size > vendor_covered.saturating_mul(opts.overbroad_factor);
                if very_wide || far_wider {
                    let everything =
                        size == 1u128 << 32 && is_v4 || (!is_v4 && s == 0 && end == u128::MAX);
                    c.push(
                        Finding::new(FindingId::AllowlistOverbroadEntry,
                            if everything {
                                format!("{} line {}: {} admits every address on the Internet.", list.file, e.line, e.text)
                            } else {
                                format!(
                                    "{} line {}: {} admits {size} addresses{}.",
                                    list.file,
                                    e.line,
                                    e.text,
                                    if vendor_covered > 0 { format!(" for {vendor_covered} that {} sends from", profile.name) } else { String::new() }
                                )
                            })
                        .with_severity(if everything { Severity::Error } else { Severity::Warning })
                        .with_evidence(json!({ "file": list.file, "line": e.line, "entry": e.text, "addresses": size.to_string(), "vendor_addresses_covered": vendor_covered.to_string() })),
                    );
                }
                if cov.entries.is_empty() {
                    stale.push(e);
                }
            }
            (EntryKind::Domain(_) | EntryKind::Subdomains(_), None) => {
                let admits_vendor = profile.domains.iter().any(|d| {
                    Index::new(std::slice::from_ref(e))
                        .match_domain(d)
                        .is_some()
                });
                if !admits_vendor {
                    stale.push(e);
                }
            }
            _ => {}
        }
    }
    if !stale.is_empty() {
        c.push(
            Finding::new(FindingId::AllowlistStaleEntry,
                format!(
                    "{} entr{} nothing {} publishes today: {}.",
                    stale.len(),
                    if stale.len() == 1 { "y matches" } else { "ies match" },
                    profile.name,
                    stale.iter().take(20).map(|e| format!("{} (line {})", e.text, e.line)).collect::<Vec<_>>().join(", ")
                )).with_remedy(format!(
                    "If {} {} added for {} (not for another sender), remove {}: a stale entry admits whoever holds that address or domain now.",
                    stale.iter().take(20).map(|e| format!("{} (line {})", e.text, e.line)).collect::<Vec<_>>().join(", "),
                    if stale.len() == 1 { "was" } else { "were" },
                    profile.name,
                    if stale.len() == 1 { "it" } else { "them" },
                ))
            .with_evidence(json!({ "entries": stale.iter().map(|e| json!({"line": e.line, "entry": e.text})).collect::<Vec<_>>() })),
        );
    }
    c.done(format!(
        "{} entries ({} unusable) against {} domains and {} networks of {}",
        list.entries.len(),
        list.invalid.len(),
        profile.domains.len(),
        profile.ips.len(),
        profile.name
    ))
}

/// `allowlist.gateway-in-front`: when the recipient's MX is a filtering service, an allowlist
/// kept in the mailbox provider behind it sees the filter's IPs.
pub fn gateway_in_front(
    domain: &str,
    providers: &[&crate::routing::providers::Provider],
) -> Option<Finding> {
    let gw = providers
        .iter()
        .find(|p| p.kind == crate::routing::providers::ProviderKind::Gateway)?;
    Some(
        Finding::new(FindingId::AllowlistGatewayInFront,
            format!("Mail for {domain} first reaches {} (its MX), which filters it before the mailboxes.", gw.name)).with_remedy(format!(
                "Put the vendor's entries in {}'s allowlist. An allowlist in the mailbox provider behind it sees {}'s IPs, not the vendor's, so vendor IP entries there never match.",
                gw.name, gw.name
            ))
        .with_evidence(json!({ "domain": domain, "gateway": gw.id })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allowlist::tests::procore;
    use crate::allowlist::{export, ExportFormat, ExportOptions, ListFormat};

    fn ids(c: &CheckOutcome) -> Vec<&str> {
        c.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn a_complete_list_audits_cleanly() {
        let p = procore();
        let text = export(
            &p,
            None,
            ExportFormat::Plain,
            ExportOptions {
                include_shared: true,
            },
        )
        .text;
        let l = Allowlist::parse(&text, "full.txt", &ListFormat::Plain).unwrap();
        let c = audit(&p, &l, &AuditOptions::default(), None);
        // Only the warnings about the shared services the vendor itself lists remain.
        assert!(
            ids(&c)
                .iter()
                .all(|i| *i == "allowlist.shared-infrastructure"),
            "{:?}",
            ids(&c)
        );
        assert_eq!(ids(&c).len(), 2);
    }

    #[test]
    fn a_partial_list_shows_every_gap() {
        let p = procore();
        let l = Allowlist::parse("procore.com\n137.22.225.98\n0.0.0.0/0\n10.0.0.1/8\n137.22.0.0/16\nold-vendor.example\n", "gw.txt", &ListFormat::Plain).unwrap();
        let c = audit(&p, &l, &AuditOptions::default(), None);
        let f = |id: &str| {
            c.findings
                .iter()
                .find(|f| f.id == id)
                .unwrap_or_else(|| panic!("{id}: {:?}", ids(&c)))
        };
        assert_eq!(
            f("allowlist.domain-missing").evidence["missing"]
                .as_array()
                .unwrap()
                .len(),
            10
        );
        // 0.0.0.0/0 admits all; the check still reports host bits and the /16's width.
        assert!(f("allowlist.host-bits-set").detail.contains("line 4"));
        let over: Vec<_> = c
            .findings
            .iter()
            .filter(|f| f.id == FindingId::AllowlistOverbroadEntry)
            .collect();
        assert_eq!(over.len(), 2, "{over:?}");
        assert_eq!(over[0].severity, Severity::Error);
        assert!(f("allowlist.stale-entry")
            .detail
            .contains("old-vendor.example"));
        // 0.0.0.0/0 admits every IP, so none is missing.
        assert!(!ids(&c).contains(&"allowlist.ip-missing"));
    }

    /// Issue #16: Postfix skips a CIDR rule with host bits set (the vendor IP is not admitted:
    /// an error); the hosted gateways widen it (admitted: a warning); unknown says both.
    #[test]
    fn host_bits_are_judged_by_what_the_gateway_does_with_them() {
        let p = procore();
        let l = Allowlist::parse("167.89.22.86/16\n", "gw.txt", &ListFormat::Plain).unwrap();
        let host_bits = |provider: Option<&str>| {
            audit(&p, &l, &AuditOptions::default(), provider)
                .findings
                .into_iter()
                .find(|f| f.id == FindingId::AllowlistHostBitsSet)
                .expect("host bits finding")
        };
        let google = host_bits(Some("Google Workspace / Gmail"));
        assert_eq!(google.severity, Severity::Warning);
        assert!(
            google.detail.contains("reads it as 167.89.0.0/16"),
            "{}",
            google.detail
        );
        let unknown = host_bits(None);
        assert_eq!(unknown.severity, Severity::Error);
        assert!(
            unknown
                .detail
                .contains("Postfix (cidr tables) skips such a rule")
                && unknown
                    .detail
                    .contains("other gateways widen it to 167.89.0.0/16"),
            "{}",
            unknown.detail
        );
        let postfix = host_bits(Some("Postfix"));
        assert_eq!(postfix.severity, Severity::Error);
        assert!(
            postfix.detail.contains("not admitted"),
            "{}",
            postfix.detail
        );
    }

    #[test]
    fn missing_ips_are_listed() {
        let p = procore();
        let l = Allowlist::parse(
            "137.22.225.98\n167.89.0.0/17\n",
            "gw.txt",
            &ListFormat::Plain,
        )
        .unwrap();
        let c = audit(&p, &l, &AuditOptions::default(), Some("Microsoft 365"));
        let f = c
            .findings
            .iter()
            .find(|f| f.id == FindingId::AllowlistIpMissing)
            .unwrap();
        assert_eq!(f.evidence["missing"].as_array().unwrap().len(), 3);
        assert!(f.remedy.contains("Connection filter"));
    }
}
