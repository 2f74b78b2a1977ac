//! Gateway allowlists as admins keep them, and their matching semantics.
//!
//! Formats: plain text (one entry per line, `#` comments), CSV (a chosen column, header row
//! optional), or TOML with `domains` and `ips` arrays. An entry is:
//!
//! | entry | matches |
//! |---|---|
//! | `example.com` | exactly `example.com`, not its subdomains |
//! | `*.example.com` or `.example.com` | every subdomain of `example.com`, not `example.com` itself |
//! | `192.0.2.7`, `2001:db8::7` | that address (IPv4-mapped IPv6 `::ffff:a.b.c.d` is the IPv4 address) |
//! | `192.0.2.0/24` | that network; host bits set (`192.0.2.7/24`) is refused with the network it probably means |
//! | `192.0.2.10-192.0.2.20` | that inclusive range |
//!
//! Every line that does not parse is kept as an [`InvalidLine`] with its number and the reason;
//! the rest is still used. Matching goes through [`super::index`], never a scan.

use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;

use crate::error::{Error, Result};

/// What one allowlist entry admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// Exactly this domain.
    Domain(String),
    /// Every subdomain of this domain (`*.d` or `.d`), not the domain itself.
    Subdomains(String),
    /// A network (a single address is a /32 or /128).
    Net(IpNet),
    /// An inclusive address range of one family.
    Range(IpAddr, IpAddr),
}

/// One usable entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line in the file.
    pub line: usize,
    /// The entry as written.
    pub text: String,
    /// What it admits.
    pub kind: EntryKind,
}

/// A line that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLine {
    /// 1-based line in the file.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
    /// The entry it probably means (e.g. the network for a CIDR with host bits set).
    pub suggestion: Option<String>,
}

/// A parsed gateway allowlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    /// Where it came from.
    pub file: String,
    /// Usable entries, in file order.
    pub entries: Vec<Entry>,
    /// Lines that were refused.
    pub invalid: Vec<InvalidLine>,
    /// How many lines held an entry (used or refused); blank and comment lines are not counted.
    pub entry_lines: usize,
}

/// The file layout of an allowlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFormat {
    /// One entry per line.
    Plain,
    /// CSV; the entry is in this column (a header name, or a 1-based number).
    Csv(String),
    /// TOML with `domains` and `ips` arrays.
    Toml,
}

impl Allowlist {
    /// Reads an allowlist; the format comes from the extension (`.csv` uses `column`, default
    /// the first) unless given.
    pub fn load(path: &Path, format: Option<ListFormat>) -> Result<Allowlist> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
        let format = format.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => ListFormat::Csv("1".into()),
            Some("toml") => ListFormat::Toml,
            _ => ListFormat::Plain,
        });
        Allowlist::parse(&text, &file, &format)
    }

    /// Parses allowlist text in `format`; `file` labels errors.
    pub fn parse(text: &str, file: &str, format: &ListFormat) -> Result<Allowlist> {
        let mut list = Allowlist {
            file: file.to_string(),
            ..Default::default()
        };
        match format {
            ListFormat::Plain => {
                for (i, raw) in text.lines().enumerate() {
                    let body = raw.split('#').next().unwrap_or("").trim();
                    if !body.is_empty() {
                        list.add(i + 1, body);
                    }
                }
            }
            ListFormat::Csv(column) => parse_csv(text, file, column, &mut list)?,
            ListFormat::Toml => parse_toml(text, file, &mut list)?,
        }
        Ok(list)
    }

    /// The allowlist a gateway following `profile` exactly would have: its domains (exact) and
    /// its networks.
    pub fn from_profile(profile: &super::SenderProfile) -> Allowlist {
        let mut list = Allowlist {
            file: format!("{} (sender profile)", profile.name),
            ..Default::default()
        };
        for d in &profile.domains {
            list.entries.push(Entry {
                line: 0,
                text: d.clone(),
                kind: EntryKind::Domain(d.clone()),
            });
        }
        for n in &profile.ips {
            list.entries.push(Entry {
                line: 0,
                text: n.to_string(),
                kind: EntryKind::Net(*n),
            });
        }
        list.entry_lines = list.entries.len();
        list
    }

    fn add(&mut self, line: usize, text: &str) {
        self.entry_lines += 1;
        match parse_entry(text) {
            Ok(kind) => self.entries.push(Entry {
                line,
                text: text.to_string(),
                kind,
            }),
            Err((reason, suggestion)) => self.invalid.push(InvalidLine {
                line,
                text: text.to_string(),
                reason,
                suggestion,
            }),
        }
    }
}

