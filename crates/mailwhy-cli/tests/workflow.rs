//! The command line and the server run the same workflow: for each command with an endpoint,
//! `mailwhy --format json COMMAND` and the endpoint of a real `mailwhy serve` on 127.0.0.1:0
//! give the same JSON for the same input, timing fields aside (`dns_queries` included: each
//! server is fresh, and a report counts its own queries). And `batch` agrees with `diagnose`
//! about every demo user.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mailwhy_tests::workspace;
use serde_json::{json, Value};

const NOW: &str = "2026-11-23T12:00:00Z";

fn fixture(rel: &str) -> String {
    workspace()
        .join("fixtures")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// `mailwhy --format json ARGS` in `dir`: the exit code and the parsed stdout.
fn cli(dir: &Path, args: &[&str]) -> (i32, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let out: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), out)
}

/// A `mailwhy ARGS serve --listen 127.0.0.1:0 SERVE_ARGS` process, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(global: &[&str], serve: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .args(global)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut log = String::new();
        let addr = loop {
            let mut l = String::new();
            if err.read_line(&mut l).unwrap() == 0 {
                panic!("serve exited before listening: {log}");
            }
            log.push_str(&l);
            if let Some(rest) = l.split("serving on http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining stderr (one line per request) so the server never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        Server { child, addr }
    }

    /// One request; the status and the parsed JSON body.
    fn request(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8(raw).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            unchunk(body)
        } else {
            body.to_string()
        };
        let v = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        (status, v)
    }

    fn get(&self, path: &str) -> Value {
        let (status, v) = self.request("GET", path, "text/plain", b"");
        assert_eq!(status, 200, "{path}: {v}");
        v
    }

    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Value {
        let (status, v) = self.request("POST", path, content_type, body);
        assert_eq!(status, 200, "{path}: {v}");
        v
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unchunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    out
}

