//! Property: the one JSON writer (`mailwhy::json`) writes any string, as a value and as a key,
//! compact and pretty, so that it parses back to the same string, and never with a raw
//! character of the escaped classes in it.

use std::collections::BTreeMap;

use proptest::prelude::*;

/// The escaped classes, listed here on their own rather than taken from the writer.
fn must_be_escaped(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{061C}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Strings dense in the characters that matter: escaped ones, their neighbours that share a
/// UTF-8 lead byte (Latin-1, U+2000–U+2FFF, U+FExx), ASCII, and anything at all.
fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        any::<char>().prop_map(u32::from),
        0x00u32..0x100,
        0x0600u32..0x0620,
        0x1800u32..0x1810,
        0x2000u32..0x2070,
        0xFE00u32..0xFFFF,
    ]
    .prop_map(|v| char::from_u32(v).unwrap_or('\u{FFFD}'));
    prop_oneof![
        proptest::collection::vec(ch, 0..64).prop_map(|v| v.into_iter().collect()),
        any::<String>(),
        "[ -~]{0,40}",
    ]
}

/// No raw character of the escaped classes but the newlines of the pretty layout (which are
/// between tokens: a newline inside a string would not parse back).
fn no_raw_escaped_character(json: &str) -> Result<(), TestCaseError> {
    let raw = json.chars().find(|&c| must_be_escaped(c) && c != '\n');
    prop_assert!(raw.is_none(), "raw {:?} in {:?}", raw, json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_round_trips_with_no_raw_escaped_character(s in text()) {
        for json in [mailwhy::json::to_string(&s).unwrap(), mailwhy::json::to_string_pretty(&s).unwrap()] {
            no_raw_escaped_character(&json)?;
            prop_assert!(!json.contains('\n'));
            let back: String = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &s);
        }
    }

    #[test]
    fn keys_and_nested_values_round_trip(k in text(), v in text(), w in text()) {
        let map = BTreeMap::from([(k.clone(), vec![v.clone(), w.clone()])]);
        for json in [mailwhy::json::to_string(&map).unwrap(), mailwhy::json::to_string_pretty(&map).unwrap()] {
            no_raw_escaped_character(&json)?;
            let back: BTreeMap<String, Vec<String>> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, &map);
        }
    }
}
