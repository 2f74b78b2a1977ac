//! The one JSON writer: every JSON document mailwhy prints or serves (reports, bounce readings,
//! batch records and summaries, explanations, allowlist answers and exports, every HTTP answer
//! and error body) is serialized here.
//!
//! JSON may carry any character but `"`, `\` and C0 raw inside a string, and serde_json does
//! exactly that. But the strings mailwhy writes come from outside (a bounce's diagnostic text, a
//! TXT record, an address pasted into the web page), and what reads them is often a terminal, a
//! log viewer or a ticket: a raw C1 control (U+009B is a one-byte CSI) can drive a terminal, a
//! bidi override (U+202E) reorders what an agent reads, a zero-width character hides text, and
//! U+2028/U+2029 end a line in JavaScript. So this writer escapes those as `\uXXXX`: C0 and C1
//! controls, DEL, the bidi controls and invisible characters of
//! [`crate::sanitize`], and the line and paragraph separators. The document stays equivalent:
//! it parses back to the same strings. Sanitizing text for a terminal (`\x1B`, `<U+202E>`) is
//! [`crate::sanitize`]'s job; this module keeps JSON JSON.
//!
//! The escaping sits in a serde_json [`Formatter`] (its `write_string_fragment`, which serde_json
//! calls with the runs of a string it leaves unescaped), so it is one pass over the bytes while
//! serializing, with no second pass over the document. Plain ASCII is checked eight bytes at a
//! time; only a byte that can start an escaped character is looked at further.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// Whether the writer escapes `c` as `\uXXXX` (for C0, serde_json's own escapes such as `\n`
/// may stand instead).
pub fn is_escaped(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}')
        || crate::sanitize::is_invisible_or_bidi(c)
}

/// The first bytes of the UTF-8 encodings of every character [`is_escaped`] holds beyond C0
/// (serde_json escapes C0 itself): DEL, `C2` (U+0080–U+00BF: C1, the soft hyphen), `D8`
/// (U+061C), `E1` (U+180E), `E2` (U+2000–U+2FFF: zero-width, bidi, separators), `EF` (U+FEFF).
/// Any other byte starts a character that is written as it is.
const fn may_start_escaped(b: u8) -> bool {
    matches!(b, 0x7F | 0xC2 | 0xD8 | 0xE1 | 0xE2 | 0xEF)
}

/// Writes `s` (the inside of a JSON string, already free of `"`, `\` and C0) with every
/// [`is_escaped`] character as `\uXXXX`.
fn write_escaped<W: ?Sized + io::Write>(w: &mut W, s: &str) -> io::Result<()> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        // Eight ASCII bytes below DEL at a time: the high bit of a byte of `w` or of `w + 1`
        // (no carry crosses bytes, since each is below 0x80) is set only for a byte >= 0x7F.
        if let Some(chunk) = bytes.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0x80; 8]));
            if (w | w.wrapping_add(LOW)) & HIGH == 0 {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if !may_start_escaped(b) {
            i += 1;
            continue;
        }
        // `b` is DEL or a UTF-8 lead byte, so `i` is on a character boundary.
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if is_escaped(c) {
            w.write_all(&bytes[start..i])?;
            w.write_all(&unicode_escape(c))?;
            start = i + len;
        }
        i += len;
    }
    w.write_all(&bytes[start..])
}

/// `\uXXXX` for `c`, in lowercase hex as serde_json writes C0. Every escaped character is in
/// the Basic Multilingual Plane, so one escape is enough.
fn unicode_escape(c: char) -> [u8; 6] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let v = c as u32;
    let digit = |shift: u32| HEX[((v >> shift) & 0xF) as usize];
    [b'\\', b'u', digit(12), digit(8), digit(4), digit(0)]
}

/// A serde_json [`Formatter`] that lays out like `F` ([`CompactFormatter`] or
/// [`PrettyFormatter`]) and escapes every [`is_escaped`] character inside strings.
#[derive(Debug, Clone, Default)]
pub struct EscapingFormatter<F>(F);

impl<F: Formatter> EscapingFormatter<F> {
    /// Escapes as this module says, lays out as `inner`.
    pub fn new(inner: F) -> Self {
        EscapingFormatter(inner)
    }
}

/// Formatter methods that only lay out the JSON, passed to the inner formatter unchanged.
macro_rules! delegate_layout {
    ($($name:ident($($arg:ident: $ty:ty)?);)*) => {
        $(
            fn $name<W: ?Sized + io::Write>(
                &mut self,
                writer: &mut W
                $(, $arg: $ty)?
            ) -> io::Result<()> {
                self.0.$name(writer $(, $arg)?)
            }
        )*
    };
}

