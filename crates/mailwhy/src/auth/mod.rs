//! Sender authentication as receivers judge it: the From domain's DMARC policy, the DKIM keys
//! of the sender's selectors, the reverse DNS of its sending IPs, and the mailbox providers'
//! sender rules, gathered into the `mailwhy auth` report.
//!
//! Each concern is a submodule with its own parser or check: [`dmarc`] (record and policy
//! discovery), [`dkim_key`] (key records), [`rdns`] (forward-confirmed reverse DNS),
//! `alignment` (pure identifier-alignment functions) and `requirements` (the providers'
//! rules as data). SPF evaluation belongs to the SPF engine; this module reaches it through the
//! one function `spf_evidence`. [`dkim_verify`] verifies the signatures of a message that
//! mail-auth holds.
//!
//! Nothing here reads a received message: [`crate::message`] parses it and computes its SPF,
//! DKIM and DMARC through these functions, so the dependency runs one way, message → auth.

pub mod alignment;
pub mod dkim_key;
pub mod dkim_verify;
pub mod dmarc;
pub(crate) mod evaluate;
pub(crate) mod org_domain;
pub(crate) mod predict;
pub mod rdns;
pub(crate) mod report_dest;
pub(crate) mod requirements;
pub(crate) mod taglist;

use std::net::IpAddr;
use std::time::Instant;

use serde::Serialize;

use crate::check::{CheckOutcome, Context};
use crate::dns::{Outcome, RecordType};
use crate::finding::FindingId;
use crate::finding::{Finding, Severity};
use crate::report::{Report, Stats};
use crate::sanitize;

use dmarc::DmarcRecord;

/// Where a domain's DMARC policy came from, and what it is.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Discovery {
    /// One record was found and parsed.
    Found {
        /// The name queried (`_dmarc.<domain>`).
        at: String,
        /// True when it is the organizational domain's (or PSD's) record (the From domain has none).
        organizational: bool,
        /// The record text.
        text: String,
        /// The parsed record.
        record: DmarcRecord,
        /// The names queried by the RFC 9989 §4.10 tree walk, in order (at most 8).
        asked: Vec<String>,
        /// The organizational domain the tree walk found (RFC 9989 §4.10.2).
        org_domain: String,
        /// The organizational domain by the Public Suffix List (RFC 7489), kept beside it.
        psl_org_domain: String,
        /// False when the From domain does not exist (NXDOMAIN, RFC 8020), so `np` applies;
        /// `None` when not asked (the record is the From domain's own).
        #[serde(skip_serializing_if = "Option::is_none")]
        exists: Option<bool>,
    },
    /// One record was found but does not parse: receivers apply no policy.
    SyntaxError {
        /// The name queried.
        at: String,
        /// The record text.
        text: String,
        /// What is wrong.
        error: dmarc::SyntaxError,
    },
    /// Several DMARC records at the From domain: RFC 7489 receivers apply no policy (§6.6.3
    /// step 5); RFC 9989 receivers discard them and walk on (§4.10), which `rfc9989_record_at`
    /// says.
    Multiple {
        /// The name queried.
        at: String,
        /// The records.
        records: Vec<String>,
        /// Where the RFC 9989 tree walk, going on past the discarded records, finds the record
        /// that applies (`_dmarc.NAME`); `None` when it finds none.
        #[serde(skip_serializing_if = "Option::is_none")]
        rfc9989_record_at: Option<String>,
    },
    /// No DMARC record at the From domain nor at its organizational domain.
    Missing {
        /// The names queried.
        asked: Vec<String>,
        /// TXT records that look like DMARC but are discarded (leading space, `dmarc1`).
        near_misses: Vec<String>,
    },
    /// A lookup failed temporarily: the policy is unknown.
    Unknown {
        /// The name whose lookup failed (`_dmarc.<domain>`).
        at: String,
        /// How it failed: `servfail`, `refused`, `timeout` (or `invalid-name`).
        outcome: String,
    },
}

impl Discovery {
    /// The policy receivers apply to mail from `from_domain`, or why none applies; `None` when
    /// unknown.
    pub fn policy_for(&self, from_domain: &str) -> Option<Result<dmarc::Policy, String>> {
        match self {
            Discovery::Found { record, .. } => self.policy_for_published(from_domain).map(|p| {
                Ok(if record.testing() {
                    p.testing_step()
                } else {
                    p
                })
            }),
            Discovery::SyntaxError { error, .. } => {
                Some(Err(format!("the DMARC record does not parse ({error})")))
            }
            Discovery::Multiple { .. } => Some(Err("several DMARC records".into())),
            Discovery::Missing { .. } => Some(Err("no DMARC record".into())),
            Discovery::Unknown { .. } => None,
        }
    }

    /// The policy as published for mail from `from_domain` (`p`, or `sp` for a subdomain under
    /// an organizational record), before `t=y` lowers it; `None` unless a record was found.
    pub fn policy_for_published(&self, from_domain: &str) -> Option<dmarc::Policy> {
        match self {
            // RFC 9989 §4.10.1 step 3: a record found above the From domain gives `np` when the
            // From domain does not exist, `sp` otherwise.
            Discovery::Found {
                organizational,
                record,
                exists,
                at,
                ..
            } => Some(
                if *organizational && at.trim_start_matches("_dmarc.") != from_domain {
                    if *exists == Some(false) {
                        record.nonexistent_policy()
                    } else {
                        record.subdomain_policy()
                    }
                } else {
                    record.p
                },
            ),
            _ => None,
        }
    }

    /// The lookup that left the policy unknown, as `("NAME TYPE", outcome)`.
    pub fn failed_lookup(&self) -> Option<(String, &str)> {
        match self {
            Discovery::Unknown { at, outcome } => Some((format!("{at} TXT"), outcome.as_str())),
            _ => None,
        }
    }
}

/// The names the RFC 9989 §4.10 tree walk queries for `domain` (at most 8): the name itself,
/// then, from a name of 8 or more labels, its 7-label suffix, then one label less each step down
/// to and including the TLD.
pub fn walk_names(domain: &str) -> Vec<String> {
    let labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    let mut names = vec![labels.join(".")];
    let mut x = labels.len();
    if x >= 8 {
        x = 7;
        names.push(labels[labels.len() - x..].join("."));
    }
    while x > 1 {
        x -= 1;
        names.push(labels[labels.len() - x..].join("."));
    }
    names.dedup();
    names
}

/// The organizational domain of `start` by RFC 9989 §4.10.2, from the names on its tree walk
/// that returned one valid record (`found`, longest first, each with its `psd` tag):
///
/// 1. the first record with `psd=n` marks the organizational domain;
/// 2. otherwise a record with `psd=y` that is not at `start` makes it the name one label below
///    that PSD, on the path to `start`;
/// 3. otherwise the record at the name with the fewest labels marks it;
/// 4. no record at all: `start` is its own organizational domain.
pub fn organizational_domain(start: &str, found: &[(String, Option<dmarc::Psd>)]) -> String {
    if let Some((n, _)) = found.iter().find(|f| f.1 == Some(dmarc::Psd::N)) {
        return n.clone();
    }
    let start_labels: Vec<&str> = start.split('.').filter(|l| !l.is_empty()).collect();
    if let Some((n, _)) = found
        .iter()
        .find(|f| f.1 == Some(dmarc::Psd::Y) && f.0 != start_labels.join("."))
    {
        let psd_labels = n.split('.').filter(|l| !l.is_empty()).count();
        if start_labels.len() > psd_labels {
            return start_labels[start_labels.len() - psd_labels - 1..].join(".");
        }
    }
    match found.iter().min_by_key(|f| f.0.split('.').count()) {
        Some((n, _)) => n.clone(),
        None => start_labels.join("."),
    }
}

