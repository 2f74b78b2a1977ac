//! Splitting a CSV export into rows, each with the line an editor shows for it, so that every
//! row in becomes one row out (a usable row or a malformed one) and no damage swallows the rows
//! after it.
//!
//! The file is read as bytes and cut into physical lines first: LF and CRLF end a line (what
//! vim, VS Code and Notepad all agree on); a lone CR does not, because editors disagree about it
//! (vim shows `^M` inside the line), so outside a quoted field it makes the row malformed, and
//! inside one it is data. A file with CR line ends only (classic Mac OS) is one line, refused at
//! its header row for that reason.
//! Blank lines are not rows. Each line is then parsed on its own; only when a quote opened on a
//! line is not closed on it are the next lines joined to it (a quoted value spanning lines, as
//! RFC 4180 allows), and the join is kept only if the quote closes within [`MAX_SPAN`] lines and
//! the joined row parses with the header's width. Otherwise the line is one malformed row and
//! reading resumes at the next line: an unterminated quote costs one row, never the rest of the
//! file (the `csv` crate, used before, read everything after a stray quote as one field).
//!
//! Text is UTF-8 (a byte-order mark is skipped) or UTF-16 with a byte-order mark (decoded up
//! front); a line that is not valid UTF-8 is a malformed row naming its byte column.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};

use crate::error::{Error, Result};

/// Lines a quoted value may span (the line it opens on included).
pub(crate) const MAX_SPAN: usize = 20;
/// A quoted value spanning lines is not followed past this many bytes.
const MAX_JOINED: usize = 64 * 1024;
/// Longer lines are one malformed row (a binary file without line ends stays bounded).
const MAX_LINE: usize = 1024 * 1024;

/// One physical line: its text without the line end, or why it has none.
struct Line {
    number: usize,
    text: std::result::Result<String, String>,
    /// For a line that is not text (invalid UTF-8): what can be read of it, the bad bytes as
    /// U+FFFD, so that its address may still be recognised.
    lossy: Option<String>,
    /// The file cannot be read from this line on (an I/O error): no row after it is known.
    fatal: bool,
}

enum Source<R: Read> {
    Plain(BufReader<Chain<Cursor<Vec<u8>>, R>>),
    Decoded(Cursor<Vec<u8>>),
}

/// The physical lines of a file, numbered as an editor numbers them.
struct Lines<R: Read> {
    src: Source<R>,
    next_number: usize,
    done: bool,
}

fn io_error(file: &str, source: std::io::Error) -> Error {
    Error::Read {
        file: file.into(),
        source,
    }
}

