//! A master-file (RFC 1035 §5) reader that reads zone files as BIND does.
//!
//! hickory-proto 0.26's own parser keeps quote characters and treats `;` inside quotes as a
//! comment when a record spans parentheses (exactly what `opendkim-genkey` writes), and decodes
//! `\DDD` escapes above `\009` wrongly. A parsing defect must never become a finding about the
//! user's DNS, so this module tokenizes the file itself (quotes, escapes, parentheses, comments,
//! `$ORIGIN`, `$TTL`, omitted owner/TTL/class) and builds hickory records directly. Record types
//! the checks do not need are refused with a clear error rather than guessed at.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::str::FromStr;

use hickory_resolver::proto::rr::rdata::{self, MX, NULL, SOA, SRV, TXT};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

/// A zone file that could not be read; names the file, the line and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ZoneError {
    /// The file (or a label for text that came from elsewhere).
    pub file: String,
    /// 1-based line number (0 when the whole file is at fault).
    pub line: usize,
    /// What was wrong or expected.
    pub message: String,
}

impl std::fmt::Display for ZoneError {
    /// `FILE:LINE: message`, or `FILE: message` when no line is at fault (the file cannot be
    /// read): never a line 0 that no editor can go to.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.file, self.message),
            n => write!(f, "{}:{n}: {}", self.file, self.message),
        }
    }
}

/// The text of a zone file, or the error naming the line of its first byte that is not UTF-8.
/// A UTF-8 byte order mark is dropped; UTF-16 is named as such.
fn decode(bytes: &[u8], file: &str) -> Result<String, ZoneError> {
    let err = |line: usize, message: String| ZoneError {
        file: file.to_string(),
        line,
        message,
    };
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(err(
            1,
            "the file is UTF-16 (it starts with a UTF-16 byte order mark); expected ASCII or UTF-8 text: save it as UTF-8".into(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
            let column = at
                - bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            Err(err(
                line,
                format!(
                    "expected UTF-8 text, found the byte 0x{:02X} at column {column} (write other bytes inside quotes as \\DDD escapes, e.g. \\233)",
                    bytes[at]
                ),
            ))
        }
    }
}

/// One zone: its origin and its records.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The zone apex.
    pub origin: Name,
    /// Every record of the zone.
    pub records: Vec<Record>,
}

impl Zone {
    /// An empty zone for `origin` (e.g. `"."` or `"example.com"`).
    pub fn new(origin: &str) -> Result<Zone, ZoneError> {
        let origin = absolute(origin, &Name::root()).map_err(|m| ZoneError {
            file: "<zone>".into(),
            line: 0,
            message: m,
        })?;
        Ok(Zone {
            origin,
            records: vec![],
        })
    }

