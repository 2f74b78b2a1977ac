//! `mailwhy batch`: rows in = records out (malformed rows included), the summary counts, and the
//! DNS efficiency figures.

use std::collections::BTreeMap;
use std::process::Command;

use mailwhy_tests::workspace;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

#[test]
fn every_row_gives_one_record_and_the_summary_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let o = run(&[
        "--config",
        "fixtures/demo/mailwhy.toml",
        "batch",
        "fixtures/demo/users.csv",
        "--now",
        "2026-11-23T12:00:00Z",
        "--output",
        out.to_str().unwrap(),
        "--jobs",
        "4",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let data_rows = std::fs::read_to_string(workspace().join("fixtures/demo/users.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(records.len(), data_rows, "rows in = records out");
    let mut rows: Vec<u64> = records.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    rows.sort();
    assert_eq!(
        rows,
        (1..=data_rows as u64).collect::<Vec<_>>(),
        "every row number once"
    );
    let malformed: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r.get("error").is_some())
        .collect();
    assert_eq!(malformed.len(), 1);
    assert_eq!(malformed[0]["line"], 21);
    assert_eq!(malformed[0]["error"]["column"], "status");
    // Count verdicts and ids from the records and compare with the printed summary.
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    let mut disabled = 0;
    for r in records.iter().filter_map(|r| r.get("report")) {
        *verdicts
            .entry(r["verdict"].as_str().unwrap().to_string())
            .or_default() += 1;
        if r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "user.messaging-disabled")
        {
            disabled += 1;
        }
    }
    let summary = String::from_utf8_lossy(&o.stdout);
    for (v, n) in &verdicts {
        assert!(
            summary.contains(&format!("{v}: {n}")),
            "{v}: {n} in {summary}"
        );
    }
    assert!(
        summary.contains(&format!("user.messaging-disabled (error): {disabled}")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "{data_rows} rows, {data_rows} records, 1 malformed"
        )),
        "{summary}"
    );
    // The duplicate of line 8 is reported on line 9's record.
    let dup = records.iter().find(|r| r["line"] == 9).unwrap();
    assert!(dup["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "user.duplicate-address"));
}

#[test]
fn dns_queries_equal_distinct_questions() {
    let o = run(&[
        "--config",
        "fixtures/demo/mailwhy.toml",
        "batch",
        "fixtures/demo/users.csv",
        "--now",
        "2026-11-23T12:00:00Z",
        "--jobs",
        "16",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("queries sent for"))
        .expect("dns line");
    let nums: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    // Sent, distinct questions, answered from mailwhy's own cache (20 users of a few domains
    // ask the same questions again).
    assert_eq!(nums.len(), 3, "{line}");
    assert_eq!(nums[0], nums[1], "{line}");
    assert!(nums[0] > 0);
    assert!(nums[2] > 0, "{line}");
    // JSON Lines on stdout, one per row.
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 20);
}

#[test]
fn an_unreadable_directory_exits_2() {
    let o = run(&["batch", "no-such-file.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-file.csv"));
}

/// A real SIGINT: the run stops taking rows, flushes what it has, prints the partial summary
/// and exits 130; every record written is a whole JSON line.
#[test]
fn ctrl_c_stops_flushes_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    let mut text = String::from("email,status\n");
    for i in 0..200_000 {
        text.push_str(&format!("user{i}@acme-builders.com,Active\n"));
    }
    std::fs::write(&users, text).unwrap();
    let out = dir.path().join("out.jsonl");
    let child = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--config",
            "fixtures/demo/mailwhy.toml",
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
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let o = interrupt_after_records(child, &out, 2);
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("STOPPED before the end"), "{summary}");
    let written = std::fs::read_to_string(&out).unwrap();
    let n = written
        .lines()
        .inspect(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap();
        })
        .count();
    assert!(n > 0 && n < 200_000, "{n} records");
    assert!(summary.contains(&format!("{n} records")), "{summary}");
}

