//! The DMARC result a sender's mail would get, predicted from DNS alone: per sending IP, DKIM by
//! key presence (a usable key at a domain aligned with From) and SPF from the SPF engine's
//! verdicts when they are available. Pure: the checks gather the inputs.
//!
//! Without SPF verdicts a prediction is still certain in two cases: an aligned DKIM key exists
//! (DMARC can pass through DKIM), or neither any DKIM key domain nor any envelope domain aligns
//! with From (DMARC cannot pass whatever SPF says: `dmarc.not-aligned`).

use std::net::IpAddr;

use serde::Serialize;

use super::alignment::aligned;
use super::dmarc::AlignmentMode;
use super::requirements::SpfVerdict;

/// What the prediction rests on.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// The From domain.
    pub from: &'a str,
    /// DKIM alignment mode of the policy (relaxed when there is none).
    pub adkim: Option<AlignmentMode>,
    /// SPF alignment mode of the policy.
    pub aspf: Option<AlignmentMode>,
    /// `(selector, signing domain, usable)` per selector checked.
    pub keys: &'a [(String, String, bool)],
    /// Envelope (MAIL FROM) domains.
    pub envelope_domains: &'a [String],
    /// Sending IPs (none: one prediction for "any IP").
    pub ips: &'a [IpAddr],
    /// SPF verdicts, when the SPF engine provided them.
    pub spf: Option<&'a [SpfVerdict]>,
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
}

/// True when no DKIM key domain and no envelope domain aligns with From, so DMARC cannot pass.
/// Only meaningful when both selectors and envelope domains were given.
pub(crate) fn nothing_can_align(i: &Inputs<'_>) -> bool {
    let adkim = i.adkim.unwrap_or(AlignmentMode::Relaxed);
    let aspf = i.aspf.unwrap_or(AlignmentMode::Relaxed);
    !i.keys.is_empty()
        && !i.envelope_domains.is_empty()
        && !i.keys.iter().any(|k| aligned(&k.1, i.from, adkim))
        && !i.envelope_domains.iter().any(|d| aligned(d, i.from, aspf))
}

/// Predicts the DMARC result per IP.
pub(crate) fn predict(i: &Inputs<'_>) -> Vec<Prediction> {
    let adkim = i.adkim.unwrap_or(AlignmentMode::Relaxed);
    let aspf = i.aspf.unwrap_or(AlignmentMode::Relaxed);
    let dkim: Vec<&(String, String, bool)> = i
        .keys
        .iter()
        .filter(|k| k.2 && aligned(&k.1, i.from, adkim))
        .collect();
    let ips: Vec<Option<IpAddr>> = if i.ips.is_empty() {
        vec![None]
    } else {
        i.ips.iter().copied().map(Some).collect()
    };
    let impossible = nothing_can_align(i);
    ips.into_iter()
        .map(|ip| {
            let spf_pass: Option<bool> = i.spf.map(|v| {
                v.iter().any(|s| {
                    ip.is_none_or(|ip| s.ip == ip)
                        && s.result == "pass"
                        && aligned(&s.domain, i.from, aspf)
                })
            });
            let mut through = Vec::new();
            if !dkim.is_empty() {
                through.push("dkim");
            }
            if spf_pass == Some(true) {
                through.push("spf");
            }
            let who = match ip {
                Some(ip) => format!("mail from {ip} with From {}", i.from),
                None => format!("mail with From {}", i.from),
            };
            let (result, sentence) = if !through.is_empty() {
                let how = match (through.contains(&"dkim"), through.contains(&"spf"), spf_pass) {
                    (true, true, _) => "through DKIM and SPF".to_string(),
                    (true, false, Some(false)) => "through DKIM only".to_string(),
                    (true, false, _) => format!(
                        "through DKIM (signed with {}; SPF not evaluated)",
                        dkim.iter()
                            .map(|k| format!("s={} d={}", k.0, k.1))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                    _ => "through SPF only".to_string(),
                };
                ("pass", format!("{who} would pass DMARC {how}"))
            } else if impossible {
                (
                    "fail",
                    format!("{who} would fail DMARC: neither a DKIM key domain nor an envelope domain aligns with {}", i.from),
                )
            } else if spf_pass == Some(false) {
                (
                    "fail",
                    format!("{who} would fail DMARC: no usable aligned DKIM key and no aligned SPF pass"),
                )
            } else {
                (
                    "unknown",
                    format!("{who}: no usable aligned DKIM key found; the result depends on SPF, which is not evaluated yet"),
                )
            };
            Prediction {
                ip,
                result,
                through,
                sentence,
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
}
