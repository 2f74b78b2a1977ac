//! Loading directory exports: CSV with a header row (columns mapped by name) and JSON (an array
//! of objects). Values are read tolerantly (yes/no/true/false/1/0, statuses in any case, RFC 3339
//! timestamps or plain dates); a row that still cannot be read is reported with its line and
//! column and skipped, and loading goes on.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use super::split::{lenient_fields, width_problem, RawRow, Rows};
use super::{Status, User};
use crate::error::{Error, Result};

/// Which export column holds each field. Defaults: the field names themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap(pub BTreeMap<String, String>);

/// The fields a directory row has.
pub(crate) const FIELDS: [&str; 8] = [
    "email",
    "name",
    "status",
    "send_messages",
    "invited_at",
    "last_invited_at",
    "last_login_at",
    "relationship",
];

impl Default for ColumnMap {
    fn default() -> Self {
        ColumnMap(
            FIELDS
                .iter()
                .map(|f| (f.to_string(), f.to_string()))
                .collect(),
        )
    }
}

impl ColumnMap {
    /// The default map with `overrides` (field → column header) applied.
    pub fn with_overrides(
        overrides: &BTreeMap<String, String>,
    ) -> std::result::Result<ColumnMap, String> {
        let mut m = ColumnMap::default();
        for (field, col) in overrides {
            if !FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "unknown directory field {field:?} (fields: {})",
                    FIELDS.join(", ")
                ));
            }
            m.0.insert(field.clone(), col.clone());
        }
        Ok(m)
    }
}

/// A row that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// 1-based line of the file.
    pub line: usize,
    /// The column (header name) at fault, if one is.
    pub column: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
    /// The row's address as far as it can be read (the email column's value, or the one value
    /// with an @ when the columns cannot be told apart): a lookup of that address must say that
    /// the person's row was skipped, not that they have no account. Not in batch records, which
    /// show the row's line.
    #[serde(skip)]
    pub address: Option<String>,
    /// The file cannot be read from this row on (an I/O error): a whole-file load refuses the
    /// file rather than answer for rows it never saw.
    #[serde(skip)]
    pub(crate) fatal: bool,
}

impl RowProblem {
    /// One line for a log: `users.csv:21: row skipped: column status: "Sleeping" is not a
    /// status (...)` (outside text: sanitize before a terminal).
    pub fn describe(&self, file: &str) -> String {
        format!(
            "{file}:{}: row skipped: {}{}",
            self.line,
            self.column
                .as_deref()
                .map(|c| format!("column {c}: "))
                .unwrap_or_default(),
            self.message
        )
    }
}

/// The address among the `fields` of a row that could not be used: the value in the email
/// column if it has an @, else the only value with one.
fn readable_address(fields: &[String], email_at: Option<usize>) -> Option<String> {
    let with_at = |v: &&String| v.contains('@');
    if let Some(v) = email_at.and_then(|i| fields.get(i)).filter(with_at) {
        return Some(v.clone());
    }
    let mut all = fields.iter().filter(with_at);
    match (all.next(), all.next()) {
        (Some(one), None) => Some(one.clone()),
        _ => None,
    }
}

/// Accounts read from a file, the rows that were skipped, and notes about the header.
#[derive(Debug, Clone, Default)]
pub struct LoadedDirectory {
    /// Where they came from.
    pub file: String,
    /// The usable accounts.
    pub users: Vec<User>,
    /// The skipped rows.
    pub problems: Vec<RowProblem>,
    /// Header columns that look like a field but are not mapped to it, each with the
    /// `[directory_columns]` line that would map it (see [`CsvRows::notes`]).
    pub notes: Vec<String>,
}

/// Reads a directory export; `.json` is JSON, anything else CSV (streamed).
pub fn load_file(path: &Path, columns: &ColumnMap) -> Result<LoadedDirectory> {
    let file = path.display().to_string();
    let read_error = |source| Error::Read {
        file: file.clone(),
        source,
    };
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        let bytes = std::fs::read(path).map_err(read_error)?;
        parse_json_bytes(&bytes, &file)
    } else {
        let f = std::fs::File::open(path).map_err(read_error)?;
        collect(stream_csv(f, &file, columns)?, &file)
    }
}

