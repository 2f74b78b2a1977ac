//! The strict SPF record parser (RFC 7208 §4.5, §4.6, §5, §6, §7.1).
//!
//! It owns the grammar only: text in, a [`Record`] (or a [`SyntaxError`] naming the term, its byte
//! position and what was wrong) out. It does no DNS and expands no macros; that is `eval`'s and
//! `macros`' job. Nothing is repaired: `ip4:300.1.1.1`, `ip4:1.2.3.4/032` or a stray character is an
//! error, because a diagnostic tool that silently reinterprets a record would explain the wrong
//! thing. Unknown modifiers are kept (RFC 7208 §6: they are ignored during evaluation) but their
//! value must still be a valid macro string.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use serde::Serialize;

use super::macros::{MacroString, MacroSyntaxError};

/// Byte offsets of a term inside the record text (`start..end`, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First byte of the term.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
}

/// ```text
/// record           = version terms *SP
/// version          = "v=spf1"
/// terms            = *( 1*SP ( directive / modifier ) )
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The record text as published.
    pub text: String,
    /// Directives and modifiers in the order written.
    pub terms: Vec<Term>,
}

/// One term of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Term {
    /// A mechanism with its qualifier.
    Directive(Directive),
    /// A `name=value` modifier.
    Modifier(Modifier),
}

impl Term {
    /// Where the term sits in the record.
    pub fn span(&self) -> Span {
        match self {
            Term::Directive(d) => d.span,
            Term::Modifier(m) => m.span,
        }
    }
}

/// ```text
/// directive        = [ qualifier ] mechanism
/// qualifier        = "+" / "-" / "?" / "~"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// The qualifier (`+` when omitted).
    pub qualifier: Qualifier,
    /// The mechanism.
    pub mechanism: Mechanism,
    /// Where the directive sits in the record.
    pub span: Span,
    /// The directive as written, shared with every trace step that shows it (a traced
    /// evaluation against a cached record copies no term text).
    #[serde(skip)]
    pub text: Arc<str>,
}

/// The result a matching mechanism produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+`: pass.
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

impl Qualifier {
    /// The qualifier character.
    pub fn symbol(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }
}

/// CIDR prefix lengths for `a` and `mx`.
///
/// ```text
/// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
/// ip4-cidr-length  = "/" ("0" / %x31-39 0*1DIGIT) ; value range 0-32
/// ip6-cidr-length  = "/" ("0" / %x31-39 0*2DIGIT) ; value range 0-128
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DualCidr {
    /// Prefix length applied to IPv4 addresses (32 when omitted).
    pub v4: u8,
    /// Prefix length applied to IPv6 addresses (128 when omitted).
    pub v6: u8,
}

impl Default for DualCidr {
    fn default() -> Self {
        DualCidr { v4: 32, v6: 128 }
    }
}

impl DualCidr {
    fn suffix(&self) -> String {
        let mut s = String::new();
        if self.v4 != 32 {
            s.push_str(&format!("/{}", self.v4));
        }
        if self.v6 != 128 {
            s.push_str(&format!("//{}", self.v6));
        }
        s
    }
}

/// ```text
/// mechanism        = ( all / include / a / mx / ptr / ip4 / ip6 / exists )
/// all              = "all"
/// include          = "include"  ":" domain-spec
/// a                = "a"      [ ":" domain-spec ] [ dual-cidr-length ]
/// mx               = "mx"     [ ":" domain-spec ] [ dual-cidr-length ]
/// ptr              = "ptr"    [ ":" domain-spec ]
/// ip4              = "ip4"      ":" ip4-network   [ ip4-cidr-length ]
/// ip6              = "ip6"      ":" ip6-network   [ ip6-cidr-length ]
/// exists           = "exists"   ":" domain-spec
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mechanism", rename_all = "lowercase")]
pub enum Mechanism {
    /// Always matches.
    All,
    /// Matches when the named domain's record passes.
    Include {
        /// The domain whose record is evaluated.
        domain: MacroString,
    },
    /// Matches when an address of the domain is within the prefix.
    A {
        /// The domain (the current domain when omitted).
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// Matches when an address of one of the domain's MX hosts is within the prefix.
    Mx {
        /// The domain (the current domain when omitted).
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// Matches when a validated reverse name of the client ends in the domain (deprecated).
    Ptr {
        /// The domain (the current domain when omitted).
        domain: Option<MacroString>,
    },
    /// Matches an IPv4 network.
    Ip4 {
        /// The network.
        net: ipnet::Ipv4Net,
    },
    /// Matches an IPv6 network.
    Ip6 {
        /// The network.
        net: ipnet::Ipv6Net,
    },
    /// Matches when the domain has an A record.
    Exists {
        /// The domain queried.
        domain: MacroString,
    },
}

impl Mechanism {
    /// The mechanism's name (`all`, `include`, `a` ...).
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include { .. } => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr { .. } => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists { .. } => "exists",
        }
    }

