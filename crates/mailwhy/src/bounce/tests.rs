//! Unit tests on small hand-written bounces; the real corpus runs in tests/tests/bounce_conformance.rs.
use super::*;

fn read(raw: &str) -> Bounce {
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("parses");
    analyze(&msg)
}

#[test]
fn ordinary_message_is_not_a_bounce() {
    let b = read("From: a@example.org\r\nTo: b@example.net\r\nSubject: hello\r\n\r\nHi there.\r\n");
    assert!(!b.is_bounce);
    assert_eq!(b.kind, Kind::NotBounce);
}
