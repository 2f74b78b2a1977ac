//! `mailwhy blocklist` through the real binary against DNSBL zones served on loopback
//! (`fixtures/blocklist/zones`): a listing, and every kind of refusal, which must never read as
//! "listed" nor as "not listed".

use std::process::{Command, Output};

use mailwhy_tests::workspace;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args([
            "--dns-zones",
            "fixtures/blocklist/zones",
            "--format",
            "json",
        ])
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run mailwhy")
}

fn ids(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON report");
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_error_code_is_never_listed_and_never_clean() {
    // 192.0.2.254: 127.255.255.254 (public resolver); .255 rate limit; .252 typo; .253 a
    // listing code with the refusal beside it; .250 127.0.0.1.
    for ip in [
        "192.0.2.254",
        "192.0.2.255",
        "192.0.2.252",
        "192.0.2.253",
        "192.0.2.250",
    ] {
        let o = mailwhy(&["blocklist", ip, "--blocklist-zone", "zen.spamhaus.org"]);
        assert_eq!(o.status.code(), Some(3), "{ip}: {o:?}");
        assert_eq!(ids(&o), ["blocklist.query-refused"], "{ip}");
    }
    // An answer outside 127/8 is no DNSBL code: inconclusive, without a listing.
    let o = mailwhy(&[
        "blocklist",
        "192.0.2.251",
        "--blocklist-zone",
        "zen.spamhaus.org",
    ]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    assert!(ids(&o).is_empty(), "{:?}", ids(&o));
    // DBL asked about a domain answering the refusal code: the same.
    let o = mailwhy(&[
        "blocklist",
        "refused.example",
        "--blocklist-zone",
        "dbl.spamhaus.org",
    ]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    assert_eq!(ids(&o), ["blocklist.query-refused"]);
}

#[test]
fn a_listing_names_the_list_the_codes_their_meaning_and_the_delisting_page() {
    let o = mailwhy(&["blocklist", "192.0.2.99", "2001:db8::99", "phish.example"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let listed: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "blocklist.listed")
        .collect();
    // ZEN (SBL + XBL) and SpamCop for the IPv4 address, ZEN for the IPv6 one, DBL for the domain.
    assert_eq!(listed.len(), 4, "{v}");
    let zen = &listed[0]["evidence"];
    assert_eq!(zen["list"], "zen.spamhaus.org");
    assert_eq!(zen["query"], "99.2.0.192.zen.spamhaus.org");
    assert_eq!(zen["codes"].as_array().unwrap().len(), 2);
    assert_eq!(zen["delist"], "https://check.spamhaus.org/");
    assert!(listed.iter().any(|f| f["evidence"]["query"]
        == "9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org"));
    assert!(listed.iter().any(|f| f["evidence"]["codes"][0]["meaning"]
        .as_str()
        .unwrap()
        .contains("phishing")));
}

#[test]
fn bad_arguments_and_zones_exit_2() {
    for args in [
        &["blocklist", "not a name!"][..],
        &["blocklist", "192.0.2.1", "--blocklist-zone", "nodot"],
    ] {
        let o = mailwhy(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }
}
