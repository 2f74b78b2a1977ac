//! `mailwhy message` and `mailwhy bounce` through the real binary: the JSON shapes DESIGN.md
//! fixes (parsed strictly), JSON Lines, text, exit codes, and clear errors for bad inputs.

use std::process::{Command, Output};

use mailwhy_tests::workspace;
use serde::Deserialize;

fn mailwhy(args: &[&str]) -> Output {
    // `message` authenticates the message through DNS: answer from the loopback zone server,
    // never the network.
    let zones: &[&str] = if args.first() == Some(&"message") {
        &["--dns-zones", "fixtures/auth/zones"]
    } else {
        &[]
    };
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(zones)
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("run mailwhy")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileResult {
    schema_version: u32,
    file: String,
    is_bounce: bool,
    recipients: Vec<RecipientOut>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientOut {
    address: String,
    action: Option<String>,
    status: Option<String>,
    reply_code: Option<String>,
    reason: String,
    hard_bounce: Option<bool>,
    resend: String,
    rule: RuleOut,
    diagnostic: Option<String>,
    remote_mta: Option<String>,
}

/// What decided the reason (issue 18): the kind of rule and what it matched.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleOut {
    by: String,
    matched: String,
    source: Option<String>,
    adjusted: Option<String>,
}

#[test]
fn bounce_json_has_the_documented_shape() {
    let o = mailwhy(&[
        "bounce",
        "--format",
        "json",
        "fixtures/message/bounce.user-unknown.eml",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let r: FileResult = serde_json::from_str(&stdout(&o)).expect("strict JSON");
    assert!(r.is_bounce);
    assert!(r.file.ends_with("bounce.user-unknown.eml"));
    assert_eq!(r.schema_version, 1);
    let rule = &r.recipients[0].rule;
    assert_eq!(
        (rule.by.as_str(), rule.matched.as_str()),
        ("phrase", "user unknown")
    );
    assert!(
        rule.source
            .as_deref()
            .is_some_and(|s| s.contains("Postfix")),
        "{rule:?}"
    );
    assert_eq!(rule.adjusted, None);
    assert_eq!(r.recipients[0].hard_bounce, Some(true));
    assert_eq!(r.recipients[0].resend, "after-fix");
    let first = &r.recipients[0];
    assert_eq!(first.address, "jane@acme-corp.com");
    assert_eq!(first.reason, "userunknown");
    assert_eq!(first.status.as_deref(), Some("5.1.1"));
    assert_eq!(first.reply_code.as_deref(), Some("550"));
    assert_eq!(first.action.as_deref(), Some("failed"));
    assert_eq!(first.remote_mta.as_deref(), Some("mx1.acme-corp.com"));
    assert!(first
        .diagnostic
        .as_deref()
        .unwrap()
        .contains("User unknown"));
}

#[test]
fn bounce_jsonl_prints_one_line_per_file() {
    let o = mailwhy(&[
        "bounce",
        "--format",
        "jsonl",
        "fixtures/message/bounce.user-unknown--qmail.eml",
        "fixtures/message/bounce.vacation.eml",
        "fixtures/message/bounce.feedback.eml",
    ]);
    let out = stdout(&o);
    let lines: Vec<FileResult> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("strict JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].is_bounce);
    assert_eq!(lines[0].recipients[0].reason, "userunknown");
    assert!(!lines[1].is_bounce);
    assert_eq!(lines[1].recipients[0].reason, "vacation");
    assert!(!lines[2].is_bounce);
    assert_eq!(lines[2].recipients[0].reason, "feedback");
    assert_eq!(o.status.code(), Some(1));
}

/// The characters the one JSON writer must never print raw: a C1 CSI, a bidi override, a
/// zero-width space (and the rest of their classes, checked in `mailwhy::json`'s unit tests).
const HOSTILE: [char; 3] = ['\u{9b}', '\u{202e}', '\u{200b}'];

/// Guards issue #17 defect 8: `bounce --format json` printed C1, bidi and zero-width characters
/// of a diagnostic raw, where every other JSON output escaped them.
#[test]
fn bounce_json_escapes_c1_bidi_and_zero_width_characters() {
    let diagnostic = "550 5.1.1 user \u{9b}2J unknown \u{202e}txt.exe\u{200b}";
    let eml = std::fs::read_to_string(workspace().join("fixtures/message/bounce.user-unknown.eml"))
        .unwrap()
        .replace(
            "Diagnostic-Code: smtp; 550 5.1.1 <jane@acme-corp.com>: Recipient address rejected: User unknown in virtual mailbox table",
            &format!("Diagnostic-Code: smtp; {diagnostic}"),
        );
    assert!(eml.contains(diagnostic), "the fixture changed");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.eml");
    std::fs::write(&file, eml).unwrap();
    let file = file.to_str().unwrap();
    for format in ["json", "jsonl"] {
        let o = mailwhy(&["bounce", "--format", format, file]);
        assert_eq!(o.status.code(), Some(1), "{o:?}");
        let out = String::from_utf8(o.stdout).unwrap();
        for c in HOSTILE {
            assert!(
                !out.contains(c),
                "{format}: raw U+{:04X} in {out}",
                c as u32
            );
        }
        assert!(
            out.contains("\\u009b") && out.contains("\\u202e") && out.contains("\\u200b"),
            "{out}"
        );
        let r: FileResult = serde_json::from_str(out.trim_end()).expect("strict JSON");
        assert_eq!(
            r.recipients[0].diagnostic.as_deref(),
            Some(diagnostic),
            "{format}"
        );
    }
}

#[test]
fn bounce_text_is_readable_and_an_ordinary_message_exits_0() {
    let o = mailwhy(&["bounce", "fixtures/message/message.hop-delay.eml"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("not a bounce"));
    let o = mailwhy(&["bounce", "fixtures/message/bounce.mailbox-full--exim.eml"]);
    let out = stdout(&o);
    assert!(out.contains("jane@acme-corp.com: mailboxfull"), "{out}");
    assert!(out.contains("what to do"), "{out}");
}

#[test]
fn non_mail_and_oversized_inputs_exit_2_naming_the_file() {
    let o = mailwhy(&["bounce", "fixtures/message/not-mail.bin.txt"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not-mail.bin.txt") && err.contains("not an email"),
        "{err}"
    );
    let o = mailwhy(&[
        "message",
        "--max-bytes",
        "100",
        "fixtures/message/message.hop-delay.eml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("message.hop-delay.eml") && err.contains("limit"),
        "{err}"
    );
    let o = mailwhy(&["message", "fixtures/message/does-not-exist.eml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn message_report_json_carries_findings_and_data() {
    let o = mailwhy(&[
        "message",
        "--format",
        "json",
        "--ticket-address",
        "jane@acme-corp.com",
        "fixtures/message/message.recipient-mismatch.eml",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["findings"][0]["id"], "message.recipient-mismatch");
    assert_eq!(v["data"]["delivered_to"][0], "jane.doe@acme-corp.com");
    assert!(v["data"]["received"]["hops"].is_array());
}

#[test]
fn message_text_shows_the_chain_and_the_delay() {
    let o = mailwhy(&["message", "fixtures/message/message.hop-delay.eml"]);
    assert_eq!(o.status.code(), Some(0), "warnings only: {o:?}");
    let out = stdout(&o);
    assert!(out.contains("message.hop-delay"), "{out}");
    assert!(out.contains("2h 0m 2s"), "{out}");
    // mx.acme-corp.com -> store.acme-corp.com is the recipient's own hop; the server that handed
    // the message to the recipient's systems is mail.vendor-mail.net.
    assert!(out.contains("first external IP: 85.10.200.1"), "{out}");
}

/// Snapshots of the text and JSON output: a change in wording or shape shows up in review.
/// Regenerate with `MAILWHY_UPDATE_SNAPSHOTS=1 cargo test -p mailwhy-cli --test message`.
#[test]
fn bounce_output_matches_the_snapshots() {
    for (args, file) in [
        (
            vec![
                "bounce",
                "fixtures/message/bounce.user-unknown.eml",
                "fixtures/message/bounce.vacation.eml",
            ],
            "bounce.txt",
        ),
        (
            vec![
                "bounce",
                "--format",
                "json",
                "fixtures/message/bounce.mailbox-full--exim.eml",
            ],
            "bounce.json",
        ),
    ] {
        let got = stdout(&mailwhy(&args));
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(file);
        if std::env::var_os("MAILWHY_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap();
        assert_eq!(got, want, "{file} differs from the snapshot");
    }
}

#[test]
fn the_sender_is_checked_against_an_allowlist_or_a_sender_profile() {
    // 167.89.36.250 handed the message over; the demo gateway does not list it, Procore does.
    let msg = "fixtures/tickets/spam-folder/message.eml";
    let o = mailwhy(&[
        "message",
        msg,
        "--allowlist",
        "fixtures/demo/gateway.txt",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "allowlist.sender-not-listed")
        .expect("not listed");
    assert_eq!(f["evidence"]["connecting_ip"], "167.89.36.250");
    let o = mailwhy(&[
        "message",
        msg,
        "--sender",
        "fixtures/senders/procore.toml",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "allowlist.sender-not-listed"),
        "{v}"
    );
}

#[test]
fn message_computes_authentication_beside_the_receivers() {
    // Signed by dkimpy (fixtures/auth/messages/generate.py): SPF and DKIM pass for the sending
    // service, which does not align with From, so DMARC fails; the receiver agrees.
    let o = mailwhy(&["message", "fixtures/auth/messages/received-dmarc-fail.eml"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("dmarc.fail"), "{out}");
    assert!(
        out.contains("Authentication: ours beside the receivers'"),
        "{out}"
    );
    assert!(
        out.contains("DMARC  ours: fail (From signed.example, p=reject) | mx.acme.example: fail"),
        "{out}"
    );
    let o = mailwhy(&[
        "message",
        "--format",
        "json",
        "fixtures/auth/messages/received-forwarded.eml",
    ]);
    assert_eq!(o.status.code(), Some(0), "warnings and notes only: {o:?}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = &v["data"]["authentication_computed"];
    assert_eq!(c["spf"]["result"], "fail");
    assert_eq!(c["dmarc"]["result"], "pass");
    assert_eq!(c["differences"][0]["receiver"], "mx.alumni.example");
}

/// A report about a message (a delivery notification, an out-of-office reply, a feedback
/// report) is addressed to the sender, like a bounce: `--ticket-address` is compared with the
/// recipient it reports on, never with its own To.
#[test]
fn a_report_about_a_message_is_not_a_recipient_mismatch_against_its_own_envelope() {
    for (file, reported) in [
        (
            "fixtures/message/bounce.delivered.eml",
            "jane@acme-corp.com",
        ),
        ("fixtures/message/bounce.vacation.eml", "jane@acme-corp.com"),
        ("fixtures/message/bounce.feedback.eml", "jane@isp-mail.net"),
    ] {
        let o = mailwhy(&[
            "--format",
            "json",
            "message",
            file,
            "--ticket-address",
            reported,
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let ids: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert!(
            !ids.contains(&"message.recipient-mismatch"),
            "{file}: {ids:?}"
        );
        assert!(ids[0].starts_with("bounce."), "{file}: {ids:?}");
    }
    // Someone else's report is still a mismatch.
    let o = mailwhy(&[
        "--format",
        "json",
        "message",
        "fixtures/message/bounce.delivered.eml",
        "--ticket-address",
        "omar@acme-corp.com",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("message.recipient-mismatch"));
}
