//! `mailwhy batch` on damaged directory exports (issue #17): every row in is one record out,
//! each malformed row is counted and reported with the line an editor shows, and a header that
//! cannot be used stops the run with exit 2 naming the file and the columns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use mailwhy_tests::workspace;

const CONFIG: &str = "fixtures/demo/mailwhy.toml";

fn batch(users: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--config",
            CONFIG,
            "batch",
            users.to_str().unwrap(),
            "--now",
            "2026-11-23T12:00:00Z",
            "--jobs",
            "16",
            "--output",
            out.to_str().unwrap(),
        ])
        .current_dir(workspace())
        .output()
        .unwrap()
}

fn records(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The `(rows, records, malformed)` of the summary's first line.
fn summary_counts(summary: &str) -> (usize, usize, usize) {
    let line = summary
        .lines()
        .find(|l| l.contains(" malformed"))
        .unwrap_or_else(|| panic!("no counts in {summary}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    (n[0], n[1], n[2])
}

/// Defect 2: 10 data rows with a quote left open on row 2 gave 2 records and "0 malformed".
#[test]
fn an_unterminated_quote_on_row_2_no_longer_loses_the_rows_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    let mut text = String::from("email,status\n");
    for i in 1..=10 {
        let status = if i == 2 { "\"Active" } else { "Active" };
        text.push_str(&format!("user{i}@acme-builders.com,{status}\n"));
    }
    std::fs::write(&users, text).unwrap();
    let out = dir.path().join("out.jsonl");
    let o = batch(&users, &out);
    let recs = records(&out);
    assert_eq!(recs.len(), 10, "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        summary_counts(&String::from_utf8_lossy(&o.stdout)),
        (10, 10, 1)
    );
    let bad: Vec<&serde_json::Value> = recs.iter().filter(|r| r.get("error").is_some()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["line"], 3);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}:3: malformed row", users.display()))
            && err.contains("quote opened at byte column 25"),
        "{err}"
    );
}

/// Defect 4: a header `Account Status` made every user "never invited"; now it is exit 2
/// naming the file, the columns found and the line to add to the config.
#[test]
fn an_unknown_status_column_exits_2_with_the_mapping_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "email,Account Status\njane.doe@acme-builders.com,Active\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let o = batch(&users, &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}:1: no \"status\" column", users.display())),
        "{err}"
    );
    assert!(err.contains("\"email\", \"Account Status\""), "{err}");
    assert!(
        err.contains("[directory_columns]") && err.contains("status = \"Account Status\""),
        "{err}"
    );
    // No status column at all is the same error.
    std::fs::write(&users, "email\njane.doe@acme-builders.com\n").unwrap();
    let o = batch(&users, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no \"status\" column"));
}

/// Defect 5: on a CRLF file every record reported its row number as its line, blank lines were
/// not counted, and a lone CR split a row in two.
#[test]
fn crlf_rows_report_their_editor_line() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "email,status\r\n\r\nuser1@acme-builders.com,Active\r\n\r\n\r\nuser2@acme-builders.com,Act\rive\r\nuser3@acme-builders.com,Active\r\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let o = batch(&users, &out);
    let lines: BTreeMap<u64, bool> = records(&out)
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r.get("error").is_some()))
        .collect();
    assert_eq!(
        lines,
        BTreeMap::from([(3, false), (6, true), (7, false)]),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Defect 9: two `email` columns were accepted, the second silently ignored.
#[test]
fn duplicate_headers_exit_2_naming_both_positions() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "email,status,Email\njane.doe@acme-builders.com,Active,tom.ito@acme-builders.com\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let o = batch(&users, &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:1: columns 1 and 3 are both named \"Email\"",
            users.display()
        )),
        "{err}"
    );
}

/// Defect 7: the row count for the "stopped early?" test stopped at the first line that is not
/// UTF-8, so a Ctrl-C after it exited 1 as if the run were complete.
#[test]
fn ctrl_c_exits_130_when_a_line_before_the_stop_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    let mut text =
        b"email,status\nuser0@acme-builders.com,Active\nbad\xFF@acme-builders.com,Active\n"
            .to_vec();
    for i in 1..200_000 {
        text.extend_from_slice(format!("user{i}@acme-builders.com,Active\n").as_bytes());
    }
    std::fs::write(&users, text).unwrap();
    let out = dir.path().join("out.jsonl");
    let child = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "-q",
            "--config",
            CONFIG,
            "batch",
            users.to_str().unwrap(),
            "--now",
            "2026-11-23T12:00:00Z",
            "--jobs",
            "2",
            "--output",
            out.to_str().unwrap(),
        ])
        .current_dir(workspace())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let o = crate::batch::interrupt_after_records(child, &out, 3);
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A small linear congruential generator: the damage is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One generated row: where it starts, its address, and whether it must be malformed.
struct Expected {
    line: u64,
    email: String,
    malformed: bool,
}

