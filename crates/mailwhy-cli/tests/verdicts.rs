//! Verdicts that agree with the findings (issue #16): no report says "no problem found" (nor
//! exits 0) while it states that mail "would fail" DMARC, that a provider rule is "NOT MET", or
//! that an SPF evaluation gives "permerror".
//!
//! Walks every fixture report through the real binary, in text and in JSON: every scenario
//! ticket (`fixtures/tickets/*/ticket.toml`, run as `diagnose`), every finding case
//! (`fixtures/findings/*/case.toml`, its own subcommand), and `mailwhy auth` and `mailwhy spf` on
//! every domain of the demo and auth zones. A JSON report (or a JSON Lines record) whose verdict
//! is `no-problem-found` must not contain the words; a run that exits 0 must not print them at
//! all.

use std::path::{Path, PathBuf};
use std::process::Command;

use futures::StreamExt;
use mailwhy_tests::{workspace, Fault, FaultResponder};
use serde::Deserialize;

/// What a report must not say when its verdict is "no problem found".
const CONTRADICTIONS: &[&str] = &["would fail", "NOT MET", "permerror"];

/// Runs at once (each starts the binary and, through `--dns-zones`, its own zone server).
const CONCURRENCY: usize = 4;

/// One run of the binary: where, with what, and the DNS it resolves from.
#[derive(Debug, Clone)]
struct Run {
    /// What the failure message calls it.
    name: String,
    /// Working directory.
    dir: PathBuf,
    /// Arguments, without `--format`.
    args: Vec<String>,
    /// Resolve through a loopback server that fails this way instead of zone files.
    fault: Option<Fault>,
}

/// The fields of a ticket this test needs (tickets.rs checks the rest strictly).
#[derive(Debug, Deserialize)]
struct Ticket {
    address: String,
    now: String,
    config: Option<String>,
    directory: Option<String>,
    sender: Option<String>,
    allowlist: Option<String>,
    dns_zones: Option<String>,
    nameserver_fault: Option<String>,
    #[serde(default)]
    messages: Vec<String>,
}

/// The fields of a finding case this test needs (findings.rs checks the rest strictly).
#[derive(Debug, Deserialize)]
struct Case {
    args: Vec<String>,
    dns_zones: Option<String>,
    nameserver_fault: Option<String>,
    now: Option<String>,
    pop3_server: Option<String>,
    https_root: Option<String>,
    smtp_server: Option<String>,
}

fn fault(kind: &str) -> Fault {
    match kind {
        "servfail" => Fault::ServFail,
        "refused" => Fault::Refused,
        "silent" => Fault::Silent,
        "truncate" => Fault::Truncate,
        "nxdomain" => Fault::NxDomain,
        other => panic!("unknown fault {other}"),
    }
}

fn dirs_with(root: &Path, file: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join(file).is_file())
        .collect();
    out.sort();
    out
}

fn ticket_runs() -> Vec<Run> {
    dirs_with(&workspace().join("fixtures/tickets"), "ticket.toml")
        .into_iter()
        .map(|dir| {
            let t: Ticket =
                toml::from_str(&std::fs::read_to_string(dir.join("ticket.toml")).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let mut args = Vec::new();
            if let Some(c) = &t.config {
                args.extend(["--config".into(), c.clone()]);
            }
            args.extend(["diagnose".into(), t.address, "--now".into(), t.now]);
            for (flag, v) in [
                ("--directory", &t.directory),
                ("--sender", &t.sender),
                ("--allowlist", &t.allowlist),
                ("--dns-zones", &t.dns_zones),
            ] {
                if let Some(v) = v {
                    args.extend([flag.into(), v.clone()]);
                }
            }
            for m in &t.messages {
                args.extend(["--message".into(), m.clone()]);
            }
            Run {
                name: format!("ticket {}", dir.file_name().unwrap().to_string_lossy()),
                args,
                fault: t.nameserver_fault.as_deref().map(fault),
                dir,
            }
        })
        .collect()
}

fn case_runs() -> Vec<Run> {
    dirs_with(&workspace().join("fixtures/findings"), "case.toml")
        .into_iter()
        .filter_map(|dir| {
            let c: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            // A POP3 case needs a server the finding runner opens itself; its report is about a
            // mailbox, which says nothing of DMARC, provider rules or SPF.
            if c.pop3_server.is_some() {
                return None;
            }
            // Likewise a transport case whose policy host or MX the finding runner starts: its
            // report is about the recipient's TLS rules (the other transport cases run here).
            if c.https_root.is_some() || c.smtp_server.is_some() {
                return None;
            }
            let mut args = c.args;
            if let Some(z) = c.dns_zones {
                args.extend(["--dns-zones".into(), z]);
            }
            if let Some(n) = c.now {
                args.extend(["--now".into(), n]);
            }
            Some(Run {
                name: format!("case {}", dir.file_name().unwrap().to_string_lossy()),
                args,
                fault: c.nameserver_fault.as_deref().map(fault),
                dir,
            })
        })
        .collect()
}

/// The domains of the `*.zone` files in `zones` (reverse zones left out).
fn zone_domains(zones: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(zones)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_suffix(".zone")
                .map(str::to_string)
        })
        .filter(|d| !d.ends_with(".arpa"))
        .collect();
    out.sort();
    out
}

