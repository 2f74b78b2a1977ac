//! One mail file read once: the cheap "is this mail at all" test, the size cap, the mbox `From `
//! line, and [`Parsed`], the single mail-parser parse that the header analysis
//! (`message`), the bounce reader (`bounce`) and our own authentication of the
//! message all read. It sits below both readers so that neither depends on the other for it.

mod parsed;

pub use parsed::Parsed;

/// Why some bytes are not a mail message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotMail {
    /// The input is empty.
    #[error("the input is empty")]
    Empty,
    /// The input is larger than the cap.
    #[error("the input is {size} bytes, over the {cap}-byte limit for one message")]
    TooLarge {
        /// The input's size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The bytes do not begin with mail header fields.
    #[error("not an email message: {0}")]
    NoHeaders(String),
}

/// The bytes after an mbox `From ` separator line, if the input begins with one.
pub fn skip_mbox_line(raw: &[u8]) -> &[u8] {
    let mut body = raw;
    while body.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
        body = &body[1..];
    }
    if body.starts_with(b"From ") {
        let nl = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
        return &body[(nl + 1).min(body.len())..];
    }
    body
}

/// The cheap test that keeps binary files and plain text from being read as mail: the first
/// line (after an optional mbox `From ` line) must be an RFC 5322 header field, and the header
/// section must hold no NUL bytes.
pub fn check_looks_like_mail(raw: &[u8]) -> Result<(), NotMail> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(NotMail::Empty);
    }
    let body = skip_mbox_line(raw);
    let head_end = body
        .windows(2)
        .position(|w| w == b"\n\n" || w == b"\r\n")
        .map(|_| body.len().min(64 * 1024))
        .unwrap_or(body.len().min(64 * 1024));
    if body[..head_end.min(body.len())].contains(&0) {
        return Err(NotMail::NoHeaders(
            "it contains NUL bytes (binary data)".into(),
        ));
    }
    let first = body.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let colon = first.iter().position(|b| *b == b':');
    let ok = match colon {
        Some(c) if c > 0 && c <= 76 => first[..c]
            .iter()
            .all(|b| (33..=126).contains(b) && *b != b':'),
        _ => false,
    };
    if !ok {
        return Err(NotMail::NoHeaders(
            "the first line is not a header field (expected e.g. \"Received:\" or \"From:\")"
                .into(),
        ));
    }
    Ok(())
}

/// Reads a message file with the size cap, as `mailwhy message` and `mailwhy bounce` do:
/// an unreadable file, one over `max_bytes`, or bytes that are not mail give an error naming it.
pub fn read_file(path: &std::path::Path, max_bytes: u64) -> crate::Result<Vec<u8>> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| crate::Error::Read {
        file: file.clone(),
        source,
    })?;
    if meta.len() > max_bytes {
        return Err(crate::Error::Input {
            file,
            message: NotMail::TooLarge {
                size: meta.len(),
                cap: max_bytes,
            }
            .to_string(),
        });
    }
    let raw = std::fs::read(path).map_err(|source| crate::Error::Read {
        file: file.clone(),
        source,
    })?;
    if raw.len() as u64 > max_bytes {
        return Err(crate::Error::Input {
            file,
            message: NotMail::TooLarge {
                size: raw.len() as u64,
                cap: max_bytes,
            }
            .to_string(),
        });
    }
    check_looks_like_mail(&raw).map_err(|e| crate::Error::Input {
        file,
        message: e.to_string(),
    })?;
    Ok(raw)
}
