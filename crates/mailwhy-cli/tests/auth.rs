//! `mailwhy auth` through the real binary against `fixtures/auth/zones` served by `--dns-zones`:
//! exit codes, the findings in JSON (strictly parsed), the checklist section in text, and usage
//! errors.

use std::process::{Command, Output};

use mailwhy_tests::workspace;
use serde::Deserialize;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("run mailwhy")
}

/// The part of the JSON report this test relies on.
#[derive(Debug, Deserialize)]
struct Report {
    verdict: String,
    findings: Vec<Finding>,
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Finding {
    id: String,
    severity: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    domain: String,
    dmarc: serde_json::Value,
    dkim_keys: Vec<serde_json::Value>,
    reverse_dns: Vec<serde_json::Value>,
    spf: Option<serde_json::Value>,
    spf_engine: String,
    dmarc_prediction: Vec<serde_json::Value>,
    provider_requirements: Vec<Item>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    provider: String,
    point: String,
    scope: String,
    status: String,
    evidence: String,
    since: String,
    source: String,
}

#[test]
fn auth_reports_dmarc_dkim_and_reverse_dns_problems_with_exit_1() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/auth/zones",
        "--format",
        "json",
        "auth",
        "vendor.example",
        "--selector",
        "s512",
        "--selector",
        "sg",
        "--ip",
        "137.22.225.99",
        "--envelope-domain",
        "vendor.example",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let r: Report = serde_json::from_slice(&o.stdout).expect("strict JSON");
    assert_eq!(r.verdict, "problem-found");
    let ids: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.severity.as_str()))
        .collect();
    assert!(ids.contains(&("dkim.key-weak", "error")), "{ids:?}");
    assert!(
        ids.contains(&("sender.no-reverse-dns", "warning")),
        "{ids:?}"
    );
    assert!(ids.contains(&("dmarc.policy-none", "info")), "{ids:?}");
    assert!(ids.contains(&("sender.provider-requirements", "warning")));
    assert_eq!(r.data.domain, "vendor.example");
    assert_eq!(r.data.dmarc["state"], "found");
    assert_eq!(r.data.dkim_keys.len(), 2);
    assert_eq!(r.data.reverse_dns.len(), 1);
    // The SPF engine evaluates the envelope domain for the IP: vendor.example's record does not
    // authorize 137.22.225.99.
    let spf = r.data.spf.as_ref().expect("SPF evaluated");
    assert_eq!(spf[0]["result"], "fail");
    assert_eq!(r.data.spf_engine, "evaluated");
    // sg is a usable key delegated to the sending service at d=vendor.example: DKIM aligns.
    assert_eq!(r.data.dmarc_prediction[0]["result"], "pass");
    assert_eq!(r.data.provider_requirements.len(), 17);
    let spf = r
        .data
        .provider_requirements
        .iter()
        .find(|i| i.point == "spf" && i.provider == "Gmail")
        .unwrap();
    assert_eq!(spf.status, "not-met");
    assert!(!spf.source.is_empty() && !spf.since.is_empty() && !spf.evidence.is_empty());
    assert!(r
        .data
        .provider_requirements
        .iter()
        .all(|i| i.scope == "all-senders" || i.scope == "bulk-senders"));
}

#[test]
fn a_good_sender_exits_0_and_shows_the_checklist() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/auth/zones",
        "--color",
        "never",
        "auth",
        "good.example",
        "-s",
        "s1",
        "--ip",
        "137.22.225.98",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Provider sender rules"), "{out}");
    assert!(out.contains("not checkable"), "{out}");
    assert!(out.contains("p=reject from _dmarc.good.example"), "{out}");
}

#[test]
fn bad_arguments_exit_2() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/auth/zones",
        "auth",
        "good.example",
        "--ip",
        "not-an-ip",
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--ip"));
}