/// Looks up the DMARC policy of `domain` by the RFC 9989 §4.10 DNS tree walk:
///
/// 1. Query `_dmarc.<From domain>`; discard records that do not start with `v=DMARC1`. One record
///    there applies (`p`).
/// 2. Walk up (`walk_names`), stopping at a record with `psd=y` or `psd=n`. The organizational
///    domain is the first name with `psd=n`, else the name one label below a `psd=y` record,
///    else the record with the fewest labels (§4.10.2). Without a record of its own, the
///    organizational domain's record applies, else the PSD's; `sp`, or `np` when the From domain
///    does not exist. The walk goes on past the From domain's own record too, because alignment
///    and the report-destination check need the organizational domain (§4.10.2) even then.
/// 3. Several records at the From domain: reported as [`Discovery::Multiple`] (RFC 7489 applies
///    no policy); the walk still goes on, as RFC 9989 receivers do, and the record it finds is
///    named beside them.
///
/// A failed lookup before the policy is known leaves it unknown; one after the From domain's own
/// record leaves only the organizational domain unknown (the Public Suffix List's stands in, and
/// the check says so). Adds the findings to `c`.
pub async fn discover(
    ctx: &Context,
    domain: &str,
    c: &mut crate::check::OutcomeBuilder,
) -> Discovery {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let psl_org = alignment::organizational_domain(&domain);
    let w = org_domain::walk(ctx, &domain, &format!("the DMARC policy of {domain}"), c).await;
    let own = w.found.first().filter(|f| f.0 == domain).cloned();
    if let (Some((at, outcome)), None) = (&w.failed, &own) {
        return Discovery::Unknown {
            at: at.clone(),
            outcome: outcome.clone(),
        };
    }
    let org = w.org_domain(&domain);
    let asked = w.asked.clone();
    if let Some((_, text, _)) = own {
        let at = format!("_dmarc.{domain}");
        return match dmarc::parse(&text) {
            Ok(record) => Discovery::Found {
                at,
                organizational: false,
                text,
                record,
                asked,
                org_domain: org.unwrap_or_else(|| psl_org.clone()),
                psl_org_domain: psl_org,
                exists: None,
            },
            Err(error) => Discovery::SyntaxError { at, text, error },
        };
    }
    let found = &w.found;
    let chosen = org
        .as_ref()
        .and_then(|o| found.iter().find(|f| &f.0 == o))
        .or_else(|| found.iter().find(|f| f.2 == Some(dmarc::Psd::Y)));
    if let Some(records) = w.multiple_at_start {
        return Discovery::Multiple {
            at: format!("_dmarc.{domain}"),
            records,
            rfc9989_record_at: chosen.map(|c| format!("_dmarc.{}", c.0)),
        };
    }
    let Some((name, text, _)) = chosen.cloned() else {
        return Discovery::Missing {
            asked,
            near_misses: w.near_misses,
        };
    };
    let at = format!("_dmarc.{name}");
    let record = match dmarc::parse(&text) {
        Ok(r) => r,
        Err(error) => return Discovery::SyntaxError { at, text, error },
    };
    // RFC 9989 §4.10.1 step 3 with RFC 8020: NXDOMAIN for the From domain means `np` applies.
    let exists = match ctx.dns.query(&domain, RecordType::A).await {
        Ok(a) if c.dns_failure(&a, &format!("whether {domain} exists (DMARC np=)")) => None,
        Ok(a) => Some(!matches!(a.outcome, crate::dns::Outcome::NxDomain)),
        Err(_) => None,
    };
    Discovery::Found {
        at,
        organizational: true,
        text,
        record,
        asked,
        org_domain: org.unwrap_or(name),
        psl_org_domain: psl_org,
        exists,
    }
}

/// The organizational domains of `names` by the RFC 9989 §4.10.2 tree walk, with the Public
/// Suffix List's beside them (what relaxed alignment compares), and the check that looked them
/// up (inconclusive when a walk's lookup failed).
pub async fn org_domains(ctx: &Context, names: &[&str]) -> (CheckOutcome, alignment::OrgDomains) {
    let mut c = CheckOutcome::start("org-domains");
    let orgs = org_domain::lookup(
        ctx,
        names.iter().map(|n| n.to_string()).collect(),
        alignment::OrgDomains::default(),
        &mut c,
    )
    .await;
    (
        c.done(format!("{} organizational domains", names.len())),
        orgs,
    )
}