/// UTF-16 (the code units after the byte-order mark) to UTF-8; an unpaired surrogate or an odd
/// byte count refuses the file naming the line (a file-level error: such a file was damaged as
/// a whole, not in one row).
fn decode_utf16(bytes: &[u8], big_endian: bool, file: &str) -> Result<Vec<u8>> {
    let which = if big_endian { "UTF-16BE" } else { "UTF-16LE" };
    let units = bytes.chunks(2).map(|c| match (c, big_endian) {
        ([a, b], false) => Ok(u16::from_le_bytes([*a, *b])),
        ([a, b], true) => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(()),
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    let (mut line, mut column) = (1usize, 1usize);
    let parse_error = |line: usize, message: String| Error::Parse {
        file: file.into(),
        line,
        message,
    };
    let mut units_ok = Vec::with_capacity(bytes.len() / 2);
    for u in units {
        match u {
            Ok(u) => units_ok.push(u),
            Err(()) => {
                return Err(parse_error(
                    line_count(&units_ok),
                    format!("the file starts with a {which} byte-order mark but has an odd number of bytes: it is cut short or not {which}"),
                ))
            }
        }
    }
    for c in char::decode_utf16(units_ok.iter().copied()) {
        match c {
            Ok(c) => {
                out.push(c);
                if c == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            Err(e) => {
                return Err(parse_error(
                    line,
                    format!(
                        "invalid {which} at character {column}: unpaired surrogate 0x{:04X}",
                        e.unpaired_surrogate()
                    ),
                ))
            }
        }
    }
    Ok(out.into_bytes())
}

/// A whole file's bytes as UTF-8 bytes: a UTF-8 byte-order mark dropped, UTF-16 with a
/// byte-order mark decoded, anything else as it is.
pub(crate) fn decode(bytes: &[u8], file: &str) -> Result<Vec<u8>> {
    match bytes {
        [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, false, file),
        [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, true, file),
        [0xEF, 0xBB, 0xBF, rest @ ..] => Ok(rest.to_vec()),
        _ => Ok(bytes.to_vec()),
    }
}

fn line_count(units: &[u16]) -> usize {
    units.iter().filter(|&&u| u == 0x0A).count() + 1
}

impl<R: Read> Lines<R> {
    fn open(mut reader: R, file: &str) -> Result<Lines<R>> {
        let mut prefix = [0u8; 3];
        let mut got = 0;
        while got < prefix.len() {
            match reader.read(&mut prefix[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(file, e)),
            }
        }
        let prefix = &prefix[..got];
        let src = if prefix.starts_with(&[0xFF, 0xFE]) || prefix.starts_with(&[0xFE, 0xFF]) {
            // UTF-16 is decoded whole: such exports are small (spreadsheet "Unicode text").
            let big_endian = prefix[0] == 0xFE;
            let mut rest = prefix[2..].to_vec();
            reader
                .read_to_end(&mut rest)
                .map_err(|e| io_error(file, e))?;
            Source::Decoded(Cursor::new(decode_utf16(&rest, big_endian, file)?))
        } else {
            let keep = if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
                Vec::new()
            } else {
                prefix.to_vec()
            };
            Source::Plain(BufReader::new(Cursor::new(keep).chain(reader)))
        };
        Ok(Lines {
            src,
            next_number: 1,
            done: false,
        })
    }

    fn reader(&mut self) -> &mut dyn BufRead {
        match &mut self.src {
            Source::Plain(r) => r,
            Source::Decoded(r) => r,
        }
    }

    fn next_line(&mut self) -> Option<Line> {
        if self.done {
            return None;
        }
        let mut buf = Vec::new();
        let read = self
            .reader()
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf);
        let number = self.next_number;
        match read {
            Ok(0) => {
                self.done = true;
                return None;
            }
            Ok(_) => {}
            Err(e) => {
                // The rest cannot be read: one last malformed row says so, where it happened.
                self.done = true;
                return Some(Line {
                    number,
                    text: Err(format!("the file cannot be read from this line on: {e}")),
                    lossy: None,
                    fatal: true,
                });
            }
        }
        self.next_number += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        } else if buf.len() > MAX_LINE {
            // Skip to the end of this line so the next one is read from its start.
            loop {
                let mut scratch = Vec::new();
                match self
                    .reader()
                    .take(MAX_LINE as u64)
                    .read_until(b'\n', &mut scratch)
                {
                    Ok(0) | Err(_) => break,
                    Ok(_) if scratch.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                }
            }
            return Some(Line {
                number,
                text: Err(format!(
                    "the line is longer than {} MiB (binary data?)",
                    MAX_LINE >> 20
                )),
                lossy: None,
                fatal: false,
            });
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let mut lossy = None;
        let text = String::from_utf8(buf).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            lossy = Some(String::from_utf8_lossy(e.as_bytes()).into_owned());
            format!(
                "invalid UTF-8 at byte column {} (byte 0x{:02X}): the file must be UTF-8, or UTF-16 with a byte-order mark",
                at + 1,
                e.as_bytes()[at]
            )
        });
        Some(Line {
            number,
            text,
            lossy,
            fatal: false,
        })
    }
}

/// Why a line is not a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldError {
    /// A quote opened at this byte column (1-based) and the text ended inside it.
    Unclosed(usize),
    /// Text after a closing quote, at this byte column, where a comma or the line end belongs.
    AfterQuote(usize),
    /// A carriage return outside quotes, at this byte column.
    LoneCr(usize),
    /// A control character (binary data), at this byte column.
    Control(usize, u8),
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldError::Unclosed(c) => write!(f, "a quote opened at byte column {c} is not closed"),
            FieldError::AfterQuote(c) => write!(
                f,
                "text after a closing quote at byte column {c} (expected a comma or the line end; a quote inside a quoted value is written twice: \"\")"
            ),
            FieldError::LoneCr(c) => write!(
                f,
                "a carriage return (CR) without a line feed at byte column {c}: it is not a line end (only LF and CRLF are); quote the value or remove the CR"
            ),
            FieldError::Control(c, b) => write!(
                f,
                "control character 0x{b:02X} at byte column {c} (binary data, or a UTF-16 file without a byte-order mark?)"
            ),
        }
    }
}

fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// The fields of one row (RFC 4180): a quoted field may hold commas, `""` for a quote, and line
/// ends, and is kept exactly as quoted; a quote inside an unquoted field is literal. Spaces and
/// tabs around a field are layout (`a, b`) and dropped; any other character is data, kept: a
/// no-break space at the end of an address is part of the address as the product stores it.
pub(crate) fn parse_fields(s: &str) -> std::result::Result<Vec<String>, FieldError> {
    let b = s.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && blank(b[i]) {
            i += 1;
        }
        if i < b.len() && b[i] == b'"' {
            let open = i;
            i += 1;
            let mut value = String::new();
            let mut start = i;
            loop {
                match b.get(i) {
                    None => return Err(FieldError::Unclosed(open + 1)),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        value.push_str(&s[start..=i]);
                        i += 2;
                        start = i;
                    }
                    Some(b'"') => {
                        value.push_str(&s[start..i]);
                        i += 1;
                        break;
                    }
                    Some(&c) if is_control(c) && c != b'\n' && c != b'\r' => {
                        return Err(FieldError::Control(i + 1, c))
                    }
                    Some(_) => i += 1,
                }
            }
            while i < b.len() && blank(b[i]) {
                i += 1;
            }
            out.push(value);
            match b.get(i) {
                None => return Ok(out),
                Some(b',') => i += 1,
                Some(_) => return Err(FieldError::AfterQuote(i + 1)),
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b',' {
                match b[i] {
                    b'\r' => return Err(FieldError::LoneCr(i + 1)),
                    c if is_control(c) => return Err(FieldError::Control(i + 1, c)),
                    _ => i += 1,
                }
            }
            out.push(s[start..i].trim_matches([' ', '\t']).to_string());
            if i >= b.len() {
                return Ok(out);
            }
            i += 1;
        }
    }
}

/// Why a row's width does not fit a header `width` fields wide, if it does not. Extra fields
/// that are all empty are allowed (trailing commas some spreadsheets write).
pub(crate) fn width_problem(fields: &[String], width: usize) -> Option<String> {
    if fields.len() < width {
        Some(format!(
            "the row has {} field{}, the header {width}: a short row (a value is missing, or the row was cut)",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ))
    } else if fields[width..].iter().any(|f| !f.trim().is_empty()) {
        Some(format!(
            "the row has {} fields, the header {width}: the values would land in the wrong columns (a comma inside an unquoted value?)",
            fields.len()
        ))
    } else {
        None
    }
}

/// One row: the line it starts on and its fields, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRow {
    pub line: usize,
    pub fields: std::result::Result<Vec<String>, String>,
    /// For a row that could not be split: its line's text as far as it can be read, so that
    /// the address on it can still be recognised ([`lenient_fields`]).
    pub raw: Option<String>,
    /// The file cannot be read from this row on.
    pub fatal: bool,
}

/// The fields of a line that is not a well-formed row, as far as they can be told: a quote left
/// open is closed at the line end; otherwise the line is cut at every comma.
pub(crate) fn lenient_fields(text: &str) -> Vec<String> {
    let naive = || {
        text.split(',')
            .map(|f| f.trim_matches([' ', '\t', '"']).to_string())
            .collect()
    };
    match parse_fields(text) {
        Ok(f) => f,
        Err(FieldError::Unclosed(_)) => {
            parse_fields(&format!("{text}\"")).unwrap_or_else(|_| naive())
        }
        Err(_) => naive(),
    }
}

/// True when `text` on its own reads as a row of `width` fields holding an address: a line a
/// quoted value may not swallow (a quote left open, closed by a stray quote lines later, would
/// otherwise make the rows between one value).
fn reads_as_row(text: &str, width: usize) -> bool {
    parse_fields(text)
        .is_ok_and(|f| width_problem(&f, width).is_none() && f.iter().any(|v| v.contains('@')))
}

/// The rows of a CSV file (header included), one per non-blank line or quoted multi-line value.
pub(crate) struct Rows<R: Read> {
    lines: Lines<R>,
    pending: VecDeque<Line>,
    /// The header's width once it is known: a joined multi-line row must have it.
    pub width: Option<usize>,
}

impl<R: Read> Rows<R> {
    pub fn open(reader: R, file: &str) -> Result<Rows<R>> {
        Ok(Rows {
            lines: Lines::open(reader, file)?,
            pending: VecDeque::new(),
            width: None,
        })
    }

    fn line(&mut self) -> Option<Line> {
        self.pending.pop_front().or_else(|| self.lines.next_line())
    }

    /// The line `k` places ahead of the next one, read if needed.
    fn peek(&mut self, k: usize) -> Option<&Line> {
        while self.pending.len() <= k {
            let l = self.lines.next_line()?;
            self.pending.push_back(l);
        }
        self.pending.get(k)
    }