/// #17 defect 10a: each record's `stats.dns_queries` counted other rows' queries (the records
/// summed to 7,224 while 150 were sent). Each record counts only the queries its own checks sent,
/// the vendor's shared checks count theirs once, and together they are the summary's total and
/// what the zone server received.
///
/// One difference is known and counted here: procore.com's two DKIM selectors are CNAMEs into
/// sendgrid.net's zone, and the resolver library follows each CNAME with a query of its own that
/// mailwhy's DNS layer does not see (it asked one question and got one answer). A recursive
/// resolver answers the whole chain at once, so the difference appears only against an
/// authoritative server such as this one.
#[test]
fn per_record_dns_queries_sum_to_what_the_server_received() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(mailwhy_tests::zone_server(&mailwhy_tests::fixture(
        "demo/zones",
    )));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let addr = server.addr().to_string();
    let o = run(&[
        "--nameserver",
        &addr,
        "--format",
        "json",
        "batch",
        "fixtures/demo/users.csv",
        "--sender",
        "fixtures/senders/procore.toml",
        "--allowlist",
        "fixtures/demo/gateway.txt",
        "--now",
        "2026-11-23T12:00:00Z",
        "--jobs",
        "8",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let records = std::fs::read_to_string(&out).unwrap();
    let per_record: u64 = records
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|r| r["report"]["stats"]["dns_queries"].as_u64())
        .sum();
    let shared = summary["shared"]["stats"]["dns_queries"].as_u64().unwrap();
    let total = summary["dns_queries"].as_u64().unwrap();
    let received = server.queries_received();
    const CNAME_CHASES: u64 = 2;
    assert!(received > CNAME_CHASES);
    assert_eq!(
        (per_record + shared, total),
        (total, received - CNAME_CHASES),
        "records {per_record} + shared {shared}, summary {total}, server received {received}"
    );
}

/// Waits until `out` holds `records` lines (the Ctrl-C handler is installed before the first
/// row), sends SIGINT to `child` as Ctrl-C would, and returns what it printed and its status.
pub(crate) fn interrupt_after_records(
    child: std::process::Child,
    out: &std::path::Path,
    records: usize,
) -> std::process::Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(out)
        .map(|t| t.lines().count())
        .unwrap_or(0)
        < records
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no record written within 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    child.wait_with_output().unwrap()
}

