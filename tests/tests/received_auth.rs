//! A received message authenticated by mailwhy itself (SPF through our engine for the connecting
//! IP and envelope sender, every DKIM signature, the DMARC policy and alignment) beside the
//! receivers' Authentication-Results. The messages were signed by dkimpy
//! (fixtures/auth/messages/generate.py); their zones are served by the loopback zone server.

use mailwhy::check::{CheckStatus, Context};
use mailwhy::finding::Severity;
use mailwhy::message::verify::Computed;
use mailwhy::message::{self, Inputs, Options, Parsed};
use mailwhy::report::{Report, Verdict};
use mailwhy_tests::{dns_for, fixture, zone_server, Fault, FaultResponder};

async fn run_with(ctx: &Context, name: &str) -> (Report, Computed) {
    let raw = std::fs::read(fixture(&format!("auth/messages/{name}"))).unwrap();
    let msg = Parsed::new(&raw).unwrap();
    let (opts, inputs) = (Options::default(), Inputs::default());
    let r = message::report(ctx, name, &msg, &opts, &inputs).await;
    assert!(r.data["authentication_computed"].is_object(), "{name}");
    let c = message::check(ctx, &msg, &opts, &inputs).await.computed;
    (r, c.expect("a received message is authenticated"))
}

async fn run(name: &str) -> (Report, Computed) {
    let server = zone_server(&fixture("auth/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    run_with(&ctx, name).await
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test]
async fn an_aligned_message_passes_and_agrees_with_the_receiver() {
    let (r, c) = run("received-pass.eml").await;
    assert_eq!(r.verdict, Verdict::NoProblemFound, "{:?}", ids(&r));
    let spf = c.spf.unwrap();
    assert_eq!((spf.result, spf.identity), ("pass", "mail-from"));
    assert_eq!(spf.domain, "bounce.signed.example");
    assert_eq!(spf.ip.to_string(), "137.22.225.77");
    assert!(c.dkim.iter().all(|s| s.result == "pass") && c.dkim.len() == 2);
    let d = c.dmarc.unwrap();
    assert_eq!((d.result, d.policy), ("pass", Some("reject")));
    assert_eq!(d.aligned_spf.as_deref(), Some("bounce.signed.example"));
    assert!(c.differences.is_empty(), "{:?}", c.differences);
}

#[tokio::test]
async fn forwarding_breaks_spf_and_the_difference_is_explained() {
    let (r, c) = run("received-forwarded.eml").await;
    // We check the forwarder's IP, where the vendor's SPF fails; DKIM survives, so DMARC passes.
    let spf = c.spf.unwrap();
    assert_eq!(
        (spf.result, spf.ip.to_string().as_str()),
        ("fail", "91.198.174.2")
    );
    assert_eq!(c.dmarc.unwrap().result, "pass");
    assert!(!ids(&r).contains(&"dmarc.fail"));
    // The forwarder saw the vendor's IP and recorded spf=pass: that difference, and why.
    assert_eq!(c.differences.len(), 1, "{:?}", c.differences);
    let d = &c.differences[0];
    assert_eq!(
        (d.method, d.receiver.as_str(), d.theirs.as_str()),
        ("spf", "mx.alumni.example", "pass")
    );
    assert!(d.reason.contains("137.22.225.77"), "{}", d.reason);
    assert!(
        d.reason
            .contains("our SPF check at 137.22.225.77 gives pass"),
        "{}",
        d.reason
    );
    assert!(d
        .reason
        .contains("forwarding changes the connecting IP and breaks SPF"));
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "message.auth-disagreement")
        .unwrap();
    assert_eq!(f.severity, Severity::Info);
    // The final receiver's spf=fail beside its dmarc=pass is a warning, not the cause.
    let failed = r
        .findings
        .iter()
        .find(|f| f.id == "message.auth-failed")
        .unwrap();
    assert_eq!(failed.severity, Severity::Warning);
    assert_eq!(c.arc_seals, [(1, "alumni.example".to_string())]);
    let section = r
        .sections
        .iter()
        .find(|s| s.title.starts_with("Authentication: ours"))
        .unwrap();
    assert!(section
        .lines
        .iter()
        .any(|l| l.contains("ARC") && l.contains("vouched")));
}

#[tokio::test]
async fn a_footer_added_after_the_receiver_checked_breaks_the_body_hash() {
    let (r, c) = run("received-body-changed.eml").await;
    assert!(c.dkim.iter().all(|s| s.result == "fail"), "{:?}", c.dkim);
    // SPF still passes aligned: DMARC passes, the broken signatures are warnings.
    assert_eq!(c.dmarc.unwrap().result, "pass");
    let broken: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "dkim.signature-failed")
        .collect();
    assert_eq!(broken.len(), 2);
    assert!(broken.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!(c.differences.len(), 2, "{:?}", c.differences);
    for d in &c.differences {
        assert_eq!((d.method, d.receiver.as_str()), ("dkim", "mx.acme.example"));
        assert!(d.theirs.starts_with("pass"));
        assert!(
            d.reason.contains("footer") && d.reason.contains("body hash"),
            "{}",
            d.reason
        );
    }
}

#[tokio::test]
async fn unaligned_passes_fail_dmarc_with_a_remedy_for_the_vendor() {
    let (r, c) = run("received-dmarc-fail.eml").await;
    let d = c.dmarc.unwrap();
    assert_eq!((d.result, d.policy), ("fail", Some("reject")));
    assert_eq!(r.verdict, Verdict::ProblemFound);
    let fail = r.findings.iter().find(|f| f.id == "dmarc.fail").unwrap();
    assert_eq!(fail.severity, Severity::Error);
    assert!(
        fail.remedy.starts_with("The vendor's mail admin"),
        "{}",
        fail.remedy
    );
    assert!(fail.detail.contains("p=reject") && fail.detail.contains("esp.example (not aligned)"));
    let na = r
        .findings
        .iter()
        .find(|f| f.id == "dmarc.not-aligned")
        .unwrap();
    assert!(
        na.detail
            .contains("DKIM d=esp.example and SPF for esp.example"),
        "{}",
        na.detail
    );
    // The receiver recorded dmarc=fail as well: no difference to explain.
    assert!(c.differences.is_empty(), "{:?}", c.differences);
}

#[tokio::test]
async fn a_null_envelope_sender_checks_the_helo_name() {
    let (r, c) = run("received-null-sender.eml").await;
    assert_eq!(c.envelope.mail_from.as_deref(), Some(""));
    let spf = c.spf.unwrap();
    assert_eq!(
        (spf.identity, spf.domain.as_str(), spf.result),
        ("helo", "out.bounce.signed.example", "pass")
    );
    assert_eq!(
        c.dmarc.unwrap().aligned_spf.as_deref(),
        Some("out.bounce.signed.example")
    );
    assert_eq!(r.verdict, Verdict::NoProblemFound);
}

#[tokio::test]
async fn temporary_dns_failures_are_inconclusive_never_pass_or_fail() {
    let bad = FaultResponder::start(Fault::ServFail).await;
    let ctx = Context::new(dns_for(bad.addr()));
    let (r, c) = run_with(&ctx, "received-dmarc-fail.eml").await;
    assert_eq!(c.dmarc.unwrap().result, "unknown");
    assert_eq!(c.spf.unwrap().result, "temperror");
    assert!(!ids(&r).contains(&"dmarc.fail"), "{:?}", ids(&r));
    assert!(!ids(&r).contains(&"dmarc.not-aligned"));
    let check = |n: &str| r.checks.iter().find(|c| c.name == n).unwrap().status;
    assert_eq!(check("dmarc-result"), CheckStatus::Inconclusive);
    assert_eq!(check("spf"), CheckStatus::Inconclusive);
    // The receiver's own dmarc=fail still stands as its record (message.auth-failed).
    assert_eq!(r.verdict, Verdict::ProblemFound);
    let (r, _) = run_with(&ctx, "received-pass.eml").await;
    assert_eq!(r.verdict, Verdict::Inconclusive, "{:?}", ids(&r));
}

/// Guards: a diagnosis with the vendor's profile and a message from it checked the From
/// domain's DMARC policy twice and needed a dedupe pass to report it once.
#[tokio::test]
async fn a_diagnosis_reports_the_vendors_dmarc_policy_once() {
    let profile = mailwhy::allowlist::SenderProfile::parse(
        "name = \"Vendor\"\ndomains = [\"vendor-mail.net\"]\nfrom_domains = [\"vendor-mail.net\"]\n",
        "vendor.toml",
    )
    .unwrap();
    let raw = std::fs::read(fixture("message/message.auth-failed.eml")).unwrap();
    let d = mailwhy::Diagnoser::builder()
        .dns_zones(Some(fixture("auth/zones")))
        .sender(profile)
        .build()
        .await
        .unwrap();
    let mut request = mailwhy::DiagnoseRequest::new("jane@acme-corp.com");
    request.messages = vec![
        mailwhy::TicketMessage::new("a.eml", raw.clone()),
        mailwhy::TicketMessage::new("b.eml", raw),
    ];
    let r = d.diagnose(&request).await;
    let missing = r
        .findings
        .iter()
        .filter(|f| f.id == "dmarc.missing")
        .count();
    assert_eq!(missing, 1, "{:?}", ids(&r));
    // Each message still shows its DMARC check, with the profile's result.
    let details: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.name.ends_with("dmarc"))
        .map(|c| c.detail.as_str())
        .collect();
    assert_eq!(
        details,
        [
            "no DMARC policy for vendor-mail.net",
            "a.eml: no DMARC policy for vendor-mail.net",
            "b.eml: no DMARC policy for vendor-mail.net"
        ]
    );
}
