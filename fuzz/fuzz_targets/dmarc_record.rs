//! The DMARC record parser and record selection never panic, and error positions stay inside
//! the record, whatever the text. The RFC 9989 §4.10 tree-walk name generator never asks more
//! than 8 names, each a suffix of the one before, ending at the TLD.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::auth::{dmarc, walk_names};

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
    let names = walk_names(text);
    assert!(names.len() <= 8, "{} names for {text:?}", names.len());
    for w in names.windows(2) {
        assert!(w[0].ends_with(&format!(".{}", w[1])), "{names:?}");
        assert!(w[1].split('.').count() < w[0].split('.').count());
    }
    if let Some(last) = names.last() {
        assert!(last.is_empty() || !last.contains('.') || names.len() == 1, "{names:?}");
    }
});
