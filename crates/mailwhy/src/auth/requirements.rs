//! The mailbox providers' sender rules (Gmail, Yahoo, Microsoft consumer mailboxes): a data
//! table of what each requires, with the date it took effect and where it is written, and the
//! evaluation of that table against what the other auth checks found, as one checklist with
//! met / not met / not checkable per point.
//!
//! The table is the only place these rules live: when a provider changes its rules, edit
//! [`RULES`] and nothing else. SPF evaluation comes from the SPF engine through
//! [`Evidence::spf`]; until it is wired in, every point that needs it is "not checkable".

use serde::Serialize;

use super::dmarc::Policy;

/// One thing a provider checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Point {
    /// SPF passes for the envelope domain.
    Spf,
    /// Mail is DKIM-signed with a published, usable key.
    Dkim,
    /// The From domain publishes a DMARC policy (at least `p=none`).
    Dmarc,
    /// SPF or DKIM aligns with the From domain.
    Alignment,
    /// Sending IPs have forward-confirmed reverse DNS.
    ReverseDns,
    /// Mail is sent over TLS.
    Tls,
    /// Marketing mail carries one-click unsubscribe (RFC 8058).
    OneClickUnsubscribe,
}

impl Point {
    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            Point::Spf => "SPF",
            Point::Dkim => "DKIM",
            Point::Dmarc => "DMARC (at least p=none)",
            Point::Alignment => "From domain aligned with SPF or DKIM",
            Point::ReverseDns => "forward-confirmed reverse DNS",
            Point::Tls => "TLS",
            Point::OneClickUnsubscribe => "one-click unsubscribe",
        }
    }
}

/// Whom a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Scope {
    /// Every sender.
    AllSenders,
    /// Bulk senders (Gmail and Microsoft: more than 5,000 messages a day to their users).
    BulkSenders,
}

/// One provider rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Rule {
    /// The provider.
    pub provider: &'static str,
    /// What it checks.
    pub point: Point,
    /// Whom it applies to.
    pub scope: Scope,
    /// When it took effect (YYYY-MM-DD).
    pub since: &'static str,
    /// Where the provider says so.
    pub source: &'static str,
}

const GMAIL: &str = "Google, \"Email sender guidelines\" (support.google.com/a/answer/81126)";
const YAHOO: &str = "Yahoo, \"Sender best practices\" (senders.yahooinc.com/best-practices)";
const MICROSOFT: &str = "Microsoft, \"Outlook's new requirements for high-volume senders\" (Microsoft Defender for Office 365 blog, 2025-04-02)";

/// The rules, one row per provider and point.
pub(crate) static RULES: &[Rule] = &[
    // Gmail: all senders since 2024-02-01; bulk senders (> 5,000/day) also DMARC, alignment and
    // one-click unsubscribe (unsubscribe enforced from 2024-06-01).
    Rule {
        provider: "Gmail",
        point: Point::Spf,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::Dkim,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::ReverseDns,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::Tls,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::Dmarc,
        scope: Scope::BulkSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::Alignment,
        scope: Scope::BulkSenders,
        since: "2024-02-01",
        source: GMAIL,
    },
    Rule {
        provider: "Gmail",
        point: Point::OneClickUnsubscribe,
        scope: Scope::BulkSenders,
        since: "2024-06-01",
        source: GMAIL,
    },
    // Yahoo: all senders SPF or DKIM and valid reverse DNS; bulk senders SPF and DKIM, DMARC,
    // alignment and one-click unsubscribe.
    Rule {
        provider: "Yahoo",
        point: Point::Spf,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: YAHOO,
    },
    Rule {
        provider: "Yahoo",
        point: Point::Dkim,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: YAHOO,
    },
    Rule {
        provider: "Yahoo",
        point: Point::ReverseDns,
        scope: Scope::AllSenders,
        since: "2024-02-01",
        source: YAHOO,
    },
    Rule {
        provider: "Yahoo",
        point: Point::Dmarc,
        scope: Scope::BulkSenders,
        since: "2024-02-01",
        source: YAHOO,
    },
    Rule {
        provider: "Yahoo",
        point: Point::Alignment,
        scope: Scope::BulkSenders,
        since: "2024-02-01",
        source: YAHOO,
    },
    Rule {
        provider: "Yahoo",
        point: Point::OneClickUnsubscribe,
        scope: Scope::BulkSenders,
        since: "2024-06-01",
        source: YAHOO,
    },
    // Microsoft (outlook.com, hotmail.com, live.com): senders of more than 5,000 messages a day
    // need SPF, DKIM and DMARC (at least p=none, aligned) since 2025-05-05.
    Rule {
        provider: "Microsoft",
        point: Point::Spf,
        scope: Scope::BulkSenders,
        since: "2025-05-05",
        source: MICROSOFT,
    },
    Rule {
        provider: "Microsoft",
        point: Point::Dkim,
        scope: Scope::BulkSenders,
        since: "2025-05-05",
        source: MICROSOFT,
    },
    Rule {
        provider: "Microsoft",
        point: Point::Dmarc,
        scope: Scope::BulkSenders,
        since: "2025-05-05",
        source: MICROSOFT,
    },
    Rule {
        provider: "Microsoft",
        point: Point::Alignment,
        scope: Scope::BulkSenders,
        since: "2025-05-05",
        source: MICROSOFT,
    },
];

