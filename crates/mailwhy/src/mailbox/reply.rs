//! The POP3 wire format as the probe reads it (RFC 1939, with the extended response codes of
//! RFC 2449 and RFC 3206): splitting the byte stream into lines, status lines (`+OK` / `-ERR`),
//! dot-stuffed multi-line blocks, the CAPA list and the STAT answer.
//!
//! Everything here is a pure function of bytes from a server we do not trust, so every input is
//! bounded ([`MAX_LINE`], [`MAX_BLOCK_LINES`]) and nothing panics (a fuzz target checks it).
//! Network I/O and timeouts belong to the probe; what the replies mean for the user belongs to the
//! probe's findings.

/// The longest line accepted from a server. RFC 2449 limits responses to 512 octets; servers
/// exceed that in greetings and capability lists, so we allow more, but not without bound.
pub const MAX_LINE: usize = 8192;

/// The most lines accepted in one multi-line block (a CAPA list has a dozen).
pub const MAX_BLOCK_LINES: usize = 1000;

/// A line longer than [`MAX_LINE`] arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong;

/// Collects bytes as they arrive and hands out complete lines.
#[derive(Debug, Default, Clone)]
pub struct LineBuffer {
    buf: Vec<u8>,
}

impl LineBuffer {
    /// An empty buffer.
    pub fn new() -> LineBuffer {
        LineBuffer::default()
    }

    /// Appends bytes read from the connection.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete line without its CRLF (a bare LF is accepted too), `None` until one is
    /// complete. Fails when a line grows past [`MAX_LINE`], so a hostile server cannot make us
    /// buffer without end.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, LineTooLong> {
        match self.buf.iter().position(|&b| b == b'\n') {
            Some(end) if end > MAX_LINE => Err(LineTooLong),
            Some(end) => {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Ok(Some(line))
            }
            None if self.buf.len() > MAX_LINE => Err(LineTooLong),
            None => Ok(None),
        }
    }

    /// True when no unread byte is buffered. After `STLS` the server must say nothing more in
    /// plain text; bytes already buffered then would be an injection attempt (RFC 2595, 2.2 and
    /// the STARTTLS command-injection class of bugs), so the probe refuses to go on.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

/// A status line: `+OK text` or `-ERR [CODE] text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `+OK` (true) or `-ERR` (false).
    pub ok: bool,
    /// The extended response code in brackets (`AUTH`, `IN-USE`, `SYS/TEMP` ...), if any.
    pub code: Option<String>,
    /// The rest of the line (outside text: sanitize before showing it).
    pub text: String,
}

impl Status {
    /// True when the response code is `code` (case-insensitive; `SYS/TEMP` also matches `SYS`).
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref().is_some_and(|c| {
            c.eq_ignore_ascii_case(code)
                || c.split('/')
                    .next()
                    .is_some_and(|head| head.eq_ignore_ascii_case(code))
        })
    }
}

/// Parses a status line; `None` when it starts with neither `+OK` nor `-ERR` (not POP3).
pub fn parse_status(line: &[u8]) -> Option<Status> {
    let text = String::from_utf8_lossy(line);
    let (ok, rest) = if starts_with_ci(&text, "+OK") {
        (true, &text[3..])
    } else if starts_with_ci(&text, "-ERR") {
        (false, &text[4..])
    } else {
        return None;
    };
    // "+OKAY" is not "+OK": the indicator is followed by a space or the end of the line.
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let rest = rest.trim_start();
    // RFC 2449, 8: resp-code = "[" resp-level *("/" resp-level) "]".
    let (code, text) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((code, after))
            if !code.is_empty()
                && code.len() <= 64
                && code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'/') =>
        {
            (Some(code.to_ascii_uppercase()), after.trim_start())
        }
        _ => (None, rest),
    };
    Some(Status {
        ok,
        code,
        text: text.to_string(),
    })
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// One line of a multi-line block: `None` for the terminating `.`, otherwise the line with its
/// byte-stuffing removed (a leading `..` stands for `.`).
pub fn unstuff(line: &[u8]) -> Option<&[u8]> {
    match line {
        b"." => None,
        [b'.', rest @ ..] => Some(rest),
        other => Some(other),
    }
}

