//! The address parser: what an SMTP server accepts in `RCPT TO` (RFC 5321 §4.1.2), with the
//! UTF-8 extension of RFC 6531 and internationalized domains converted to A-labels with UTS #46.
//! Every problem names its rule and its position in plain words, for a support agent.
//!
//! ```text
//! Mailbox        = Local-part "@" ( Domain / address-literal )
//! Local-part     = Dot-string / Quoted-string
//! Dot-string     = Atom *("."  Atom)
//! Atom           = 1*atext                     ; atext also takes UTF8-non-ascii (RFC 6531)
//! Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
//! QcontentSMTP   = qtextSMTP / quoted-pairSMTP  ; qtextSMTP = %d32-33 / %d35-91 / %d93-126
//! quoted-pairSMTP = %d92 %d32-126
//! Domain         = sub-domain *("." sub-domain) ; sub-domain = Let-dig [Ldh-str], or a U-label
//! address-literal = "[" ( IPv4-address-literal / IPv6-address-literal
//!                       / General-address-literal ) "]"
//! ```
//!
//! What RFC 5322 allows in message headers but SMTP does not (comments, folding white space,
//! obsolete forms) is rejected with a sentence saying so. Lengths are counted in octets, with
//! the domain in its ASCII (A-label) form. Hidden characters are described by name here but
//! are looked for as such by [`super::hidden`].

use crate::finding::FindingId;
use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::Serialize;

use super::hidden;

/// The rules a problem can cite.
pub mod rule {
    /// The shape of the whole address.
    pub const MAILBOX: &str = "RFC 5321 §4.1.2 (Mailbox = Local-part \"@\" Domain)";
    /// The unquoted part before the @.
    pub const DOT_STRING: &str = "RFC 5321 §4.1.2 (Dot-string)";
    /// The quoted part before the @.
    pub const QUOTED: &str = "RFC 5321 §4.1.2 (Quoted-string)";
    /// The domain after the @.
    pub const DOMAIN: &str = "RFC 5321 §4.1.2 (Domain)";
    /// `[1.2.3.4]` after the @.
    pub const LITERAL: &str = "RFC 5321 §4.1.3 (address literal)";
    /// A domain name with at least one dot.
    pub const FQDN: &str = "RFC 5321 §2.3.5 (fully-qualified domain name)";
    /// Internationalized domain names.
    pub const IDNA: &str = "RFC 5891 and UTS #46 (internationalized domain names)";
    /// The top-level domain.
    pub const TLD: &str = "RFC 3696 §2 (top-level domain)";
    /// A name in front of the address.
    pub const NAME_ADDR: &str = "RFC 5322 §3.4 (a name with the address in angle brackets)";
    /// Comments in parentheses.
    pub const COMMENT: &str = "RFC 5322 §3.2.2 (comments, which SMTP does not accept)";
    /// Local part length.
    pub const LOCAL_LEN: &str = "RFC 5321 §4.5.3.1.1 (local part at most 64 octets)";
    /// Label length.
    pub const LABEL_LEN: &str = "RFC 1035 §2.3.4 (domain label at most 63 octets)";
    /// Domain length.
    pub const DOMAIN_LEN: &str = "RFC 5321 §4.5.3.1.2 (domain at most 255 octets)";
    /// Whole address length.
    pub const PATH_LEN: &str = "RFC 5321 §4.5.3.1.3 (address at most 254 octets)";
}

/// What kind of problem, which decides the finding id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The address does not follow the grammar (`address.syntax-invalid`).
    Syntax,
    /// A part is too long (`address.length-exceeded`).
    Length,
    /// Well-formed, but the domain is one mail is not delivered to in practice: a bare
    /// top-level domain (no dot) or an all-digit last label (`address.domain-not-routable`).
    NotRoutable,
}

/// One reason the address was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Syntax or length.
    pub kind: ProblemKind,
    /// The rule broken, as a citation.
    pub rule: &'static str,
    /// 1-based character position of the offending character, when there is one.
    pub position: Option<usize>,
    /// Plain words: "a space after the @ at position 9".
    pub message: String,
}

impl Problem {
    /// The finding id this problem is reported under.
    pub fn finding_id(&self) -> FindingId {
        match self.kind {
            ProblemKind::Syntax => FindingId::AddressSyntaxInvalid,
            ProblemKind::Length => FindingId::AddressLengthExceeded,
            ProblemKind::NotRoutable => FindingId::AddressDomainNotRoutable,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.rule)
    }
}

/// The part after the @.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Domain {
    /// A domain name.
    Name {
        /// Lowercase ASCII form with A-labels (`xn--bcher-kva.fr`): what DNS and SMTP use.
        ascii: String,
        /// The Unicode form (`bücher.fr`) when it differs from the ASCII form.
        unicode: Option<String>,
    },
    /// An address literal in square brackets.
    Literal(Literal),
}

