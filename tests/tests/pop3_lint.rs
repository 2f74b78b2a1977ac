//! The POP3 settings lint on every case of fixtures/mailbox/lint-cases.toml: the expected
//! findings, nothing more, and the right values in the remedies.

use mailwhy::mailbox::{lint, Pop3Settings, TlsMode};
use mailwhy_tests::fixture;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    server: String,
    port: Option<u16>,
    tls: Option<TlsMode>,
    user: Option<String>,
    expect: Vec<String>,
    #[serde(default)]
    remedy_contains: Vec<String>,
}

#[test]
fn every_lint_case_produces_exactly_its_findings() {
    let text = std::fs::read_to_string(fixture("mailbox/lint-cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    assert!(cases.case.len() >= 10);
    for c in cases.case {
        let s = Pop3Settings {
            server: c.server.clone(),
            port: c.port,
            tls: c.tls,
            user: c.user.clone(),
            password: None,
        };
        let findings: Vec<_> = lint(&s).into_iter().flat_map(|o| o.findings).collect();
        let mut got: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        let mut want: Vec<&str> = c.expect.iter().map(String::as_str).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "case {}: {findings:#?}", c.name);
        let remedies: String = findings
            .iter()
            .map(|f| f.remedy.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for needle in &c.remedy_contains {
            assert!(
                remedies.contains(needle.as_str()),
                "case {}: {needle:?} not in\n{remedies}",
                c.name
            );
        }
    }
}
