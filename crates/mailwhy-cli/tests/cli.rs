//! The real `mailwhy` binary: exit codes, formats, global flags on either side, explain, config
//! errors, broken pipes, and no escape sequence from DNS data on the terminal.

use std::process::{Command, Output, Stdio};

use mailwhy_tests::{fixture, workspace, Fault, FaultResponder};

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("run mailwhy")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn dns_prints_mx_records_from_the_bundled_zones() {
    let o = mailwhy(&["--dns-zones", "fixtures/zones", "dns", "acme.example", "MX"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("aspmx.l.google.com."), "{out}");
    assert!(out.contains("3600"), "TTL shown: {out}");
}

#[test]
fn global_flags_work_after_the_subcommand_too() {
    let o = mailwhy(&[
        "dns",
        "acme.example",
        "MX",
        "--dns-zones",
        "fixtures/zones",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"], "no-problem-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn servfail_gives_exit_3_and_a_temporary_failure_finding() {
    let bad = FaultResponder::start(Fault::ServFail).await;
    let addr = bad.addr().to_string();
    let o = tokio::task::spawn_blocking(move || {
        mailwhy(&[
            "--nameserver",
            &addr,
            "--format",
            "json",
            "dns",
            "acme.example",
            "MX",
        ])
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "inconclusive");
    assert_eq!(v["findings"][0]["id"], "dns.temporary-failure");
    assert_eq!(v["checks"][0]["status"], "inconclusive");
}

#[test]
fn explain_prints_the_three_headings_and_unknown_ids_exit_2() {
    let o = mailwhy(&["explain", "user.messaging-disabled"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for h in ["What it means", "Why it matters", "How to fix it"] {
        assert!(out.contains(h), "{out}");
    }
    let o = mailwhy(&["explain", "user.messaging-disable"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("user.messaging-disabled"));
}

#[test]
fn every_catalog_id_of_the_design_is_explained() {
    let Some(shared) = mailwhy_tests::shared() else {
        return;
    };
    let design = std::fs::read_to_string(shared.join("DESIGN.md")).unwrap();
    let ids: Vec<&str> = design
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|id| {
            id.contains('.')
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-')
        })
        .collect();
    assert!(ids.len() > 60, "found {} ids", ids.len());
    for id in ids {
        let o = mailwhy(&["explain", id]);
        assert_eq!(o.status.code(), Some(0), "{id} is not registered");
    }
}

#[test]
fn escape_sequences_in_dns_data_never_reach_the_terminal() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/zones",
        "--color",
        "never",
        "dns",
        "evil.acme.example",
        "TXT",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(out.contains("\\027[2J"), "made visible: {out}");
    for fmt in ["json", "markdown"] {
        let o = mailwhy(&[
            "--dns-zones",
            "fixtures/zones",
            "--format",
            fmt,
            "dns",
            "evil.acme.example",
            "TXT",
        ]);
        assert!(!o.stdout.contains(&0x1b), "{fmt}");
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/zones",
        "--color",
        "always",
        "dns",
        "acme.example",
        "MX",
    ]);
    assert!(o.stdout.contains(&0x1b));
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--dns-zones", "fixtures/zones", "dns", "acme.example", "MX"])
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!o.stdout.contains(&0x1b));
}

#[test]
fn a_bad_config_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("mailwhy.toml");
    std::fs::write(&cfg, "timeout = 2\nnameservers = \"not-a-list\"\n").unwrap();
    let o = mailwhy(&["--config", cfg.to_str().unwrap(), "dns", "acme.example"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("mailwhy.toml:2:"), "{err}");
    let o = mailwhy(&[
        "--config",
        "/nonexistent/mailwhy.toml",
        "dns",
        "acme.example",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_config_file_sets_the_zones() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let zones = fixture("zones");
    std::fs::write(&cfg, format!("dns_zones = {:?}\n", zones.to_str().unwrap())).unwrap();
    let o = mailwhy(&[
        "--config",
        cfg.to_str().unwrap(),
        "dns",
        "acme.example",
        "MX",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("aspmx"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(mailwhy(&["dns"]).status.code(), Some(2));
    assert_eq!(
        mailwhy(&["--format", "xml", "dns", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(
        mailwhy(&["dns", "x", "NOTATYPE", "--dns-zones", "fixtures/zones"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(mailwhy(&["--help"]).status.code(), Some(0));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["explain", "list"])
        .current_dir(workspace())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// #17 defect 9: `--dns-zones` with a broken zone file said `FILE:0: ...`; every zone file error
/// now names the line an editor shows and what was expected (exit 2).
#[test]
fn dns_zones_file_errors_name_the_real_line_never_line_0() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.example.zone"),
        b"ok A 192.0.2.1\r\n\r\nwww CNAME ok\r\nwww TXT \"caf\xe9\"\r\n",
    )
    .unwrap();
    let zones = dir.path().to_str().unwrap();
    let o = mailwhy(&["--dns-zones", zones, "dns", "ok.broken.example", "A"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("broken.example.zone:4: expected UTF-8 text"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("broken.example.zone"),
        "ok A 192.0.2.1\r\n\r\nwww CNAME ok\r\nwww TXT \"x\"\r\n",
    )
    .unwrap();
    let o = mailwhy(&["--dns-zones", zones, "dns", "ok.broken.example", "A"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("broken.example.zone:4: www.broken.example. already has a CNAME (line 3)"),
        "{err}"
    );
    assert!(!err.contains(":0:"), "{err}");
}