    /// Joins the lines after `first` while a quote opened on it stays open; the joined row if
    /// the quote closes within [`MAX_SPAN`] lines and the row then fits the header.
    fn join(&mut self, first: &str) -> Option<Vec<String>> {
        let mut joined = first.to_string();
        for k in 0..MAX_SPAN - 1 {
            let width = self.width;
            let Ok(next) = &self.peek(k)?.text else {
                return None;
            };
            if width.is_some_and(|w| reads_as_row(next, w)) {
                return None;
            }
            joined.push('\n');
            joined.push_str(next);
            if joined.len() > MAX_JOINED {
                return None;
            }
            match parse_fields(&joined) {
                Err(FieldError::Unclosed(_)) => continue,
                Err(_) => return None,
                Ok(fields) => {
                    if self
                        .width
                        .is_some_and(|w| width_problem(&fields, w).is_some())
                    {
                        return None;
                    }
                    self.pending.drain(..=k);
                    return Some(fields);
                }
            }
        }
        None
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        loop {
            let Line {
                number,
                text,
                lossy,
                fatal,
            } = self.line()?;
            let text = match text {
                Ok(t) => t,
                Err(message) => {
                    return Some(RawRow {
                        line: number,
                        fields: Err(message),
                        raw: lossy,
                        fatal,
                    })
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            let fields = match parse_fields(&text) {
                Ok(f) => Ok(f),
                Err(FieldError::Unclosed(c)) => self.join(&text).ok_or_else(|| {
                    format!(
                        "{}, on this line or as a value spanning up to {MAX_SPAN} lines; reading resumes at the next line",
                        FieldError::Unclosed(c)
                    )
                }),
                Err(e) => Err(e.to_string()),
            };
            let raw = fields.is_err().then_some(text);
            return Some(RawRow {
                line: number,
                fields,
                raw,
                fatal: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<(usize, std::result::Result<Vec<String>, String>)> {
        let mut r = Rows::open(text, "t.csv").unwrap();
        r.width = Some(2);
        r.map(|r| (r.line, r.fields)).collect()
    }

    #[test]
    fn fields_follow_rfc_4180() {
        assert_eq!(
            parse_fields(r#" a , "b,""c""" ,,"d"#).unwrap_err(),
            FieldError::Unclosed(18)
        );
        assert_eq!(
            parse_fields(r#" a , "b,""c""" ,x"y, "#).unwrap(),
            vec!["a", "b,\"c\"", "x\"y", ""]
        );
        assert_eq!(
            parse_fields("\"a\"b").unwrap_err(),
            FieldError::AfterQuote(4)
        );
        assert_eq!(parse_fields("a\rb").unwrap_err(), FieldError::LoneCr(2));
        assert_eq!(parse_fields("a\0").unwrap_err(), FieldError::Control(2, 0));
        assert_eq!(parse_fields("\"a\rb\"").unwrap(), vec!["a\rb"]);
    }

    #[test]
    fn an_unterminated_quote_costs_one_row_and_reading_resumes_at_the_next_line() {
        let got = rows(b"a,\"b\nc,d\ne,f\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, 1);
        assert!(got[0].1.as_ref().unwrap_err().contains("byte column 3"));
        assert_eq!(got[1], (2, Ok(vec!["c".into(), "d".into()])));
        assert_eq!(got[2], (3, Ok(vec!["e".into(), "f".into()])));
    }

    #[test]
    fn a_quoted_value_may_span_lines_and_keeps_its_first_line() {
        let got = rows(b"a,\"b\n\nc\"\r\nd,e\n");
        assert_eq!(got[0], (1, Ok(vec!["a".into(), "b\n\nc".into()])));
        assert_eq!(got[1], (4, Ok(vec!["d".into(), "e".into()])));
    }

    #[test]
    fn crlf_blank_lines_and_bad_bytes_keep_editor_line_numbers() {
        let got = rows(b"\xEF\xBB\xBFa,b\r\n\r\n  \nc,\xFFd\r\nx\ry,z\r\ne,f");
        let lines: Vec<usize> = got.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 4, 5, 6]);
        assert!(got[1].1.as_ref().unwrap_err().contains("byte column 3"));
        assert!(got[2].1.as_ref().unwrap_err().contains("carriage return"));
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let text = "email,status\r\nü@x,Active\r\n";
        for be in [false, true] {
            let mut bytes: Vec<u8> = if be {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                bytes.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
            }
            let got = rows(&bytes);
            assert_eq!(got[1], (2, Ok(vec!["ü@x".into(), "Active".into()])));
        }
        let e = Rows::open(&[0xFF, 0xFE, b'a', 0, b'\n', 0, 0x00, 0xD8][..], "t.csv")
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "t.csv:2: invalid UTF-16LE at character 1: unpaired surrogate 0xD800"
        );
    }
}
