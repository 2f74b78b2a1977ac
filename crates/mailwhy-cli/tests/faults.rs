//! The fault matrix: every subcommand that asks DNS, run by the real binary against a name
//! server that fails every question in one way (SERVFAIL, REFUSED, silence, truncation with TCP
//! refused, garbage bytes, an answer with the wrong message id).
//!
//! What must hold in every cell: the run does not say "no problem found" (exit 0) nor "could not
//! run" (exit 2), and no error or warning finding rests on a lookup that failed. Since every
//! question fails, a finding "rests on a failed lookup" when its id is one that only DNS
//! answers can give (the `DNS_DERIVED` list), or when its evidence quotes a failed outcome; the
//! findings that report the failure itself (`dns.temporary-failure`, `spf.temporary-error`) are
//! the right answer, as is an inconclusive check that names the failed lookup. Exit 1 is right
//! only when an error finding comes from the input files alone (a directory row, a message's
//! headers); otherwise the run must be inconclusive (3).
//!
//! The matrix (subcommand × fault → exit code, verdict) is printed; `cargo test ... faults --
//! --nocapture` shows it.

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mailwhy_tests::{workspace, Fault, FaultResponder};
use serde_json::Value;

const FAULTS: &[(Fault, &str)] = &[
    (Fault::ServFail, "servfail"),
    (Fault::Refused, "refused"),
    (Fault::Silent, "silence"),
    (Fault::TruncateTcpRefused, "tc+tcp-refused"),
    (Fault::Garbage, "garbage"),
    (Fault::WrongId, "wrong-id"),
];

const SENDER: &str = "fixtures/senders/procore.toml";
const ALLOWLIST: &str = "fixtures/demo/gateway.txt";
const USERS: &str = "fixtures/demo/users.csv";
const MESSAGE: &str = "fixtures/message/message.auth-failed.eml";
const NOW: &str = "2026-11-23T12:00:00Z";

/// How a cell's output is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One report, or an array of reports (`--format json`).
    Reports,
    /// `batch`: JSON Lines records on stdout, each with a `report`.
    Batch,
    /// A command that asks no DNS: the responder must receive nothing.
    NoDns,
}

/// The subcommands, with inputs that make each ask DNS (`allowlist --check` asks none: its row
/// proves it).
fn cells() -> Vec<(&'static str, Vec<&'static str>, Shape)> {
    vec![
        (
            "address",
            vec!["address", "jane.doe@acme-builders.com"],
            Shape::Reports,
        ),
        (
            "spf",
            vec!["spf", "procore.com", "--ip", "167.89.24.90"],
            Shape::Reports,
        ),
        (
            "auth",
            vec![
                "auth",
                "procore.com",
                "-s",
                "s1",
                "--ip",
                "167.89.24.90",
                "--envelope-domain",
                "em.procore.com",
            ],
            Shape::Reports,
        ),
        (
            "dns",
            vec!["dns", "acme-builders.com", "MX"],
            Shape::Reports,
        ),
        (
            "blocklist",
            vec!["blocklist", "167.89.24.90", "2001:db8::1", "procore.com"],
            Shape::Reports,
        ),
        (
            "allowlist audit",
            vec![
                "allowlist",
                "--sender",
                SENDER,
                "--allowlist",
                ALLOWLIST,
                "--domain",
                "acme-builders.com",
            ],
            Shape::Reports,
        ),
        (
            "allowlist --check",
            vec![
                "allowlist",
                "--sender",
                SENDER,
                "--allowlist",
                ALLOWLIST,
                "--check",
                "167.89.24.90",
                "--check",
                "procore.com",
            ],
            Shape::NoDns,
        ),
        (
            "diagnose",
            vec![
                "diagnose",
                "sara.kim@acme-builders.com",
                "--directory",
                USERS,
                "--sender",
                SENDER,
                "--allowlist",
                ALLOWLIST,
                "--message",
                MESSAGE,
                "--now",
                NOW,
            ],
            Shape::Reports,
        ),
        (
            "batch",
            vec![
                "batch",
                USERS,
                "--sender",
                SENDER,
                "--allowlist",
                ALLOWLIST,
                "--now",
                NOW,
            ],
            Shape::Batch,
        ),
        ("message", vec!["message", MESSAGE], Shape::Reports),
        (
            "pop3 --probe",
            vec![
                "pop3",
                "--server",
                "pop.acme-builders.com",
                "--port",
                "995",
                "--probe",
                "--step-timeout",
                "3",
            ],
            Shape::Reports,
        ),
    ]
}

/// Finding ids that only DNS answers can give. In a cell where every question fails, any of
/// them at error or warning severity is built on a failed lookup.
const DNS_DERIVED: &[&str] = &[
    "domain.",
    "spf.",
    "dmarc.",
    "dkim.",
    "sender.",
    "dns.",
    "address.typo-domain",
    "allowlist.spf-drift",
    "allowlist.gateway-in-front",
    "message.auth-disagreement",
    "mailbox.unreachable",
    "mailbox.tls-failed",
    "blocklist.listed",
    "blocklist.query-refused",
    "blocklist.not-listed",
    "mailbox.auth-failed",
];