/// The DMARC check of a From domain: discovery plus the dmarc findings.
pub async fn check_dmarc(ctx: &Context, domain: &str) -> (CheckOutcome, Discovery) {
    let mut c = CheckOutcome::start("dmarc");
    let d = discover(ctx, domain, &mut c).await;
    if let Discovery::Found { at, record, .. } = &d {
        // RFC 9990: reports to another organization need its consent, or they never arrive.
        report_dest::check(ctx, at.trim_start_matches("_dmarc."), record, &mut c).await;
    }
    let shown = sanitize::line(domain);
    let detail = match &d {
        Discovery::Found {
            at,
            organizational,
            text,
            record,
            asked,
            org_domain,
            psl_org_domain,
            exists,
        } => {
            if *exists == Some(false) {
                let np = record.nonexistent_policy();
                if np != dmarc::Policy::None {
                    c.push(
                        Finding::new(FindingId::DmarcNonexistentDomain,
                            format!(
                                "{shown} does not exist in DNS (NXDOMAIN), so receivers apply the non-existent-domain policy of {} to its mail: np={} (RFC 9989 §4.10.1).",
                                sanitize::line(at),
                                np.as_str()
                            ))
                        .with_evidence(serde_json::json!({"name": at, "record": text, "domain": domain, "policy": np})),
                    );
                }
            }
            // RFC 7489 receivers take the PSL's organizational domain; RFC 9989 receivers the
            // tree walk's. Where the walk asked the PSL's name too, say when they pick differently.
            let psl_at = format!("_dmarc.{psl_org_domain}");
            if org_domain != psl_org_domain && *organizational && asked.contains(&psl_at) {
                c.push(
                    Finding::new(FindingId::DmarcOrgDomainDisagrees,
                        format!(
                            "For {shown} the RFC 9989 tree walk finds the organizational domain {} (record at {}), but the Public Suffix List gives {}: receivers still on RFC 7489 look at {} instead, so the two kinds of receiver may apply different policies.",
                            sanitize::line(org_domain),
                            sanitize::line(at),
                            sanitize::line(psl_org_domain),
                            sanitize::line(&psl_at)
                        ))
                    .with_evidence(serde_json::json!({"name": at, "record": text, "org_domain": org_domain, "psl_org_domain": psl_org_domain, "asked": asked})),
                );
            }
            let applied = d
                .policy_for(domain)
                .and_then(Result::ok)
                .unwrap_or(record.p);
            let problems: Vec<&dmarc::Note> = record
                .notes
                .iter()
                .filter(|n| n.kind.is_problem())
                .collect();
            for n in &problems {
                let sev = if n.kind == dmarc::NoteKind::PolicyFallback {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                if n.kind == dmarc::NoteKind::WeakSubdomainPolicy {
                    continue; // a remark for the data, not a syntax problem
                }
                c.push(
                    Finding::new(FindingId::DmarcSyntaxError,
                        format!(
                            "The DMARC record at {} has a problem in tag {} at position {}: {}.",
                            sanitize::line(at),
                            n.tag,
                            n.pos,
                            sanitize::line(&n.message)
                        )).with_remedy("The vendor's mail admin (for the From domain's DNS) corrects the DMARC TXT record so that every tag has a valid value (RFC 7489 §6.3), then runs `mailwhy auth DOMAIN` again.")
                    .with_severity(sev)
                    .with_evidence(serde_json::json!({"name": at, "record": text, "tag": n.tag, "position": n.pos, "note": n.kind})),
                );
            }
            for n in record
                .notes
                .iter()
                .filter(|n| n.kind == dmarc::NoteKind::RemovedInDmarcbis)
            {
                c.push(
                    Finding::new(FindingId::DmarcObsoleteTag,
                        format!(
                            "The DMARC record at {} uses {}=, which RFC 9989 removed: receivers following RFC 9989 ignore it, older RFC 7489 receivers may still honour it.",
                            sanitize::line(at),
                            n.tag
                        ))
                    .with_evidence(serde_json::json!({"name": at, "record": text, "tag": n.tag, "position": n.pos})),
                );
            }
            if record.testing() && record.p != dmarc::Policy::None {
                c.push(
                    Finding::new(FindingId::DmarcTestingMode,
                        format!(
                            "The DMARC record at {} has t=y (testing): RFC 9989 receivers apply one step less than published, so failing mail gets p={} instead of p={}.",
                            sanitize::line(at),
                            applied.as_str(),
                            d.policy_for_published(domain).map_or("?", dmarc::Policy::as_str)
                        ))
                    .with_evidence(serde_json::json!({"name": at, "record": text, "applied": applied})),
                );
            }
            if applied == dmarc::Policy::None {
                c.push(
                    Finding::new(FindingId::DmarcPolicyNone,
                        format!(
                            "{shown} has a DMARC policy of p=none{} (found at {}): receivers only monitor, so spoofed mail is not stopped.",
                            if *organizational { " for subdomains" } else { "" },
                            sanitize::line(at)
                        ))
                    .with_evidence(serde_json::json!({"name": at, "record": text, "organizational": organizational})),
                );
            }
            format!(
                "DMARC policy for {shown}: p={} from {}",
                applied.as_str(),
                sanitize::line(at)
            )
        }
        Discovery::SyntaxError { at, text, error } => {
            c.push(
                Finding::new(FindingId::DmarcSyntaxError,
                    format!(
                        "The DMARC record at {} does not parse ({}), so receivers apply no DMARC policy to {shown}.",
                        sanitize::line(at),
                        sanitize::line(&error.to_string())
                    )).with_remedy("The vendor's mail admin (for the From domain's DNS) fixes the record (v=DMARC1 first, then p=none|quarantine|reject, then the other tags, each once), then runs `mailwhy auth DOMAIN` again.")
                .with_evidence(serde_json::json!({"name": at, "record": text, "tag": error.tag, "position": error.pos, "error": error.message})),
            );
            format!("the DMARC record at {} does not parse", sanitize::line(at))
        }
        Discovery::Multiple {
            at,
            records,
            rfc9989_record_at,
        } => {
            let bis = match rfc9989_record_at {
                Some(r) => format!(
                    " Receivers following RFC 9989 discard them and walk up the tree: they apply the record at {} instead.",
                    sanitize::line(r)
                ),
                None => " Receivers following RFC 9989 discard them and walk up the tree, and find no record there either.".into(),
            };
            c.push(
                Finding::new(FindingId::DmarcMultipleRecords,
                    format!(
                        "{} has {} DMARC records; receivers following RFC 7489 then apply no DMARC policy at all (§6.6.3).{bis}",
                        sanitize::line(at),
                        records.len()
                    ))
                .with_evidence(serde_json::json!({"name": at, "records": records, "rfc9989_record_at": rfc9989_record_at})),
            );
            format!("several DMARC records at {}", sanitize::line(at))
        }
        Discovery::Missing { asked, near_misses } => {
            let nm = if near_misses.is_empty() {
                String::new()
            } else {
                format!(
                    " A TXT record there looks like DMARC but is discarded because it does not start exactly with v=DMARC1: {}.",
                    sanitize::line(&near_misses.join(" | "))
                )
            };
            c.push(
                Finding::new(
                    FindingId::DmarcMissing,
                    format!(
                        "{shown} publishes no DMARC policy (asked {}).{nm}",
                        asked.join(" and ")
                    ),
                )
                .with_evidence(serde_json::json!({"asked": asked, "near_misses": near_misses})),
            );
            format!("no DMARC policy for {shown}")
        }
        Discovery::Unknown { .. } => {
            format!("the DMARC policy of {shown} could not be looked up")
        }
    };
    (c.done(detail), d)
}

/// A From domain's DMARC check as one run made it, kept so that a later check of the same
/// domain in the run (a received message from the vendor, after the sender profile's
/// `auth dmarc`) reuses the discovery instead of asking, and reporting, the policy again.
#[derive(Debug, Clone)]
pub struct DmarcChecked {
    /// The From domain (lowercase, no trailing dot).
    pub domain: String,
    /// What discovery found.
    pub discovery: Discovery,
    /// The `dmarc` outcome that reported it.
    pub outcome: CheckOutcome,
}

impl DmarcChecked {
    /// Keeps the DMARC check of `domain`: its `outcome` (from [`check_dmarc`]) and `discovery`.
    pub fn new(domain: &str, outcome: &CheckOutcome, discovery: Discovery) -> DmarcChecked {
        DmarcChecked {
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            discovery,
            outcome: outcome.clone(),
        }
    }

    /// True when this is the check of `domain`.
    pub fn is_for(&self, domain: &str) -> bool {
        self.domain == domain.trim_end_matches('.').to_ascii_lowercase()
    }
}

/// Known sending services that DKIM keys are delegated to by CNAME (the target's
/// organizational domain → the service's name). Data, not logic: add rows as they are met.
pub(crate) static SENDING_SERVICES: &[(&str, &str)] = &[
    ("sendgrid.net", "SendGrid"),
    ("amazonses.com", "Amazon SES"),
    ("mailgun.org", "Mailgun"),
    ("mcsv.net", "Mailchimp"),
    ("mandrillapp.com", "Mandrill"),
    ("mktomail.com", "Marketo"),
    ("hubspotemail.net", "HubSpot"),
    ("sparkpostmail.com", "SparkPost"),
    ("postmarkapp.com", "Postmark"),
    ("zendesk.com", "Zendesk"),
    ("salesforce.com", "Salesforce"),
    ("exacttarget.com", "Salesforce Marketing Cloud"),
    ("onmicrosoft.com", "Microsoft 365"),
];

/// What was found for one selector.
#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    /// The selector.
    pub selector: String,
    /// The signing domain (`d=`).
    pub domain: String,
    /// The name queried.
    pub name: String,
    /// `ok`, `missing`, `revoked`, `syntax-error`, `weak`, `unknown` (lookup failed).
    pub state: &'static str,
    /// Key size in bits, for RSA keys.
    pub rsa_bits: Option<usize>,
    /// Key type.
    pub key_type: Option<dkim_key::KeyType>,
    /// True for `t=y`.
    pub testing: bool,
    /// CNAME delegation: `(target, service name if known)`.
    pub delegated_to: Option<(String, Option<String>)>,
    /// For `unknown`: how the lookup of `name` TXT failed (`servfail`, `refused`, `timeout`).
    #[serde(skip)]
    pub(crate) lookup_failed: Option<&'static str>,
}

