//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file, and whether an MX host name
//! matches the policy's `mx` patterns. Pure parsing, no network: fetching the policy is
//! [`super::fetch`]'s job, deciding what a parse means for the domain is [`super`]'s.
//!
//! Both parsers are strict, as the RFC's grammar is, and an error names the 1-based line and
//! column where the text stops matching it, so a domain owner can find the slip.

use serde::{Deserialize, Serialize};

/// The largest `max_age` RFC 8461 §3.2 allows: one year, in seconds.
pub const MAX_AGE_LIMIT: u64 = 31_557_600;

/// Where a record or policy stops matching the grammar, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// 1-based line (always 1 for a TXT record).
    pub line: usize,
    /// 1-based column, in bytes.
    pub column: usize,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 1 {
            write!(f, "line {}, ", self.line)?;
        }
        write!(f, "column {}: {}", self.column, self.message)
    }
}

fn err(line: usize, column: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line,
        column,
        message: message.into(),
    }
}

/// A parsed `_mta-sts` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsRecord {
    /// The policy id (`id=`): compared for equality only.
    pub id: String,
}

/// `sts-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`, shared by both records
/// and the policy's extension keys.
pub(crate) fn is_ext_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// `sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)`: visible ASCII but `;` and `=`.
pub(crate) fn is_ext_value(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| matches!(c, 0x21..=0x3A | 0x3C | 0x3E..=0x7E))
}

/// Splits `text` into `(column, field)` at `*WSP ";" *WSP`; the fields keep no surrounding
/// blanks, and a trailing delimiter gives no empty last field.
pub(crate) fn split_fields(text: &str) -> Vec<(usize, &str)> {
    let mut out = vec![];
    let mut start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ';')))
    {
        if c == ';' {
            let raw = &text[start..i];
            let lead = raw.len() - raw.trim_start_matches([' ', '\t']).len();
            let field = raw.trim_matches([' ', '\t']);
            if !(field.is_empty() && i == text.len() && start > 0) {
                out.push((start + lead + 1, field));
            }
            start = i + 1;
        }
    }
    out
}

/// Parses one `_mta-sts` TXT record (the strings already joined without spaces).
///
/// ```text
/// sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
/// sts-field       = sts-id / sts-extension
/// sts-version     = %s"v=STSv1"
/// sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
/// ```
pub fn parse_record(text: &str) -> Result<StsRecord, SyntaxError> {
    parse_tagged(
        text,
        "v=STSv1",
        |col, name, value, id: &mut Option<String>| {
            if name == "id" {
                if value.is_empty()
                    || value.len() > 32
                    || !value.bytes().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(err(
                        1,
                        col + 3,
                        format!("id must be 1 to 32 letters and digits, found {value:?}"),
                    ));
                }
                // A repeated field: the first one counts (RFC 8461 §3.1).
                id.get_or_insert_with(|| value.to_string());
            }
            Ok(())
        },
    )
    .and_then(|id| match id {
        Some(id) => Ok(StsRecord { id }),
        None => Err(err(1, text.len() + 1, "the record has no id= field")),
    })
}

/// The shape both TXT records share: a version tag first, then `name=value` fields, each field
/// handed to `field` with its column. Returns what `field` accumulated.
pub(crate) fn parse_tagged<T: Default>(
    text: &str,
    version: &str,
    mut field: impl FnMut(usize, &str, &str, &mut T) -> Result<(), SyntaxError>,
) -> Result<T, SyntaxError> {
    if let Some(i) = text.find(|c: char| !c.is_ascii() || c.is_ascii_control()) {
        return Err(err(1, i + 1, "the record must be printable US-ASCII"));
    }
    let fields = split_fields(text);
    let mut acc = T::default();
    let Some(&(_, first)) = fields.first() else {
        return Err(err(1, 1, format!("the record must begin with {version}")));
    };
    if first != version || !text.starts_with(version) {
        return Err(err(1, 1, format!("the record must begin with {version}")));
    }
    if fields.len() < 2 {
        return Err(err(
            1,
            text.len() + 1,
            format!("{version} must be followed by \";\" and at least one field"),
        ));
    }
    for &(col, f) in &fields[1..] {
        let Some((name, value)) = f.split_once('=') else {
            return Err(err(
                1,
                col,
                format!("expected name=value, found {:?}", crate::sanitize::line(f)),
            ));
        };
        if !is_ext_name(name) {
            return Err(err(1, col, format!("{name:?} is not a field name")));
        }
        if name != "rua" && !is_ext_value(value) {
            return Err(err(
                1,
                col + name.len() + 1,
                format!("the value of {name} must be visible ASCII without \";\", \"=\" or spaces"),
            ));
        }
        field(col, name, value, &mut acc)?;
    }
    Ok(acc)
}

