//! Hidden and look-alike characters: the ones that ride along when an address is copied out of
//! a spreadsheet, a PDF or an e-mail signature, and make it a different address while it looks
//! the same on screen.
//!
//! [`scan`] finds them with their position, code point and Unicode name; [`clean`] shows what
//! the address would be without them. Syntax rules are left to the parser: a plain space in the
//! middle of an address is visible, so it is a syntax problem, not a hidden character. Names come
//! from a table of exactly the characters this module reports (the Unicode names of the Latin,
//! Cyrillic, Greek and Armenian letters involved, spaces, controls and format characters), so no
//! full Unicode name database is needed.

use std::borrow::Cow;

use serde::Serialize;

/// Why a character is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HiddenKind {
    /// Whitespace before or after the address.
    EdgeWhitespace,
    /// A space other than the plain ASCII space, inside the address (no-break space ...).
    UnusualSpace,
    /// A control character (tab, line feed, escape ...).
    Control,
    /// An invisible formatting character (zero-width space, soft hyphen, word joiner ...).
    Invisible,
    /// A text-direction mark, embedding, override or isolate.
    Bidi,
    /// A full-width or small form of an ASCII character (`＠`, `．`, `ａ`).
    FullWidth,
    /// A letter of another script that looks like a Latin letter, among Latin letters or in a
    /// word made only of such letters.
    LookAlike,
}

impl HiddenKind {
    /// Plain words for the detail line.
    pub fn describe(self) -> &'static str {
        match self {
            HiddenKind::EdgeWhitespace => "whitespace before or after the address",
            HiddenKind::UnusualSpace => "a special space",
            HiddenKind::Control => "a control character",
            HiddenKind::Invisible => "an invisible character",
            HiddenKind::Bidi => "a text-direction mark",
            HiddenKind::FullWidth => "a full-width character",
            HiddenKind::LookAlike => "a look-alike letter from another alphabet",
        }
    }
}

/// One reported character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenChar {
    /// 1-based character position in the input.
    pub position: usize,
    /// `U+200B`.
    pub code_point: String,
    /// The Unicode name (`ZERO WIDTH SPACE`), or `null` for a character outside the table.
    pub name: Option<Cow<'static, str>>,
    /// Why it is reported.
    pub kind: HiddenKind,
    /// The ASCII character it imitates, for full-width forms and look-alikes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looks_like: Option<char>,
}

impl HiddenChar {
    /// "ZERO WIDTH SPACE (U+200B) at position 5 (an invisible character)".
    pub fn describe(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(|n| format!("{n} ({})", self.code_point))
            .unwrap_or_else(|| self.code_point.clone());
        let mut s = format!(
            "{name} at position {} ({}",
            self.position,
            self.kind.describe()
        );
        if let Some(l) = self.looks_like {
            s.push_str(&format!(" that looks like \"{l}\""));
        }
        s.push(')');
        s
    }
}

/// Every hidden or look-alike character in `input`, in order.
pub fn scan(input: &str) -> Vec<HiddenChar> {
    let mut out = Vec::new();
    // Fast path: printable ASCII without edge spaces has nothing to report.
    if input
        .bytes()
        .all(|b| (0x21..0x7f).contains(&b) || b == b' ')
        && !input.starts_with(' ')
        && !input.ends_with(' ')
    {
        return out;
    }
    let chars: Vec<char> = input.chars().collect();
    let first = chars
        .iter()
        .position(|c| !c.is_whitespace() && !is_invisible(*c));
    let last = chars
        .iter()
        .rposition(|c| !c.is_whitespace() && !is_invisible(*c));
    for (i, &c) in chars.iter().enumerate() {
        let edge = match (first, last) {
            (Some(f), Some(l)) => i < f || i > l,
            _ => true,
        };
        let kind = if edge && (c.is_whitespace() || is_invisible(c)) {
            Some(HiddenKind::EdgeWhitespace)
        } else if c.is_control() {
            Some(HiddenKind::Control)
        } else if is_bidi(c) {
            Some(HiddenKind::Bidi)
        } else if is_invisible(c) {
            Some(HiddenKind::Invisible)
        } else if c.is_whitespace() && c != ' ' {
            Some(HiddenKind::UnusualSpace)
        } else if fullwidth_ascii(c).is_some() {
            Some(HiddenKind::FullWidth)
        } else {
            None
        };
        if let Some(kind) = kind {
            out.push(hidden(i, c, kind, fullwidth_ascii(c)));
        }
    }
    look_alikes(&chars, &mut out);
    out.sort_by_key(|h| h.position);
    out
}

