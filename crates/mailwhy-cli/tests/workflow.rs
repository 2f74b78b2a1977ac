//! The command line and the server run the same workflow: for each command with an endpoint,
//! `mailwhy --format json COMMAND` and the endpoint of a real `mailwhy serve` on 127.0.0.1:0
//! give the same JSON for the same input, timing fields aside (`dns_queries` included: each
//! server is fresh, and a report counts its own queries). And `batch` agrees with `diagnose`
//! about every demo user.

use std::path::{Path, PathBuf};
use std::process::Command;

use mailwhy_tests::workspace;

use crate::support::{untimed, Server};
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

/// `check` with `other`'s duration: the same check compared without the time it took.
fn allowlist_without_duration(check: &Value, other: &Value) -> Value {
    let mut c = check.clone();
    c["duration_ms"] = other["duration_ms"].clone();
    c
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
    // What every row leaves to the summary, checked once: the vendor's checks for every row,
    // the gateway audit for the rows behind the gateway.
    let shared = &summary["shared"];
    let shared_verdict = shared["verdict"].as_str().unwrap();
    let shared_ids = ids(shared);
    let gateway = &summary["gateway"];
    let gateway_verdict = gateway["verdict"].as_str().unwrap();
    let gateway_ids = ids(gateway);
    assert!(gateway_ids.contains(&"allowlist.domain-missing".to_string()));
    let mut users = 0;
    let mut behind = 0;
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let Some(row) = record.get("report") else {
            continue; // a malformed row: no user to compare
        };
        users += 1;
        let email = row["subject"].as_str().unwrap();
        let check = |name: &str| {
            row["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap_or_else(|| panic!("{email}: no {name} check"))
                .clone()
        };
        for name in ["spf-drift", "vendor-spf", "auth"] {
            let c = check(name);
            assert_eq!(c["status"], "skipped", "{email}: {c}");
            assert!(
                c["detail"].as_str().unwrap().contains("batch summary"),
                "{email}: the row says where {name} is: {c}"
            );
        }
        // The allowlist check is either in the summary or does not apply, and says which.
        let allowlist = check("allowlist");
        assert_eq!(allowlist["status"], "skipped", "{email}: {allowlist}");
        let in_summary = allowlist["detail"]
            .as_str()
            .unwrap()
            .contains("batch summary");
        let (_, diagnosed) = cli(
            &workspace(),
            &["--config", &config, "diagnose", email, "--now", NOW],
        );
        let mut expected = worse(row["verdict"].as_str().unwrap(), shared_verdict);
        let mut applies: Vec<String> = ids(row);
        applies.extend(shared_ids.iter().cloned());
        if in_summary {
            behind += 1;
            expected = worse(&expected, gateway_verdict);
            applies.extend(gateway_ids.iter().cloned());
        } else {
            // Not behind the gateway: diagnose says the same and reports no allowlist finding.
            let d = diagnosed["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == "allowlist")
                .unwrap();
            assert_eq!(d, &allowlist_without_duration(&allowlist, d), "{email}");
        }
        assert_eq!(
            expected, diagnosed["verdict"],
            "{email}: the row's verdict with the summary's is diagnose's"
        );
        let diagnosed_ids = ids(&diagnosed);
        for id in &applies {
            assert!(
                diagnosed_ids.contains(id),
                "{email}: batch says {id}, diagnose does not ({diagnosed_ids:?})"
            );
        }
        if !in_summary {
            assert!(
                !diagnosed_ids.iter().any(|i| i.starts_with("allowlist.")),
                "{email}: not behind the gateway, yet {diagnosed_ids:?}"
            );
        }
    }
    assert_eq!(summary["behind_gateway"], behind, "{summary}");
    // gmail.com and the collaborators' domains are not behind acme-builders.com's gateway.
    assert!(behind > 0 && behind < users, "{behind} of {users}");
    assert_eq!(users, 19, "every readable demo row");
}

/// Issue #16: the vendor's own SPF (over the lookup limit, a listed IP that fails) is checked
/// once, in the batch summary, with mailwhy spf's ids and scope vendor; a row leaves it there,
/// and the row's verdict with the summary's is diagnose's.
#[test]
fn the_vendors_own_spf_is_checked_once_in_the_batch_summary() {
    let ticket = workspace().join("fixtures/tickets/vendor-spf-lookup-limit");
    let sender = ticket.join("sender.toml");
    let zones = ticket.join("zones");
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "email,name,status,send_messages,invited_at,last_invited_at,last_login_at,relationship\n\
         kenji.sato@acme-builders.com,Kenji Sato,Active,yes,2026-01-20,,2026-11-23T07:00:00Z,employee\n",
    )
    .unwrap();
    let records = dir.path().join("records.jsonl");
    let common = [
        "--dns-zones",
        zones.to_str().unwrap(),
        "--sender",
        sender.to_str().unwrap(),
    ];
    let mut args = vec!["batch", users.to_str().unwrap(), "--now", NOW];
    args.extend(["--output", records.to_str().unwrap()]);
    args.extend(common);
    let (code, summary) = cli(&workspace(), &args);
    assert_eq!(code, 1, "{summary}");
    let shared = &summary["shared"];
    for id in ["spf.lookup-limit-exceeded", "spf.ip-not-authorized"] {
        let f = shared["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in the summary: {shared:#}"));
        assert_eq!(f["scope"], "vendor", "{f}");
        assert_eq!(f["severity"], "error", "{f}");
    }
    let line = std::fs::read_to_string(&records).unwrap();
    let row: Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let row = &row["report"];
    assert!(
        !ids(row).iter().any(|i| i.starts_with("spf.")),
        "the row repeats the vendor's SPF: {row:#}"
    );
    let mut args = vec!["diagnose", "kenji.sato@acme-builders.com", "--now", NOW];
    args.extend(["--directory", users.to_str().unwrap()]);
    args.extend(common);
    let (_, diagnosed) = cli(&workspace(), &args);
    assert_eq!(
        worse(
            row["verdict"].as_str().unwrap(),
            shared["verdict"].as_str().unwrap()
        ),
        diagnosed["verdict"]
    );
    assert_eq!(diagnosed["findings"][0]["id"], "spf.lookup-limit-exceeded");
}