/// 20,000 rows with every kind of damage mixed in: rows in = records out + none lost, every
/// malformed row reported (record and stderr) at its own line, every good row's record at the
/// line its address is on.
#[test]
fn generated_damage_every_row_is_accounted_for_at_its_true_line() {
    const ROWS: usize = 20_000;
    let mut rng = Lcg(17);
    let mut text: Vec<u8> = b"email,name,status,send_messages\n".to_vec();
    let mut line: u64 = 2;
    let mut expected: Vec<Expected> = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        // Blank lines are not rows but count as lines.
        if rng.below(10) == 0 {
            for _ in 0..=rng.below(3) {
                text.extend_from_slice([&b"\n"[..], b"\r\n", b"   \n"][rng.below(3) as usize]);
                line += 1;
            }
        }
        let email = format!("user{i}@acme-builders.com");
        let eol: &[u8] = if rng.below(2) == 0 { b"\n" } else { b"\r\n" };
        // (row bytes without its line end, malformed?, lines the row spans)
        let (row, malformed, span): (Vec<u8>, bool, u64) = match rng.below(16) {
            0 => (
                format!("{email},\"Name {i},Active,yes").into_bytes(),
                true,
                1,
            ),
            1 => (
                format!("{email},Name {i},Act\rive,yes").into_bytes(),
                true,
                1,
            ),
            2 => (
                format!("{email},\"Name\r{i}\",Active,yes").into_bytes(),
                false,
                1,
            ),
            3 => {
                let mut r = format!("{email},Name ").into_bytes();
                r.extend_from_slice(&[0xFF, 0xFE, 0x80]);
                r.extend_from_slice(b",Active,yes");
                (r, true, 1)
            }
            4 => (format!("{email},Na\0me,Active,yes").into_bytes(), true, 1),
            5 => (format!("{email},Name {i}").into_bytes(), true, 1),
            6 => (
                format!("{email},Name {i},Active,yes,surplus").into_bytes(),
                true,
                1,
            ),
            7 => (
                format!("{email},Name {i},Active,yes,,").into_bytes(),
                false,
                1,
            ),
            8 => {
                let n = 1 + rng.below(3);
                let name = (0..=n).map(|k| format!("part {k}")).collect::<Vec<_>>();
                let sep = std::str::from_utf8(eol).unwrap();
                (
                    format!("{email},\"{}\",Active,yes", name.join(sep)).into_bytes(),
                    false,
                    n + 1,
                )
            }
            9 => (
                format!("{email},\"Doe, {i}\",Sleeping,yes").into_bytes(),
                true,
                1,
            ),
            10 => (
                format!("{email},\"Doe, \"\"J\"\" {i}\",Active,no").into_bytes(),
                false,
                1,
            ),
            _ => (
                format!("{email},Name {i},Active,yes").into_bytes(),
                false,
                1,
            ),
        };
        text.extend_from_slice(&row);
        if i + 1 < ROWS {
            text.extend_from_slice(eol);
        }
        expected.push(Expected {
            line,
            email,
            malformed,
        });
        line += span;
    }
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("damaged.csv");
    std::fs::write(&users, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let o = batch(&users, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let recs = records(&out);
    let want_bad: BTreeSet<u64> = expected
        .iter()
        .filter(|e| e.malformed)
        .map(|e| e.line)
        .collect();
    assert!(want_bad.len() > ROWS / 4, "the generator damages rows");
    // Rows in = records out, and the summary counts the malformed ones.
    assert_eq!(recs.len(), ROWS, "{stderr}");
    assert_eq!(
        summary_counts(&String::from_utf8_lossy(&o.stdout)),
        (ROWS, ROWS, want_bad.len())
    );
    // Every malformed row at its own line, in the records and on stderr.
    let got_bad: BTreeSet<u64> = recs
        .iter()
        .filter(|r| r.get("error").is_some())
        .map(|r| {
            assert_eq!(r["line"], r["error"]["line"]);
            r["line"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(got_bad, want_bad);
    let prefix = format!("mailwhy: {}:", users.display());
    let noted: BTreeSet<u64> = stderr
        .lines()
        .filter(|l| l.contains(": malformed row"))
        .map(|l| {
            l.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("{l}"))
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(
        noted, want_bad,
        "each malformed row on stderr with file:line"
    );
    // Every good row's record at the line of its address.
    let want_good: BTreeMap<&str, u64> = expected
        .iter()
        .filter(|e| !e.malformed)
        .map(|e| (e.email.as_str(), e.line))
        .collect();
    let got_good: BTreeMap<&str, u64> = recs
        .iter()
        .filter_map(|r| {
            let subject = r.get("report")?["subject"].as_str()?;
            Some((subject, r["line"].as_u64().unwrap()))
        })
        .collect();
    assert_eq!(got_good, want_good);
}
