//! Small text utilities shared by several modules: edit distance and the like.

/// Levenshtein distance between two strings, counted in characters: how far a mistyped name (a
/// finding id, a column, an address) is from a known one. A swapped pair counts as two edits here;
/// domain typos use the transposition-aware distance instead (`address::typo`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("gmail.com", "gmial.com"), 2);
        assert_eq!(edit_distance("gmail.com", "gmai.com"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("même", "meme"), 1);
    }
}
