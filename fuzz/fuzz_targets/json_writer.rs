//! The one JSON writer (`mailwhy::json`): any string, as a value and as a key, compact and
//! pretty, parses back to itself, and the output has no raw character of the escaped classes.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

/// The escaped classes, listed here on their own rather than taken from the writer.
fn must_be_escaped(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{061C}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (k, v) = text.split_at(text.char_indices().nth(text.chars().count() / 3).map_or(0, |(i, _)| i));
    let doc = BTreeMap::from([(k.to_string(), vec![v.to_string(), text.to_string()])]);
    for (json, pretty) in [
        (mailwhy::json::to_string(&doc).unwrap(), false),
        (mailwhy::json::to_string_pretty(&doc).unwrap(), true),
    ] {
        // The pretty layout's newlines are between tokens, never inside a string.
        let raw = json.chars().find(|&c| must_be_escaped(c) && !(pretty && c == '\n'));
        assert!(raw.is_none(), "raw {raw:?} in {json:?}");
        let back: BTreeMap<String, Vec<String>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, doc);
    }
});
