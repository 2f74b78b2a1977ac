//! The DMARC record parser and record selection never panic, and error positions stay inside
//! the record, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::auth::dmarc;

fuzz_target!(|data: &[u8]| {
    let _ = dmarc::select(&[data.to_vec()]);
    let Ok(text) = std::str::from_utf8(data) else { return };
    match dmarc::parse(text) {
        Ok(r) => {
            assert!(r.notes.iter().all(|n| n.pos <= text.len()));
            let _ = (r.subdomain_policy(), r.nonexistent_policy(), r.failure_options());
        }
        Err(e) => assert!(e.pos <= text.len()),
    }
});
