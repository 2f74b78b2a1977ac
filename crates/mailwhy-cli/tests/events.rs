//! `mailwhy events` (issue #19) through the binary: every reader's fixture in
//! `fixtures/delivery/` (written from `shared/formats/delivery-evidence.md`) gives the address's
//! state as the first finding, with since-when in UTC and the receiver's or service's words, and
//! the exit code of that state; malformed records are located and the rest is still read.

use std::process::{Command, Output};

use mailwhy_tests::workspace;

const PAT: &str = "pat@acme-builders.com";

fn events(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--format", "json", "events"])
        .args(args)
        .current_dir(workspace().join("fixtures/delivery"))
        .output()
        .unwrap()
}

/// The report, its first finding's id, and the exit code.
fn run(file: &str, extra: &[&str]) -> (serde_json::Value, String, i32) {
    let mut args = vec![file, "--email", PAT];
    args.extend_from_slice(extra);
    let out = events(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{file}: {e}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(r["schema_version"], 1);
    let first = r["findings"][0]["id"].as_str().unwrap().to_string();
    (r, first, out.status.code().unwrap())
}

fn detail(r: &serde_json::Value) -> String {
    r["findings"][0]["detail"].as_str().unwrap().to_string()
}

#[test]
fn delivered_says_when_and_the_receivers_reply_and_exits_0() {
    for file in [
        "sendgrid-delivered.jsonl",
        "postmark-delivery.json",
        "exim-delivered.log",
    ] {
        let (r, id, code) = run(file, &[]);
        assert_eq!((id.as_str(), code), ("delivery.delivered", 0), "{file}");
        assert!(detail(&r).contains("250"), "{file}: {}", detail(&r));
        assert!(detail(&r).contains(" UTC"), "{file}");
    }
    let (r, _, _) = run("sendgrid-delivered.jsonl", &[]);
    assert!(
        detail(&r).contains("2025-03-17 08:02:13 UTC"),
        "{}",
        detail(&r)
    );
}

#[test]
fn hard_bounces_of_every_service_are_bounced_with_the_classifiers_reason() {
    for (file, reason) in [
        ("postmark-bounces.json", "userunknown"),
        ("resend-webhooks.jsonl", ""),
        ("ses-blocked.json", "blocked"),
    ] {
        let (r, id, code) = run(file, &[]);
        assert_eq!((id.as_str(), code), ("delivery.bounced", 1), "{file}");
        assert!(detail(&r).contains(reason), "{file}: {}", detail(&r));
    }
}

#[test]
fn blocked_by_policy_5_7_x_gives_the_receivers_words() {
    let (r, id, _) = run("ses-blocked.json", &[]);
    assert_eq!(id, "delivery.bounced");
    let d = detail(&r);
    assert!(d.contains("5.7.1") && d.contains("Spamhaus"), "{d}");
    assert!(d.contains("2025-03-18 08:00:02 UTC"), "{d}");
}

#[test]
fn dropped_because_already_suppressed_dates_from_the_original_bounce() {
    for (file, since) in [
        ("sendgrid-suppressed.json", "2025-03-17 08:02:13 UTC"),
        ("mailgun-webhook-suppressed.json", "2025-03-19 11:05:41 UTC"),
        ("ses-suppression-list.json", "2025-02-10 21:03:05 UTC"),
        ("sendgrid-list.csv", "2025-03-17 08:02:13 UTC"),
    ] {
        let (r, id, code) = run(file, &[]);
        assert_eq!((id.as_str(), code), ("delivery.suppressed", 1), "{file}");
        assert!(detail(&r).contains(since), "{file}: {}", detail(&r));
    }
    let (r, _, _) = run("sendgrid-suppressed.json", &[]);
    assert!(detail(&r).contains("User unknown"));
    assert!(r["findings"][0]["remedy"]
        .as_str()
        .unwrap()
        .contains("/v3/suppression/"));
    let (r, _, _) = run("ses-suppression-list.json", &[]);
    assert!(r["findings"][0]["remedy"]
        .as_str()
        .unwrap()
        .contains("delete-suppressed-destination"));
}

#[test]
fn spam_complaint_then_suppressed_names_the_complaint() {
    let (r, id, _) = run("sendgrid-complaint.jsonl", &[]);
    assert_eq!(id, "delivery.suppressed");
    assert!(
        detail(&r).contains("spam complaint at 2025-03-18 08:00:00 UTC"),
        "{}",
        detail(&r)
    );
    let (_, id, code) = run("sendgrid-spamreport.jsonl", &[]);
    assert_eq!((id.as_str(), code), ("delivery.complained", 1));
}

#[test]
fn deferred_then_expired_says_how_long_and_the_last_reply() {
    let (r, id, code) = run("sendgrid-deferred-expired.jsonl", &[]);
    assert_eq!((id.as_str(), code), ("delivery.expired", 1));
    assert!(detail(&r).contains("Try again later"), "{}", detail(&r));
    let (r, id, _) = run("postfix-expired.log", &["--year", "2025"]);
    assert_eq!(id, "delivery.expired");
    let d = detail(&r);
    assert!(
        d.contains("5.0 days") && d.contains("Connection timed out"),
        "{d}"
    );
    // The assumption about syslog stamps is stated.
    assert!(r["checks"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("year 2025"));
    let (r, id, code) = run("exim-deferred.log", &[]);
    assert_eq!((id.as_str(), code), ("delivery.deferred", 1));
    let d = detail(&r);
    assert!(
        d.contains("since 2025-03-18 16:45:12 UTC") && d.contains("full mailbox"),
        "{d}"
    );
}

#[test]
fn soft_bounce_then_delivered_on_retry_is_delivered() {
    let (r, id, code) = run("mailgun-events.json", &[]);
    assert_eq!((id.as_str(), code), ("delivery.delivered", 0));
    assert_eq!(r["data"]["timeline"]["events"].as_array().unwrap().len(), 2);
    let (_, id, _) = run("exim-delivered.log", &[]);
    assert_eq!(id, "delivery.delivered");
}

#[test]
fn among_many_recipients_only_the_tickets_counts_and_near_matches_are_listed() {
    let (r, id, _) = run("sendgrid-many.jsonl", &[]);
    assert_eq!(id, "delivery.bounced");
    assert_eq!(r["data"]["timeline"]["events"].as_array().unwrap().len(), 1);
    assert_eq!(r["data"]["timeline"]["events_read"], 22);
    // `Pat@` differs in the local part's case: another mailbox, listed as a near match.
    assert_eq!(
        r["data"]["timeline"]["near_matches"][0],
        "Pat@acme-builders.com"
    );
    // The domain matches in any case.
    let out = events(&["sendgrid-many.jsonl", "--email", "pat@ACME-Builders.COM"]);
    assert_eq!(out.status.code(), Some(1));
    let out = events(&["sendgrid-many.jsonl", "--email", "nobody@acme-builders.com"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["findings"][0]["id"], "delivery.not-sent");
}

#[test]
fn out_of_order_and_duplicated_events_are_sorted_and_kept_once() {
    let (r, id, _) = run("sendgrid-out-of-order.jsonl", &[]);
    assert_eq!(id, "delivery.delivered");
    let t = &r["data"]["timeline"];
    assert_eq!(t["duplicates"], 1);
    let kinds: Vec<&str> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["accepted", "deferred", "delivered"]);
}

#[test]
fn a_malformed_record_in_the_middle_is_located_and_the_rest_read() {
    let (r, id, code) = run("sendgrid-malformed.jsonl", &[]);
    assert_eq!((id.as_str(), code), ("delivery.bounced", 1));
    let f = &r["data"]["timeline"]["files"][0];
    assert_eq!(f["problem_count"], 1);
    assert_eq!(f["problems"][0]["location"]["line"], 2);
    let out = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["events", "sendgrid-malformed.jsonl", "--email", PAT])
        .current_dir(workspace().join("fixtures/delivery"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("sendgrid-malformed.jsonl:2: not a JSON value"),
        "{text}"
    );
}

#[test]
fn noqueue_reject_is_not_sent_and_no_cover_is_inconclusive() {
    let (r, id, code) = run("postfix-noqueue.log", &[]);
    assert_eq!((id.as_str(), code), ("delivery.not-sent", 1));
    assert!(detail(&r).contains("5.7.1"));
    let (_, id, code) = run("sendgrid-delivered.jsonl", &["--since", "2026-11-01"]);
    assert_eq!((id.as_str(), code), ("delivery.no-evidence-for-period", 3));
}

#[test]
fn forced_format_and_bad_flags() {
    let (_, id, _) = run("sendgrid-delivered.jsonl", &["--events-format", "sendgrid"]);
    assert_eq!(id, "delivery.delivered");
    for bad in [
        vec![
            "sendgrid-delivered.jsonl",
            "--email",
            PAT,
            "--events-format",
            "nope",
        ],
        vec![
            "sendgrid-delivered.jsonl",
            "--email",
            PAT,
            "--log-utc-offset",
            "1 hour",
        ],
        vec!["missing.json", "--email", PAT],
    ] {
        let out = events(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }
    // The offset moves zone-less log stamps.
    let (r, _, _) = run("exim-deferred.log", &["--log-utc-offset", "+01:00"]);
    assert!(
        detail(&r).contains("since 2025-03-18 15:45:12 UTC"),
        "{}",
        detail(&r)
    );
}

/// `batch --events`: the evidence is read once and joined to every user; the summary counts
/// users per delivery state.
#[test]
fn batch_joins_delivery_evidence_to_every_user() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out.jsonl");
    let w = workspace();
    let out = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--format",
            "json",
            "--config",
            "fixtures/demo/mailwhy.toml",
            "batch",
            "--now",
            "2026-11-23T12:00:00Z",
            "--output",
        ])
        .arg(&out_file)
        .args([
            "--events",
            "fixtures/tickets/events-suppressed-sendgrid/events.jsonl",
            "fixtures/tickets/events-not-sent-switch-off/events.jsonl",
        ])
        .current_dir(&w)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(summary["delivery"]["suppressed"], 1);
    assert_eq!(summary["delivery"]["not-sent"], 18);
    let kenji = std::fs::read_to_string(&out_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["report"]["subject"] == "kenji.sato@acme-builders.com")
        .unwrap();
    assert_eq!(kenji["report"]["findings"][0]["id"], "delivery.suppressed");
}

