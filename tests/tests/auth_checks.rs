//! The auth checks end to end against the zones in `fixtures/auth/zones`, served on loopback:
//! one test per finding id, the organizational-domain fall-back, the CNAME delegation, and the
//! temporary DNS failures that must make a check inconclusive.

use mailwhy::auth::{self, AuthInput, Discovery};
use mailwhy::check::{CheckOutcome, CheckStatus, Context};
use mailwhy::Severity;
use mailwhy_tests::{dns_for, fixture, zone_server, Fault, FaultResponder};

async fn ctx() -> (mailwhy::dns::server::ZoneServer, Context) {
    let server = zone_server(&fixture("auth/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    (server, ctx)
}

fn ids(c: &CheckOutcome) -> Vec<&str> {
    c.findings.iter().map(|f| f.id.as_str()).collect()
}

fn keys(list: &[&str], domain: &str) -> Vec<(String, String)> {
    list.iter()
        .map(|s| (s.to_string(), domain.to_string()))
        .collect()
}

#[tokio::test]
async fn dmarc_missing_when_neither_domain_nor_org_domain_publishes() {
    let (_s, ctx) = ctx().await;
    let (c, d) = auth::check_dmarc(&ctx, "nodmarc.example").await;
    assert_eq!(ids(&c), ["dmarc.missing"]);
    // The record with a leading space is discarded but named as a near miss.
    match d {
        Discovery::Missing { near_misses, .. } => {
            assert_eq!(near_misses, [" v=DMARC1; p=reject"])
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dmarc_syntax_error_names_tag_and_position() {
    let (_s, ctx) = ctx().await;
    let (c, _) = auth::check_dmarc(&ctx, "broken.example").await;
    assert_eq!(ids(&c), ["dmarc.syntax-error"]);
    let ev = &c.findings[0].evidence;
    assert_eq!(ev["tag"], "adkim");
    assert_eq!(ev["position"], 26);
}

#[tokio::test]
async fn dmarc_multiple_records_void_the_policy() {
    let (_s, ctx) = ctx().await;
    let (c, d) = auth::check_dmarc(&ctx, "multi.example").await;
    assert_eq!(ids(&c), ["dmarc.multiple-records"]);
    assert!(d.policy_for("multi.example").unwrap().is_err());
}

#[tokio::test]
async fn dmarc_policy_none_is_an_info_and_other_txt_is_ignored() {
    let (_s, ctx) = ctx().await;
    let (c, _) = auth::check_dmarc(&ctx, "vendor.example").await;
    assert_eq!(ids(&c), ["dmarc.policy-none"]);
    assert_eq!(c.findings[0].severity, Severity::Info);
    // good.example has a site-verification TXT beside its DMARC record.
    let (c, d) = auth::check_dmarc(&ctx, "good.example").await;
    assert!(ids(&c).is_empty(), "{:?}", ids(&c));
    assert_eq!(
        d.policy_for("good.example"),
        Some(Ok(auth::dmarc::Policy::Reject))
    );
}

#[tokio::test]
async fn a_subdomain_without_a_record_uses_the_organizational_domain() {
    let (_s, ctx) = ctx().await;
    let (c, d) = auth::check_dmarc(&ctx, "news.vendor.example").await;
    match &d {
        Discovery::Found {
            at, organizational, ..
        } => {
            assert_eq!(at, "_dmarc.vendor.example");
            assert!(organizational);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ids(&c), ["dmarc.policy-none"]);
}

#[tokio::test]
async fn each_dkim_key_problem_has_its_finding() {
    let (_s, ctx) = ctx().await;
    let cases: &[(&str, &[&str], Option<Severity>)] = &[
        ("s2048", &[], None),
        ("s1024", &["dkim.key-weak"], Some(Severity::Warning)),
        ("s512", &["dkim.key-weak"], Some(Severity::Error)),
        ("testing", &["dkim.testing-mode"], Some(Severity::Info)),
        ("revoked", &["dkim.key-revoked"], Some(Severity::Error)),
        ("broken", &["dkim.key-syntax-error"], Some(Severity::Error)),
        ("nosuch", &["dkim.key-missing"], Some(Severity::Error)),
        ("sg", &[], None),
    ];
    for (sel, want, sev) in cases {
        let (c, st) = auth::check_dkim_keys(&ctx, &keys(&[sel], "vendor.example")).await;
        assert_eq!(ids(&c), *want, "selector {sel}");
        if let Some(sev) = sev {
            assert_eq!(c.findings[0].severity, *sev, "selector {sel}");
        }
        assert_eq!(c.status, CheckStatus::Ran);
        match *sel {
            "s2048" | "sg" => assert_eq!(st[0].rsa_bits, Some(2048)),
            "s1024" => assert_eq!(st[0].rsa_bits, Some(1024)),
            "s512" => assert_eq!(st[0].rsa_bits, Some(512)),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_key_delegated_by_cname_names_the_sending_service() {
    let (_s, ctx) = ctx().await;
    let (_, st) = auth::check_dkim_keys(&ctx, &keys(&["sg"], "vendor.example")).await;
    assert_eq!(
        st[0].delegated_to,
        Some((
            "sg.domainkey.u4711.wl.sendgrid.net".to_string(),
            Some("SendGrid".to_string())
        ))
    );
    assert!(st[0].usable());
}

#[tokio::test]
async fn reverse_dns_needs_a_ptr_that_resolves_back() {
    let (_s, ctx) = ctx().await;
    let ips = [
        "137.22.225.98".parse().unwrap(),
        "137.22.225.99".parse().unwrap(),
        "137.22.225.100".parse().unwrap(),
    ];
    let (c, r) = auth::rdns::check(&ctx, &ips).await;
    assert_eq!(ids(&c), ["sender.no-reverse-dns", "sender.no-reverse-dns"]);
    assert_eq!(r[0].confirmed_by.as_deref(), Some("mail.vendor.example"));
    assert_eq!(r[1].ptr, ["ghost.vendor.example"]);
    assert!(!r[1].forward_confirmed());
    assert!(r[2].ptr.is_empty());
    assert_eq!(c.findings[0].evidence["ip"], "137.22.225.99");
}

/// Guards: a profile with several From domains reported the reverse DNS of its one IP list
/// (and a DKIM key at an explicit signing domain) once per domain.
#[tokio::test]
async fn the_from_domains_of_one_sender_share_its_reverse_dns_and_keys() {
    let (_s, ctx) = ctx().await;
    let input = |domain: &str| AuthInput {
        domain: domain.into(),
        selectors: vec!["nokey:vendor.example".into()],
        ips: vec!["137.22.225.100".parse().unwrap()],
        envelope_domains: vec![],
    };
    let each = auth::checks_each(&ctx, &[input("good.example"), input("nodmarc.example")]).await;
    let count = |id: &str| {
        each.iter()
            .flat_map(|c| &c.outcomes)
            .flat_map(|o| &o.findings)
            .filter(|f| f.id == id)
            .count()
    };
    assert_eq!(count("sender.no-reverse-dns"), 1);
    assert_eq!(count("dkim.key-missing"), 1);
    // The second domain still knows the facts (its checklist needs them), and says it checked.
    let second = &each[1];
    let rdns = second
        .outcomes
        .iter()
        .find(|o| o.name == "reverse-dns")
        .unwrap();
    assert_eq!(rdns.status, CheckStatus::Ran);
    assert_eq!(rdns.detail, each[0].outcomes[2].detail);
    assert_eq!(second.data["reverse_dns"], each[0].data["reverse_dns"]);
    assert_eq!(second.data["dkim_keys"], each[0].data["dkim_keys"]);
}

#[tokio::test]
async fn the_provider_checklist_is_one_finding_with_spf_evaluated() {
    let (_s, ctx) = ctx().await;
    let report = auth::run(
        &ctx,
        &AuthInput {
            domain: "nodmarc.example".into(),
            selectors: vec![],
            ips: vec!["137.22.225.100".parse().unwrap()],
            envelope_domains: vec!["nodmarc.example".into()],
        },
    )
    .await;
    let req: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.id == "sender.provider-requirements")
        .collect();
    assert_eq!(req.len(), 1);
    let list = req[0].evidence["checklist"].as_array().unwrap();
    // SPF is evaluated by the SPF engine for the envelope domain and IP given.
    assert!(list
        .iter()
        .filter(|i| i["point"] == "spf")
        .all(|i| i["status"] == "met" || i["status"] == "not-met"));
    assert!(list
        .iter()
        .any(|i| i["point"] == "dmarc" && i["status"] == "not-met"));
    assert!(list
        .iter()
        .any(|i| i["point"] == "reverse-dns" && i["status"] == "not-met"));
    assert_eq!(report.data["spf_engine"], "evaluated");
    // Without an IP, the SPF points cannot be checked, and say so.
    let report = auth::run(
        &ctx,
        &AuthInput {
            domain: "nodmarc.example".into(),
            selectors: vec![],
            ips: vec![],
            envelope_domains: vec!["nodmarc.example".into()],
        },
    )
    .await;
    assert_eq!(
        report.data["spf_engine"],
        "not checkable: give --ip and --envelope-domain"
    );
}

#[tokio::test]
async fn a_good_sender_has_no_finding() {
    let (_s, ctx) = ctx().await;
    let report = auth::run(
        &ctx,
        &AuthInput {
            domain: "good.example".into(),
            selectors: vec!["s1".into()],
            ips: vec!["137.22.225.98".parse().unwrap()],
            envelope_domains: vec![],
        },
    )
    .await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(report.verdict, mailwhy::Verdict::NoProblemFound);
}

#[tokio::test]
async fn servfail_makes_every_auth_check_inconclusive() {
    let bad = FaultResponder::start(Fault::ServFail).await;
    let ctx = Context::new(dns_for(bad.addr()));
    let (c, d) = auth::check_dmarc(&ctx, "vendor.example").await;
    assert!(matches!(c.status, CheckStatus::Inconclusive));
    assert_eq!(ids(&c), ["dns.temporary-failure"]);
    assert!(d.policy_for("vendor.example").is_none());
    let (c, _) = auth::check_dkim_keys(&ctx, &keys(&["s1"], "vendor.example")).await;
    assert!(matches!(c.status, CheckStatus::Inconclusive));
    assert_eq!(ids(&c), ["dns.temporary-failure"]);
    let (c, r) = auth::rdns::check(&ctx, &["137.22.225.98".parse().unwrap()]).await;
    assert!(matches!(c.status, CheckStatus::Inconclusive));
    assert!(!r[0].known);
    assert_eq!(ids(&c), ["dns.temporary-failure"]);
}

#[tokio::test]
async fn a_service_signing_with_its_own_domain_is_not_aligned() {
    let (_s, ctx) = ctx().await;
    let report = auth::run(
        &ctx,
        &AuthInput {
            domain: "vendor.example".into(),
            selectors: vec!["s1:sendgrid.net".into()],
            ips: vec!["137.22.225.98".parse().unwrap()],
            envelope_domains: vec!["bounces.sendgrid.net".into()],
        },
    )
    .await;
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(&"dmarc.not-aligned"), "{ids:?}");
    assert_eq!(report.data["dmarc_prediction"][0]["result"], "fail");
    // The same key under the From domain's own name (CNAME to the service) aligns.
    let report = auth::run(
        &ctx,
        &AuthInput {
            domain: "vendor.example".into(),
            selectors: vec!["sg".into()],
            ips: vec!["137.22.225.98".parse().unwrap()],
            envelope_domains: vec!["bounces.sendgrid.net".into()],
        },
    )
    .await;
    assert!(report.findings.iter().all(|f| f.id != "dmarc.not-aligned"));
    assert_eq!(
        report.data["dmarc_prediction"][0]["sentence"],
        // bounces.sendgrid.net does not align with vendor.example, so only DKIM carries DMARC.
        "mail from 137.22.225.98 with From vendor.example would pass DMARC through DKIM only"
    );
}
