//! Small text utilities shared by several modules: edit distance and the like.

/// Levenshtein distance between two strings, counted in characters: how far a mistyped name (a
/// finding id, a column, an address) is from a known one. A swapped pair counts as two edits here;
/// domain typos use the transposition-aware distance instead (`address::typo`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// A Rust-style name (`HandshakeFailure`, `CaUsedAsEndEntity`, a variant's `Debug` form) in
/// words for a person: `handshake failure`, `ca used as end entity`. For enums that come from
/// other crates and have no words of their own; ours say their own (`Status::words`).
pub(crate) fn camel_words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push(' ');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c == '_' {
            out.push(' ');
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_names_in_words() {
        assert_eq!(camel_words("HandshakeFailure"), "handshake failure");
        assert_eq!(camel_words("NotInvited"), "not invited");
        assert_eq!(camel_words("Tls12NotOffered"), "tls12 not offered");
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("gmail.com", "gmial.com"), 2);
        assert_eq!(edit_distance("gmail.com", "gmai.com"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("même", "meme"), 1);
    }
}