// Every method the inner formatter may lay out differently is forwarded; the rest (numbers,
// literals, string quotes and serde_json's own escapes) are the same for both layouts.
impl<F: Formatter> Formatter for EscapingFormatter<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    // A raw fragment is valid JSON (serde_json's RawValue): outside strings it is ASCII, so
    // escaping its non-ASCII characters changes only strings, to equivalent ones.
    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    // Layout (commas, colons, indentation) is the inner formatter's.
    delegate_layout! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }
}

/// Serializes `value` as compact JSON (one line) into `writer`.
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(writer, EscapingFormatter(CompactFormatter));
    value.serialize(&mut ser)
}

/// Serializes `value` as pretty JSON (two-space indent) into `writer`.
pub fn to_writer_pretty<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(writer, EscapingFormatter(PrettyFormatter::new()));
    value.serialize(&mut ser)
}

/// `value` as compact JSON bytes.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    to_writer(&mut out, value)?;
    Ok(out)
}

/// `value` as pretty JSON bytes.
pub fn to_vec_pretty<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    to_writer_pretty(&mut out, value)?;
    Ok(out)
}

fn into_string(v: Vec<u8>) -> serde_json::Result<String> {
    // Always UTF-8 (the strings were, and every escape is ASCII); an error is kept, not unwrapped.
    String::from_utf8(v).map_err(|e| serde_json::Error::io(io::Error::other(e)))
}

/// `value` as compact JSON (one line, no newline at the end).
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
    into_string(to_vec(value)?)
}

/// `value` as pretty JSON (no newline at the end).
pub fn to_string_pretty<T: ?Sized + Serialize>(value: &T) -> serde_json::Result<String> {
    into_string(to_vec_pretty(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serializes `s` as a JSON string, checks it parses back to `s`, returns the JSON.
    fn round_trip(s: &str) -> String {
        let j = to_string(s).unwrap();
        let back: String = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s, "{j}");
        j
    }

    #[test]
    fn c0_controls_and_del_are_escaped() {
        assert_eq!(round_trip("a\u{1b}[2J\u{7f}"), r#""a\u001b[2J\u007f""#);
        assert_eq!(round_trip("\0\n\t"), r#""\u0000\n\t""#);
    }

    #[test]
    fn c1_controls_are_escaped() {
        assert_eq!(round_trip("x\u{9b}2J"), r#""x\u009b2J""#);
        assert_eq!(round_trip("\u{80}\u{85}\u{9f}"), r#""\u0080\u0085\u009f""#);
        // Latin-1 letters after C1 share the lead byte and are kept.
        assert_eq!(round_trip("\u{a0}é\u{bf}"), "\"\u{a0}é\u{bf}\"");
    }

    #[test]
    fn bidi_controls_are_escaped() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let j = round_trip(&format!("ab{c}cd"));
            assert_eq!(j, format!("\"ab\\u{:04x}cd\"", c as u32));
        }
    }

    #[test]
    fn zero_width_and_invisible_characters_are_escaped() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{180E}',
        ] {
            let j = round_trip(&format!("{c}x{c}"));
            assert_eq!(j, format!("\"\\u{0:04x}x\\u{0:04x}\"", c as u32));
        }
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped() {
        assert_eq!(round_trip("a\u{2028}b\u{2029}"), r#""a\u2028b\u2029""#);
    }

    #[test]
    fn other_text_is_written_as_it_is() {
        let s = "plain ASCII, 日本語, emoji 🙂, \u{2027}\u{202F}\u{2070}\u{FEFE}\u{FFFD}";
        assert_eq!(round_trip(s), format!("\"{s}\""));
        // Long runs cross the eight-byte fast path at every offset.
        for pad in 0..9 {
            let s = format!("{}\u{202e}{}", "a".repeat(pad), "b".repeat(17 - pad));
            assert!(!round_trip(&s).contains('\u{202e}'));
        }
    }

    #[test]
    fn keys_are_escaped_and_layouts_match_serde_json() {
        let v = serde_json::json!({ "k\u{202e}": ["v\u{9b}", 1, null, {"x": true}], "e": [] });
        let compact = to_string(&v).unwrap();
        assert!(!compact.contains('\u{202e}') && !compact.contains('\u{9b}'));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&compact).unwrap(),
            v
        );
        let plain = serde_json::json!({ "k": ["v", 1, null, {"x": true}], "e": [] });
        assert_eq!(
            to_string_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
        assert_eq!(
            to_string(&plain).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }
}
