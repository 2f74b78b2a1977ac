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
    assert!(ids.contains(&("sender.provider-requirements", "error")));
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

/// Runs the binary against the zones in `zones` behind a proxy that answers `vendor.example TXT`
/// (the envelope domain's SPF record, and nothing else) with `fault`; returns the exit code and
/// the JSON report.
fn with_envelope_spf_fault(
    fault: mailwhy_tests::Fault,
    zones: &std::path::Path,
    args: &[&str],
) -> (Option<i32>, serde_json::Value) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(mailwhy_tests::zone_server(zones));
    let rule: mailwhy_tests::SilenceRule = std::sync::Arc::new(|name, rtype| {
        name == "vendor.example" && rtype == mailwhy_tests::RecordType::TXT
    });
    let proxy = rt.block_on(mailwhy_tests::SilencingProxy::start_faulting(
        server.addr(),
        rule,
        fault,
    ));
    let addr = proxy.addr().to_string();
    let mut all = vec![
        "--nameserver",
        &addr,
        "--timeout",
        "0.5",
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let o = mailwhy(&all);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {o:?}"));
    (o.status.code(), v)
}

/// What a report must say when the envelope domain's SPF lookup failed: inconclusive (exit 3),
/// the failed lookup named with "try again" by an inconclusive check, no DMARC prediction and no
/// provider rule judged from it.
fn assert_inconclusive_on_the_envelope_spf(code: Option<i32>, v: &serde_json::Value) {
    assert_eq!(code, Some(3), "{v:#}");
    assert_eq!(v["verdict"], "inconclusive", "{v:#}");
    let checks = v["checks"].as_array().unwrap();
    let named = checks.iter().any(|c| {
        let detail = c["detail"].as_str().unwrap_or_default();
        c["status"] == "inconclusive"
            && detail.contains("vendor.example TXT")
            && detail.contains("try again")
    });
    assert!(
        named,
        "no inconclusive check names vendor.example TXT: {v:#}"
    );
    for c in checks {
        let name = c["name"].as_str().unwrap_or_default();
        if name.ends_with("dmarc-result") || name.ends_with("sender-rules") {
            assert_eq!(c["status"], "inconclusive", "{c}");
        }
    }
    let findings = v["findings"].as_array().unwrap();
    assert!(
        !findings
            .iter()
            .any(|f| f["id"] == "sender.provider-requirements"),
        "a provider rule judged from a failed lookup: {v:#}"
    );
    assert!(
        findings.iter().any(|f| f["id"] == "dns.temporary-failure"
            && f["evidence"]["question"] == "vendor.example TXT"),
        "the failed lookup is not reported: {v:#}"
    );
}

const AUTH_ENVELOPE: &[&str] = &[
    "auth",
    "vendor.example",
    "--ip",
    "137.22.225.98",
    "--envelope-domain",
    "vendor.example",
];

#[test]
fn envelope_spf_servfail_is_inconclusive_not_no_problem() {
    let (code, v) = with_envelope_spf_fault(
        mailwhy_tests::Fault::ServFail,
        &mailwhy_tests::fixture("auth/zones"),
        AUTH_ENVELOPE,
    );
    assert_inconclusive_on_the_envelope_spf(code, &v);
    // The prediction says why it has no answer instead of "would fail DMARC".
    let sentence = v["data"]["dmarc_prediction"][0]["sentence"]
        .as_str()
        .unwrap();
    assert_eq!(
        v["data"]["dmarc_prediction"][0]["result"], "unknown",
        "{sentence}"
    );
    assert!(sentence.contains("vendor.example TXT"), "{sentence}");
}

#[test]
fn envelope_spf_silence_is_inconclusive_not_no_problem() {
    let (code, v) = with_envelope_spf_fault(
        mailwhy_tests::Fault::Silent,
        &mailwhy_tests::fixture("auth/zones"),
        AUTH_ENVELOPE,
    );
    assert_inconclusive_on_the_envelope_spf(code, &v);
}

#[test]
fn diagnose_with_a_profile_whose_envelope_spf_fails_is_inconclusive_not_no_problem() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("vendor.toml");
    // The vendor's own domain (checked by spf-drift) publishes no SPF; its envelope domain does,
    // and that lookup fails.
    std::fs::write(
        &profile,
        "name = \"Vendor\"\ndomains = [\"news.vendor.example\"]\nips = [\"137.22.225.98\"]\nfrom_domains = [\"vendor.example\"]\nenvelope_domains = [\"vendor.example\"]\n",
    )
    .unwrap();
    let profile = profile.to_str().unwrap().to_string();
    // The vendor's zones, and a recipient domain (not under a reserved name) whose mail goes to
    // one reachable host.
    let zones = dir.path().join("zones");
    std::fs::create_dir(&zones).unwrap();
    for f in std::fs::read_dir(mailwhy_tests::fixture("auth/zones")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, zones.join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        zones.join("recipient.fr.zone"),
        "@ IN MX 10 mx1.recipient.fr.\nmx1 IN A 185.42.12.10\n",
    )
    .unwrap();
    let (code, v) = with_envelope_spf_fault(
        mailwhy_tests::Fault::ServFail,
        &zones,
        &["diagnose", "pat@recipient.fr", "--sender", &profile],
    );
    assert_inconclusive_on_the_envelope_spf(code, &v);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_lookups_failing_never_rank_provider_rules_first_nor_predict_a_dmarc_fail() {
    let bad = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::ServFail).await;
    let addr = bad.addr().to_string();
    let o = tokio::task::spawn_blocking(move || {
        let mut args = vec!["--nameserver", addr.as_str(), "--format", "json"];
        args.extend_from_slice(AUTH_ENVELOPE);
        mailwhy(&args)
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["id"], "dns.temporary-failure", "{v:#}");
    for c in v["checks"].as_array().unwrap() {
        if c["name"] == "dmarc-result" || c["name"] == "sender-rules" {
            assert_eq!(c["status"], "inconclusive", "{c}");
            assert!(!c["detail"].as_str().unwrap().starts_with("fail"), "{c}");
        }
    }
}