/// Every reader on its own file of every scenario it can express (`fixtures/delivery/matrix/`,
/// written by its `make.py` from the format reference): the ticket's address among many
/// recipients, a malformed record in the middle, and one address's events out of order and
/// duplicated. MTA logs know no suppression lists or complaints, and Postmark and Resend
/// publish no expiry: those scenarios are absent there and give `delivery.not-sent`.
#[test]
fn every_reader_covers_every_scenario_it_can_express() {
    const ALL: &[(&str, &str, i32)] = &[
        ("delivered", "delivery.delivered", 0),
        ("hard", "delivery.bounced", 1),
        ("suppressed", "delivery.suppressed", 1),
        ("complaint", "delivery.suppressed", 1),
        ("expired", "delivery.expired", 1),
        ("retry", "delivery.delivered", 0),
        ("blocked", "delivery.bounced", 1),
        ("order", "delivery.delivered", 0),
    ];
    // (file, the malformed record's line, scenarios the source cannot express)
    let files: &[(&str, u64, &[&str])] = &[
        ("sendgrid.jsonl", 22, &[]),
        ("ses.jsonl", 10, &[]),
        ("postmark.jsonl", 13, &["expired"]),
        ("mailgun.jsonl", 15, &[]),
        ("resend.jsonl", 14, &["expired"]),
        ("postfix.log", 39, &["suppressed", "complaint"]),
        ("exim.log", 30, &["suppressed", "complaint"]),
    ];
    for (file, bad_line, absent) in files {
        let path = format!("matrix/{file}");
        let lines = std::fs::read_to_string(workspace().join("fixtures/delivery").join(&path))
            .unwrap()
            .lines()
            .count() as u64;
        assert!(*bad_line > 1 && *bad_line < lines, "{file}: in the middle");
        for (who, want, code) in ALL {
            let addr = format!("{who}@acme-builders.com");
            let out = events(&[&path, "--email", &addr, "--year", "2025"]);
            let r: serde_json::Value =
                serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{file} {who}: {e}"));
            let id = r["findings"][0]["id"].as_str().unwrap();
            let t = &r["data"]["timeline"];
            let n = t["events"].as_array().unwrap().len();
            if absent.contains(who) {
                assert_eq!(id, "delivery.not-sent", "{file} {who}");
                continue;
            }
            assert_eq!(
                (id, out.status.code().unwrap()),
                (*want, *code),
                "{file} {who}"
            );
            // Many recipients: only the ticket's events are in its timeline.
            assert!(
                n >= 1 && t["events_read"].as_u64().unwrap() > n as u64 + 10,
                "{file} {who}"
            );
            // The malformed record is located and everything else was read.
            let f = &t["files"][0];
            assert_eq!(f["problem_count"], 1, "{file} {who}");
            assert_eq!(f["problems"][0]["location"]["line"], *bad_line, "{file}");
            let d = detail(&r);
            match *who {
                "hard" => assert!(d.contains("5.1.1"), "{file}: {d}"),
                "blocked" => assert!(d.contains("5.7.1"), "{file}: {d}"),
                "order" => {
                    assert_eq!(t["duplicates"], 1, "{file}");
                    let kinds: Vec<&str> = t["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["kind"].as_str().unwrap())
                        .filter(|k| *k != "accepted")
                        .collect();
                    assert_eq!(kinds, ["deferred", "delivered"], "{file}");
                }
                _ => {}
            }
        }
    }
}
/// `mailwhy` with `args`, in the workspace: (stdout, stderr, exit code).
fn mw(args: &[&str]) -> (String, String, i32) {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

/// Every fixture export, as `events import` and `events FILE...` take them.
fn delivery_fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(workspace().join("fixtures/delivery"))
        .unwrap()
        .map(|e| {
            format!(
                "fixtures/delivery/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    v.sort();
    v
}

/// The event store: importing twice adds nothing, and `events --store` gives the report the
/// files give (same verdict, findings and timeline) for every recipient of the fixtures.
#[test]
fn store_import_is_idempotent_and_answers_as_the_files_do() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    let files = delivery_fixtures();
    let import = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "events", "import", "--store", &url];
        args.extend(files.iter().map(|s| s.as_str()));
        args.extend_from_slice(extra);
        let (out, err, code) = mw(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let first = import(&[]);
    assert!(first["events_added"].as_u64().unwrap() > 20, "{first}");
    let second = import(&[]);
    assert_eq!(
        second["events_added"], 0,
        "re-import adds nothing: {second}"
    );
    assert_eq!(second["suppressions_added"], 0, "{second}");
    assert_eq!(second["stored_events"], first["stored_events"]);
    assert_eq!(second["active_suppressions"], first["active_suppressions"]);
    for addr in [
        "pat@acme-builders.com",
        "other@acme-builders.com",
        "nobody@acme-builders.com",
    ] {
        let mut args = vec!["--format", "json", "events", "--email", addr];
        args.extend(files.iter().map(|s| s.as_str()));
        let (from_files, _, c1) = mw(&args);
        let (from_store, err, c2) = mw(&[
            "--format", "json", "events", "--email", addr, "--store", &url,
        ]);
        assert_eq!(c1, c2, "{addr}: {err}");
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(&from_files).unwrap(),
            serde_json::from_str(&from_store).unwrap(),
        );
        assert_eq!(a["verdict"], b["verdict"], "{addr}");
        let ids = |v: &serde_json::Value| {
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b), "{addr}");
        let kinds = |v: &serde_json::Value| {
            v["data"]["timeline"]["events"]
                .as_array()
                .map(|e| {
                    e.iter()
                        .map(|e| (e["time"].clone(), e["kind"].clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        assert_eq!(kinds(&a), kinds(&b), "{addr}");
    }
}

/// A suppression missing from a later export of its list is marked removed and no longer
/// reported; one still listed stays.
#[test]
fn store_a_suppression_removed_in_a_later_export_is_no_longer_reported() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    let (_, err, code) = mw(&[
        "events",
        "import",
        "--store",
        &url,
        "fixtures/delivery/sendgrid-list.csv",
        "--now",
        "2026-12-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    let state = |addr: &str| {
        let (out, err, _) = mw(&[
            "--format", "json", "events", "--email", addr, "--store", &url,
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        v["findings"][0]["id"].as_str().unwrap().to_string()
    };
    assert_eq!(state("other@acme-builders.com"), "delivery.suppressed");
    let later = dir.path().join("later.csv");
    let list =
        std::fs::read_to_string(workspace().join("fixtures/delivery/sendgrid-list.csv")).unwrap();
    std::fs::write(
        &later,
        list.lines()
            .filter(|l| !l.starts_with("other@"))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .unwrap();
    let (out, err, code) = mw(&[
        "events",
        "import",
        "--store",
        &url,
        later.to_str().unwrap(),
        "--now",
        "2026-12-02T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 suppressions added, 1 removed"), "{out}");
    assert_ne!(state("other@acme-builders.com"), "delivery.suppressed");
    assert_eq!(state("pat@acme-builders.com"), "delivery.suppressed");
}

/// `events prune --older-than` deletes old events and keeps newer ones; a bad duration and a
/// store URL of an engine this build lacks are usage errors that say what was expected.
#[test]
fn store_prune_and_bad_urls() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    let (_, err, code) = mw(&[
        "events",
        "import",
        "--store",
        &url,
        "fixtures/delivery/sendgrid-delivered.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    // The fixture's events are from March 2025: 180 days before 2025-06-01 keeps them.
    let (out, err, code) = mw(&[
        "events",
        "prune",
        "--store",
        &url,
        "--older-than",
        "30d",
        "--now",
        "2025-03-20T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("0 events"), "{out}");
    let (out, _, code) = mw(&[
        "events",
        "prune",
        "--store",
        &url,
        "--older-than",
        "180d",
        "--now",
        "2026-03-20T00:00:00Z",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("2 events"), "{out}");
    // The stored count follows the prune: importing the file again stores 2, not 4.
    let (out, err, code) = mw(&[
        "--format",
        "json",
        "events",
        "import",
        "--store",
        &url,
        "fixtures/delivery/sendgrid-delivered.jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["events_added"].as_u64(), v["stored_events"].as_u64()),
        (Some(2), Some(2)),
        "{out}"
    );
    let (_, err, code) = mw(&[
        "events",
        "prune",
        "--store",
        &url,
        "--older-than",
        "6 months",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a number and d, h, m or s"), "{err}");
    let (_, err, code) = mw(&["events", "--email", "a@b.example", "--store", "mysql://x"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected sqlite:PATH"), "{err}");
}

/// `diagnose --store` and `batch --store` take each address's `delivery` check from the store
/// (an index lookup per row), as `--events` does from files.
#[test]
fn store_feeds_diagnose_and_batch() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("events.db").display());
    let (_, err, code) = mw(&[
        "events",
        "import",
        "--store",
        &url,
        "fixtures/delivery/sendgrid-list.csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let (out, err, _) = mw(&[
        "--config",
        "fixtures/demo/mailwhy.toml",
        "--format",
        "json",
        "diagnose",
        "pat@acme-builders.com",
        "--now",
        "2026-11-23T12:00:00Z",
        "--store",
        &url,
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
    assert_eq!(v["findings"][0]["id"], "delivery.suppressed", "{out}");
    let users = dir.path().join("users.csv");
    std::fs::write(
        &users,
        "email,name,status\npat@acme-builders.com,Pat,Active\njane.doe@acme-builders.com,Jane,Active\n",
    )
    .unwrap();
    let (out, err, _) = mw(&[
        "-q",
        "--config",
        "fixtures/demo/mailwhy.toml",
        "--format",
        "json",
        "batch",
        users.to_str().unwrap(),
        "--now",
        "2026-11-23T12:00:00Z",
        "--store",
        &url,
        "--output",
        dir.path().join("rows.jsonl").to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
    assert_eq!(v["delivery"]["suppressed"], 1, "{out}");
    assert_eq!(
        v["delivery"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        2,
        "{out}"
    );
}
