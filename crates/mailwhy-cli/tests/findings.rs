//! One fixture case per registered finding id, run through the real binary.
//!
//! Every id that `mailwhy explain list` prints has a case at `fixtures/findings/<id>/case.toml`
//! (see `fixtures/findings/README.md` for the format): the inputs that genuinely trigger it,
//! the subcommand to run on them, and the expected exit code. The ids come from the binary, not
//! from the library, so this test keeps working while the library's internals change.
//!
//! Every case runs offline: its DNS answers come from zone files (`dns_zones`, served on
//! loopback by the binary's own `--dns-zones`) or from a [`FaultResponder`] that fails on purpose
//! (`nameserver_fault`). POP3 probes talk to real loopback endpoints the runner opens itself (a
//! closed port, a listener that speaks plain POP3 where TLS is expected) or, for the cases that
//! need a real login, to Dovecot in a separate test that is ignored by default.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use mailwhy_tests::dovecot::{scripted_server, Dovecot, USER};
use mailwhy_tests::postfix::Postfix;
use mailwhy_tests::{workspace, Fault, FaultResponder};
use serde::Deserialize;

/// Registered ids that no input given to the command line can trigger, each with the reason.
/// Any other registered id without a case is a failure.
const NOT_COVERABLE: &[(&str, &str)] = &[];

/// The subcommands whose JSON output carries finding ids (`bounce` prints bounce reasons, not
/// finding ids: a bounce case runs `message` on the bounce instead).
const REPORT_COMMANDS: &[&str] = &[
    "diagnose",
    "batch",
    "address",
    "auth",
    "spf",
    "allowlist",
    "message",
    "pop3",
    "events",
    "blocklist",
    "reports",
    "transport",
];

/// Options the runner sets itself; a case gives them through its own fields instead.
const RUNNER_FLAGS: &[&str] = &["--format", "--dns-zones", "--nameserver", "--now"];

/// How long one run of the binary may take before it is killed and reported.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// Cases run at once (each starts the binary and, through `--dns-zones`, its own zone server).
const CONCURRENCY: usize = 6;

