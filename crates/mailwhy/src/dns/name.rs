//! DNS names as the checks write them: validation ([`normalize_name`], [`InvalidName`]) and the
//! presentation form answers carry (lowercase, no trailing dot, `\DDD` escapes for odd octets).
//!
//! Cache keys for the common plain names are built without this module, in [`super::cache`].

use hickory_resolver::proto::rr::Name;

/// A name that cannot be asked about (too long, empty label, bad characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid DNS name: {name:?} ({reason})")]
pub struct InvalidName {
    /// The name as given.
    pub name: String,
    /// Why it is not valid.
    pub reason: String,
}

/// Validates a name and makes it fully qualified.
pub fn normalize_name(name: &str) -> Result<Name, InvalidName> {
    let bad = |reason: &str| InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("empty name"));
    }
    if trimmed.len() > 253 {
        return Err(bad("longer than 253 octets"));
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > 63 {
            return Err(bad("a label longer than 63 octets"));
        }
        if !label.is_ascii() {
            return Err(bad("not ASCII (convert IDN names to A-labels first)"));
        }
    }
    // Labels may hold any octet (RFC 2181 §11); SPF macros can produce `:`, `/` or spaces, which
    // the presentation-format parser rejects, so such names are built from their raw labels.
    let mut n = Name::from_ascii(trimmed)
        .or_else(|e| match raw_labels(trimmed) {
            Some(labels) => Name::from_labels(labels),
            None => Err(e),
        })
        .map_err(|e| bad(&e.to_string()))?;
    n.set_fqdn(true);
    Ok(n)
}

/// Validates a host or mail domain name as a person types it (`procore.com`, `_spf.google.com`,
/// `münchen.de`, with or without a trailing dot) and gives its lowercase A-label form without
/// the dot. Stricter than [`normalize_name`], which takes any octet a DNS label can hold: here
/// each label is letters, digits, `-` (not first nor last) and `_`, so that `bad domain!` is a
/// usage error, not a question whose NXDOMAIN reads as a finding.
pub fn host_name(name: &str) -> Result<String, InvalidName> {
    let bad = |reason: &str| InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return Err(bad("empty name"));
    }
    let ascii = if trimmed.is_ascii() {
        trimmed.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(trimmed).map_err(|_| bad("not a valid internationalized name"))?
    };
    if ascii.len() > 253 {
        return Err(bad("longer than 253 octets"));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(bad("empty label"));
        }
        if label.len() > 63 {
            return Err(bad("a label longer than 63 octets"));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(bad(&format!(
                "{c:?} is not allowed: only letters, digits, '-' and '_'"
            )));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label starts or ends with '-'"));
        }
    }
    Ok(ascii)
}

/// Splits a presentation-form name into raw labels, decoding `\X` and `\DDD` escapes (the form
/// [`display_name`] writes). None for a malformed escape.
fn raw_labels(text: &str) -> Option<Vec<Vec<u8>>> {
    let b = text.as_bytes();
    let mut labels = vec![];
    let mut cur = vec![];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let d = b.get(i + 1..i + 4);
                if let Some(d) = d.filter(|d| d.iter().all(u8::is_ascii_digit)) {
                    let v = d.iter().fold(0u32, |a, x| a * 10 + u32::from(x - b'0'));
                    cur.push(u8::try_from(v).ok()?);
                    i += 4;
                } else {
                    cur.push(*b.get(i + 1)?);
                    i += 2;
                }
            }
            b'.' => {
                labels.push(std::mem::take(&mut cur));
                i += 1;
            }
            c => {
                cur.push(c);
                i += 1;
            }
        }
    }
    labels.push(cur);
    Some(labels)
}

pub(super) fn display_name(n: &Name) -> String {
    let s = n.to_ascii().to_ascii_lowercase();
    match s.strip_suffix('.') {
        Some("") | None if s == "." => ".".into(),
        Some(t) => t.to_string(),
        None => s,
    }
}