fn hidden(index: usize, c: char, kind: HiddenKind, looks_like: Option<char>) -> HiddenChar {
    HiddenChar {
        position: index + 1,
        code_point: format!("U+{:04X}", c as u32),
        name: char_name(c),
        kind,
        looks_like,
    }
}

/// Finds look-alike letters word by word (a word is a run of letters and digits): a word that
/// mixes Latin letters with letters of Cyrillic, Greek or Armenian, or a domain word written only
/// with letters that imitate Latin ones while the rest of the address is Latin (`рау.com`, the
/// "whole-script confusable" of UTS #39). The second rule is kept to the domain: a Greek or
/// Russian name before the @ of a Latin domain is common and legitimate.
fn look_alikes(chars: &[char], out: &mut Vec<HiddenChar>) {
    let any_latin = chars.iter().any(|c| c.is_ascii_alphabetic());
    let at = chars
        .iter()
        .rposition(|c| *c == '@' || fullwidth_ascii(*c) == Some('@'))
        .unwrap_or(0);
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        let word = &chars[start..i];
        let latin = word.iter().any(|c| is_latin_letter(*c));
        let foreign: Vec<usize> = (start..i)
            .filter(|&k| is_confusable_script(chars[k]))
            .collect();
        if foreign.is_empty() {
            continue;
        }
        let all_imitate = word
            .iter()
            .filter(|c| c.is_alphabetic())
            .all(|c| latin_look_alike(*c).is_some());
        if latin || (start > at && word.len() >= 2 && any_latin && all_imitate) {
            for k in foreign {
                out.push(hidden(
                    k,
                    chars[k],
                    HiddenKind::LookAlike,
                    latin_look_alike(chars[k]),
                ));
            }
        }
    }
}