fn parse_csv(text: &str, file: &str, column: &str, list: &mut Allowlist) -> Result<()> {
    let mut rows = csv_rows(text, file);
    let idx = if let Ok(n) = column.parse::<usize>() {
        if n == 0 {
            return Err(Error::Input {
                file: file.into(),
                message: "CSV column numbers count from 1; column 0 does not exist".into(),
            });
        }
        n - 1
    } else {
        let Some(header) = rows.next() else {
            return Err(Error::Parse {
                file: file.into(),
                line: 1,
                message: format!("empty CSV: expected a header row with a column {column:?}"),
            });
        };
        let (line, _, cols) = header?;
        cols.iter()
            .position(|c| c.trim().eq_ignore_ascii_case(column))
            .ok_or_else(|| Error::Parse {
                file: file.into(),
                line,
                message: format!(
                    "no column {column:?} in the header (columns: {})",
                    cols.iter().collect::<Vec<_>>().join(", ")
                ),
            })?
    };
    for row in rows {
        let (line, raw, cells) = row?;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        match cells.get(idx).map(|c| c.trim()) {
            Some(c) if !c.is_empty() => list.add(line, c),
            Some(_) => {}
            None => {
                list.entry_lines += 1;
                list.invalid.push(InvalidLine {
                    line,
                    text: raw.to_string(),
                    reason: format!(
                        "the row has {} columns; the entry column is number {}",
                        cells.len(),
                        idx + 1
                    ),
                    suggestion: None,
                });
            }
        }
    }
    Ok(())
}

/// The CSV records of `text` (RFC 4180 quoting, read by the csv crate; a quoted cell may span
/// lines, as spreadsheets write them), each with the line it starts on (1-based, counted as
/// [`str::lines`] counts) and that line's raw text, which decides comments and is quoted when the
/// row is unusable. Lines starting with `#` are skipped by the reader too, so that a quote in a
/// comment never opens a cell.
fn csv_rows<'t>(
    text: &'t str,
    file: &str,
) -> impl Iterator<Item = Result<(usize, &'t str, csv::StringRecord)>> + 't {
    let file = file.to_string();
    // The last record start seen and its line: lines are counted from there, once.
    let (mut at, mut line) = (0usize, 1usize);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes())
        .into_records()
        .map(move |row| {
            let row = row.map_err(|e| Error::Parse {
                file: file.clone(),
                line: e.position().map_or(0, |p| p.line() as usize),
                message: format!("unreadable CSV: {e}"),
            })?;
            let start = record_start(text, row.position().map_or(at, |p| p.byte() as usize));
            let skipped = text.as_bytes().get(at..start).unwrap_or_default();
            line += skipped.iter().filter(|&&b| b == b'\n').count();
            at = start;
            let raw = text.get(start..).unwrap_or("").lines().next().unwrap_or("");
            Ok((line, raw, row))
        })
}

/// Where a record's own text starts. The csv crate puts a record at the end of the one before
/// it, ahead of the blank and `#` lines it skipped, so its line number would be that of the
/// first skipped line.
fn record_start(text: &str, mut at: usize) -> usize {
    loop {
        let rest = text.get(at..).unwrap_or("");
        at += if rest.starts_with('#') {
            rest.find('\n').map_or(rest.len(), |i| i + 1)
        } else if rest.starts_with("\r\n") {
            2
        } else if rest.starts_with(['\n', '\r']) {
            1
        } else {
            return at;
        };
    }
}

