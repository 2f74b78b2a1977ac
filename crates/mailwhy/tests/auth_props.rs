//! Properties of the DMARC and DKIM key parsers: they never panic and every error position lies
//! inside the record; a record assembled from valid parts (any tag order after v and p, any case
//! of tag names, any whitespace around separators) parses to exactly those parts.

use mailwhy::auth::{dkim_key, dmarc};
use proptest::prelude::*;

fn ws() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

fn policy() -> impl Strategy<Value = (&'static str, dmarc::Policy)> {
    prop_oneof![
        Just(("none", dmarc::Policy::None)),
        Just(("Quarantine", dmarc::Policy::Quarantine)),
        Just(("REJECT", dmarc::Policy::Reject)),
    ]
}

fn case(s: &str, upper: bool) -> String {
    if upper {
        s.to_ascii_uppercase()
    } else {
        s.to_string()
    }
}

proptest! {
    #[test]
    fn dmarc_parse_never_panics_and_positions_are_in_bounds(s in any::<String>()) {
        match dmarc::parse(&s) {
            Ok(r) => for n in &r.notes { prop_assert!(n.pos <= s.len()) },
            Err(e) => prop_assert!(e.pos <= s.len()),
        }
        let _ = dmarc::select(&[s.as_bytes().to_vec()]);
    }

    #[test]
    fn dmarc_like_text_never_panics(tail in "[a-zA-Z0-9=;:,!. \t@_%-]{0,80}") {
        let s = format!("v=DMARC1; {tail}");
        if let Err(e) = dmarc::parse(&s) {
            prop_assert!(e.pos <= s.len());
        }
    }

    #[test]
    fn a_record_built_from_valid_parts_parses_to_them(
        p in policy(),
        sp in proptest::option::of(policy()),
        adkim in proptest::option::of(prop_oneof![Just("r"), Just("s")]),
        pct in proptest::option::of(0u8..=100),
        rua in proptest::collection::vec(("[a-z]{1,8}", "[a-z]{1,8}\\.example", proptest::option::of((1u64..1000, prop_oneof![Just(""), Just("k"), Just("m")]))), 0..3),
        upper in any::<bool>(),
        w in ws(),
        shuffle in any::<bool>(),
    ) {
        let mut tags = Vec::new();
        if let Some((s, _)) = sp { tags.push(format!("{}{w}={w}{s}", case("sp", upper))); }
        if let Some(a) = adkim { tags.push(format!("{}={a}", case("adkim", upper))); }
        if let Some(n) = pct { tags.push(format!("pct{w}={w}{n}")); }
        if !rua.is_empty() {
            let uris: Vec<String> = rua.iter().map(|(l, d, size)| match size {
                Some((n, u)) => format!("mailto:{l}@{d}!{n}{u}"),
                None => format!("mailto:{l}@{d}"),
            }).collect();
            tags.push(format!("rua={}", uris.join(&format!("{w},{w}"))));
        }
        if shuffle { tags.reverse(); }
        let mut rec = format!("{}{w}={w}DMARC1{w};{w}{}={}", case("v", upper), case("p", upper), p.0);
        for t in &tags { rec.push_str(&format!("{w};{w}{t}")); }
        let r = dmarc::parse(&rec).map_err(|e| TestCaseError::fail(format!("{rec:?}: {e}")))?;
        prop_assert_eq!(r.p, p.1);
        prop_assert_eq!(r.sp, sp.map(|s| s.1));
        prop_assert_eq!(r.pct, pct);
        prop_assert_eq!(r.rua.len(), rua.len());
        prop_assert!(!r.p_fallback);
    }

    #[test]
    fn dkim_key_parse_never_panics(s in any::<String>()) {
        if let Err(e) = dkim_key::parse(&s) {
            prop_assert!(e.pos <= s.len());
        }
    }

    #[test]
    fn dkim_key_like_text_never_panics(tail in "[a-zA-Z0-9=;:+/ \t]{0,120}") {
        let _ = dkim_key::parse(&format!("v=DKIM1; {tail}"));
    }

    #[test]
    fn rsa_size_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = dkim_key::rsa_modulus_bits(&bytes);
        // A DER header claiming a long length over short data must not read past the end.
        let mut v = vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff];
        v.extend(&bytes);
        prop_assert_eq!(dkim_key::rsa_modulus_bits(&v), None);
    }
}