    /// Reads `path`; the origin is the file name without `.zone` unless the file sets `$ORIGIN`.
    pub fn from_file(path: &Path) -> Result<Zone, ZoneError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ZoneError {
            file: file.clone(),
            line: 0,
            message: format!("cannot read the zone file: {e}"),
        })?;
        let text = decode(&bytes, &file)?;
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| n.strip_suffix(".zone").unwrap_or(n))
            .unwrap_or(".");
        Zone::parse(&text, stem, &file)
    }

    /// Parses master-file `text` with the default origin `origin`; `file` labels errors.
    pub fn parse(text: &str, origin: &str, file: &str) -> Result<Zone, ZoneError> {
        let err = |line: usize, message: String| ZoneError {
            file: file.to_string(),
            line,
            message,
        };
        // The default origin comes from the file name; a name that is not a domain name is an
        // error only once a line needs it (a file that sets $ORIGIN first does not).
        let default_origin = absolute(origin, &Name::root());
        let mut origin = default_origin.clone().unwrap_or_else(|_| Name::root());
        let origin_needed = |n: usize| {
            default_origin.clone().map_err(|m| {
                err(
                    n,
                    format!(
                        "this line needs the zone's origin, and the file name gives none ({m}); expected a file named ORIGIN.zone (e.g. example.com.zone) or a $ORIGIN line before the first record"
                    ),
                )
            })
        };
        let mut origin_from_name = true;
        // Owners with a CNAME, and owners with other records: `(lowercase name, line)`.
        let mut cnames: std::collections::HashMap<String, usize> = Default::default();
        let mut others: std::collections::HashMap<String, usize> = Default::default();
        let mut zone_origin: Option<Name> = None;
        let mut default_ttl: Option<u32> = None;
        let mut last_owner: Option<Name> = None;
        let mut last_ttl: Option<u32> = None;
        let mut records = Vec::new();
        for line in tokenize(text).map_err(|(l, m)| err(l, m))? {
            let n = line.number;
            let toks = &line.tokens;
            if toks.is_empty() {
                continue;
            }
            let first = toks[0].text_lossy();
            if !toks[0].quoted && first.starts_with('$') {
                match first.to_ascii_uppercase().as_str() {
                    "$ORIGIN" => {
                        let name = toks
                            .get(1)
                            .ok_or_else(|| err(n, "$ORIGIN needs a name".into()))?;
                        if origin_from_name && !name.text_lossy().ends_with('.') {
                            origin = origin_needed(n)?;
                        }
                        origin_from_name = false;
                        origin = absolute(&name.text_lossy(), &origin).map_err(|m| err(n, m))?;
                        if zone_origin.is_none() && records.is_empty() {
                            zone_origin = Some(origin.clone());
                        }
                    }
                    "$TTL" => {
                        let t = toks
                            .get(1)
                            .ok_or_else(|| err(n, "$TTL needs a value".into()))?;
                        default_ttl = Some(parse_ttl(&t.text_lossy()).ok_or_else(|| {
                            err(
                                n,
                                format!(
                                    "$TTL: expected a time such as 3600 or 1h, found {:?}",
                                    t.text_lossy()
                                ),
                            )
                        })?);
                    }
                    other => {
                        return Err(err(
                            n,
                            format!(
                            "the directive {other} is not supported here (only $ORIGIN and $TTL)"
                        ),
                        ))
                    }
                }
                continue;
            }
            if origin_from_name {
                origin = origin_needed(n)?;
                origin_from_name = false;
            }
            let mut i = 0;
            let owner = if line.leading_blank {
                last_owner.clone().ok_or_else(|| {
                    err(
                        n,
                        "a record without an owner name, and no previous owner to repeat".into(),
                    )
                })?
            } else {
                i = 1;
                let o = toks[0].text_lossy();
                if o == "@" {
                    origin.clone()
                } else {
                    absolute(&o, &origin).map_err(|m| err(n, format!("owner name: {m}")))?
                }
            };
            let mut ttl: Option<u32> = None;
            // TTL and class may come in either order, each at most once.
            for _ in 0..2 {
                let Some(t) = toks.get(i) else { break };
                if t.quoted {
                    break;
                }
                let s = t.text_lossy();
                if ttl.is_none() && s.starts_with(|c: char| c.is_ascii_digit()) {
                    ttl = Some(
                        parse_ttl(&s)
                            .ok_or_else(|| err(n, format!("expected a TTL, found {s:?}")))?,
                    );
                    i += 1;
                } else if matches!(s.to_ascii_uppercase().as_str(), "IN" | "CH" | "HS" | "CS") {
                    if !s.eq_ignore_ascii_case("IN") {
                        return Err(err(n, format!("class {s} is not supported (only IN)")));
                    }
                    i += 1;
                }
            }
            let rtype_tok = toks.get(i).ok_or_else(|| {
                err(
                    n,
                    "expected a record type (A, AAAA, MX, TXT ...) after the owner".into(),
                )
            })?;
            let rtype_s = rtype_tok.text_lossy().to_ascii_uppercase();
            let rdata_toks = &toks[i + 1..];
            let rdata = build_rdata(&rtype_s, rdata_toks, &origin).map_err(|m| err(n, m))?;
            if let RData::SOA(soa) = &rdata {
                if default_ttl.is_none() {
                    default_ttl = Some(soa.minimum);
                }
            }
            // What the zone server would refuse, refused here where the line is known.
            let zone = match &zone_origin {
                Some(z) => z.clone(),
                None => origin_needed(n)?,
            };
            if !zone.zone_of(&owner) {
                return Err(err(
                    n,
                    format!(
                        "the record for {owner} lies outside the zone {zone} (set by the file name or the first $ORIGIN); expected a name under {zone}"
                    ),
                ));
            }
            let key = owner.to_lowercase().to_ascii();
            let is_cname = matches!(rdata, RData::CNAME(_));
            if let Some(first) = cnames.get(&key) {
                return Err(err(
                    n,
                    format!(
                        "{owner} already has a CNAME (line {first}); a CNAME must be the only record at its name (RFC 1034 §3.6.2, RFC 2181 §10.1)"
                    ),
                ));
            }
            if is_cname {
                if let Some(first) = others.get(&key) {
                    return Err(err(
                        n,
                        format!(
                            "a CNAME for {owner}, which already has other records (line {first}); a CNAME must be the only record at its name (RFC 1034 §3.6.2)"
                        ),
                    ));
                }
                cnames.insert(key, n);
            } else {
                others.entry(key).or_insert(n);
            }
            let ttl = ttl.or(default_ttl).or(last_ttl).unwrap_or(3600);
            last_ttl = Some(ttl);
            last_owner = Some(owner.clone());
            records.push(Record::from_rdata(owner, ttl, rdata));
        }
        let origin = match zone_origin {
            Some(z) => z,
            None => origin_needed(1)?,
        };
        Ok(Zone { origin, records })
    }

    /// Adds a record given in presentation form: `owner TTL TYPE data`, e.g.
    /// `("mail.example.com", 300, "A", "192.0.2.1")`. Relative names are taken under this zone.
    pub fn add(&mut self, owner: &str, ttl: u32, rtype: &str, data: &str) -> Result<(), ZoneError> {
        let line = format!("{owner} {ttl} IN {rtype} {data}\n");
        let parsed = Zone::parse(&line, &self.origin.to_ascii(), "<record>")?;
        self.records.extend(parsed.records);
        Ok(())
    }

    /// Adds a hickory record as is.
    pub fn push(&mut self, record: Record) {
        self.records.push(record);
    }
}