fn parse_toml(text: &str, file: &str, list: &mut Allowlist) -> Result<()> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        domains: Vec<toml::Spanned<String>>,
        #[serde(default)]
        ips: Vec<toml::Spanned<String>>,
    }
    let raw: Raw = toml::from_str(text).map_err(|e| Error::Parse {
        file: file.into(),
        line: e
            .span()
            .map(|s| crate::error::line_of(text, s.start))
            .unwrap_or(0),
        message: format!(
            "{} (an allowlist in TOML has domains and ips arrays)",
            e.message().trim()
        ),
    })?;
    for s in raw.domains.iter().chain(raw.ips.iter()) {
        list.add(
            crate::error::line_of(text, s.span().start),
            s.get_ref().trim(),
        );
    }
    Ok(())
}

/// Lowercases a domain, strips one trailing dot, converts to A-labels; `None` when not a name.
pub(crate) fn normalize_domain(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('.');
    if s.is_empty() || s.len() > 253 || s.starts_with('.') {
        return None;
    }
    let ascii = if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(s).ok()?
    };
    let ok = ascii.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    // A top-level label is never all digits (RFC 3696 §2), so `300.1.1.1` is a bad address,
    // not a domain.
    let tld_numeric = ascii
        .rsplit('.')
        .next()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
    (ok && ascii.contains('.') && !tld_numeric).then_some(ascii)
}

/// An address with IPv4-mapped IPv6 normalized to IPv4.
pub(crate) fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Parses an address or a CIDR network; host bits set is an error naming the network meant.
pub(crate) fn parse_net_strict(s: &str) -> std::result::Result<IpNet, String> {
    parse_net(s).map_err(|(m, _)| m)
}

fn parse_net(s: &str) -> std::result::Result<IpNet, (String, Option<String>)> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(IpNet::from(canonical_ip(ip)));
    }
    let (addr, len) = s
        .split_once('/')
        .ok_or_else(|| (format!("{s:?} is not an IP address or network"), None))?;
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| (format!("{addr:?} is not an IP address"), None))?;
    let len: u8 = len
        .parse()
        .map_err(|_| (format!("the prefix length {len:?} is not a number"), None))?;
    let (ip, len) = match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() && len >= 96 => {
            (canonical_ip(ip), len - 96)
        }
        _ => (ip, len),
    };
    let net = IpNet::new(ip, len).map_err(|_| {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        (
            format!("the prefix length /{len} is longer than /{max}"),
            None,
        )
    })?;
    if net.network() != ip {
        let meant = net.trunc().to_string();
        return Err((
            format!("{s} has host bits set: the network of {ip}/{len} is {meant}"),
            Some(meant),
        ));
    }
    Ok(net)
}

