//! Invalid input to any subcommand: exit 2 and one line on stderr naming the argument, nothing
//! on stdout; never a report whose "no problem found" rests on asking DNS about a name that
//! cannot exist.

use std::process::Command;

use mailwhy_tests::workspace;

/// Each subcommand with one unusable argument.
const CASES: &[&[&str]] = &[
    &["spf", "bad domain!"],
    &["spf", "-"],
    &["spf", "procore.com", "--ip", "1.2.3"],
    &["spf"],
    &["address", "--no-such-flag", "a@b.c"],
    &["auth", "bad domain!"],
    &["auth", "procore.com", "--envelope-domain", "x y"],
    &["auth", "procore.com", "--ip", "1.2.3"],
    &["dns", "..", "A"],
    &["dns", "example.com", "BOGUS"],
    &["pop3", "--server", "bad host!"],
    &[
        "allowlist",
        "--check",
        "1.2.3.999",
        "--allowlist",
        "fixtures/demo/gateway.txt",
    ],
    &["explain", "no.such-id"],
    &[
        "diagnose",
        "jane.doe@acme-builders.com",
        "--now",
        "yesterday",
    ],
    &["message", "fixtures/no-such-file.eml"],
    &["bounce", "fixtures/no-such-file.eml"],
    &[
        "batch",
        "fixtures/no-such-file.csv",
        "--now",
        "2026-11-23T12:00:00Z",
    ],
];

#[test]
fn invalid_input_to_any_subcommand_exits_2_with_one_line() {
    let mut failures = Vec::new();
    for args in CASES {
        let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .args(["--dns-zones", "fixtures/demo/zones"])
            .args(*args)
            .current_dir(workspace())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(2) {
            failures.push(format!("{args:?}: exit {:?}: {err}", o.status.code()));
        } else if err.lines().count() != 1 || !err.starts_with("mailwhy: ") {
            failures.push(format!("{args:?}: not one line: {err:?}"));
        } else if !o.stdout.is_empty() {
            failures.push(format!(
                "{args:?}: printed {}",
                String::from_utf8_lossy(&o.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dns_ptr_of_an_ip_asks_its_reverse_name() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--dns-zones",
            "fixtures/demo/zones",
            "--format",
            "json",
            "dns",
            "137.22.225.98",
            "PTR",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["data"]["name"], "98.225.22.137.in-addr.arpa", "{v}");
    assert_eq!(
        v["data"]["records"][0]["data"]["target"],
        "mta1.procore.com"
    );
}
