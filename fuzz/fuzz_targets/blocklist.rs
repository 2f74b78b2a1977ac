//! The DNSBL answer decoder and the blocklist argument readers never panic, and an answer that
//! carries an error code (127.255.255.0/24) never decodes as a listing: a refused query must stay
//! inconclusive, whatever else the list answered.
#![no_main]

use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use mailwhy::blocklist::{self, Verdict};

fuzz_target!(|data: &[u8]| {
    // First byte picks a zone (a default-table list with documented codes, or an unknown one),
    // the rest are A records, four bytes each; then the bytes again as text arguments.
    let Some((&pick, rest)) = data.split_first() else { return };
    let zones: Vec<&str> = blocklist::LISTS.iter().map(|l| l.zone).collect();
    let zone = zones.get(pick as usize).copied().unwrap_or("unknown.example");
    let codes: Vec<Ipv4Addr> = rest
        .chunks_exact(4)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect();
    let v = blocklist::decode(zone, &codes);
    let error_code = codes.iter().any(|a| a.octets()[..3] == [127, 255, 255]);
    if error_code {
        assert!(!matches!(v, Verdict::Listed(_)), "{zone} {codes:?} -> {v:?}");
    }
    if let Verdict::Listed(l) = &v {
        assert!(l.iter().all(|(a, _)| codes.contains(a)));
    }
    if let Ok(text) = std::str::from_utf8(rest) {
        if let Ok(t) = blocklist::Target::parse(text) {
            let _ = blocklist::query_name(&t, zone);
        }
        let _ = blocklist::List::parse(text);
    }
});