/// The findings that report a failed lookup: what a fault should produce.
const REPORTS_THE_FAILURE: &[&str] = &["dns.temporary-failure", "spf.temporary-error"];

/// Words in a finding's evidence that quote a failed lookup.
const FAILED_OUTCOMES: &[&str] = &["servfail", "refused", "timeout", "temperror"];

/// What one cell found wrong, if anything: each problem one line.
fn judge_report(report: &Value, problems: &mut Vec<String>) -> bool {
    let mut offline_error = false;
    let subject = report["subject"].as_str().unwrap_or("?");
    for f in report["findings"].as_array().into_iter().flatten() {
        let id = f["id"].as_str().unwrap_or_default();
        let severity = f["severity"].as_str().unwrap_or_default();
        if REPORTS_THE_FAILURE.contains(&id) || !matches!(severity, "error" | "warning") {
            continue;
        }
        let derived = DNS_DERIVED
            .iter()
            .any(|d| id == *d || (d.ends_with('.') && id.starts_with(d)));
        // A body hash that does not match is read from the message alone: no key needed.
        if id == "dkim.signature-failed" && f["evidence"]["reason"] == "body-changed" {
            offline_error |= severity == "error";
            continue;
        }
        let evidence = f["evidence"].to_string().to_ascii_lowercase();
        let quotes_failure = FAILED_OUTCOMES.iter().any(|w| evidence.contains(w));
        if derived || quotes_failure {
            problems.push(format!(
                "{subject}: {severity} {id} rests on a failed lookup: {}",
                f["detail"].as_str().unwrap_or_default()
            ));
        } else if severity == "error" {
            offline_error = true;
        }
    }
    // Some check is inconclusive, and every inconclusive check names the lookup that failed
    // (`NAME TYPE`) and says to try again.
    let checks = report["checks"].as_array().cloned().unwrap_or_default();
    let inconclusive: Vec<&Value> = checks
        .iter()
        .filter(|c| c["status"] == "inconclusive")
        .collect();
    if inconclusive.is_empty() {
        problems.push(format!("{subject}: no check is inconclusive"));
    }
    for c in inconclusive {
        let detail = c["detail"].as_str().unwrap_or_default();
        if !names_a_lookup(detail) || !detail.contains("try again") {
            problems.push(format!(
                "{subject}: inconclusive check {} does not name the failed lookup and say to try again: {detail}",
                c["name"]
            ));
        }
    }
    for c in &checks {
        if c["status"] == "ran"
            && FAILED_OUTCOMES
                .iter()
                .any(|w| c["detail"].as_str().unwrap_or_default().contains(w))
        {
            problems.push(format!(
                "{subject}: check {} ran to a conclusion from a failed lookup: {}",
                c["name"], c["detail"]
            ));
        }
    }
    offline_error
}

/// True when `text` names a DNS question: a domain name followed by a record type.
fn names_a_lookup(text: &str) -> bool {
    const TYPES: &[&str] = &["A", "AAAA", "MX", "TXT", "PTR", "CNAME", "NS", "SOA"];
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).any(|w| {
        let t = w[1].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        w[0].contains('.') && TYPES.contains(&t)
    })
}

struct Cell {
    command: &'static str,
    fault: &'static str,
    exit: Option<i32>,
    verdict: String,
    secs: f64,
    problems: Vec<String>,
}

