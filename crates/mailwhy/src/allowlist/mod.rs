//! Sender profiles and gateway allowlists: parse them, match addresses and domains against the
//! list, audit the list against what the vendor publishes, and export what the gateway needs.
//!
//! The audit answers a mail admin's two questions: does my gateway admit everything this vendor
//! sends from (`allowlist.domain-missing`, `allowlist.ip-missing`), and nothing more
//! (`allowlist.overbroad-entry`, `allowlist.shared-infrastructure`, `allowlist.stale-entry`)?
//! Lines that do not parse are findings too (`allowlist.invalid-entry`,
//! `allowlist.host-bits-set`), and the rest of the list is still used. The semantics of each
//! entry form are documented in [`list`]; matching is in [`index`].

pub mod index;
pub mod list;
pub mod profile;

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::json;

use crate::check::CheckOutcome;
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
pub use index::{Coverage, Index};
pub use list::{Allowlist, Entry, EntryKind, InvalidLine, ListFormat};
pub use profile::SenderProfile;

/// Shared sending services and CDNs: an entry admitting one of these admits every other tenant
/// of the service, not just the vendor. (domain, service)
pub const SHARED_SERVICES: &[(&str, &str)] = &[
    ("sendgrid.net", "Twilio SendGrid"),
    ("sendgrid.com", "Twilio SendGrid"),
    ("amazonses.com", "Amazon SES"),
    ("mailgun.org", "Mailgun"),
    ("mailgun.net", "Mailgun"),
    ("sparkpostmail.com", "SparkPost"),
    ("mandrillapp.com", "Mailchimp Transactional (Mandrill)"),
    ("mcsv.net", "Mailchimp"),
    ("mcdlv.net", "Mailchimp"),
    ("rsgsv.net", "Mailchimp"),
    ("fastly.net", "Fastly CDN"),
    ("cloudfront.net", "Amazon CloudFront"),
    ("postmarkapp.com", "Postmark"),
    ("mtasv.net", "Postmark"),
    ("sendinblue.com", "Brevo (Sendinblue)"),
    ("brevo.com", "Brevo"),
    ("mailjet.com", "Mailjet"),
    ("elasticemail.com", "Elastic Email"),
    ("smtp2go.com", "SMTP2GO"),
    ("exacttarget.com", "Salesforce Marketing Cloud"),
    (
        "outbound.protection.outlook.com",
        "Microsoft 365 (every tenant)",
    ),
    ("_spf.google.com", "Google Workspace (every tenant)"),
    ("googlemail.com", "Gmail"),
    ("gmail.com", "Gmail"),
];

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

/// The shared service a domain belongs to, if any.
pub fn shared_service(domain: &str) -> Option<(&'static str, &'static str)> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    SHARED_SERVICES
        .iter()
        .find(|(s, _)| d == *s || d.ends_with(&format!(".{s}")))
        .copied()
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
        c.push(
            Finding::new(id, format!("{} line {}: {}", list.file, bad.line, bad.reason)).with_remedy(remedy)
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
                )).with_remedy(format!("Add these addresses to the IP allowlist. {where_}"))
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
                    )).with_remedy(format!("Every customer of {svc} can now reach your users unfiltered. Replace the entry with the vendor's own sending IPs, or a rule that also requires DKIM (d={}) or DMARC to pass.", profile.domains.first().map(String::as_str).unwrap_or("the vendor's domain")))
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
                            }).with_remedy("Replace it with the vendor's exact addresses (mailwhy allowlist --export plain lists them).")
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
                )).with_remedy(format!("If these were added for {} (not for another sender), remove them: a stale entry admits whoever holds that address or domain now.", profile.name))
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
            serde_json::to_string_pretty(
                &json!({ "vendor": profile.name, "domains": profile.domains, "ips": ips }),
            )
            .expect("json")
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

/// [`spf_drift`] remembered until the first DNS answer it used expires. The comparison is the
/// same for every recipient (it is about the vendor), so a long-running diagnoser runs it once
/// per record TTL instead of once per request, and never longer than the DNS cache would keep
/// the answers it rests on.
#[derive(Debug, Default)]
pub struct SpfDriftMemo(std::sync::Mutex<Option<(std::time::Instant, CheckOutcome)>>);

impl SpfDriftMemo {
    /// The remembered outcome while its answers are fresh, else [`spf_drift`] again.
    pub async fn get(&self, ctx: &crate::check::Context, profile: &SenderProfile) -> CheckOutcome {
        if let Some((expires, outcome)) = &*self.0.lock().expect("spf drift memo lock") {
            if std::time::Instant::now() < *expires {
                return outcome.clone();
            }
        }
        let (dns, watch) = ctx.dns.watched();
        let watched = crate::check::Context { dns, now: ctx.now };
        let outcome = spf_drift(&watched, profile).await;
        if let Some(expires) = watch.earliest() {
            *self.0.lock().expect("spf drift memo lock") = Some((expires, outcome.clone()));
        }
        outcome
    }
}

