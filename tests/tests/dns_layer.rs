//! The DNS layer end to end: the real hickory resolver against the loopback zone server and the
//! fault responder. Each outcome is proven over the real network path.

use mailwhy::dns::{Data, Outcome, RecordType};
use mailwhy_tests::{dns_for, fixture, zone_server, Fault, FaultResponder};

#[tokio::test]
async fn records_nodata_and_nxdomain_are_told_apart() {
    let server = zone_server(&fixture("zones")).await;
    let dns = dns_for(server.addr());
    let mx = dns.query("acme.example", RecordType::MX).await.unwrap();
    assert_eq!(
        mx.mx(),
        vec![
            (1, "aspmx.l.google.com".to_string()),
            (5, "alt1.aspmx.l.google.com".to_string())
        ]
    );
    let nodata = dns.query("www.acme.example", RecordType::MX).await.unwrap();
    assert_eq!(nodata.outcome, Outcome::NoData);
    let nx = dns.query("nope.acme.example", RecordType::A).await.unwrap();
    assert_eq!(nx.outcome, Outcome::NxDomain);
    // A name outside every served zone: NXDOMAIN, not REFUSED.
    let outside = dns.query("unrelated.test", RecordType::A).await.unwrap();
    assert_eq!(outside.outcome, Outcome::NxDomain);
}

#[tokio::test]
async fn txt_strings_survive_the_round_trip() {
    let server = zone_server(&fixture("zones")).await;
    let dns = dns_for(server.addr());
    let txt = dns.query("acme.example", RecordType::TXT).await.unwrap();
    assert_eq!(
        txt.txt(),
        vec![b"v=spf1 include:_spf.google.com ~all".to_vec()]
    );
    let dkim = dns
        .query("s1._domainkey.acme.example", RecordType::TXT)
        .await
        .unwrap();
    // opendkim-genkey output: two strings in parentheses with semicolons inside the quotes.
    let strings: Vec<Vec<u8>> = dkim
        .records()
        .filter_map(|d| match d {
            Data::Txt { strings } => Some(strings.clone()),
            _ => None,
        })
        .next()
        .expect("a TXT record");
    assert_eq!(strings.len(), 2, "{strings:?}");
    assert!(strings[0].starts_with(b"v=DKIM1; h=sha256; k=rsa; "));
}

#[tokio::test]
async fn servfail_refused_and_silence_are_temporary_failures() {
    for (fault, want) in [
        (Fault::ServFail, Outcome::ServFail),
        (Fault::Refused, Outcome::Refused),
        (Fault::Silent, Outcome::Timeout),
    ] {
        let bad = FaultResponder::start(fault).await;
        let dns = dns_for(bad.addr());
        let a = dns.query("acme.example", RecordType::MX).await.unwrap();
        assert_eq!(a.outcome, want, "{fault:?}");
        assert!(a.outcome.is_temporary_failure());
        assert!(bad.udp_queries() >= 1, "{fault:?}: the responder was asked");
    }
}

#[tokio::test]
async fn a_truncated_udp_answer_moves_the_query_to_tcp() {
    let tc = FaultResponder::start(Fault::Truncate).await;
    let dns = dns_for(tc.addr());
    let a = dns.query("big.example", RecordType::A).await.unwrap();
    assert_eq!(
        a.ips(),
        vec!["192.0.2.1".parse::<std::net::IpAddr>().unwrap()]
    );
    assert!(tc.udp_queries() >= 1 && tc.tcp_queries() >= 1);
}

#[tokio::test]
async fn concurrent_identical_questions_send_one_query() {
    let server = zone_server(&fixture("zones")).await;
    let dns = dns_for(server.addr());
    let asks = (0..50).map(|_| {
        let dns = dns.clone();
        tokio::spawn(async move { dns.query("acme.example", RecordType::MX).await.unwrap() })
    });
    for r in futures_join(asks).await {
        assert_eq!(r.mx().len(), 2);
    }
    assert_eq!(
        server.queries_received(),
        1,
        "single-flight: one query reached the server"
    );
    assert_eq!(dns.queries_sent(), 1);
    assert_eq!(dns.questions_asked(), 50);
    // Asked again later: answered from the cache within the TTL.
    dns.query("ACME.example.", RecordType::MX).await.unwrap();
    assert_eq!(server.queries_received(), 1);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn invalid_names_are_refused_before_any_query() {
    let server = zone_server(&fixture("zones")).await;
    let dns = dns_for(server.addr());
    assert!(dns.query("a..b", RecordType::A).await.is_err());
    assert!(dns.query(&"x".repeat(64), RecordType::A).await.is_err());
    assert_eq!(server.queries_received(), 0);
}

#[tokio::test]
async fn one_question_written_differently_is_asked_once() {
    // The cache's hit path looks names up as written (case-insensitively, with or without the
    // trailing dot); the miss path builds the canonical key. Either way one query is sent.
    let server = zone_server(&fixture("zones")).await;
    let dns = dns_for(server.addr());
    let first = dns.query("acme.example", RecordType::MX).await.unwrap();
    for name in ["ACME.example", "acme.example.", "Acme.Example."] {
        let again = dns.query(name, RecordType::MX).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &again), "{name}");
    }
    // Another type of the same name is another question.
    dns.query("acme.example", RecordType::TXT).await.unwrap();
    assert_eq!(dns.queries_sent(), 2);
    assert_eq!(dns.questions_asked(), 5);
    assert_eq!(dns.distinct_questions(), 2);
}
