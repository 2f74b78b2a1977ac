//! Every scenario ticket under fixtures/tickets/ run through the real binary: the report must
//! contain the expected finding ids, rank the expected one first, and exit with the expected code.
//! JSON output is parsed strictly into the schema_version 1 shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mailwhy_tests::{workspace, Fault, FaultResponder};

use crate::support::Server;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ticket {
    address: String,
    now: String,
    config: Option<String>,
    directory: Option<String>,
    sender: Option<String>,
    allowlist: Option<String>,
    dns_zones: Option<String>,
    /// "servfail" | "refused" | "silent" | "nxdomain": resolve through a failing server
    /// instead of zones.
    nameserver_fault: Option<String>,
    #[serde(default)]
    messages: Vec<String>,
    /// Delivery evidence files (`--events`, repeatable).
    #[serde(default)]
    events: Vec<String>,
    /// DMARC aggregate, failure or TLS reports (`--reports`, repeatable; text files, uploaded
    /// as `reports` to the endpoint).
    #[serde(default)]
    reports: Vec<String>,
    /// A directory of MTA-STS policies served by a real HTTPS server on loopback
    /// (`mailwhy_tests::https`), reached with `--https-port` and `--ca-file`.
    https_root: Option<String>,
    expect_first: Option<String>,
    expect_first_class: Option<String>,
    expect_ids: Vec<String>,
    /// Id prefixes that must not appear (e.g. `allowlist.` for a recipient the gateway does
    /// not guard).
    #[serde(default)]
    expect_absent: Vec<String>,
    expect_exit: i32,
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
    /// Strict: only `ran`, `skipped` or `inconclusive` parse.
    status: mailwhy::check::CheckStatus,
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

fn rel(dir: &Path, p: &str) -> String {
    dir.join(p).to_string_lossy().into_owned()
}

fn tickets() -> BTreeMap<String, PathBuf> {
    let root = workspace().join("fixtures/tickets");
    std::fs::read_dir(&root)
        .expect("fixtures/tickets")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("ticket.toml").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_ticket_gives_the_expected_diagnosis() {
    let all = tickets();
    assert!(all.len() >= 40, "at least 40 tickets, found {}", all.len());
    let mut failures = Vec::new();
    for (name, dir) in &all {
        let t: Ticket = toml::from_str(&std::fs::read_to_string(dir.join("ticket.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same inputs for the command line and for `mailwhy serve`.
        let mut global: Vec<String> = Vec::new();
        if let Some(c) = &t.config {
            global.extend(["--config".into(), rel(dir, c)]);
        }
        let mut inputs: Vec<String> = Vec::new();
        for (flag, v) in [
            ("--directory", &t.directory),
            ("--sender", &t.sender),
            ("--allowlist", &t.allowlist),
            ("--dns-zones", &t.dns_zones),
        ] {
            if let Some(v) = v {
                inputs.extend([flag.into(), rel(dir, v)]);
            }
        }
        let _fault = match t.nameserver_fault.as_deref() {
            Some(kind) => {
                let f = FaultResponder::start(match kind {
                    "servfail" => Fault::ServFail,
                    "refused" => Fault::Refused,
                    "silent" => Fault::Silent,
                    "nxdomain" => Fault::NxDomain,
                    other => panic!("{name}: unknown fault {other}"),
                })
                .await;
                global.extend([
                    "--nameserver".into(),
                    f.addr().to_string(),
                    "--timeout".into(),
                    "0.5".into(),
                ]);
                Some(f)
            }
            None => None,
        };
        let mut args = global.clone();
        args.extend([
            "diagnose".into(),
            t.address.clone(),
            "--now".into(),
            t.now.clone(),
            "--format".into(),
            "json".into(),
        ]);
        let _https = t.https_root.as_ref().map(|root| {
            let server = mailwhy_tests::https::PolicyServer::start(&dir.join(root));
            inputs.extend([
                "--https-port".into(),
                server.port.to_string(),
                "--ca-file".into(),
                server.ca_file.display().to_string(),
            ]);
            server
        });
        args.extend(inputs.iter().cloned());
        for m in &t.messages {
            args.extend(["--message".into(), rel(dir, m)]);
        }
        for e in &t.events {
            args.extend(["--events".into(), rel(dir, e)]);
        }
        for r in &t.reports {
            args.extend(["--reports".into(), rel(dir, r)]);
        }
        let out = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_mailwhy"))
                .args(&args)
                .current_dir(workspace())
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        // The same ticket through `POST /v1/diagnose` of a real server with the same inputs.
        assert!(
            t.messages.len() <= 1,
            "{name}: the endpoint takes one message"
        );
        let body = serde_json::json!({
            "email": t.address,
            "now": t.now,
            "message": t.messages.first().map(|m| std::fs::read_to_string(dir.join(m)).unwrap()),
            "events": t.events.iter().map(|e| std::fs::read_to_string(dir.join(e)).unwrap()).collect::<Vec<_>>(),
            "reports": t.reports.iter().map(|r| std::fs::read_to_string(dir.join(r)).unwrap()).collect::<Vec<_>>(),
        });
        let (status, http) = tokio::task::spawn_blocking(move || {
            let server = Server::start(
                &global.iter().map(String::as_str).collect::<Vec<_>>(),
                &inputs.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            server.request(
                "POST",
                "/v1/diagnose",
                "application/json",
                body.to_string().as_bytes(),
            )
        })
        .await
        .unwrap();
        let report: Report = match serde_json::from_slice(&out.stdout) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!(
                    "{name}: not a strict schema_version 1 report ({e}): {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
        };
        assert_eq!(report.schema_version, 1);
        let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        let http_ids: Vec<&str> = http["findings"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["id"].as_str()).collect())
            .unwrap_or_default();
        if status != 200 || http_ids != ids || http["verdict"] != report.verdict.as_str() {
            failures.push(format!(
                "{name}: POST /v1/diagnose gives {status} {} {http_ids:?}, the command line {} {ids:?}",
                http["verdict"], report.verdict
            ));
        }
        if out.status.code() != Some(t.expect_exit) {
            failures.push(format!(
                "{name}: exit {:?}, expected {} ({ids:?})",
                out.status.code(),
                t.expect_exit
            ));
        }
        for id in &t.expect_ids {
            if !ids.contains(&id.as_str()) {
                failures.push(format!("{name}: {id} missing from {ids:?}"));
            }
        }
        if t.expect_ids.is_empty() && report.findings.iter().any(|f| f.severity != "info") {
            failures.push(format!("{name}: expected no problem, got {ids:?}"));
        }
        for prefix in &t.expect_absent {
            if let Some(id) = ids.iter().find(|i| i.starts_with(prefix.as_str())) {
                failures.push(format!("{name}: {id} should not be reported: {ids:?}"));
            }
        }
        if let Some(first) = &t.expect_first {
            if ids.first() != Some(&first.as_str()) {
                failures.push(format!("{name}: {first} should rank first: {ids:?}"));
            }
        }
        if let Some(class) = &t.expect_first_class {
            if !ids.first().is_some_and(|i| i.starts_with(class.as_str())) {
                failures.push(format!(
                    "{name}: a {class} finding should rank first: {ids:?}"
                ));
            }
        }
    }
    println!(
        "tickets: {} passed, {} failed",
        all.len() - failures.len().min(all.len()),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_demo_markdown_reads_like_a_ticket_answer() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--config",
            "fixtures/demo/mailwhy.toml",
            "diagnose",
            "jane.doe@acme-builders.com",
            "--now",
            "2026-11-23T12:00:00Z",
            "--format",
            "markdown",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8_lossy(&o.stdout);
    // The answer is a sentence about Jane's account, not a finding title; the company-wide
    // gateway problem comes second and says that it reaches everyone.
    assert!(
        md.contains("**Answer:** The account jane.doe@acme-builders.com (line 2) has \"send messages to this user\" turned off"),
        "{md}"
    );
    assert!(
        md.contains("Also: ")
            && md.contains(
                "which affects everyone at acme-builders.com whose mail passes this gateway."
            ),
        "{md}"
    );
    assert!(
        md.contains("**Cause:** \"send messages to this user\" is off (`user.messaging-disabled`)"),
        "{md}"
    );
    assert!(
        md.contains("**Steps**\n\n1. Turn \"send messages to this user\" on"),
        "{md}"
    );
    // The bad directory row is reported on stderr with its line and column, and the rest is used.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("users.csv:21: row skipped: column status"),
        "{err}"
    );
}

#[test]
fn no_problem_reports_say_what_was_checked_and_the_next_steps() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--config",
            "fixtures/demo/mailwhy.toml",
            "diagnose",
            "kenji.sato@acme-builders.com",
            "--allowlist",
            "fixtures/demo/gateway-complete.txt",
            "--now",
            "2026-11-23T12:00:00Z",
            "--color",
            "never",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("next steps") && text.contains("junk") && text.contains("password reset"),
        "{text}"
    );
}

#[test]
fn bad_now_exits_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["diagnose", "a@b.example", "--now", "yesterday"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// The demo's Omar and Sara (issue #16): the gateway's lint errors reach every recipient, so they
/// come after the one thing about this person, their invitation, in the Markdown answer and in
/// the ranking.
#[test]
fn an_invitation_answers_before_a_company_wide_gateway_error() {
    for (who, answer) in [
        (
            "omar.haddad@acme-builders.com",
            "**Answer:** Invited on 2026-10-01; the last automated reminder went out on 2026-10-15",
        ),
        (
            "sara.kim@acme-builders.com",
            "**Answer:** Invited on 2026-11-18, not accepted yet",
        ),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .args(["--config", "fixtures/demo/mailwhy.toml", "diagnose", who])
            .args(["--now", "2026-11-23T12:00:00Z", "--format", "markdown"])
            .current_dir(workspace())
            .output()
            .unwrap();
        let md = String::from_utf8_lossy(&o.stdout);
        assert!(md.contains(answer), "{who}: {md}");
        assert!(md.contains("Also: "), "{who}: {md}");
        if who.starts_with("omar") {
            let steps = md.split("**Steps**").nth(1).unwrap_or_default();
            let first = steps.trim_start().lines().next().unwrap_or_default();
            assert!(
                first.contains("Re-invite"),
                "{who}: the first step re-invites: {md}"
            );
        }
    }
}

/// Issue #16: for every demo user, the Markdown answer leads with that user's own cause when
/// there is one (never a gateway-allowlist finding then), and a recipient the gateway does not
/// guard (a consumer mailbox, an external collaborator) gets no allowlist finding at all.
#[test]
fn every_demo_user_is_answered_with_their_own_cause() {
    let users = std::fs::read_to_string(workspace().join("fixtures/demo/users.csv")).unwrap();
    let mut checked = 0;
    for line in users.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (email, relationship) = (cols[0], cols[7]);
        let run = |format: &str| {
            Command::new(env!("CARGO_BIN_EXE_mailwhy"))
                .args([
                    "-q",
                    "--config",
                    "fixtures/demo/mailwhy.toml",
                    "diagnose",
                    email,
                ])
                .args(["--now", "2026-11-23T12:00:00Z", "--format", format])
                .current_dir(workspace())
                .output()
                .unwrap()
        };
        let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
        let md = String::from_utf8_lossy(&run("markdown").stdout).into_owned();
        let answer = md
            .lines()
            .find_map(|l| l.strip_prefix("**Answer:** "))
            .unwrap_or_else(|| panic!("{email}: no answer: {md}"))
            .to_string();
        let findings = json["findings"].as_array().unwrap();
        let own = findings.iter().find(|f| {
            let scope = f["scope"].as_str().unwrap();
            let causal = f["severity"] != "info" || f["id"] == "user.invite-pending";
            causal && ["message", "account", "address", "recipient-domain"].contains(&scope)
        });
        if let Some(own) = own {
            let id = own["id"].as_str().unwrap();
            assert_eq!(
                findings[0]["id"], id,
                "{email}: their own cause ranks first"
            );
            assert!(
                answer.contains(&format!("({id})")) && !answer.starts_with("Nothing specific"),
                "{email}: the answer names {id}: {answer}"
            );
            let first_id = answer.split(" (").nth(1).unwrap_or_default();
            assert!(!first_id.starts_with("allowlist."), "{email}: {answer}");
        }
        let domain = email.rsplit_once('@').unwrap().1;
        if domain == "gmail.com" || relationship != "employee" {
            assert!(
                !findings
                    .iter()
                    .any(|f| f["id"].as_str().unwrap().starts_with("allowlist.")),
                "{email}: not behind the gateway: {findings:?}"
            );
            assert!(!answer.contains("allowlist."), "{email}: {answer}");
        }
        checked += 1;
    }
    assert_eq!(checked, 20);
}

/// `--gateway-domain` names the domains the gateway guards: the group's other domain is then
/// outside it (its allowlist check skipped, saying why) and a subdomain of a listed one inside.
#[test]
fn gateway_domains_decide_who_the_allowlist_is_for() {
    let run = |email: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .args([
                "-q",
                "--config",
                "fixtures/demo/mailwhy.toml",
                "diagnose",
                email,
            ])
            .args(["--now", "2026-11-23T12:00:00Z", "--format", "json"])
            .args(["--gateway-domain", "acme-builders.com"])
            .current_dir(workspace())
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let allowlist = |r: &serde_json::Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "allowlist")
            .unwrap()
            .clone()
    };
    let mike = run("mike.brown@northwind-bau.de");
    let c = allowlist(&mike);
    assert_eq!(c["status"], "skipped", "{c}");
    assert!(
        c["detail"].as_str().unwrap().contains(
            "not a domain the gateway allowlist guards (gateway_domains: acme-builders.com)"
        ),
        "{c}"
    );
    let emma = run("emma.lee@acme-builders.com");
    assert_eq!(allowlist(&emma)["status"], "ran");
    assert_eq!(emma["findings"][0]["id"], "allowlist.ip-missing");

    let bad = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["diagnose", "a@b.example", "--gateway-domain", "bad..domain"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("empty label"));
}