/// A name relative to `origin` unless it ends with a dot.
fn absolute(text: &str, origin: &Name) -> Result<Name, String> {
    if text == "@" {
        return Ok(origin.clone());
    }
    if text == "." {
        return Ok(Name::root());
    }
    let fq = text.ends_with('.');
    let body = text.strip_suffix('.').unwrap_or(text);
    let mut name =
        Name::from_ascii(body).map_err(|e| format!("{text:?} is not a valid name: {e}"))?;
    if fq {
        name.set_fqdn(true);
        Ok(name)
    } else {
        name.set_fqdn(false);
        name.append_domain(origin)
            .map_err(|e| format!("{text:?} under {origin} is not a valid name: {e}"))
    }
}

/// A TTL as a number of seconds or with BIND units (`1h30m`, `2d`, `1w`).
fn parse_ttl(s: &str) -> Option<u32> {
    if let Ok(v) = s.parse::<u32>() {
        return Some(v);
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(u64::from(d))?,
            );
        } else {
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return None,
            };
            total = total.checked_add(num.take()?.checked_mul(unit)?)?;
        }
    }
    if num.is_some() {
        return None;
    }
    u32::try_from(total).ok()
}

fn build_rdata(rtype: &str, toks: &[Token], origin: &Name) -> Result<RData, String> {
    let need = |k: usize, what: &str| -> Result<(), String> {
        if toks.len() < k {
            Err(format!("{rtype} needs {what}"))
        } else if toks.len() > k && !matches!(rtype, "TXT" | "SPF") {
            Err(format!(
                "{rtype} takes {what}; unexpected {:?}",
                toks[k].text_lossy()
            ))
        } else {
            Ok(())
        }
    };
    let name_at = |k: usize| absolute(&toks[k].text_lossy(), origin);
    let num = |k: usize, what: &str| -> Result<u32, String> {
        let s = toks[k].text_lossy();
        parse_ttl(&s).ok_or_else(|| format!("{rtype}: expected {what} (a number), found {s:?}"))
    };
    let u16_at = |k: usize, what: &str| -> Result<u16, String> {
        let s = toks[k].text_lossy();
        s.parse::<u16>()
            .map_err(|_| format!("{rtype}: expected {what} (0-65535), found {s:?}"))
    };
    let u8_at = |k: usize, what: &str| -> Result<u8, String> {
        let s = toks[k].text_lossy();
        s.parse::<u8>()
            .map_err(|_| format!("{rtype}: expected {what} (0-255), found {s:?}"))
    };
    Ok(match rtype {
        "A" => {
            need(1, "an IPv4 address")?;
            let s = toks[0].text_lossy();
            RData::A(rdata::A(
                Ipv4Addr::from_str(&s).map_err(|_| format!("A: {s:?} is not an IPv4 address"))?,
            ))
        }
        "AAAA" => {
            need(1, "an IPv6 address")?;
            let s = toks[0].text_lossy();
            RData::AAAA(rdata::AAAA(
                Ipv6Addr::from_str(&s).map_err(|_| format!("AAAA: {s:?} is not an IPv6 address"))?,
            ))
        }
        "MX" => {
            need(2, "a preference and a host name")?;
            RData::MX(MX::new(u16_at(0, "a preference")?, name_at(1)?))
        }
        "CNAME" => {
            need(1, "a target name")?;
            RData::CNAME(rdata::CNAME(name_at(0)?))
        }
        "NS" => {
            need(1, "a server name")?;
            RData::NS(rdata::NS(name_at(0)?))
        }
        "PTR" => {
            need(1, "a target name")?;
            RData::PTR(rdata::PTR(name_at(0)?))
        }
        "SOA" => {
            need(7, "mname rname serial refresh retry expire minimum")?;
            RData::SOA(SOA::new(
                name_at(0)?,
                name_at(1)?,
                num(2, "a serial")?,
                num(3, "a refresh time")? as i32,
                num(4, "a retry time")? as i32,
                num(5, "an expire time")? as i32,
                num(6, "a minimum TTL")?,
            ))
        }
        "SRV" => {
            need(4, "priority weight port target")?;
            RData::SRV(SRV::new(
                u16_at(0, "a priority")?,
                u16_at(1, "a weight")?,
                u16_at(2, "a port")?,
                name_at(3)?,
            ))
        }
        "TLSA" => {
            // RFC 6698 §2.2: usage selector matching-type, then the association data in hex
            // (may be split over several tokens). Served as type 52 in its wire format.
            if toks.len() < 4 {
                return Err("TLSA needs usage, selector, matching type and hex data".into());
            }
            let mut wire = vec![
                u8_at(0, "a certificate usage")?,
                u8_at(1, "a selector")?,
                u8_at(2, "a matching type")?,
            ];
            let hex: String = toks[3..].iter().map(|t| t.text_lossy()).collect();
            if !hex.len().is_multiple_of(2) || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("TLSA: {hex:?} is not hex data"));
            }
            for i in (0..hex.len()).step_by(2) {
                wire.push(u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string())?);
            }
            RData::Unknown {
                code: RecordType::TLSA,
                rdata: NULL::with(wire),
            }
        }
        "TXT" | "SPF" => {
            if toks.is_empty() {
                return Err(format!("{rtype} needs at least one character-string"));
            }
            let mut strings = Vec::with_capacity(toks.len());
            for t in toks {
                let bytes = t.decoded()?;
                if bytes.len() > 255 {
                    return Err(format!(
                        "{rtype}: a character-string is {} octets; at most 255 fit (split it into several quoted strings)",
                        bytes.len()
                    ));
                }
                strings.push(bytes);
            }
            let txt = TXT::from_bytes(strings.iter().map(Vec::as_slice).collect());
            if rtype == "TXT" {
                RData::TXT(txt)
            } else {
                // SPF (type 99) has the wire format of TXT (RFC 4408 §3.1.1).
                let mut wire = Vec::new();
                for s in &strings {
                    wire.push(s.len() as u8);
                    wire.extend_from_slice(s);
                }
                RData::Unknown {
                    code: RecordType::Unknown(99),
                    rdata: NULL::with(wire),
                }
            }
        }
        other => {
            return Err(format!(
                "record type {other:?} is not supported by the zone loader (A, AAAA, MX, TXT, SPF, CNAME, NS, PTR, SOA, SRV, TLSA are)"
            ))
        }
    })
}

