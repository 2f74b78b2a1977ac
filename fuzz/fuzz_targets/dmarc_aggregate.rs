//! The DMARC aggregate report reader never panics on any bytes, whether read as XML directly or
//! unpacked (gzip, zip, mail) first, and every record it hands out came before its count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::reports::{aggregate, Summary};

fuzz_target!(|data: &[u8]| {
    let mut seen = 0u64;
    if let Ok((_, n)) = aggregate::read(data, |_, _| seen += 1) {
        assert_eq!(seen, n);
    }
    let mut s = Summary::default();
    s.read_bytes("fuzz", data);
    // One payload per unpacked report: an XML or JSON input is one report, read or listed.
    if data.first() == Some(&b'<') {
        assert_eq!(s.aggregate_reports + s.unreadable.len() as u64, 1);
    }
});