/// The content of an address literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// `[192.0.2.1]`.
    V4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`.
    V6(Ipv6Addr),
    /// `[tag:content]` (RFC 5321 General-address-literal).
    General {
        /// The standardized tag.
        tag: String,
        /// The content after the colon.
        content: String,
    },
}

impl Domain {
    /// The ASCII form (A-labels, or the bracketed literal).
    pub fn ascii(&self) -> Cow<'_, str> {
        match self {
            Domain::Name { ascii, .. } => Cow::Borrowed(ascii),
            Domain::Literal(l) => Cow::Owned(l.to_string()),
        }
    }

    /// The Unicode form (U-labels), as a person reads it.
    pub fn unicode(&self) -> Cow<'_, str> {
        match self {
            Domain::Name {
                unicode: Some(u), ..
            } => Cow::Borrowed(u),
            other => other.ascii(),
        }
    }

    /// The domain name, when it is one (not a literal).
    pub fn name(&self) -> Option<&str> {
        match self {
            Domain::Name { ascii, .. } => Some(ascii),
            Domain::Literal(_) => None,
        }
    }
}

impl Literal {
    /// The IP address of an IPv4 or IPv6 literal; None for a general literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Literal::V4(a) => Some(IpAddr::V4(*a)),
            Literal::V6(a) => Some(IpAddr::V6(*a)),
            Literal::General { .. } => None,
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::V4(a) => write!(f, "[{a}]"),
            Literal::V6(a) => write!(f, "[IPv6:{a}]"),
            Literal::General { tag, content } => write!(f, "[{tag}:{content}]"),
        }
    }
}

/// A parsed address, in normalized form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The local part in its canonical form: unquoted when it is a valid Dot-string (RFC 5321
    /// §4.1.2 asks for that form), otherwise quoted with only `"` and `\` escaped. Letter case
    /// is kept: only the receiving server may decide it does not matter.
    pub local: String,
    /// The domain.
    pub domain: Domain,
}

impl Address {
    /// `local@domain` with the domain in ASCII: the form to send to.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local, self.domain.ascii())
    }

    /// `local@domain` with the domain in Unicode: the form to show.
    pub fn display(&self) -> String {
        format!("{}@{}", self.local, self.domain.unicode())
    }

    /// True when the local part has characters outside ASCII (needs SMTPUTF8).
    pub fn local_is_non_ascii(&self) -> bool {
        !self.local.is_ascii()
    }

    /// The local part without quotes and escapes.
    pub fn local_content(&self) -> Cow<'_, str> {
        match self
            .local
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
        {
            Some(inner) => Cow::Owned(unescape(inner)),
            None => Cow::Borrowed(&self.local),
        }
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut esc = false;
    for c in s.chars() {
        if esc || c != '\\' {
            out.push(c);
            esc = false;
        } else {
            esc = true;
        }
    }
    out
}

/// atext of RFC 5322 §3.2.3, ASCII part, as a lookup table.
static ATEXT: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        c += 1;
    }
    t
};

/// A non-ASCII character allowed in a local part (RFC 6531 UTF8-non-ascii), except the ones
/// that are invisible or spaces: those are never what a person meant.
fn utf8_ok(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !hidden::is_invisible(c)
}

/// 1-based character position of byte offset `off`.
fn pos(input: &str, off: usize) -> usize {
    input[..off].chars().count() + 1
}

/// A character in plain words: "a space", "a comma", "an invisible ZERO WIDTH SPACE (U+200B)".
pub(crate) fn describe_char(c: char) -> String {
    let named = match c {
        ' ' => "a space",
        '\t' => "a tab",
        ',' => "a comma",
        ';' => "a semicolon",
        ':' => "a colon",
        '"' => "a double quote",
        '\'' => "an apostrophe",
        '(' | ')' => "a parenthesis",
        '<' | '>' => "an angle bracket",
        '[' | ']' => "a square bracket",
        '\\' => "a backslash",
        '/' => "a slash",
        '@' => "an @",
        '.' => "a dot",
        '_' => "an underscore",
        _ => "",
    };
    if !named.is_empty() {
        return named.to_string();
    }
    let code = format!("U+{:04X}", c as u32);
    let name = hidden::char_name(c);
    if c.is_control() || hidden::is_invisible(c) || (c.is_whitespace() && c != ' ') {
        let what = if c.is_whitespace() {
            "a special space"
        } else if c.is_control() {
            "a control character"
        } else {
            "an invisible"
        };
        match name {
            Some(n) => format!("{what} {n} ({code})"),
            None => format!("{what} character ({code})"),
        }
    } else if c.is_ascii() {
        format!("the character \"{c}\"")
    } else {
        format!("the character \"{c}\" ({code})")
    }
}

fn syntax(rule: &'static str, position: Option<usize>, message: String) -> Problem {
    Problem {
        kind: ProblemKind::Syntax,
        rule,
        position,
        message,
    }
}

fn not_routable(rule: &'static str, message: String) -> Problem {
    Problem {
        kind: ProblemKind::NotRoutable,
        rule,
        position: None,
        message,
    }
}

fn length(rule: &'static str, message: String) -> Problem {
    Problem {
        kind: ProblemKind::Length,
        rule,
        position: None,
        message,
    }
}

/// Parses `input` as an address SMTP accepts. On success the address is normalized (see
/// [`Address`]); on failure every problem found is returned (at least one).
pub fn parse(input: &str) -> Result<Address, Vec<Problem>> {
    if let Some(fast) = ascii_fast_path(input) {
        return Ok(Address {
            local: input[..fast.at].to_string(),
            domain: Domain::Name {
                ascii: input[fast.at + 1..].to_ascii_lowercase(),
                unicode: None,
            },
        });
    }
    parse_general(input)
}