impl KeyStatus {
    /// True when the key can verify signatures receivers accept: present, valid, not revoked,
    /// at least 1024 bits, and not in testing mode (RFC 6376 §3.6.1: verifiers "MUST NOT treat
    /// messages from Signers in testing mode differently from unsigned email").
    pub fn usable(&self) -> bool {
        (self.state == "ok" || self.state == "weak-1024") && !self.testing
    }
}

/// Checks the DKIM key record of each `(selector, domain)`.
pub async fn check_dkim_keys(
    ctx: &Context,
    keys: &[(String, String)],
) -> (CheckOutcome, Vec<KeyStatus>) {
    check_dkim_keys_reusing(ctx, keys, &[]).await
}

/// [`check_dkim_keys`], taking the status of a key in `known` (checked, and reported, for an
/// earlier From domain of the same sender) instead of checking it again.
async fn check_dkim_keys_reusing(
    ctx: &Context,
    keys: &[(String, String)],
    known: &[KeyStatus],
) -> (CheckOutcome, Vec<KeyStatus>) {
    let mut c = CheckOutcome::start("dkim-keys");
    let mut out = Vec::new();
    for (sel, dom) in keys {
        if let Some(k) = known
            .iter()
            .find(|k| k.selector == *sel && k.domain == *dom)
        {
            if k.state == "unknown" {
                c.inconclusive(format!("the DKIM key {} could not be looked up", k.name));
            }
            out.push(k.clone());
            continue;
        }
        let name = format!("{sel}._domainkey.{dom}");
        let mut st = KeyStatus {
            selector: sel.clone(),
            domain: dom.clone(),
            name: name.clone(),
            state: "unknown",
            rsa_bits: None,
            key_type: None,
            testing: false,
            delegated_to: None,
            lookup_failed: None,
        };
        let answer = match ctx.dns.query(&name, RecordType::TXT).await {
            Ok(a) => a,
            Err(e) => {
                c.push(
                    Finding::new(
                        FindingId::DkimKeyMissing,
                        format!(
                            "{} is not a valid DNS name ({e}), so no key can be published there.",
                            sanitize::line(&name)
                        ),
                    )
                    .with_remedy("Check the selector spelling in the sender profile or --selector.")
                    .with_evidence(serde_json::json!({"name": name})),
                );
                st.state = "missing";
                out.push(st);
                continue;
            }
        };
        if c.dns_failure(&answer, &format!("the DKIM key {name}")) {
            st.lookup_failed = Some(answer.outcome.kind());
            out.push(st);
            continue;
        }
        if let Some((_, target)) = answer.cnames().last() {
            let service = SENDING_SERVICES
                .iter()
                .find(|(d, _)| alignment::organizational_domain(target) == *d)
                .map(|(_, n)| n.to_string());
            st.delegated_to = Some((target.clone(), service));
        }
        let delegated = match &st.delegated_to {
            Some((t, Some(s))) => format!(" (delegated by CNAME to {s}: {})", sanitize::line(t)),
            Some((t, None)) => format!(" (delegated by CNAME to {})", sanitize::line(t)),
            None => String::new(),
        };
        let txts = answer.txt();
        let ev = |extra: serde_json::Value| {
            let mut v = serde_json::json!({"name": name, "selector": sel, "domain": dom,
            "records": txts.iter().map(|t| String::from_utf8_lossy(t).into_owned()).collect::<Vec<_>>(),
            });
            if !answer.cnames().is_empty() {
                v["cname"] = serde_json::json!(answer.cnames());
            }
            if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                o.extend(e);
            }
            v
        };
        if txts.is_empty() {
            let how = match answer.outcome {
                Outcome::NxDomain => "the name does not exist",
                _ => "the name has no TXT record",
            };
            c.push(
                Finding::new(FindingId::DkimKeyMissing,
                    format!("No DKIM key is published for selector {} of {}: {how} at {}{delegated}. Receivers cannot verify mail signed with s={}, d={}.",
                        sanitize::line(sel), sanitize::line(dom), sanitize::line(&name), sanitize::line(sel), sanitize::line(dom))).with_remedy("The vendor's mail admin publishes the selector's public key (or the CNAME its sending service gives) at SELECTOR._domainkey.DOMAIN, or signs with a selector that is published.")
                .with_evidence(ev(serde_json::json!({"outcome": answer.outcome.kind()}))),
            );
            st.state = "missing";
            out.push(st);
            continue;
        }
        // Several TXT records at a key name: verifiers may use any (RFC 6376 §3.6.2.2); judge
        // the first and say how many there were.
        let text = String::from_utf8_lossy(&txts[0]).into_owned();
        match dkim_key::parse(&text) {
            Err(e) => {
                c.push(
                    Finding::new(
                        FindingId::DkimKeySyntaxError,
                        format!(
                            "The DKIM key record at {}{delegated} does not parse: {}.",
                            sanitize::line(&name),
                            sanitize::line(&e.to_string())
                        ),
                    )
                    .with_evidence(ev(
                        serde_json::json!({"tag": e.tag, "position": e.pos, "error": e.message}),
                    )),
                );
                st.state = "syntax-error";
            }
            Ok(k) => {
                st.key_type = Some(k.key_type.clone());
                st.rsa_bits = k.rsa_bits;
                st.testing = k.testing();
                st.state = "ok";
                if k.revoked() {
                    st.state = "revoked";
                    c.push(
                        Finding::new(FindingId::DkimKeyRevoked,
                            format!("The DKIM key for selector {} of {} is revoked (empty p=){delegated}: every signature with this selector fails.", sanitize::line(sel), sanitize::line(dom)))
                        .with_evidence(ev(serde_json::json!({}))),
                    );
                }
                if let Some(bits) = k.rsa_bits.filter(|b| *b <= 1024) {
                    let (sev, state) = if bits < 1024 {
                        (Severity::Error, "weak")
                    } else {
                        (Severity::Warning, "weak-1024")
                    };
                    st.state = state;
                    c.push(
                        Finding::new(FindingId::DkimKeyWeak,
                            format!("The DKIM key for selector {} of {} is RSA {bits} bits{delegated}{}.", sanitize::line(sel), sanitize::line(dom),
                                if bits < 1024 { ": receivers treat signatures with keys under 1024 bits as failing (RFC 8301)" } else { ": accepted today, but 2048 bits is the recommended size" }))
                        .with_severity(sev)
                        .with_evidence(ev(serde_json::json!({"bits": bits}))),
                    );
                }
                if k.testing() {
                    c.push(
                        Finding::new(FindingId::DkimTestingMode,
                            format!("The DKIM key for selector {} of {} is in testing mode (t=y): receivers may treat its signatures as if the mail were unsigned.", sanitize::line(sel), sanitize::line(dom)))
                        .with_evidence(ev(serde_json::json!({"flags": k.flags}))),
                    );
                }
            }
        }
        out.push(st);
    }
    let usable = out.iter().filter(|k| k.usable()).count();
    (
        c.done(format!(
            "{usable} of {} DKIM selectors have a usable key",
            out.len()
        )),
        out,
    )
}

