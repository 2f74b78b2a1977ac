//! Delivery evidence: what the sending service or the MTA says actually happened to a message.
//!
//! Reads the event exports, webhook bodies, suppression lists and mail logs of SendGrid, Amazon
//! SES, Postmark, Mailgun, Resend, Postfix and Exim (formats: `shared/formats/delivery-evidence.md`),
//! recognizing each from its content ([`detect`]), one line or one record at a time so that a
//! file of any size is never held whole, and turns every record into the one [`Event`] type. A
//! record that cannot be read becomes a located [`Problem`] and reading goes on. What the events
//! say about one address (ordered, de-duplicated, concluded) is [`timeline`]; the bounce texts go
//! through the bounce classifier in exactly one place ([`reason`]). Embedding services answer from
//! their own store through [`EventSource`]; [`FileSource`] is the file-reading implementation.
//!
//! Several readers follow parts of the format reference marked **unverified** (not confirmed in
//! a primary source); each such place says so in a comment and accepts the input without relying
//! on it.

pub mod book;
mod csv_list;
pub mod detect;
mod event;
mod exim;
pub mod findings;
mod json;
mod mailgun;
mod postfix;
mod postmark;
pub mod reason;
mod resend;
mod sendgrid;
mod ses;
mod source;
pub mod time;
pub mod timeline;

use std::collections::BTreeSet;
use std::io::BufRead;
use std::sync::Arc;

use serde::Serialize;

pub use event::{unwrap_address, Event, Kind, Location, Problem, Reply, Service};
pub use source::{EventQuery, EventSource, FileSource, SourceError, SourceFile};
pub use time::LogClock;

/// How many problems a file keeps with their location; the rest are only counted.
pub const MAX_PROBLEMS_KEPT: usize = 50;

/// A line longer than this is a problem, not a record (a log or JSON Lines file is never read as
/// one giant line).
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// How to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read every record as this service's (`--events-format`); None: recognize each.
    pub format: Option<Service>,
    /// The year and UTC offset of log timestamps that carry none.
    pub clock: LogClock,
}

/// What reading one file gave, beside the events themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    /// The file, as given.
    pub file: String,
    /// The services whose records were found.
    pub formats: BTreeSet<Service>,
    /// Records (lines, JSON objects) read.
    pub records: u64,
    /// Events produced.
    pub events: u64,
    /// Records that are not delivery evidence (opens, clicks, log context lines).
    pub ignored: u64,
    /// Records that could not be read: the first [`MAX_PROBLEMS_KEPT`] with their location.
    pub problems: Vec<Problem>,
    /// How many records could not be read in all.
    pub problem_count: u64,
    /// True when a timestamp without year or zone took the assumed ones.
    pub clock_assumed: bool,
}

/// The state a reader carries: where it is, what it found, and where events go.
pub(crate) struct Ctx<'a> {
    pub(crate) file: Arc<str>,
    pub(crate) opts: ReadOptions,
    pub(crate) summary: FileSummary,
    sink: &'a mut dyn FnMut(Event),
}

impl Ctx<'_> {
    pub(crate) fn at_line(&self, line: u64) -> Location {
        Location {
            file: self.file.clone(),
            line: Some(line),
            record: None,
        }
    }

    pub(crate) fn emit(&mut self, e: Event) {
        self.summary.formats.insert(e.service);
        self.summary.events += 1;
        (self.sink)(e);
    }

    pub(crate) fn problem(&mut self, location: Location, message: impl Into<String>) {
        self.summary.problem_count += 1;
        if self.summary.problems.len() < MAX_PROBLEMS_KEPT {
            self.summary.problems.push(Problem {
                location,
                message: crate::sanitize::line(&message.into()).into_owned(),
            });
        }
    }
}