/// Validates `input` like [`parse`] and gives its normalized form (`local@domain` with the
/// domain in lowercase ASCII, [`Address::normalized`]). For the usual address (plain ASCII,
/// domain already lowercase) the form is the input itself, borrowed: nothing is allocated.
pub fn normalize(input: &str) -> Result<Cow<'_, str>, Vec<Problem>> {
    match ascii_fast_path(input) {
        Some(fast) if !fast.domain_upper => Ok(Cow::Borrowed(input)),
        Some(fast) => {
            let mut out = input.to_string();
            out[fast.at + 1..].make_ascii_lowercase();
            Ok(Cow::Owned(out))
        }
        None => parse_general(input).map(|a| Cow::Owned(a.normalized())),
    }
}

/// What [`ascii_fast_path`] found in a valid address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FastAddress {
    /// Byte offset of the @.
    pub(crate) at: usize,
    /// Whether the domain has uppercase letters (its normalized form is then a copy).
    pub(crate) domain_upper: bool,
}

/// The common address in one pass over its bytes: an ASCII Dot-string, an @, and an ASCII
/// letters-digits-hyphens domain of at least two labels whose last is not all digits, within
/// every length limit. Such an address is valid by [`parse_general`], which would give the
/// local part as written and the domain lowercased: no UTS #46 work is needed (there is no
/// U-label, and `xn--` labels are left to the general path, which checks their Punycode).
/// None for anything else (including every invalid address), which then takes the general
/// path, so problems are always described by it. The property test `fast_path_agrees` checks
/// both paths agree on generated addresses.
pub(crate) fn ascii_fast_path(input: &str) -> Option<FastAddress> {
    let b = input.as_bytes();
    // The local part: atext and single dots, not at either end.
    let mut i = 0;
    let mut prev_dot = true;
    loop {
        let c = *b.get(i)?;
        if c == b'@' {
            break;
        }
        if c == b'.' {
            if prev_dot {
                return None;
            }
            prev_dot = true;
        } else if c < 0x80 && ATEXT[c as usize] {
            prev_dot = false;
        } else {
            return None;
        }
        i += 1;
    }
    let at = i;
    if prev_dot || at > 64 {
        return None; // empty, or a dot before the @
    }
    // The domain: labels of letters, digits and inner hyphens.
    let start = at + 1;
    let mut label_start = start;
    let mut labels = 1usize;
    let mut last_digits = true;
    let mut upper = false;
    let mut j = start;
    while j < b.len() {
        let c = b[j];
        if j == label_start {
            if c == b'-' || c == b'.' {
                return None;
            }
            if b.len() - j >= 4 && b[j..j + 4].eq_ignore_ascii_case(b"xn--") {
                return None;
            }
        }
        match c {
            b'.' => {
                if b[j - 1] == b'-' || j - label_start > 63 {
                    return None;
                }
                labels += 1;
                label_start = j + 1;
                last_digits = true;
            }
            b'0'..=b'9' => {}
            b'a'..=b'z' => last_digits = false,
            b'A'..=b'Z' => {
                last_digits = false;
                upper = true;
            }
            b'-' => last_digits = false,
            _ => return None,
        }
        j += 1;
    }
    let dom_len = b.len() - start;
    if label_start == b.len()
        || b[b.len() - 1] == b'-'
        || b.len() - label_start > 63
        || labels < 2
        || last_digits
        || dom_len > 253
        || b.len() > 254
    {
        return None;
    }
    Some(FastAddress {
        at,
        domain_upper: upper,
    })
}

/// [`parse`] without the fast path: every rule, every problem described.
pub(crate) fn parse_general(input: &str) -> Result<Address, Vec<Problem>> {
    let mut problems = Vec::new();
    if input.is_empty() {
        problems.push(syntax(rule::MAILBOX, None, "the address is empty".into()));
        return Err(problems);
    }
    if let Some(p) = whole_form_problem(input) {
        problems.push(p);
        return Err(problems);
    }
    let b = input.as_bytes();
    // The local part.
    let (at, local) = if b[0] == b'"' {
        quoted_local(input, &mut problems)
    } else {
        dot_string_local(input, &mut problems)
    };
    let Some(at) = at else {
        if problems.is_empty() {
            let msg = if input.contains('\u{FF20}') || input.contains('\u{FE6B}') {
                "there is no @ in the address (the @ it has is a full-width or small look-alike)"
            } else {
                "there is no @ in the address"
            };
            problems.push(syntax(rule::MAILBOX, None, msg.into()));
        }
        return Err(problems);
    };
    if at == 0 {
        problems.push(syntax(
            rule::MAILBOX,
            Some(1),
            "nothing before the @ at position 1".into(),
        ));
    }
    // The domain.
    let rest = &input[at + 1..];
    let domain = if rest.is_empty() {
        problems.push(syntax(
            rule::MAILBOX,
            Some(pos(input, at)),
            format!(
                "nothing after the @ at position {}: the domain is missing",
                pos(input, at)
            ),
        ));
        None
    } else if rest.starts_with('[') {
        literal(input, at + 1, &mut problems)
    } else {
        domain_name(input, at + 1, &mut problems)
    };
    let (Some(local), Some(domain)) = (local, domain) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    // Lengths, in octets, with the domain in ASCII.
    if local.len() > 64 {
        problems.push(length(
            rule::LOCAL_LEN,
            format!(
                "the part before the @ is {} octets long, over the limit of 64",
                local.len()
            ),
        ));
    }
    let total = local.len() + 1 + domain.ascii().len();
    if total > 254 {
        problems.push(length(
            rule::PATH_LEN,
            format!("the address is {total} octets long (with the domain in its ASCII form), over the limit of 254"),
        ));
    }
    if problems.is_empty() {
        Ok(Address { local, domain })
    } else {
        Err(problems)
    }
}