/// What `CAPA` listed (RFC 2449): one capability per line, tag first.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// The lines as sent (sanitized on output).
    pub lines: Vec<String>,
}

impl Capabilities {
    /// Builds the list from the lines of a CAPA block (already unstuffed, terminator excluded).
    pub fn parse<L: AsRef<[u8]>>(lines: &[L]) -> Capabilities {
        Capabilities {
            lines: lines
                .iter()
                .take(MAX_BLOCK_LINES)
                .map(|l| String::from_utf8_lossy(l.as_ref()).trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        }
    }

    /// True when a capability with this tag is listed (`STLS`, `USER`, `SASL` ...).
    pub fn has(&self, tag: &str) -> bool {
        self.lines.iter().any(|l| {
            l.split_ascii_whitespace()
                .next()
                .is_some_and(|t| t.eq_ignore_ascii_case(tag))
        })
    }

    /// The SASL mechanisms offered, upper-cased.
    pub fn sasl_mechanisms(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| {
                let mut words = l.split_ascii_whitespace();
                let tag = words.next()?;
                tag.eq_ignore_ascii_case("SASL")
                    .then(|| words.map(|w| w.to_ascii_uppercase()).collect::<Vec<_>>())
            })
            .flatten()
            .collect()
    }
}

/// The STAT answer's text (`nn mm`: messages and octets, RFC 1939 section 5).
pub fn parse_stat(text: &str) -> Option<(u64, u64)> {
    let mut w = text.split_ascii_whitespace();
    let messages = w.next()?.parse().ok()?;
    let octets = w.next()?.parse().ok()?;
    Some((messages, octets))
}

/// Base64 (RFC 4648, with padding) for the SASL PLAIN initial response; a few lines here save a
/// dependency.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_crlf_and_bare_lf_across_reads() {
        let mut b = LineBuffer::new();
        b.feed(b"+OK Dove");
        assert_eq!(b.next_line(), Ok(None));
        b.feed(b"cot ready.\r\n-ERR x\nrest");
        assert_eq!(b.next_line(), Ok(Some(b"+OK Dovecot ready.".to_vec())));
        assert_eq!(b.next_line(), Ok(Some(b"-ERR x".to_vec())));
        assert_eq!(b.next_line(), Ok(None));
        assert!(!b.is_empty());
    }

    #[test]
    fn an_endless_line_is_refused() {
        let mut b = LineBuffer::new();
        b.feed(&vec![b'a'; MAX_LINE + 1]);
        assert_eq!(b.next_line(), Err(LineTooLong));
    }

    #[test]
    fn status_lines_with_response_codes() {
        // RFC 3206, 4: "-ERR [AUTH] ..." means the credentials were refused.
        let s = parse_status(
            b"-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
        )
        .unwrap();
        assert!(!s.ok);
        assert!(s.has_code("auth"));
        assert!(s.text.starts_with("Plaintext"));
        let s = parse_status(b"-ERR [SYS/TEMP] try later").unwrap();
        assert!(s.has_code("SYS"));
        assert!(s.has_code("SYS/TEMP"));
        let s = parse_status(b"+OK").unwrap();
        assert!(s.ok && s.code.is_none() && s.text.is_empty());
        assert_eq!(parse_status(b"+OK [not a code] x").unwrap().code, None);
        assert!(parse_status(b"220 smtp ready").is_none());
        assert!(parse_status(b"* OK IMAP4rev1").is_none());
        assert!(parse_status(b"+OKAY").is_none());
        assert!(parse_status(b"+\xff").is_none());
    }

    #[test]
    fn capa_and_stat() {
        let caps = Capabilities::parse(&["TOP", "UIDL", "STLS", "USER", "SASL PLAIN login", ""]);
        assert!(caps.has("stls") && caps.has("USER") && !caps.has("TOP2"));
        assert_eq!(caps.sasl_mechanisms(), ["PLAIN", "LOGIN"]);
        assert_eq!(parse_stat("2 64"), Some((2, 64)));
        assert_eq!(parse_stat("2"), None);
        assert_eq!(unstuff(b".."), Some(&b"."[..]));
        assert_eq!(unstuff(b"."), None);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), out);
        }
        assert_eq!(base64(b"\0alice\0secret-pw"), "AGFsaWNlAHNlY3JldC1wdw==");
    }
}