/// Whether a point is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Met, by the evidence.
    Met,
    /// Not met, by the evidence.
    NotMet,
    /// mailwhy cannot tell from here (needs a message, an SMTP session, or an input not given).
    NotCheckable,
}

/// The SPF evaluation of one envelope domain for one sending IP, as the SPF engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SpfVerdict {
    /// The envelope (MAIL FROM) domain.
    pub domain: String,
    /// The sending IP.
    pub ip: std::net::IpAddr,
    /// The RFC 7208 result: `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`, `permerror`.
    pub result: String,
    /// For a temperror, the lookup that failed.
    #[serde(skip)]
    pub failed_lookup: Option<FailedLookup>,
}

/// A DNS lookup that failed temporarily: the question (`NAME TYPE`) and how it failed
/// (`servfail`, `refused`, `timeout`). A point that rests on it is not checkable, and says which.
pub type FailedLookup = (String, String);

/// What the other checks found, as the checklist needs it.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The From domain.
    pub from_domain: String,
    /// The DMARC policy found: `Some(Ok(policy))`, `Some(Err(why))` when none applies, `None`
    /// when the lookup failed.
    pub dmarc: Option<Result<Policy, String>>,
    /// The DMARC lookup that failed, when `dmarc` is `None`.
    pub dmarc_failed: Option<FailedLookup>,
    /// DKIM: `(selector, key domain, usable)` for every selector checked.
    pub dkim_keys: Vec<(String, String, bool)>,
    /// Whether DKIM keys were looked up completely (no temporary failure).
    pub dkim_known: bool,
    /// The first DKIM key lookup that failed, when `dkim_known` is false.
    pub dkim_failed: Option<FailedLookup>,
    /// Reverse DNS per sending IP: `(ip, forward confirmed)`; empty when no IP was given.
    pub reverse_dns: Vec<(std::net::IpAddr, Option<bool>)>,
    /// The first reverse DNS lookup that failed.
    pub rdns_failed: Option<FailedLookup>,
    /// SPF verdicts per envelope domain and IP; `None` until the SPF engine is wired in
    /// (see `super::spf_evidence`).
    pub spf: Option<Vec<SpfVerdict>>,
    /// Organizational domains by the RFC 9989 tree walk, for relaxed alignment.
    pub orgs: super::alignment::OrgDomains,
}

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// The provider.
    pub provider: &'static str,
    /// The point.
    pub point: Point,
    /// Whom it applies to.
    pub scope: Scope,
    /// Met, not met, not checkable.
    pub status: Status,
    /// Why, in one line.
    pub evidence: String,
    /// When the rule took effect.
    pub since: &'static str,
    /// Where it is written.
    pub source: &'static str,
    /// The lookup that failed when the point could not be judged because of it.
    #[serde(skip)]
    pub failed_lookup: Option<FailedLookup>,
}