/// The SPF verdict of each envelope domain for each sending IP, through the SPF engine
/// ([`crate::spf::check_host`], sharing the run's DNS cache). `None` ("not checkable") when no
/// envelope domain or no IP is given.
pub(crate) async fn spf_evidence(
    ctx: &Context,
    envelope_domains: &[String],
    ips: &[IpAddr],
) -> Option<Vec<requirements::SpfVerdict>> {
    if envelope_domains.is_empty() || ips.is_empty() {
        return None;
    }
    let pairs: Vec<(&String, IpAddr)> = envelope_domains
        .iter()
        .flat_map(|d| ips.iter().map(move |ip| (d, *ip)))
        .collect();
    let results = futures::future::join_all(pairs.iter().map(|(d, ip)| async move {
        let r = crate::spf::check_host(ctx, *ip, d, &format!("postmaster@{d}"), d).await;
        requirements::SpfVerdict {
            domain: (*d).clone(),
            ip: *ip,
            result: r.result.as_str().to_string(),
            failed_lookup: crate::spf::failed_lookup(&r).map(|(q, o)| (q, o.to_string())),
        }
    }))
    .await;
    Some(results)
}

/// The input of `mailwhy auth`.
#[derive(Debug, Clone, Default)]
pub struct AuthInput {
    /// The From domain.
    pub domain: String,
    /// DKIM selectors: `selector` (at `domain`) or `selector:signing-domain`.
    pub selectors: Vec<String>,
    /// Sending IPs.
    pub ips: Vec<IpAddr>,
    /// Envelope (MAIL FROM) domains.
    pub envelope_domains: Vec<String>,
}

impl AuthInput {
    /// One input per From domain of a sender profile (`from_domains`, or `domains` when the
    /// profile names no From domain), with the profile's selectors, envelope domains and the IPs
    /// it lists as single addresses (networks are not probed address by address).
    pub fn from_profile(p: &crate::allowlist::profile::SenderProfile) -> Vec<AuthInput> {
        let from = if p.from_domains.is_empty() {
            &p.domains
        } else {
            &p.from_domains
        };
        let ips: Vec<IpAddr> = p
            .ips
            .iter()
            .filter(|n| n.prefix_len() == n.max_prefix_len())
            .map(|n| n.addr())
            .collect();
        from.iter()
            .map(|d| AuthInput {
                domain: d.clone(),
                selectors: p.dkim_selectors.clone(),
                ips: ips.clone(),
                envelope_domains: p.envelope_domains.clone(),
            })
            .collect()
    }
}

/// Splits `selector` or `selector:domain` (the sender profile's `dkim_selectors` form).
pub(crate) fn selector_and_domain(s: &str, default_domain: &str) -> (String, String) {
    match s.split_once(':') {
        Some((sel, d)) => (
            sel.to_ascii_lowercase(),
            d.trim_end_matches('.').to_ascii_lowercase(),
        ),
        None => (s.to_ascii_lowercase(), default_domain.to_string()),
    }
}

/// Runs every auth check for `input` and builds the `mailwhy auth` report.
pub async fn run(ctx: &Context, input: &AuthInput) -> Report {
    let started = Instant::now();
    let before = ctx.dns.queries_sent();
    let domain = input.domain.trim_end_matches('.').to_ascii_lowercase();
    let c = checks(ctx, input).await;
    let mut report = Report::from_outcomes(
        format!("auth {domain}"),
        c.outcomes,
        Stats {
            dns_queries: ctx.dns.queries_sent() - before,
            duration_ms: started.elapsed().as_millis() as u64,
            ..Default::default()
        },
    )
    .with_data(c.data);
    for (title, lines) in c.sections {
        report = report.with_section(title, lines);
    }
    report
}

/// What the predicted DMARC results mean for delivery, as findings of the `dmarc-result` check:
///
/// - a predicted fail is `dmarc.predicted-fail`, an error where the policy receivers apply is
///   p=reject or p=quarantine (the mail is refused or quarantined) and a warning where it is
///   p=none, no policy applies, or the policy is unknown (`dmarc.not-aligned` already says it
///   when nothing can align);
/// - a result left unknown because an input is missing makes the check inconclusive ("cannot
///   tell"), with `dkim.selector-unknown` when the missing input is the DKIM selector.
fn predicted_findings(
    c: &mut crate::check::OutcomeBuilder,
    domain: &str,
    predictions: &[predict::Prediction],
    policy: Option<Result<dmarc::Policy, String>>,
    cannot_align: bool,
) {
    let failing: Vec<&predict::Prediction> =
        predictions.iter().filter(|p| p.result == "fail").collect();
    if !failing.is_empty() && !cannot_align {
        let (severity, effect) = match &policy {
            Some(Ok(p @ (dmarc::Policy::Reject | dmarc::Policy::Quarantine))) => (
                Severity::Error,
                format!(
                    "{} applies p={}, so receivers {} it",
                    sanitize::line(domain),
                    p.as_str(),
                    if *p == dmarc::Policy::Reject {
                        "refuse"
                    } else {
                        "send it to spam or quarantine"
                    }
                ),
            ),
            Some(Ok(p)) => (
                Severity::Warning,
                format!(
                    "{} applies p={}: receivers do not act on the failure itself, but judge the mail as unauthenticated",
                    sanitize::line(domain),
                    p.as_str()
                ),
            ),
            Some(Err(why)) => (
                Severity::Warning,
                format!(
                    "no DMARC policy applies ({}), so receivers judge the mail as unauthenticated",
                    sanitize::line(why)
                ),
            ),
            None => (
                Severity::Warning,
                "the policy receivers apply is unknown (its lookup failed)".to_string(),
            ),
        };
        let ips: Vec<String> = failing
            .iter()
            .map(|p| {
                p.ip.map_or_else(|| "any IP".to_string(), |ip| ip.to_string())
            })
            .collect();
        c.push(
            Finding::new(
                FindingId::DmarcPredictedFail,
                format!(
                    "Mail with From {} from {} would fail DMARC: {effect}.",
                    sanitize::line(domain),
                    ips.join(", ")
                ),
            )
            .with_severity(severity)
            .with_evidence(serde_json::json!({
                "from": domain,
                "ips": ips,
                "policy": policy.as_ref().and_then(|p| p.as_ref().ok()).map(|p| p.as_str()),
                "predictions": failing.iter().map(|p| &p.sentence).collect::<Vec<_>>(),
            })),
        );
    }
    let cannot_tell: Vec<&predict::Prediction> =
        predictions.iter().filter(|p| p.missing.is_some()).collect();
    if let Some(first) = cannot_tell.first() {
        c.inconclusive(format!(
            "cannot tell whether the mail passes DMARC: {}",
            first.sentence
        ));
    }
    if cannot_tell
        .iter()
        .any(|p| p.missing == Some(predict::Missing::DkimSelector))
    {
        c.push(
            Finding::new(
                FindingId::DkimSelectorUnknown,
                format!(
                    "No DKIM selector of {} is known and SPF does not settle it, so mailwhy cannot tell whether its mail passes DMARC.",
                    sanitize::line(domain)
                ),
            )
            .with_evidence(serde_json::json!({
                "from": domain,
                "predictions": cannot_tell.iter().map(|p| &p.sentence).collect::<Vec<_>>(),
            })),
        );
    }
}

