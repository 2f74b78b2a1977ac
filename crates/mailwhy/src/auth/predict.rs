//! The DMARC result a sender's mail would get, predicted from DNS alone: per sending IP, DKIM by
//! key presence (a usable key at a domain aligned with From) and SPF from the SPF engine's
//! verdicts when they are available. Pure: the checks gather the inputs.
//!
//! Without SPF verdicts a prediction is still certain in two cases: an aligned DKIM key exists
//! (DMARC can pass through DKIM), or neither any DKIM key domain nor any envelope domain aligns
//! with From (DMARC cannot pass whatever SPF says: `dmarc.not-aligned`).

use std::net::IpAddr;

use serde::Serialize;

use super::alignment::{aligned, OrgDomains};
use super::dmarc::AlignmentMode;
use super::requirements::{FailedLookup, SpfVerdict};

/// What the prediction rests on.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// The From domain.
    pub from: &'a str,
    /// DKIM alignment mode of the policy (relaxed when there is none).
    pub adkim: Option<AlignmentMode>,
    /// SPF alignment mode of the policy.
    pub aspf: Option<AlignmentMode>,
    /// The DMARC lookup that failed, when the policy (and so its alignment modes) is unknown.
    pub policy_failed: Option<&'a FailedLookup>,
    /// `(selector, signing domain, usable)` per selector checked.
    pub keys: &'a [(String, String, bool)],
    /// `(signing domain, failed lookup)` per selector whose key could not be looked up.
    pub keys_failed: &'a [(String, FailedLookup)],
    /// Envelope (MAIL FROM) domains.
    pub envelope_domains: &'a [String],
    /// Sending IPs (none: one prediction for "any IP").
    pub ips: &'a [IpAddr],
    /// SPF verdicts, when the SPF engine provided them.
    pub spf: Option<&'a [SpfVerdict]>,
    /// The organizational domains of From and of the key and envelope domains by the tree walk.
    pub orgs: &'a OrgDomains,
}

/// The predicted result for one IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Prediction {
    /// The sending IP (`None` = whatever IP).
    pub ip: Option<IpAddr>,
    /// `pass`, `fail` or `unknown`.
    pub result: &'static str,
    /// What passes aligned: `dkim`, `spf`.
    pub through: Vec<&'static str>,
    /// One sentence for people.
    pub sentence: String,
    /// The failed lookup the result depends on, when that made it `unknown`.
    #[serde(skip)]
    pub failed_lookup: Option<FailedLookup>,
    /// The input that was not given, when its absence made the result `unknown` ("cannot
    /// tell"): a check built on the prediction is then inconclusive, never "no problem".
    #[serde(skip)]
    pub missing: Option<Missing>,
}

/// An input a prediction needed and did not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// No DKIM selector is known, so DKIM alignment cannot be judged, and SPF does not pass
    /// aligned (or was not evaluated).
    DkimSelector,
    /// The SPF evaluation (sending IPs and envelope domains) was not given, and no usable
    /// aligned DKIM key was found among the selectors given.
    SpfInputs,
}

/// True when no DKIM key domain and no envelope domain aligns with From, so DMARC cannot pass.
/// Only meaningful when both selectors and envelope domains were given. Relaxed alignment when
/// the policy does not say (or is unknown): the widest, so "cannot align" holds in every mode.
pub(crate) fn nothing_can_align(i: &Inputs<'_>) -> bool {
    let adkim = i.adkim.unwrap_or(AlignmentMode::Relaxed);
    let aspf = i.aspf.unwrap_or(AlignmentMode::Relaxed);
    !i.keys.is_empty()
        && !i.envelope_domains.is_empty()
        && !i.keys.iter().any(|k| aligned(&k.1, i.from, adkim, i.orgs))
        && !i
            .envelope_domains
            .iter()
            .any(|d| aligned(d, i.from, aspf, i.orgs))
}

