//! `address` and `domain` checks end to end: every case of fixtures/address/cases.tsv through
//! the real resolver and the loopback zone server on fixtures/address/zones, plus temporary DNS
//! failures from the fault responder.

use std::collections::BTreeSet;

use mailwhy::address;
use mailwhy::check::{CheckStatus, Context};
use mailwhy::finding::registry;
use mailwhy::routing;
use mailwhy_tests::{dns_for, fixture, zone_server, Fault, FaultResponder};

struct Case {
    line: usize,
    input: String,
    ids: BTreeSet<String>,
    verdict: String,
}

/// Decodes `\u{XXXX}` escapes (the fixture keeps invisible characters visible).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').expect("closing brace") + i;
        let v = u32::from_str_radix(&rest[i + 3..end], 16).expect("hex");
        out.push(char::from_u32(v).expect("scalar"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixture("address/cases.tsv")).expect("cases.tsv");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "line {}: three tab-separated columns", i + 1);
            Case {
                line: i + 1,
                input: unescape(cols[0]),
                ids: cols[1]
                    .split_whitespace()
                    .filter(|s| *s != "-")
                    .map(String::from)
                    .collect(),
                verdict: cols[2].to_string(),
            }
        })
        .collect()
}

#[tokio::test]
async fn every_fixture_case_gives_exactly_its_findings_and_verdict() {
    let server = zone_server(&fixture("address/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let mut failures = Vec::new();
    for case in cases() {
        let report = address::report(&ctx, &case.input).await;
        let got: BTreeSet<String> = report.findings.iter().map(|f| f.id.to_string()).collect();
        let verdict = report.verdict.as_str().to_string();
        if got != case.ids || verdict != case.verdict {
            failures.push(format!(
                "line {} {:?}: expected {:?} {}, got {:?} {}\n{:#?}",
                case.line, case.input, case.ids, case.verdict, got, verdict, report.findings
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_address_and_domain_id_has_a_fixture_case() {
    let covered: BTreeSet<String> = cases().into_iter().flat_map(|c| c.ids).collect();
    for k in registry() {
        if matches!(k.id.area(), "address" | "domain") {
            assert!(
                covered.contains(k.id.as_str()),
                "{} has no case in cases.tsv",
                k.id
            );
        }
    }
}

#[tokio::test]
async fn servfail_makes_the_domain_check_inconclusive_never_fine() {
    let bad = FaultResponder::start(Fault::ServFail).await;
    let ctx = Context::new(dns_for(bad.addr()));
    let report = address::report(&ctx, "jane@initech.fr").await;
    assert_eq!(report.verdict.as_str(), "inconclusive", "{report:#?}");
    assert!(report
        .findings
        .iter()
        .any(|f| f.id == "dns.temporary-failure"));
    let domain = report.checks.iter().find(|c| c.name == "domain").unwrap();
    assert_eq!(domain.status, CheckStatus::Inconclusive);
    // The address check itself did not need DNS: it ran.
    let addr = report.checks.iter().find(|c| c.name == "address").unwrap();
    assert_eq!(addr.status, CheckStatus::Ran);
}

#[tokio::test]
async fn a_silent_server_while_deciding_a_typo_is_inconclusive() {
    let bad = FaultResponder::start(Fault::Silent).await;
    let ctx = Context::new(dns_for(bad.addr()));
    // outlook.de is two edits from outlook.fr: whether it is a typo depends on its MX.
    let out = address::check(&ctx, "jane@outlook.de").await;
    assert_eq!(out.status, CheckStatus::Inconclusive, "{out:#?}");
    assert!(out.findings.iter().all(|f| f.id != "address.typo-domain"));
}

#[tokio::test]
async fn a_refused_mx_question_is_inconclusive_not_no_mail_host() {
    let bad = FaultResponder::start(Fault::Refused).await;
    let ctx = Context::new(dns_for(bad.addr()));
    let out = routing::check_domain(&ctx, "initech.fr").await;
    assert_eq!(out.status, CheckStatus::Inconclusive);
    assert!(out.findings.iter().all(|f| f.id == "dns.temporary-failure"));
}

#[tokio::test]
async fn evidence_names_hidden_characters_and_shows_both_idn_forms() {
    let server = zone_server(&fixture("address/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let r = address::report(&ctx, "jane\u{200B}@initech.fr").await;
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "address.hidden-characters")
        .unwrap();
    assert_eq!(f.evidence["characters"][0]["code_point"], "U+200B");
    assert_eq!(f.evidence["characters"][0]["name"], "ZERO WIDTH SPACE");
    assert_eq!(f.evidence["characters"][0]["position"], 5);
    assert_eq!(f.evidence["without_them"], "jane@initech.fr");
    let r = address::report(&ctx, "jane@B\u{00FC}cher.fr").await;
    assert_eq!(r.data["domain"]["ascii"], "xn--bcher-kva.fr");
    assert_eq!(r.data["domain"]["unicode"], "b\u{00FC}cher.fr");
    assert_eq!(r.data["routing"]["mx"][0]["host"], "mail.xn--bcher-kva.fr");
    let r = address::report(&ctx, "jane@initech .fr").await;
    let f = &r.findings[0];
    assert_eq!(f.evidence["problems"][0]["position"], 13);
    assert!(
        f.detail.contains("a space after the @ at position 13"),
        "{}",
        f.detail
    );
}

#[tokio::test]
async fn providers_are_detected_and_targets_resolved_concurrently_once() {
    let server = zone_server(&fixture("address/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let reports = futures::future::join_all(
        [
            "a@initech.fr",
            "b@initech.fr",
            "c@initech.fr",
            "d@globex.fr",
        ]
        .iter()
        .map(|a| address::report(&ctx, a)),
    )
    .await;
    let google = &reports[0].data["routing"]["providers"][0];
    assert_eq!(google["id"], "google");
    assert_eq!(
        reports[3].data["routing"]["providers"][0]["id"],
        "microsoft365"
    );
    // initech.fr: MX + A/AAAA of two targets = 5; globex.fr: MX + A/AAAA of one target = 3.
    assert_eq!(ctx.dns.queries_sent(), 8, "{:#?}", ctx.dns.query_log());
    assert_eq!(
        routing::detect_provider("alt1.aspmx.l.google.com").map(|p| p.name),
        Some("Google Workspace / Gmail")
    );
}

/// A UDP responder on loopback whose answers a test scripts per question: the MX answer can
/// succeed while the lookups that depend on it fail, which one fault for every question cannot
/// show.
mod scripted {
    use hickory_proto::op::{Message, ResponseCode};
    use hickory_proto::rr::rdata::MX;
    use hickory_proto::rr::{Name, RData, Record, RecordType};
    use std::net::SocketAddr;
    use tokio::net::UdpSocket;

    pub enum Reply {
        Mx(&'static str),
        NoData,
        ServFail,
    }

    pub struct Scripted {
        pub addr: SocketAddr,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for Scripted {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    pub async fn start(script: fn(&str, RecordType) -> Reply) -> Scripted {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            // Bounded: the test drops it when done.
            while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                let Ok(q) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let Some(query) = q.queries.first().cloned() else {
                    continue;
                };
                let mut m = Message::response(q.metadata.id, q.metadata.op_code);
                m.metadata.recursion_desired = q.metadata.recursion_desired;
                m.metadata.recursion_available = true;
                m.add_queries(q.queries.clone());
                let name = query.name().to_ascii().to_ascii_lowercase();
                match script(name.trim_end_matches('.'), query.query_type()) {
                    Reply::Mx(host) => {
                        let rdata = RData::MX(MX::new(10, Name::from_ascii(host).unwrap()));
                        m.add_answer(Record::from_rdata(query.name().clone(), 60, rdata));
                    }
                    Reply::NoData => {}
                    Reply::ServFail => m.metadata.response_code = ResponseCode::ServFail,
                }
                if let Ok(bytes) = m.to_vec() {
                    let _ = sock.send_to(&bytes, peer).await;
                }
            }
        });
        Scripted { addr, task }
    }
}

#[tokio::test]
async fn an_mx_host_whose_address_lookup_fails_is_inconclusive_not_unresolvable() {
    use mailwhy::dns::RecordType;
    let server = scripted::start(|name, rtype| match (name, rtype) {
        ("split.fr", RecordType::MX) => scripted::Reply::Mx("mx.split.fr."),
        _ => scripted::Reply::ServFail,
    })
    .await;
    let ctx = Context::new(dns_for(server.addr));
    let out = routing::check_domain(&ctx, "split.fr").await;
    assert_eq!(out.status, CheckStatus::Inconclusive, "{out:#?}");
    let ids: BTreeSet<&str> = out.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["dns.temporary-failure"]), "{out:#?}");
}

#[tokio::test]
async fn no_mx_and_a_failed_address_lookup_is_inconclusive_not_no_mail_host() {
    use mailwhy::dns::RecordType;
    let server = scripted::start(|name, rtype| match (name, rtype) {
        ("web.fr", RecordType::A) => scripted::Reply::ServFail,
        _ => scripted::Reply::NoData,
    })
    .await;
    let ctx = Context::new(dns_for(server.addr));
    let report = address::report(&ctx, "jane@web.fr").await;
    assert_eq!(report.verdict.as_str(), "inconclusive", "{report:#?}");
    let ids: BTreeSet<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        BTreeSet::from(["dns.temporary-failure"]),
        "{report:#?}"
    );
}

/// A check line saying "is a valid address" beside a look-alike-character error reads as
/// "fine": the address check says what it found instead.
#[tokio::test]
async fn a_look_alike_address_is_never_called_valid() {
    let server = zone_server(&fixture("address/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    for input in ["jane@\u{0456}nitech.fr", "jane\u{200B}@initech.fr"] {
        let report = address::report(&ctx, input).await;
        assert!(report
            .findings
            .iter()
            .any(|f| f.id == "address.hidden-characters"));
        let check = report.checks.iter().find(|c| c.name == "address").unwrap();
        assert!(
            !check.detail.contains("is a valid address"),
            "{input:?}: {}",
            check.detail
        );
    }
}
