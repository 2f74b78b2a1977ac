//! The address parser never panics, and what it accepts round-trips through its normalized and
//! display forms; the hidden-character scan and clean-up never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::address::{hidden, parse};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(a) = parse(&s) {
        let n = a.normalized();
        assert_eq!(parse(&n).as_ref(), Ok(&a), "normalized {n:?}");
        let d = a.display();
        assert_eq!(parse(&d).as_ref(), Ok(&a), "display {d:?}");
        assert!(n.len() <= 254 && a.local.len() <= 64);
    }
    let found = hidden::scan(&s);
    let _ = parse(&hidden::clean(&s, &found));
});