/// Problems with the address as a whole: a name in front, `mailto:`, a list of addresses.
fn whole_form_problem(input: &str) -> Option<Problem> {
    if input.len() >= 7 && input.as_bytes()[..7].eq_ignore_ascii_case(b"mailto:") {
        return Some(syntax(
            rule::MAILBOX,
            Some(1),
            "the address starts with \"mailto:\", a link prefix to remove".into(),
        ));
    }
    if !input.starts_with('"') {
        if let (Some(lt), Some(gt)) = (input.find('<'), input.rfind('>')) {
            if lt < gt {
                return Some(syntax(
                    rule::NAME_ADDR,
                    Some(pos(input, lt)),
                    format!(
                        "the address is written with a name and angle brackets (an angle bracket at position {}), so use only the address between < and >, \"{}\"",
                        pos(input, lt),
                        &input[lt + 1..gt]
                    ),
                ));
            }
        }
    }
    None
}

fn local_char_problem(input: &str, off: usize, c: char) -> Problem {
    let p = pos(input, off);
    let d = describe_char(c);
    let msg = match c {
        ' ' => format!("a space at position {p} (an address cannot contain spaces)"),
        ',' | ';' => format!(
            "{d} at position {p} (two addresses pasted together, or a dot was meant?)"
        ),
        '(' | ')' => {
            return syntax(
                rule::COMMENT,
                Some(p),
                format!("{d} at position {p} (comments in parentheses are allowed in message headers, not in an address to send to)"),
            )
        }
        '"' => format!(
            "{d} at position {p} (quotes are only allowed around the whole part before the @)"
        ),
        _ => format!(
            "{d} at position {p}, which is not allowed before the @ unless that part is in quotes"
        ),
    };
    syntax(rule::DOT_STRING, Some(p), msg)
}

/// Parses a Dot-string local part. Returns the byte offset of the @ (when found) and the
/// canonical local part (when valid).
fn dot_string_local(input: &str, problems: &mut Vec<Problem>) -> (Option<usize>, Option<String>) {
    let b = input.as_bytes();
    let mut i = 0;
    let mut prev_dot = true; // at the start, a dot is as bad as after a dot
    let mut bad = false;
    while i < b.len() {
        let c = b[i];
        if c == b'@' {
            break;
        }
        if c < 0x80 {
            if c == b'.' {
                if i == 0 {
                    problems.push(syntax(
                        rule::DOT_STRING,
                        Some(1),
                        "a dot at the start of the address (position 1), where the part before the @ cannot start with one".into(),
                    ));
                    bad = true;
                    break;
                }
                if prev_dot {
                    let p = pos(input, i);
                    problems.push(syntax(
                        rule::DOT_STRING,
                        Some(p),
                        format!("two dots in a row at position {p}"),
                    ));
                    bad = true;
                    break;
                }
                prev_dot = true;
            } else if ATEXT[c as usize] {
                prev_dot = false;
            } else {
                problems.push(local_char_problem(input, i, c as char));
                bad = true;
                break;
            }
            i += 1;
        } else {
            let ch = input[i..].chars().next().expect("char boundary");
            if !utf8_ok(ch) {
                problems.push(local_char_problem(input, i, ch));
                bad = true;
                break;
            }
            prev_dot = false;
            i += ch.len_utf8();
        }
    }
    // Find the @ even after a problem, so that the domain is checked too.
    let at = if i < b.len() && b[i] == b'@' {
        Some(i)
    } else {
        input[i.min(b.len())..].find('@').map(|k| k + i)
    };
    if bad {
        return (at, None);
    }
    let Some(at) = at else {
        return (None, None);
    };
    if at > 0 && b[at - 1] == b'.' {
        let p = pos(input, at - 1);
        problems.push(syntax(
            rule::DOT_STRING,
            Some(p),
            format!("a dot right before the @ at position {p}"),
        ));
        return (Some(at), None);
    }
    (Some(at), Some(input[..at].to_string()))
}

