//! `mailwhy spf` through the real binary against the SPF fixture zones: exit codes, the trace in
//! text and Markdown, and the JSON shape parsed strictly.

use std::process::{Command, Output};

use mailwhy_tests::workspace;
use serde::Deserialize;

fn mailwhy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["--dns-zones", "fixtures/spf/zones"])
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
fn an_authorized_ip_passes_with_exit_0_and_a_trace() {
    let o = mailwhy(&["spf", "notauth.example", "--ip", "151.101.1.1"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("result: pass"), "{out}");
    assert!(
        out.contains("ip4:151.101.0.0/16 -> match: 151.101.1.1 is in 151.101.0.0/16"),
        "{out}"
    );
    assert!(out.contains("authorized networks"), "{out}");
}

#[test]
fn an_unauthorized_ip_is_a_problem_with_the_explanation() {
    let o = mailwhy(&[
        "spf",
        "notauth.example",
        "--ip",
        "185.199.108.153",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("`spf.ip-not-authorized`"), "{out}");
    assert!(
        out.contains("explanation: 185.199.108.153 is not one of notauth.example's mail servers"),
        "{out}"
    );
}

#[test]
fn a_syntax_error_names_the_term() {
    let o = mailwhy(&["spf", "syntax.example"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("spf.syntax-error"), "{out}");
    assert!(out.contains("ip4:300.1.1.1"), "{out}");
}

#[test]
fn a_missing_record_is_a_warning_and_exit_0() {
    let o = mailwhy(&["spf", "missing.example"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(stdout(&o).contains("spf.missing"));
}

#[test]
fn a_bad_domain_or_ip_cannot_run() {
    assert_eq!(mailwhy(&["spf", "bad..name"]).status.code(), Some(2));
    assert_eq!(
        mailwhy(&["spf", "notauth.example", "--ip", "300.1.1.1"])
            .status
            .code(),
        Some(2)
    );
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Json {
    schema_version: u32,
    subject: String,
    verdict: String,
    findings: Vec<serde_json::Value>,
    checks: Vec<serde_json::Value>,
    stats: serde_json::Value,
    data: Data,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    domain: String,
    record: Option<String>,
    lookups: u32,
    void_lookups: u32,
    results: Vec<IpResult>,
    flattened: Flattened,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IpResult {
    ip: String,
    result: String,
    explanation: Option<String>,
    lookups: u32,
    void_lookups: u32,
    problem: Option<serde_json::Value>,
    trace: Trace,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trace {
    domain: String,
    record: Option<String>,
    fetch: Option<serde_json::Value>,
    steps: Vec<Step>,
    result: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    term: String,
    position: usize,
    outcome: String,
    detail: String,
    #[serde(default)]
    questions: Vec<serde_json::Value>,
    lookups: u32,
    void_lookups: u32,
    target: Option<Box<Trace>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flattened {
    networks: Vec<String>,
    notes: Vec<String>,
    lookups: u32,
}

#[test]
fn json_holds_the_structured_trace() {
    let o = mailwhy(&[
        "spf",
        "cache.example",
        "--ip",
        "172.64.0.1",
        "--ip",
        "185.199.100.1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let j: Json = serde_json::from_slice(&o.stdout).expect("strict JSON");
    assert_eq!(j.schema_version, 1);
    assert_eq!(j.subject, "cache.example");
    assert_eq!(j.verdict, "problem-found");
    assert_eq!(j.data.domain, "cache.example");
    assert!(j.data.record.unwrap().starts_with("v=spf1 include:a._spf"));
    assert_eq!(j.data.lookups, 5);
    assert_eq!(j.data.void_lookups, 0);
    let pass = &j.data.results[0];
    assert_eq!(
        (pass.ip.as_str(), pass.result.as_str()),
        ("172.64.0.1", "pass")
    );
    let inc = &pass.trace.steps[1];
    assert_eq!(inc.term, "include:b._spf.cache.example");
    assert_eq!(inc.outcome, "match");
    assert_eq!(inc.lookups, 2);
    let child = inc.target.as_ref().expect("the include's own trace");
    assert_eq!(child.domain, "b._spf.cache.example");
    assert_eq!(child.steps[0].outcome, "match");
    assert_eq!(child.result, "pass");
    assert_eq!(child.steps[0].void_lookups, 0);
    assert_eq!(j.data.results[1].result, "fail");
    assert!(j
        .data
        .flattened
        .networks
        .contains(&"172.64.0.0/20".to_string()));
    assert_eq!(j.data.flattened.networks.len(), 21);
    assert_eq!(j.findings.len(), 1);
    assert!(!j.checks.is_empty() && j.stats.is_object());
    let _ = (
        &pass.explanation,
        pass.lookups,
        pass.void_lookups,
        &pass.problem,
        &pass.trace.record,
        &pass.trace.fetch,
        &pass.trace.reason,
        &inc.position,
        &inc.detail,
        &inc.questions,
        &j.data.flattened.notes,
        j.data.flattened.lookups,
    );
}