/// `dmarc.org-domain-disagrees` for an identifier (`what` names it: `DKIM d=`, `SPF envelope
/// domain `) whose relaxed alignment with From differs between RFC 9989 receivers (tree walk)
/// and RFC 7489 receivers (Public Suffix List); `None` when they agree.
pub(crate) fn alignment_disagrees(
    what: &str,
    id: &str,
    from: &str,
    mode: dmarc::AlignmentMode,
    orgs: &alignment::OrgDomains,
) -> Option<Finding> {
    let (bis, old) = alignment::disagreement(id, from, mode, orgs)?;
    let word = |b: bool| if b { "aligned" } else { "not aligned" };
    Some(
        Finding::new(
            FindingId::DmarcOrgDomainDisagrees,
            format!(
                "{what}{} is {} with From {} for receivers following RFC 9989 (DNS tree walk: organizational domains {} and {}), but {} for receivers still on RFC 7489 (Public Suffix List: {} and {}), so the two kinds of receiver may give this mail different DMARC results.",
                sanitize::line(id),
                word(bis),
                sanitize::line(from),
                sanitize::line(&orgs.of(id)),
                sanitize::line(&orgs.of(from)),
                word(old),
                sanitize::line(&alignment::organizational_domain(id)),
                sanitize::line(&alignment::organizational_domain(from)),
            ),
        )
        .with_evidence(serde_json::json!({
            "identifier": id,
            "from": from,
            "mode": mode,
            "aligned_rfc9989": bis,
            "aligned_rfc7489": old,
            "org_domains": {id: orgs.get(id), from: orgs.get(from)},
        })),
    )
}

/// The outcomes of the auth checks of one From domain, with their data and text sections.
#[derive(Debug)]
pub struct Checks {
    /// `dmarc`, `dkim-keys`, `reverse-dns`, `dmarc-result` and `sender-rules`.
    pub outcomes: Vec<CheckOutcome>,
    /// The structured data (`mailwhy auth`'s `data`).
    pub data: serde_json::Value,
    /// Text blocks: predicted DMARC result, provider sender rules, delegated keys.
    pub sections: Vec<(String, Vec<String>)>,
    /// The From domain's DMARC check, for later checks of the run to reuse.
    pub dmarc: DmarcChecked,
}

/// Runs every auth check for `input` (what `mailwhy auth` shows).
pub async fn checks(ctx: &Context, input: &AuthInput) -> Checks {
    checks_sharing(ctx, input, &mut Shared::default()).await
}

/// Runs every auth check for each From domain of one sender (a profile's, as
/// [`AuthInput::from_profile`] gives them; what `mailwhy diagnose` with a sender profile shows).
///
/// The domains share the sender's IPs and may share DKIM keys (`selector:domain`): the reverse
/// DNS of an IP list and a key already checked for an earlier domain are reused, so each is
/// checked, and its findings reported, once (the later domain's `reverse-dns` repeats the
/// first one's status without the findings).
pub async fn checks_each(ctx: &Context, inputs: &[AuthInput]) -> Vec<Checks> {
    let mut shared = Shared::default();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        out.push(checks_sharing(ctx, input, &mut shared).await);
    }
    out
}

/// What the From domains of one sender share, as checked for the first domain that had it.
#[derive(Default)]
struct Shared {
    /// Reverse DNS by IP list: the outcome and the statuses.
    rdns: Vec<(Vec<IpAddr>, CheckOutcome, Vec<rdns::ReverseDns>)>,
    /// DKIM keys checked so far.
    keys: Vec<KeyStatus>,
}

