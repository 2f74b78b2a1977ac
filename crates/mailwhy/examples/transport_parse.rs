//! The MTA-STS and TLS-RPT parsers the `transport` checks use, on texts from standard input, for
//! the side-by-side comparison with checkdmarc (`bench/checkdmarc_transport.py`). One JSON
//! object per input line: `{"kind": "sts-record" | "tlsrpt-record" | "policy", "text": "..."}`
//! or `{"kind": "mx", "host": "...", "patterns": ["..."]}`; one JSON answer per line:
//! `{"ok": bool, "error"?: "..."}` (for `mx`, `ok` is whether a pattern covers the host).
//!
//!     cargo run -p mailwhy --example transport_parse < cases.jsonl

use std::io::BufRead;

use mailwhy::transport::{sts, tlsrpt};
use serde_json::{json, Value};

fn main() {
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let q: Value = serde_json::from_str(&line).expect("a JSON object per line");
        let text = q["text"].as_str().unwrap_or_default();
        let err = |e: sts::SyntaxError| json!({ "ok": false, "error": e.to_string() });
        let answer = match q["kind"].as_str().unwrap_or_default() {
            "sts-record" => {
                sts::parse_record(text).map_or_else(err, |r| json!({ "ok": true, "id": r.id }))
            }
            "tlsrpt-record" => {
                tlsrpt::parse_record(text).map_or_else(err, |r| json!({ "ok": true, "rua": r.rua }))
            }
            "policy" => {
                sts::parse_policy(text).map_or_else(err, |p| json!({ "ok": true, "policy": p }))
            }
            "mx" => {
                let host = q["host"].as_str().unwrap_or_default();
                let covered = q["patterns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|p| sts::mx_matches(p, host));
                json!({ "ok": covered })
            }
            other => json!({ "ok": false, "error": format!("unknown kind {other:?}") }),
        };
        println!("{answer}");
    }
}