/// Parses a Quoted-string local part (input starts with `"`).
fn quoted_local(input: &str, problems: &mut Vec<Problem>) -> (Option<usize>, Option<String>) {
    let b = input.as_bytes();
    let mut content = String::new();
    let mut i = 1;
    let mut closed = None;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' => {
                closed = Some(i);
                break;
            }
            b'\\' => {
                match b.get(i + 1) {
                    Some(&n) if (32..=126).contains(&n) => content.push(n as char),
                    Some(_) => {
                        let ch = input[i + 1..].chars().next().expect("char");
                        let p = pos(input, i + 1);
                        problems.push(syntax(
                            rule::QUOTED,
                            Some(p),
                            format!(
                                "{} at position {p} after a backslash inside the quotes (only visible ASCII may follow a backslash)",
                                describe_char(ch)
                            ),
                        ));
                        return (input.rfind('@'), None);
                    }
                    None => break,
                }
                i += 2;
            }
            32..=126 => {
                content.push(c as char);
                i += 1;
            }
            0..=31 | 127 => {
                let p = pos(input, i);
                problems.push(syntax(
                    rule::QUOTED,
                    Some(p),
                    format!(
                        "{} at position {p} inside the quotes",
                        describe_char(c as char)
                    ),
                ));
                return (input.rfind('@'), None);
            }
            _ => {
                let ch = input[i..].chars().next().expect("char");
                if !utf8_ok(ch) {
                    let p = pos(input, i);
                    problems.push(syntax(
                        rule::QUOTED,
                        Some(p),
                        format!("{} at position {p} inside the quotes", describe_char(ch)),
                    ));
                    return (input.rfind('@'), None);
                }
                content.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    let Some(close) = closed else {
        problems.push(syntax(
            rule::QUOTED,
            Some(1),
            "the quote opened at position 1 is never closed".into(),
        ));
        return (None, None);
    };
    match b.get(close + 1) {
        Some(b'@') => {}
        None => return (None, None),
        Some(_) => {
            let ch = input[close + 1..].chars().next().expect("char");
            let p = pos(input, close + 1);
            problems.push(syntax(
                rule::QUOTED,
                Some(p),
                format!(
                    "{} at position {p} after the closing quote (the @ must come right after it)",
                    describe_char(ch)
                ),
            ));
            return (input[close..].find('@').map(|k| k + close), None);
        }
    }
    (Some(close + 1), Some(canonical_local(&content)))
}

/// The canonical form of a local part whose unquoted content is `content`.
pub(crate) fn canonical_local(content: &str) -> String {
    if is_dot_atom(content) {
        return content.to_string();
    }
    let mut s = String::with_capacity(content.len() + 2);
    s.push('"');
    for c in content.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|atom| {
            !atom.is_empty()
                && atom.chars().all(|c| {
                    if c.is_ascii() {
                        ATEXT[c as usize]
                    } else {
                        utf8_ok(c)
                    }
                })
        })
}

/// Parses an address literal starting at byte `start` (`[`).
fn literal(input: &str, start: usize, problems: &mut Vec<Problem>) -> Option<Domain> {
    let rest = &input[start..];
    let Some(close) = rest.find(']') else {
        let p = pos(input, start);
        problems.push(syntax(
            rule::LITERAL,
            Some(p),
            format!("the square bracket opened at position {p} is never closed"),
        ));
        return None;
    };
    if close + 1 != rest.len() {
        let p = pos(input, start + close + 1);
        let ch = rest[close + 1..].chars().next().expect("char");
        problems.push(syntax(
            rule::LITERAL,
            Some(p),
            format!(
                "{} at position {p} after the closing square bracket (the address must end there)",
                describe_char(ch)
            ),
        ));
        return None;
    }
    let inner = &rest[1..close];
    if inner.len() > 5 && inner.as_bytes()[..5].eq_ignore_ascii_case(b"IPv6:") {
        if let Ok(a) = inner[5..].parse::<Ipv6Addr>() {
            return Some(Domain::Literal(Literal::V6(a)));
        }
    } else if let Ok(a) = inner.parse::<Ipv4Addr>() {
        return Some(Domain::Literal(Literal::V4(a)));
    } else if let Some((tag, content)) = inner.split_once(':') {
        let tag_ok = !tag.is_empty()
            && tag.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !tag.ends_with('-');
        let content_ok =
            !content.is_empty() && content.bytes().all(|c| matches!(c, 33..=90 | 94..=126));
        if tag_ok && content_ok && !tag.eq_ignore_ascii_case("IPv6") {
            return Some(Domain::Literal(Literal::General {
                tag: tag.to_string(),
                content: content.to_string(),
            }));
        }
    }
    let p = pos(input, start);
    problems.push(syntax(
        rule::LITERAL,
        Some(p),
        format!(
            "the address literal in square brackets at position {p} is neither an IPv4 address like [192.0.2.1] nor an IPv6 address like [IPv6:2001:db8::1]"
        ),
    ));
    None
}

fn domain_char_problem(input: &str, off: usize, c: char) -> Problem {
    let p = pos(input, off);
    let d = describe_char(c);
    let msg = match c {
        '@' => format!("a second @ at position {p} (an address has exactly one)"),
        ',' => format!("{d} after the @ at position {p} (a dot was probably meant)"),
        '_' => format!(
            "{d} after the @ at position {p} (domain names have only letters, digits, hyphens and dots)"
        ),
        _ => format!("{d} after the @ at position {p}"),
    };
    syntax(rule::DOMAIN, Some(p), msg)
}