/// Reads one file (or uploaded text) named `name`, handing each event to `sink` as it is read.
/// Never fails as a whole: an unreadable record, an I/O error or bytes that are no known format
/// are problems in the summary. `input` is buffered here, once (64 KiB): a caller's own
/// `BufReader` is bypassed by reads that large, so nothing is copied twice.
pub fn read(
    name: &str,
    input: impl std::io::Read,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Event),
) -> FileSummary {
    let mut input = std::io::BufReader::with_capacity(64 << 10, input);
    let mut ctx = Ctx {
        file: Arc::from(name),
        opts: *opts,
        summary: FileSummary {
            file: name.to_string(),
            ..FileSummary::default()
        },
        sink,
    };
    let shape = match input.fill_buf() {
        Ok(head) => detect::shape(head, opts.format),
        Err(e) => {
            let at = ctx.at_line(1);
            ctx.problem(at, format!("cannot read: {e}"));
            return ctx.summary;
        }
    };
    match shape {
        detect::Shape::Empty => {}
        detect::Shape::Postfix => lines(&mut ctx, &mut input, postfix::Reader::default()),
        detect::Shape::Exim => lines(&mut ctx, &mut input, exim::Reader::default()),
        detect::Shape::JsonLines => json::lines(&mut ctx, &mut input),
        detect::Shape::JsonDocument => json::document(&mut ctx, &mut input),
        detect::Shape::Csv => csv_list::read(&mut ctx, &mut input),
        detect::Shape::Unknown => {
            let at = ctx.at_line(1);
            ctx.problem(
                at,
                "not a known delivery-evidence format: expected JSON or JSON Lines of an ESP's events, a CSV suppression export with a header row, or a Postfix or Exim log",
            );
        }
    }
    ctx.summary
}

/// A reader of line-based logs.
pub(crate) trait LineReader {
    /// Reads one line (without its end).
    fn line(&mut self, ctx: &mut Ctx<'_>, line_no: u64, line: &str);
    /// Called at the end of the file.
    fn finish(&mut self, _ctx: &mut Ctx<'_>) {}
}

fn lines(ctx: &mut Ctx<'_>, input: &mut impl BufRead, mut reader: impl LineReader) {
    each_line(ctx, input, |ctx, line_no, line| {
        ctx.summary.records += 1;
        // Checked as UTF-8 first: the lossy conversion is several times slower on valid text.
        match std::str::from_utf8(line) {
            Ok(text) => reader.line(ctx, line_no, text),
            Err(_) => reader.line(ctx, line_no, &String::from_utf8_lossy(line)),
        }
    });
    reader.finish(ctx);
}

/// Hands every line (without its end) to `f` with its 1-based number. A line that lies whole in
/// the input's buffer (nearly all of them) is handed over in place, without a copy; one that
/// spans buffers is gathered into one reused buffer. A line longer than [`MAX_LINE_BYTES`] and
/// an I/O error are located problems (reading stops at an I/O error).
pub(crate) fn each_line(
    ctx: &mut Ctx<'_>,
    input: &mut impl BufRead,
    mut f: impl FnMut(&mut Ctx<'_>, u64, &[u8]),
) {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        line_no += 1;
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                line_no -= 1;
                continue;
            }
            Err(e) => {
                let at = ctx.at_line(line_no);
                ctx.problem(at, format!("cannot read: {e}"));
                return;
            }
        };
        if chunk.is_empty() {
            return;
        }
        if let Some(i) = memchr::memchr(b'\n', chunk) {
            f(ctx, line_no, trim_line_end(&chunk[..=i]));
            input.consume(i + 1);
            continue;
        }
        match read_line_capped(input, &mut buf) {
            Ok(None) => return,
            Ok(Some(false)) => f(ctx, line_no, trim_line_end(&buf)),
            Ok(Some(true)) => {
                let at = ctx.at_line(line_no);
                ctx.problem(
                    at,
                    format!("line longer than {MAX_LINE_BYTES} bytes: skipped"),
                );
            }
            Err(e) => {
                let at = ctx.at_line(line_no);
                ctx.problem(at, format!("cannot read: {e}"));
                return;
            }
        }
    }
}

pub(crate) fn trim_line_end(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Reads one line into `buf` (cleared first), keeping at most [`MAX_LINE_BYTES`]: None at the
/// end of the input, Some(true) when the line was longer (its rest is skipped).
pub(crate) fn read_line_capped(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(too_long));
        }
        read_any = true;
        let (used, done) = match memchr_newline(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + used > MAX_LINE_BYTES {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..used]);
            }
        }
        input.consume(used);
        if done {
            return Ok(Some(too_long));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

#[cfg(test)]
mod tests;
