//! SPF macro strings (RFC 7208 §7): parsing `%{...}` expansions and expanding them with the real
//! sender, client IP, HELO name and current domain.
//!
//! Expansion is a pure function of a [`MacroEnv`]; the one macro that needs DNS (`%{p}`, the
//! validated reverse name) is resolved by the evaluator beforehand and handed in, so this module
//! never does I/O and is easy to fuzz. Hostile input stays bounded: the digit transformer
//! saturates instead of overflowing, and an expansion never grows beyond [`MAX_EXPANSION`] bytes.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// Upper bound on one expanded string, far above any legal use (a domain is at most 253 bytes,
/// an explanation one TXT record) so that hostile records cannot make it grow without bound.
pub const MAX_EXPANSION: usize = 8192;

/// ```text
/// macro-string     = *( macro-expand / macro-literal )
/// macro-expand     = ( "%{" macro-letter transformers *delimiter "}" )
///                    / "%%" / "%_" / "%-"
/// macro-literal    = %x21-24 / %x26-7E
///                    ; visible characters except "%"
/// explain-string   = *( macro-string / SP )
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroString {
    raw: String,
    parts: Vec<Part>,
    /// For a string without `%{...}`: its text, lowercase (a domain-spec compared and asked as
    /// is; kept so that evaluating `include:_spf.example.com` copies nothing).
    literal: Option<String>,
}

impl Serialize for MacroString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// One piece of a macro string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text copied as is (`%%`, `%_`, `%-` already decoded).
    Literal(String),
    /// A `%{...}` expansion.
    Macro(Macro),
}

/// ```text
/// macro-letter     = "s" / "l" / "o" / "d" / "i" / "p" / "h" /
///                    "c" / "r" / "t" / "v"
/// transformers     = *DIGIT [ "r" ]
/// delimiter        = "." / "-" / "+" / "," / "/" / "_" / "="
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macro {
    /// The letter, lowercase.
    pub letter: char,
    /// An uppercase letter asks for URL escaping of the value (§7.3).
    pub url_escape: bool,
    /// Keep only this many rightmost parts (saturated; never zero).
    pub keep: Option<u32>,
    /// Reverse the parts first.
    pub reverse: bool,
    /// The delimiters to split on (`.` when none are given).
    pub delimiters: String,
}

/// A macro string that does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[non_exhaustive]
pub enum MacroSyntaxError {
    /// `%` followed by something other than `{`, `%`, `_` or `-`.
    #[error("\"%\" at offset {0} does not start a macro (write %% for a literal percent sign)")]
    BadPercent(usize),
    /// `%{` without its `}`.
    #[error("macro at offset {0} is not closed with \"}}\"")]
    Unclosed(usize),
    /// A letter that is not a macro letter (or `c`, `r`, `t` outside an explanation).
    #[error("{0:?} is not a macro letter here")]
    BadLetter(char),
    /// Something after the letter that is neither digits, `r`, nor delimiters.
    #[error("invalid transformer {0:?}")]
    BadTransformer(String),
    /// The digit transformer zero (§7.3: it must be nonzero).
    #[error("the digit transformer must not be zero")]
    ZeroDigits,
    /// A character not allowed in a macro string (space, non-printable).
    #[error("character {0:?} is not allowed here")]
    BadCharacter(char),
}

