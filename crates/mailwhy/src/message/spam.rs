//! Spam verdicts that receiving filters write into headers, normalized to one shape
//! ([`Verdict`]: filter, spam or not, score, threshold, reasons). Which header belongs to which
//! filter and how to read it is one table (`FILTERS`); the readers are small functions.

use serde::Serialize;

/// One filter's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The filter (`SpamAssassin`, `Microsoft 365` ...).
    pub filter: &'static str,
    /// The header it was read from.
    pub header: String,
    /// True when the filter classed the message as spam (or bulk/phish), false when it passed
    /// it, unknown when the header says neither.
    pub spam: Option<bool>,
    /// The score, in the filter's own scale.
    pub score: Option<f64>,
    /// The threshold at which the filter acts, when the header says (or the filter's default).
    pub threshold: Option<f64>,
    /// Rule names, categories or reasons the filter gave.
    pub reasons: Vec<String>,
}

type Reader = fn(&str) -> Partial;

/// What one header says, before it is tagged with its filter.
#[derive(Debug, Default)]
struct Partial {
    spam: Option<bool>,
    score: Option<f64>,
    threshold: Option<f64>,
    reasons: Vec<String>,
}

/// Filters and their headers (lowercase names). Several headers of one filter merge.
const FILTERS: &[(&str, &str, Reader)] = &[
    ("SpamAssassin", "x-spam-status", spamassassin_status),
    ("SpamAssassin", "x-spam-flag", yes_no_flag),
    ("SpamAssassin", "x-spam-score", plain_score),
    ("Microsoft 365", "x-forefront-antispam-report", forefront),
    ("Microsoft 365", "x-ms-exchange-organization-scl", scl),
    ("Microsoft 365", "x-microsoft-antispam", microsoft_bcl),
    ("Rspamd", "x-spamd-result", rspamd_result),
    ("Rspamd", "x-rspamd-action", rspamd_action),
    ("Rspamd", "x-rspamd-score", plain_score),
    (
        "Proofpoint",
        "x-proofpoint-spam-details",
        proofpoint_details,
    ),
    ("Proofpoint", "x-proofpoint-spam-reason", proofpoint_reason),
    ("Mimecast", "x-mimecast-spam-score", plain_score),
    ("Mimecast", "x-mimecast-spam-signature", reason_only),
    ("Barracuda", "x-barracuda-spam-status", barracuda_status),
    ("Barracuda", "x-barracuda-spam-flag", yes_no_flag),
    ("Barracuda", "x-barracuda-spam-score", plain_score),
    ("Cisco", "x-ironport-anti-spam-result", reason_only),
    ("Cisco", "x-ironport-spam", cisco_verdict),
    ("Cisco", "x-ironport-anti-spam", cisco_verdict),
];

fn num(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches([';', ','])
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
}

fn kv<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    s.split(|c: char| c.is_whitespace() || c == ';')
        .find_map(|w| {
            let (k, v) = w.split_once('=').or_else(|| w.split_once(':'))?;
            k.eq_ignore_ascii_case(key).then_some(v)
        })
}

/// `Yes, score=7.3 required=5.0 tests=BAYES_99,URIBL_BLACK autolearn=no`
fn spamassassin_status(v: &str) -> Partial {
    let lower = v.trim().to_ascii_lowercase();
    let tests = kv(v, "tests")
        .map(|t| {
            t.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s != "none")
                .collect()
        })
        .unwrap_or_default();
    Partial {
        spam: if lower.starts_with("yes") {
            Some(true)
        } else if lower.starts_with("no") {
            Some(false)
        } else {
            None
        },
        score: kv(v, "score").or_else(|| kv(v, "hits")).and_then(num),
        threshold: kv(v, "required").and_then(num),
        reasons: tests,
    }
}

fn yes_no_flag(v: &str) -> Partial {
    let l = v.trim().to_ascii_lowercase();
    Partial {
        spam: if l.starts_with("yes") || l == "true" {
            Some(true)
        } else if l.starts_with("no") || l == "false" {
            Some(false)
        } else {
            None
        },
        ..Default::default()
    }
}

fn plain_score(v: &str) -> Partial {
    Partial {
        score: num(v.split_whitespace().next().unwrap_or("")),
        ..Default::default()
    }
}

fn reason_only(v: &str) -> Partial {
    Partial {
        reasons: vec![v.trim().chars().take(120).collect()],
        ..Default::default()
    }
}

