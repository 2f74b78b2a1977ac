//! Postfix logs (format reference, section 6), traditional syslog or RFC 3339 stamps. One
//! message's lines are joined by queue id, up to its `removed`: `cleanup` gives the Message-ID,
//! each `to=` line is one recipient's result for one attempt, `qmgr ... status=expired` expires
//! the recipients whose last result for that id was a deferral, and `NOQUEUE: reject` lines are
//! refusals of mail that was never queued. The `key=value` pairs are read by name, not position
//! (newer versions add `tls=` before `dsn=`; which version is **unverified**). Lines of other
//! daemons, and Postfix lines without a queue id (connections, TLS, anvil), are context.

use std::collections::HashMap;
use std::sync::LazyLock;

use memchr::memmem;

use super::event::{Event, Kind, Reply, Service};
use super::{time, Ctx, LineReader};

/// A queued message's facts so far.
#[derive(Debug, Default)]
struct Queued {
    message_id: Option<String>,
    /// Recipients whose last result was a deferral, with that reply and host.
    deferred: Vec<(String, Reply, Option<String>)>,
}

/// At most this many queue ids are followed at once; a log without `removed` lines (a filtered
/// extract) would otherwise grow the map with every message. Half of them (in no particular order) are then dropped.
const MAX_QUEUED: usize = 200_000;

#[derive(Debug, Default)]
pub(crate) struct Reader {
    queue: HashMap<String, Queued>,
}

/// The end of the `postfix…/daemon[pid]: ` tag in `line` (after the colon and space) and the
/// daemon's last path part (`smtp`, `qmgr`, `cleanup` ...).
pub(crate) fn tag_end(line: &str) -> Option<(usize, &str)> {
    static POSTFIX: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new("postfix"));
    let mut from = 0;
    while let Some(i) = POSTFIX.find(&line.as_bytes()[from..]) {
        let start = from + i;
        let token_end = line[start..].find(' ').map_or(line.len(), |e| start + e);
        let token = &line[start..token_end];
        if let Some(body) = token.strip_suffix("]:") {
            if let Some((name, pid)) = body.rsplit_once('[') {
                if pid.bytes().all(|b| b.is_ascii_digit())
                    && !pid.is_empty()
                    && name.contains('/')
                    && (start == 0 || line.as_bytes()[start - 1] == b' ')
                {
                    let daemon = name.rsplit('/').next().unwrap_or(name);
                    return Some(((token_end + 1).min(line.len()), daemon));
                }
            }
        }
        from = start + 7;
    }
    None
}

/// The values of `to=`, `orig_to=`, `relay=` and `dsn=` in a `, `-separated list (angle
/// brackets dropped; the first of each counts), read in one pass.
#[derive(Default)]
struct Pairs<'a> {
    to: Option<&'a str>,
    orig_to: Option<&'a str>,
    relay: Option<&'a str>,
    dsn: Option<&'a str>,
}

fn pairs(fields: &str) -> Pairs<'_> {
    let mut p = Pairs::default();
    let mut rest = fields;
    loop {
        // Fields are separated by `, `; a comma alone belongs to the value.
        let (f, next) = match memmem::find(rest.as_bytes(), b", ") {
            Some(i) => (&rest[..i], Some(&rest[i + 2..])),
            None => (rest, None),
        };
        if let Some((key, v)) = f.split_once('=') {
            let slot = match key {
                "to" => &mut p.to,
                "orig_to" => &mut p.orig_to,
                "relay" => &mut p.relay,
                "dsn" => &mut p.dsn,
                _ => &mut None,
            };
            if slot.is_none() {
                *slot = Some(v.trim().trim_start_matches('<').trim_end_matches('>'));
            }
        }
        match next {
            Some(n) => rest = n,
            None => return p,
        }
    }
}

/// `mx.example[203.0.113.30]:25` → `mx.example`; `none` and `local` are no host.
fn relay_host(relay: &str) -> Option<String> {
    let host = relay.split('[').next().unwrap_or(relay);
    (!host.is_empty() && host != "none" && host != "local").then(|| host.to_string())
}

