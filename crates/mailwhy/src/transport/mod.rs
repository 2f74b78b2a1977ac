//! The recipient domain's transport rules: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460).
//!
//! A receiving domain can make senders refuse to deliver: an MTA-STS policy in `enforce` mode
//! whose `mx` patterns no longer cover the domain's MX hosts after a migration makes every
//! sender that applies it queue the mail and give up days later, while the recipient sees
//! nothing. This module reads the `_mta-sts` record, fetches and parses the policy
//! ([`fetch`], [`sts`]), checks every MX host against the patterns, and reads the
//! `_smtp._tls` record ([`tlsrpt`]). Each step is one check; a DNS or HTTPS fault whose cause
//! is on our side of the wire (timeout, refused connection, SERVFAIL) makes the check
//! inconclusive, never "no problem". With `--probe` each MX host is probed ([`probe`]); the MX
//! hosts' TLSA records are read and, with the probe's chain, matched ([`dane`], without DNSSEC
//! validation); with `--sts-cache` the policy is compared with the previous fetch ([`cache`]).

pub mod cache;
pub mod dane;
pub mod fetch;
pub mod probe;
pub mod sts;
pub mod tlsrpt;

use serde_json::json;

use crate::check::{CheckOutcome, Context};
use crate::dns::RecordType;
use crate::finding::{Finding, FindingId, Severity};
use crate::report::{Report, Stats};
use crate::sanitize;

pub use fetch::{FetchError, FetchOptions};
pub use probe::{MxProbe, ProbeOptions};
pub use sts::{Mode, Policy, StsRecord, SyntaxError};
pub use tlsrpt::TlsRptRecord;

/// Shortest `max_age` worth having: RFC 8461 §3.2 expects "weeks or greater"; below a day a
/// policy lapses between a sender's daily refreshes.
pub const MAX_AGE_SHORT: u64 = 86_400;

/// Words in a bounce or delivery log that point at the recipient's TLS rules (the reply texts
/// of `formats/transport-security.md` §4: Exchange Online's 5.7.321-5.7.325 and "MTA-STS
/// validation", Postfix's "TLS is required", Gmail's "TLS Negotiation failed"). Matched
/// case-insensitively anywhere; a false match only runs the check once more.
pub const BOUNCE_WORDS: &[&str] = &[
    "starttls",
    "mta-sts",
    "tlsa",
    "dane",
    "dnssec",
    "certificate",
    "tls is required",
    "tls negotiation",
    "requires encryption",
    "5.7.321",
    "5.7.322",
    "5.7.323",
    "5.7.324",
    "5.7.325",
];

/// True when `text` names STARTTLS, MTA-STS, DANE or a certificate failure ([`BOUNCE_WORDS`]).
pub fn mentions_transport(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    BOUNCE_WORDS.iter().any(|w| lower.contains(w))
}

/// The TXT records of `name` that begin with `prefix`, or the failure that hid them.
async fn tagged_txt(
    ctx: &Context,
    name: &str,
    prefix: &str,
    c: &mut crate::check::OutcomeBuilder,
    needed_for: &str,
) -> Option<Vec<String>> {
    let answer = match ctx.dns.query(name, RecordType::TXT).await {
        Ok(a) => a,
        Err(e) => {
            c.inconclusive(format!("{name} is not a name that can be looked up: {e}"));
            return None;
        }
    };
    if c.dns_failure(&answer, needed_for) {
        return None;
    }
    Some(
        answer
            .txt()
            .into_iter()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .filter(|t| t.starts_with(prefix))
            .collect(),
    )
}

/// What the transport checks saw, for the report's `data`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TransportFacts {
    /// The `_mta-sts` record's id, when it parsed.
    pub sts_id: Option<String>,
    /// The policy, when it was fetched and parsed.
    pub policy: Option<Policy>,
    /// Why the policy could not be fetched.
    pub fetch_error: Option<String>,
    /// The MX hosts, in preference order.
    pub mx: Vec<String>,
    /// The MX hosts no `mx` pattern covers.
    pub mx_not_covered: Vec<String>,
    /// The TLS-RPT `rua` URIs, when the record parsed.
    pub tls_rpt: Option<Vec<String>>,
    /// Each MX host with TLSA records: `{host, records, dnssec}`; `dnssec` is always `unknown`
    /// (mailwhy does not validate DNSSEC).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dane: Vec<serde_json::Value>,
    /// With `--sts-cache`: the previous fetch remembered for this domain, as it was before this
    /// run (absent when there was none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sts_previous: Option<cache::Entry>,
    /// With `--probe`: what each MX host did (STARTTLS, TLS, certificate).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<MxProbe>,
}