fn parse_entry(s: &str) -> std::result::Result<EntryKind, (String, Option<String>)> {
    let s = s.trim();
    if s.contains('/') || s.parse::<IpAddr>().is_ok() {
        return parse_net(s).map(EntryKind::Net);
    }
    if let Some((a, b)) = s
        .split_once('-')
        .filter(|(a, b)| a.trim().parse::<IpAddr>().is_ok() || b.trim().parse::<IpAddr>().is_ok())
    {
        let a: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| (format!("range start {a:?} is not an IP address"), None))?;
        let b: IpAddr = b
            .trim()
            .parse()
            .map_err(|_| (format!("range end {b:?} is not an IP address"), None))?;
        let (a, b) = (canonical_ip(a), canonical_ip(b));
        if a.is_ipv4() != b.is_ipv4() {
            return Err(("a range must not mix IPv4 and IPv6".into(), None));
        }
        if a > b {
            return Err((
                format!("the range start {a} is after its end {b}"),
                Some(format!("{b}-{a}")),
            ));
        }
        return Ok(EntryKind::Range(a, b));
    }
    let (sub, name) = if let Some(rest) = s.strip_prefix("*.") {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('.') {
        (true, rest)
    } else {
        (false, s)
    };
    if name.contains('*') {
        return Err((
            format!("{s:?}: a wildcard is only allowed as the first label (*.example.com)"),
            None,
        ));
    }
    let name = name.strip_prefix('@').unwrap_or(name);
    match normalize_domain(name) {
        Some(d) if sub => Ok(EntryKind::Subdomains(d)),
        Some(d) => Ok(EntryKind::Domain(d)),
        None if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
            Err((format!("{s:?} is not a valid IPv4 address"), None))
        }
        None => Err((
            format!("{s:?} is not a domain, address, network (a.b.c.d/n) or range (a-b)"),
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> Allowlist {
        Allowlist::parse(t, "gw.txt", &ListFormat::Plain).unwrap()
    }

    #[test]
    fn every_form_of_entry() {
        let l = plain("# vendor\nprocore.com\n*.procore.com\n.sendgrid.net\n137.22.225.98\n::ffff:167.89.22.86\n10.0.0.0/8\n2001:db8::/32\n192.0.2.10 - 192.0.2.20\n");
        assert!(l.invalid.is_empty(), "{:?}", l.invalid);
        assert_eq!(l.entries.len(), 8);
        assert_eq!(l.entries[0].kind, EntryKind::Domain("procore.com".into()));
        assert_eq!(
            l.entries[1].kind,
            EntryKind::Subdomains("procore.com".into())
        );
        assert_eq!(
            l.entries[2].kind,
            EntryKind::Subdomains("sendgrid.net".into())
        );
        assert_eq!(
            l.entries[4].kind,
            EntryKind::Net("167.89.22.86/32".parse().unwrap())
        );
        assert_eq!(l.entries[0].line, 2);
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_reason_and_the_rest_is_used() {
        let l = plain("procore.com\n10.0.0.1/24\n300.1.1.1\nfoo bar\n1.2.3.9-1.2.3.1\n*.*.x.com\nok.example\n");
        assert_eq!(l.entries.len(), 2);
        let lines: Vec<usize> = l.invalid.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6]);
        assert_eq!(l.invalid[0].suggestion.as_deref(), Some("10.0.0.0/24"));
        assert!(l.invalid[0].reason.contains("host bits"));
        assert_eq!(l.entry_lines, 7);
    }

    #[test]
    fn csv_with_a_named_column_and_toml() {
        let l = Allowlist::parse(
            "name,value,comment\nprocore,procore.com,\"mail, main\"\nip,137.22.225.98,x\nbad,,\n",
            "gw.csv",
            &ListFormat::Csv("value".into()),
        )
        .unwrap();
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[1].line, 3);
        let e = Allowlist::parse("a,b\n", "gw.csv", &ListFormat::Csv("nope".into())).unwrap_err();
        assert!(e.to_string().contains("gw.csv:1"), "{e}");
        let t = Allowlist::parse(
            "domains = [\"procore.com\",\n  \"bad domain\"]\nips = [\"10.0.0.0/8\"]\n",
            "gw.toml",
            &ListFormat::Toml,
        )
        .unwrap();
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.invalid[0].line, 2);
    }

    /// Guards the CSV line numbers: a quoted cell spanning lines, comments (with a quote in
    /// them) and blank lines do not shift the line of the entries after them.
    #[test]
    fn csv_lines_count_multiline_cells_comments_and_blank_lines() {
        let text = "kind,value,note\n\n# a comment, \"with a quote\n  # indented\ndomain,procore.com,\"line one\nline two\"\nip,137.22.225.98,x\nshort\n";
        let l = Allowlist::parse(text, "gw.csv", &ListFormat::Csv("value".into())).unwrap();
        let lines: Vec<usize> = l.entries.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![5, 7]);
        assert_eq!(l.invalid.len(), 1);
        assert_eq!(l.invalid[0].line, 8);
        assert_eq!(l.invalid[0].text, "short");
        assert!(
            l.invalid[0].reason.contains("1 columns"),
            "{}",
            l.invalid[0].reason
        );
        // The header need not be on line 1; an unknown column names the header's line.
        let e = Allowlist::parse(
            "\n\nkind,note\nx,y\n",
            "gw.csv",
            &ListFormat::Csv("value".into()),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("gw.csv:3:"), "{e}");
        let l = Allowlist::parse(
            "\r\n\r\nprocore.com\r\n",
            "gw.csv",
            &ListFormat::Csv("1".into()),
        );
        assert_eq!(l.unwrap().entries[0].line, 3);
    }
}
