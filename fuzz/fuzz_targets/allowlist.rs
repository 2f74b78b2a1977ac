//! Allowlist parsing in every format the file loader takes (plain; CSV by column number, the
//! loader's default first column, or by header name; TOML) and matching never panic, whatever
//! the text; every entry, refused line and error names a line that is in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::allowlist::{Allowlist, Index, ListFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let last_line = text.bytes().filter(|&b| b == b'\n').count() + 1;
    for format in [
        ListFormat::Plain,
        ListFormat::Csv("1".into()),
        ListFormat::Csv("2".into()),
        ListFormat::Csv("ip".into()),
        ListFormat::Toml,
    ] {
        match Allowlist::parse(text, "fuzz", &format) {
            Ok(list) => {
                let lines = list.entries.iter().map(|e| e.line).chain(list.invalid.iter().map(|e| e.line));
                for line in lines {
                    assert!((1..=last_line).contains(&line), "{format:?}: line {line} of {last_line}");
                }
                assert!(list.entries.len() + list.invalid.len() <= list.entry_lines, "{format:?}");
                let ix = Index::new(&list.entries);
                let _ = ix.match_ip("10.0.0.1".parse().unwrap());
                let _ = ix.match_domain("x.example.com");
            }
            Err(mailwhy::Error::Parse { file, line, message }) => {
                assert_eq!(file, "fuzz");
                assert!((1..=last_line).contains(&line), "{format:?}: line {line} of {last_line}: {message}");
            }
            Err(mailwhy::Error::Input { .. }) => {}
            Err(e) => panic!("{format:?}: unexpected error: {e}"),
        }
    }
});