/// `allowlist.spf-drift`: the vendor's published IPs against what its domains' SPF records
/// authorize, both directions. IPs the profile lists that no vendor domain's SPF passes are
/// "listed but not authorized" (mail from them fails SPF at the recipient); networks the vendor's
/// own SPF authorizes that the profile does not list are "authorized but not listed" (mail from
/// them is refused by a gateway that follows the profile). Shared services the vendor names
/// (fastly.net, smtp.sendgrid.net ...) are left out of the second direction: their SPF
/// authorizes every tenant.
pub async fn spf_drift(ctx: &crate::check::Context, profile: &SenderProfile) -> CheckOutcome {
    use crate::spf::{self, Verdict as SpfVerdict};
    let mut c = CheckOutcome::start("spf-drift");
    let own: Vec<&String> = profile
        .domains
        .iter()
        .filter(|d| shared_service(d).is_none())
        .collect();
    // Which own domains publish SPF at all (one probe per domain, answered from the cache later).
    let probes = futures::future::join_all(own.iter().map(|d| async move {
        let r = spf::check_host(
            ctx,
            "192.0.2.1".parse().expect("ip"),
            d,
            &format!("postmaster@{d}"),
            d,
        )
        .await;
        (d.as_str(), r)
    }))
    .await;
    let mut with_spf = Vec::new();
    for (d, r) in &probes {
        match r.result {
            SpfVerdict::None => {}
            SpfVerdict::TempError => {
                c.inconclusive(format!("the SPF record of {d} could not be looked up"))
            }
            _ => with_spf.push(*d),
        }
    }
    if with_spf.is_empty() {
        return c.done(format!(
            "none of {}'s own domains publishes SPF",
            profile.name
        ));
    }
    // Direction 1: each listed IP must pass SPF for at least one own domain.
    let mut listed_not_authorized = Vec::new();
    for net in &profile.ips {
        let ip = net.network();
        let results = futures::future::join_all(with_spf.iter().map(|d| async move {
            spf::check_host(ctx, ip, d, &format!("postmaster@{d}"), d)
                .await
                .result
        }))
        .await;
        if results.contains(&SpfVerdict::TempError) {
            c.inconclusive(format!(
                "SPF evaluation for {ip} hit a temporary DNS failure"
            ));
        } else if !results.contains(&SpfVerdict::Pass) {
            listed_not_authorized.push(net.to_string());
        }
    }
    // Direction 2: what the own domains' SPF authorizes, against the listed IPs.
    let flats = futures::future::join_all(with_spf.iter().map(|d| spf::flatten(ctx, d))).await;
    let listed: Vec<Entry> = profile
        .ips
        .iter()
        .map(|n| Entry {
            line: 0,
            text: n.to_string(),
            kind: EntryKind::Net(*n),
        })
        .collect();
    let listed_ix = Index::new(&listed);
    // The shared services the vendor names: what their SPF authorizes is theirs, not the vendor's.
    let mut shared_bases: Vec<&str> = profile
        .domains
        .iter()
        .filter_map(|d| shared_service(d).map(|(b, _)| b))
        .collect();
    shared_bases.dedup();
    let shared_flats =
        futures::future::join_all(shared_bases.iter().map(|d| spf::flatten(ctx, d))).await;
    let shared: Vec<Entry> = shared_flats
        .iter()
        .flat_map(|f| f.networks.iter())
        .map(|n| Entry {
            line: 0,
            text: n.to_string(),
            kind: EntryKind::Net(*n),
        })
        .collect();
    let shared_ix = Index::new(&shared);
    let mut authorized_not_listed: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for (d, f) in with_spf.iter().zip(&flats) {
        for n in &f.networks {
            if !listed_ix.coverage(n).fully
                && !shared_ix.coverage(n).fully
                && !authorized_not_listed.contains(&n.to_string())
            {
                authorized_not_listed.push(n.to_string());
            }
        }
        notes.extend(f.notes.iter().map(|n| format!("{d}: {n}")));
    }
    if !listed_not_authorized.is_empty() || !authorized_not_listed.is_empty() {
        let mut parts = Vec::new();
        if !listed_not_authorized.is_empty() {
            parts.push(format!(
                "{} listed IP{} pass{} SPF for none of {}: {}",
                listed_not_authorized.len(),
                if listed_not_authorized.len() == 1 {
                    ""
                } else {
                    "s"
                },
                if listed_not_authorized.len() == 1 {
                    "es"
                } else {
                    ""
                },
                with_spf.join(", "),
                listed_not_authorized.join(", ")
            ));
        }
        if !authorized_not_listed.is_empty() {
            parts.push(format!(
                "their SPF authorizes {} network{} the profile does not list: {}{}",
                authorized_not_listed.len(),
                if authorized_not_listed.len() == 1 {
                    ""
                } else {
                    "s"
                },
                authorized_not_listed
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if authorized_not_listed.len() > 10 {
                    ", ..."
                } else {
                    ""
                }
            ));
        }
        c.push(
            Finding::new(FindingId::AllowlistSpfDrift,
                format!("{}'s published IPs and its SPF disagree: {}.", profile.name, parts.join("; "))).with_remedy(format!(
                    "Ask {}'s mail admin which list is current{}. Until then, an IP-based allowlist may refuse mail from networks the SPF authorizes, and mail from listed IPs may fail SPF.",
                    profile.name,
                    profile.support.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
                ))
            .with_evidence(json!({
                "domains_with_spf": with_spf,
                "listed_not_authorized": listed_not_authorized,
                "authorized_not_listed": authorized_not_listed,
                "flatten_notes": notes,
            })),
        );
    }
    c.done(format!(
        "{} listed networks against the SPF of {}",
        profile.ips.len(),
        with_spf.join(", ")
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

    fn procore() -> SenderProfile {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/senders/procore.toml"
        );
        SenderProfile::load(std::path::Path::new(p)).unwrap()
    }

    fn ids(c: &CheckOutcome) -> Vec<&str> {
        c.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn a_complete_list_audits_cleanly() {
        let p = procore();
        let text = export(&p, ExportFormat::Plain);
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

    #[test]
    fn exports() {
        let p = procore();
        assert!(export(&p, ExportFormat::Postfix).contains("137.22.225.98/32\tOK"));
        assert!(export(&p, ExportFormat::M365).contains("Set-HostedConnectionFilterPolicy"));
        let j: serde_json::Value = serde_json::from_str(&export(&p, ExportFormat::Json)).unwrap();
        assert_eq!(j["ips"].as_array().unwrap().len(), 8);
    }
}