    /// True for the mechanisms that count toward the limit of 10 DNS-querying terms (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include { .. }
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr { .. }
                | Mechanism::Exists { .. }
        )
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mechanism::All => write!(f, "all"),
            Mechanism::Include { domain } => write!(f, "include:{domain}"),
            Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => {
                write!(f, "{}", self.name())?;
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                write!(f, "{}", cidr.suffix())
            }
            Mechanism::Ptr { domain } => match domain {
                Some(d) => write!(f, "ptr:{d}"),
                None => write!(f, "ptr"),
            },
            Mechanism::Ip4 { net } => write!(f, "ip4:{net}"),
            Mechanism::Ip6 { net } => write!(f, "ip6:{net}"),
            Mechanism::Exists { domain } => write!(f, "exists:{domain}"),
        }
    }
}

/// ```text
/// modifier         = redirect / explanation / unknown-modifier
/// redirect         = "redirect" "=" domain-spec
/// explanation      = "exp" "=" domain-spec
/// unknown-modifier = name "=" macro-string
///                    ; where name is not any known modifier
/// name             = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Modifier {
    /// What the modifier is.
    pub kind: ModifierKind,
    /// Where it sits in the record.
    pub span: Span,
}

/// The modifiers RFC 7208 defines, and the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "modifier", rename_all = "lowercase")]
pub enum ModifierKind {
    /// `redirect=`: evaluate another domain's record when nothing matched.
    Redirect {
        /// The target domain.
        domain: MacroString,
    },
    /// `exp=`: where the explanation for a fail is published.
    Exp {
        /// The domain whose TXT record holds the explanation.
        domain: MacroString,
    },
    /// Any other modifier: ignored during evaluation (§6).
    Unknown {
        /// Its name as written.
        name: String,
        /// Its value.
        value: MacroString,
    },
}

impl Record {
    /// The directives in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }

    /// The `redirect=` target, if any.
    pub fn redirect(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier {
                kind: ModifierKind::Redirect { domain },
                ..
            }) => Some(domain),
            _ => None,
        })
    }

    /// The `exp=` domain, if any.
    pub fn exp(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier {
                kind: ModifierKind::Exp { domain },
                ..
            }) => Some(domain),
            _ => None,
        })
    }

    /// The text of a term as published.
    pub fn term_text(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }
}

/// What is wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// The record does not start with `v=spf1` followed by a space or its end.
    NotSpf1,
    /// A byte outside printable ASCII (non-ASCII, a control character, a tab).
    InvalidCharacter(String),
    /// A mechanism name RFC 7208 does not define.
    UnknownMechanism(String),
    /// A mechanism given an argument it does not take, or missing one it needs.
    BadArgument(String),
    /// An IPv4 or IPv6 address that does not parse strictly.
    BadAddress(String),
    /// A CIDR prefix length out of range or with leading zeros.
    BadCidr(String),
    /// A domain-spec whose last label is not a valid top label (§7.1 `domain-end`).
    BadDomainEnd(String),
    /// A macro string error (`%` not followed by a valid macro).
    Macro(MacroSyntaxError),
    /// A modifier name that does not follow `ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`.
    BadModifierName(String),
    /// `redirect=` or `exp=` given twice (§6).
    DuplicateModifier(String),
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxErrorKind::NotSpf1 => write!(f, "the record does not start with \"v=spf1\""),
            SyntaxErrorKind::InvalidCharacter(c) => write!(f, "invalid character {c}"),
            SyntaxErrorKind::UnknownMechanism(m) => write!(f, "unknown mechanism {m:?}"),
            SyntaxErrorKind::BadArgument(m) => write!(f, "{m}"),
            SyntaxErrorKind::BadAddress(m) => write!(f, "invalid address {m:?}"),
            SyntaxErrorKind::BadCidr(m) => write!(f, "invalid prefix length {m:?}"),
            SyntaxErrorKind::BadDomainEnd(m) => {
                write!(f, "{m:?} does not end in a valid top-level label")
            }
            SyntaxErrorKind::Macro(e) => write!(f, "{e}"),
            SyntaxErrorKind::BadModifierName(m) => write!(f, "invalid modifier name {m:?}"),
            SyntaxErrorKind::DuplicateModifier(m) => write!(f, "the {m}= modifier appears twice"),
        }
    }
}