/// The SPF side of one IP's prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spf {
    /// An aligned envelope domain passes.
    Pass,
    /// Evaluated, and no aligned envelope domain passes.
    NoPass,
    /// No aligned pass, and an aligned envelope domain's evaluation hit a DNS failure.
    Unknown(FailedLookup),
    /// Not evaluated (no verdicts given).
    NotEvaluated,
}

/// One IP's result in the alignment modes `(adkim, aspf)`: result, what passes, and the failed
/// lookup an `unknown` rests on.
fn judge_ip(
    i: &Inputs<'_>,
    ip: Option<IpAddr>,
    adkim: AlignmentMode,
    aspf: AlignmentMode,
) -> (&'static str, Vec<&'static str>, Option<FailedLookup>, Spf) {
    let dkim_pass = i
        .keys
        .iter()
        .any(|k| k.2 && aligned(&k.1, i.from, adkim, i.orgs));
    let dkim_unknown = i
        .keys_failed
        .iter()
        .find(|(d, _)| aligned(d, i.from, adkim, i.orgs))
        .map(|(_, f)| f.clone());
    let spf = match i.spf {
        None => Spf::NotEvaluated,
        Some(v) => {
            let of_ip = v.iter().filter(|s| {
                ip.is_none_or(|ip| s.ip == ip) && aligned(&s.domain, i.from, aspf, i.orgs)
            });
            let mut state = Spf::NoPass;
            for s in of_ip {
                match s.result.as_str() {
                    "pass" => {
                        state = Spf::Pass;
                        break;
                    }
                    "temperror" if state == Spf::NoPass => {
                        state = Spf::Unknown(s.failed_lookup.clone().unwrap_or_else(|| {
                            (format!("{} TXT", s.domain), "temperror".to_string())
                        }))
                    }
                    _ => {}
                }
            }
            state
        }
    };
    let mut through = Vec::new();
    if dkim_pass {
        through.push("dkim");
    }
    if spf == Spf::Pass {
        through.push("spf");
    }
    let (result, failed) = if !through.is_empty() {
        ("pass", None)
    } else if nothing_can_align(i) {
        ("fail", None)
    } else if let Some(f) = dkim_unknown {
        ("unknown", Some(f))
    } else if let Spf::Unknown(f) = &spf {
        ("unknown", Some(f.clone()))
    } else if i.keys.is_empty() && i.keys_failed.is_empty() {
        // No selector known: DKIM may pass with a key nobody looked up, so without an aligned
        // SPF pass the result cannot be told ("fail" here would be a guess).
        ("unknown", None)
    } else if spf == Spf::NoPass {
        ("fail", None)
    } else {
        ("unknown", None)
    };
    (result, through, failed, spf)
}

/// The input whose absence left an `unknown` result without a failed lookup.
fn missing_input(i: &Inputs<'_>) -> Missing {
    if i.keys.is_empty() && i.keys_failed.is_empty() {
        Missing::DkimSelector
    } else {
        Missing::SpfInputs
    }
}