/// `fixtures/findings/<id>/case.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The subcommand and its arguments. The binary runs in the case directory, so relative
    /// paths are taken relative to it. `{port}`, `{plain_port}`, `{ca_file}` and `{user}` are
    /// replaced by the values of the POP3 server the case asks for.
    args: Vec<String>,
    /// A directory of `*.zone` files (relative to the case directory) answering every question.
    dns_zones: Option<String>,
    /// Resolve through a loopback server that fails every question this way instead.
    nameserver_fault: Option<FaultKind>,
    /// "Now" (RFC 3339) for the subcommands that take `--now`.
    now: Option<String>,
    /// Environment variables for the run (e.g. the variable `--password-env` names).
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// A POP3 endpoint on loopback for `pop3 --probe`.
    pop3_server: Option<Pop3Server>,
    /// A directory of MTA-STS policy files (relative to the case) served by a real HTTPS
    /// server on loopback (`mailwhy_tests::https`); `{https_port}` and `{ca_file}` in `args`
    /// become its port and its test CA.
    https_root: Option<String>,
    /// An SMTP server on loopback for `transport --probe`; `{smtp_port}` and `{smtp_ca_file}`
    /// in `args` become its port and CA.
    smtp_server: Option<SmtpServer>,
    /// A directory (relative to the case) copied to a fresh temporary directory for the run;
    /// `{writable_dir}` in `args` becomes the copy's path (an input the run writes to, such as
    /// `--sts-cache`, so the fixture itself never changes).
    writable_dir: Option<String>,
    /// Finding ids the output must contain; the case's own id among them.
    expect_ids: Vec<String>,
    /// The exit code (0 no problem, 1 a problem, 3 inconclusive).
    expect_exit: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum FaultKind {
    Servfail,
    Refused,
    Silent,
    Truncate,
    Nxdomain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Pop3Server {
    /// A loopback port nothing listens on: the connection is refused.
    ClosedPort,
    /// A loopback listener that greets in plain text (`+OK`) at once, as a plain POP3 port does.
    PlainGreeting,
    /// A real Dovecot (`{port}` is its implicit-TLS port, `{plain_port}` its STLS port).
    Dovecot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum SmtpServer {
    /// A loopback listener that greets and answers EHLO without STARTTLS.
    NoStarttls,
    /// A real Postfix whose certificate expired (`mailwhy_tests::postfix`; these cases run only
    /// in the ignored Postfix test).
    PostfixExpired,
}

/// The JSON report, strictly (schema_version 1 plus the optional `data`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Report {
    schema_version: u32,
    subject: String,
    verdict: String,
    findings: Vec<Finding>,
    checks: Vec<Check>,
    stats: Stats,
    #[serde(default)]
    data: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Finding {
    id: String,
    severity: String,
    title: String,
    detail: String,
    remedy: String,
    evidence: serde_json::Value,
    /// Strict: only the scopes docs/json.md names parse.
    scope: mailwhy::finding::Scope,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Check {
    name: String,
    status: String,
    detail: String,
    duration_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Stats {
    dns_queries: u64,
    duration_ms: u64,
    #[serde(default)]
    resolvers: Vec<String>,
}

/// One line of `mailwhy batch`'s JSON Lines: a report, or why the row could not be read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct BatchRecord {
    row: usize,
    line: usize,
    report: Option<Report>,
    error: Option<RowProblem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RowProblem {
    line: usize,
    column: Option<String>,
    message: String,
}

fn findings_root() -> PathBuf {
    workspace().join("fixtures/findings")
}

/// The registered ids: the first column of `mailwhy explain list`.
fn registered_ids() -> BTreeSet<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["explain", "list"])
        .output()
        .expect("run mailwhy explain list");
    assert_eq!(o.status.code(), Some(0), "mailwhy explain list: {o:?}");
    let ids: BTreeSet<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    for id in &ids {
        assert!(
            id.split_once('.').is_some_and(|(a, b)| !a.is_empty()
                && !b.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')),
            "`mailwhy explain list` printed {id:?} where a finding id was expected"
        );
    }
    assert!(ids.len() >= 100, "only {} ids registered", ids.len());
    ids
}

/// Every directory under fixtures/findings, by name.
fn case_dirs() -> BTreeMap<String, PathBuf> {
    std::fs::read_dir(findings_root())
        .expect("fixtures/findings")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect()
}

#[test]
fn every_registered_id_has_a_case_and_every_case_a_registered_id() {
    let ids = registered_ids();
    let dirs = case_dirs();
    let not_coverable: BTreeMap<&str, &str> = NOT_COVERABLE.iter().copied().collect();
    let mut failures = Vec::new();
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !not_coverable.contains_key(id.as_str()))
        .filter(|id| !findings_root().join(id).join("case.toml").is_file())
        .collect();
    if !missing.is_empty() {
        failures.push(format!(
            "{} registered ids have no fixtures/findings/<id>/case.toml: {}",
            missing.len(),
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for name in dirs.keys() {
        if !ids.contains(name) {
            failures.push(format!(
                "fixtures/findings/{name}: {name} is not a registered finding id"
            ));
        } else if not_coverable.contains_key(name.as_str()) {
            failures.push(format!(
                "fixtures/findings/{name}: {name} is listed in NOT_COVERABLE but has a case; drop it from the list"
            ));
        }
    }
    for (id, reason) in NOT_COVERABLE {
        if !ids.contains(*id) {
            failures.push(format!(
                "NOT_COVERABLE names {id}, which is not registered ({reason})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Reads a case and checks its shape; `Err` says what is wrong with it.
fn load_case(id: &str, dir: &Path) -> Result<Case, String> {
    let path = dir.join("case.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{id}: {e}"))?;
    if !text.starts_with('#') {
        return Err(format!(
            "{id}: case.toml must open with a # comment citing the rule it exercises"
        ));
    }
    let case: Case = toml::from_str(&text).map_err(|e| format!("{id}: case.toml: {e}"))?;
    if !case.expect_ids.iter().any(|e| e == id) {
        return Err(format!("{id}: expect_ids must contain {id}"));
    }
    match case.args.first().map(String::as_str) {
        Some("bounce") => {
            return Err(format!(
                "{id}: `bounce` prints bounce reasons, not finding ids; run `message` on the bounce"
            ))
        }
        Some(c) if REPORT_COMMANDS.contains(&c) => {}
        other => {
            return Err(format!(
                "{id}: args must start with one of {REPORT_COMMANDS:?}, found {other:?}"
            ))
        }
    }
    if let Some(flag) = case.args.iter().find(|a| {
        RUNNER_FLAGS
            .iter()
            .any(|f| a == f || a.starts_with(&format!("{f}=")))
    }) {
        return Err(format!(
            "{id}: {flag} is set by the runner (use dns_zones, nameserver_fault or now)"
        ));
    }
    if case.dns_zones.is_some() == case.nameserver_fault.is_some() {
        return Err(format!(
            "{id}: give exactly one of dns_zones and nameserver_fault (no case may use the network)"
        ));
    }
    if let Some(z) = &case.dns_zones {
        if !dir.join(z).is_dir() {
            return Err(format!("{id}: dns_zones {z} is not a directory"));
        }
    }
    Ok(case)
}

/// What a Dovecot started for the ignored test offers to its cases.
struct DovecotInfo {
    tls_port: u16,
    plain_port: u16,
    ca_file: String,
}

/// Runs one case; `Err` lists everything that did not match.
async fn run_case(
    id: String,
    dir: PathBuf,
    case: Case,
    registered: &BTreeSet<String>,
    dovecot: Option<&DovecotInfo>,
    postfix: Option<&Postfix>,
) -> Result<(), String> {
    let mut vars: Vec<(&str, String)> = Vec::new();
    match case.pop3_server {
        None => {}
        Some(Pop3Server::ClosedPort) => {
            // Bind, note the port, close: nothing listens there any more.
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| format!("{id}: cannot pick a closed port: {e}"))?
                .port();
            vars.push(("{port}", port.to_string()));
        }
        Some(Pop3Server::PlainGreeting) => {
            let port = scripted_server(
                "+OK POP3 server ready\r\n",
                |_| "-ERR unknown command\r\n".into(),
                4,
            );
            vars.push(("{port}", port.to_string()));
        }
        Some(Pop3Server::Dovecot) => {
            let d = dovecot.ok_or_else(|| format!("{id}: needs Dovecot"))?;
            vars.push(("{port}", d.tls_port.to_string()));
            vars.push(("{plain_port}", d.plain_port.to_string()));
            vars.push(("{ca_file}", d.ca_file.clone()));
            vars.push(("{user}", USER.to_string()));
        }
    }
    match case.smtp_server {
        None => {}
        Some(SmtpServer::NoStarttls) => {
            let port = scripted_server(
                "220 mx.optional.example ESMTP\r\n",
                |line| match line.to_ascii_uppercase().get(..4) {
                    Some("EHLO") => "250-mx.optional.example\r\n250 PIPELINING\r\n".into(),
                    Some("QUIT") => "221 2.0.0 Bye\r\n".into(),
                    _ => "502 5.5.2 Error: command not recognized\r\n".into(),
                },
                4,
            );
            vars.push(("{smtp_port}", port.to_string()));
        }
        Some(SmtpServer::PostfixExpired) => {
            let p = postfix.ok_or_else(|| format!("{id}: needs Postfix"))?;
            vars.push(("{smtp_port}", p.expired_port.to_string()));
            vars.push(("{smtp_ca_file}", p.ca_file().display().to_string()));
        }
    }
    let _https = match &case.https_root {
        Some(root) => {
            let server = mailwhy_tests::https::PolicyServer::start(&dir.join(root));
            vars.push(("{https_port}", server.port.to_string()));
            vars.push(("{ca_file}", server.ca_file.display().to_string()));
            Some(server)
        }
        None => None,
    };
    let _writable = match &case.writable_dir {
        Some(rel) => {
            let copy = tempfile::tempdir().map_err(|e| format!("{id}: tempdir: {e}"))?;
            for entry in
                std::fs::read_dir(dir.join(rel)).map_err(|e| format!("{id}: {rel}: {e}"))?
            {
                let path = entry.map_err(|e| format!("{id}: {rel}: {e}"))?.path();
                std::fs::copy(&path, copy.path().join(path.file_name().unwrap()))
                    .map_err(|e| format!("{id}: {}: {e}", path.display()))?;
            }
            vars.push(("{writable_dir}", copy.path().display().to_string()));
            Some(copy)
        }
        None => None,
    };
    let mut args: Vec<String> = case
        .args
        .iter()
        .map(|a| vars.iter().fold(a.clone(), |acc, (k, v)| acc.replace(k, v)))
        .collect();
    if let Some(a) = args.iter().find(|a| a.contains('{') && a.contains('}')) {
        return Err(format!(
            "{id}: {a:?} has a placeholder this case's pop3_server, https_root, smtp_server or writable_dir does not fill"
        ));
    }
    args.extend(["--format".into(), "json".into()]);
    if let Some(z) = &case.dns_zones {
        args.extend(["--dns-zones".into(), z.clone()]);
    }
    let _fault = match case.nameserver_fault {
        Some(kind) => {
            let f = FaultResponder::start(match kind {
                FaultKind::Servfail => Fault::ServFail,
                FaultKind::Refused => Fault::Refused,
                FaultKind::Silent => Fault::Silent,
                FaultKind::Truncate => Fault::Truncate,
                FaultKind::Nxdomain => Fault::NxDomain,
            })
            .await;
            args.extend([
                "--nameserver".into(),
                f.addr().to_string(),
                "--timeout".into(),
                "0.5".into(),
            ]);
            Some(f)
        }
        None => None,
    };
    if let Some(now) = &case.now {
        args.extend(["--now".into(), now.clone()]);
    }
    let env = case.env.clone();
    let run_dir = dir.clone();
    let shown = args.join(" ");
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailwhy"));
        cmd.args(&args).current_dir(&run_dir).envs(&env);
        run_with_deadline(cmd, RUN_DEADLINE)
    })
    .await
    .map_err(|e| format!("{id}: {e}"))?
    .map_err(|e| format!("{id}: mailwhy {shown}: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ids = parse_ids(&case.args[0], &out.stdout)
        .map_err(|e| format!("{id}: mailwhy {shown}: {e}\nstderr: {stderr}"))?;
    let mut problems = Vec::new();
    if out.status.code() != Some(case.expect_exit) {
        problems.push(format!(
            "exit {:?}, expected {}",
            out.status.code(),
            case.expect_exit
        ));
    }
    for want in &case.expect_ids {
        if !ids.contains(want) {
            problems.push(format!("{want} missing"));
        }
    }
    for got in &ids {
        if !registered.contains(got) {
            problems.push(format!("the output has the unregistered id {got}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{id}: {} (found {ids:?}; mailwhy {shown}; stderr: {})",
            problems.join("; "),
            stderr.trim()
        ))
    }
}

/// The finding ids in a subcommand's `--format json` output, parsed strictly: JSON Lines of
/// records for `batch`, otherwise one report (an object) or several (an array).
fn parse_ids(command: &str, stdout: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(stdout).map_err(|e| format!("output is not UTF-8: {e}"))?;
    let reports: Vec<Report> = if command == "batch" {
        let mut reports = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let r: BatchRecord = serde_json::from_str(line)
                .map_err(|e| format!("line {} is not a strict batch record ({e})", n + 1))?;
            if r.report.is_some() == r.error.is_some() {
                return Err(format!(
                    "line {}: a record has a report or an error, not both or neither",
                    n + 1
                ));
            }
            reports.extend(r.report);
        }
        if reports.is_empty() {
            return Err("no report in the batch output".into());
        }
        reports
    } else {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("the output is not one JSON document ({e})"))?;
        let strict = |v: serde_json::Value| {
            serde_json::from_value::<Report>(v)
                .map_err(|e| format!("not a strict schema_version 1 report ({e})"))
        };
        match v {
            serde_json::Value::Array(items) => {
                items.into_iter().map(strict).collect::<Result<_, _>>()?
            }
            other => vec![strict(other)?],
        }
    };
    if let Some(r) = reports.iter().find(|r| r.schema_version != 1) {
        return Err(format!("schema_version {}", r.schema_version));
    }
    Ok(reports
        .into_iter()
        .flat_map(|r| r.findings.into_iter().map(|f| f.id))
        .collect())
}

/// Runs `cmd` to completion, killing it after `deadline`.
fn run_with_deadline(mut cmd: Command, deadline: Duration) -> Result<Output, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {} s", deadline.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Loads every case, keeping those `select` accepts; load errors go to `failures`.
fn cases(
    select: impl Fn(&Case) -> bool,
    failures: &mut Vec<String>,
) -> Vec<(String, PathBuf, Case)> {
    let mut out = Vec::new();
    for (id, dir) in case_dirs() {
        match load_case(&id, &dir) {
            Ok(c) if select(&c) => out.push((id, dir, c)),
            Ok(_) => {}
            Err(e) => failures.push(e),
        }
    }
    out
}

async fn run_all(
    all: Vec<(String, PathBuf, Case)>,
    registered: &BTreeSet<String>,
    dovecot: Option<&DovecotInfo>,
    postfix: Option<&Postfix>,
) -> Vec<String> {
    futures::stream::iter(all)
        .map(|(id, dir, case)| run_case(id, dir, case, registered, dovecot, postfix))
        .buffer_unordered(CONCURRENCY)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_case_triggers_its_finding_id() {
    let registered = registered_ids();
    let mut failures = Vec::new();
    let all = cases(
        |c| {
            c.pop3_server != Some(Pop3Server::Dovecot)
                && c.smtp_server != Some(SmtpServer::PostfixExpired)
        },
        &mut failures,
    );
    let count = all.len();
    let started = Instant::now();
    failures.extend(run_all(all, &registered, None, None).await);
    failures.sort();
    println!(
        "findings: {count} cases run in {:.1} s, {} failed (cases with pop3_server = \"dovecot\" run in dovecot_cases_trigger_their_finding_ids, smtp_server = \"postfix-expired\" in postfix_cases_trigger_their_finding_ids)",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dovecot-pop3d (apt)"]
async fn dovecot_cases_trigger_their_finding_ids() {
    let registered = registered_ids();
    let mut failures = Vec::new();
    let all = cases(
        |c| c.pop3_server == Some(Pop3Server::Dovecot),
        &mut failures,
    );
    assert!(!all.is_empty(), "no case asks for Dovecot");
    let d = Dovecot::start(2);
    let info = DovecotInfo {
        tls_port: d.tls_port,
        plain_port: d.plain_port,
        ca_file: d.ca_file().display().to_string(),
    };
    failures.extend(run_all(all, &registered, Some(&info), None).await);
    assert!(
        failures.is_empty(),
        "{}\n--- dovecot logs ---\n{}",
        failures.join("\n"),
        d.logs()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs postfix (apt postfix)"]
async fn postfix_cases_trigger_their_finding_ids() {
    let registered = registered_ids();
    let mut failures = Vec::new();
    let all = cases(
        |c| c.smtp_server == Some(SmtpServer::PostfixExpired),
        &mut failures,
    );
    assert!(!all.is_empty(), "no case asks for Postfix");
    let p = Postfix::start();
    failures.extend(run_all(all, &registered, None, Some(&p)).await);
    assert!(
        failures.is_empty(),
        "{}\n--- postfix log ---\n{}",
        failures.join("\n"),
        p.logs()
    );
}
