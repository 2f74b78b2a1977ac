//! Words for a person in text and Markdown: no Rust variant names, no JSON cut off mid-way in
//! the evidence, Markdown steps that name what they are about, `explain` suggestions near the
//! id typed. (JSON keeps its stable kebab-case values; these tests read the human formats.)

use std::process::{Command, Output};

use mailwhy_tests::workspace;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mailwhy")
}

fn diagnose(email: &str, format: &str) -> String {
    let o = mailwhy(&[
        "--config",
        "fixtures/demo/mailwhy.toml",
        "diagnose",
        email,
        "--now",
        "2026-11-23T12:00:00Z",
        "--format",
        format,
    ]);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The demo's users, one of each status.
const DEMO: &[&str] = &[
    "jane.doe@acme-builders.com",
    "li.wei@acme-builders.com",
    "omar.haddad@acme-builders.com",
    "john.smith@gmail.com",
    "mike.brown@northwind-bau.de",
];

#[test]
fn an_account_status_reads_in_words_not_as_a_rust_variant() {
    for format in ["text", "markdown"] {
        let out = diagnose("li.wei@acme-builders.com", format);
        assert!(out.contains("not invited"), "{format}: {out}");
        assert!(!out.contains("NotInvited"), "{format}: {out}");
    }
}

/// Evidence lines show lists and flat records as words; a nested structure (an SPF trace) is
/// named, never printed as JSON cut at 300 characters beside the readable tree.
#[test]
fn text_evidence_never_dumps_json() {
    let spf = mailwhy(&[
        "--dns-zones",
        "fixtures/spf/zones",
        "spf",
        "limit.example",
        "--ip",
        "192.0.2.1",
    ]);
    let mut outputs = vec![(
        "spf limit.example".to_string(),
        String::from_utf8_lossy(&spf.stdout).into_owned(),
    )];
    for email in DEMO {
        for format in ["text", "markdown"] {
            outputs.push((format!("{email} {format}"), diagnose(email, format)));
        }
    }
    for (what, out) in &outputs {
        for line in out
            .lines()
            .filter(|l| l.trim_start().starts_with("· ") || l.trim_start().starts_with("- "))
        {
            assert!(
                !line.contains("{\"") && !line.contains("[\"") && !line.contains("[{"),
                "{what}: JSON in an evidence line: {line}"
            );
        }
    }
    assert!(
        outputs[0].1.contains("trace: (nested data"),
        "{}",
        outputs[0].1
    );
}

/// "Add these addresses to the IP allowlist." -- which? Each step says what it is about.
#[test]
fn markdown_steps_name_their_subject() {
    let md = diagnose("jane.doe@acme-builders.com", "markdown");
    let steps: Vec<&str> = md
        .split("**Steps**")
        .nth(1)
        .expect("steps")
        .split("**Evidence**")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    assert!(!steps.is_empty(), "{md}");
    for s in &steps {
        assert!(!s.contains("these addresses"), "{s}");
        assert!(!s.contains("Replace the entry with"), "{s}");
    }
    assert!(
        steps
            .iter()
            .any(|s| s.contains("IP allowlist") && s.contains("137.22.228.37/32")),
        "{steps:#?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.contains("SendGrid") && s.contains("\\*.sendgrid.net (line 8)")),
        "{steps:#?}"
    );
}

#[test]
fn explain_suggests_near_matches_of_the_id_typed() {
    let o = mailwhy(&["explain", "user.messaging"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("user.messaging-disabled"), "{err}");
    assert!(
        !err.contains("spf.missing") && !err.contains("dmarc.missing"),
        "{err}"
    );
}
