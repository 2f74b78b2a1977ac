//! CSV suppression exports (SendGrid's UI export, Mailgun's bounce CSV, hand-made lists), mapped
//! by column *names*, since the services' export columns are partly **unverified**: an address
//! column (`email`, `address`, `email_address`, `recipient`), a time column (`created`,
//! `created_at`, `date`, `LastUpdateTime`), and optionally a reason (`reason`, `error`,
//! `SuppressionReason`) and a code or status. Every row is a suppression-list record.

use std::io::BufRead;

use super::event::{unwrap_address, Event, Kind, Reply, Service};
use super::{time, Ctx};

const ADDRESS: &[&str] = &[
    "email",
    "address",
    "email_address",
    "emailaddress",
    "recipient",
    "email address",
];
const TIME: &[&str] = &[
    "created",
    "created_at",
    "createdat",
    "date",
    "lastupdatetime",
    "suppressed_at",
    "time",
];
const REASON: &[&str] = &["reason", "error", "suppressionreason", "suppression_reason"];
const CODE: &[&str] = &["status", "code"];
const LIST: &[&str] = &["list", "type"];

fn norm(h: &str) -> String {
    h.trim().trim_matches('"').to_ascii_lowercase()
}

/// True when a (lowercase) header line names an address column.
pub(crate) fn header_names_an_address(first: &str) -> bool {
    first
        .split([',', ';', '\t'])
        .any(|h| ADDRESS.contains(&norm(h).as_str()))
}

pub(crate) fn read(ctx: &mut Ctx<'_>, input: &mut impl BufRead) {
    let mut first = Vec::new();
    let delimiter = match input.fill_buf() {
        Ok(head) => {
            first.extend_from_slice(head.split(|&b| b == b'\n').next().unwrap_or(b""));
            let count = |c: u8| first.iter().filter(|&&b| b == c).count();
            [b',', b';', b'\t']
                .into_iter()
                .max_by_key(|c| count(*c))
                .unwrap_or(b',')
        }
        Err(_) => b',',
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(norm).collect(),
        Err(e) => {
            let at = ctx.at_line(1);
            ctx.problem(at, format!("cannot read the CSV header: {e}"));
            return;
        }
    };
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(addr_col) = col(ADDRESS) else {
        let at = ctx.at_line(1);
        ctx.problem(
            at,
            "a CSV export without an address column (email, address, email_address or recipient)",
        );
        return;
    };
    let (time_col, reason_col, code_col, list_col) = (col(TIME), col(REASON), col(CODE), col(LIST));
    let mut row = csv::StringRecord::new();
    loop {
        // Where the next record starts (1-based): a record that fails is reported there.
        let line = rdr.position().line().max(1);
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                ctx.summary.records += 1;
                let line = row.position().map_or(line, |p| p.line());
                let at = ctx.at_line(line);
                let field = |c: Option<usize>| {
                    c.and_then(|c| row.get(c))
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                };
                let Some(addr) = field(Some(addr_col)) else {
                    ctx.problem(at, "a row without an address");
                    continue;
                };
                let Some(when) = field(time_col).and_then(time::parse) else {
                    ctx.problem(
                        at,
                        "a row without a readable time (unix seconds or an ISO 8601 date)",
                    );
                    continue;
                };
                let mut e = Event::new(
                    when,
                    unwrap_address(addr),
                    Kind::Suppressed,
                    Service::Csv,
                    at,
                );
                e.reason = field(reason_col).map(str::to_string);
                e.reply = e
                    .reason
                    .as_deref()
                    .map(Reply::from_text)
                    .unwrap_or_default();
                if let Some(code) = field(code_col) {
                    if super::event::is_enhanced_status(code) {
                        e.reply.status = Some(code.to_string());
                    } else if let Ok(c) = code.parse() {
                        e.reply.code = Some(c);
                    }
                }
                e.list = Some(field(list_col).map_or_else(
                    || format!("suppression export {}", ctx.file),
                    str::to_string,
                ));
                e.list_record = true;
                ctx.emit(e);
            }
            Err(err) => {
                ctx.summary.records += 1;
                let at = ctx.at_line(err.position().map_or(line, |p| p.line()));
                ctx.problem(at, format!("not a CSV row ({err})"));
                if !matches!(
                    err.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
}
