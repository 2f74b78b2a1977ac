//! Loading directory exports: CSV with a header row (columns mapped by name) and JSON (an array
//! of objects). Values are read tolerantly (yes/no/true/false/1/0, statuses in any case, RFC 3339
//! timestamps or plain dates); a row that still cannot be read is reported with its line and
//! column and skipped, and loading goes on.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

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
}

/// Accounts read from a file, and the rows that were skipped.
#[derive(Debug, Clone, Default)]
pub struct LoadedDirectory {
    /// Where they came from.
    pub file: String,
    /// The usable accounts.
    pub users: Vec<User>,
    /// The skipped rows.
    pub problems: Vec<RowProblem>,
}

/// Reads a directory export; `.json` is JSON, anything else CSV.
pub fn load_file(path: &Path, columns: &ColumnMap) -> Result<LoadedDirectory> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        file: file.clone(),
        source,
    })?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        parse_json(&text, &file)
    } else {
        parse_csv(&text, &file, columns)
    }
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
    let email =
        field("email").ok_or_else(|| ("email".to_string(), "the address is empty".to_string()))?;
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
    let mut out = LoadedDirectory {
        file: file.into(),
        ..Default::default()
    };
    for row in stream_csv(text.as_bytes(), file, columns)? {
        match row {
            Ok(u) => out.users.push(u),
            Err(p) => out.problems.push(p),
        }
    }
    Ok(out)
}

/// Rows of a CSV export read one at a time, so a directory of any size takes constant memory.
pub struct CsvRows<R: std::io::Read> {
    records: csv::StringRecordsIntoIter<R>,
    index: BTreeMap<&'static str, Option<usize>>,
    columns: ColumnMap,
}

impl<R: std::io::Read> std::fmt::Debug for CsvRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvRows").finish_non_exhaustive()
    }
}

/// Starts reading a CSV export from `reader`; the header row is read and checked now.
pub fn stream_csv<R: std::io::Read>(
    reader: R,
    file: &str,
    columns: &ColumnMap,
) -> Result<CsvRows<R>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| Error::Parse {
            file: file.into(),
            line: 1,
            message: format!("cannot read the header row: {e}"),
        })?
        .clone();
    let pos = |field: &str| -> Option<usize> {
        let col = columns.0.get(field)?;
        headers.iter().position(|h| {
            h.trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(col)
        })
    };
    if pos("email").is_none() {
        return Err(Error::Parse {
            file: file.into(),
            line: 1,
            message: format!(
                "no {:?} column in the header (columns: {}); map it with [directory_columns] email = \"...\" in the config",
                columns.0.get("email").map(String::as_str).unwrap_or("email"),
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let index = FIELDS.iter().map(|f| (*f, pos(f))).collect();
    Ok(CsvRows {
        records: rdr.into_records(),
        index,
        columns: columns.clone(),
    })
}

impl<R: std::io::Read> Iterator for CsvRows<R> {
    type Item = std::result::Result<User, RowProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        let rec = self.records.next()?;
        Some(match rec {
            Err(e) => Err(RowProblem {
                line: e.position().map(|p| p.line() as usize).unwrap_or(0),
                column: None,
                message: format!("unreadable row: {e}"),
            }),
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                let get = |f: &str| {
                    self.index
                        .get(f)
                        .copied()
                        .flatten()
                        .and_then(|i| r.get(i))
                        .map(str::to_string)
                };
                build(line, &get).map_err(|(field, message)| RowProblem {
                    line,
                    column: Some(self.columns.0.get(&field).cloned().unwrap_or(field)),
                    message,
                })
            }
        })
    }
}

/// Parses a JSON export: an array of objects with the field names as keys.
pub fn parse_json(text: &str, file: &str) -> Result<LoadedDirectory> {
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
    // Line of each element, found by scanning for the start of each top-level object.
    let mut starts = Vec::new();
    let (mut depth, mut in_str, mut esc, mut line) = (0i32, false, false, 1usize);
    for c in text.chars() {
        match c {
            '\n' => line += 1,
            _ if in_str => {
                if esc {
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else if c == '"' {
                    in_str = false;
                }
            }
            '"' => in_str = true,
            '{' | '[' => {
                if depth == 1 && c == '{' {
                    starts.push(line);
                }
                depth += 1;
            }
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    let mut out = LoadedDirectory {
        file: file.into(),
        ..Default::default()
    };
    for (i, item) in arr.iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(0);
        let Some(obj) = item.as_object() else {
            out.problems.push(RowProblem {
                line,
                column: None,
                message: "expected an object".into(),
            });
            continue;
        };
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
            Err((field, message)) => out.problems.push(RowProblem {
                line,
                column: Some(field),
                message,
            }),
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
        let d = parse_csv("Name,E-mail\nJ,j@x.example\n", "u.csv", &m).unwrap();
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
}