impl MacroString {
    /// Parses a macro string; `explain` allows spaces and the `c`, `r`, `t` letters (§6.2, §7.2).
    pub fn parse(text: &str, explain: bool) -> Result<MacroString, MacroSyntaxError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'%' {
                match b.get(i + 1) {
                    Some(b'%') => lit.push('%'),
                    Some(b'_') => lit.push(' '),
                    Some(b'-') => lit.push_str("%20"),
                    Some(b'{') => {
                        let close = text[i..]
                            .find('}')
                            .map(|c| i + c)
                            .ok_or(MacroSyntaxError::Unclosed(i))?;
                        let m = parse_macro(&text[i + 2..close], explain)?;
                        if !lit.is_empty() {
                            parts.push(Part::Literal(std::mem::take(&mut lit)));
                        }
                        parts.push(Part::Macro(m));
                        i = close + 1;
                        continue;
                    }
                    _ => return Err(MacroSyntaxError::BadPercent(i)),
                }
                i += 2;
                continue;
            }
            let ok = (0x21..=0x7e).contains(&c) || (explain && c == b' ');
            if !ok {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(MacroSyntaxError::BadCharacter(ch));
            }
            lit.push(c as char);
            i += 1;
        }
        if !lit.is_empty() {
            parts.push(Part::Literal(lit));
        }
        let literal = match parts.as_slice() {
            [] => Some(String::new()),
            [Part::Literal(l)] => Some(l.to_ascii_lowercase()),
            _ => None,
        };
        Ok(MacroString {
            raw: text.to_string(),
            parts,
            literal,
        })
    }

    /// The pieces.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The lowercase text of a string without `%{...}` expansions (`%%`, `%_`, `%-` decoded).
    pub fn literal(&self) -> Option<&str> {
        self.literal.as_deref()
    }

    /// True when the string contains no `%{...}` expansion (it may still contain `%%`).
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// True when the string ends with a `%{...}` expansion.
    pub fn ends_with_macro(&self) -> bool {
        matches!(self.parts.last(), Some(Part::Macro(_)))
    }

    /// The literal text after the last expansion.
    pub fn trailing_literal(&self) -> &str {
        match self.parts.last() {
            Some(Part::Literal(l)) => l,
            _ => "",
        }
    }

    /// True when expanding needs the validated reverse name (`%{p}`), which costs DNS lookups.
    pub fn uses_ptr(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Macro(m) if m.letter == 'p'))
    }

    /// Expands the string in `env`.
    pub fn expand(&self, env: &MacroEnv<'_>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Literal(l) => out.push_str(l),
                Part::Macro(m) => m.expand_into(env, &mut out),
            }
            if out.len() > MAX_EXPANSION {
                let mut cut = MAX_EXPANSION;
                while !out.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.truncate(cut);
                break;
            }
        }
        out
    }
}

fn parse_macro(body: &str, explain: bool) -> Result<Macro, MacroSyntaxError> {
    let mut chars = body.chars();
    let letter = chars.next().ok_or(MacroSyntaxError::BadLetter('}'))?;
    let lower = letter.to_ascii_lowercase();
    let allowed = matches!(lower, 's' | 'l' | 'o' | 'd' | 'i' | 'p' | 'h' | 'v')
        || (explain && matches!(lower, 'c' | 'r' | 't'));
    if !allowed {
        return Err(MacroSyntaxError::BadLetter(letter));
    }
    let rest = &body[letter.len_utf8()..];
    let digits_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let keep = if digits_len == 0 {
        None
    } else {
        // Saturate: a thousand-digit transformer means "keep everything", not an overflow.
        let n = rest[..digits_len].bytes().fold(0u32, |acc, d| {
            acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        });
        if n == 0 {
            return Err(MacroSyntaxError::ZeroDigits);
        }
        Some(n)
    };
    let mut rest = &rest[digits_len..];
    let mut reverse = false;
    if let Some(r) = rest.strip_prefix(['r', 'R']) {
        reverse = true;
        rest = r;
    }
    if !rest
        .chars()
        .all(|c| matches!(c, '.' | '-' | '+' | ',' | '/' | '_' | '='))
    {
        return Err(MacroSyntaxError::BadTransformer(rest.to_string()));
    }
    Ok(Macro {
        letter: lower,
        url_escape: letter.is_ascii_uppercase(),
        keep,
        reverse,
        delimiters: rest.to_string(),
    })
}

/// The values macros expand to.
#[derive(Debug, Clone)]
pub struct MacroEnv<'a> {
    /// Local part of the sender (`l`).
    pub local: &'a str,
    /// Domain of the sender (`o`).
    pub sender_domain: &'a str,
    /// The current domain (`d`).
    pub domain: &'a str,
    /// The client IP (`i`, `c`, `v`).
    pub ip: IpAddr,
    /// The HELO/EHLO name (`h`).
    pub helo: &'a str,
    /// The validated reverse name (`p`), `unknown` when none; resolved by the caller.
    pub ptr: Option<&'a str>,
    /// The receiving host (`r`).
    pub receiver: &'a str,
    /// Seconds since the epoch (`t`).
    pub now: u64,
}

