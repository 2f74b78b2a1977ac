//! `mailwhy allowlist` end to end on the Procore worked example.

use std::process::{Command, Output};

use mailwhy_tests::workspace;

/// Runs mailwhy offline: DNS answers come from the allowlist fixture zones.
fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--dns-zones", "fixtures/allowlist/zones"])
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run mailwhy")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

const SENDER: &str = "fixtures/senders/procore.toml";

#[test]
fn the_complete_list_has_no_gap() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/complete.txt",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json(&o);
    assert_eq!(v["verdict"], "no-problem-found");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    // The vendor itself lists two shared services (fastly.net, smtp.sendgrid.net): that warning stays.
    assert_eq!(ids, vec!["allowlist.shared-infrastructure"; 2]);
}

#[test]
fn the_partial_list_shows_every_gap_and_mistake() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/partial.txt",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "allowlist.domain-missing",
        "allowlist.ip-missing",
        "allowlist.overbroad-entry",
        "allowlist.shared-infrastructure",
        "allowlist.stale-entry",
        "allowlist.invalid-entry",
        "allowlist.host-bits-set",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let invalid = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "allowlist.invalid-entry")
        .unwrap();
    assert_eq!(invalid["evidence"]["line"], 12);
}

#[test]
fn csv_with_a_named_column() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/gateway.csv",
        "--column",
        "value",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let ip = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "allowlist.ip-missing")
        .unwrap();
    // 137.22.225.98 and the two in 137.22.228.0/24 are listed; five are not.
    assert_eq!(ip["evidence"]["missing"].as_array().unwrap().len(), 5);
}

#[test]
fn check_answers_which_entry_admits() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/partial.txt",
        "--check",
        "click.procore.com",
        "167.89.23.21",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("click.procore.com: listed by line 3: *.procore.com"),
        "{out}"
    );
    assert!(
        out.contains("167.89.23.21: not listed (the vendor publishes it)"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn export_formats() {
    let o = mailwhy(&["allowlist", "--sender", SENDER, "--export", "postfix"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("167.89.36.250/32\tOK"));
    let o = mailwhy(&["allowlist", "--sender", SENDER, "--export", "m365"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("-IPAllowList @{Add=\"137.22.225.98/32\""));
}

/// Given the gateway's list, `--export` prints what it lacks, not the vendor's whole list, and
/// never, unannounced, an entry on shared infrastructure (fastly.net): that one is named on
/// stderr and exported only with --include-shared.
#[test]
fn export_with_the_gateway_list_gives_what_it_lacks_and_announces_what_it_leaves_out() {
    let base = [
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/demo/gateway.txt",
        "--export",
        "plain",
    ];
    let o = mailwhy(&base);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    // procore.com and 137.22.225.98 are on the gateway's list already; 137.22.228.37 is not.
    assert!(!lines.contains(&"procore.com"), "{out}");
    assert!(!lines.contains(&"137.22.225.98/32"), "{out}");
    assert!(lines.contains(&"137.22.228.37/32"), "{out}");
    assert!(!out.contains("fastly.net"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("left out fastly.net"), "{err}");
    let mut with = base.to_vec();
    with.push("--include-shared");
    let o = mailwhy(&with);
    assert!(String::from_utf8_lossy(&o.stdout).contains("fastly.net\n"));
}

#[test]
fn unreadable_or_bad_inputs_exit_2_naming_the_file() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        "nope.toml",
        "--allowlist",
        "fixtures/allowlist/partial.txt",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.toml"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("vendor.toml");
    std::fs::write(&bad, "name = \"V\"\nips = [\"10.0.0.1/8\"]\n").unwrap();
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        bad.to_str().unwrap(),
        "--allowlist",
        "fixtures/allowlist/partial.txt",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("vendor.toml:2:") && err.contains("host bits"),
        "{err}"
    );
}

#[test]
fn spf_drift_both_directions() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        "fixtures/allowlist/drift-vendor.toml",
        "--allowlist",
        "fixtures/allowlist/complete.txt",
        "--format",
        "json",
    ]);
    let v = json(&o);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "allowlist.spf-drift")
        .expect("spf-drift");
    assert_eq!(
        f["evidence"]["listed_not_authorized"],
        serde_json::json!(["45.33.10.2/32"])
    );
    assert_eq!(
        f["evidence"]["authorized_not_listed"],
        serde_json::json!(["45.33.20.0/24"])
    );
    // The Procore profile agrees with its (fixture) SPF: no drift, the shared SendGrid range
    // reached through include:sendgrid.net is SendGrid's, not Procore's.
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/complete.txt",
        "--format",
        "json",
    ]);
    let v = json(&o);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "allowlist.spf-drift"),
        "{v}"
    );
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "spf-drift" && c["status"] == "ran"));
}

#[test]
fn spf_drift_is_inconclusive_when_dns_fails() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bad = rt.block_on(mailwhy_tests::FaultResponder::start(
        mailwhy_tests::Fault::ServFail,
    ));
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--nameserver",
            &bad.addr().to_string(),
            "allowlist",
            "--sender",
            "fixtures/allowlist/drift-vendor.toml",
            "--allowlist",
            "fixtures/allowlist/complete.txt",
            "--format",
            "json",
        ])
        .current_dir(workspace())
        .output()
        .unwrap();
    let v = json(&o);
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "spf-drift")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "inconclusive", "{v}");
    drop(bad);
}

#[test]
fn recipient_provider_tailors_the_remedy_and_a_gateway_in_front_is_flagged() {
    let o = mailwhy(&[
        "allowlist",
        "--sender",
        SENDER,
        "--allowlist",
        "fixtures/allowlist/partial.txt",
        "--domain",
        "filtered-customer.com",
        "--format",
        "json",
    ]);
    let v = json(&o);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"allowlist.gateway-in-front"), "{ids:?}");
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "allowlist.domain-missing")
        .unwrap();
    assert!(
        missing["remedy"].as_str().unwrap().contains("Proofpoint"),
        "{missing}"
    );
}