/// Microsoft's spam confidence level: -1 (trusted) to 9; 5 and above is spam.
fn scl(v: &str) -> Partial {
    let n = num(v);
    Partial {
        spam: n.map(|n| n >= 5.0),
        score: n,
        threshold: Some(5.0),
        reasons: vec![],
    }
}

/// `CIP:..;CTRY:;LANG:en;SCL:5;SRV:;IPV:NLI;SFV:SPM;...;CAT:SPM;SFS:(...);DIR:INB;`
/// SFV: SPM, SKS, SKB spam; NSPM, SFE, SKA, SKI, SKN not. CAT: the category that decided.
fn forefront(v: &str) -> Partial {
    let mut p = Partial {
        threshold: Some(5.0),
        ..Default::default()
    };
    for field in v.split(';') {
        let Some((k, val)) = field.split_once(':') else {
            continue;
        };
        let (k, val) = (k.trim().to_ascii_uppercase(), val.trim());
        match k.as_str() {
            "SFV" => {
                p.spam = match val.to_ascii_uppercase().as_str() {
                    "SPM" | "SKS" | "SKB" => Some(true),
                    "NSPM" | "SFE" | "SKA" | "SKI" | "SKN" | "SKQ" => Some(false),
                    _ => p.spam,
                };
                p.reasons.push(format!("SFV:{val}"));
            }
            "SCL" => {
                p.score = num(val);
                if p.spam.is_none() {
                    p.spam = p.score.map(|s| s >= 5.0);
                }
            }
            "CAT" if !val.is_empty() => {
                let v = val.to_ascii_uppercase();
                if matches!(
                    v.as_str(),
                    "SPM"
                        | "HSPM"
                        | "PHSH"
                        | "HPHSH"
                        | "MALW"
                        | "BULK"
                        | "SPOOF"
                        | "DIMP"
                        | "GIMP"
                        | "UIMP"
                        | "AMP"
                        | "SAP"
                        | "OSPM"
                ) {
                    p.spam = Some(true);
                }
                p.reasons.push(format!("CAT:{val}"));
            }
            "IPV" if !val.is_empty() => p.reasons.push(format!("IPV:{val}")),
            _ => {}
        }
    }
    p
}

/// `BCL:7;` in X-Microsoft-Antispam: the bulk complaint level (0-9), bulk at 7 by default.
fn microsoft_bcl(v: &str) -> Partial {
    let bcl = v
        .split(';')
        .find_map(|f| f.trim().strip_prefix("BCL:").and_then(num));
    match bcl {
        Some(b) => Partial {
            spam: if b >= 7.0 { Some(true) } else { None },
            score: None,
            threshold: None,
            reasons: vec![format!("BCL:{b}")],
        },
        None => Partial::default(),
    }
}

/// `default: False [3.50 / 15.00]; SYMBOL(1.00)[args]; ...`
fn rspamd_result(v: &str) -> Partial {
    let mut p = Partial::default();
    let lower = v.to_ascii_lowercase();
    if let Some(i) = lower.find(':') {
        let after = lower[i + 1..].trim_start();
        p.spam = if after.starts_with("true") {
            Some(true)
        } else if after.starts_with("false") {
            Some(false)
        } else {
            None
        };
    }
    if let (Some(a), Some(b)) = (v.find('['), v.find(']')) {
        if a < b {
            let inner = &v[a + 1..b];
            if let Some((s, t)) = inner.split_once('/') {
                p.score = num(s);
                p.threshold = num(t);
            }
        }
    }
    for sym in v.split(';').skip(1) {
        let name: String = sym
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            p.reasons.push(name);
        }
    }
    p
}

/// `no action`, `greylist`, `add header`, `rewrite subject`, `soft reject`, `reject`.
fn rspamd_action(v: &str) -> Partial {
    let l = v.trim().to_ascii_lowercase();
    Partial {
        spam: Some(matches!(
            l.as_str(),
            "add header" | "rewrite subject" | "reject" | "soft reject"
        )),
        reasons: vec![format!("action:{l}")],
        ..Default::default()
    }
}

