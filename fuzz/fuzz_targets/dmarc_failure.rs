//! The DMARC failure report (ARF) reader never panics, on the feedback part's fields alone or on
//! a whole report email, and a report it reads counts at least one incident.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::reports::{failure, Summary};

fuzz_target!(|data: &[u8]| {
    // The first empty line splits the input into the fields and the attached header.
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (fields, original) = match split {
        Some(i) => (&data[..i], Some(&data[i + 2..])),
        None => (data, None),
    };
    let _ = failure::read(fields, original);
    let mut s = Summary::default();
    s.read_bytes("fuzz", data);
    assert!(s.failures.values().all(|t| t.first <= t.last || t.first == 0));
    // Every failure report read is in the totals (with its incidents, possibly 0).
    assert!(s.failures.len() as u64 <= s.failure_reports);
});
