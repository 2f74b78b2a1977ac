//! The directory loader (CSV streamed, JSON whole) never panics, and keeps its promise on any
//! bytes: every row in is one item out (as many as `count_csv_rows` counts), each at a line
//! after the previous one and inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::directory::{count_csv_rows, parse_json_bytes, stream_csv, ColumnMap};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the reader, so one corpus exercises both.
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    if pick & 1 == 0 {
        let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
        let Ok(rows) = stream_csv(data, "fuzz.csv", &ColumnMap::default()) else {
            return;
        };
        let mut n = 0u64;
        let mut last = 0;
        for row in rows {
            let line = match row {
                Ok(u) => u.line,
                Err(p) => p.line,
            };
            // UTF-16 input is decoded first; its lines are counted in code units, not bytes.
            if !data.starts_with(&[0xFF, 0xFE]) && !data.starts_with(&[0xFE, 0xFF]) {
                assert!(line <= lines, "line {line} of {lines}");
            }
            assert!(line > last, "line {line} after {last}");
            last = line;
            n += 1;
        }
        assert_eq!(n, count_csv_rows(data), "rows counted = rows read");
    } else if let Ok(d) = parse_json_bytes(data, "fuzz.json") {
        let text = String::from_utf8_lossy(data);
        if let Ok(serde_json::Value::Array(a)) =
            serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'))
        {
            assert_eq!(d.users.len() + d.problems.len(), a.len(), "elements in = out");
        }
    }
});
