//! The TLS-RPT JSON reader never panics, and a report it reads folds into the totals with one
//! session row per policy entry's domain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::reports::{tlsrpt, Summary};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = tlsrpt::read(data) {
        let mut s = Summary::default();
        s.read_bytes("fuzz", data);
        if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            assert_eq!(s.tls_reports, 1);
            assert!(s.tls_sessions.len() <= r.policies.len());
        }
    }
});
