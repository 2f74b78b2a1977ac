//! Allowlist parsing (plain, CSV, TOML) and matching never panic, whatever the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::allowlist::{Allowlist, Index, ListFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [ListFormat::Plain, ListFormat::Csv("2".into()), ListFormat::Toml] {
        if let Ok(list) = Allowlist::parse(text, "fuzz", &format) {
            let ix = Index::new(&list.entries);
            let _ = ix.match_ip("10.0.0.1".parse().unwrap());
            let _ = ix.match_domain("x.example.com");
        }
    }
});