/// Runs every transport check on `domain`; one outcome per step, and the facts.
pub async fn checks(
    ctx: &Context,
    domain: &str,
    opts: &FetchOptions,
    probe: Option<&ProbeOptions>,
) -> (Vec<CheckOutcome>, TransportFacts) {
    let mut facts = TransportFacts::default();
    let mut outcomes = vec![];

    // 1. The `_mta-sts` record.
    let name = format!("_mta-sts.{domain}");
    let mut c = CheckOutcome::start("mta-sts-record");
    let record = match tagged_txt(ctx, &name, "v=STSv1", &mut c, "the MTA-STS record").await {
        None => {
            outcomes.push(c.done("lookup failed"));
            None
        }
        Some(found) if found.is_empty() => {
            outcomes.push(c.done(format!("no MTA-STS record at {name}")));
            None
        }
        Some(found) if found.len() > 1 => {
            c.push(
                Finding::new(
                    FindingId::TransportStsRecordInvalid,
                    format!(
                        "{name} has {} records beginning with v=STSv1; RFC 8461 §3.1 says a sender then sees no policy.",
                        found.len()
                    ),
                )
                .with_evidence(json!({ "name": name, "records": found })),
            );
            outcomes.push(c.done("several MTA-STS records"));
            None
        }
        Some(found) => match sts::parse_record(&found[0]) {
            Ok(r) => {
                facts.sts_id = Some(r.id.clone());
                outcomes.push(c.done(format!("v=STSv1, id={}", sanitize::line(&r.id))));
                Some(r)
            }
            Err(e) => {
                c.push(
                    Finding::new(
                        FindingId::TransportStsRecordInvalid,
                        format!("The record at {name} is not valid MTA-STS: {e}."),
                    )
                    .with_evidence(json!({ "name": name, "record": found[0], "error": e })),
                );
                outcomes.push(c.done("record does not parse"));
                None
            }
        },
    };
    let record_failed = outcomes[0].status == crate::check::CheckStatus::Inconclusive;

    // 2. The policy, fetched even without a record: a policy nobody is told to fetch is a
    // half-finished set-up worth a warning.
    let mut c = CheckOutcome::start("mta-sts-policy");
    let url = format!("https://mta-sts.{domain}/.well-known/mta-sts.txt");
    let policy = match fetch::fetch_policy(ctx, domain, opts).await {
        Ok(body) => match sts::parse_policy(&body) {
            Ok(p) => {
                if record.is_none() && !record_failed && outcomes[0].findings.is_empty() {
                    c.push(
                        Finding::new(
                            FindingId::TransportStsRecordMissing,
                            format!("{url} serves a policy (mode {}), but {name} has no v=STSv1 record, so no sender fetches it.", p.mode.as_str()),
                        )
                        .with_evidence(json!({ "url": url, "mode": p.mode })),
                    );
                }
                Some(p)
            }
            Err(e) => {
                if record.is_some() {
                    c.push(
                        Finding::new(
                            FindingId::TransportStsPolicyInvalid,
                            format!("The policy at {url} does not parse: {e}."),
                        )
                        .with_evidence(json!({ "url": url, "error": e })),
                    );
                }
                None
            }
        },
        Err(e) => {
            facts.fetch_error = Some(e.describe());
            if record.is_some() {
                match &e {
                    FetchError::NoHost | FetchError::NotFound => c.push(
                        Finding::new(
                            FindingId::TransportStsPolicyMissing,
                            format!(
                                "{name} announces a policy (id {}), but {url} gives none: {}.",
                                sanitize::line(
                                    &record.as_ref().map(|r| r.id.clone()).unwrap_or_default()
                                ),
                                e.describe()
                            ),
                        )
                        .with_evidence(json!({ "url": url, "error": e.describe() })),
                    ),
                    _ => {
                        let mut f = Finding::new(
                            FindingId::TransportStsFetchFailed,
                            format!("Fetching {url} failed: {}.", e.describe()),
                        )
                        .with_evidence(json!({ "url": url, "error": e.describe(), "transient": e.is_transient() }));
                        if e.is_transient() {
                            f = f.with_severity(Severity::Warning);
                            c.inconclusive(format!(
                                "the MTA-STS policy could not be fetched ({}); try again",
                                e.describe()
                            ));
                        }
                        c.push(f);
                    }
                }
            }
            None
        }
    };
    let detail = match (&policy, &facts.fetch_error) {
        (Some(p), _) => format!(
            "mode {}, {} mx pattern(s), max_age {}",
            p.mode.as_str(),
            p.mx.len(),
            p.max_age
        ),
        (None, Some(e)) => format!("no policy: {e}"),
        (None, None) => "the policy does not parse".into(),
    };
    if let Some(p) = &policy {
        if record.is_some() && (p.max_age < MAX_AGE_SHORT || p.max_age > sts::MAX_AGE_LIMIT) {
            let why = if p.max_age < MAX_AGE_SHORT {
                "shorter than a day: the policy lapses between senders' refreshes, and a short outage of the policy host leaves it unprotected"
            } else {
                "longer than RFC 8461's one-year maximum (31557600)"
            };
            c.push(
                Finding::new(
                    FindingId::TransportStsMaxAgeOutOfRange,
                    format!("The policy's max_age is {} s, {why}.", p.max_age),
                )
                .with_evidence(json!({ "max_age": p.max_age })),
            );
        }
    }
    outcomes.push(c.done(detail));
    facts.policy = policy.clone();

    // 3. Every MX against the patterns.
    let mut c = CheckOutcome::start("mta-sts-mx");
    match (&policy, &record) {
        (Some(p), Some(_)) if p.mode != Mode::None => {
            match ctx.dns.query(domain, RecordType::MX).await {
                Ok(answer) if c.dns_failure(&answer, "the MX hosts against the MTA-STS policy") => {
                    outcomes.push(c.done("MX lookup failed"));
                }
                Ok(answer) => {
                    facts.mx = answer
                        .mx()
                        .into_iter()
                        .map(|(_, h)| h.trim_end_matches('.').to_ascii_lowercase())
                        .filter(|h| !h.is_empty())
                        .collect();
                    facts.mx_not_covered = facts
                        .mx
                        .iter()
                        .filter(|h| !p.mx.iter().any(|pat| sts::mx_matches(pat, h)))
                        .cloned()
                        .collect();
                    if !facts.mx_not_covered.is_empty() {
                        let all = facts.mx_not_covered.len() == facts.mx.len();
                        let effect = match (p.mode, all) {
                        (Mode::Enforce, true) => "Senders that apply the policy deliver to none of them: mail to this domain queues and then bounces",
                        (Mode::Enforce, false) => "Senders that apply the policy skip these hosts and use only the others",
                        _ => "In testing mode senders still deliver, and report the failure through TLS-RPT",
                    };
                        let severity = if p.mode == Mode::Enforce {
                            Severity::Error
                        } else {
                            Severity::Warning
                        };
                        c.push(
                        Finding::new(
                            FindingId::TransportMxNotCovered,
                            format!(
                                "MX {} not matched by the policy's mx patterns ({}) in mode {}. {effect}.",
                                facts.mx_not_covered.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(", "),
                                p.mx.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(", "),
                                p.mode.as_str()
                            ),
                        )
                        .with_severity(severity)
                        .with_remedy(format!(
                            "Add an mx: line for each MX host ({}) to the policy at {url}, publish it, and change the id= in {name} so senders fetch it again. If the MX change was a mistake, point the MX back to a host the policy lists.",
                            facts.mx_not_covered.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(", ")
                        ))
                        .with_evidence(json!({ "mode": p.mode, "patterns": p.mx, "mx": facts.mx, "not_covered": facts.mx_not_covered })),
                    );
                    }
                    let detail = if facts.mx.is_empty() {
                        "the domain has no MX hosts to check".to_string()
                    } else {
                        format!(
                            "{} of {} MX host(s) covered by the patterns",
                            facts.mx.len() - facts.mx_not_covered.len(),
                            facts.mx.len()
                        )
                    };
                    outcomes.push(c.done(detail));
                }
                Err(e) => {
                    c.inconclusive(format!("{domain} cannot be looked up: {e}"));
                    outcomes.push(c.done("MX lookup failed"));
                }
            }
        }
        (Some(_), Some(_)) => outcomes.push(CheckOutcome::skipped(
            "mta-sts-mx",
            "the policy's mode is none",
        )),
        _ => outcomes.push(CheckOutcome::skipped(
            "mta-sts-mx",
            "no MTA-STS policy in effect",
        )),
    }

    // 3b. The policy against the previous fetch, when one is remembered.
    if let Some(dir) = &opts.sts_cache {
        outcomes.push(cache_check(
            ctx,
            domain,
            dir,
            record.as_ref(),
            policy.as_ref(),
            &mut facts,
        ));
    }

    // 4. TLS-RPT.
    let name = format!("_smtp._tls.{domain}");
    let mut c = CheckOutcome::start("tls-rpt");
    match tagged_txt(ctx, &name, "v=TLSRPTv1", &mut c, "the TLS-RPT record").await {
        None => outcomes.push(c.done("lookup failed")),
        Some(found) => {
            let detail = match found.len() {
                0 => {
                    let enforcing = policy.as_ref().is_some_and(|p| p.mode == Mode::Enforce)
                        && record.is_some();
                    if enforcing {
                        c.push(Finding::new(
                            FindingId::TransportTlsRptMissing,
                            format!("{domain} enforces MTA-STS but publishes no TLS-RPT record at {name}, so no sender tells it when delivery fails the policy."),
                        ).with_evidence(json!({ "name": name })));
                    }
                    format!("no TLS-RPT record at {name}")
                }
                1 => match tlsrpt::parse_record(&found[0]) {
                    Ok(r) => {
                        let d = format!(
                            "reports to {}",
                            r.rua
                                .iter()
                                .map(|u| sanitize::line(u))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                        facts.tls_rpt = Some(r.rua);
                        d
                    }
                    Err(e) => {
                        c.push(
                            Finding::new(
                                FindingId::TransportTlsRptInvalid,
                                format!("The record at {name} is not valid TLS-RPT: {e}."),
                            )
                            .with_evidence(json!({ "name": name, "record": found[0], "error": e })),
                        );
                        "record does not parse".into()
                    }
                },
                n => {
                    c.push(Finding::new(
                        FindingId::TransportTlsRptInvalid,
                        format!("{name} has {n} records beginning with v=TLSRPTv1; RFC 8460 §3 says senders then send no reports."),
                    ).with_evidence(json!({ "name": name, "records": found })));
                    "several TLS-RPT records".into()
                }
            };
            outcomes.push(c.done(detail));
        }
    }
    if let Some(popts) = probe {
        probe_all(
            ctx,
            domain,
            popts,
            policy.as_ref().filter(|_| record.is_some()),
            &mut outcomes,
            &mut facts,
        )
        .await;
    }
    dane_checks(ctx, domain, &mut outcomes, &mut facts).await;
    (outcomes, facts)
}

/// `transport.sts-id-unchanged`: the policy differs from the one remembered under the same id.
/// A warning, or an error when the remembered policy is `enforce` and leaves out a current MX
/// host: senders holding it refuse that host until its `max_age` runs out.
fn cache_check(
    ctx: &Context,
    domain: &str,
    dir: &std::path::Path,
    record: Option<&StsRecord>,
    policy: Option<&Policy>,
    facts: &mut TransportFacts,
) -> CheckOutcome {
    let (Some(record), Some(policy)) = (record, policy) else {
        return CheckOutcome::skipped(
            "mta-sts-cache",
            "no record and policy to compare with the previous fetch",
        );
    };
    let cache = cache::StsCache::new(dir);
    let mut c = CheckOutcome::start("mta-sts-cache");
    let fresh = cache::Entry {
        id: record.id.clone(),
        policy: policy.clone(),
        fetched: chrono::DateTime::<chrono::Utc>::from(ctx.now)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let (previous, mut detail) = match cache.read(domain) {
        Ok(p) => (p, String::new()),
        // A damaged entry is replaced: it can only hide a change, never invent one.
        Err(e) => (
            None,
            format!(
                "the previous fetch could not be read ({}); ",
                sanitize::line(&e)
            ),
        ),
    };
    let write = match &previous {
        None => {
            detail.push_str("no previous fetch remembered; this one is");
            true
        }
        Some(p) if p.id != record.id => {
            detail.push_str(&format!(
                "id changed from {} (fetched {}); the new policy is remembered",
                sanitize::line(&p.id),
                sanitize::line(&p.fetched)
            ));
            true
        }
        Some(p) if p.policy == *policy => {
            detail.push_str(&format!(
                "id {} and policy as at the previous fetch ({})",
                sanitize::line(&p.id),
                sanitize::line(&p.fetched)
            ));
            false
        }
        Some(p) => {
            let refused: Vec<&String> = if p.policy.mode == Mode::Enforce {
                facts
                    .mx
                    .iter()
                    .filter(|h| !p.policy.mx.iter().any(|pat| sts::mx_matches(pat, h)))
                    .collect()
            } else {
                vec![]
            };
            let effect = if refused.is_empty() {
                "Senders that fetched the old policy keep applying it".to_string()
            } else {
                format!(
                    "Senders that fetched the old enforce policy keep applying it and refuse MX {}, which its mx patterns do not list",
                    refused.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(", ")
                )
            };
            let mut f = Finding::new(
                FindingId::TransportStsIdUnchanged,
                format!(
                    "The policy at https://mta-sts.{domain}/.well-known/mta-sts.txt changed since {} (mode {} → {}, mx {} → {}, max_age {} → {}), but the id in _mta-sts.{domain} is still {}. {effect} until its max_age ({} s) runs out.",
                    sanitize::line(&p.fetched),
                    p.policy.mode.as_str(),
                    policy.mode.as_str(),
                    p.policy.mx.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(" "),
                    policy.mx.iter().map(|h| sanitize::line(h)).collect::<Vec<_>>().join(" "),
                    p.policy.max_age,
                    policy.max_age,
                    sanitize::line(&record.id),
                    p.policy.max_age,
                ),
            )
            .with_remedy(format!(
                "Publish a new id in _mta-sts.{domain} (the date and time of the change is a common choice: v=STSv1; id={};) so senders fetch the new policy.",
                chrono::DateTime::<chrono::Utc>::from(ctx.now).format("%Y%m%dT%H%M%S")
            ))
            .with_evidence(json!({ "id": record.id, "previous": p, "policy": policy, "mx_refused": refused }));
            if !refused.is_empty() {
                f = f.with_severity(Severity::Error);
            }
            c.push(f);
            detail.push_str(&format!(
                "the policy changed under the same id {}",
                sanitize::line(&record.id)
            ));
            false
        }
    };
    if write {
        if let Err(e) = cache.write(domain, &fresh) {
            detail.push_str(&format!(
                "; it could not be remembered ({})",
                sanitize::line(&e)
            ));
        }
    }
    facts.sts_previous = previous;
    c.done(detail)
}

/// DANE for each MX host: its TLSA records, whether they are usable, and with the probe's chain
/// whether one matches. The DNSSEC state is unknown (mailwhy does not validate), so a host with
/// TLSA records leaves its check inconclusive: whether senders apply the records (secure) or
/// defer all mail (bogus) cannot be told from here.
async fn dane_checks(
    ctx: &Context,
    domain: &str,
    outcomes: &mut Vec<CheckOutcome>,
    facts: &mut TransportFacts,
) {
    let hosts: Vec<String> = match ctx.dns.query(domain, RecordType::MX).await {
        Ok(a) => a
            .mx()
            .into_iter()
            .map(|(_, h)| h.trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        Err(_) => return,
    };
    for host in hosts {
        let name = format!("_25._tcp.{host}");
        let mut c = CheckOutcome::start(&format!("dane {host}"));
        let answer = match ctx.dns.query(&name, RecordType::TLSA).await {
            Ok(a) => a,
            Err(e) => {
                c.inconclusive(format!("{name}: {e}"));
                outcomes.push(c.done("not a name that can be looked up"));
                continue;
            }
        };
        if c.dns_failure(&answer, "the MX host's DANE TLSA records") {
            outcomes.push(c.done("TLSA lookup failed"));
            continue;
        }
        let texts: Vec<String> = answer
            .records()
            .filter_map(|d| match d {
                crate::dns::Data::Other { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        if texts.is_empty() {
            outcomes.push(c.done(format!(
                "no TLSA records at {name}: no DANE for this host (DNSSEC state of the denial not validated)"
            )));
            continue;
        }
        let records: Vec<(String, Option<dane::Tlsa>)> = texts
            .iter()
            .map(|t| (t.clone(), dane::Tlsa::parse(t)))
            .collect();
        let usable: Vec<&dane::Tlsa> = records
            .iter()
            .filter_map(|(_, r)| r.as_ref())
            .filter(|r| r.unusable().is_none())
            .collect();
        for (text, r) in &records {
            let why = match r {
                None => {
                    Some("it does not parse as usage selector matching-type hex-data".to_string())
                }
                Some(r) => r.unusable(),
            };
            if let Some(why) = why {
                c.push(
                    Finding::new(
                        FindingId::TransportTlsaUnusable,
                        format!("The TLSA record {} at {name}: {why}.", sanitize::line(text)),
                    )
                    .with_evidence(json!({ "name": name, "record": text, "problem": why })),
                );
            }
        }
        let probed = facts
            .probes
            .iter()
            .find(|p| p.host == host && !p.chain.is_empty());
        let mut detail = format!("{} TLSA record(s), {} usable", records.len(), usable.len());
        if let Some(p) = probed {
            if !usable.is_empty() {
                if usable.iter().any(|r| r.matches(&p.chain)) {
                    detail.push_str(", one matches the presented certificate chain");
                } else {
                    c.push(
                        Finding::new(
                            FindingId::TransportTlsaMismatch,
                            format!(
                                "No usable TLSA record at {name} matches the certificate chain {} presents. DANE-validating senders (Exchange Online: 5.7.323 tlsa-invalid) will not deliver to it if the records are DNSSEC-signed.",
                                sanitize::line(&host)
                            ),
                        )
                        .with_evidence(json!({ "name": name, "records": texts, "host": host })),
                    );
                    detail.push_str(", none matches the presented certificate chain");
                }
            }
        }
        c.inconclusive(format!(
            "{name} has TLSA records, but mailwhy does not validate DNSSEC: whether senders apply them (secure), ignore them (insecure) or defer all mail to the host (bogus) is unknown"
        ));
        facts
            .dane
            .push(json!({ "host": host, "records": texts, "dnssec": "unknown" }));
        outcomes.push(c.done(detail));
    }
}

/// The STARTTLS probe of every MX host; a missing STARTTLS or a bad certificate is an error
/// when an `enforce` policy applies (senders then refuse the host), a warning otherwise (most
/// senders fall back to plain or unverified TLS).
async fn probe_all(
    ctx: &Context,
    domain: &str,
    opts: &ProbeOptions,
    policy: Option<&Policy>,
    outcomes: &mut Vec<CheckOutcome>,
    facts: &mut TransportFacts,
) {
    let hosts: Vec<String> = match ctx.dns.query(domain, RecordType::MX).await {
        Ok(a) if a.outcome.is_temporary_failure() => {
            let mut c = CheckOutcome::start("smtp-probe");
            c.dns_failure(&a, "the MX hosts to probe");
            outcomes.push(c.done("MX lookup failed"));
            return;
        }
        Ok(a) => a
            .mx()
            .into_iter()
            .map(|(_, h)| h.trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect(),
        Err(e) => {
            outcomes.push(CheckOutcome::inconclusive(
                "smtp-probe",
                format!("{domain}: {e}"),
            ));
            return;
        }
    };
    if hosts.is_empty() {
        outcomes.push(CheckOutcome::skipped(
            "smtp-probe",
            "the domain has no MX hosts",
        ));
        return;
    }
    let enforce = policy.is_some_and(|p| p.mode == Mode::Enforce);
    let severity = if enforce {
        Severity::Error
    } else {
        Severity::Warning
    };
    let consequence = if enforce {
        "Under the domain's enforce MTA-STS policy, senders will not deliver to this host."
    } else {
        "Senders that require TLS (an MTA-STS or DANE policy, or their own rules) will not deliver to this host."
    };
    for host in hosts {
        let (mut steps, seen) = probe::probe_mx(ctx, &host, opts).await;
        let mut found = vec![];
        if seen.starttls_offered == Some(false) {
            found.push(
                Finding::new(
                    FindingId::TransportStarttlsMissing,
                    format!(
                        "MX {} does not offer STARTTLS after EHLO. {consequence}",
                        sanitize::line(&host)
                    ),
                )
                .with_severity(severity)
                .with_evidence(
                    json!({ "host": host, "address": seen.address, "transcript": seen.transcript }),
                ),
            );
        }
        if let Some(problem) = &seen.certificate_problem {
            found.push(
                Finding::new(
                    FindingId::TransportMxCertificateInvalid,
                    format!("MX {}: {problem}. {consequence}", sanitize::line(&host)),
                )
                .with_severity(severity)
                .with_evidence(json!({ "host": host, "address": seen.address, "tls": seen.tls, "problem": problem })),
            );
        }
        if let Some(last) = steps.last_mut() {
            last.findings.extend(found);
        }
        outcomes.extend(steps);
        facts.probes.push(seen);
    }
}

/// The `mailwhy transport DOMAIN` report; `probe` runs the STARTTLS probe of every MX.
pub async fn report(
    ctx: &Context,
    domain: &str,
    opts: &FetchOptions,
    probe: Option<&ProbeOptions>,
) -> Report {
    let (outcomes, facts) = checks(ctx, domain, opts, probe).await;
    Report::from_outcomes(domain, outcomes, Stats::default())
        .with_data(serde_json::to_value(&facts).unwrap_or_default())
}
