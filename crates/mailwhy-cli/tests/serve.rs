//! `mailwhy serve` as a process: the non-loopback refusal, and a real start on 127.0.0.1:0
//! answering over HTTP with the token never appearing in its log.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

fn mailwhy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
}

#[test]
fn refuses_a_non_loopback_address_without_a_token() {
    let out = mailwhy()
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on 0.0.0.0:0"), "{err}");
    assert!(err.contains("--token-env"), "{err}");

    // A named variable that is not set is refused too, before anything listens.
    let out = mailwhy()
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--token-env",
            "MAILWHY_TEST_UNSET_TOKEN",
        ])
        .env_remove("MAILWHY_TEST_UNSET_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MAILWHY_TEST_UNSET_TOKEN"));
}

/// A response from the server: its status code and body.
struct Reply {
    status: u16,
    body: String,
}

/// `GET http://{addr}{path}`, with a bearer token when given.
fn get(addr: &str, path: &str, token: Option<&str>) -> Reply {
    let client = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut request = client.get(format!("http://{addr}{path}"));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().unwrap();
    Reply {
        status: response.status().as_u16(),
        body: response.text().unwrap(),
    }
}

#[test]
fn serves_the_demo_and_never_logs_the_token() {
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/demo/mailwhy.toml"
    );
    let mut child = mailwhy()
        .args(["--config", demo, "serve", "--listen", "127.0.0.1:0"])
        .args([
            "--token-env",
            "MAILWHY_TEST_TOKEN",
            "--now",
            "2026-11-23T12:00:00Z",
        ])
        .env("MAILWHY_TEST_TOKEN", "tok-81c2f9")
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
    let denied = get(&addr, "/v1/health", None);
    assert_eq!(denied.status, 401, "{}", denied.body);
    let ok = get(
        &addr,
        "/v1/diagnose?email=jane.doe@acme-builders.com",
        Some("tok-81c2f9"),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(
        ok.body.contains("\"user.messaging-disabled\""),
        "{}",
        ok.body
    );
    let _ = child.kill();
    let _ = child.wait();
    err.read_to_string(&mut log).unwrap();
    assert!(log.contains("/v1/diagnose"), "one line per request: {log}");
    // Issue #16: the skipped directory row is logged with the file's name, not "directory line".
    assert!(
        log.contains("demo/users.csv:21: row skipped: column status"),
        "{log}"
    );
    // One line per request (the 401 and the diagnosis), and without -v no line of the zone
    // server's query log (it answered tens of DNS queries for the diagnosis).
    let request_lines = log.lines().filter(|l| l.contains("method=")).count();
    assert_eq!(request_lines, 2, "{log}");
    assert!(!log.contains("query:") && !log.contains("QUERY"), "{log}");
    assert!(!log.contains("tok-81c2f9"), "{log}");
    assert!(!log.contains("jane.doe"), "no address in the log: {log}");
}

/// Replaces a file the way editors do (write beside it, rename over it), so the server never
/// reads it half-written.
fn replace_file(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Reads stderr lines until one contains `needle`.
fn wait_line(err: &mut BufReader<std::process::ChildStderr>, needle: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut l = String::new();
        if err.read_line(&mut l).unwrap() == 0 {
            panic!("serve exited before {needle:?}: {seen}");
        }
        if l.contains(needle) {
            return l;
        }
        seen.push_str(&l);
    }
}