/// Judges one point from the evidence (the same answer for every provider that asks it), with
/// the failed lookup that left it not checkable, or that leaves part of it unknown.
pub fn judge(point: Point, ev: &Evidence) -> (Status, String, Option<FailedLookup>) {
    use Status::*;
    match point {
        Point::Dmarc => match &ev.dmarc {
            Some(Ok(p)) => (
                Met,
                format!("{} publishes DMARC with p={}", ev.from_domain, p.as_str()),
                None,
            ),
            Some(Err(why)) => (NotMet, why.clone(), None),
            None => (
                NotCheckable,
                failed_words("the DMARC lookup", &ev.dmarc_failed),
                ev.dmarc_failed.clone(),
            ),
        },
        Point::Dkim => {
            if ev.dkim_keys.is_empty() {
                return (
                    NotCheckable,
                    "no DKIM selector given (use --selector or dkim_selectors in the profile)"
                        .into(),
                    None,
                );
            }
            let usable: Vec<String> = ev
                .dkim_keys
                .iter()
                .filter(|k| k.2)
                .map(|k| format!("{}._domainkey.{}", k.0, k.1))
                .collect();
            if !usable.is_empty() {
                (Met, format!("usable key at {}", usable.join(", ")), None)
            } else if !ev.dkim_known {
                (
                    NotCheckable,
                    failed_words("a DKIM key lookup", &ev.dkim_failed),
                    ev.dkim_failed.clone(),
                )
            } else {
                (
                    NotMet,
                    "none of the given selectors has a usable key (see the dkim findings)".into(),
                    None,
                )
            }
        }
        Point::Alignment => {
            let aligned = |d: &str| {
                super::alignment::aligned(
                    d,
                    &ev.from_domain,
                    super::dmarc::AlignmentMode::Relaxed,
                    &ev.orgs,
                )
            };
            if let Some(k) = ev.dkim_keys.iter().find(|k| k.2 && aligned(&k.1)) {
                return (
                    Met,
                    format!(
                        "DKIM can align: usable key for d={} (relaxed alignment with {}), judged by key presence",
                        k.1, ev.from_domain
                    ),
                    None,
                );
            }
            let Some(v) = &ev.spf else {
                return (
                    NotCheckable,
                    "no usable aligned DKIM key found, and SPF alignment needs the envelope domains and sending IPs (--envelope-domain, --ip)".into(),
                    ev.dkim_failed.clone().filter(|_| !ev.dkim_known),
                );
            };
            if let Some(s) = v.iter().find(|s| s.result == "pass" && aligned(&s.domain)) {
                return (
                    Met,
                    format!(
                        "SPF passes for aligned envelope domain {} from {}",
                        s.domain, s.ip
                    ),
                    None,
                );
            }
            // Not met only when nothing that could have aligned was left unknown.
            let spf_failed = v
                .iter()
                .find(|s| s.result == "temperror" && aligned(&s.domain))
                .map(spf_failed);
            match (ev.dkim_known, spf_failed) {
                // Without a selector DKIM alignment cannot be judged: DKIM may pass with a key
                // nobody looked up.
                (true, None) if ev.dkim_keys.is_empty() => (
                    NotCheckable,
                    "no DKIM selector given (use --selector or dkim_selectors in the profile), so DKIM alignment cannot be judged, and SPF passes for no aligned envelope domain".into(),
                    None,
                ),
                (false, _) => (
                    NotCheckable,
                    failed_words("a DKIM key lookup", &ev.dkim_failed),
                    ev.dkim_failed.clone(),
                ),
                (true, Some(f)) => (
                    NotCheckable,
                    failed_words("the SPF lookup of an aligned envelope domain", &Some(f.clone())),
                    Some(f),
                ),
                (true, None) => (
                    NotMet,
                    "no usable DKIM key at an aligned domain and no SPF pass for an aligned envelope domain".into(),
                    None,
                ),
            }
        }
        Point::Spf => match &ev.spf {
            None => (
                NotCheckable,
                "needs the SPF evaluation of the envelope domains: give --envelope-domain and --ip"
                    .into(),
                None,
            ),
            Some(v) if v.is_empty() => (
                NotCheckable,
                "no envelope domain and sending IP given".into(),
                None,
            ),
            Some(v) => {
                // A vendor sends through several services, each with its own envelope domain
                // (its own servers with the main domain, SendGrid with em.DOMAIN): every IP needs
                // SPF to pass for one of them, not for all. An IP whose only hope is an
                // evaluation that hit a DNS failure is unknown, not failing.
                let mut ips: Vec<std::net::IpAddr> = v.iter().map(|s| s.ip).collect();
                ips.sort();
                ips.dedup();
                let mut bad = Vec::new();
                let mut failed: Option<FailedLookup> = None;
                for ip in &ips {
                    let of_ip: Vec<&SpfVerdict> = v.iter().filter(|s| s.ip == *ip).collect();
                    if of_ip.iter().any(|s| s.result == "pass") {
                        continue;
                    }
                    if let Some(s) = of_ip.iter().find(|s| s.result == "temperror") {
                        failed.get_or_insert_with(|| spf_failed(s));
                        continue;
                    }
                    let got: Vec<String> = of_ip
                        .iter()
                        .map(|s| format!("{} {}", s.domain, s.result))
                        .collect();
                    bad.push(format!("{ip} ({})", got.join(", ")));
                }
                if !bad.is_empty() {
                    (
                        NotMet,
                        format!("SPF passes for no envelope domain from {}", bad.join("; ")),
                        failed,
                    )
                } else if failed.is_some() {
                    (NotCheckable, failed_words("an SPF lookup", &failed), failed)
                } else {
                    (
                        Met,
                        "SPF passes for every sending IP with one of the envelope domains".into(),
                        None,
                    )
                }
            }
        },
        Point::ReverseDns => {
            if ev.reverse_dns.is_empty() {
                return (NotCheckable, "no sending IP given (use --ip)".into(), None);
            }
            let bad: Vec<String> = ev
                .reverse_dns
                .iter()
                .filter(|r| r.1 == Some(false))
                .map(|r| r.0.to_string())
                .collect();
            let unknown = ev.reverse_dns.iter().any(|r| r.1.is_none());
            let failed = ev.rdns_failed.clone().filter(|_| unknown);
            if !bad.is_empty() {
                (
                    NotMet,
                    format!("no forward-confirmed reverse DNS for {}", bad.join(", ")),
                    failed,
                )
            } else if unknown {
                (
                    NotCheckable,
                    failed_words("a reverse DNS lookup", &ev.rdns_failed),
                    failed,
                )
            } else {
                (
                    Met,
                    "every sending IP has forward-confirmed reverse DNS".into(),
                    None,
                )
            }
        }
        Point::Tls => (
            NotCheckable,
            "needs an SMTP session from the sender's servers, or a received message's headers"
                .into(),
            None,
        ),
        Point::OneClickUnsubscribe => (
            NotCheckable,
            "needs a marketing message (List-Unsubscribe and List-Unsubscribe-Post headers)".into(),
            None,
        ),
    }
}

