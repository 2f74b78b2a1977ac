//! Exim main logs (format reference, section 7): `YYYY-MM-DD HH:MM:SS[.mmm][ +ZZZZ][ [pid]]
//! MSGID FLAG address fields`, or the same after a syslog `exim[pid]: ` tag. `<=` records the
//! arrival (Message-ID `id=`, subject `T="..."`), `=>` / `->` deliveries, `==` deferrals, `**`
//! failures (`retry timeout exceeded` = expired), `Completed` ends the id. `*>` (suppressed by
//! `-N`) and `>>` (cutthrough) are **unverified** and read as deliveries' context (ignored).
//! Times are local unless the line has a zone (`log_timezone`): the assumed offset then applies.

use std::collections::HashMap;

use super::event::{Event, Kind, Reply, Service};
use super::{time, Ctx, LineReader};

/// The parts of an Exim line that has a message id and a flag.
#[derive(Debug)]
pub(crate) struct Split<'a> {
    /// The text before the message id (Exim's stamp, or syslog's stamp, host and tag).
    pub stamp: &'a str,
    pub id: &'a str,
    pub flag: &'a str,
    pub rest: &'a str,
}

/// `\w{6}-\w{6}-\w{2}` (up to 4.96) or `\w{6}-\w{11}-\w{4}` (4.97 on), alphanumerics only.
fn is_message_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    (lens == [6, 6, 2] || lens == [6, 11, 4])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

const FLAGS: &[&str] = &["<=", "=>", "->", "==", "**", "*>", ">>", "Completed"];

pub(crate) fn split_line(line: &str) -> Option<Split<'_>> {
    let b = line.as_bytes();
    let after_stamp = if b.first().is_some_and(u8::is_ascii_digit) {
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b' '
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if b.get(i) == Some(&b' ') && matches!(b.get(i + 1), Some(b'+' | b'-')) {
            i += 6;
        }
        let stamp_end = i;
        if line.get(i..)?.starts_with(" [") {
            i = i + line[i..].find(']')? + 1;
        }
        (stamp_end, i)
    } else {
        let tag = line.find("exim")?;
        let colon = tag + line[tag..].find("]: ")?;
        (tag, colon + 2)
    };
    let (stamp_end, rest_at) = after_stamp;
    let rest = line.get(rest_at..)?.trim_start();
    let (id, rest) = rest.split_once(' ')?;
    if !is_message_id(id) {
        return None;
    }
    let (flag, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    FLAGS.contains(&flag).then_some(Split {
        stamp: &line[..stamp_end],
        id,
        flag,
        rest,
    })
}

/// The value of ` KEY=` in `rest`: a quoted value up to its closing quote, else up to a space.
fn field<'a>(rest: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!(" {key}=");
    let at = rest.find(&pat)? + pat.len();
    let v = &rest[at..];
    if let Some(q) = v.strip_prefix('"') {
        let mut end = None;
        let mut esc = false;
        for (i, c) in q.char_indices() {
            match c {
                '\\' if !esc => esc = true,
                '"' if !esc => {
                    end = Some(i);
                    break;
                }
                _ => esc = false,
            }
        }
        Some(&q[..end.unwrap_or(q.len())])
    } else {
        Some(v.split(' ').next().unwrap_or(v).trim_end_matches(':'))
    }
}

#[derive(Debug, Default)]
struct Arrived {
    message_id: Option<String>,
    subject: Option<String>,
    /// The host of the last `=>`, for the `->` lines that share its transaction.
    last_host: Option<String>,
}

/// At most this many message ids are followed at once (see the Postfix reader).
const MAX_OPEN: usize = 200_000;

#[derive(Debug, Default)]
pub(crate) struct Reader {
    open: HashMap<String, Arrived>,
}

impl LineReader for Reader {
    fn line(&mut self, ctx: &mut Ctx<'_>, line_no: u64, line: &str) {
        let Some(split) = split_line(line) else {
            ctx.summary.ignored += 1;
            return;
        };
        let stamp = if split
            .stamp
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_digit)
        {
            time::iso(split.stamp, None)
                .map(|(t, _)| (t, false))
                .or_else(|| {
                    time::iso(split.stamp, Some(ctx.opts.clock.offset)).map(|(t, _)| (t, true))
                })
        } else {
            time::log_stamp(split.stamp, &ctx.opts.clock).map(|(t, a, _)| (t, a))
        };
        let Some((when, assumed)) = stamp else {
            let at = ctx.at_line(line_no);
            ctx.problem(
                at,
                "an Exim line without a readable timestamp (`YYYY-MM-DD HH:MM:SS[ +ZZZZ]`)",
            );
            return;
        };
        ctx.summary.clock_assumed |= assumed;
        if self.open.len() >= MAX_OPEN {
            let dropped: Vec<String> = self.open.keys().take(MAX_OPEN / 2).cloned().collect();
            for k in dropped {
                self.open.remove(&k);
            }
        }
        let rest = split.rest;
        let kind = match split.flag {
            "<=" => {
                // `<= <> R=ORIGID` is a bounce Exim generated about ORIGID: not the mail itself.
                if !rest.starts_with("<> ") {
                    let a = self.open.entry(split.id.to_string()).or_default();
                    a.message_id = field(rest, "id").and_then(super::json::message_id);
                    a.subject = field(rest, "T").map(str::to_string);
                }
                ctx.summary.ignored += 1;
                return;
            }
            "Completed" => {
                self.open.remove(split.id);
                ctx.summary.ignored += 1;
                return;
            }
            "=>" | "->" => Kind::Delivered,
            "==" => Kind::Deferred,
            "**" if rest.contains("retry timeout exceeded") => Kind::Expired,
            "**" => Kind::Bounced,
            _ => {
                ctx.summary.ignored += 1;
                return;
            }
        };
        let mut words = rest.split(' ');
        let Some(addr) = words.next().filter(|a| !a.is_empty()) else {
            let at = ctx.at_line(line_no);
            ctx.problem(
                at,
                format!("an Exim {} line without an address", split.flag),
            );
            return;
        };
        // `=> final <original>`: the original is the address the application wrote.
        let rcpt = match words.next() {
            Some(w) if w.starts_with('<') && w.ends_with('>') && w.len() > 2 => &w[1..w.len() - 1],
            _ => addr,
        };
        let mut e = Event::new(when, rcpt, kind, Service::Exim, ctx.at_line(line_no));
        e.service_message_id = Some(split.id.to_string());
        let a = self.open.entry(split.id.to_string()).or_default();
        e.message_id = a.message_id.clone();
        e.subject = a.subject.clone();
        e.mx_host = field(rest, "H").map(str::to_string);
        match kind {
            Kind::Delivered => {
                if split.flag == "->" && e.mx_host.is_none() {
                    e.mx_host = a.last_host.clone();
                }
                a.last_host = e.mx_host.clone();
                e.reply = field(rest, "C").map(Reply::from_text).unwrap_or_default();
            }
            Kind::Deferred => {
                let text = rest
                    .find("defer (")
                    .and_then(|i| rest[i..].find(") ").map(|j| &rest[i + j + 2..]));
                e.reply = Reply::from_text(text.unwrap_or(rest));
                e.reason = rest
                    .find("defer (")
                    .map(|i| rest[i..].split(')').next().unwrap_or("").to_string() + ")");
            }
            _ => {
                let text = rest.split_once(": ").map_or(rest, |(_, t)| t);
                e.reply = Reply::from_text(text);
            }
        }
        ctx.emit(e);
    }
}
