//! Property tests for the message path: whatever the bytes or header values, reading a message,
//! its Received chain, its authentication results, its spam verdicts, its bounce part and our
//! own SPF, DKIM and DMARC for it never panics, and a report is either built or refused with an
//! error.

use mailwhy::check::Context;
use mailwhy::dns::{Dns, DnsConfig, Upstream};
use mailwhy::message::{self, Inputs, Options, Parsed};
use proptest::prelude::*;

thread_local! {
    /// A runtime, and a context whose DNS layer has no server:
    /// every lookup answers "timeout" at once, so the authentication checks run offline (their
    /// inconclusive paths).
    static OFFLINE: (tokio::runtime::Runtime, Context) = (
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        Context::new(
            Dns::new(&DnsConfig {
                upstream: Upstream::Servers(vec![]),
                ..DnsConfig::default()
            })
            .expect("dns"),
        ),
    );
}

/// The `mailwhy message` report of `raw`, or why it is not mail.
fn report(raw: &[u8]) -> Result<mailwhy::Report, message::NotMail> {
    let msg = Parsed::new(raw)?;
    let inputs = Inputs {
        ticket_address: Some("a@b.example"),
        ..Inputs::default()
    };
    Ok(OFFLINE.with(|(rt, ctx)| {
        rt.block_on(message::report(
            ctx,
            "p.eml",
            &msg,
            &Options::default(),
            &inputs,
        ))
    }))
}

/// Header values drawn from the characters that matter to the parsers.
fn value() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ -~\t;=()\\[\\]<>@.:,\"0-9a-zA-Z]{0,120}").unwrap()
}

fn header_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Received",
        "Authentication-Results",
        "ARC-Authentication-Results",
        "Received-SPF",
        "X-Spam-Status",
        "X-Forefront-Antispam-Report",
        "X-Spamd-Result",
        "X-Microsoft-Antispam",
        "X-Proofpoint-Spam-Details",
        "X-Barracuda-Spam-Status",
        "From",
        "To",
        "Subject",
        "Delivered-To",
        "Return-Path",
        "Auto-Submitted",
        "Content-Type",
        "DKIM-Signature",
    ])
}

fn dsn_field() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "Final-Recipient",
            "Original-Recipient",
            "Action",
            "Status",
            "Diagnostic-Code",
            "Remote-MTA",
            "Reporting-MTA",
            "X-Junk",
        ]),
        value(),
    )
        .prop_map(|(n, v)| format!("{n}: {v}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = report(&raw);
    }

    #[test]
    fn arbitrary_headers_never_panic(headers in prop::collection::vec((header_name(), value()), 1..12), body in value()) {
        let mut raw = String::new();
        for (n, v) in &headers {
            raw.push_str(&format!("{n}: {v}\r\n"));
        }
        raw.push_str("\r\n");
        raw.push_str(&body);
        let r = report(raw.as_bytes());
        prop_assert!(r.is_ok(), "headers that start with a field are mail: {:?}", r.err());
    }

    #[test]
    fn arbitrary_dsn_parts_never_panic(fields in prop::collection::vec(dsn_field(), 0..16), text in value()) {
        let raw = format!(
            "From: MAILER-DAEMON@x.example\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n{text}\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n{}\r\n--b--\r\n",
            fields.join("\r\n")
        );
        let b = mailwhy::bounce::analyze_bytes(raw.as_bytes()).unwrap();
        for r in &b.recipients {
            prop_assert!(!r.reason.name().is_empty());
        }
    }

    #[test]
    fn authentication_results_never_panic(v in "\\PC{0,200}") {
        let _ = message::auth_results::parse_authentication_results("Authentication-Results", &v);
        let _ = message::auth_results::parse_received_spf(&v);
        let _ = mailwhy::bounce::status::find_enhanced(&v);
        let _ = mailwhy::bounce::status::find_reply_code(&v);
        let _ = mailwhy::bounce::classify::normalize(&v);
    }
}