/// `rule=notspam policy=default score=0 spamscore=0 ... bulkscore=0 ... mlxscore=0`
fn proofpoint_details(v: &str) -> Partial {
    let rule = kv(v, "rule").unwrap_or("").to_ascii_lowercase();
    Partial {
        spam: match rule.as_str() {
            "spam" | "bulk" | "phish" | "malware" | "quarantine" => Some(true),
            "notspam" | "safe" => Some(false),
            _ => None,
        },
        score: kv(v, "spamscore").or_else(|| kv(v, "score")).and_then(num),
        threshold: None,
        reasons: if rule.is_empty() {
            vec![]
        } else {
            vec![format!("rule={rule}")]
        },
    }
}

/// `safe`, `orgsafe`, `mlx`, `bulk` ...
fn proofpoint_reason(v: &str) -> Partial {
    let l = v.trim().to_ascii_lowercase();
    Partial {
        spam: if l.contains("safe") {
            Some(false)
        } else {
            None
        },
        reasons: vec![format!("reason={l}")],
        ..Default::default()
    }
}

/// `No, SCORE=0.00 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0 KILL_LEVEL=5.0 tests=...`
fn barracuda_status(v: &str) -> Partial {
    let mut p = spamassassin_status(v);
    p.threshold = kv(v, "KILL_LEVEL")
        .or_else(|| kv(v, "TAG_LEVEL"))
        .and_then(num);
    p
}

/// Cisco Secure Email (IronPort) writes the verdict name: positive or suspect is spam.
fn cisco_verdict(v: &str) -> Partial {
    let l = v.trim().to_ascii_lowercase();
    Partial {
        spam: if l.contains("positive") || l.contains("suspect") || l.starts_with("spam") {
            Some(true)
        } else if l.contains("negative") {
            Some(false)
        } else {
            None
        },
        reasons: vec![l.chars().take(80).collect()],
        ..Default::default()
    }
}

/// Reads every filter's verdict from `(name, value)` headers.
pub fn verdicts<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Verdict> {
    let mut out: Vec<Verdict> = Vec::new();
    for (name, value) in headers {
        let lname = name.to_ascii_lowercase();
        for (filter, header, read) in FILTERS {
            if *header != lname {
                continue;
            }
            let p = read(value);
            match out.iter_mut().find(|v| v.filter == *filter) {
                Some(v) => {
                    v.spam = match (v.spam, p.spam) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (a, b) => a.or(b),
                    };
                    v.score = v.score.or(p.score);
                    v.threshold = v.threshold.or(p.threshold);
                    v.reasons.extend(p.reasons);
                }
                None => out.push(Verdict {
                    filter,
                    header: name.to_string(),
                    spam: p.spam,
                    score: p.score,
                    threshold: p.threshold,
                    reasons: p.reasons,
                }),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filter_normalizes() {
        let v = verdicts(
            [
                ("X-Spam-Status", "Yes, score=7.3 required=5.0 tests=BAYES_99,URIBL_BLACK autolearn=no"),
                ("X-Forefront-Antispam-Report", "CIP:40.1.1.1;CTRY:;LANG:en;SCL:6;SRV:;IPV:NLI;SFV:SPM;CAT:HSPM;"),
                ("X-Spamd-Result", "default: False [3.50 / 15.00]; R_SPF_ALLOW(-0.20)[+ip4]; BAYES_HAM(-3.00)[99%]"),
                ("X-Proofpoint-Spam-Details", "rule=notspam policy=default score=0 spamscore=0 mlxscore=0"),
                ("X-Barracuda-Spam-Status", "Yes, SCORE=6.10 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0 KILL_LEVEL=5.0 tests=BSF_SC0_MISMATCH_TO"),
            ]
            .into_iter(),
        );
        let get = |f: &str| v.iter().find(|x| x.filter == f).unwrap();
        assert_eq!(get("SpamAssassin").spam, Some(true));
        assert_eq!(get("SpamAssassin").score, Some(7.3));
        assert_eq!(get("SpamAssassin").reasons, ["BAYES_99", "URIBL_BLACK"]);
        assert_eq!(get("Microsoft 365").spam, Some(true));
        assert_eq!(get("Microsoft 365").score, Some(6.0));
        assert_eq!(get("Rspamd").spam, Some(false));
        assert_eq!(get("Rspamd").threshold, Some(15.0));
        assert_eq!(get("Proofpoint").spam, Some(false));
        assert_eq!(get("Barracuda").threshold, Some(5.0));
        assert_eq!(get("Barracuda").spam, Some(true));
    }
}