fn run_cell(
    command: &'static str,
    args: &[&str],
    shape: Shape,
    (fault_kind, fault): (Fault, &'static str),
    shared: &FaultResponder,
) -> Cell {
    // A command that should ask nothing gets a responder of its own, to count its questions.
    let rt;
    let own;
    let responder = if shape == Shape::NoDns {
        rt = tokio::runtime::Runtime::new().expect("runtime");
        own = rt.block_on(FaultResponder::start(fault_kind));
        &own
    } else {
        shared
    };
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .args([
            "--format",
            "json",
            "--nameserver",
            &responder.addr().to_string(),
            "--timeout",
            "0.3",
        ])
        .current_dir(workspace())
        .output()
        .expect("run mailwhy");
    let secs = started.elapsed().as_secs_f64();
    let exit = out.status.code();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    let mut verdicts = Vec::new();
    let mut offline_error = false;
    match shape {
        Shape::NoDns => {
            // Its exit follows the allowlist, not DNS (cli.md): 0 or 1.
            if !matches!(exit, Some(0 | 1)) {
                problems.push(format!("exit {exit:?}; stderr: {stderr}"));
            }
            let asked = responder.udp_queries() + responder.tcp_queries();
            if asked > 0 {
                problems.push(format!("asked {asked} DNS questions; it needs none"));
            }
            verdicts.push("no DNS".to_string());
        }
        Shape::Reports => match serde_json::from_str::<Value>(&stdout) {
            Ok(v) => {
                let reports = match v {
                    Value::Array(a) => a,
                    one => vec![one],
                };
                for r in &reports {
                    verdicts.push(r["verdict"].as_str().unwrap_or("?").to_string());
                    offline_error |= judge_report(r, &mut problems);
                }
            }
            Err(e) => problems.push(format!("stdout is not JSON ({e}); stderr: {stderr}")),
        },
        Shape::Batch => {
            let mut records = 0;
            for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
                match serde_json::from_str::<Value>(line) {
                    Ok(rec) if rec.get("report").is_some() => {
                        records += 1;
                        let r = &rec["report"];
                        verdicts.push(r["verdict"].as_str().unwrap_or("?").to_string());
                        offline_error |= judge_report(r, &mut problems);
                    }
                    // A malformed row (the fixture has one): an error of the input, exit 1.
                    Ok(rec) if rec.get("error").is_some() => offline_error = true,
                    Ok(rec) => problems.push(format!("a record without a report: {rec}")),
                    Err(e) => problems.push(format!("a line is not JSON ({e}): {line}")),
                }
            }
            if records == 0 {
                problems.push(format!("no record; stderr: {stderr}"));
            }
            // The summary (JSON on stderr with `--format json`) holds the checks about the
            // vendor alone, run once: the gateway audit and the sender authentication.
            // Malformed rows are reported on stderr, one line each, before the summary.
            let all: &str = &stderr;
            let summary_text = match all.find("\n{") {
                Some(i) if !all.starts_with('{') => &all[i + 1..],
                _ => all,
            };
            match serde_json::from_str::<Value>(summary_text) {
                Ok(summary) if summary["shared"].is_object() => {
                    let shared = &summary["shared"];
                    verdicts.push(format!(
                        "shared:{}",
                        shared["verdict"].as_str().unwrap_or("?")
                    ));
                    offline_error |= judge_report(shared, &mut problems);
                }
                _ => problems.push(format!("no JSON summary with the shared checks: {stderr}")),
            }
        }
    }
    if shape != Shape::NoDns {
        let expected = if offline_error { 1 } else { 3 };
        if exit != Some(expected) {
            problems.push(format!(
                "exit {exit:?}, expected {expected} ({})",
                if offline_error {
                    "an error finding from the input files alone"
                } else {
                    "every DNS question failed: inconclusive"
                }
            ));
        }
    }
    verdicts.sort();
    verdicts.dedup();
    Cell {
        command,
        fault,
        exit,
        verdict: verdicts.join(","),
        secs,
        problems,
    }
}

#[test]
fn every_dns_command_under_every_fault_is_never_fine_and_never_concludes_from_a_failed_lookup() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let responders: Vec<((Fault, &'static str), FaultResponder)> = FAULTS
        .iter()
        .map(|&(f, name)| ((f, name), rt.block_on(FaultResponder::start(f))))
        .collect();
    let started = Instant::now();
    let results: Mutex<Vec<Cell>> = Mutex::new(vec![]);
    // One thread per cell, at most `PARALLEL` at once: the cells mostly wait on DNS timeouts.
    const PARALLEL: usize = 12;
    let jobs: Vec<(&'static str, Vec<&'static str>, Shape, usize)> = cells()
        .into_iter()
        .flat_map(|(c, a, s)| (0..responders.len()).map(move |i| (c, a.clone(), s, i)))
        .collect();
    let next = Mutex::new(jobs.into_iter());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| loop {
                let Some((command, args, shape, i)) = next.lock().unwrap().next() else {
                    return;
                };
                let (fault, responder) = &responders[i];
                let cell = run_cell(command, &args, shape, *fault, responder);
                results.lock().unwrap().push(cell);
            });
        }
    });
    let elapsed = started.elapsed();
    let mut cells = results.into_inner().unwrap();
    let order = |c: &Cell| {
        (
            cells_order(c.command),
            FAULTS.iter().position(|f| f.1 == c.fault),
        )
    };
    cells.sort_by_key(order);
    let mut table = format!(
        "\nfault matrix ({} cells in {:.1} s): exit code, verdict\n{:<18}",
        cells.len(),
        elapsed.as_secs_f64(),
        ""
    );
    for (_, f) in FAULTS {
        table.push_str(&format!(" | {f:<26}"));
    }
    let mut failures = Vec::new();
    for row in cells.chunk_by(|a, b| a.command == b.command) {
        table.push_str(&format!("\n{:<18}", row[0].command));
        for c in row {
            let mark = if c.problems.is_empty() { "" } else { " FAIL" };
            let exit = c.exit.map_or("-".to_string(), |e| e.to_string());
            table.push_str(&format!(
                " | {:<26}",
                format!("{exit} {} {:.1}s{mark}", c.verdict, c.secs)
            ));
            for p in &c.problems {
                failures.push(format!("{} × {}: {p}", c.command, c.fault));
            }
        }
    }
    println!("{table}");
    let asked: u64 = responders
        .iter()
        .map(|(_, r)| r.udp_queries() + r.tcp_queries())
        .sum();
    assert!(asked > 0, "the responders received no query at all");
    assert!(
        failures.is_empty(),
        "{table}\n\n{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        elapsed < Duration::from_secs(60),
        "the matrix took {elapsed:?}; keep it under 60 s"
    );
}

fn cells_order(command: &str) -> usize {
    cells()
        .iter()
        .position(|c| c.0 == command)
        .unwrap_or(usize::MAX)
}