/// `v` without its timing fields (`duration_ms`, wherever they are) and the resolvers asked
/// (`stats.resolvers`: each process serves the zones on its own loopback port).
fn untimed(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("duration_ms");
                m.remove("resolvers");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn assert_same(cli: Value, http: Value) {
    let (cli, http) = (untimed(cli), untimed(http));
    assert!(
        cli == http,
        "CLI and HTTP differ:\nCLI:  {}\nHTTP: {}",
        serde_json::to_string_pretty(&cli).unwrap(),
        serde_json::to_string_pretty(&http).unwrap()
    );
}

fn zones(rel: &str) -> [String; 2] {
    ["--dns-zones".into(), fixture(rel)]
}

#[test]
fn address_is_the_same_on_the_command_line_and_over_http() {
    // Domains with MX hosts of their own: each report's own DNS count does not depend on which
    // of the concurrent checks asked a shared question first.
    let emails = [
        "jane.doe@acme-builders.com",
        "mike.brown@northwind-bau.de",
        "lucas@chantier-lyon.fr",
        "jane@acme .com",
    ];
    let z = zones("demo/zones");
    let (_, cli_many) = cli(
        &workspace(),
        &[&[z[0].as_str(), &z[1], "address"], &emails[..]].concat(),
    );
    let server = Server::start(&[&z[0], &z[1]], &[]);
    let http_many = server.post(
        "/v1/address",
        "application/json",
        json!({ "emails": emails }).to_string().as_bytes(),
    );
    assert_same(cli_many, http_many);

    let (_, cli_one) = cli(&workspace(), &[&z[0], &z[1], "address", "emma@gmail.com"]);
    let server = Server::start(&[&z[0], &z[1]], &[]);
    assert_same(cli_one, server.get("/v1/address?email=emma@gmail.com"));
}

#[test]
fn spf_is_the_same_on_the_command_line_and_over_http() {
    let z = zones("demo/zones");
    let (_, cli_report) = cli(
        &workspace(),
        &[
            &z[0],
            &z[1],
            "spf",
            "procore.com",
            "--ip",
            "167.89.22.86",
            "--ip",
            "192.0.2.1",
            "--mail-from",
            "bounces@procore.com",
        ],
    );
    let server = Server::start(&[&z[0], &z[1]], &[]);
    let http = server.post(
        "/v1/spf",
        "application/json",
        json!({ "domain": "procore.com", "ips": ["167.89.22.86", "192.0.2.1"], "mail_from": "bounces@procore.com" })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(cli_report["verdict"], http["verdict"]);
    assert_same(cli_report, http);
}

#[test]
fn allowlist_lookup_is_the_same_on_the_command_line_and_over_http() {
    let (sender, list) = (
        fixture("senders/procore.toml"),
        fixture("allowlist/partial.txt"),
    );
    let entries = ["click.procore.com", "167.89.23.21", "mail.example.org"];
    let (code, cli_answer) = cli(
        &workspace(),
        &[
            &[
                "allowlist",
                "--sender",
                &sender,
                "--allowlist",
                &list,
                "--check",
            ],
            &entries[..],
        ]
        .concat(),
    );
    assert_eq!(code, 1, "not every entry is listed: {cli_answer}");
    let z = zones("demo/zones");
    let server = Server::start(
        &[&z[0], &z[1]],
        &["--sender", &sender, "--allowlist", &list],
    );
    let http = server.post(
        "/v1/allowlist/check",
        "application/json",
        json!({ "entries": entries }).to_string().as_bytes(),
    );
    assert_eq!(http["all_listed"], false);
    assert_same(cli_answer, http);
}

/// Copies `src` into a fresh directory as `name`, so the CLI gives the message the name the
/// server gives a message it receives in a body.
fn as_file_named(src: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(src, dir.path().join(name)).unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn message_is_the_same_authenticated_report_on_the_command_line_and_over_http() {
    // A received message with two DKIM signatures: both sides verify them through DNS.
    let src = fixture("auth/messages/received-pass.eml");
    let (_dir, cwd) = as_file_named(&src, "message");
    let list = fixture("demo/gateway.txt");
    let z = zones("auth/zones");
    let (_, cli_report) = cli(
        &cwd,
        &[
            &z[0],
            &z[1],
            "message",
            "message",
            "--allowlist",
            &list,
            "--ticket-address",
            "pat@acme.example",
        ],
    );
    let server = Server::start(&[&z[0], &z[1]], &["--allowlist", &list]);
    let http = server.post(
        "/v1/message?ticket_address=pat@acme.example",
        "message/rfc822",
        &std::fs::read(&src).unwrap(),
    );
    let computed = &http["data"]["authentication_computed"];
    assert!(computed.is_object(), "our own SPF/DKIM/DMARC: {http}");
    assert!(http["stats"]["dns_queries"].as_u64().unwrap() > 0);
    assert_same(cli_report, http);
}

#[test]
fn diagnose_is_the_same_on_the_command_line_and_over_http() {
    let config = fixture("demo/mailwhy.toml");
    let email = "sara.kim@acme-builders.com";
    let (_, cli_report) = cli(
        &workspace(),
        &["--config", &config, "diagnose", email, "--now", NOW],
    );
    let server = Server::start(&["--config", &config], &["--now", NOW]);
    assert_same(
        cli_report,
        server.get(&format!("/v1/diagnose?email={email}")),
    );

    // With a pasted bounce: the CLI reads it from a file named as the server names it.
    let src = fixture("message/bounce.user-unknown.eml");
    let (_dir, cwd) = as_file_named(&src, "pasted message");
    let email = "jane@acme-corp.com";
    let (_, cli_report) = cli(
        &cwd,
        &[
            "--config",
            &config,
            "diagnose",
            email,
            "--now",
            NOW,
            "--message",
            "pasted message",
        ],
    );
    let server = Server::start(&["--config", &config], &[]);
    let body = json!({
        "email": email,
        "now": NOW,
        "message": std::fs::read_to_string(&src).unwrap(),
    });
    let http = server.post(
        "/v1/diagnose",
        "application/json",
        body.to_string().as_bytes(),
    );
    assert!(http["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "bounce.user-unknown"));
    assert_same(cli_report, http);
}

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// The worse of two verdicts, as `Verdict::combine` orders them.
fn worse(a: &str, b: &str) -> String {
    let rank = |v: &str| match v {
        "problem-found" => 2,
        "inconclusive" => 1,
        _ => 0,
    };
    if rank(a) >= rank(b) { a } else { b }.to_string()
}

/// Guards the batch/diagnose disagreement: a pending invitation was a problem in one and not
/// in the other, because each row left out the gateway audit without saying so.
#[test]
fn batch_and_diagnose_agree_about_every_demo_user() {
    let config = fixture("demo/mailwhy.toml");
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    let (code, summary) = cli(
        &workspace(),
        &[
            "--config",
            &config,
            "batch",
            &fixture("demo/users.csv"),
            "--now",
            NOW,
            "--output",
            records.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{summary}");
    // What every row leaves to the summary, checked once.
    let shared = &summary["shared"];
    let shared_verdict = shared["verdict"].as_str().unwrap();
    let shared_ids = ids(shared);
    assert!(shared_ids.contains(&"allowlist.domain-missing".to_string()));
    let mut users = 0;
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let Some(row) = record.get("report") else {
            continue; // a malformed row: no user to compare
        };
        users += 1;
        let email = row["subject"].as_str().unwrap();
        for name in ["allowlist", "spf-drift", "auth"] {
            let c = row["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap_or_else(|| panic!("{email}: no {name} check"));
            assert_eq!(c["status"], "skipped", "{email}: {c}");
            assert!(
                c["detail"].as_str().unwrap().contains("batch summary"),
                "{email}: the row says where {name} is: {c}"
            );
        }
        let (_, diagnosed) = cli(
            &workspace(),
            &["--config", &config, "diagnose", email, "--now", NOW],
        );
        assert_eq!(
            worse(row["verdict"].as_str().unwrap(), shared_verdict),
            diagnosed["verdict"],
            "{email}: the row's verdict with the summary's is diagnose's"
        );
        let diagnosed_ids = ids(&diagnosed);
        for id in ids(row).iter().chain(&shared_ids) {
            assert!(
                diagnosed_ids.contains(id),
                "{email}: batch says {id}, diagnose does not ({diagnosed_ids:?})"
            );
        }
    }
    assert_eq!(users, 19, "every readable demo row");
}
