//! What a report file holds, told from its bytes (never its name or media type, which
//! receivers get wrong): an XML aggregate report, TLS-RPT JSON, either gzipped or zipped (Google
//! zips, most others gzip), or report emails (one message, or an mbox of them) whose attachments
//! are unpacked the same way; a failure report email (ARF) is read by [`super::failure`]. Decompressed sizes are capped against zip and gzip bombs.

use std::borrow::Cow;
use std::cell::RefCell;

use flate2::{Decompress, FlushDecompress, Status};
use mail_parser::MimeHeaders;

/// The most one decompressed report may take.
pub const MAX_REPORT_BYTES: u64 = 64 << 20;

/// One report found in a file: where it was found (`file`, `file#3/name.xml.gz`) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Where inside the file it was found (empty for the file itself).
    pub inner: String,
    /// Its bytes, decompressed.
    pub kind: Kind,
}

/// What a payload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A DMARC aggregate report (XML).
    Xml(Vec<u8>),
    /// A TLS-RPT report (JSON).
    Json(Vec<u8>),
    /// A DMARC failure report (RFC 9991 / ARF), already read.
    Failure(Box<super::failure::FailureReport>),
    /// Not readable, with the reason.
    Bad(String),
}

/// Unpacks `bytes` (found at `inner`) into reports, pushing each onto `out`.
pub fn unpack(bytes: &[u8], inner: &str, depth: u8, out: &mut Vec<Payload>) {
    unpack_cow(Cow::Borrowed(bytes), inner, depth, out)
}

/// [`unpack`] taking ownership where it can: a report read from disk or decompressed becomes
/// its payload without a copy.
pub(crate) fn unpack_cow(bytes: Cow<'_, [u8]>, inner: &str, depth: u8, out: &mut Vec<Payload>) {
    let push = |out: &mut Vec<Payload>, kind| {
        out.push(Payload {
            inner: inner.to_string(),
            kind,
        })
    };
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    // The payload from `start` on, moved rather than copied when `bytes` is owned.
    let from_start = |bytes: Cow<'_, [u8]>| match bytes {
        Cow::Owned(mut v) => {
            v.drain(..start);
            v
        }
        Cow::Borrowed(b) => b[start..].to_vec(),
    };
    let body = &bytes[start..];
    if body.starts_with(&[0x1f, 0x8b]) {
        match gunzip(body) {
            Ok(b) if depth < 3 => unpack_cow(Cow::Owned(b), inner, depth + 1, out),
            Ok(_) => push(out, Kind::Bad("archives nested too deep".into())),
            Err(e) => push(out, Kind::Bad(format!("gzip: {e}"))),
        }
    } else if body.starts_with(b"PK\x03\x04") {
        match unzip_first(body) {
            Ok((name, b)) if depth < 3 => {
                let at = if inner.is_empty() {
                    name
                } else {
                    format!("{inner}/{name}")
                };
                unpack_cow(Cow::Owned(b), &at, depth + 1, out)
            }
            Ok(_) => push(out, Kind::Bad("archives nested too deep".into())),
            Err(e) => push(out, Kind::Bad(format!("zip: {e}"))),
        }
    } else if body.starts_with(b"<") {
        push(out, Kind::Xml(from_start(bytes)))
    } else if body.starts_with(b"{") {
        push(out, Kind::Json(from_start(bytes)))
    } else if depth == 0 && looks_like_mail(body) {
        mail(body, inner, out)
    } else {
        push(
            out,
            Kind::Bad(
                "neither XML, JSON, gzip, zip nor email (expected a DMARC aggregate or TLS report)"
                    .into(),
            ),
        )
    }
}