async fn checks_sharing(ctx: &Context, input: &AuthInput, shared: &mut Shared) -> Checks {
    let domain = input.domain.trim_end_matches('.').to_ascii_lowercase();
    let keys: Vec<(String, String)> = input
        .selectors
        .iter()
        .map(|s| selector_and_domain(s, &domain))
        .collect();
    let (dmarc_c, discovery) = check_dmarc(ctx, &domain).await;
    let (dkim_c, key_status) = if keys.is_empty() {
        (
            CheckOutcome::skipped("dkim-keys", "no DKIM selector given (--selector)"),
            vec![],
        )
    } else {
        check_dkim_keys_reusing(ctx, &keys, &shared.keys).await
    };
    for k in &key_status {
        if !shared
            .keys
            .iter()
            .any(|s| s.selector == k.selector && s.domain == k.domain)
        {
            shared.keys.push(k.clone());
        }
    }
    let (rdns_c, rdns) = if input.ips.is_empty() {
        (
            CheckOutcome::skipped("reverse-dns", "no sending IP given (--ip)"),
            vec![],
        )
    } else if let Some((_, c, r)) = shared.rdns.iter().find(|(ips, ..)| *ips == input.ips) {
        (c.repeated(), r.clone())
    } else {
        let (c, r) = rdns::check(ctx, &input.ips).await;
        shared.rdns.push((input.ips.clone(), c.clone(), r.clone()));
        (c, r)
    };
    let spf = spf_evidence(ctx, &input.envelope_domains, &input.ips).await;

    let key_triples: Vec<(String, String, bool)> = key_status
        .iter()
        .map(|k| (k.selector.clone(), k.domain.clone(), k.usable()))
        .collect();
    // The lookups that failed, as the prediction and the checklist name them.
    let keys_failed: Vec<(String, requirements::FailedLookup)> = key_status
        .iter()
        .filter(|k| k.state == "unknown")
        .map(|k| {
            (
                k.domain.clone(),
                (
                    format!("{} TXT", k.name),
                    k.lookup_failed.unwrap_or("temperror").to_string(),
                ),
            )
        })
        .collect();
    let policy_failed: Option<requirements::FailedLookup> =
        discovery.failed_lookup().map(|(q, o)| (q, o.to_string()));
    // SPF lookups are reported by no other check: the first check they leave inconclusive
    // reports them (`dns.temporary-failure`); the others only name them.
    let mut spf_unreported: Vec<requirements::FailedLookup> = spf
        .iter()
        .flatten()
        .filter_map(|v| v.failed_lookup.clone())
        .collect();
    spf_unreported.dedup();
    let mut name_failure = |c: &mut crate::check::OutcomeBuilder,
                            (question, outcome): &requirements::FailedLookup,
                            needed_for: &str| {
        if let Some(i) = spf_unreported.iter().position(|f| f.0 == *question) {
            spf_unreported.remove(i);
            c.lookup_failed(question, outcome, None, needed_for);
        } else {
            c.inconclusive(crate::check::lookup_failed_why(
                question, outcome, needed_for,
            ));
        }
    };
    let record = match &discovery {
        Discovery::Found { record, .. } => Some(record),
        _ => None,
    };
    let mut pred_c = CheckOutcome::start("dmarc-result");
    // Relaxed alignment compares organizational domains, which RFC 9989 finds by the tree walk
    // from each identifier; the From domain's is discovery's.
    let mut known = alignment::OrgDomains::default();
    if let Discovery::Found { org_domain, .. } = &discovery {
        known.insert(&domain, Some(org_domain.clone()));
    }
    let orgs = org_domain::lookup(
        ctx,
        std::iter::once(domain.clone())
            .chain(key_triples.iter().map(|k| k.1.clone()))
            .chain(input.envelope_domains.iter().cloned())
            .collect(),
        known,
        &mut pred_c,
    )
    .await;
    let pin = predict::Inputs {
        from: &domain,
        adkim: record.map(|r| r.dkim_alignment()),
        aspf: record.map(|r| r.spf_alignment()),
        policy_failed: policy_failed.as_ref(),
        keys: &key_triples,
        keys_failed: &keys_failed,
        envelope_domains: &input.envelope_domains,
        ips: &input.ips,
        spf: spf.as_deref(),
        orgs: &orgs,
    };
    let predictions = predict::predict(&pin);
    let dkim_ids = key_triples
        .iter()
        .map(|k| ("DKIM d=", k.1.as_str(), pin.adkim.unwrap_or_default()));
    let spf_ids = input.envelope_domains.iter().map(|d| {
        (
            "SPF envelope domain ",
            d.as_str(),
            pin.aspf.unwrap_or_default(),
        )
    });
    let mut disagree: Vec<Finding> = Vec::new();
    for (what, id, mode) in dkim_ids.chain(spf_ids) {
        if let Some(f) = alignment_disagrees(what, id, &domain, mode, &orgs) {
            if !disagree.iter().any(|x| x.detail == f.detail) {
                disagree.push(f);
            }
        }
    }
    for f in disagree {
        pred_c.push(f);
    }
    let keys_known = key_status.iter().all(|k| k.state != "unknown");
    let cannot_align = keys_known && predict::nothing_can_align(&pin);
    if cannot_align {
        pred_c.push(
            Finding::new(FindingId::DmarcNotAligned,
                format!(
                    "Mail with From {} cannot pass DMARC: the DKIM signing domains ({}) and the envelope domains ({}) all differ from it, so even passing SPF and DKIM do not count.",
                    sanitize::line(&domain),
                    sanitize::line(&key_status.iter().map(|k| k.domain.clone()).collect::<Vec<_>>().join(", ")),
                    sanitize::line(&input.envelope_domains.join(", "))
                )).with_remedy("The vendor's mail admin has its sending service sign with DKIM for the From domain (publish the service's key under SELECTOR._domainkey.FROM-DOMAIN) or use a return-path on the From domain.")
            .with_evidence(serde_json::json!({"from": domain, "dkim_domains": key_status.iter().map(|k| &k.domain).collect::<Vec<_>>(), "envelope_domains": input.envelope_domains, "adkim": pin.adkim, "aspf": pin.aspf})),
        );
    }
    // A prediction that rests on a failed lookup is no prediction: the check says which.
    for p in &predictions {
        if let Some(f) = &p.failed_lookup {
            let whose = match p.ip {
                Some(ip) => format!("the predicted DMARC result of mail from {ip}"),
                None => "the predicted DMARC result".to_string(),
            };
            name_failure(&mut pred_c, f, &whose);
        }
    }
    predicted_findings(
        &mut pred_c,
        &domain,
        &predictions,
        discovery.policy_for(&domain),
        cannot_align,
    );
    let pred_c = pred_c.done(
        predictions
            .iter()
            .map(|p| p.result)
            .collect::<Vec<_>>()
            .join(", ")
            .to_string()
            + " (predicted DMARC result per sending IP)",
    );
    let ev = requirements::Evidence {
        from_domain: domain.clone(),
        dmarc: discovery.policy_for(&domain),
        dmarc_failed: policy_failed.clone(),
        dkim_keys: key_triples.clone(),
        dkim_known: keys_known,
        dkim_failed: keys_failed.first().map(|k| k.1.clone()),
        reverse_dns: rdns
            .iter()
            .map(|r| (r.ip, r.known.then(|| r.forward_confirmed())))
            .collect(),
        rdns_failed: rdns.iter().find_map(|r| r.lookup_failed.clone()),
        spf: spf.clone(),
        orgs: orgs.clone(),
    };
    let items = requirements::checklist(&ev);
    let mut req_c = CheckOutcome::start("sender-rules");
    // Each point left unknown by a failed lookup, once per point.
    let mut named: Vec<requirements::Point> = Vec::new();
    for i in &items {
        if let (Some(f), false) = (&i.failed_lookup, named.contains(&i.point)) {
            named.push(i.point);
            name_failure(
                &mut req_c,
                f,
                &format!("the provider rule \"{}\"", i.point.label()),
            );
        }
    }
    let unmet: Vec<&requirements::Item> = items
        .iter()
        .filter(|i| i.status == requirements::Status::NotMet)
        .collect();
    if !unmet.is_empty() {
        // One entry per point, with the providers that require it.
        let mut points: Vec<(requirements::Point, Vec<&str>)> = Vec::new();
        for i in &unmet {
            match points.iter_mut().find(|p| p.0 == i.point) {
                Some(p) => p.1.push(i.provider),
                None => points.push((i.point, vec![i.provider])),
            }
        }
        let points: Vec<String> = points
            .iter()
            .map(|(p, who)| format!("{} ({})", p.label(), who.join(", ")))
            .collect();
        req_c.push(
            Finding::new(FindingId::SenderProviderRequirements,
                format!(
                    "Mail with From {} misses Gmail / Yahoo / Microsoft sender rules: {}. Those providers reject or junk such mail for all their users.",
                    sanitize::line(&domain),
                    points.join(", ")
                ))
            .with_evidence(serde_json::json!({"checklist": items})),
        );
    }
    let met = items
        .iter()
        .filter(|i| i.status == requirements::Status::Met)
        .count();
    let req_c = req_c.done(format!(
        "{met} of {} provider rules met, {} not met, {} not checkable",
        items.len(),
        unmet.len(),
        items.len() - met - unmet.len()
    ));

    let data = serde_json::json!({
        "domain": domain,
        "dmarc": discovery,
        "dkim_keys": key_status,
        "reverse_dns": rdns,
        "spf": spf,
        "dmarc_prediction": predictions,
        "spf_engine": if spf.is_some() { "evaluated" } else { "not checkable: give --ip and --envelope-domain" },
        "provider_requirements": items,
    });
    let mut sections = vec![
        (
            "Predicted DMARC result".to_string(),
            predictions.iter().map(|p| p.sentence.clone()).collect(),
        ),
        (
            "Provider sender rules".to_string(),
            requirements::lines(&items),
        ),
    ];
    let delegated: Vec<String> = key_status
        .iter()
        .filter_map(|k| {
            k.delegated_to.as_ref().map(|(t, s)| {
                format!(
                    "{} is delegated by CNAME to {}{}",
                    k.name,
                    t,
                    s.as_ref()
                        .map(|s| format!(" (sending service: {s})"))
                        .unwrap_or_default()
                )
            })
        })
        .collect();
    if !delegated.is_empty() {
        sections.push((
            "DKIM keys delegated to sending services".to_string(),
            delegated,
        ));
    }
    Checks {
        dmarc: DmarcChecked::new(&domain, &dmarc_c, discovery),
        outcomes: vec![dmarc_c, dkim_c, rdns_c, pred_c, req_c],
        data,
        sections,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_gives_one_input_per_from_domain() {
        let p = crate::allowlist::profile::SenderProfile::parse(
            "name = \"V\"\ndomains = [\"v.example\", \"mail.v.example\"]\nips = [\"137.22.225.98\", \"167.89.0.0/16\"]\nfrom_domains = [\"v.example\"]\nenvelope_domains = [\"bounce.v.example\"]\ndkim_selectors = [\"s1\", \"esp:bounce.v.example\"]\n",
            "v.toml",
        )
        .unwrap();
        let inputs = AuthInput::from_profile(&p);
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].domain, "v.example");
        assert_eq!(inputs[0].ips, ["137.22.225.98".parse::<IpAddr>().unwrap()]);
        assert_eq!(
            selector_and_domain(&inputs[0].selectors[1], "v.example"),
            ("esp".to_string(), "bounce.v.example".to_string())
        );
    }

    fn walk(found: &[(&str, Option<dmarc::Psd>)]) -> Vec<(String, Option<dmarc::Psd>)> {
        found.iter().map(|(n, p)| (n.to_string(), *p)).collect()
    }

    /// RFC 9989 §4.10.2 rule 3 (format note vector 6): without psd tags the record with the
    /// fewest labels marks the organizational domain, not the first one found.
    #[test]
    fn org_domain_is_the_shortest_record_without_psd_tags() {
        let found = walk(&[("b.example.com", None), ("example.com", None)]);
        assert_eq!(
            organizational_domain("a.b.example.com", &found),
            "example.com"
        );
    }

    /// Rule 1 (vector 7): the first psd=n marks it; the walk stopped there.
    #[test]
    fn org_domain_stops_at_psd_n() {
        let found = walk(&[("b.example.com", Some(dmarc::Psd::N))]);
        assert_eq!(
            organizational_domain("a.b.example.com", &found),
            "b.example.com"
        );
    }

    /// Rule 2 (vectors 8, 9): a psd=y record not at the start makes the organizational domain
    /// the name one label below the PSD, whether or not that name has a record.
    #[test]
    fn org_domain_is_one_below_a_psd() {
        let found = walk(&[("bank.example", Some(dmarc::Psd::Y))]);
        assert_eq!(
            organizational_domain("brand.bank.example", &found),
            "brand.bank.example"
        );
        assert_eq!(
            organizational_domain("mail.mega.bank.example", &found),
            "mega.bank.example"
        );
        let found = walk(&[
            ("brand.bank.example", None),
            ("bank.example", Some(dmarc::Psd::Y)),
        ]);
        assert_eq!(
            organizational_domain("a.brand.bank.example", &found),
            "brand.bank.example"
        );
        // psd=y at the starting name itself does not count for rule 2: rule 3 decides.
        let found = walk(&[("bank.example", Some(dmarc::Psd::Y))]);
        assert_eq!(
            organizational_domain("bank.example", &found),
            "bank.example"
        );
    }

    /// Rule 4: no record anywhere on the walk: the starting name is its own.
    #[test]
    fn org_domain_without_records_is_the_start() {
        assert_eq!(
            organizational_domain("mail.example.com", &[]),
            "mail.example.com"
        );
    }

    fn found(at: &str, text: &str, organizational: bool, exists: Option<bool>) -> Discovery {
        Discovery::Found {
            at: format!("_dmarc.{at}"),
            organizational,
            text: text.into(),
            record: dmarc::parse(text).unwrap(),
            asked: vec![],
            org_domain: at.into(),
            psl_org_domain: at.into(),
            exists,
        }
    }

    /// RFC 9989 §4.10.1 step 3 (vectors 2–4): a record above the From domain gives sp when
    /// the From domain exists, np when it does not (np defaulting to sp, then p); the From
    /// domain's own record gives p (step 1; np never applies to the domain itself).
    #[test]
    fn policy_discovery_picks_p_sp_or_np() {
        use dmarc::Policy::*;
        let rec = "v=DMARC1; p=reject; sp=quarantine; np=none";
        let pol = |d: &Discovery, from: &str| d.policy_for(from).unwrap().unwrap();
        assert_eq!(
            pol(
                &found("example.com", rec, true, Some(true)),
                "sub.example.com"
            ),
            Quarantine
        );
        assert_eq!(
            pol(
                &found("example.com", rec, true, Some(false)),
                "ghost.example.com"
            ),
            None
        );
        let rec4 = "v=DMARC1; p=reject; sp=quarantine";
        assert_eq!(
            pol(
                &found("example.com", rec4, true, Some(false)),
                "ghost.example.com"
            ),
            Quarantine
        );
        assert_eq!(
            pol(
                &found("example.com", rec, false, Option::None),
                "example.com"
            ),
            Reject
        );
        // Vector 9: the PSD's record for an existing subdomain without sp → p.
        let psd = "v=DMARC1; p=reject; psd=y";
        assert_eq!(
            pol(
                &found("bank.example", psd, true, Some(true)),
                "brand.bank.example"
            ),
            Reject
        );
        // Vector 14: t=y lowers what applies one step, the published policy stays.
        let t = found(
            "example.com",
            "v=DMARC1; p=quarantine; t=y",
            false,
            Option::None,
        );
        assert_eq!(pol(&t, "example.com"), None);
        assert_eq!(t.policy_for_published("example.com"), Some(Quarantine));
    }

    /// RFC 9989 §4.10 (format note vector 5): a 13-label name queries itself, then its 7-label
    /// suffix down to the TLD: 8 queries.
    #[test]
    fn the_tree_walk_asks_at_most_eight_names() {
        let names = walk_names("a.b.c.d.e.f.g.h.i.j.mail.example.com");
        assert_eq!(
            names,
            [
                "a.b.c.d.e.f.g.h.i.j.mail.example.com",
                "g.h.i.j.mail.example.com",
                "h.i.j.mail.example.com",
                "i.j.mail.example.com",
                "j.mail.example.com",
                "mail.example.com",
                "example.com",
                "com",
            ]
        );
        assert_eq!(
            walk_names("sub.example.com"),
            ["sub.example.com", "example.com", "com"]
        );
        assert_eq!(walk_names("com"), ["com"]);
        // Exactly 8 labels: itself, then 7 down to 1 = 8 queries.
        assert_eq!(walk_names("a.b.c.d.e.f.g.h").len(), 8);
    }
}