/// The address with hidden characters removed and full-width forms and look-alike letters
/// replaced by the ASCII they imitate: what the person most likely meant.
pub fn clean(input: &str, found: &[HiddenChar]) -> String {
    let mut out = String::with_capacity(input.len());
    let mut it = found.iter().peekable();
    for (i, c) in input.chars().enumerate() {
        match it.peek() {
            Some(h) if h.position == i + 1 => {
                if let Some(l) = h.looks_like {
                    out.push(l);
                } else if h.kind == HiddenKind::UnusualSpace {
                    // A special space inside an address is a visible gap; keep it as a space so
                    // that the parser still reports it.
                    out.push(' ');
                }
                it.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Zero-width and other formatting characters that show nothing.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

/// Text-direction marks, embeddings, overrides and isolates.
pub(crate) fn is_bidi(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The ASCII character a full-width or small form stands for.
pub(crate) fn fullwidth_ascii(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21),
        '\u{3002}' | '\u{FF61}' | '\u{FE52}' => Some('.'),
        '\u{FE6B}' => Some('@'),
        '\u{FE63}' => Some('-'),
        _ => None,
    }
}

fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || (matches!(c, '\u{00C0}'..='\u{024F}') && c.is_alphabetic())
}

fn is_confusable_script(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{0530}'..='\u{058F}')
        && c.is_alphabetic()
}

/// Letters of other scripts that are drawn like a Latin letter (after Unicode's confusables).
static LOOK_ALIKES: &[(char, char)] = &[
    // Cyrillic
    ('а', 'a'),
    ('е', 'e'),
    ('о', 'o'),
    ('р', 'p'),
    ('с', 'c'),
    ('у', 'y'),
    ('х', 'x'),
    ('і', 'i'),
    ('ј', 'j'),
    ('ѕ', 's'),
    ('ԁ', 'd'),
    ('ԛ', 'q'),
    ('ԝ', 'w'),
    ('һ', 'h'),
    ('ӏ', 'l'),
    ('ɡ', 'g'),
    ('А', 'A'),
    ('В', 'B'),
    ('Е', 'E'),
    ('К', 'K'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('Р', 'P'),
    ('С', 'C'),
    ('Т', 'T'),
    ('Х', 'X'),
    ('І', 'I'),
    ('Ј', 'J'),
    ('Ѕ', 'S'),
    ('У', 'Y'),
    ('Ү', 'Y'),
    // Greek
    ('α', 'a'),
    ('ο', 'o'),
    ('ν', 'v'),
    ('ρ', 'p'),
    ('ι', 'i'),
    ('κ', 'k'),
    ('υ', 'u'),
    ('χ', 'x'),
    ('Α', 'A'),
    ('Β', 'B'),
    ('Ε', 'E'),
    ('Ζ', 'Z'),
    ('Η', 'H'),
    ('Ι', 'I'),
    ('Κ', 'K'),
    ('Μ', 'M'),
    ('Ν', 'N'),
    ('Ο', 'O'),
    ('Ρ', 'P'),
    ('Τ', 'T'),
    ('Υ', 'Y'),
    ('Χ', 'X'),
    // Armenian
    ('օ', 'o'),
    ('ս', 'u'),
    ('հ', 'h'),
    ('ո', 'n'),
    ('ց', 'g'),
    ('զ', 'q'),
];

/// The Latin letter `c` imitates, if any.
pub(crate) fn latin_look_alike(c: char) -> Option<char> {
    LOOK_ALIKES.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

// ---- Unicode names of the characters this module reports ---------------------------------

static C0_NAMES: [&str; 32] = [
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED (LF)",
    "LINE TABULATION",
    "FORM FEED (FF)",
    "CARRIAGE RETURN (CR)",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "INFORMATION SEPARATOR FOUR",
    "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
];

static ASCII_PUNCT_NAMES: &[(char, &str)] = &[
    ('!', "EXCLAMATION MARK"),
    ('"', "QUOTATION MARK"),
    ('#', "NUMBER SIGN"),
    ('$', "DOLLAR SIGN"),
    ('%', "PERCENT SIGN"),
    ('&', "AMPERSAND"),
    ('\'', "APOSTROPHE"),
    ('(', "LEFT PARENTHESIS"),
    (')', "RIGHT PARENTHESIS"),
    ('*', "ASTERISK"),
    ('+', "PLUS SIGN"),
    (',', "COMMA"),
    ('-', "HYPHEN-MINUS"),
    ('.', "FULL STOP"),
    ('/', "SOLIDUS"),
    (':', "COLON"),
    (';', "SEMICOLON"),
    ('<', "LESS-THAN SIGN"),
    ('=', "EQUALS SIGN"),
    ('>', "GREATER-THAN SIGN"),
    ('?', "QUESTION MARK"),
    ('@', "COMMERCIAL AT"),
    ('[', "LEFT SQUARE BRACKET"),
    ('\\', "REVERSE SOLIDUS"),
    (']', "RIGHT SQUARE BRACKET"),
    ('^', "CIRCUMFLEX ACCENT"),
    ('_', "LOW LINE"),
    ('`', "GRAVE ACCENT"),
    ('{', "LEFT CURLY BRACKET"),
    ('|', "VERTICAL LINE"),
    ('}', "RIGHT CURLY BRACKET"),
    ('~', "TILDE"),
];

static DIGIT_NAMES: [&str; 10] = [
    "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
];

static OTHER_NAMES: &[(char, &str)] = &[
    ('\u{0020}', "SPACE"),
    ('\u{007F}', "DELETE"),
    ('\u{0085}', "NEXT LINE (NEL)"),
    ('\u{00A0}', "NO-BREAK SPACE"),
    ('\u{00AD}', "SOFT HYPHEN"),
    ('\u{034F}', "COMBINING GRAPHEME JOINER"),
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{115F}', "HANGUL CHOSEONG FILLER"),
    ('\u{1160}', "HANGUL JUNGSEONG FILLER"),
    ('\u{1680}', "OGHAM SPACE MARK"),
    ('\u{180E}', "MONGOLIAN VOWEL SEPARATOR"),
    ('\u{2000}', "EN QUAD"),
    ('\u{2001}', "EM QUAD"),
    ('\u{2002}', "EN SPACE"),
    ('\u{2003}', "EM SPACE"),
    ('\u{2004}', "THREE-PER-EM SPACE"),
    ('\u{2005}', "FOUR-PER-EM SPACE"),
    ('\u{2006}', "SIX-PER-EM SPACE"),
    ('\u{2007}', "FIGURE SPACE"),
    ('\u{2008}', "PUNCTUATION SPACE"),
    ('\u{2009}', "THIN SPACE"),
    ('\u{200A}', "HAIR SPACE"),
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{2028}', "LINE SEPARATOR"),
    ('\u{2029}', "PARAGRAPH SEPARATOR"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{202F}', "NARROW NO-BREAK SPACE"),
    ('\u{205F}', "MEDIUM MATHEMATICAL SPACE"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{2061}', "FUNCTION APPLICATION"),
    ('\u{2062}', "INVISIBLE TIMES"),
    ('\u{2063}', "INVISIBLE SEPARATOR"),
    ('\u{2064}', "INVISIBLE PLUS"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
    ('\u{3000}', "IDEOGRAPHIC SPACE"),
    ('\u{3002}', "IDEOGRAPHIC FULL STOP"),
    ('\u{3164}', "HANGUL FILLER"),
    ('\u{FE52}', "SMALL FULL STOP"),
    ('\u{FE63}', "SMALL HYPHEN-MINUS"),
    ('\u{FE6B}', "SMALL COMMERCIAL AT"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{FF61}', "HALFWIDTH IDEOGRAPHIC FULL STOP"),
    ('\u{FFA0}', "HALFWIDTH HANGUL FILLER"),
    ('ɡ', "LATIN SMALL LETTER SCRIPT G"),
    ('ԁ', "CYRILLIC SMALL LETTER KOMI DE"),
    ('ԛ', "CYRILLIC SMALL LETTER QA"),
    ('ԝ', "CYRILLIC SMALL LETTER WE"),
    ('һ', "CYRILLIC SMALL LETTER SHHA"),
    ('ӏ', "CYRILLIC SMALL LETTER PALOCHKA"),
    ('Ү', "CYRILLIC CAPITAL LETTER STRAIGHT U"),
    ('օ', "ARMENIAN SMALL LETTER OH"),
    ('ս', "ARMENIAN SMALL LETTER SEH"),
    ('հ', "ARMENIAN SMALL LETTER HO"),
    ('ո', "ARMENIAN SMALL LETTER VO"),
    ('ց', "ARMENIAN SMALL LETTER CO"),
    ('զ', "ARMENIAN SMALL LETTER ZA"),
];

static CYRILLIC_BASIC: [&str; 32] = [
    "A",
    "BE",
    "VE",
    "GHE",
    "DE",
    "IE",
    "ZHE",
    "ZE",
    "I",
    "SHORT I",
    "KA",
    "EL",
    "EM",
    "EN",
    "O",
    "PE",
    "ER",
    "ES",
    "TE",
    "U",
    "EF",
    "HA",
    "TSE",
    "CHE",
    "SHA",
    "SHCHA",
    "HARD SIGN",
    "YERU",
    "SOFT SIGN",
    "E",
    "YU",
    "YA",
];

static CYRILLIC_EXTRA: [&str; 16] = [
    "IE WITH GRAVE",
    "IO",
    "DJE",
    "GJE",
    "UKRAINIAN IE",
    "DZE",
    "BYELORUSSIAN-UKRAINIAN I",
    "YI",
    "JE",
    "LJE",
    "NJE",
    "TSHE",
    "KJE",
    "I WITH GRAVE",
    "SHORT U",
    "DZHE",
];

static GREEK: [&str; 25] = [
    "ALPHA",
    "BETA",
    "GAMMA",
    "DELTA",
    "EPSILON",
    "ZETA",
    "ETA",
    "THETA",
    "IOTA",
    "KAPPA",
    "LAMDA",
    "MU",
    "NU",
    "XI",
    "OMICRON",
    "PI",
    "RHO",
    "FINAL SIGMA",
    "SIGMA",
    "TAU",
    "UPSILON",
    "PHI",
    "CHI",
    "PSI",
    "OMEGA",
];

fn ascii_name(c: char) -> Option<String> {
    match c {
        'a'..='z' => Some(format!("LATIN SMALL LETTER {}", c.to_ascii_uppercase())),
        'A'..='Z' => Some(format!("LATIN CAPITAL LETTER {c}")),
        '0'..='9' => Some(format!("DIGIT {}", DIGIT_NAMES[(c as u8 - b'0') as usize])),
        _ => ASCII_PUNCT_NAMES
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, n)| n.to_string()),
    }
}

/// The Unicode name of `c`, for the characters this module reports; `None` for others.
pub(crate) fn char_name(c: char) -> Option<Cow<'static, str>> {
    let v = c as u32;
    if v < 0x20 {
        return Some(Cow::Borrowed(C0_NAMES[v as usize]));
    }
    if let Some((_, n)) = OTHER_NAMES.iter().find(|(k, _)| *k == c) {
        return Some(Cow::Borrowed(n));
    }
    let owned = match v {
        0x80..=0x9F => format!("<control-{v:04X}>"),
        0xFF01..=0xFF5E => format!("FULLWIDTH {}", ascii_name(fullwidth_ascii(c)?)?),
        0x0400..=0x040F => format!(
            "CYRILLIC CAPITAL LETTER {}",
            CYRILLIC_EXTRA[(v - 0x400) as usize]
        ),
        0x0410..=0x042F => format!(
            "CYRILLIC CAPITAL LETTER {}",
            CYRILLIC_BASIC[(v - 0x410) as usize]
        ),
        0x0430..=0x044F => format!(
            "CYRILLIC SMALL LETTER {}",
            CYRILLIC_BASIC[(v - 0x430) as usize]
        ),
        0x0450..=0x045F => format!(
            "CYRILLIC SMALL LETTER {}",
            CYRILLIC_EXTRA[(v - 0x450) as usize]
        ),
        0x0391..=0x03A9 if v != 0x03A2 => {
            format!("GREEK CAPITAL LETTER {}", GREEK[(v - 0x391) as usize])
        }
        0x03B1..=0x03C9 => format!("GREEK SMALL LETTER {}", GREEK[(v - 0x3B1) as usize]),
        0xFE00..=0xFE0F => format!("VARIATION SELECTOR-{}", v - 0xFE00 + 1),
        0xE0100..=0xE01EF => format!("VARIATION SELECTOR-{}", v - 0xE0100 + 17),
        0xE0020..=0xE007E => format!("TAG {}", ascii_name(char::from_u32(v - 0xE0000)?)?),
        0xE0001 => "LANGUAGE TAG".to_string(),
        0xE007F => "CANCEL TAG".to_string(),
        _ => return None,
    };
    Some(Cow::Owned(owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_usual_suspects() {
        assert_eq!(char_name('\u{200B}').as_deref(), Some("ZERO WIDTH SPACE"));
        assert_eq!(
            char_name('\u{FF20}').as_deref(),
            Some("FULLWIDTH COMMERCIAL AT")
        );
        assert_eq!(char_name('а').as_deref(), Some("CYRILLIC SMALL LETTER A"));
        assert_eq!(
            char_name('і').as_deref(),
            Some("CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I")
        );
        assert_eq!(
            char_name('ο').as_deref(),
            Some("GREEK SMALL LETTER OMICRON")
        );
        assert_eq!(char_name('\t').as_deref(), Some("CHARACTER TABULATION"));
        assert_eq!(
            char_name('\u{FF41}').as_deref(),
            Some("FULLWIDTH LATIN SMALL LETTER A")
        );
    }

    #[test]
    fn a_cyrillic_a_inside_a_latin_domain_is_found() {
        let h = scan("jane@\u{0430}cme.com");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].position, 6);
        assert_eq!(h[0].kind, HiddenKind::LookAlike);
        assert_eq!(h[0].looks_like, Some('a'));
        assert_eq!(clean("jane@\u{0430}cme.com", &h), "jane@acme.com");
    }

    #[test]
    fn russian_addresses_are_not_look_alikes() {
        assert!(scan("иван@почта.рф").is_empty());
        // A word made only of imitating letters in an otherwise Latin address is.
        assert_eq!(scan("jane@рау.com").len(), 3);
        // ... but a Greek name before the @ of a Latin domain is not.
        assert!(scan("ναι@example.com").is_empty());
    }

    #[test]
    fn edges_invisibles_and_spaces() {
        let h = scan(" jane\u{200B}@acme.com\u{00A0}");
        let kinds: Vec<_> = h.iter().map(|h| (h.position, h.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (1, HiddenKind::EdgeWhitespace),
                (6, HiddenKind::Invisible),
                (16, HiddenKind::EdgeWhitespace)
            ]
        );
        assert_eq!(clean(" jane\u{200B}@acme.com\u{00A0}", &h), "jane@acme.com");
        assert!(scan("jane@acme.com").is_empty());
    }
}