thread_local! {
    /// One raw-deflate state per thread, reset for each stream: a fresh state is a zeroed
    /// allocation of tens of KB (miniz_oxide's window and tables), which cost more than
    /// inflating a small report (6% of `mailwhy reports`' instructions, by callgrind).
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

fn too_big() -> String {
    format!("decompresses to more than {} MiB", MAX_REPORT_BYTES >> 20)
}

/// Inflates the raw deflate stream at the start of `data`, appending to `out` (at most
/// [`MAX_REPORT_BYTES`] in all); returns the number of input bytes the stream took.
fn inflate(data: &[u8], out: &mut Vec<u8>) -> Result<usize, String> {
    INFLATER.with(|d| {
        let mut d = d.borrow_mut();
        d.reset(false);
        loop {
            if out.capacity() - out.len() < 16 << 10 {
                out.reserve(out.len().max(32 << 10));
            }
            let (in_before, out_before) = (d.total_in(), out.len());
            let rest = data.get(d.total_in() as usize..).unwrap_or_default();
            let status = d
                .decompress_vec(rest, out, FlushDecompress::None)
                .map_err(|e| format!("corrupt deflate stream ({e})"))?;
            if out.len() as u64 > MAX_REPORT_BYTES {
                return Err(too_big());
            }
            match status {
                Status::StreamEnd => return Ok(d.total_in() as usize),
                _ if d.total_in() == in_before && out.len() == out_before => {
                    return Err("the compressed data is cut short".into())
                }
                _ => {}
            }
        }
    })
}

/// Decompresses a gzip file (RFC 1952), every member of it, checking each member's CRC-32 and
/// length.
fn gunzip(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let short = || "the compressed data is cut short".to_string();
    let mut out = Vec::new();
    loop {
        if !b.starts_with(&[0x1f, 0x8b]) {
            return Err("bytes after the gzip data that are not another gzip member".into());
        }
        let method = *b.get(2).ok_or_else(short)?;
        if method != 8 {
            return Err(format!("compression method {method} (expected 8, deflate)"));
        }
        let flags = *b.get(3).ok_or_else(short)?;
        let mut i = 10;
        if flags & 4 != 0 {
            // FEXTRA: a length, then that many bytes.
            let x = b.get(i..i + 2).ok_or_else(short)?;
            i += 2 + usize::from(u16::from_le_bytes([x[0], x[1]]));
        }
        for flag in [8, 16] {
            // FNAME, FCOMMENT: zero-terminated.
            if flags & flag != 0 {
                let z = b.get(i..).ok_or_else(short)?.iter().position(|c| *c == 0);
                i += z.ok_or_else(short)? + 1;
            }
        }
        if flags & 2 != 0 {
            i += 2; // FHCRC
        }
        let begin = out.len();
        let used = inflate(b.get(i..).ok_or_else(short)?, &mut out)?;
        let t = b.get(i + used..i + used + 8).ok_or_else(short)?;
        let crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        if crc32fast::hash(&out[begin..]) != crc || (out.len() - begin) as u32 != size {
            return Err("the data does not match its CRC-32 or length (corrupt)".into());
        }
        b = &b[i + used + 8..];
        if b.is_empty() {
            return Ok(out);
        }
    }
}

/// The first member of a zip archive, read from its local header (a report zip holds one XML
/// file). Stored and deflated members are read; the deflate stream ends itself, so a data
/// descriptor (sizes written after the data) needs no central directory.
fn unzip_first(b: &[u8]) -> Result<(String, Vec<u8>), String> {
    let u16_at = |i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |i: usize| {
        b.get(i..i + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let short = || "archive cut short".to_string();
    let method = u16_at(8).ok_or_else(short)?;
    let csize = u32_at(18).ok_or_else(short)? as usize;
    let nlen = u16_at(26).ok_or_else(short)? as usize;
    let elen = u16_at(28).ok_or_else(short)? as usize;
    let name = b.get(30..30 + nlen).ok_or_else(short)?;
    let name = crate::sanitize::line(&String::from_utf8_lossy(name)).to_string();
    let data = b.get(30 + nlen + elen..).ok_or_else(short)?;
    let bytes = match method {
        0 => data.get(..csize).ok_or_else(short)?.to_vec(),
        8 => {
            let mut out = Vec::with_capacity(csize.saturating_mul(8).min(1 << 20));
            inflate(data, &mut out)?;
            out
        }
        m => {
            return Err(format!(
                "member {name:?} uses compression method {m} (expected stored or deflate)"
            ))
        }
    };
    Ok((name, bytes))
}

fn looks_like_mail(b: &[u8]) -> bool {
    if b.starts_with(b"From ") {
        return true;
    }
    // A header line: a field name then a colon.
    let line = b.split(|c| *c == b'\n').next().unwrap_or_default();
    match line.iter().position(|c| *c == b':') {
        Some(i) if i > 0 => line[..i]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-'),
        _ => false,
    }
}

/// Report emails: one message, or an mbox (messages numbered from 1 in `inner`). Every
/// attachment (and a whole-message gzip body, as Mimecast sends) is unpacked; text parts are
/// skipped.
fn mail(b: &[u8], inner: &str, out: &mut Vec<Payload>) {
    let prefix = |n: usize| {
        if inner.is_empty() {
            format!("message {n}")
        } else {
            format!("{inner} message {n}")
        }
    };
    if b.starts_with(b"From ") {
        let mut n = 0;
        for m in mail_parser::mailbox::mbox::MessageIterator::new(b) {
            n += 1;
            match m {
                Ok(m) => message(m.contents(), &prefix(n), out),
                Err(_) => out.push(Payload {
                    inner: prefix(n),
                    kind: Kind::Bad("the mbox could not be split into messages".into()),
                }),
            }
        }
    } else {
        message(b, &prefix(1), out)
    }
}

fn message(raw: &[u8], at: &str, out: &mut Vec<Payload>) {
    let Some(m) = mail_parser::MessageParser::default().parse(raw) else {
        out.push(Payload {
            inner: at.into(),
            kind: Kind::Bad("not a mail message".into()),
        });
        return;
    };
    let before = out.len();
    // A failure report (ARF): its `message/feedback-report` part is the report, the other
    // parts are the human-readable text and the failed message's copy.
    let is_arf = m.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case("multipart")
            && c.subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && c.attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("feedback-report"))
    });
    if is_arf {
        let of_type = |t: &str, s: &str| {
            m.parts.iter().find(|p| {
                p.content_type().is_some_and(|c| {
                    c.ctype().eq_ignore_ascii_case(t)
                        && c.subtype().is_some_and(|x| x.eq_ignore_ascii_case(s))
                })
            })
        };
        let original = of_type("text", "rfc822-headers")
            .or_else(|| of_type("message", "rfc822"))
            .map(|p| p.contents());
        let kind = match of_type("message", "feedback-report") {
            Some(p) => match super::failure::read(p.contents(), original) {
                Ok(mut r) => {
                    r.reporter = m
                        .from()
                        .and_then(|a| a.first())
                        .and_then(|a| a.address())
                        .and_then(|a| a.rsplit_once('@'))
                        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
                        .unwrap_or_else(|| r.reporting_mta.clone());
                    Kind::Failure(Box::new(r))
                }
                Err(e) => Kind::Bad(e),
            },
            None => Kind::Bad(
                "a feedback report without its message/feedback-report part (RFC 5965 §2)".into(),
            ),
        };
        out.push(Payload {
            inner: at.into(),
            kind,
        });
        return;
    }
    for part in m.parts.iter() {
        let bytes = part.contents();
        let name = part
            .attachment_name()
            .map(|n| crate::sanitize::line(n).to_string());
        let is_text_body = name.is_none()
            && matches!(
                part.body,
                mail_parser::PartType::Text(_) | mail_parser::PartType::Html(_)
            );
        if is_text_body || matches!(part.body, mail_parser::PartType::Multipart(_)) {
            continue;
        }
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
        let Some(s) = start else { continue };
        let b = &bytes[s..];
        if !(b.starts_with(&[0x1f, 0x8b])
            || b.starts_with(b"PK")
            || b.starts_with(b"<")
            || b.starts_with(b"{"))
        {
            continue;
        }
        let here = match name {
            Some(n) => format!("{at}/{n}"),
            None => at.to_string(),
        };
        unpack(bytes, &here, 1, out);
    }
    if out.len() == before {
        out.push(Payload {
            inner: at.into(),
            kind: Kind::Bad("no report attached (expected an .xml, .xml.gz, .zip or TLS-RPT .json(.gz) attachment, or a multipart/report feedback report)".into()),
        });
    }
}
