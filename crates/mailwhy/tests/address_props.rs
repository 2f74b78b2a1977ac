//! Property tests of the address parser: it never panics, whatever the input, and what it
//! accepts round-trips through its normalized (ASCII) and display (Unicode) forms.

use mailwhy::address::{hidden, parse, typo};
use proptest::prelude::*;

/// Characters that make addresses interesting: every class the grammar distinguishes.
const ALPHABET: &str = "[a-zA-Z0-9.@\"\\\\ !#$%&'*+/=?^_`{|}~(),:;<>\\[\\]\\-éüßа\u{200B}\u{00A0}\u{FF20}\u{3002}]{0,48}";

fn addressish() -> impl Strategy<Value = String> {
    prop_oneof![
        // local@domain from plausible pieces
        (
            "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.éü-]{0,20}",
            "[a-zA-Z0-9.éüß-]{0,30}"
        )
            .prop_map(|(l, d)| format!("{l}@{d}")),
        // quoted local parts
        ("[ -~éü]{0,16}", "[a-z0-9-]{1,12}\\.[a-z]{2,6}").prop_map(|(l, d)| {
            format!("\"{}\"@{d}", l.replace('\\', "\\\\").replace('"', "\\\""))
        }),
        // address literals
        (any::<[u8; 4]>(), "[a-z]{1,8}")
            .prop_map(|(ip, l)| format!("{l}@[{}.{}.{}.{}]", ip[0], ip[1], ip[2], ip[3])),
        any::<std::net::Ipv6Addr>().prop_map(|ip| format!("x@[IPv6:{ip}]")),
        ALPHABET.prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_string(s in any::<String>()) {
        let _ = parse(&s);
        let found = hidden::scan(&s);
        let _ = parse(&hidden::clean(&s, &found));
    }

    #[test]
    fn never_panics_on_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&b);
        let _ = parse(&s);
        let _ = hidden::scan(&s);
        if let Some(d) = s.split('@').nth(1) {
            let _ = typo::suggest(&d.to_ascii_lowercase());
        }
    }

    #[test]
    fn accepted_addresses_round_trip(s in addressish()) {
        if let Ok(a) = parse(&s) {
            let n = a.normalized();
            let again = parse(&n);
            prop_assert_eq!(again.as_ref(), Ok(&a), "normalized form {:?} of {:?}", n, s);
            prop_assert_eq!(again.unwrap().normalized(), n.clone());
            let shown = a.display();
            let from_display = parse(&shown);
            prop_assert_eq!(from_display.as_ref(), Ok(&a), "display form {:?} of {:?}", shown, s);
            prop_assert!(n.len() <= 254);
            prop_assert!(a.local.len() <= 64);
        }
    }

    #[test]
    fn rejections_always_say_why(s in addressish()) {
        if let Err(problems) = parse(&s) {
            prop_assert!(!problems.is_empty());
            let chars = s.chars().count();
            for p in problems {
                prop_assert!(!p.message.is_empty());
                if let Some(pos) = p.position {
                    prop_assert!(pos >= 1 && pos <= chars.max(1), "{:?} in {:?}", p, s);
                }
            }
        }
    }
}
