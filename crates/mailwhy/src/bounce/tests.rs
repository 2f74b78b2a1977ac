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
