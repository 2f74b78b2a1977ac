//! Unit tests on small hand-written bounces; the real corpus runs in tests/tests/bounce_conformance.rs.
use super::*;

fn read(raw: &str) -> Bounce {
    analyze(&Parsed::new(raw.as_bytes()).expect("parses"))
}

#[test]
fn ordinary_message_is_not_a_bounce() {
    let b = read("From: a@example.org\r\nTo: b@example.net\r\nSubject: hello\r\n\r\nHi there.\r\n");
    assert!(!b.is_bounce);
    assert_eq!(b.kind, Kind::NotBounce);
}

#[test]
fn a_subject_about_a_rejection_does_not_make_a_bounce() {
    let b = read("From: boss@example.org\r\nTo: me@example.net\r\nSubject: Re: rejected proposal\r\n\r\nYour proposal was rejected by the committee; the delivery failed to convince them.\r\n");
    assert!(!b.is_bounce, "{b:?}");
}

#[test]
fn a_bounce_naming_thousands_of_addresses_stays_bounded() {
    let mut raw = String::from("From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail\r\n\r\nThe following addresses failed:\r\n");
    for i in 0..5000 {
        raw.push_str(&format!("<u{i}@example.org>: 550 5.1.1 User unknown\r\n"));
    }
    let start = std::time::Instant::now();
    let b = read(&raw);
    assert!(b.is_bounce);
    assert!(b.recipients.len() <= text::MAX_RECIPIENTS);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_delivered_dsn_is_not_a_bounce() {
    let b = read("From: MAILER-DAEMON@x.example\r\nSubject: Successful Mail Delivery Report\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDelivered.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x.example\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n--b--\r\n");
    assert!(!b.is_bounce);
    assert_eq!(b.kind, Kind::Delivered);
    assert_eq!(b.recipients[0].reason, Reason::Delivered);
}

fn postfix_block(diagnostic: &str) -> Bounce {
    read(&format!("From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x.example\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; {diagnostic}\r\n--b--\r\n"))
}

#[test]
fn a_refused_dnsbl_query_is_the_receivers_fault() {
    for d in [
        "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/198.51.100.1/",
        "550 5.7.1 Service unavailable; client [192.0.2.7] blocked using zen.spamhaus.org (query refused)",
        "554 5.7.1 rejected because 192.0.2.7 is in a black list at zen.spamhaus.org: 127.255.255.254",
    ] {
        let b = postfix_block(d);
        let ids: Vec<_> = findings(&b).iter().map(|f| f.id).collect();
        assert_eq!(ids.first(), Some(&FindingId::BlocklistReceiverMisconfigured), "{d}: {ids:?}");
        assert!(ids.contains(&FindingId::BounceBlocked), "{d}: {ids:?}");
    }
    // A real listing (the Spamhaus lookup URL, no error) stays the sender's problem.
    let b = postfix_block("554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org; https://check.spamhaus.org/query/ip/192.0.2.7");
    let ids: Vec<_> = findings(&b).iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![FindingId::BounceBlocked]);
}