/// `batch --shard I/N`: the records of 4 shards are the records of one run (sorted, with the
/// timings and per-process DNS counts set aside), no row lost or doubled, and `batch merge`
/// of the 4 summaries equals the one run's summary on every count.
#[test]
fn four_shards_merge_into_one_run() {
    let dir = tempfile::tempdir().unwrap();
    // 20 copies of the demo export (its malformed rows included), each address made distinct
    // by a prefix, so that every shard gets rows of every kind.
    let demo = std::fs::read_to_string(workspace().join("fixtures/demo/users.csv")).unwrap();
    let mut lines = demo.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    let body: Vec<&str> = lines.collect();
    for k in 0..20 {
        for l in &body {
            let first = l.split(',').next().unwrap_or("");
            if first.contains('@') && !first.starts_with('"') {
                csv.push_str(&format!("u{k}.{l}\n"));
            } else {
                csv.push_str(&format!("{l}\n"));
            }
        }
    }
    let input = dir.path().join("users.csv");
    std::fs::write(&input, &csv).unwrap();
    let input = input.to_str().unwrap();
    let one = |extra: &[&str], name: &str| {
        let out = dir.path().join(format!("{name}.jsonl"));
        let sum = dir.path().join(format!("{name}.json"));
        let mut args = vec![
            "-q",
            "--config",
            "fixtures/demo/mailwhy.toml",
            "batch",
            input,
            "--now",
            "2026-11-23T12:00:00Z",
            "--jobs",
            "8",
            "--output",
            out.to_str().unwrap(),
            "--summary",
            sum.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = run(&args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (std::fs::read_to_string(out).unwrap(), sum)
    };
    // Timings and per-report DNS counts depend on the process and its cache, not on the row.
    fn normalized(line: &str) -> String {
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(m) => {
                    m.remove("duration_ms");
                    m.remove("stats");
                    m.values_mut().for_each(strip);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        strip(&mut v);
        v.to_string()
    }
    let sorted = |text: &str| {
        let mut v: Vec<(u64, String)> = text
            .lines()
            .map(|l| {
                let row = serde_json::from_str::<serde_json::Value>(l).unwrap()["row"]
                    .as_u64()
                    .unwrap();
                (row, normalized(l))
            })
            .collect();
        v.sort();
        v
    };
    let (all, all_summary) = one(&[], "all");
    let mut shards = Vec::new();
    let mut summaries = Vec::new();
    for i in 0..4 {
        let (text, sum) = one(&["--shard", &format!("{i}/4")], &format!("s{i}"));
        assert!(!text.is_empty(), "shard {i} got rows");
        shards.push(text);
        summaries.push(sum);
    }
    let whole = sorted(&all);
    let union = sorted(&shards.concat());
    assert_eq!(whole.len(), body.len() * 20, "rows in = records out");
    assert_eq!(union.len(), whole.len(), "no row lost or doubled");
    assert_eq!(union, whole, "the shards' records are the one run's");

    let merged = dir.path().join("merged.json");
    let mut args = vec!["batch", "merge"];
    args.extend(summaries.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--summary", merged.to_str().unwrap()]);
    let o = run(&args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (a, m) = (read(&all_summary), read(&merged));
    assert_eq!(m["merged_shards"], 4);
    for key in [
        "rows",
        "records",
        "malformed",
        "verdicts",
        "findings",
        "delivery",
        "domains",
        "behind_gateway",
        "stopped",
    ] {
        assert_eq!(a[key], m[key], "summary field {key}");
    }
    for key in ["shared", "gateway"] {
        assert_eq!(a[key]["findings"], m[key]["findings"], "{key}");
        assert_eq!(a[key]["verdict"], m[key]["verdict"], "{key}");
    }

    // Refusals: a shard twice, a shard missing, a summary of another run.
    let s = |i: usize| summaries[i].to_str().unwrap();
    let o = run(&["batch", "merge", s(0), s(1), s(1), s(2), s(3)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 1/4 given twice"));
    let o = run(&["batch", "merge", s(0), s(1), s(3)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing shard 2 of 4"));
    let o = run(&["batch", "merge", s(0), all_summary.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not the summary of a sharded run"));
}

/// `batch merge` refuses shards of different inputs, naming both files and what differs.
#[test]
fn merge_refuses_shards_of_another_input() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(workspace().join("fixtures/demo/users.csv")).unwrap();
    let other = dir.path().join("other.csv");
    std::fs::write(&other, demo.replacen("Jane Doe", "Jane Q. Doe", 1)).unwrap();
    let mut files = Vec::new();
    for (i, input) in [workspace().join("fixtures/demo/users.csv"), other.clone()]
        .iter()
        .enumerate()
    {
        let sum = dir.path().join(format!("s{i}.json"));
        let o = run(&[
            "-q",
            "--config",
            "fixtures/demo/mailwhy.toml",
            "batch",
            input.to_str().unwrap(),
            "--now",
            "2026-11-23T12:00:00Z",
            "--shard",
            &format!("{i}/2"),
            "--output",
            dir.path().join("x.jsonl").to_str().unwrap(),
            "--summary",
            sum.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        files.push(sum);
    }
    let o = run(&[
        "batch",
        "merge",
        files[0].to_str().unwrap(),
        files[1].to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the input (FNV-1a 64 of the export, rows) differs"),
        "{err}"
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"rows\": 3,\n \"records\": \"x\"}").unwrap();
    let o = run(&["batch", "merge", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json") && err.contains("line 2"), "{err}");
}
