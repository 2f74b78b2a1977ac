//! Property: parsing arbitrary allowlist text never panics, and every line holding an entry is
//! either used or reported (nothing is silently dropped).

use mailwhy::allowlist::{Allowlist, Index, ListFormat};
use proptest::prelude::*;

fn entry_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.*-]{0,30}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(/[0-9]{1,3})?",
        "[0-9a-f:]{2,20}(/[0-9]{1,3})?",
        "[0-9.]{3,15} ?- ?[0-9.]{3,15}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn every_line_is_used_or_reported(lines in proptest::collection::vec(entry_line(), 0..40)) {
        let text = lines.join("\n");
        let list = Allowlist::parse(&text, "p.txt", &ListFormat::Plain).unwrap();
        let expected = text.lines().filter(|l| !l.split('#').next().unwrap_or("").trim().is_empty()).count();
        prop_assert_eq!(list.entries.len() + list.invalid.len(), expected);
        prop_assert_eq!(list.entry_lines, expected);
        let ix = Index::new(&list.entries);
        let _ = ix.match_ip("10.1.2.3".parse().unwrap());
        let _ = ix.match_domain("a.b.example");
    }

    #[test]
    fn csv_and_toml_never_panic(text in any::<String>(), col in "[a-z1-9]{1,3}") {
        let _ = Allowlist::parse(&text, "p.csv", &ListFormat::Csv(col));
        let _ = Allowlist::parse(&text, "p.toml", &ListFormat::Toml);
    }
}