/// A syntax error with the term and its position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind} in term {term:?} at byte {position}")]
pub struct SyntaxError {
    /// What was wrong.
    pub kind: SyntaxErrorKind,
    /// The offending term as written (empty for errors about the whole record).
    pub term: String,
    /// Byte offset (0-based) of the term, or of the offending byte, in the record.
    pub position: usize,
}

/// True when `text` is an SPF record at all (RFC 7208 §4.5: starts with `v=spf1` followed by a
/// space or the end; compared case-insensitively). Records that are not are ignored, not errors.
pub(crate) fn is_spf_record(text: &[u8]) -> bool {
    text.len() >= 6
        && text[..6].eq_ignore_ascii_case(b"v=spf1")
        && (text.len() == 6 || text[6] == b' ')
}

/// Parses one SPF record strictly. Every term must be valid, even after a term that would
/// always match (§4.6: "If there are any syntax errors anywhere in the record, check_host()
/// returns immediately with the result permerror").
pub fn parse(text: &str) -> Result<Record, SyntaxError> {
    if !is_spf_record(text.as_bytes()) {
        return Err(SyntaxError {
            kind: SyntaxErrorKind::NotSpf1,
            term: text.chars().take(16).collect(),
            position: 0,
        });
    }
    if let Some((pos, c)) = text.char_indices().find(|(_, c)| !(' '..='~').contains(c)) {
        let term_start = text[..pos].rfind(' ').map(|i| i + 1).unwrap_or(0);
        let term_end = text[pos..].find(' ').map(|i| pos + i).unwrap_or(text.len());
        return Err(SyntaxError {
            kind: SyntaxErrorKind::InvalidCharacter(format!("U+{:04X}", c as u32)),
            term: text[term_start..term_end].to_string(),
            position: pos,
        });
    }
    let mut terms = Vec::new();
    let mut seen_redirect = false;
    let mut seen_exp = false;
    let mut pos = 6;
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        if bytes[pos] == b' ' {
            pos += 1;
            continue;
        }
        let end = text[pos..].find(' ').map(|i| pos + i).unwrap_or(text.len());
        let span = Span { start: pos, end };
        let raw = &text[pos..end];
        let err = |kind: SyntaxErrorKind| SyntaxError {
            kind,
            term: raw.to_string(),
            position: pos,
        };
        let term = parse_term(raw, span).map_err(err)?;
        if let Term::Modifier(m) = &term {
            let dup = match m.kind {
                ModifierKind::Redirect { .. } => std::mem::replace(&mut seen_redirect, true),
                ModifierKind::Exp { .. } => std::mem::replace(&mut seen_exp, true),
                ModifierKind::Unknown { .. } => false,
            };
            if dup {
                let name = match m.kind {
                    ModifierKind::Redirect { .. } => "redirect",
                    _ => "exp",
                };
                return Err(err(SyntaxErrorKind::DuplicateModifier(name.into())));
            }
        }
        terms.push(term);
        pos = end;
    }
    Ok(Record {
        text: text.to_string(),
        terms,
    })
}

fn parse_term(raw: &str, span: Span) -> Result<Term, SyntaxErrorKind> {
    // A modifier is `name=`; a mechanism name never contains '=' before its ':' or '/'.
    let name_len = raw
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(raw.len());
    if raw[name_len..].starts_with('=') {
        return parse_modifier(&raw[..name_len], &raw[name_len + 1..], span);
    }
    if raw.starts_with('=') {
        return Err(SyntaxErrorKind::BadModifierName(String::new()));
    }
    let (qualifier, rest) = match raw.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &raw[1..]),
        b'-' => (Qualifier::Fail, &raw[1..]),
        b'~' => (Qualifier::SoftFail, &raw[1..]),
        b'?' => (Qualifier::Neutral, &raw[1..]),
        _ => (Qualifier::Pass, raw),
    };
    let mech_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = rest[..mech_len].to_ascii_lowercase();
    let arg = &rest[mech_len..];
    let mechanism = parse_mechanism(&name, arg)?;
    Ok(Term::Directive(Directive {
        qualifier,
        mechanism,
        span,
        text: Arc::from(raw),
    }))
}