/// Issue #16: the skipped directory row was only on stderr, which `-q` hides; now every report
/// lists it (`directory.rows-skipped`, with the file and the line), and the person on it is
/// `user.row-unreadable`, never `user.not-found`.
#[test]
fn quiet_does_not_hide_the_skipped_directory_rows() {
    let config = fixture("demo/mailwhy.toml");
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["-q", "--format", "json", "--config", &config])
        .args(["diagnose", "zoe.adams@acme-builders.com", "--now", NOW])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = ids(&report);
    assert_eq!(found[0], "user.row-unreadable", "{found:?}");
    assert!(!found.contains(&"user.not-found".to_string()), "{found:?}");
    let skipped = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "directory.rows-skipped")
        .expect("directory.rows-skipped");
    assert!(
        skipped["evidence"]["file"]
            .as_str()
            .unwrap()
            .ends_with("users.csv"),
        "{skipped}"
    );
    assert_eq!(skipped["evidence"]["count"], 1);
    assert_eq!(skipped["evidence"]["rows"][0]["line"], 21);
}

/// Issue #16: batch and diagnose agree about two accounts sharing an address when one has the
/// switch off: each row's findings are among diagnose's, and the duplicate is an error in both
/// (before, batch called it a warning and diagnose checked only the account with the switch on).
#[test]
fn batch_and_diagnose_agree_about_a_duplicate_with_the_switch_off_on_one() {
    let config = fixture("demo/mailwhy.toml");
    let users = fixture("tickets/duplicate-switch-off-on-one/users.csv");
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.jsonl");
    let (_, _) = cli(
        &workspace(),
        &[
            "--config",
            &config,
            "batch",
            &users,
            "--now",
            NOW,
            "--output",
            records.to_str().unwrap(),
        ],
    );
    let (_, diagnosed) = cli(
        &workspace(),
        &[
            "--config",
            &config,
            "diagnose",
            "emma.lee@acme-builders.com",
            "--directory",
            &users,
            "--now",
            NOW,
        ],
    );
    let diagnosed_ids = ids(&diagnosed);
    let severity_of_duplicate = |r: &Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "user.duplicate-address")
            .map(|f| f["severity"].clone())
    };
    assert_eq!(severity_of_duplicate(&diagnosed), Some(json!("error")));
    let mut duplicates = 0;
    for line in std::fs::read_to_string(&records).unwrap().lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let row = &record["report"];
        for id in ids(row) {
            assert!(
                diagnosed_ids.contains(&id),
                "batch says {id}: {diagnosed_ids:?}"
            );
        }
        if let Some(s) = severity_of_duplicate(row) {
            assert_eq!(s, "error", "{row}");
            duplicates += 1;
        }
    }
    assert_eq!(duplicates, 1, "the second row repeats the first");
    assert!(diagnosed_ids.contains(&"user.messaging-disabled".to_string()));
}

