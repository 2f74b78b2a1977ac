//! Hostile input: the parser and the macro expander never panic and stay bounded (property
//! tests over grammar-shaped and arbitrary text), and evaluation of include loops, deep redirect
//! chains and 450+ byte records ends within the RFC 7208 §4.6.4 limits.

use std::time::{Duration, Instant};

use mailwhy::check::Context;
use mailwhy::spf::macros::{MacroEnv, MacroString, MAX_EXPANSION};
use mailwhy::spf::{self, Verdict};
use mailwhy_tests::{dns_for, fixture, zone_server};
use proptest::prelude::*;

fn env(ip: &str) -> MacroEnv<'static> {
    MacroEnv {
        local: "a-b.c+d=e",
        sender_domain: "mail.example.com",
        domain: "example.com",
        ip: ip.parse().unwrap(),
        helo: "helo.example.org",
        ptr: None,
        receiver: "mx.example.net",
        now: 1_700_000_000,
    }
}

/// Pieces SPF records are made of, including broken ones, so that generated text reaches deep
/// into the grammar instead of failing at the first byte.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_string()),
        Just("  ".to_string()),
        prop::sample::select(vec![
            "+",
            "-",
            "~",
            "?",
            "all",
            "include:",
            "a",
            "mx",
            "ptr",
            "ip4:",
            "ip6:",
            "exists:",
            "redirect=",
            "exp=",
            "foo=",
            ":",
            "/",
            "//",
            "%{",
            "}",
            "%%",
            "%_",
            "%-",
            "%",
            "example.com",
            ".",
            "-com",
            "1.2.3.4",
            "::1",
            "300.1.1.1",
            "24",
            "032",
            "128",
            "%{d}",
            "%{ir}",
            "%{l1r-}",
            "%{S}",
            "%{p}",
            "%{c}",
            "%{d0}",
            "%{d99999999999999999999}",
            "\t",
            "é",
            "\u{0}",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_grammar_shaped_text(tokens in prop::collection::vec(token(), 0..60)) {
        let text = format!("v=spf1 {}", tokens.concat());
        let started = Instant::now();
        if let Ok(r) = spf::parse(&text) {
            prop_assert!(r.terms.len() <= text.len());
            for t in &r.terms {
                let s = t.span();
                prop_assert!(s.start < s.end && s.end <= text.len());
                prop_assert!(!r.term_text(s).contains(' '));
            }
        }
        prop_assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in "\\PC{0,600}") {
        let _ = spf::parse(&text);
        let _ = spf::parse(&format!("v=spf1 {text}"));
    }

    #[test]
    fn expander_is_bounded(tokens in prop::collection::vec(token(), 0..200), v6 in any::<bool>()) {
        let text = tokens.concat();
        for explain in [false, true] {
            if let Ok(ms) = MacroString::parse(&text, explain) {
                let out = ms.expand(&env(if v6 { "2001:db8::1" } else { "192.0.2.1" }));
                prop_assert!(out.len() <= MAX_EXPANSION);
            }
        }
    }
}

#[test]
fn huge_transformers_and_many_macros_stay_bounded() {
    let huge = format!(
        "%{{l{}r+-}}.%{{d{}}}",
        "9".repeat(10_000),
        "1".repeat(10_000)
    );
    let ms = MacroString::parse(&huge, false).unwrap();
    // "a-b.c+d=e" split on + and -, reversed, all parts kept; then the current domain.
    assert_eq!(ms.expand(&env("192.0.2.1")), "d=e.b.c.a.example.com");
    let many = "%{s}%{ir}%{h}".repeat(2000);
    let ms = MacroString::parse(&many, true).unwrap();
    let started = Instant::now();
    assert!(ms.expand(&env("2001:db8::1")).len() <= MAX_EXPANSION);
    assert!(started.elapsed() < Duration::from_secs(1));
}

async fn eval(domain: &str) -> spf::SpfResult {
    let server = zone_server(&fixture("spf/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let started = Instant::now();
    let r = spf::check_host(&ctx, "192.0.2.1".parse().unwrap(), domain, "", domain).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{domain}");
    assert!(r.lookups <= 11, "{domain}: {} lookups", r.lookups);
    r
}

#[tokio::test]
async fn include_loop_stops_at_the_lookup_limit() {
    let r = eval("loop1.hostile.example").await;
    assert_eq!(r.result, Verdict::PermError);
    assert!(matches!(r.problem, Some(spf::Problem::LookupLimit { .. })));
}

#[tokio::test]
async fn redirect_to_itself_and_deep_chains_stop_at_the_limit() {
    let r = eval("self.hostile.example").await;
    assert_eq!(r.result, Verdict::PermError);
    let r = eval("r0.hostile.example").await;
    assert_eq!(r.result, Verdict::PermError);
    assert!(matches!(r.problem, Some(spf::Problem::LookupLimit { .. })));
    // Nine redirects deep still evaluates.
    let r = eval("r20.hostile.example").await;
    assert_eq!(r.result, Verdict::Fail);
}

#[tokio::test]
async fn long_multi_string_record_evaluates() {
    let r = eval("long.hostile.example").await;
    let rec = r.trace.record.clone().unwrap();
    assert!(rec.len() > 450, "{}", rec.len());
    // The exists name (with saturated transformers) does not exist: one void lookup, -all decides.
    assert_eq!(r.result, Verdict::Fail);
    assert_eq!(r.void_lookups, 1);
}