fn collect<R: std::io::Read>(rows: CsvRows<R>, file: &str) -> Result<LoadedDirectory> {
    let mut out = LoadedDirectory {
        file: file.into(),
        notes: rows.notes().to_vec(),
        ..Default::default()
    };
    for row in rows {
        match row {
            Ok(u) => out.users.push(u),
            Err(p) if p.fatal => {
                // Every row after this one is unknown: any answer about an address could be
                // wrong, so the file is refused.
                return Err(Error::Parse {
                    file: file.into(),
                    line: p.line,
                    message: p.message,
                });
            }
            Err(p) => out.problems.push(p),
        }
    }
    Ok(out)
}
fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "on" | "enabled" => Some(true),
        "no" | "n" | "false" | "0" | "off" | "disabled" => Some(false),
        _ => None,
    }
}

fn parse_status(s: &str) -> Option<Status> {
    let norm: String = s
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if norm.is_empty() && !s.trim().is_empty() {
        return None;
    }
    match norm.as_str() {
        "active" => Some(Status::Active),
        "inactive" | "deactivated" | "disabled" => Some(Status::Inactive),
        "invited" | "pending" => Some(Status::Invited),
        "notinvited" | "uninvited" | "" => Some(Status::NotInvited),
        _ => None,
    }
}

/// An RFC 3339 timestamp or a plain `YYYY-MM-DD` date (midnight UTC); empty is none.
pub fn parse_time(s: &str) -> std::result::Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Some(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()));
    }
    Err(format!(
        "{s:?} is not a date (expected 2026-11-23 or 2026-11-23T09:30:00Z)"
    ))
}

/// Builds a user from field values; errors name the field.
fn build(
    line: usize,
    get: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<User, (String, String)> {
    let field = |f: &str| {
        get(f)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // The address as stored (only the CSV layout around it dropped): the product sends to this
    // text, so a no-break space or a zero-width character in it is kept for the checks to see.
    let email = get("email")
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ("email".to_string(), "the address is empty".to_string()))?;
    let status = match field("status") {
        None => Status::NotInvited,
        Some(s) => parse_status(&s).ok_or_else(|| {
            (
                "status".to_string(),
                format!(
                    "{s:?} is not a status (expected Active, Inactive, Invited or Not invited)"
                ),
            )
        })?,
    };
    let send_messages = match field("send_messages") {
        None => true,
        Some(s) => parse_bool(&s).ok_or_else(|| {
            (
                "send_messages".to_string(),
                format!("{s:?} is not yes/no/true/false/1/0"),
            )
        })?,
    };
    let time = |f: &str| parse_time(&field(f).unwrap_or_default()).map_err(|m| (f.to_string(), m));
    Ok(User {
        line,
        email,
        name: field("name"),
        status,
        send_messages,
        invited_at: time("invited_at")?,
        last_invited_at: time("last_invited_at")?,
        last_login_at: time("last_login_at")?,
        relationship: field("relationship"),
    })
}

/// Parses a CSV export with a header row.
pub fn parse_csv(text: &str, file: &str, columns: &ColumnMap) -> Result<LoadedDirectory> {
    collect(stream_csv(text.as_bytes(), file, columns)?, file)
}

/// The fields a directory must have a column for: without a status every account would read as
/// "never invited", without an address there is nothing to look up.
pub(crate) const REQUIRED: [&str; 2] = ["email", "status"];

/// Rows of a CSV export read one at a time, so a directory of any size takes constant memory.
/// Every row gives one item, in file order: a user, or a [`RowProblem`] naming its line.
pub struct CsvRows<R: std::io::Read> {
    rows: Rows<R>,
    width: usize,
    index: BTreeMap<&'static str, Option<usize>>,
    columns: ColumnMap,
    notes: Vec<String>,
}

impl<R: std::io::Read> std::fmt::Debug for CsvRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows").finish_non_exhaustive()
    }
}