/// `auth` and `spf` on every domain of the demo and auth zones: bare, and with the demo's sending
/// IPs, envelope domains and selectors (the sender profile's), so that the prediction, the
/// checklist and the SPF evaluation all run.
fn zone_runs() -> Vec<Run> {
    let ips = [
        "137.22.225.98",
        "137.22.228.37",
        "167.89.24.90",
        "137.22.225.99",
    ];
    let mut runs = Vec::new();
    for zones in ["fixtures/demo/zones", "fixtures/auth/zones"] {
        for d in zone_domains(&workspace().join(zones)) {
            let base = |args: Vec<String>, what: &str| Run {
                name: format!("{what} {d} ({zones})"),
                dir: workspace(),
                args: [vec!["--dns-zones".to_string(), zones.to_string()], args].concat(),
                fault: None,
            };
            let with_ips: Vec<String> = ips
                .iter()
                .flat_map(|ip| ["--ip".to_string(), ip.to_string()])
                .collect();
            runs.push(base(vec!["auth".into(), d.clone()], "auth"));
            let mut full = vec!["auth".to_string(), d.clone()];
            full.extend(with_ips.clone());
            for s in ["s1", "s2", "s2048"] {
                full.extend(["--selector".into(), s.into()]);
            }
            for e in [d.as_str(), "em.procore.com"] {
                full.extend(["--envelope-domain".into(), e.into()]);
            }
            runs.push(base(full, "auth (full)"));
            runs.push(base(vec!["spf".into(), d.clone()], "spf"));
            let mut spf = vec!["spf".to_string(), d.clone()];
            spf.extend(with_ips);
            runs.push(base(spf, "spf (ips)"));
        }
    }
    runs
}

/// The contradictions in `text`.
fn contradictions(text: &str) -> Vec<&'static str> {
    CONTRADICTIONS
        .iter()
        .copied()
        .filter(|w| text.contains(w))
        .collect()
}

/// Every JSON object with a `verdict` of `no-problem-found` in `v`, serialized.
fn no_problem_reports(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("verdict").and_then(|v| v.as_str()) == Some("no-problem-found") {
                out.push(v.to_string());
            } else {
                o.values().for_each(|v| no_problem_reports(v, out));
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| no_problem_reports(v, out)),
        _ => {}
    }
}

/// Runs `run` in text and in JSON; the contradictions found, one line each. `reports` counts
/// the outputs that were looked at.
async fn check(run: Run) -> (usize, Vec<String>) {
    let _fault = match run.fault {
        Some(f) => Some(FaultResponder::start(f).await),
        None => None,
    };
    let mut problems = Vec::new();
    let mut looked_at = 0;
    for format in ["text", "json"] {
        let mut args = run.args.clone();
        args.extend([
            "--format".into(),
            format.into(),
            "--color".into(),
            "never".into(),
        ]);
        if let Some(f) = &_fault {
            args.extend([
                "--nameserver".into(),
                f.addr().to_string(),
                "--timeout".into(),
                "0.5".into(),
            ]);
        }
        let dir = run.dir.clone();
        let shown = args.join(" ");
        let out = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_mailwhy"))
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() == Some(2) {
            problems.push(format!(
                "{}: mailwhy {shown} could not run: {}",
                run.name,
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        looked_at += 1;
        if out.status.code() == Some(0) {
            let found = contradictions(&stdout);
            if !found.is_empty() {
                problems.push(format!(
                    "{}: mailwhy {shown} exits 0 but says {found:?}",
                    run.name
                ));
            }
        }
        if format == "json" {
            // One document, or JSON Lines (batch).
            let docs: Vec<serde_json::Value> = match serde_json::from_str(&stdout) {
                Ok(v) => vec![v],
                Err(_) => stdout
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect(),
            };
            let mut reports = Vec::new();
            docs.iter()
                .for_each(|d| no_problem_reports(d, &mut reports));
            for r in reports {
                let found = contradictions(&r);
                if !found.is_empty() {
                    problems.push(format!(
                        "{}: mailwhy {shown}: a report with verdict no-problem-found says {found:?}",
                        run.name
                    ));
                }
            }
        }
    }
    (looked_at, problems)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_report_says_no_problem_while_stating_a_failure() {
    let tickets = ticket_runs();
    let cases = case_runs();
    let zones = zone_runs();
    assert!(tickets.len() >= 25, "tickets: {}", tickets.len());
    assert!(cases.len() >= 80, "finding cases: {}", cases.len());
    let total = tickets.len() + cases.len() + zones.len();
    let results: Vec<(usize, Vec<String>)> =
        futures::stream::iter(tickets.into_iter().chain(cases).chain(zones))
            .map(check)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let outputs: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    println!("verdicts: {total} runs, {outputs} outputs looked at");
    assert!(outputs >= total, "{outputs} outputs for {total} runs");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The words are found where a report states them (guards the walk itself against matching
/// nothing): `mailwhy auth` on a domain whose mail from an unauthorized IP would fail DMARC at
/// p=reject says "would fail" and "NOT MET", and is a problem, exit 1.
#[test]
fn the_contradiction_words_are_what_reports_say() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--dns-zones", "fixtures/auth/zones", "--color", "never"])
        .args(["auth", "good.example", "--selector", "nosuch"])
        .args(["--ip", "137.22.225.99", "--envelope-domain", "good.example"])
        .current_dir(workspace())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(contradictions(&text), ["would fail", "NOT MET"], "{text}");
    assert_eq!(o.status.code(), Some(1), "{text}");
}