/// One token of a logical line.
#[derive(Debug, Clone)]
struct Token {
    /// The raw text between delimiters (escapes not yet decoded).
    raw: String,
    quoted: bool,
}

impl Token {
    fn text_lossy(&self) -> String {
        self.raw.clone()
    }

    /// The bytes the token stands for, with `\X` and `\DDD` escapes decoded (RFC 1035 §5.1).
    fn decoded(&self) -> Result<Vec<u8>, String> {
        let b = self.raw.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' {
                if i + 4 <= b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
                    let v = u32::from(b[i + 1] - b'0') * 100
                        + u32::from(b[i + 2] - b'0') * 10
                        + u32::from(b[i + 3] - b'0');
                    if v > 255 {
                        return Err(format!(
                            "the escape \\{} is above \\255",
                            &self.raw[i + 1..i + 4]
                        ));
                    }
                    out.push(v as u8);
                    i += 4;
                } else if i + 1 < b.len() {
                    out.push(b[i + 1]);
                    i += 2;
                } else {
                    return Err("a backslash at the end of a string escapes nothing".into());
                }
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        Ok(out)
    }
}

struct LogicalLine {
    number: usize,
    leading_blank: bool,
    tokens: Vec<Token>,
}

/// Splits master-file text into logical lines: parentheses join physical lines, `;` starts a
/// comment outside quotes, quotes group text (with escapes kept raw for [`Token::decoded`]).
fn tokenize(text: &str) -> Result<Vec<LogicalLine>, (usize, String)> {
    let mut lines = Vec::new();
    let mut cur = LogicalLine {
        number: 1,
        leading_blank: false,
        tokens: vec![],
    };
    let mut depth = 0usize;
    let mut line_no = 1usize;
    let mut at_line_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_line_start && depth == 0 {
            cur.number = line_no;
            cur.leading_blank = c == ' ' || c == '\t';
        }
        at_line_start = false;
        match c {
            '\n' => {
                line_no += 1;
                at_line_start = true;
                if depth == 0 {
                    let done = std::mem::replace(
                        &mut cur,
                        LogicalLine {
                            number: line_no,
                            leading_blank: false,
                            tokens: vec![],
                        },
                    );
                    if !done.tokens.is_empty() {
                        lines.push(done);
                    }
                }
            }
            ' ' | '\t' | '\r' => {}
            ';' => {
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '(' => depth += 1,
            ')' => {
                if depth == 0 {
                    return Err((
                        line_no,
                        "a closing parenthesis without an opening one".into(),
                    ));
                }
                depth -= 1;
            }
            '"' => {
                let start = line_no;
                let mut raw = String::new();
                loop {
                    match chars.next() {
                        None => return Err((start, "a quoted string is not closed".into())),
                        Some('"') => break,
                        Some('\\') => {
                            raw.push('\\');
                            match chars.next() {
                                Some(n) => {
                                    if n == '\n' {
                                        line_no += 1;
                                    }
                                    raw.push(n)
                                }
                                None => {
                                    return Err((start, "a quoted string is not closed".into()))
                                }
                            }
                        }
                        Some('\n') => {
                            return Err((
                                start,
                                "a quoted string runs past the end of the line".into(),
                            ))
                        }
                        Some(o) => raw.push(o),
                    }
                }
                cur.tokens.push(Token { raw, quoted: true });
            }
            _ => {
                let mut raw = String::new();
                raw.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        raw.push(n);
                    }
                }
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '(' | ')' | ';' | '"') {
                        break;
                    }
                    chars.next();
                    raw.push(n);
                    if n == '\\' {
                        if let Some(m) = chars.next() {
                            raw.push(m);
                        }
                    }
                }
                cur.tokens.push(Token { raw, quoted: false });
            }
        }
    }
    if depth > 0 {
        return Err((cur.number, "an opening parenthesis is never closed".into()));
    }
    if !cur.tokens.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt_of(z: &Zone, i: usize) -> Vec<Vec<u8>> {
        match &z.records[i].data {
            RData::TXT(t) => t.txt_data.iter().map(|s| s.to_vec()).collect(),
            other => panic!("not TXT: {other:?}"),
        }
    }

    #[test]
    fn opendkim_genkey_output_keeps_quotes_and_semicolons_right() {
        let text = "s1._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  \"p=MIIBIjANBgkq\" )  ; ----- DKIM key s1 for example.com\n";
        let z = Zone::parse(text, "example.com", "t.zone").unwrap();
        assert_eq!(z.records.len(), 1);
        assert_eq!(z.records[0].name.to_ascii(), "s1._domainkey.example.com.");
        assert_eq!(
            txt_of(&z, 0),
            vec![
                b"v=DKIM1; h=sha256; k=rsa; ".to_vec(),
                b"p=MIIBIjANBgkq".to_vec()
            ]
        );
    }

    #[test]
    fn ddd_escapes_decode_to_the_right_byte() {
        let z = Zone::parse("a TXT \"caf\\233 \\034q\\034 \\065\\255\"\n", "x", "t").unwrap();
        assert_eq!(txt_of(&z, 0), vec![b"caf\xe9 \"q\" A\xff".to_vec()]);
        let e = Zone::parse("a TXT \"\\256\"\n", "x", "t").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn multi_line_soa_owner_repeat_ttl_units_and_origin() {
        let text = "$TTL 1h\n@ IN SOA ns1 hostmaster (\n  2024010101 ; serial\n  1d 2h 4w 5m )\n  IN MX 10 mx1\n\tMX 20 mx2.other.example.\nwww 300 A 192.0.2.1\n$ORIGIN sub.example.com.\nhost AAAA 2001:db8::1\n";
        let z = Zone::parse(text, "example.com", "t").unwrap();
        assert_eq!(z.origin.to_ascii(), "example.com.");
        assert_eq!(z.records.len(), 5);
        assert_eq!(z.records[1].name.to_ascii(), "example.com.");
        assert_eq!(z.records[1].ttl, 3600);
        match &z.records[2].data {
            RData::MX(mx) => assert_eq!(mx.exchange.to_ascii(), "mx2.other.example."),
            o => panic!("{o:?}"),
        }
        assert_eq!(z.records[3].ttl, 300);
        assert_eq!(z.records[4].name.to_ascii(), "host.sub.example.com.");
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        let e = Zone::parse("ok A 192.0.2.1\nbad A 300.1.1.1\n", "x", "f.zone").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("f.zone", 2));
        assert!(e.message.contains("IPv4"), "{e}");
        let e = Zone::parse("a TXT ( \"x\"\n", "x", "f.zone").unwrap_err();
        assert!(e.message.contains("parenthesis"), "{e}");
        let e = Zone::parse("a HINFO x y\n", "x", "f.zone").unwrap_err();
        assert!(e.message.contains("not supported"), "{e}");
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("2d"), Some(172_800));
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("10x"), None);
    }

    /// #17 defect 9: a zone file error was reported at line 0 (`FILE:0: ...`) when the file was
    /// not UTF-8, when its name gave no origin, and not at all (no file, no line) for a record
    /// outside the zone or a CNAME beside other data, which only the zone server refused.
    #[test]
    fn zone_file_errors_name_the_real_line_never_line_0() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let cases: Vec<(std::path::PathBuf, usize, &str)> = vec![
            (
                write(
                    "bytes.example.zone",
                    b"ok A 192.0.2.1\n; fine\nbad TXT \"caf\xe9\"\n",
                ),
                3,
                "expected UTF-8 text, found the byte 0xE9 at column 13",
            ),
            (
                write("utf16.example.zone", b"\xff\xfeo\x00k\x00"),
                1,
                "UTF-16",
            ),
            (
                write("a..b.zone", b"; a comment\nok A 192.0.2.1\n"),
                2,
                "the file name gives none",
            ),
            (
                write(
                    "out.example.zone",
                    b"ok A 192.0.2.1\n$ORIGIN other.example.\nx A 192.0.2.2\n",
                ),
                3,
                "outside the zone out.example.",
            ),
            (
                write(
                    "cname.example.zone",
                    b"www CNAME ok\nok A 192.0.2.1\nwww A 192.0.2.2\n",
                ),
                3,
                "already has a CNAME (line 1)",
            ),
            (
                write("cname2.example.zone", b"www A 192.0.2.2\nwww CNAME ok\n"),
                2,
                "other records (line 1)",
            ),
        ];
        for (path, line, expected) in cases {
            let e = Zone::from_file(&path).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(expected), "{e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("{}:{line}: ", path.display())),
                "{e}"
            );
        }
        // A file that cannot be read has no line at fault, and says so without a ":0".
        let e = Zone::from_file(&dir.path().join("missing.zone")).unwrap_err();
        assert_eq!(e.line, 0);
        assert!(!e.to_string().contains(":0:"), "{e}");
        // A UTF-8 byte order mark is not part of the first owner name.
        let z =
            Zone::from_file(&write("bom.example.zone", b"\xef\xbb\xbfok A 192.0.2.1\n")).unwrap();
        assert_eq!(z.records[0].name.to_ascii(), "ok.bom.example.");
        // A file name that is no domain name is fine when the file sets $ORIGIN first.
        let z = Zone::from_file(&write(
            "x..y.zone",
            b"$ORIGIN good.example.\nok A 192.0.2.1\n",
        ))
        .unwrap();
        assert_eq!(z.origin.to_ascii(), "good.example.");
    }
}