/// The failed lookup of a temperror SPF verdict (its envelope domain's TXT when the engine
/// did not say which).
fn spf_failed(s: &SpfVerdict) -> FailedLookup {
    s.failed_lookup
        .clone()
        .unwrap_or_else(|| (format!("{} TXT", s.domain), "temperror".into()))
}

/// "`what` failed temporarily", naming the lookup when it is known.
fn failed_words(what: &str, failed: &Option<FailedLookup>) -> String {
    match failed {
        Some((question, outcome)) => {
            format!("{what} failed temporarily ({question}: {outcome}); try again later")
        }
        None => format!("{what} failed temporarily; try again later"),
    }
}

/// The checklist: every rule of [`RULES`] judged from `ev`.
pub fn checklist(ev: &Evidence) -> Vec<Item> {
    RULES
        .iter()
        .map(|r| {
            let (status, evidence, failed_lookup) = judge(r.point, ev);
            Item {
                provider: r.provider,
                point: r.point,
                scope: r.scope,
                status,
                evidence,
                since: r.since,
                source: r.source,
                failed_lookup,
            }
        })
        .collect()
}

/// Text lines of the checklist, one per rule.
pub fn lines(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let mark = match i.status {
                Status::Met => "met",
                Status::NotMet => "NOT MET",
                Status::NotCheckable => "not checkable",
            };
            let scope = match i.scope {
                Scope::AllSenders => "all senders",
                Scope::BulkSenders => "bulk senders",
            };
            format!(
                "{:<9} {:<38} {:<13} ({scope}, since {}): {}",
                i.provider,
                i.point.label(),
                mark,
                i.since,
                i.evidence
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Evidence {
        Evidence {
            from_domain: "vendor.example".into(),
            dmarc: Some(Ok(Policy::None)),
            dkim_keys: vec![("s1".into(), "vendor.example".into(), true)],
            dkim_known: true,
            reverse_dns: vec![("137.22.225.98".parse().unwrap(), Some(true))],
            spf: None,
            ..Default::default()
        }
    }

    #[test]
    fn every_rule_has_a_date_and_a_source() {
        for r in RULES {
            assert!(r.since.len() == 10 && r.since.starts_with("202"), "{r:?}");
            assert!(!r.source.is_empty());
        }
    }

    #[test]
    fn spf_points_are_not_checkable_without_the_engine() {
        let items = checklist(&ev());
        let spf: Vec<_> = items.iter().filter(|i| i.point == Point::Spf).collect();
        assert_eq!(spf.len(), 3);
        assert!(spf.iter().all(|i| i.status == Status::NotCheckable));
        // DKIM alignment by key presence is enough for the alignment point.
        assert!(items
            .iter()
            .filter(|i| i.point == Point::Alignment)
            .all(|i| i.status == Status::Met));
    }

    #[test]
    fn spf_verdicts_decide_the_spf_point_once_given() {
        let mut e = ev();
        e.spf = Some(vec![SpfVerdict {
            domain: "bounce.vendor.example".into(),
            ip: "137.22.225.98".parse().unwrap(),
            result: "softfail".into(),
            failed_lookup: None,
        }]);
        assert_eq!(judge(Point::Spf, &e).0, Status::NotMet);
        // Another envelope domain (the vendor's own servers) passes for that IP: met.
        e.spf.as_mut().unwrap().push(SpfVerdict {
            domain: "vendor.example".into(),
            ip: "137.22.225.98".parse().unwrap(),
            result: "pass".into(),
            failed_lookup: None,
        });
        assert_eq!(judge(Point::Spf, &e).0, Status::Met);
        e.spf.as_mut().unwrap().pop();
        // A key at a domain that does not align, and no aligned SPF pass: not met.
        e.dkim_keys = vec![("s1".into(), "esp.example".into(), true)];
        assert_eq!(judge(Point::Alignment, &e).0, Status::NotMet);
        // No selector known: DKIM may align with a key nobody looked up, so it cannot be told.
        e.dkim_keys.clear();
        let (status, why, _) = judge(Point::Alignment, &e);
        assert_eq!(status, Status::NotCheckable, "{why}");
        assert!(why.contains("no DKIM selector"), "{why}");
    }

    #[test]
    fn a_missing_policy_and_unconfirmed_rdns_are_not_met() {
        let mut e = ev();
        e.dmarc = Some(Err("no DMARC record".into()));
        e.reverse_dns = vec![("137.22.225.98".parse().unwrap(), Some(false))];
        assert_eq!(judge(Point::Dmarc, &e).0, Status::NotMet);
        assert_eq!(judge(Point::ReverseDns, &e).0, Status::NotMet);
    }

    #[test]
    fn an_spf_lookup_that_failed_leaves_the_points_not_checkable_and_named() {
        let mut e = ev();
        e.dkim_keys.clear();
        e.spf = Some(vec![SpfVerdict {
            domain: "vendor.example".into(),
            ip: "137.22.225.98".parse().unwrap(),
            result: "temperror".into(),
            failed_lookup: Some(("vendor.example TXT".into(), "servfail".into())),
        }]);
        for point in [Point::Spf, Point::Alignment] {
            let (status, why, failed) = judge(point, &e);
            assert_eq!(status, Status::NotCheckable, "{point:?}: {why}");
            assert!(why.contains("vendor.example TXT"), "{why}");
            assert_eq!(failed.unwrap().0, "vendor.example TXT");
        }
        e.dmarc = None;
        e.dmarc_failed = Some(("_dmarc.vendor.example TXT".into(), "timeout".into()));
        let (status, why, _) = judge(Point::Dmarc, &e);
        assert_eq!(status, Status::NotCheckable);
        assert!(why.contains("_dmarc.vendor.example TXT"), "{why}");
    }
}