fn is_queue_id(s: &str) -> bool {
    (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl LineReader for Reader {
    fn line(&mut self, ctx: &mut Ctx<'_>, line_no: u64, line: &str) {
        let Some((body_at, daemon)) = tag_end(line) else {
            ctx.summary.ignored += 1;
            return;
        };
        let body = &line[body_at..];
        let Some((qid, rest)) =
            memmem::find(body.as_bytes(), b": ").map(|i| (&body[..i], &body[i + 2..]))
        else {
            ctx.summary.ignored += 1;
            return;
        };
        let is_reject = qid == "NOQUEUE" && rest.starts_with("reject: ");
        if !is_reject && !is_queue_id(qid) {
            ctx.summary.ignored += 1;
            return;
        }
        let Some((when, assumed, _)) = time::log_stamp(line, &ctx.opts.clock) else {
            let at = ctx.at_line(line_no);
            ctx.problem(at, "a Postfix line without a readable timestamp (syslog `Mar  5 10:15:02` or RFC 3339)");
            return;
        };
        ctx.summary.clock_assumed |= assumed;
        if is_reject {
            return self.reject(ctx, line_no, when, rest);
        }
        if self.queue.len() >= MAX_QUEUED {
            let dropped: Vec<String> = self.queue.keys().take(MAX_QUEUED / 2).cloned().collect();
            for k in dropped {
                self.queue.remove(&k);
            }
        }
        if let Some(mid) = rest.strip_prefix("message-id=") {
            self.queue.entry(qid.to_string()).or_default().message_id =
                super::json::message_id(mid);
            ctx.summary.ignored += 1;
        } else if rest == "removed" {
            self.queue.remove(qid);
            ctx.summary.ignored += 1;
        } else if rest.starts_with("to=<") {
            self.result(ctx, line_no, when, qid, rest);
        } else if daemon == "qmgr" && rest.contains("status=expired") {
            let q = self.queue.remove(qid).unwrap_or_default();
            for (rcpt, reply, mx) in q.deferred {
                let mut e = Event::new(
                    when,
                    rcpt,
                    Kind::Expired,
                    Service::Postfix,
                    ctx.at_line(line_no),
                );
                e.service_message_id = Some(qid.to_string());
                e.message_id = q.message_id.clone();
                e.reply = reply;
                e.mx_host = mx;
                e.reason = Some("status=expired, returned to sender".into());
                ctx.emit(e);
            }
            // Keep the id until `removed`: the bounce notice may follow.
            self.queue.insert(
                qid.to_string(),
                Queued {
                    message_id: q.message_id,
                    deferred: vec![],
                },
            );
        } else {
            ctx.summary.ignored += 1;
        }
    }
}

impl Reader {
    /// `to=<r>, [orig_to=<o>,] relay=R, ..., dsn=X.Y.Z, status=S (text)`.
    fn result(
        &mut self,
        ctx: &mut Ctx<'_>,
        line_no: u64,
        when: chrono::DateTime<chrono::Utc>,
        qid: &str,
        rest: &str,
    ) {
        let at = ctx.at_line(line_no);
        let Some(status_at) = memmem::find(rest.as_bytes(), b"status=") else {
            ctx.problem(at, "a Postfix to= line without status=");
            return;
        };
        let fields = &rest[..status_at];
        let status_part = &rest[status_at + "status=".len()..];
        let (status, text) = match status_part.split_once(' ') {
            Some((s, t)) => (s.trim_end_matches(','), t.trim()),
            None => (status_part.trim_end_matches(','), ""),
        };
        let text = text
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(text);
        let kind = match status {
            "sent" => Kind::Delivered,
            "deferred" => Kind::Deferred,
            "bounced" => Kind::Bounced,
            "expired" => Kind::Expired,
            // Address-verification probes, not mail.
            "deliverable" | "undeliverable" => {
                ctx.summary.ignored += 1;
                return;
            }
            other => {
                ctx.problem(at, format!("unknown Postfix status {other:?}"));
                return;
            }
        };
        let p = pairs(fields);
        let Some(to) = p.to else {
            ctx.problem(at, "a Postfix to= line without a recipient");
            return;
        };
        // The address the application wrote, when an alias rewrote it.
        let rcpt = p.orig_to.unwrap_or(to).to_string();
        let mut e = Event::new(when, rcpt.clone(), kind, Service::Postfix, at);
        e.reply = Reply::from_text(text);
        if let Some(dsn) = p.dsn.filter(|d| super::event::is_enhanced_status(d)) {
            e.reply.status = Some(dsn.to_string());
        }
        e.mx_host = p.relay.and_then(relay_host);
        e.service_message_id = Some(qid.to_string());
        let q = self.queue.entry(qid.to_string()).or_default();
        e.message_id = q.message_id.clone();
        q.deferred.retain(|(r, _, _)| *r != rcpt);
        if kind == Kind::Deferred {
            q.deferred.push((rcpt, e.reply.clone(), e.mx_host.clone()));
        }
        e.reason = Some(format!("status={status}"));
        ctx.emit(e);
    }

    /// `NOQUEUE: reject: RCPT from n[ip]: 554 5.7.1 <r>: why; from=<..> to=<..> proto=..`.
    fn reject(
        &mut self,
        ctx: &mut Ctx<'_>,
        line_no: u64,
        when: chrono::DateTime<chrono::Utc>,
        rest: &str,
    ) {
        let at = ctx.at_line(line_no);
        let (reply, envelope) = rest.rsplit_once("; ").unwrap_or((rest, ""));
        let Some(to) = envelope
            .split_whitespace()
            .find_map(|w| w.strip_prefix("to=<"))
            .map(|t| t.trim_end_matches('>'))
        else {
            ctx.problem(at, "a Postfix NOQUEUE reject without to=<...>");
            return;
        };
        let text = reply.split_once("]: ").map_or(reply, |(_, t)| t);
        let mut e = Event::new(when, to, Kind::Rejected, Service::Postfix, at);
        e.reply = Reply::from_text(text);
        e.reason = Some("NOQUEUE reject (never queued)".into());
        ctx.emit(e);
    }
}