fn parse_modifier(name: &str, value: &str, span: Span) -> Result<Term, SyntaxErrorKind> {
    if !name
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic())
    {
        return Err(SyntaxErrorKind::BadModifierName(name.to_string()));
    }
    let kind = match name.to_ascii_lowercase().as_str() {
        "redirect" => ModifierKind::Redirect {
            domain: domain_spec(value)?,
        },
        "exp" => ModifierKind::Exp {
            domain: domain_spec(value)?,
        },
        _ => ModifierKind::Unknown {
            name: name.to_string(),
            value: MacroString::parse(value, false).map_err(SyntaxErrorKind::Macro)?,
        },
    };
    Ok(Term::Modifier(Modifier { kind, span }))
}

fn parse_mechanism(name: &str, arg: &str) -> Result<Mechanism, SyntaxErrorKind> {
    let no_arg = |what: &str| {
        if arg.is_empty() {
            Ok(())
        } else {
            Err(SyntaxErrorKind::BadArgument(format!(
                "{what} takes no argument, found {arg:?}"
            )))
        }
    };
    let required = |arg: &str| -> Result<MacroString, SyntaxErrorKind> {
        match arg.strip_prefix(':') {
            Some(d) => domain_spec(d),
            None => Err(SyntaxErrorKind::BadArgument(format!(
                "{name} needs \":domain\""
            ))),
        }
    };
    match name {
        "all" => no_arg("all").map(|_| Mechanism::All),
        "include" => Ok(Mechanism::Include {
            domain: required(arg)?,
        }),
        "exists" => Ok(Mechanism::Exists {
            domain: required(arg)?,
        }),
        "a" | "mx" => {
            let (domain, cidr) = domain_and_cidr(arg)?;
            Ok(if name == "a" {
                Mechanism::A { domain, cidr }
            } else {
                Mechanism::Mx { domain, cidr }
            })
        }
        "ptr" => {
            let domain = match arg.strip_prefix(':') {
                Some(d) => Some(domain_spec(d)?),
                None if arg.is_empty() => None,
                None => {
                    return Err(SyntaxErrorKind::BadArgument(format!(
                        "ptr takes only \":domain\", found {arg:?}"
                    )))
                }
            };
            Ok(Mechanism::Ptr { domain })
        }
        "ip4" => {
            let (ip, len, v) = ip_argument::<Ipv4Addr>(arg, "ip4", 32)?;
            let net =
                ipnet::Ipv4Net::new(ip, len).map_err(|_| SyntaxErrorKind::BadCidr(v.into()))?;
            Ok(Mechanism::Ip4 { net })
        }
        "ip6" => {
            let (ip, len, v) = ip_argument::<Ipv6Addr>(arg, "ip6", 128)?;
            let net =
                ipnet::Ipv6Net::new(ip, len).map_err(|_| SyntaxErrorKind::BadCidr(v.into()))?;
            Ok(Mechanism::Ip6 { net })
        }
        "" => Err(SyntaxErrorKind::BadArgument(
            "a qualifier must be followed by a mechanism".into(),
        )),
        other => Err(SyntaxErrorKind::UnknownMechanism(other.to_string())),
    }
}

/// The `:address[/prefix-length]` argument of `ip4` / `ip6`: the address, the prefix length
/// (`max` when absent) and the argument without its colon (for the error text).
fn ip_argument<'a, A: std::str::FromStr>(
    arg: &'a str,
    mechanism: &str,
    max: u8,
) -> Result<(A, u8, &'a str), SyntaxErrorKind> {
    let v = arg
        .strip_prefix(':')
        .ok_or_else(|| SyntaxErrorKind::BadArgument(format!("{mechanism} needs \":address\"")))?;
    let (addr, len) = match v.split_once('/') {
        Some((a, l)) => (a, cidr_len(l, max)?),
        None => (v, max),
    };
    let ip = addr
        .parse()
        .map_err(|_| SyntaxErrorKind::BadAddress(addr.to_string()))?;
    Ok((ip, len, v))
}

/// `/N` digits: no leading zero, at most `max`.
fn cidr_len(digits: &str, max: u8) -> Result<u8, SyntaxErrorKind> {
    let bad = || SyntaxErrorKind::BadCidr(format!("/{digits}"));
    if digits.is_empty()
        || digits.len() > 3
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return Err(bad());
    }
    let n: u8 = digits.parse().map_err(|_| bad())?;
    if n > max {
        return Err(bad());
    }
    Ok(n)
}