impl Macro {
    fn value(&self, env: &MacroEnv<'_>) -> String {
        match self.letter {
            's' => format!("{}@{}", env.local, env.sender_domain),
            'l' => env.local.to_string(),
            'o' => env.sender_domain.to_string(),
            'd' => env.domain.to_string(),
            'i' => dotted_ip(env.ip),
            'p' => env.ptr.unwrap_or("unknown").to_string(),
            'h' => env.helo.to_string(),
            'v' => match env.ip {
                IpAddr::V4(_) => "in-addr".into(),
                IpAddr::V6(_) => "ip6".into(),
            },
            'c' => env.ip.to_string(),
            'r' => env.receiver.to_string(),
            't' => env.now.to_string(),
            _ => String::new(),
        }
    }

    fn expand_into(&self, env: &MacroEnv<'_>, out: &mut String) {
        let value = self.value(env);
        let delims: &str = if self.delimiters.is_empty() {
            "."
        } else {
            &self.delimiters
        };
        let transformed = if self.keep.is_none() && !self.reverse && delims == "." {
            value
        } else {
            let mut parts: Vec<&str> = value.split(|c| delims.contains(c)).collect();
            if self.reverse {
                parts.reverse();
            }
            if let Some(n) = self.keep {
                let n = (n as usize).min(parts.len());
                parts.drain(..parts.len() - n);
            }
            parts.join(".")
        };
        if self.url_escape {
            for b in transformed.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        } else {
            out.push_str(&transformed);
        }
    }
}

/// `i`: dotted-quad for IPv4, dot-separated nibbles for IPv6 (§7.3), written in uppercase as in
/// the RFC's own example (§7.4: `1.0.B.C.0.0...`) and as the OpenSPF suite expects in explanations.
pub(crate) fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(63);
            for byte in v6.octets() {
                for nib in [byte >> 4, byte & 0xf] {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push(
                        char::from_digit(u32::from(nib), 16)
                            .unwrap_or('0')
                            .to_ascii_uppercase(),
                    );
                }
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(ip: &str) -> MacroEnv<'static> {
        MacroEnv {
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            ptr: None,
            receiver: "unknown",
            now: 0,
        }
    }

    fn x(s: &str, ip: &str) -> String {
        MacroString::parse(s, true).unwrap().expand(&env(ip))
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc_examples() {
        let v4 = "192.0.2.3";
        assert_eq!(x("%{s}", v4), "strong-bad@email.example.com");
        assert_eq!(x("%{o}", v4), "email.example.com");
        assert_eq!(x("%{d}", v4), "email.example.com");
        assert_eq!(x("%{d4}", v4), "email.example.com");
        assert_eq!(x("%{d3}", v4), "email.example.com");
        assert_eq!(x("%{d2}", v4), "example.com");
        assert_eq!(x("%{d1}", v4), "com");
        assert_eq!(x("%{dr}", v4), "com.example.email");
        assert_eq!(x("%{d2r}", v4), "example.email");
        assert_eq!(x("%{l}", v4), "strong-bad");
        assert_eq!(x("%{l-}", v4), "strong.bad");
        assert_eq!(x("%{lr}", v4), "strong-bad");
        assert_eq!(x("%{lr-}", v4), "bad.strong");
        assert_eq!(x("%{l1r-}", v4), "strong");
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", v4),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            x("%{lr-}.lp._spf.%{d2}", v4),
            "bad.strong.lp._spf.example.com"
        );
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com"
        );
        assert_eq!(x("%{S}", v4), "strong-bad%40email.example.com");
        assert_eq!(x("a%%b%_c%-d", v4), "a%b c%20d");
    }

    #[test]
    fn errors_and_bounds() {
        assert!(MacroString::parse("%{c}", false).is_err());
        assert!(MacroString::parse("%{d0}", false).is_err());
        assert!(MacroString::parse("%{d", false).is_err());
        assert!(MacroString::parse("%x", false).is_err());
        assert!(MacroString::parse("a b", false).is_err());
        let huge = format!("%{{d{}r}}", "9".repeat(5000));
        assert_eq!(x(&huge, "192.0.2.3"), "com.example.email");
        let many = "%{s}".repeat(5000);
        assert!(x(&many, "192.0.2.3").len() <= MAX_EXPANSION);
    }
}