impl<R: std::io::Read> CsvRows<R> {
    /// Header columns that look like an optional field but are not mapped to it (their values
    /// are not read), each with the config line that maps it, e.g.
    /// `users.csv:1: column "Last Login" looks like last_login_at but is not read; to read it,
    /// add under [directory_columns] in the config: last_login_at = "Last Login"`.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Lower-case letters and digits only: `E-mail Address` → `emailaddress`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// True when a header named `header` most likely holds `field` under another name.
fn looks_like(field: &str, header: &str) -> bool {
    let h = squash(header);
    let has = |k: &str| h.contains(k);
    let last = has("last") || has("latest") || has("reinvit") || has("recent");
    match field {
        "email" => has("mail"),
        "name" => has("name") && !has("mail"),
        "status" => has("status") || has("state"),
        "send_messages" => has("message") || has("notif") || has("sendmail"),
        "invited_at" => has("invit") && !last && !has("status"),
        "last_invited_at" => has("invit") && last && !has("status"),
        "last_login_at" => has("login") || has("signin") || has("lastseen") || has("lastactiv"),
        "relationship" => has("relation") || has("usertype") || has("accounttype"),
        _ => false,
    }
}

/// `field = "Column"`, the line that maps a column in the config's `[directory_columns]`.
fn mapping_line(field: &str, column: &str) -> String {
    format!("{field} = {}", toml::Value::String(column.to_string()))
}

/// Starts reading a CSV export from `reader`; the header row is read and checked now: a header
/// that cannot be read, two columns with one name, or no column for a required field (`email`,
/// `status`) (after the `columns` mapping) is an error naming the file, the line and the columns
/// found.
pub fn stream_csv<R: std::io::Read>(
    reader: R,
    file: &str,
    columns: &ColumnMap,
) -> Result<CsvRows<R>> {
    let mut rows = Rows::open(reader, file)?;
    let parse_error = |line: usize, message: String| Error::Parse {
        file: file.into(),
        line,
        message,
    };
    let Some(header) = rows.next() else {
        return Err(parse_error(
            1,
            format!(
                "the file is empty; expected a header row naming the columns ({} at least)",
                REQUIRED.join(", ")
            ),
        ));
    };
    let hline = header.line;
    let headers: Vec<String> = header
        .fields
        .map_err(|m| parse_error(hline, format!("cannot read the header row: {m}")))?
        .into_iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(j) = headers[..i].iter().position(|o| o.eq_ignore_ascii_case(h)) {
            return Err(parse_error(
                hline,
                format!(
                    "columns {} and {} are both named {h:?}: which one holds the values is ambiguous; rename or remove one",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    let found = || {
        headers
            .iter()
            .map(|h| format!("{h:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    fn col_of<'a>(columns: &'a ColumnMap, field: &'a str) -> &'a str {
        columns.0.get(field).map(String::as_str).unwrap_or(field)
    }
    let pos = |field: &str| {
        let col = col_of(columns, field);
        headers.iter().position(|h| h.eq_ignore_ascii_case(col))
    };
    let index: BTreeMap<&'static str, Option<usize>> =
        FIELDS.iter().map(|f| (*f, pos(f))).collect();
    // Columns no field reads, and for each unread field the ones that look like it.
    let unread: Vec<&String> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.is_empty() && !index.values().any(|p| *p == Some(*i)))
        .map(|(_, h)| h)
        .collect();
    let candidates = |field: &str| -> Vec<&String> {
        unread
            .iter()
            .copied()
            .filter(|h| looks_like(field, h))
            .collect()
    };
    for field in REQUIRED {
        if index[field].is_some() {
            continue;
        }
        let hint = match candidates(field).as_slice() {
            [] => format!(
                "name the column that holds it under [directory_columns] in the config: {}",
                mapping_line(field, "Column name")
            ),
            [one] => format!(
                "the column {one:?} looks like it: add under [directory_columns] in the config: {}",
                mapping_line(field, one)
            ),
            many => format!(
                "the columns {} look like it: add the right one under [directory_columns] in the config, e.g. {}",
                many.iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                mapping_line(field, many[0])
            ),
        };
        return Err(parse_error(
            hline,
            format!(
                "no {:?} column for the {field} field (columns found: {}); {hint}",
                col_of(columns, field),
                found()
            ),
        ));
    }
    let mut notes = Vec::new();
    for field in FIELDS {
        if index[field].is_some() {
            continue;
        }
        for c in candidates(field) {
            notes.push(format!(
                "{file}:{hline}: column {c:?} looks like {field} but is not read; to read it, add under [directory_columns] in the config: {}",
                mapping_line(field, c)
            ));
        }
    }
    rows.width = Some(headers.len());
    Ok(CsvRows {
        rows,
        width: headers.len(),
        index,
        columns: columns.clone(),
        notes,
    })
}

/// How many data rows [`stream_csv`] yields for this input (malformed rows included; 0 when the
/// header cannot be read), read with the same splitting: the total of a progress bar, and what
/// tells a stopped run from a complete one.
pub fn count_csv_rows<R: std::io::Read>(reader: R) -> u64 {
    let Ok(mut rows) = Rows::open(reader, "") else {
        return 0;
    };
    match rows.next() {
        Some(RawRow {
            fields: Ok(header), ..
        }) => rows.width = Some(header.len()),
        _ => return 0,
    }
    rows.count() as u64
}

impl<R: std::io::Read> Iterator for CsvRows<R> {
    type Item = std::result::Result<User, RowProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        let RawRow {
            line,
            fields,
            raw,
            fatal,
        } = self.rows.next()?;
        let email_at = self.index.get("email").copied().flatten();
        let malformed = |message: String, fields: &[String]| RowProblem {
            line,
            column: None,
            message,
            address: readable_address(fields, email_at),
            fatal,
        };
        let fields = match fields {
            Ok(f) => f,
            Err(m) => {
                let seen = raw.as_deref().map(lenient_fields).unwrap_or_default();
                return Some(Err(malformed(m, &seen)));
            }
        };
        if let Some(m) = width_problem(&fields, self.width) {
            return Some(Err(malformed(m, &fields)));
        }
        let get = |f: &str| {
            self.index
                .get(f)
                .copied()
                .flatten()
                .and_then(|i| fields.get(i))
                .cloned()
        };
        Some(build(line, &get).map_err(|(field, message)| RowProblem {
            line,
            column: Some(self.columns.0.get(&field).cloned().unwrap_or(field)),
            message,
            address: readable_address(&fields, email_at),
            fatal: false,
        }))
    }
}

/// Text of a JSON export: UTF-8 (a byte-order mark skipped) or UTF-16 with a byte-order mark;
/// invalid UTF-8 is an error naming the line and byte column.
fn decode_text(bytes: &[u8], file: &str) -> Result<String> {
    let decoded = super::split::decode(bytes, file)?;
    String::from_utf8(decoded).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        Error::Parse {
            file: file.into(),
            line,
            message: format!(
                "invalid UTF-8 at byte column {column} (byte 0x{:02X}): the file must be UTF-8, or UTF-16 with a byte-order mark",
                e.as_bytes()[at]
            ),
        }
    })
}

/// Parses a JSON export given as bytes (see [`parse_json`]); the encoding is handled as for CSV.
pub fn parse_json_bytes(bytes: &[u8], file: &str) -> Result<LoadedDirectory> {
    parse_json(&decode_text(bytes, file)?, file)
}

/// The line each element of the top-level array starts on (the array is known to parse).
fn element_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_str, mut esc, mut line) = (0i32, false, false, 1usize);
    let mut expecting = false;
    for c in text.chars() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            } else if c == '\n' {
                line += 1;
            }
            continue;
        }
        if c == '\n' {
            line += 1;
        }
        if c.is_whitespace() {
            continue;
        }
        if depth == 1 && expecting && c != ']' {
            starts.push(line);
            expecting = false;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
            }
            '}' | ']' => depth -= 1,
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    starts
}

