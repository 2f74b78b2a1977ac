//! Sender profile parsing (TOML) never panics; an error names the file and a line that is in
//! the text; a profile that parses exports and matches in every form without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::allowlist::{export, Allowlist, ExportFormat, ExportOptions, Index, SenderProfile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let last_line = text.bytes().filter(|&b| b == b'\n').count() + 1;
    match SenderProfile::parse(text, "fuzz.toml") {
        Ok(p) => {
            for d in p.domains.iter().chain(&p.from_domains).chain(&p.envelope_domains) {
                assert!(d.is_ascii() && *d == d.to_ascii_lowercase(), "{d:?} not normalized");
            }
            assert!(p.follow_up_days.windows(2).all(|w| w[0] < w[1]));
            let list = Allowlist::from_profile(&p);
            for f in [ExportFormat::Postfix, ExportFormat::Plain, ExportFormat::Json, ExportFormat::M365] {
                for include_shared in [false, true] {
                    let options = ExportOptions { include_shared };
                    let _ = export(&p, None, f, options);
                    let _ = export(&p, Some(&list), f, options);
                }
            }
            let ix = Index::new(&list.entries);
            let _ = ix.match_ip("10.0.0.1".parse().unwrap());
            let _ = ix.match_domain("x.example.com");
        }
        Err(mailwhy::Error::Parse { file, line, message }) => {
            assert_eq!(file, "fuzz.toml");
            assert!((1..=last_line).contains(&line), "line {line} of {last_line}: {message}");
            assert!(!message.trim().is_empty());
        }
        Err(e) => panic!("not a parse error: {e}"),
    }
});