/// Predicts the DMARC result per IP.
///
/// A result that rests on a failed lookup is `unknown` and names it. When the policy lookup
/// failed its alignment modes are unknown: a pass must hold in strict mode and a fail in relaxed
/// mode, or the result is unknown.
pub(crate) fn predict(i: &Inputs<'_>) -> Vec<Prediction> {
    let ips: Vec<Option<IpAddr>> = if i.ips.is_empty() {
        vec![None]
    } else {
        i.ips.iter().copied().map(Some).collect()
    };
    ips.into_iter()
        .map(|ip| {
            let (result, through, failed, spf) = match i.policy_failed {
                None => judge_ip(
                    i,
                    ip,
                    i.adkim.unwrap_or(AlignmentMode::Relaxed),
                    i.aspf.unwrap_or(AlignmentMode::Relaxed),
                ),
                Some(policy) => {
                    let strict = judge_ip(i, ip, AlignmentMode::Strict, AlignmentMode::Strict);
                    let relaxed = judge_ip(i, ip, AlignmentMode::Relaxed, AlignmentMode::Relaxed);
                    if strict.0 == "pass" {
                        strict
                    } else if relaxed.0 == "fail" || (relaxed.0 == "unknown" && relaxed.2.is_some())
                    {
                        // A fail in the widest mode holds in every mode; an unknown that names
                        // its own failed lookup says more than the policy's.
                        relaxed
                    } else {
                        ("unknown", vec![], Some(policy.clone()), relaxed.3)
                    }
                }
            };
            let who = match ip {
                Some(ip) => format!("mail from {ip} with From {}", i.from),
                None => format!("mail with From {}", i.from),
            };
            let sentence = match (result, &failed) {
                ("pass", _) => {
                    let how = match (through.contains(&"dkim"), through.contains(&"spf"), &spf) {
                        (true, true, _) => "through DKIM and SPF".to_string(),
                        (true, false, Spf::NoPass) => "through DKIM only".to_string(),
                        (true, false, _) => {
                            let adkim = i.adkim.unwrap_or(AlignmentMode::Relaxed);
                            format!(
                                "through DKIM (signed with {}; SPF not evaluated)",
                                i.keys
                                    .iter()
                                    .filter(|k| k.2 && aligned(&k.1, i.from, adkim, i.orgs))
                                    .map(|k| format!("s={} d={}", k.0, k.1))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            )
                        }
                        _ => "through SPF only".to_string(),
                    };
                    format!("{who} would pass DMARC {how}")
                }
                ("fail", _) if nothing_can_align(i) => format!(
                    "{who} would fail DMARC: neither a DKIM key domain nor an envelope domain aligns with {}",
                    i.from
                ),
                ("fail", _) => format!(
                    "{who} would fail DMARC: no usable aligned DKIM key and no aligned SPF pass"
                ),
                (_, Some((question, outcome))) => format!(
                    "{who}: unknown: the result depends on {question}, whose lookup failed ({outcome}); try again later"
                ),
                _ => match missing_input(i) {
                    Missing::DkimSelector => format!(
                        "{who}: cannot tell: no DKIM selector is known, so DKIM alignment cannot be judged, and {}",
                        if spf == Spf::NotEvaluated {
                            "SPF is not evaluated (give the sending IPs and envelope domains)"
                        } else {
                            "SPF passes for no aligned envelope domain"
                        }
                    ),
                    Missing::SpfInputs => format!(
                        "{who}: cannot tell: no usable aligned DKIM key found; the result depends on SPF, which is not evaluated (give the sending IPs and envelope domains)"
                    ),
                },
            };
            let missing = (result == "unknown" && failed.is_none()).then(|| missing_input(i));
            Prediction {
                ip,
                result,
                through,
                sentence,
                failed_lookup: failed,
                missing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(d: &str, usable: bool) -> (String, String, bool) {
        ("s1".into(), d.into(), usable)
    }

    #[test]
    fn an_aligned_key_predicts_a_pass_through_dkim() {
        let keys = [key("em.procore.com", true)];
        let ips = ["167.89.24.90".parse().unwrap()];
        let spf = [SpfVerdict {
            domain: "sendgrid.net".into(),
            ip: ips[0],
            result: "pass".into(),
            failed_lookup: None,
        }];
        let env = ["sendgrid.net".to_string()];
        let p = predict(&Inputs {
            from: "procore.com",
            keys: &keys,
            ips: &ips,
            envelope_domains: &env,
            spf: Some(&spf),
            ..Default::default()
        });
        assert_eq!(p[0].result, "pass");
        assert_eq!(
            p[0].sentence,
            "mail from 167.89.24.90 with From procore.com would pass DMARC through DKIM only"
        );
        // Strict DKIM alignment rules out the subdomain key.
        let p = predict(&Inputs {
            from: "procore.com",
            adkim: Some(AlignmentMode::Strict),
            keys: &keys,
            ips: &ips,
            envelope_domains: &env,
            spf: Some(&spf),
            ..Default::default()
        });
        assert_eq!(p[0].result, "fail");
    }

    #[test]
    fn nothing_aligned_is_a_certain_fail_without_spf() {
        let keys = [key("sendgrid.net", true)];
        let env = ["bounces.sendgrid.net".to_string()];
        let i = Inputs {
            from: "vendor.example",
            keys: &keys,
            envelope_domains: &env,
            ..Default::default()
        };
        assert!(nothing_can_align(&i));
        assert_eq!(predict(&i)[0].result, "fail");
        let env = ["bounce.vendor.example".to_string()];
        let i = Inputs {
            envelope_domains: &env,
            ..i
        };
        assert!(!nothing_can_align(&i));
        assert_eq!(predict(&i)[0].result, "unknown");
    }

    /// Issue #16: without a selector DKIM may pass with a key nobody looked up, so an SPF that
    /// does not pass aligned leaves the result "cannot tell", not "would fail".
    #[test]
    fn no_selector_and_no_aligned_spf_pass_cannot_be_told() {
        let ips = ["192.0.2.1".parse().unwrap()];
        let spf = [SpfVerdict {
            domain: "vendor.example".into(),
            ip: ips[0],
            result: "fail".into(),
            failed_lookup: None,
        }];
        let env = ["vendor.example".to_string()];
        let i = Inputs {
            from: "vendor.example",
            ips: &ips,
            envelope_domains: &env,
            spf: Some(&spf),
            ..Default::default()
        };
        let p = predict(&i);
        assert_eq!(p[0].result, "unknown", "{}", p[0].sentence);
        assert_eq!(p[0].missing, Some(Missing::DkimSelector));
        assert!(p[0].sentence.contains("cannot tell"), "{}", p[0].sentence);
        // With the selector known (its key missing) the fail is certain.
        let keys = [key("vendor.example", false)];
        let p = predict(&Inputs { keys: &keys, ..i });
        assert_eq!(p[0].result, "fail");
        assert_eq!(p[0].missing, None);
    }

    #[test]
    fn a_failed_spf_lookup_makes_the_prediction_unknown_not_fail() {
        let ips = ["192.0.2.1".parse().unwrap()];
        let spf = [SpfVerdict {
            domain: "vendor.example".into(),
            ip: ips[0],
            result: "temperror".into(),
            failed_lookup: Some(("vendor.example TXT".into(), "servfail".into())),
        }];
        let env = ["vendor.example".to_string()];
        let p = predict(&Inputs {
            from: "vendor.example",
            ips: &ips,
            envelope_domains: &env,
            spf: Some(&spf),
            ..Default::default()
        });
        assert_eq!(p[0].result, "unknown", "{}", p[0].sentence);
        assert!(
            p[0].sentence.contains("vendor.example TXT"),
            "{}",
            p[0].sentence
        );
        assert_eq!(p[0].failed_lookup.as_ref().unwrap().1, "servfail");
    }

    #[test]
    fn an_unknown_policy_keeps_a_pass_only_if_strict_alignment_passes() {
        let failed = ("_dmarc.procore.com TXT".to_string(), "timeout".to_string());
        // A key at a subdomain aligns only in relaxed mode: unknown without the policy.
        let keys = [key("em.procore.com", true)];
        let p = predict(&Inputs {
            from: "procore.com",
            keys: &keys,
            policy_failed: Some(&failed),
            ..Default::default()
        });
        assert_eq!(p[0].result, "unknown");
        assert!(p[0].sentence.contains("_dmarc.procore.com TXT"));
        // A key at the From domain itself passes in every mode.
        let keys = [key("procore.com", true)];
        let p = predict(&Inputs {
            from: "procore.com",
            keys: &keys,
            policy_failed: Some(&failed),
            ..Default::default()
        });
        assert_eq!(p[0].result, "pass");
    }
}
