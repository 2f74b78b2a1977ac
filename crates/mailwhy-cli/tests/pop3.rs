//! `mailwhy pop3` as a user runs it: the lint explains wrong Gmail settings without touching the
//! network, the probe talks to a real Dovecot, and the password never appears in any output
//! (stdout, stderr, JSON), even when a hostile server echoes it back.
//!
//! The tests that start Dovecot are `#[ignore = "needs dovecot-pop3d (apt)"]`: run them with
//! `cargo test -- --ignored` once `dovecot-pop3d` is installed (`.ci/run` does).

use std::net::TcpListener;
use std::process::{Command, Output};

use mailwhy::check::CheckStatus;
use mailwhy_tests::dovecot::{scripted_server, Dovecot, PASSWORD, USER};
use mailwhy_tests::{workspace, Fault, FaultResponder};
use serde::Deserialize;

fn mailwhy(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailwhy"));
    cmd.args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .env_remove("MAILWHY_TEST_PW");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run mailwhy")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The report's JSON shape, parsed strictly (DESIGN.md, schema_version 1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JsonReport {
    schema_version: u32,
    subject: String,
    verdict: String,
    findings: Vec<JsonFinding>,
    checks: Vec<JsonCheck>,
    stats: JsonStats,
    data: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JsonFinding {
    id: String,
    severity: String,
    title: String,
    detail: String,
    remedy: String,
    evidence: serde_json::Value,
    scope: mailwhy::finding::Scope,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct JsonCheck {
    name: String,
    /// Strict: only `ran`, `skipped` or `inconclusive` parse.
    status: CheckStatus,
    detail: String,
    duration_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonStats {
    dns_queries: u64,
    #[allow(dead_code)]
    duration_ms: u64,
    #[allow(dead_code)]
    #[serde(default)]
    resolvers: Vec<String>,
}

fn parse(o: &Output) -> JsonReport {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_gmail_settings_are_explained_without_touching_the_network() {
    // Any DNS question would reach this responder; a POP3 connection would reach the listener.
    let dns = FaultResponder::start(Fault::ServFail).await;
    let ns = dns.addr().to_string();
    let o = tokio::task::spawn_blocking(move || {
        mailwhy(
            &[
                "--nameserver",
                &ns,
                "--format",
                "json",
                "pop3",
                "--server",
                "pop.gmail.com",
                "--port",
                "110",
                "--tls",
                "implicit",
                "--user",
                "me@gmail.com",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = parse(&o);
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mailbox.port-tls-mismatch",
            "mailbox.wrong-server",
            "mailbox.gmail-recent-prefix"
        ],
        "{}",
        text(&o)
    );
    assert!(r.findings[1]
        .remedy
        .contains("pop.gmail.com, port 995, SSL/TLS"));
    assert!(r.findings[2].remedy.contains("recent:me@gmail.com"));
    assert_eq!(r.verdict, "problem-found");
    assert_eq!(r.stats.dns_queries, 0);
    assert_eq!(
        dns.udp_queries() + dns.tcp_queries(),
        0,
        "no DNS query left the process"
    );
    let probe = r.checks.iter().find(|c| c.name == "probe").unwrap();
    assert_eq!(probe.status, CheckStatus::Skipped);

    // The same in text: every problem and its fix is spelled out.
    let o = mailwhy(
        &[
            "pop3",
            "--server",
            "pop.gmail.com",
            "--port",
            "110",
            "--tls",
            "implicit",
            "--user",
            "me@gmail.com",
        ],
        &[],
    );
    let out = text(&o);
    for needle in [
        "mailbox.port-tls-mismatch",
        "mailbox.wrong-server",
        "mailbox.gmail-recent-prefix",
        "port 995",
        "recent:me@gmail.com",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
}

#[test]
fn without_probe_no_connection_is_made() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let o = mailwhy(
        &[
            "pop3",
            "--server",
            "127.0.0.1",
            "--port",
            &port,
            "--tls",
            "none",
            "--user",
            "u",
            "--password-env",
            "MAILWHY_TEST_PW",
        ],
        &[("MAILWHY_TEST_PW", "whatever-secret")],
    );
    assert_eq!(o.status.code(), Some(0), "only a warning: {}", text(&o));
    assert!(text(&o).contains("mailbox.plaintext-credentials"));
    assert!(listener.accept().is_err(), "nothing connected");
}

#[test]
fn a_password_variable_that_is_not_set_is_a_usage_error() {
    let o = mailwhy(
        &[
            "pop3",
            "--server",
            "pop.gmail.com",
            "--user",
            "me@gmail.com",
            "--password-env",
            "MAILWHY_TEST_PW",
            "--probe",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("MAILWHY_TEST_PW is not set"));
}

#[test]
#[ignore = "needs dovecot-pop3d (apt)"]
fn probe_logs_in_to_dovecot_and_counts_messages() {
    let d = Dovecot::start(5);
    let port = d.tls_port.to_string();
    let ca = d.ca_file().display().to_string();
    let o = mailwhy(
        &[
            "--format",
            "json",
            "pop3",
            "--server",
            "127.0.0.1",
            "--tls",
            "implicit",
            "--port",
            &port,
            "--user",
            USER,
            "--password-env",
            "MAILWHY_TEST_PW",
            "--probe",
            "--ca-file",
            &ca,
        ],
        &[("MAILWHY_TEST_PW", PASSWORD)],
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", text(&o), d.logs());
    let r = parse(&o);
    assert_eq!(r.verdict, "no-problem-found");
    assert_eq!(r.data["probe"]["messages"], 5);
    assert!(r
        .checks
        .iter()
        .any(|c| c.name == "stat" && c.detail.starts_with("5 messages")));
}

/// Every way a password could leak into output, checked for `secret`.
fn assert_hidden(o: &Output, secret: &str) {
    let all = text(o);
    let b64 = mailwhy::mailbox::reply::base64(format!("\0{USER}\0{secret}").as_bytes());
    assert!(!all.contains(secret), "the password leaked:\n{all}");
    assert!(
        !all.contains(&b64),
        "the SASL PLAIN response leaked:\n{all}"
    );
}

#[test]
#[ignore = "needs dovecot-pop3d (apt)"]
fn the_password_appears_in_no_output() {
    let d = Dovecot::start(1);
    let ca = d.ca_file().display().to_string();
    let tls_port = d.tls_port.to_string();
    let plain_port = d.plain_port.to_string();
    let insecure_port = d.insecure_port.to_string();
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("127.0.0.1", tls_port.as_str(), "implicit", PASSWORD),
        ("127.0.0.1", plain_port.as_str(), "starttls", PASSWORD),
        ("127.0.0.2", insecure_port.as_str(), "none", PASSWORD),
    ];
    for (server, port, tls, secret) in cases {
        for format in ["text", "markdown", "json"] {
            let o = mailwhy(
                &[
                    "-vv",
                    "--format",
                    format,
                    "--color",
                    "always",
                    "pop3",
                    "--server",
                    server,
                    "--port",
                    port,
                    "--tls",
                    tls,
                    "--user",
                    USER,
                    "--password-env",
                    "MAILWHY_TEST_PW",
                    "--probe",
                    "--ca-file",
                    &ca,
                ],
                &[("MAILWHY_TEST_PW", secret)],
            );
            assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
            assert_hidden(&o, secret);
            if format == "text" {
                assert!(
                    text(&o).contains("PASS <redacted>")
                        || text(&o).contains("AUTH PLAIN <redacted>")
                        || tls == "none",
                    "the conversation shows where the password went: {}",
                    text(&o)
                );
            }
        }
    }
}

/// A refused password is a secret too (often a near miss of the real one). Its own server, so
/// that the failure does not slow the other tests' logins.
#[test]
#[ignore = "needs dovecot-pop3d (apt)"]
fn a_refused_password_appears_in_no_output() {
    let d = Dovecot::start(1);
    let ca = d.ca_file().display().to_string();
    let port = d.tls_port.to_string();
    let secret = "Wr0ng-Pw-c0ffee";
    // All three at once: Dovecot delays logins from an address that has just failed one.
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = ["text", "markdown", "json"]
            .into_iter()
            .map(|format| {
                let (ca, port) = (&ca, &port);
                scope.spawn(move || {
                    mailwhy(
                        &[
                            "-vv",
                            "--format",
                            format,
                            "pop3",
                            "--server",
                            "127.0.0.1",
                            "--port",
                            port,
                            "--tls",
                            "implicit",
                            "--user",
                            USER,
                            "--password-env",
                            "MAILWHY_TEST_PW",
                            "--probe",
                            "--ca-file",
                            ca,
                        ],
                        &[("MAILWHY_TEST_PW", secret)],
                    )
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for o in &outputs {
        assert_eq!(o.status.code(), Some(1), "{}", text(o));
        assert!(text(o).contains("mailbox.auth-failed"), "{}", text(o));
        assert_hidden(o, secret);
    }
}

#[test]
fn a_server_that_echoes_the_password_is_quoted_with_it_redacted() {
    // USER/PASS: the server accepts USER and repeats every other command in its -ERR.
    let user_pass = scripted_server(
        "+OK hostile\r\n",
        |l| {
            if l.starts_with("USER") {
                "+OK\r\n".into()
            } else {
                format!("-ERR you said: {l}\r\n")
            }
        },
        3,
    );
    // SASL PLAIN: offered in CAPA, and the AUTH line is echoed back.
    let sasl = scripted_server(
        "+OK hostile\r\n",
        |l| {
            if l == "CAPA" {
                "+OK\r\nSASL PLAIN\r\n.\r\n".into()
            } else {
                format!("-ERR you said: {l}\r\n")
            }
        },
        3,
    );
    for port in [user_pass, sasl] {
        for format in ["text", "json"] {
            let port = port.to_string();
            let o = mailwhy(
                &[
                    "--format",
                    format,
                    "pop3",
                    "--server",
                    "127.0.0.1",
                    "--port",
                    &port,
                    "--tls",
                    "none",
                    "--user",
                    USER,
                    "--password-env",
                    "MAILWHY_TEST_PW",
                    "--probe",
                ],
                &[("MAILWHY_TEST_PW", PASSWORD)],
            );
            assert_eq!(o.status.code(), Some(1), "{}", text(&o));
            assert!(text(&o).contains("mailbox.auth-failed"), "{}", text(&o));
            assert!(text(&o).contains("<redacted>"), "{}", text(&o));
            assert_hidden(&o, PASSWORD);
        }
    }
}

/// A DNS failure while resolving the server makes the probe inconclusive (exit 3), never
/// "unreachable" and never "no problem".
#[tokio::test(flavor = "multi_thread")]
async fn a_dns_failure_while_resolving_the_server_is_inconclusive() {
    let dns = FaultResponder::start(Fault::ServFail).await;
    let ns = dns.addr().to_string();
    let o = tokio::task::spawn_blocking(move || {
        mailwhy(
            &[
                "--nameserver",
                &ns,
                "--format",
                "json",
                "pop3",
                "--server",
                "pop.mailwhy.test",
                "--probe",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let r = parse(&o);
    assert_eq!(r.verdict, "inconclusive");
    assert_eq!(r.findings[0].id, "dns.temporary-failure", "{}", text(&o));
    let resolve = r.checks.iter().find(|c| c.name == "resolve").unwrap();
    assert_eq!(resolve.status, CheckStatus::Inconclusive);
    assert!(r.stats.dns_queries >= 1);
}