/// Parses a domain name starting at byte `start` (just after the @).
fn domain_name(input: &str, start: usize, problems: &mut Vec<Problem>) -> Option<Domain> {
    let dom = &input[start..];
    let db = dom.as_bytes();
    // Positional checks on the characters as typed.
    let mut label_start = 0;
    for (i, ch) in dom.char_indices() {
        let off = start + i;
        match ch {
            '.' => {
                if i == label_start {
                    let p = pos(input, off);
                    let msg = if i == 0 {
                        format!("a dot right after the @ at position {p}")
                    } else {
                        format!("two dots in a row at position {p}")
                    };
                    problems.push(syntax(rule::DOMAIN, Some(p), msg));
                    return None;
                }
                if db[i - 1] == b'-' {
                    let p = pos(input, off - 1);
                    problems.push(syntax(
                        rule::DOMAIN,
                        Some(p),
                        format!("a hyphen at the end of a domain part at position {p}"),
                    ));
                    return None;
                }
                label_start = i + 1;
            }
            '-' if i == label_start => {
                let p = pos(input, off);
                problems.push(syntax(
                    rule::DOMAIN,
                    Some(p),
                    format!("a hyphen at the start of a domain part at position {p}"),
                ));
                return None;
            }
            c if c.is_ascii_alphanumeric() || c == '-' => {}
            c if !c.is_ascii() && utf8_ok(c) => {}
            c => {
                problems.push(domain_char_problem(input, off, c));
                return None;
            }
        }
    }
    if label_start == dom.len() {
        let p = pos(input, input.len() - 1);
        problems.push(syntax(
            rule::DOMAIN,
            Some(p),
            format!("a dot at the end of the address (position {p})"),
        ));
        return None;
    }
    if dom.ends_with('-') {
        let p = pos(input, input.len() - 1);
        problems.push(syntax(
            rule::DOMAIN,
            Some(p),
            format!("a hyphen at the end of the domain at position {p}"),
        ));
        return None;
    }
    // To A-labels.
    let needs_idna = !dom.is_ascii()
        || dom
            .split('.')
            .any(|l| l.len() >= 4 && l.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"));
    let (ascii, unicode) = if needs_idna {
        let uts46 = Uts46::new();
        let ascii = match uts46.to_ascii(
            dom.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Ignore,
        ) {
            Ok(a) => a.into_owned(),
            Err(_) => {
                // Find the label that fails, for the position.
                let mut off = 0;
                let mut at = None;
                for label in dom.split('.') {
                    if uts46
                        .to_ascii(
                            label.as_bytes(),
                            AsciiDenyList::STD3,
                            Hyphens::CheckFirstLast,
                            DnsLength::Ignore,
                        )
                        .is_err()
                    {
                        at = Some((off, label));
                        break;
                    }
                    off += label.len() + 1;
                }
                let (off, label) = at.unwrap_or((0, dom));
                let p = pos(input, start + off);
                problems.push(syntax(
                    rule::IDNA,
                    Some(p),
                    format!(
                        "the domain part \"{label}\" at position {p} is not a valid international domain name"
                    ),
                ));
                return None;
            }
        };
        let (uni, _) = uts46.to_unicode(ascii.as_bytes(), AsciiDenyList::STD3, Hyphens::Allow);
        let uni = uni.into_owned();
        let unicode = (uni != ascii).then_some(uni);
        (ascii, unicode)
    } else {
        (dom.to_ascii_lowercase(), None)
    };
    // UTS #46 maps look-alike dots (`。`, `．`) to ".", so the ASCII form can hold an empty label
    // or a hyphen at a label edge that the characters as typed did not show.
    if needs_idna
        && ascii.split('.').any(|l| {
            l.is_empty()
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
    {
        let p = pos(input, start);
        problems.push(syntax(
            rule::IDNA,
            Some(p),
            format!("the domain after the @ at position {p} is not valid once converted to its ASCII form, \"{ascii}\" (an empty part or a misplaced hyphen)"),
        ));
        return None;
    }
    // Labels, on the ASCII form.
    let mut labels = 0;
    let mut last = "";
    for label in ascii.split('.') {
        labels += 1;
        last = label;
        if label.len() > 63 {
            problems.push(length(
                rule::LABEL_LEN,
                format!(
                    "the domain part \"{}…\" is {} octets long{}, over the limit of 63",
                    &label[..20],
                    label.len(),
                    if needs_idna { " in its ASCII form" } else { "" }
                ),
            ));
        }
    }
    if ascii.len() > 253 {
        problems.push(length(
            rule::DOMAIN_LEN,
            format!(
                "the domain is {} octets long, over the limit of 253 (255 on the wire)",
                ascii.len()
            ),
        ));
    }
    // Both are well-formed Domains (RFC 5321 §4.1.2), so not syntax errors; but no mail is
    // delivered to them in practice, which is its own finding.
    if labels == 1 {
        problems.push(not_routable(
            rule::FQDN,
            format!(
                "the domain \"{dom}\" has no dot: a top-level domain alone receives no mail (an internet domain looks like name.com or name.fr)"
            ),
        ));
    } else if last.bytes().all(|c| c.is_ascii_digit()) {
        if labels == 4 && ascii.parse::<Ipv4Addr>().is_ok() {
            problems.push(syntax(
                rule::LITERAL,
                Some(pos(input, start)),
                format!(
                    "an IP address after the @ must be written in square brackets, like [{ascii}]"
                ),
            ));
        } else {
            problems.push(not_routable(
                rule::TLD,
                format!("the last part of the domain, \"{last}\", is all digits: no top-level domain is, so no mail can be routed there"),
            ));
        }
    }
    if problems.is_empty() {
        Some(Domain::Name { ascii, unicode })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Address {
        parse(s).unwrap_or_else(|p| panic!("{s:?} should parse: {p:?}"))
    }

    fn err(s: &str) -> Vec<Problem> {
        match parse(s) {
            Ok(a) => panic!("{s:?} should not parse, got {a:?}"),
            Err(p) => p,
        }
    }

    #[test]
    fn ordinary_addresses_parse_and_normalize() {
        assert_eq!(ok("Jane.Doe@ACME.com").normalized(), "Jane.Doe@acme.com");
        assert_eq!(
            ok("a+tag@sub.acme.co.uk").normalized(),
            "a+tag@sub.acme.co.uk"
        );
        assert_eq!(ok("o'brien@acme.ie").local, "o'brien");
        assert_eq!(ok("\"jane\"@acme.com").local, "jane");
        assert_eq!(ok("\"jane doe\"@acme.com").local, "\"jane doe\"");
        assert_eq!(ok("\"a\\\"b\"@acme.com").local, "\"a\\\"b\"");
        assert_eq!(ok("\"a\\b\"@acme.com").local, "ab");
        assert_eq!(ok("jane@[192.0.2.1]").normalized(), "jane@[192.0.2.1]");
        assert_eq!(
            ok("jane@[ipv6:2001:DB8::1]").normalized(),
            "jane@[IPv6:2001:db8::1]"
        );
    }

    #[test]
    fn idn_domains_show_both_forms() {
        let a = ok("jane@Bücher.fr");
        assert_eq!(a.domain.ascii(), "xn--bcher-kva.fr");
        assert_eq!(a.domain.unicode(), "bücher.fr");
        let b = ok("jane@xn--bcher-kva.fr");
        assert_eq!(b, a);
        assert!(ok("josé@acme.fr").local_is_non_ascii());
        let p = err("jane@xn--zzzz-.fr");
        assert_eq!(p[0].kind, ProblemKind::Syntax);
        // Ideographic full stops become dots in UTS #46; two in a row are an empty label.
        assert_eq!(err("jane@acme\u{3002}\u{3002}com")[0].rule, rule::IDNA);
        assert_eq!(ok("jane@acme\u{3002}com").normalized(), "jane@acme.com");
    }

    #[test]
    fn problems_name_the_rule_and_the_position() {
        let p = err("jane@acme .com");
        assert_eq!(p[0].message, "a space after the @ at position 10");
        assert_eq!(p[0].position, Some(10));
        assert_eq!(p[0].rule, rule::DOMAIN);
        assert_eq!(
            err("jane.@acme.com")[0].message,
            "a dot right before the @ at position 5"
        );
        assert_eq!(
            err("jane..doe@acme.com")[0].message,
            "two dots in a row at position 6"
        );
        assert_eq!(err(".jane@acme.com")[0].position, Some(1));
        assert_eq!(
            err("jane@@acme.com")[0].message,
            "a second @ at position 6 (an address has exactly one)"
        );
        assert_eq!(
            err("jane@acme..com")[0].message,
            "two dots in a row at position 11"
        );
        assert_eq!(
            err("jane@acme.com.")[0].message,
            "a dot at the end of the address (position 14)"
        );
        assert_eq!(
            err("janeacme.com")[0].message,
            "there is no @ in the address"
        );
        assert_eq!(err("jane@")[0].position, Some(5));
        assert_eq!(err("@acme.com")[0].position, Some(1));
        assert!(err("jane@acme")[0].message.contains("has no dot"));
        // Well-formed, but not a domain mail goes to: not a syntax error.
        for a in ["jane@acme", "a@io", "a@iana.123"] {
            let p = err(a);
            assert_eq!(p.len(), 1, "{a}: {p:?}");
            assert_eq!(p[0].kind, ProblemKind::NotRoutable, "{a}");
            assert_eq!(p[0].finding_id(), FindingId::AddressDomainNotRoutable);
        }
        assert!(err("jane@1.2.3.4")[0].message.contains("square brackets"));
        assert!(err("Jane Doe <jane@acme.com>")[0]
            .message
            .contains("\"jane@acme.com\""));
        assert!(err("mailto:jane@acme.com")[0].message.contains("mailto:"));
        assert!(err("\"jane@acme.com")[0].message.contains("never closed"));
        assert!(err("jane(x)@acme.com")[0].rule.contains("5322"));
        assert!(err("jane@-acme.com")[0]
            .message
            .contains("hyphen at the start"));
        assert!(err("jane@acme-.com")[0]
            .message
            .contains("hyphen at the end"));
        assert!(err("jane@acme_corp.com")[0].message.contains("underscore"));
        let z = err("jane\u{200B}@acme.com");
        assert!(z[0].message.contains("ZERO WIDTH SPACE (U+200B)"), "{z:?}");
        // Both sides are checked.
        assert_eq!(err("ja ne@ac me.com").len(), 2);
    }

    #[test]
    fn lengths_are_octets_after_idna() {
        let local = "a".repeat(65);
        let p = err(&format!("{local}@acme.com"));
        assert_eq!(p[0].kind, ProblemKind::Length);
        assert!(ok(&format!("{}@acme.com", "a".repeat(64))).local.len() == 64);
        // 32 two-octet characters are 64 octets: fine; 33 are not.
        assert!(parse(&format!("{}@acme.com", "é".repeat(32))).is_ok());
        assert_eq!(
            err(&format!("{}@acme.com", "é".repeat(33)))[0].kind,
            ProblemKind::Length
        );
        // A U-label of 60 characters becomes a much longer A-label.
        let p = err(&format!("jane@{}.fr", "ü".repeat(60)));
        assert_eq!(p[0].kind, ProblemKind::Length, "{p:?}");
        assert!(p[0].message.contains("ASCII form"));
        let long_domain = format!("jane@{}.com", ["abcdefghij"; 25].join("."));
        assert_eq!(err(&long_domain)[0].rule, rule::DOMAIN_LEN);
        let long = format!("{}@{}.com", "a".repeat(60), ["abcdefghij"; 18].join("."));
        assert_eq!(err(&long)[0].rule, rule::PATH_LEN);
    }
}

/// The fast path must never change a result: on every generated address, valid or not,
/// [`parse`] and [`normalize`] give exactly what the general path gives, and whatever the
/// fast path accepts the general path accepts with the same normalized form.
#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use proptest::prelude::*;

    /// Pieces addresses are made of: the usual ones, and each thing that sends an address to
    /// the general path or makes it invalid (quotes, brackets, dots, hyphens, `xn--`, non-ASCII
    /// letters, look-alike dots, invisible characters, spaces, uppercase).
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-z0-9]{1,12}",
            2 => "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}",
            1 => Just(".".to_string()),
            1 => Just("-".to_string()),
            1 => Just("xn--".to_string()),
            1 => Just("XN--bcher-kva".to_string()),
            1 => Just("é".to_string()),
            1 => Just("bücher".to_string()),
            1 => Just("。".to_string()),
            1 => Just("\u{200B}".to_string()),
            1 => Just(" ".to_string()),
            1 => Just("\"".to_string()),
            1 => Just("@".to_string()),
            1 => Just("[".to_string()),
            1 => Just("]".to_string()),
            1 => Just(":".to_string()),
            1 => Just("<".to_string()),
            1 => Just("123".to_string()),
        ]
    }

    fn part() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..6).prop_map(|v| v.concat())
    }

    /// Labels near the 63-octet limit, local parts near 64, whole addresses near 254.
    fn long_label() -> impl Strategy<Value = String> {
        (58usize..68, "[a-zA-Z0-9]").prop_map(|(n, c)| c.repeat(n))
    }

    fn domain() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 1..5)
                .prop_map(|v| v.join(".")),
            2 => prop::collection::vec(part(), 1..5).prop_map(|v| v.join(".")),
            1 => (prop::collection::vec(long_label(), 1..5), "[a-z]{2,4}")
                .prop_map(|(v, tld)| format!("{}.{tld}", v.join("."))),
            1 => (0u8..=255, 0u8..=255).prop_map(|(a, b)| format!("[192.0.{a}.{b}]")),
            1 => Just("[IPv6:2001:db8::1]".to_string()),
            1 => (0u8..=255).prop_map(|a| format!("10.0.0.{a}")),
            1 => "[a-z]{1,8}\\.xn--[a-z0-9]{1,8}",
        ]
    }

    fn local() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[a-zA-Z0-9_-]{1,10}){0,2}",
            2 => part(),
            1 => "\"[a-z @.\\\\]{0,10}\"",
            1 => (60usize..70).prop_map(|n| "a".repeat(n)),
            1 => "[a-z]{1,6}ü[a-z]{0,4}",
        ]
    }

    fn address() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => (local(), domain()).prop_map(|(l, d)| format!("{l}@{d}")),
            1 => part(),
            1 => ".{0,40}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn fast_path_agrees(a in address()) {
            let general = parse_general(&a);
            prop_assert_eq!(&parse(&a), &general, "parse of {:?}", a);
            prop_assert_eq!(
                normalize(&a).map(|n| n.into_owned()),
                general.as_ref().map(|x| x.normalized()).map_err(|e| e.clone()),
                "normalize of {:?}", a
            );
            if let Some(fast) = ascii_fast_path(&a) {
                let g = general.as_ref().expect("the fast path accepts only valid addresses");
                prop_assert_eq!(&g.local, &a[..fast.at]);
                prop_assert_eq!(g.domain.unicode(), g.domain.ascii());
                prop_assert_eq!(fast.domain_upper, a[fast.at + 1..].bytes().any(|c| c.is_ascii_uppercase()));
            }
        }
    }

    /// The generators above do reach the fast path, the general path for valid addresses and
    /// invalid ones: a property that only ever saw one kind would prove nothing.
    #[test]
    fn generated_addresses_cover_every_path() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let (mut fast, mut general_ok, mut invalid, mut long) = (0, 0, 0, 0);
        for _ in 0..5000 {
            let a = address().new_tree(&mut runner).unwrap().current();
            match (ascii_fast_path(&a), parse_general(&a)) {
                (Some(_), _) => fast += 1,
                (None, Ok(_)) => general_ok += 1,
                (None, Err(e)) => {
                    invalid += 1;
                    long += usize::from(e.iter().any(|p| p.kind == ProblemKind::Length));
                }
            }
        }
        assert!(
            fast > 500 && general_ok > 50 && invalid > 500 && long > 20,
            "fast {fast}, general valid {general_ok}, invalid {invalid}, too long {long}"
        );
    }
}
