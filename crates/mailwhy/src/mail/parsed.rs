//! The one parse of a message: its bytes read once by mail-parser into [`Parsed`], which the
//! header analysis (`message::analyze`), the bounce reader (`bounce::analyze`) and our
//! own authentication of the message (`message::verify`) all read. Header values come from
//! mail-parser's header list (name and byte offsets), never from a second scan of the bytes.
//!
//! What a header *means* is left to the modules that read it; this one only hands out the
//! values, as written or unfolded.

use std::borrow::Cow;

use mail_auth::AuthenticatedMessage;
use mail_parser::{Header, HeaderName, HeaderValue, Message, MessageParser};

use super::{check_looks_like_mail, skip_mbox_line, NotMail};

/// One message, parsed once from its raw bytes (an mbox `From ` line before the headers is
/// skipped).
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The bytes mail-parser read: the input after the mbox line. Kept beside the parse because
    /// mail-auth's DKIM verification canonicalizes these exact bytes.
    raw: &'a [u8],
    mail: Message<'a>,
}

impl<'a> Parsed<'a> {
    /// Reads `raw` as a mail message: an error when it is empty or does not begin with header
    /// fields.
    pub fn new(raw: &'a [u8]) -> Result<Parsed<'a>, NotMail> {
        check_looks_like_mail(raw)?;
        let raw = skip_mbox_line(raw);
        let mail = MessageParser::default()
            .parse(raw)
            .filter(|m| !m.headers().is_empty())
            .ok_or_else(|| NotMail::NoHeaders("no header fields found".into()))?;
        Ok(Parsed { raw, mail })
    }

    /// [`Parsed::new`], refusing inputs over `max_bytes` first (see
    /// `message::Options::max_bytes`).
    pub fn capped(raw: &'a [u8], max_bytes: u64) -> Result<Parsed<'a>, NotMail> {
        if raw.len() as u64 > max_bytes {
            return Err(NotMail::TooLarge {
                size: raw.len() as u64,
                cap: max_bytes,
            });
        }
        Parsed::new(raw)
    }

    /// mail-parser's reading of the message: headers, MIME parts, bodies.
    pub fn mail(&self) -> &Message<'a> {
        &self.mail
    }

    /// The bytes that were parsed (after any mbox `From ` line).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The value of header field `h` as written, folds included (lossy UTF-8).
    pub fn value_of(&self, h: &Header<'_>) -> Cow<'a, str> {
        let (start, end) = (h.offset_start as usize, h.offset_end as usize);
        String::from_utf8_lossy(self.raw.get(start..end.min(self.raw.len())).unwrap_or(&[]))
    }

    /// The value of `h` as text: mail-parser's own text when it kept the field unstructured,
    /// else the value as written.
    pub fn text_of(&self, h: &Header<'a>) -> Cow<'a, str> {
        match &h.value {
            HeaderValue::Text(t) => t.clone(),
            _ => self.value_of(h),
        }
    }

    /// The value of `h` on one line: folds and runs of whitespace become one space.
    pub fn unfolded(&self, h: &Header<'_>) -> String {
        unfold(&self.value_of(h))
    }

    /// The unfolded values of every header field named `name`, top to bottom.
    pub fn values(&self, name: HeaderName<'static>) -> impl Iterator<Item = String> + '_ {
        self.mail
            .headers()
            .iter()
            .filter(move |h| h.name == name)
            .map(|h| self.unfolded(h))
    }

    /// The envelope sender as the final delivery recorded it: the first Return-Path (the
    /// delivering server adds it on top, RFC 5321 §4.4), without angle brackets; `Some("")` for
    /// the null reverse-path `<>`.
    ///
    /// Read from the value as written rather than mail-parser's message-id reading of the
    /// field, which gives `<>` as an empty value, the same as a blank field.
    pub fn return_path(&self) -> Option<String> {
        self.values(HeaderName::ReturnPath).next().map(|v| {
            let v = v.trim();
            let inner = match (v.find('<'), v.rfind('>')) {
                (Some(a), Some(b)) if a < b => &v[a + 1..b],
                _ => v,
            };
            inner.trim().to_string()
        })
    }

    /// mail-auth's view of the message, for DKIM verification.
    ///
    /// Built from this parse (mail-auth's `from_parsed` walks mail-parser's header list), not by
    /// parsing the bytes again: only the DKIM-Signature tag lists are read, and the body hashes
    /// computed over [`Parsed::raw`]. Built on demand rather than held, because only the DKIM
    /// check needs it and the body hashing is wasted on a bounce.
    pub fn authenticated(&self) -> AuthenticatedMessage<'a> {
        AuthenticatedMessage::from_parsed(&self.mail, self.raw, true)
    }
}

/// One line: folds and runs of whitespace become one space.
fn unfold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_path_reads_null_and_folded_values() {
        let rp = |raw: &[u8]| Parsed::new(raw).unwrap().return_path();
        assert_eq!(
            rp(b"Received: x\r\nReturn-Path: <>\r\n\r\nbody"),
            Some(String::new())
        );
        assert_eq!(
            rp(b"return-path:\r\n <b@x.example>\r\nReturn-Path: <old@y.example>\r\n\r\n"),
            Some("b@x.example".into())
        );
        assert_eq!(rp(b"From: a@b.example\r\n\r\nReturn-Path: <x@y>"), None);
    }

    /// Guards: DKIM is verified on mail-auth's view built from our parse; it must be the view
    /// mail-auth's own parse of the bytes gives (same headers, signatures, body hashes).
    #[test]
    fn dkim_reads_the_one_parse_as_mail_auth_reads_the_bytes() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
        let mut seen = 0;
        for dir in ["auth/messages", "message"] {
            for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_none_or(|x| x != "eml") {
                    continue;
                }
                let raw = std::fs::read(&path).unwrap();
                let parsed = Parsed::new(&raw).unwrap();
                let own = AuthenticatedMessage::parse(parsed.raw()).unwrap();
                assert!(parsed.authenticated() == own, "{}", path.display());
                seen += 1;
            }
        }
        assert!(seen > 40);
    }

    #[test]
    fn an_mbox_line_is_skipped_and_offsets_stay_right() {
        let p = Parsed::new(b"From sender@x Tue Mar 12 10:00:00 2024\nSubject: hi\n there\n\nbody")
            .unwrap();
        assert!(p.raw().starts_with(b"Subject"));
        let h = &p.mail().headers()[0];
        assert_eq!(p.unfolded(h), "hi there");
        assert_eq!(p.value_of(h), " hi\n there\n");
    }
}
