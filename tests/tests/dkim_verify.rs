//! DKIM signature verification (mail-auth) checked against an independent signer: the messages in
//! fixtures/auth/messages were signed by dkimpy (generate.py there), their public keys are in
//! fixtures/auth/zones/signed.example.zone, and the key lookups go through our DNS layer.

use mailwhy::auth::dkim_verify::{self, FailReason};
use mailwhy::check::{CheckStatus, Context};
use mailwhy_tests::{dns_for, fixture, zone_server, Fault, FaultResponder};

async fn verify(
    name: &str,
) -> (
    mailwhy::check::CheckOutcome,
    Vec<dkim_verify::SignatureResult>,
    u64,
) {
    let server = zone_server(&fixture("auth/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let raw = std::fs::read(fixture(&format!("auth/messages/{name}"))).unwrap();
    let parsed = mailwhy::message::Parsed::new(&raw).unwrap();
    let (c, r) = dkim_verify::verify(&ctx, &parsed.authenticated()).await;
    (c, r, ctx.dns.queries_sent())
}

#[tokio::test]
async fn a_pristine_copy_verifies_both_signatures() {
    let (c, r, queries) = verify("pristine.eml").await;
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r.iter().all(|s| s.result == "pass"), "{r:?}");
    assert!(c.findings.is_empty());
    // Both keys were asked through our DNS layer (and counted), none by mail-auth.
    assert_eq!(queries, 2);
}

#[tokio::test]
async fn a_footer_added_in_transit_is_a_body_change() {
    let (c, r, _) = verify("body-changed.eml").await;
    assert!(
        r.iter().all(|s| s.reason == Some(FailReason::BodyChanged)),
        "{r:?}"
    );
    assert_eq!(c.findings.len(), 2);
    assert!(c.findings.iter().all(|f| f.id == "dkim.signature-failed"));
    assert!(c.findings[0].detail.contains("body changed in transit"));
}

#[tokio::test]
async fn a_tagged_subject_is_a_header_change() {
    let (c, r, _) = verify("subject-changed.eml").await;
    assert!(
        r.iter()
            .all(|s| s.reason == Some(FailReason::HeaderChanged)),
        "{r:?}"
    );
    assert!(c.findings[0].detail.contains("signed header changed"));
}

#[tokio::test]
async fn an_unknown_selector_is_key_not_found() {
    let (c, r, _) = verify("unknown-selector.eml").await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].selector, "retired");
    assert_eq!(r[0].reason, Some(FailReason::KeyNotFound));
    assert_eq!(r[0].result, "permerror");
    assert_eq!(c.findings[0].id, "dkim.signature-failed");
}

#[tokio::test]
async fn a_servfail_on_the_key_makes_verification_inconclusive() {
    let bad = FaultResponder::start(Fault::ServFail).await;
    let ctx = Context::new(dns_for(bad.addr()));
    let raw = std::fs::read(fixture("auth/messages/pristine.eml")).unwrap();
    let parsed = mailwhy::message::Parsed::new(&raw).unwrap();
    let (c, r) = dkim_verify::verify(&ctx, &parsed.authenticated()).await;
    assert!(matches!(c.status, CheckStatus::Inconclusive));
    assert!(r.iter().all(|s| s.result == "temperror"), "{r:?}");
    assert!(c.findings.iter().all(|f| f.id == "dns.temporary-failure"));
}