#[cfg(unix)]
#[test]
fn reloads_the_input_files_on_sighup_and_on_change_and_keeps_them_when_broken() {
    let fx = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.csv");
    let original = std::fs::read_to_string(fx.join("demo/users.csv")).unwrap();
    std::fs::write(&users, &original).unwrap();
    let config = dir.path().join("mailwhy.toml");
    std::fs::write(
        &config,
        format!(
            "dns_zones = {:?}\ntimeout = 2\ndirectory = {:?}\n",
            fx.join("demo/zones"),
            users
        ),
    )
    .unwrap();
    let mut child = mailwhy()
        .arg("--config")
        .arg(&config)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--now",
            "2026-11-23T12:00:00Z",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let line = wait_line(&mut err, "serving on http://");
    let addr = line
        .split("serving on http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let jane = "/v1/diagnose?email=jane.doe@acme-builders.com";
    assert!(get(&addr, jane, None)
        .body
        .contains("\"user.messaging-disabled\""));

    // Jane's messages turned on, then SIGHUP: the next request sees the new directory.
    replace_file(
        &users,
        &original.replace(
            "jane.doe@acme-builders.com,Jane Doe,Active,no,",
            "jane.doe@acme-builders.com,Jane Doe,Active,yes,",
        ),
    );
    let hup = Command::new("kill")
        .args(["-s", "HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    wait_line(&mut err, "reloaded the input files");
    let after = get(&addr, jane, None);
    assert_eq!(after.status, 200, "{}", after.body);
    assert!(
        !after.body.contains("\"user.messaging-disabled\""),
        "{}",
        after.body
    );

    // A broken file: the reload fails, says why, and the previous data stays in use.
    replace_file(&users, "name,status\nx,Active\n");
    let failed = wait_line(&mut err, "reload failed");
    assert!(failed.contains("keeping the previous data"), "{failed}");
    assert!(failed.contains("email"), "{failed}");
    let kept = get(&addr, jane, None);
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert!(!kept.body.contains("\"user.not-found\""), "{}", kept.body);

    // The original file back: picked up on its own (no signal) from the file change.
    replace_file(&users, &original);
    let l = wait_line(&mut err, "reloaded the input files");
    assert!(l.contains("changed"), "{l}");
    assert!(get(&addr, jane, None)
        .body
        .contains("\"user.messaging-disabled\""));
    let _ = child.kill();
    let _ = child.wait();
}

/// Issue #22: `serve` reads the config file's `reports` as evidence for every diagnosis that
/// uploads none, and reloads them like the other input files.
#[cfg(unix)]
#[test]
fn serve_reads_the_config_reports_and_reloads_them() {
    let fx = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let tickets = fx.join("tickets/reports-gmail-dkim-quarantined");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("google.xml");
    let failing = std::fs::read_to_string(tickets.join("google-2026-11-20.xml")).unwrap();
    std::fs::write(&report, &failing).unwrap();
    let config = dir.path().join("mailwhy.toml");
    std::fs::write(
        &config,
        format!(
            "dns_zones = {:?}\ntimeout = 2\ndirectory = {:?}\nsender = {:?}\nallowlist = {:?}\nreports = [{:?}]\n",
            fx.join("demo/zones"),
            fx.join("demo/users.csv"),
            fx.join("senders/procore.toml"),
            fx.join("demo/gateway-complete.txt"),
            report
        ),
    )
    .unwrap();
    let mut child = mailwhy()
        .arg("--config")
        .arg(&config)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--now",
            "2026-11-23T12:00:00Z",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let line = wait_line(&mut err, "serving on http://");
    let addr = line
        .split("serving on http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let kenji = "/v1/diagnose?email=kenji.sato@acme-builders.com";
    let first = get(&addr, kenji, None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first.body.contains("\"reports.dkim-failing\""),
        "Google's report from the config is evidence: {}",
        first.body
    );

    // The report replaced by one from another receiver (Yahoo): reloaded on its own, and
    // Google's evidence is gone.
    let yahoo = std::fs::read_to_string(tickets.join("yahoo-2026-11-20.xml")).unwrap();
    replace_file(&report, &yahoo);
    let l = wait_line(&mut err, "reloaded the input files");
    assert!(l.contains("changed"), "{l}");
    let after = get(&addr, kenji, None);
    assert_eq!(after.status, 200, "{}", after.body);
    assert!(
        !after.body.contains("\"reports.dkim-failing\""),
        "{}",
        after.body
    );

    // The report file gone: the reload fails naming it, and the previous data stays.
    std::fs::remove_file(&report).unwrap();
    let failed = wait_line(&mut err, "reload failed");
    assert!(failed.contains("google.xml"), "{failed}");
    assert_eq!(get(&addr, kenji, None).status, 200);

    // Google's report back: picked up again.
    replace_file(&report, &failing);
    wait_line(&mut err, "reloaded the input files");
    assert!(get(&addr, kenji, None)
        .body
        .contains("\"reports.dkim-failing\""));
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/demo/mailwhy.toml"
    );
    let mut child = mailwhy()
        .args(["--config", demo, "serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let line = wait_line(&mut err, "serving on http://");
    let addr = line
        .split("serving on http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(get(&addr, "/healthz", None).status, 200);
    let term = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    wait_line(&mut err, "shutting down");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not stop after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

/// Guards the bounded shutdown: a client that sent half a request kept `serve` running for ever
/// after SIGTERM (no longer accepting, never exiting). With a header timeout longer than the
/// grace period, the grace period is what ends it.
#[cfg(unix)]
#[test]
fn a_partial_request_does_not_keep_a_stopping_server_alive() {
    use std::io::Write;
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/demo/mailwhy.toml"
    );
    let mut child = mailwhy()
        .args(["--config", demo, "serve", "--listen", "127.0.0.1:0"])
        .args(["--header-timeout", "60", "--shutdown-grace", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let line = wait_line(&mut err, "serving on http://");
    let addr = line
        .split("serving on http://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut partial = std::net::TcpStream::connect(&addr).unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let term = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let sent = std::time::Instant::now();
    wait_line(&mut err, "shutting down");
    let deadline = sent + Duration::from_secs(8);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve still running 8 s after SIGTERM (grace period 2 s)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert!(
        sent.elapsed() >= Duration::from_millis(1500),
        "the request's grace period was given"
    );
    drop(partial);
}