/// The policy's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Senders must not deliver to an MX that fails validation.
    Enforce,
    /// Senders deliver anyway and report failures through TLS-RPT.
    Testing,
    /// The domain opts out of MTA-STS.
    None,
}

impl Mode {
    /// `enforce`, `testing` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Testing => "testing",
            Mode::None => "none",
        }
    }
}

/// A parsed policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `mode`.
    pub mode: Mode,
    /// `mx` patterns, lowercase, in order.
    pub mx: Vec<String>,
    /// `max_age`, seconds (may exceed [`MAX_AGE_LIMIT`]; the check reports that).
    pub max_age: u64,
}

/// Parses a policy file (RFC 8461 §3.2): `key: value` lines ending in LF or CRLF, `version`,
/// `mode` and `max_age` exactly once, `mx` at least once unless the mode is `none`; unknown keys
/// are extensions and ignored.
pub fn parse_policy(text: &str) -> Result<Policy, SyntaxError> {
    let mut version = None;
    let mut mode = None;
    let mut max_age = None;
    let mut mx = vec![];
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len();
    for (n, raw) in lines.iter().enumerate() {
        let line_no = n + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            // Only the end of the file may be empty (the last line's terminator).
            if line_no == last {
                continue;
            }
            return Err(err(line_no, 1, "empty line inside the policy"));
        }
        if let Some(i) = line.find(|c: char| c.is_control() && c != '\t') {
            return Err(err(line_no, i + 1, "control character in the policy"));
        }
        let Some((key, rest)) = line.split_once(':') else {
            return Err(err(line_no, 1, "expected \"key: value\""));
        };
        if !is_ext_name(key) {
            return Err(err(line_no, 1, format!("{key:?} is not a policy key")));
        }
        let value = rest
            .trim_start_matches([' ', '\t'])
            .trim_end_matches([' ', '\t']);
        let vcol = key.len() + 2 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let once = |seen: bool| {
            if seen {
                Err(err(line_no, 1, format!("{key} is given twice")))
            } else {
                Ok(())
            }
        };
        match key {
            "version" => {
                once(version.is_some())?;
                if value != "STSv1" {
                    return Err(err(
                        line_no,
                        vcol,
                        format!("version must be STSv1, found {value:?}"),
                    ));
                }
                version = Some(());
            }
            "mode" => {
                once(mode.is_some())?;
                mode = Some(match value {
                    "enforce" => Mode::Enforce,
                    "testing" => Mode::Testing,
                    "none" => Mode::None,
                    _ => {
                        return Err(err(
                            line_no,
                            vcol,
                            format!(
                                "mode must be enforce, testing or none, found {:?}",
                                crate::sanitize::line(value)
                            ),
                        ))
                    }
                });
            }
            "max_age" => {
                once(max_age.is_some())?;
                if value.is_empty()
                    || value.len() > 10
                    || !value.bytes().all(|c| c.is_ascii_digit())
                {
                    return Err(err(
                        line_no,
                        vcol,
                        format!(
                            "max_age must be 1 to 10 digits, found {:?}",
                            crate::sanitize::line(value)
                        ),
                    ));
                }
                max_age = Some(value.parse::<u64>().unwrap_or(u64::MAX));
            }
            "mx" => {
                let p = value.to_ascii_lowercase();
                if let Some(why) = mx_pattern_problem(&p) {
                    return Err(err(
                        line_no,
                        vcol,
                        format!("mx {:?}: {why}", crate::sanitize::line(value)),
                    ));
                }
                mx.push(p);
            }
            _ => {} // an extension: ignored
        }
    }
    let end = last.max(1);
    if version.is_none() {
        return Err(err(end, 1, "the policy has no version: STSv1 line"));
    }
    let Some(mode) = mode else {
        return Err(err(end, 1, "the policy has no mode line"));
    };
    let Some(max_age) = max_age else {
        return Err(err(end, 1, "the policy has no max_age line"));
    };
    if mx.is_empty() && mode != Mode::None {
        return Err(err(
            end,
            1,
            "the policy has no mx line (required unless mode is none)",
        ));
    }
    Ok(Policy { mode, mx, max_age })
}