/// `[ ":" domain-spec ] [ dual-cidr-length ]`: the CIDR part is the `/N`, `//N` or `/N//N` at
/// the very end (a `/` is also a valid literal inside a domain-spec, as in `a:foo:bar/baz.example.com`).
fn domain_and_cidr(arg: &str) -> Result<(Option<MacroString>, DualCidr), SyntaxErrorKind> {
    let mut rest = arg;
    let mut cidr = DualCidr::default();
    if let Some((before, digits)) = trailing_number(rest) {
        if let Some(b) = before.strip_suffix("//") {
            cidr.v6 = cidr_len(digits, 128)?;
            rest = b;
            if let Some((b2, d4)) = trailing_number(rest) {
                if let Some(b3) = b2.strip_suffix('/') {
                    if !b3.ends_with('/') {
                        cidr.v4 = cidr_len(d4, 32)?;
                        rest = b3;
                    }
                }
            }
        } else if let Some(b) = before.strip_suffix('/') {
            cidr.v4 = cidr_len(digits, 32)?;
            rest = b;
        }
    }
    let domain = match rest.strip_prefix(':') {
        Some(d) => Some(domain_spec(d)?),
        None if rest.is_empty() => None,
        None => {
            return Err(SyntaxErrorKind::BadArgument(format!(
                "unexpected {rest:?} (expected \":domain\" or \"/prefix\")"
            )))
        }
    };
    Ok((domain, cidr))
}

/// Splits trailing ASCII digits off `s`: `(before, digits)` when there are any.
fn trailing_number(s: &str) -> Option<(&str, &str)> {
    let start = s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    (start < s.len()).then(|| (&s[..start], &s[start..]))
}

/// ```text
/// domain-spec      = macro-string domain-end
/// domain-end       = ( "." toplabel [ "." ] ) / macro-expand
/// toplabel         = ( *alphanum ALPHA *alphanum ) /
///                    ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
/// ```
pub fn domain_spec(text: &str) -> Result<MacroString, SyntaxErrorKind> {
    if text.is_empty() {
        return Err(SyntaxErrorKind::BadArgument("empty domain".into()));
    }
    let ms = MacroString::parse(text, false).map_err(SyntaxErrorKind::Macro)?;
    if !ms.ends_with_macro() {
        let lit = ms.trailing_literal();
        let lit = lit.strip_suffix('.').unwrap_or(lit);
        let ok = match lit.rfind('.') {
            Some(dot) => is_toplabel(&lit[dot + 1..]),
            None => false,
        };
        if !ok {
            return Err(SyntaxErrorKind::BadDomainEnd(text.to_string()));
        }
    }
    Ok(ms)
}

/// `toplabel` of RFC 7208 §7.1: letters, digits and inner hyphens, not all digits.
pub(crate) fn is_toplabel(label: &str) -> bool {
    let b = label.as_bytes();
    !b.is_empty()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && b.iter().any(|c| c.is_ascii_alphabetic() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_mechanism() {
        let r = parse("v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 mx/30 ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.bl.example.com redirect=_spf.example.com exp=exp.example.com foo=bar").unwrap();
        assert_eq!(r.terms.len(), 13);
        match &r.terms[3] {
            Term::Directive(Directive {
                qualifier: Qualifier::Neutral,
                mechanism:
                    Mechanism::A {
                        domain: Some(d),
                        cidr,
                    },
                ..
            }) => {
                assert_eq!(d.to_string(), "mail.example.com");
                assert_eq!(*cidr, DualCidr { v4: 24, v6: 64 });
            }
            other => panic!("{other:?}"),
        }
        assert!(r.redirect().is_some() && r.exp().is_some());
    }

    #[test]
    fn strictness() {
        for bad in [
            "v=spf1 ip4:300.1.1.1",
            "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4:1.2.3.4/33",
            "v=spf1 ip6:::1/129",
            "v=spf1 a:example.com/",
            "v=spf1 all:foo",
            "v=spf1 foo:bar",
            "v=spf1 a:example.123",
            "v=spf1 include:",
            "v=spf1 redirect=a.example redirect=b.example",
            "v=spf1 exists:%{x}.example.com",
            "v=spf1 -all\tfoo",
            "v=spf1 =foo",
            "v=spf1 -",
        ] {
            assert!(parse(bad).is_err(), "{bad} should not parse");
        }
        let e = parse("v=spf1 a mx ip4:300.1.1.1 -all").unwrap_err();
        assert_eq!(e.position, 12);
        assert_eq!(e.term, "ip4:300.1.1.1");
    }

    #[test]
    fn selection_prefix() {
        assert!(is_spf_record(b"v=spf1"));
        assert!(is_spf_record(b"V=SPF1 -all"));
        assert!(!is_spf_record(b"v=spf10"));
        assert!(!is_spf_record(b"v=spf1-all"));
    }
}
