//! The MTA-STS record and policy parsers and the TLS-RPT record parser never panic, and error
//! positions stay inside the text (one line past the end at most), whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::transport::{sts, tlsrpt};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.split('\n').count();
    for r in [
        sts::parse_record(text).err(),
        tlsrpt::parse_record(text).err(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(r.line == 1 && r.column <= text.len() + 1, "{r:?}");
    }
    match sts::parse_policy(text) {
        Ok(p) => {
            for pattern in &p.mx {
                let _ = sts::mx_matches(pattern, text);
            }
        }
        Err(e) => assert!(e.line >= 1 && e.line <= lines.max(1), "{e:?}"),
    }
});