/// Why `p` is not `["*."] Domain` (RFC 5321 §4.1.2 labels, A-labels for IDNs), or `None`.
fn mx_pattern_problem(p: &str) -> Option<&'static str> {
    let domain = p.strip_prefix("*.").unwrap_or(p);
    if domain.contains('*') {
        return Some("\"*\" may only be the whole left-most label (\"*.example.com\")");
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() || domain.len() > 253 {
        return Some("not a domain name");
    }
    for label in domain.split('.') {
        let b = label.as_bytes();
        if b.is_empty()
            || b.len() > 63
            || !b[0].is_ascii_alphanumeric()
            || !b[b.len() - 1].is_ascii_alphanumeric()
            || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        {
            return Some(
                "not a domain name (letters, digits and hyphens per label; IDNs as A-labels)",
            );
        }
    }
    None
}

/// Whether MX host `host` matches pattern `pattern` (RFC 8461 §4.1): equal, case-insensitively,
/// or `*.` plus a suffix where `*` stands for exactly one whole left-most label.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_parses_and_errors_name_the_column() {
        assert_eq!(
            parse_record("v=STSv1; id=20160831085700Z;").unwrap().id,
            "20160831085700Z"
        );
        assert_eq!(parse_record("v=STSv1;id=a;id=b").unwrap().id, "a");
        assert_eq!(parse_record("v=STSv1; id=abc; ext=x").unwrap().id, "abc");
        let e = parse_record("v=STSv1; id=2016-08-31").unwrap_err();
        assert_eq!((e.line, e.column), (1, 13), "{e}");
        let e = parse_record("v=STSv1; ext=1").unwrap_err();
        assert!(e.message.contains("no id"), "{e}");
        assert!(parse_record("v=STSv2; id=1").is_err());
        assert!(parse_record("v=STSv1").is_err());
        assert!(parse_record(" v=STSv1; id=1").is_err());
        let e = parse_record("v=STSv1; id=1; bad").unwrap_err();
        assert_eq!(e.column, 16);
        assert!(parse_record(&format!("v=STSv1; id={}", "a".repeat(33))).is_err());
    }

    #[test]
    fn policy_parses_strictly() {
        let p = parse_policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n").unwrap();
        assert_eq!(p.mode, Mode::Enforce);
        assert_eq!(p.mx, ["mail.example.com", "*.example.net"]);
        assert_eq!(p.max_age, 604800);
        let p = parse_policy("version: STSv1\nmode: none\nmax_age: 86400").unwrap();
        assert!(p.mx.is_empty());
        let e = parse_policy("version: STSv1\nmode: enforced\nmx: a.b\nmax_age: 1\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 7), "{e}");
        let e = parse_policy("version: STSv1\nmode: testing\nmax_age: 86400\n").unwrap_err();
        assert!(e.message.contains("no mx"), "{e}");
        let e = parse_policy("version: STSv1\nmode: testing\nmode: enforce\nmx: a.b\nmax_age: 1\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(parse_policy("version: STSv1\nmode: testing\nmx: foo.*.b\nmax_age: 1\n").is_err());
        assert!(parse_policy("version: STSv1\nmode: testing\nmx: a.b\nmax_age: -1\n").is_err());
        assert!(parse_policy("version: STSv1\n\nmode: testing\nmx: a.b\nmax_age: 1\n").is_err());
        assert!(parse_policy("<html>").is_err());
        assert!(parse_policy("").is_err());
    }

    #[test]
    fn wildcard_matches_exactly_one_label() {
        assert!(mx_matches("*.example.com", "mail.example.com"));
        assert!(mx_matches("*.example.com", "MAIL.example.com."));
        assert!(!mx_matches("*.example.com", "example.com"));
        assert!(!mx_matches("*.example.com", "foo.bar.example.com"));
        assert!(mx_matches("mail.example.com", "mail.example.com"));
        assert!(!mx_matches("mail.example.com", "mx.example.com"));
    }
}