/// Parses a JSON export: an array of objects with the field names as keys. Every element gives
/// one user or one [`RowProblem`] with the line the element starts on: an element that is not
/// an object, lacks a required key (`email`, `status`), or has a value that is not a string, number,
/// boolean or null.
pub fn parse_json(text: &str, file: &str) -> Result<LoadedDirectory> {
    let text = text.trim_start_matches('\u{feff}');
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::Parse {
        file: file.into(),
        line: e.line(),
        message: format!("not valid JSON: {e}"),
    })?;
    let arr = v.as_array().ok_or_else(|| Error::Parse {
        file: file.into(),
        line: 1,
        message: "expected an array of user objects".into(),
    })?;
    let starts = element_lines(text);
    let mut out = LoadedDirectory {
        file: file.into(),
        ..Default::default()
    };
    for (i, item) in arr.iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(0);
        let address = item
            .get("email")
            .and_then(serde_json::Value::as_str)
            .filter(|e| e.contains('@'))
            .map(str::to_string);
        let problem = |column: Option<&str>, message: String| RowProblem {
            line,
            column: column.map(str::to_string),
            message,
            address: address.clone(),
            fatal: false,
        };
        let Some(obj) = item.as_object() else {
            out.problems
                .push(problem(None, format!("element {} is not an object", i + 1)));
            continue;
        };
        if let Some(missing) = REQUIRED
            .iter()
            .find(|f| obj.get(**f).is_none_or(serde_json::Value::is_null))
        {
            let keys: Vec<String> = obj.keys().map(|k| format!("{k:?}")).collect();
            out.problems.push(problem(
                Some(missing),
                format!("no {missing:?} key (keys: {})", keys.join(", ")),
            ));
            continue;
        }
        if let Some((k, _)) = obj
            .iter()
            .find(|(k, v)| FIELDS.contains(&k.as_str()) && (v.is_array() || v.is_object()))
        {
            out.problems.push(problem(
                Some(k),
                format!("{k:?} is not a string, number, boolean or null"),
            ));
            continue;
        }
        let get = |f: &str| {
            obj.get(f).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Bool(b) => Some(b.to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        match build(line, &get) {
            Ok(u) => out.users.push(u),
            Err((field, message)) => out.problems.push(problem(Some(&field), message)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_values_and_bad_rows() {
        let csv = "email,name,status,send_messages,invited_at,last_invited_at,last_login_at,relationship\n\
jane@acme.example,Jane,Active,yes,2026-01-01,,2026-11-01T08:00:00Z,employee\n\
bob@acme.example,Bob,NOT INVITED,0,,,,\n\
bad@acme.example,Bad,Sleeping,yes,,,,\n\
x@acme.example,X,invited,TRUE,yesterday,,,\n\
,Empty,Active,yes,,,,\n\
sub@partner.example,Sub,inactive,no,,,,Collaborator\n";
        let d = parse_csv(csv, "u.csv", &ColumnMap::default()).unwrap();
        assert_eq!(d.users.len(), 3);
        assert_eq!(d.users[1].status, Status::NotInvited);
        assert!(!d.users[1].send_messages);
        assert!(d.users[2].is_collaborator());
        let p: Vec<(usize, Option<&str>)> = d
            .problems
            .iter()
            .map(|p| (p.line, p.column.as_deref()))
            .collect();
        assert_eq!(
            p,
            vec![
                (4, Some("status")),
                (5, Some("invited_at")),
                (6, Some("email"))
            ]
        );
    }

    #[test]
    fn mapped_columns_and_a_missing_email_column() {
        let m = ColumnMap::with_overrides(&[("email".to_string(), "E-mail".to_string())].into())
            .unwrap();
        let d = parse_csv("Name,E-mail,Status\nJ,j@x.example,Active\n", "u.csv", &m).unwrap();
        assert_eq!(d.users[0].email, "j@x.example");
        let e =
            parse_csv("Name,Mail\nJ,j@x.example\n", "u.csv", &ColumnMap::default()).unwrap_err();
        assert!(e.to_string().starts_with("u.csv:1:"), "{e}");
        assert!(
            ColumnMap::with_overrides(&[("mail".to_string(), "x".to_string())].into()).is_err()
        );
    }

    #[test]
    fn json_rows_with_lines() {
        let j = "[\n {\"email\": \"a@x.example\", \"send_messages\": false, \"status\": \"Active\"},\n {\"email\": \"b@x.example\", \"status\": 7}\n]";
        let d = parse_json(j, "u.json").unwrap();
        assert_eq!(d.users.len(), 1);
        assert!(!d.users[0].send_messages);
        assert_eq!(d.problems[0].line, 3);
        assert!(parse_json("{", "u.json").is_err());
    }

    fn lines_and_problems(d: &LoadedDirectory) -> (Vec<usize>, Vec<usize>) {
        (
            d.users.iter().map(|u| u.line).collect(),
            d.problems.iter().map(|p| p.line).collect(),
        )
    }

    /// Issue #17, defect 2: a quote left open on row 2 swallowed rows 3..10 into one field.
    #[test]
    fn an_unterminated_quote_no_longer_drops_the_rows_after_it() {
        let mut csv = String::from("email,status\n");
        for i in 1..=10 {
            let status = if i == 2 { "\"Active" } else { "Active" };
            csv.push_str(&format!("u{i}@x.example,{status}\n"));
        }
        let d = parse_csv(&csv, "u.csv", &ColumnMap::default()).unwrap();
        assert_eq!(d.users.len() + d.problems.len(), 10, "rows in = rows out");
        let (users, problems) = lines_and_problems(&d);
        assert_eq!(problems, vec![3]);
        assert_eq!(users, vec![2, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert!(
            d.problems[0].message.contains("byte column 14"),
            "{:?}",
            d.problems[0]
        );
    }

    /// Issue #16: a quote left open on one row and a stray quote a few lines later made the
    /// rows between one quoted value (the recovery joined them), so those people vanished
    /// without a row problem. Now a line that reads as a row on its own is never swallowed, and
    /// every skipped row keeps its address for the lookup.
    #[test]
    fn a_stray_quote_later_does_not_swallow_the_rows_between() {
        let csv = "email,name,status\n\
a@x.example,\"Ann\n\
b@x.example,Bob,Active\n\
c@x.example,Cy\",Active\n\
d@x.example,Di,Active\n";
        let d = parse_csv(csv, "u.csv", &ColumnMap::default()).unwrap();
        let (users, problems) = lines_and_problems(&d);
        assert_eq!(problems, vec![2], "{:?}", d.problems);
        assert_eq!(users, vec![3, 4, 5]);
        assert_eq!(d.problems[0].address.as_deref(), Some("a@x.example"));
        // A legitimate value spanning lines is still one row.
        let d = parse_csv(
            "email,name,status\na@x.example,\"Ann\nLee\",Active\nb@x.example,Bob,Active\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap();
        assert_eq!(lines_and_problems(&d), (vec![2, 4], vec![]));
        assert_eq!(d.users[0].name.as_deref(), Some("Ann\nLee"));
    }

    /// Issue #16: the address of a skipped row is kept wherever it can be read: a bad value in
    /// another column, a short or a too-wide row, invalid UTF-8 elsewhere on the line.
    #[test]
    fn skipped_rows_keep_the_address_they_carry() {
        let csv = b"email,name,status\n\
zoe@x.example,Zoe,Sleeping\n\
short@x.example\n\
Doe, Jane,wide@x.example,Active\n\
bad@x.example,B\xE9,Active\n\
,Nobody,Active\n";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("u.csv");
        std::fs::write(&p, csv).unwrap();
        let d = load_file(&p, &ColumnMap::default()).unwrap();
        let addrs: Vec<Option<&str>> = d.problems.iter().map(|p| p.address.as_deref()).collect();
        assert_eq!(
            addrs,
            vec![
                Some("zoe@x.example"),
                Some("short@x.example"),
                Some("wide@x.example"),
                Some("bad@x.example"),
                None
            ]
        );
    }

    /// Issue #16: the stored address is kept as stored: a no-break space or a zero-width space
    /// at its end is data (the CSV trimmed every Unicode space before), spaces inside quotes
    /// too; only the spaces and tabs of the layout around an unquoted value are dropped.
    #[test]
    fn the_stored_address_is_kept_as_stored() {
        let csv = "email,status\nkenji@x.example\u{a0},Active\nzw@x.example\u{200b},Active\n\"q@x.example \",Active\n  plain@x.example\t, Active\n";
        let d = parse_csv(csv, "u.csv", &ColumnMap::default()).unwrap();
        let emails: Vec<&str> = d.users.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(
            emails,
            vec![
                "kenji@x.example\u{a0}",
                "zw@x.example\u{200b}",
                "q@x.example ",
                "plain@x.example"
            ]
        );
        assert!(d.users.iter().all(|u| u.status == Status::Active));
    }

    /// A file that cannot be read to the end is refused naming the line, not loaded as far as
    /// it went (every answer about a later row would be "not found").
    #[test]
    fn a_read_error_midway_refuses_the_file_with_its_line() {
        struct Breaks(Vec<u8>);
        impl std::io::Read for Breaks {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("device gone"));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let rows = stream_csv(
            Breaks(b"email,status\na@x.example,Active\n".to_vec()),
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap();
        let e = collect(rows, "u.csv").unwrap_err().to_string();
        assert!(
            e.starts_with("u.csv:3: the file cannot be read from this line on"),
            "{e}"
        );
    }

    /// Issue #17, defect 4: `Account Status` (or no status column) made every user "not
    /// invited"; now the header is refused with the mapping line to add.
    #[test]
    fn a_missing_status_column_is_an_error_not_everyone_never_invited() {
        let e = parse_csv(
            "Email,Account Status\nj@x.example,Active\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("u.csv:1: no \"status\" column"), "{e}");
        assert!(e.contains("\"Email\", \"Account Status\""), "{e}");
        assert!(e.contains("status = \"Account Status\""), "{e}");
        let e = parse_csv("email\nj@x.example\n", "u.csv", &ColumnMap::default()).unwrap_err();
        assert!(e.to_string().contains("[directory_columns]"), "{e}");
        let e = parse_csv(
            "E-mail Address,status\nj@x.example,Active\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("email = \"E-mail Address\""), "{e}");
    }

    /// Issue #17, defect 4: a row with fewer fields than the header was read with empty fields.
    #[test]
    fn a_short_row_is_malformed_not_a_row_of_empty_fields() {
        let d = parse_csv(
            "email,status,send_messages\na@x.example,Active,no\nb@x.example\nc@x.example,Active,no,,\nd@x.example,Active,no,extra\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap();
        let (users, problems) = lines_and_problems(&d);
        assert_eq!(users, vec![2, 4], "trailing empty fields are allowed");
        assert_eq!(problems, vec![3, 5]);
        assert!(
            d.problems[0].message.contains("short row"),
            "{:?}",
            d.problems
        );
        assert!(
            d.problems[1].message.contains("wrong columns"),
            "{:?}",
            d.problems
        );
    }

    /// Issue #17, defect 4: an optional column under another name was silently not read.
    #[test]
    fn an_unmapped_column_that_looks_like_a_field_is_noted_with_its_mapping() {
        let d = parse_csv(
            "email,status,Last Login,Notes\na@x.example,Active,2026-01-01,\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap();
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(
            d.notes[0].starts_with("u.csv:1: column \"Last Login\" looks like last_login_at")
                && d.notes[0].ends_with("last_login_at = \"Last Login\""),
            "{:?}",
            d.notes
        );
    }

    /// Issue #17, defect 5: CRLF files reported row numbers, blank lines shifted the lines, a
    /// lone CR split a row in two.
    #[test]
    fn crlf_blank_lines_and_a_lone_cr_keep_the_editor_line() {
        let csv = "email,status\r\na@x.example,Active\r\n\r\n\r\nb@x.example,Active\r\nc@x.example,Act\rive\r\n\nd@x.example,\"Act\r\nive\"\r\ne@x.example,Active";
        let d = parse_csv(csv, "u.csv", &ColumnMap::default()).unwrap();
        let (users, problems) = lines_and_problems(&d);
        // Line 8's quoted value spans two lines: the row keeps its first line.
        assert_eq!(users, vec![2, 5, 8, 10]);
        assert_eq!(problems, vec![6]);
        assert!(
            d.problems[0].message.contains("carriage return"),
            "{:?}",
            d.problems
        );
    }

    /// Issue #17, defect 9: two columns with one name were accepted (the later one silently
    /// ignored).
    #[test]
    fn duplicate_headers_are_refused_naming_both_positions() {
        let e = parse_csv(
            "email,status,name,Status\na@x.example,Active,A,Inactive\n",
            "u.csv",
            &ColumnMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("u.csv:1: columns 2 and 4 are both named \"Status\""),
            "{e}"
        );
    }

    fn load_bytes(name: &str, bytes: &[u8]) -> Result<LoadedDirectory> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        load_file(&p, &ColumnMap::default()).map_err(|e| match e {
            Error::Parse { line, message, .. } => Error::Parse {
                file: name.into(),
                line,
                message,
            },
            e => e,
        })
    }

    /// Issue #17, defect 9: invalid UTF-8 was "stream did not contain valid UTF-8", no line.
    #[test]
    fn invalid_utf8_names_its_line_and_byte_column() {
        let d = load_bytes(
            "u.csv",
            b"email,status\na@x.example,Active\nb@x.ex\xE9mple,Active\nc@x.example,Active\n",
        )
        .unwrap();
        let (users, problems) = lines_and_problems(&d);
        assert_eq!((users, problems), (vec![2, 4], vec![3]));
        assert!(
            d.problems[0]
                .message
                .starts_with("invalid UTF-8 at byte column 7 (byte 0xE9)"),
            "{:?}",
            d.problems
        );
        let e = load_bytes("u.json", b"[\n{\"email\": \"b@x.ex\xE9mple\"}]")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("u.json:2: invalid UTF-8 at byte column 18"),
            "{e}"
        );
    }

    /// Issue #17, defect 9: UTF-16 exports (spreadsheet "Unicode text") were refused without
    /// saying what they are; with a byte-order mark they are read.
    #[test]
    fn utf16_exports_with_a_byte_order_mark_are_read() {
        let text = "email,status\r\nzoë@x.example,Active\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let d = load_bytes("u.csv", &bytes).unwrap();
        assert_eq!(d.users[0].email, "zoë@x.example");
        assert_eq!(d.users[0].line, 2);
        let mut bytes = vec![0xFE, 0xFF];
        let json = "[{\"email\": \"zoë@x.example\", \"status\": \"Active\"}]";
        bytes.extend(json.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(load_bytes("u.json", &bytes).unwrap().users.len(), 1);
    }

    /// Issue #17, JSON integrity: an element that is not an object shifted the line of every
    /// element after it, and an object without a status read as "not invited".
    #[test]
    fn json_elements_keep_their_lines_and_a_missing_status_is_a_problem() {
        let j = "[\n 1,\n {\"email\": \"a@x.example\", \"status\": \"Active\"},\n {\"email\": \"b@x.example\", \"Account Status\": \"Active\"},\n {\"email\": \"c@x.example\", \"status\": \"Active\", \"name\": [\"C\"]}\n]";
        let d = parse_json(j, "u.json").unwrap();
        let (users, problems) = lines_and_problems(&d);
        assert_eq!(users, vec![3]);
        assert_eq!(problems, vec![2, 4, 5]);
        assert!(
            d.problems[1].message.contains("no \"status\" key"),
            "{:?}",
            d.problems
        );
        assert_eq!(d.problems[2].column.as_deref(), Some("name"));
    }
}
