//! Resolver sanity: a resolver that invents answers (NXDOMAIN for every name, one address for
//! every name) is reported as `dns.resolver-untrustworthy` and makes the domain check
//! inconclusive, never `domain.not-found`; a sound resolver, and `--dns-zones` (whose zones are
//! the whole world by design), are believed; every report names the resolver it asked.

use std::process::{Command, Output};

use mailwhy_tests::{fixture, workspace, Fault, FaultResponder};
use serde_json::Value;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("run mailwhy")
}

async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        mailwhy(&a)
    })
    .await
    .unwrap()
}

fn ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

async fn address_through(fault: Fault, address: &str) -> (Output, Value, String) {
    let f = FaultResponder::start(fault).await;
    let ns = f.addr().to_string();
    let o = run(vec![
        "--nameserver".into(),
        ns.clone(),
        "--timeout".into(),
        "0.5".into(),
        "--format".into(),
        "json".into(),
        "address".into(),
        address.into(),
    ])
    .await;
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {o:?}"));
    (o, v, ns)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolver_answering_nxdomain_for_everything_is_not_believed() {
    let (o, v, ns) = address_through(Fault::NxDomain, "john@gmail.com").await;
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    assert_eq!(v["verdict"], "inconclusive");
    let ids = ids(&v);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("dns.resolver-untrustworthy"),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i == "domain.not-found"), "{ids:?}");
    let f = &v["findings"][0];
    assert_eq!(f["evidence"]["resolvers"][0], ns.as_str(), "{f}");
    assert!(f["detail"].as_str().unwrap().contains(&ns), "{f}");
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains("gmail.com does not exist"),
        "{f}"
    );
    let domain = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "domain")
        .unwrap();
    assert_eq!(domain["status"], "inconclusive", "{domain}");
    assert_eq!(v["stats"]["resolvers"][0], ns.as_str(), "{}", v["stats"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolver_giving_one_address_to_every_name_is_not_believed() {
    let (o, v, _) = address_through(Fault::SameAddress, "jane@no-such-company-mailwhy.com").await;
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    let ids = ids(&v);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("dns.resolver-untrustworthy"),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i == "domain.implicit-mx"), "{ids:?}");
    let probes = v["findings"][0]["evidence"]["probes"].as_array().unwrap();
    assert!(
        probes.iter().any(|p| p["addresses"][0] == "198.51.100.7"
            && p["question"]
                .as_str()
                .unwrap()
                .starts_with("mailwhy-canary-")),
        "{probes:?}"
    );
}

/// A sound resolver (a zone server that knows gmail.com, asked as a plain resolver) is
/// believed: a domain it does not know is `domain.not-found`, and a domain it knows costs no
/// test question (the probe runs only after a lookup came back empty).
#[tokio::test(flavor = "multi_thread")]
async fn a_sound_resolver_is_believed_and_probed_only_after_an_empty_answer() {
    let server = mailwhy_tests::zone_server(&fixture("demo/zones")).await;
    let ns = server.addr().to_string();
    let via = |address: &str| {
        vec![
            "--nameserver".to_string(),
            ns.clone(),
            "--format".into(),
            "json".into(),
            "address".into(),
            address.to_string(),
        ]
    };
    let o = run(via("jane@no-such-company-mailwhy.com")).await;
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids = ids(&v);
    assert!(ids.iter().any(|i| i == "domain.not-found"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i == "dns.resolver-untrustworthy"),
        "{ids:?}"
    );

    let o = run(via("jane.doe@acme-builders.com")).await;
    let through_resolver: Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = run(vec![
        "--dns-zones".into(),
        "fixtures/demo/zones".into(),
        "--format".into(),
        "json".into(),
        "address".into(),
        "jane.doe@acme-builders.com".into(),
    ])
    .await;
    let through_zones: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        through_resolver["stats"]["dns_queries"], through_zones["stats"]["dns_queries"],
        "no test question when the domain resolved"
    );
}

/// `--dns-zones` is the whole world by design: a domain outside the zones does not exist, and
/// the zones not holding gmail.com is no reason to distrust them.
#[test]
fn zone_files_are_believed() {
    let o = mailwhy(&[
        "--dns-zones",
        "fixtures/zones",
        "--format",
        "json",
        "address",
        "jane@no-such-company-mailwhy.com",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids = ids(&v);
    assert!(ids.iter().any(|i| i == "domain.not-found"), "{ids:?}");
    assert!(
        !ids.iter().any(|i| i == "dns.resolver-untrustworthy"),
        "{ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_text_report_names_the_resolver() {
    let f = FaultResponder::start(Fault::NxDomain).await;
    let ns = f.addr().to_string();
    let o = run(vec![
        "--nameserver".into(),
        ns.clone(),
        "address".into(),
        "john@gmail.com".into(),
    ])
    .await;
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("(resolver {ns})")), "{out}");
}