/// `mailwhy transport` and `POST /v1/transport` give the same report for the same domain: the
/// records from the zone files, the policies from a real HTTPS server on loopback (test CA),
/// reached by both with the same `--ca-file` and `--https-port`. With `probe` both connect to
/// the MX (127.0.0.1) on a port where nothing listens: the same inconclusive connect step.
#[test]
fn transport_is_the_same_on_the_command_line_and_over_http() {
    let policies =
        mailwhy_tests::https::PolicyServer::start(Path::new(&fixture("transport/https")));
    let ca = policies.ca_file.to_string_lossy().into_owned();
    let port = policies.port.to_string();
    // A port that was free a moment ago: connecting to it is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let z = zones("transport/zones");
    let fetch = ["--ca-file", ca.as_str(), "--https-port", port.as_str()];
    let server = Server::start(
        &[&z[0], &z[1]],
        &[&fetch[..], &["--smtp-port", closed.as_str()]].concat(),
    );
    for (domain, verdict) in [
        ("good.example", "no-problem-found"),
        ("migrated.example", "problem-found"),
        ("down.example", "inconclusive"),
    ] {
        let (code, cli_report) = cli(
            &workspace(),
            &[&[z[0].as_str(), &z[1], "transport", domain], &fetch[..]].concat(),
        );
        let http = server.post(
            "/v1/transport",
            "application/json",
            json!({ "domain": domain }).to_string().as_bytes(),
        );
        assert_eq!(http["verdict"], verdict, "{domain}: {http}");
        assert_eq!(
            code != 0,
            verdict != "no-problem-found",
            "{domain}: exit {code}"
        );
        assert_same(cli_report, http);
    }
    let (_, cli_report) = cli(
        &workspace(),
        &[
            &[z[0].as_str(), &z[1], "transport", "probe.example"],
            &fetch[..],
            &["--probe", "--smtp-port", closed.as_str()],
        ]
        .concat(),
    );
    let http = server.post(
        "/v1/transport",
        "application/json",
        json!({ "domain": "probe.example", "probe": true })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(http["verdict"], "inconclusive", "{http}");
    let probe = http["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().is_some_and(|n| n.contains("connect")))
        .unwrap_or_else(|| panic!("no connect step: {http}"));
    assert_eq!(probe["status"], "inconclusive", "{probe}");
    assert_same(cli_report, http);

    // A name that is not a domain is refused by both.
    let (code, _) = cli_raw(&["transport", "bad domain!"]);
    assert_eq!(code, 2);
    let (status, err) = server.request(
        "POST",
        "/v1/transport",
        "application/json",
        br#"{"domain": "bad domain!"}"#,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["field"], "domain");
    let (status, err) = server.request(
        "POST",
        "/v1/transport",
        "application/json",
        br#"{"domain": "good.example", "port": 25}"#,
    );
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "bad-json");
}

/// The exit code of `mailwhy ARGS` (stdout ignored).
fn cli_raw(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
