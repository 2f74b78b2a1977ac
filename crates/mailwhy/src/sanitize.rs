//! The one sanitizer for outside text (DNS data, mail headers, file contents, server replies)
//! before it reaches a terminal or a ticket.
//!
//! Control characters (C0, DEL, C1) and escape sequences are made visible (`\x1B`), never
//! passed through, so a TXT record or a header cannot move the cursor, retitle the window or
//! hide text. Bidirectional overrides and invisible characters are shown as `<U+202E>`, since
//! they can reorder or hide what an agent reads. Renderers call these functions on every piece
//! of text that did not come from this program. JSON is not sanitized here: [`crate::json`]
//! writes every JSON document with these characters as `\uXXXX`, which parse back the same.

use std::borrow::Cow;

fn needs_escape(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' | '\t' if keep_newlines => false,
        c if c.is_control() => true,
        c => is_invisible_or_bidi(c),
    }
}

/// True for characters that change the order or visibility of text without showing themselves:
/// bidi embeddings/overrides/isolates and marks, zero-width characters, and the BOM.
pub(crate) fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

fn escape_into(out: &mut String, c: char) {
    let v = c as u32;
    if v < 0x20 || (0x7f..=0x9f).contains(&v) {
        out.push_str(&format!("\\x{v:02X}"));
    } else {
        out.push_str(&format!("<U+{v:04X}>"));
    }
}

fn sanitize_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c, keep_newlines) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Makes one line of outside text safe to print: every control character, including newlines,
/// becomes visible.
pub fn line(s: &str) -> Cow<'_, str> {
    sanitize_with(s, false)
}

/// Like [`line()`] but keeps newlines and tabs, for multi-line text such as a server's reply.
pub fn text(s: &str) -> Cow<'_, str> {
    sanitize_with(s, true)
}

/// Bytes of unknown encoding (a TXT string, a header): decoded as UTF-8 where valid, invalid
/// bytes shown as `\xNN`, then sanitized as one line.
pub fn bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&line(chunk.valid()));
        for x in chunk.invalid() {
            out.push_str(&format!("\\x{x:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(line("a\x1b[31mred\x07"), "a\\x1B[31mred\\x07");
        assert_eq!(line("x\u{9b}2J"), "x\\x9B2J");
        assert_eq!(line("ab\u{202e}cd"), "ab<U+202E>cd");
        assert_eq!(line("two\nlines"), "two\\x0Alines");
        assert_eq!(text("two\nlines\r"), "two\nlines\\x0D");
        assert!(matches!(line("plain ascii"), Cow::Borrowed(_)));
    }

    #[test]
    fn invalid_utf8_is_shown_as_hex() {
        assert_eq!(bytes(b"v=spf1 \xff\x1b"), "v=spf1 \\xFF\\x1B");
    }
}
