//! The SPF record parser and the macro expander never panic and stay bounded, whatever the text:
//! the input is parsed as a record, as a domain-spec and as an explanation string, and every
//! macro string that parses is expanded for an IPv4 and an IPv6 client.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::spf::macros::{MacroEnv, MacroString, MAX_EXPANSION};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = mailwhy::spf::parse(text) {
        assert!(r.terms.len() <= text.len());
        for t in &r.terms {
            let s = t.span();
            assert!(s.start < s.end && s.end <= text.len());
        }
    }
    let _ = mailwhy::spf::parse(&format!("v=spf1 {text}"));
    let _ = mailwhy::spf::parse::domain_spec(text);
    for explain in [false, true] {
        if let Ok(ms) = MacroString::parse(text, explain) {
            for ip in ["192.0.2.1", "2001:db8::1"] {
                let env = MacroEnv {
                    local: "a-b.c+d",
                    sender_domain: "mail.example.com",
                    domain: "example.com",
                    ip: ip.parse().unwrap(),
                    helo: "helo.example.org",
                    ptr: Some("mx.example.com"),
                    receiver: "mx.example.net",
                    now: 1_700_000_000,
                };
                let out = ms.expand(&env);
                assert!(out.len() <= MAX_EXPANSION);
            }
        }
    }
});
