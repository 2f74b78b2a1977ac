//! JSON sources read one record at a time: JSON Lines a line at a time (a broken line is a
//! problem and the next line is read), and JSON documents through a streaming visitor that
//! hands over each element of a top-level array, or of a page's record array (`items`,
//! `Bounces`, `Suppressions` ... see [`super::detect::CONTAINERS`]), as soon as it is parsed, so
//! a 2 GB export is never held whole. Which service's reader gets a record is decided per record
//! ([`super::detect::record`]).

use std::fmt;
use std::io::BufRead;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::detect::{self, Record, CONTAINERS};
use super::{Ctx, Location, Service};

/// JSON Lines: every non-blank line one value (an object, or an array of objects).
pub(crate) fn lines(ctx: &mut Ctx<'_>, input: &mut impl BufRead) {
    let fast = matches!(ctx.opts.format, None | Some(Service::Sendgrid));
    super::each_line(ctx, input, |ctx, line_no, line| {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let at = ctx.at_line(line_no);
        if fast && super::sendgrid::fast_line(ctx, line, &at) {
            return;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(Value::Array(items)) => {
                for (i, v) in items.into_iter().enumerate() {
                    let loc = Location {
                        record: Some(i as u64 + 1),
                        ..at.clone()
                    };
                    record(ctx, None, v, loc);
                }
            }
            Ok(v) => record(ctx, None, v, at),
            Err(e) => {
                ctx.summary.records += 1;
                ctx.problem(at, format!("not a JSON value ({e})"));
            }
        }
    });
}

/// One JSON document (or several one after another), streamed.
pub(crate) fn document(ctx: &mut Ctx<'_>, input: &mut impl BufRead) {
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut n = 0u64;
    loop {
        let seed = Top {
            ctx: &mut *ctx,
            n: &mut n,
        };
        if let Err(e) = seed.deserialize(&mut de) {
            let at = ctx.at_line(e.line() as u64);
            let what = if e.is_eof() {
                "the JSON ends too early".to_string()
            } else {
                format!("not valid JSON ({e})")
            };
            ctx.problem(at, format!("{what}; the rest of the file is not read"));
            return;
        }
        if de.end().is_ok() {
            return;
        }
    }
}

/// Reads one record: expands pages and envelopes found inside a value, then hands it to its
/// service's reader.
pub(crate) fn record(ctx: &mut Ctx<'_>, container: Option<&str>, v: Value, loc: Location) {
    ctx.summary.records += 1;
    // A page or list answer inside a line or an array element: its records one by one.
    if container.is_none() {
        if let Value::Object(o) = &v {
            if let Some(key) = CONTAINERS
                .iter()
                .find(|k| o.get(**k).is_some_and(Value::is_array))
            {
                let Value::Object(mut o) = v else {
                    unreachable!()
                };
                let Some(Value::Array(items)) = o.remove(*key) else {
                    unreachable!()
                };
                ctx.summary.records -= 1;
                for (i, item) in items.into_iter().enumerate() {
                    let loc = Location {
                        record: Some(i as u64 + 1),
                        ..loc.clone()
                    };
                    record(ctx, Some(key), item, loc);
                }
                return;
            }
        }
    }
    let kind = match ctx.opts.format {
        Some(service) => detect::forced_record(&v, container, service),
        None => detect::record(&v, container),
    };
    let result = match kind {
        Some(Record::SendgridEvent) => super::sendgrid::event(ctx, &v, &loc),
        Some(Record::SendgridList) => super::sendgrid::list_item(ctx, &v, &loc),
        Some(Record::SesSns) => super::ses::sns(ctx, &v, &loc),
        Some(Record::Ses) => super::ses::record(ctx, &v, &loc),
        Some(Record::SesList) => super::ses::list(ctx, &v, &loc),
        Some(Record::MailgunEvent) => super::mailgun::event(ctx, &v, &loc),
        Some(Record::MailgunList) => super::mailgun::list_item(ctx, &v, &loc),
        Some(Record::Postmark) => super::postmark::record(ctx, &v, container, &loc),
        Some(Record::Resend) => super::resend::event(ctx, &v, &loc),
        None => Err(
            "not a record of a known service (expected SendGrid, SES/SNS, Postmark, Mailgun or Resend keys)"
                .to_string(),
        ),
    };
    match result {
        Ok(0) => ctx.summary.ignored += 1,
        Ok(_) => {}
        Err(message) => ctx.problem(loc, message),
    }
}

/// The top-level value: an array streams its elements, an object streams the arrays under the
/// container keys (its other keys are kept: without a container it is itself the record).
struct Top<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    n: &'c mut u64,
}

impl Top<'_, '_> {
    fn loc(&mut self) -> Location {
        *self.n += 1;
        Location {
            file: self.ctx.file.clone(),
            line: None,
            record: Some(*self.n),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array or object of delivery events")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            let loc = self.loc();
            record(self.ctx, None, v, loc);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            match CONTAINERS.iter().find(|c| **c == key) {
                Some(container) => {
                    map.next_value_seed(Elements {
                        top: &mut self,
                        container,
                    })?;
                    streamed = true;
                }
                None => {
                    rest.insert(key, map.next_value()?);
                }
            }
        }
        if !streamed {
            let loc = self.loc();
            record(self.ctx, None, Value::Object(rest), loc);
        }
        Ok(())
    }
}

/// The array under a container key, one element at a time.
struct Elements<'t, 'c, 'a> {
    top: &'t mut Top<'c, 'a>,
    container: &'static str,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of records under {:?}", self.container)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            let loc = self.top.loc();
            record(self.top.ctx, Some(self.container), v, loc);
        }
        Ok(())
    }
}

// Field access shared by the JSON readers.

/// Read access to one JSON object's scalar fields, with the meaning of the functions below
/// ([`s`], [`text`], [`uint`], [`time::from_json`](super::time::from_json)): implemented by a
/// parsed [`Value`] and by the borrowed fields of a reader's fast path, so that one reader
/// function serves both and they cannot drift apart.
pub(crate) trait Fields {
    /// The string under `key`.
    fn s(&self, key: &str) -> Option<&str>;
    /// The string (or number, as text) under `key`, trimmed, non-empty.
    fn text(&self, key: &str) -> Option<String>;
    /// An unsigned integer under `key`, as a number or a numeric string.
    fn uint(&self, key: &str) -> Option<u64>;
    /// A time under `key`: unix seconds (a number or digits) or one of the string forms.
    fn time(&self, key: &str) -> Option<chrono::DateTime<chrono::Utc>>;
}

impl Fields for Value {
    fn s(&self, key: &str) -> Option<&str> {
        s(self, key)
    }
    fn text(&self, key: &str) -> Option<String> {
        text(self, key)
    }
    fn uint(&self, key: &str) -> Option<u64> {
        uint(self, key)
    }
    fn time(&self, key: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.get(key).and_then(super::time::from_json)
    }
}

/// The string under `key`.
pub(crate) fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The string (or number, as text) under `key`, trimmed, non-empty.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value under `key`, the key matched without regard to case (Postmark writes `MessageID`
/// and `MessageId`).
pub(crate) fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// An unsigned integer under `key`, as a number or a numeric string (SendGrid's `attempt`).
pub(crate) fn uint(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A Message-ID without its angle brackets.
pub(crate) fn message_id(s: &str) -> Option<String> {
    let s = s
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!s.is_empty()).then(|| s.to_string())
}
