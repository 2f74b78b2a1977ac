//! The DANE TLSA reader and matcher never panic on any record text or certificate bytes, and
//! agree with each other: a parsed record prints back to itself, a record `unusable` passes has
//! a defined usage, selector and matching type with the right data length, and the `3 1 1`
//! record `record_for` makes for a certificate matches that certificate as the leaf.
//!
//! Input: the record text up to the first newline, then the bytes of a certificate (DER, or
//! anything), also used as a two-element chain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::transport::dane::{self, Tlsa};

fuzz_target!(|data: &[u8]| {
    let (text, cert) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let chain = vec![cert.to_vec(), cert.to_vec()];
    if let Ok(text) = std::str::from_utf8(text) {
        if let Some(r) = Tlsa::parse(text) {
            assert!(!r.data.is_empty() && r.data.len() % 2 == 0);
            assert!(r.data.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
            let printed = format!("{} {} {} {}", r.usage, r.selector, r.matching, r.data);
            assert_eq!(Tlsa::parse(&printed).as_ref(), Some(&r));
            if r.unusable().is_none() {
                assert!(matches!(r.usage, 2 | 3) && r.selector <= 1 && r.matching <= 2);
                match r.matching {
                    1 => assert_eq!(r.data.len(), 64),
                    2 => assert_eq!(r.data.len(), 128),
                    _ => {}
                }
            }
            let _ = r.matches(&chain);
            let _ = r.matches(&[]);
        }
    }
    if let Some(key) = dane::spki(cert) {
        // The key is a slice of the certificate, a DER SEQUENCE.
        let start = key.as_ptr() as usize - cert.as_ptr() as usize;
        assert!(start + key.len() <= cert.len() && key.first() == Some(&0x30));
        let record = dane::record_for(cert).expect("a key gives a record");
        let r = Tlsa::parse(&record).expect("record_for parses");
        assert_eq!(r.unusable(), None);
        assert!(r.matches(&chain), "{record}");
    } else {
        assert_eq!(dane::record_for(cert), None);
    }
});
