//! Every fixture under fixtures/message/ is named after the finding id it must produce
//! (`bounce.user-unknown--qmail.eml` -> `bounce.user-unknown`), and every registered
//! `message.*` and `bounce.*` id has such a fixture.

use std::collections::BTreeSet;

use mailwhy::message::{self, Inputs, Options, Parsed};
use mailwhy::report::Report;

/// The ticket address the recipient comparison is run with.
const TICKET: &str = "jane@acme-corp.com";

fn fixtures() -> Vec<(String, std::path::PathBuf)> {
    let dir = mailwhy_tests::fixture("message");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            let id = stem.split("--").next().unwrap().to_string();
            (id, p)
        })
        .collect();
    out.sort();
    out
}

/// The `mailwhy message` report of `raw`, authenticated against fixtures/auth/zones (where the
/// messages signed by fixtures/auth/messages/generate.py have their keys and policies).
async fn report(name: &str, raw: &[u8], opts: &Options, ticket: Option<&str>) -> Report {
    let server = mailwhy_tests::zone_server(&mailwhy_tests::fixture("auth/zones")).await;
    let ctx = mailwhy::check::Context::new(mailwhy_tests::dns_for(server.addr()));
    let msg = Parsed::new(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
    let inputs = Inputs {
        ticket_address: ticket,
        ..Inputs::default()
    };
    message::report(&ctx, name, &msg, opts, &inputs).await
}

#[tokio::test]
async fn each_fixture_produces_its_finding() {
    for (id, path) in fixtures() {
        let raw = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let r = report(&name, &raw, &Options::default(), Some(TICKET)).await;
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert!(
            ids.contains(&id.as_str()),
            "{}: expected {id}, got {ids:?}",
            path.display()
        );
        if id.starts_with("bounce.") {
            // The first recipient's reason is the fixture's, not merely one of several.
            let b = mailwhy::bounce::analyze_bytes(&raw).unwrap();
            assert_eq!(
                b.recipients[0].reason.finding_id().as_str(),
                id,
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn every_message_and_bounce_id_has_a_fixture() {
    let have: BTreeSet<String> = fixtures().into_iter().map(|(id, _)| id).collect();
    let missing: Vec<&str> = mailwhy::finding::registry()
        .iter()
        .map(|k| k.id.as_str())
        .filter(|id| id.starts_with("message.") || id.starts_with("bounce."))
        .filter(|id| !have.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "ids without a fixture in fixtures/message/: {missing:?}"
    );
}

#[tokio::test]
async fn clean_messages_raise_no_message_findings() {
    // The spam fixture names jane@acme-corp.com: no mismatch, and no auth results to fail.
    let raw = std::fs::read(mailwhy_tests::fixture("message/message.spam-verdict.eml")).unwrap();
    let r = report("x", &raw, &Options::default(), Some(TICKET)).await;
    assert!(!r
        .findings
        .iter()
        .any(|f| f.id == "message.recipient-mismatch" || f.id == "message.auth-failed"));
}

/// Guards: `mailwhy message --ticket-address` compared a bounce's own To (the sender) with the
/// ticket, while `diagnose` compared the recipient the bounce reports.
#[tokio::test]
async fn a_bounce_is_compared_by_the_recipient_it_reports() {
    let raw = std::fs::read(mailwhy_tests::fixture("message/bounce.user-unknown.eml")).unwrap();
    let b = mailwhy::bounce::analyze_bytes(&raw).unwrap();
    let bounced = b.recipients[0].address.clone();
    let mismatch = |r: &Report| {
        r.findings
            .iter()
            .any(|f| f.id == "message.recipient-mismatch")
    };
    let r = report("x", &raw, &Options::default(), Some(&bounced)).await;
    assert!(!mismatch(&r), "{:?}", r.findings);
    let r = report(
        "x",
        &raw,
        &Options::default(),
        Some("someone.else@example.org"),
    )
    .await;
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "message.recipient-mismatch")
        .unwrap();
    assert!(f.detail.contains("this bounce is about"), "{}", f.detail);
}

#[tokio::test]
async fn hop_delay_threshold_is_configurable() {
    let raw = std::fs::read(mailwhy_tests::fixture("message/message.hop-delay.eml")).unwrap();
    let opts = Options {
        hop_delay_threshold_secs: 3 * 3600,
        ..Options::default()
    };
    let r = report("x", &raw, &opts, None).await;
    assert!(!r.findings.iter().any(|f| f.id == "message.hop-delay"));
    let msg = Parsed::new(&raw).unwrap();
    let a = message::analyze(&msg);
    assert_eq!(a.received.total_transit_secs, Some(2 * 3600 + 70));
    // The newest hop (mx.acme-corp.com -> store.acme-corp.com) is inside the recipient's
    // systems; the server that handed the message over is mail.vendor-mail.net.
    assert_eq!(
        a.sender.connecting_ip.map(|i| i.to_string()).as_deref(),
        Some("85.10.200.1")
    );
}

#[test]
fn sender_facts_expose_ip_and_domains_for_the_allowlist() {
    let raw = std::fs::read(mailwhy_tests::fixture("message/message.auth-failed.eml")).unwrap();
    let msg = Parsed::new(&raw).unwrap();
    let a = message::analyze(&msg);
    assert_eq!(
        a.sender.connecting_ip.map(|i| i.to_string()).as_deref(),
        Some("85.10.200.1")
    );
    assert_eq!(a.sender.envelope_domain.as_deref(), Some("vendor-mail.net"));
    assert_eq!(a.sender.dkim_domains, ["vendor-mail.net"]);
}

#[test]
fn negative_delays_are_marked() {
    let raw = b"Received: from b.example (b.example [85.10.200.2]) by c.example with ESMTP; Tue, 12 Mar 2024 10:00:00 +0000\r\nReceived: from a.example (a.example [85.10.200.1]) by b.example with ESMTP; Tue, 12 Mar 2024 10:05:00 +0000\r\nFrom: a@a.example\r\nTo: b@c.example\r\nSubject: skew\r\n\r\nx\r\n";
    let msg = Parsed::new(raw).unwrap();
    let a = message::analyze(&msg);
    assert!(a.received.hops[1].negative_delay);
    assert_eq!(a.received.hops[1].delay_secs, Some(-300));
}

#[test]
fn non_mail_and_oversized_inputs_are_errors_naming_the_file() {
    let p = mailwhy_tests::fixture("message/not-mail.bin.txt");
    let e = message::read_file(&p, message::DEFAULT_MAX_BYTES)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not-mail.bin.txt") && e.contains("not an email"),
        "{e}"
    );
    let p = mailwhy_tests::fixture("message/message.hop-delay.eml");
    let e = message::read_file(&p, 100).unwrap_err().to_string();
    assert!(
        e.contains("message.hop-delay.eml") && e.contains("limit"),
        "{e}"
    );
    assert!(Parsed::new(b"\x00\x01\x02binary").is_err());
    assert!(Parsed::new(b"").is_err());
}
