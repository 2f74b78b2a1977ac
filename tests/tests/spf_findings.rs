//! Each `spf.*` finding from its fixture (`fixtures/spf/zones/`), through the real resolver and
//! the loopback zone server; and the shared DNS cache across evaluations of many IPs.

use std::net::IpAddr;
use std::sync::Arc;

use mailwhy::check::{CheckStatus, Context};
use mailwhy::dns::RecordType;
use mailwhy::spf::{self, Verdict};
use mailwhy_tests::{dns_for, fixture, zone_server, SilenceRule, SilencingProxy};

fn ids(o: &mailwhy::check::CheckOutcome) -> Vec<&str> {
    o.findings.iter().map(|f| f.id.as_str()).collect()
}

async fn check(domain: &str, ips: &[&str]) -> mailwhy::check::CheckOutcome {
    let server = zone_server(&fixture("spf/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let ips: Vec<IpAddr> = ips.iter().map(|i| i.parse().unwrap()).collect();
    spf::check_domain(&ctx, domain, &ips, None, None).await
}

#[tokio::test]
async fn missing_record() {
    let o = check("missing.example", &[]).await;
    assert_eq!(ids(&o), ["spf.missing"]);
    assert_eq!(o.status, CheckStatus::Ran);
}

#[tokio::test]
async fn multiple_records() {
    let o = check("multiple.example", &[]).await;
    assert_eq!(ids(&o), ["spf.multiple-records"]);
    assert_eq!(
        o.findings[0].evidence["records"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn syntax_error_names_term_and_position() {
    let o = check("syntax.example", &[]).await;
    assert_eq!(ids(&o), ["spf.syntax-error"]);
    let ev = &o.findings[0].evidence;
    assert_eq!(ev["term"], "ip4:300.1.1.1");
    assert_eq!(ev["position"], 10);
}

#[tokio::test]
async fn lookup_limit() {
    let o = check("limit.example", &[]).await;
    assert_eq!(ids(&o), ["spf.lookup-limit-exceeded"]);
    let per = &o.findings[0].evidence["per_include"];
    assert_eq!(per["include:s1.limit.example"], 3, "{per}");
}

#[tokio::test]
async fn void_lookup_limit() {
    let o = check("void.example", &[]).await;
    assert_eq!(ids(&o), ["spf.void-lookup-limit-exceeded"]);
    assert_eq!(
        o.findings[0].evidence["void_lookups"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn ip_not_authorized_with_trace_and_explanation() {
    let o = check("notauth.example", &["185.199.108.153", "151.101.1.1"]).await;
    assert_eq!(ids(&o), ["spf.ip-not-authorized"]);
    let ev = &o.findings[0].evidence;
    assert_eq!(ev["ip"], "185.199.108.153");
    assert_eq!(ev["result"], "fail");
    assert_eq!(
        ev["explanation"],
        "185.199.108.153 is not one of notauth.example's mail servers"
    );
    assert_eq!(ev["trace"]["steps"][1]["term"], "-all");
}

#[tokio::test]
async fn permissive_all() {
    let o = check("permissive.example", &[]).await;
    assert_eq!(ids(&o), ["spf.permissive-all"]);
}

#[tokio::test]
async fn ptr_mechanism() {
    let o = check("ptr.example", &[]).await;
    assert_eq!(ids(&o), ["spf.ptr-mechanism"]);
}

#[tokio::test]
async fn temporary_error_makes_the_check_inconclusive() {
    let server = zone_server(&fixture("spf/zones")).await;
    let rule: SilenceRule = Arc::new(|n: &str, _t: RecordType| n == "down.tempfail.example");
    let proxy = SilencingProxy::start(server.addr(), rule).await;
    let ctx = Context::new(dns_for(proxy.addr()));
    let o = spf::check_domain(&ctx, "tempfail.example", &[], None, None).await;
    assert_eq!(ids(&o), ["spf.temporary-error"]);
    assert!(
        matches!(o.status, CheckStatus::Inconclusive),
        "{:?}",
        o.status
    );
}

/// Guards the shared cache: 50 IPs against a record with 3 includes send each question once.
#[tokio::test]
async fn fifty_ips_ask_each_question_once() {
    let server = zone_server(&fixture("spf/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let ips: Vec<IpAddr> = (0..50)
        .map(|i| format!("185.199.{}.{}", 100 + i % 3, i).parse().unwrap())
        .collect();
    for ip in &ips {
        let r = spf::check_host(&ctx, *ip, "cache.example", "", "cache.example").await;
        assert!(
            matches!(r.result, Verdict::Fail | Verdict::Pass),
            "{ip}: {}",
            r.result
        );
        // Without a trace: the same verdict and counts, an empty step list.
        let lean = spf::Options {
            no_trace: true,
            ..spf::Options::default()
        };
        let l = spf::check_host_with(&ctx, *ip, "cache.example", "", "cache.example", &lean).await;
        assert_eq!((l.result, l.lookups), (r.result, r.lookups));
        assert!(l.trace.steps.is_empty() && !r.trace.steps.is_empty());
    }
    let log = ctx.dns.query_log();
    let mut distinct: Vec<(String, String)> = log
        .iter()
        .map(|e| (e.name.clone(), e.rtype.clone()))
        .collect();
    distinct.sort();
    distinct.dedup();
    // cache.example TXT, 3 include TXTs, relay A, cache.example MX, mx1 A.
    assert_eq!(distinct.len(), 7, "{distinct:?}");
    assert_eq!(ctx.dns.queries_sent(), 7);
    assert_eq!(
        server.queries_received(),
        7,
        "the server saw each question once"
    );
}

/// Flattening lists the networks of ip4/ip6/a/mx/include/redirect and a note for each part that
/// cannot be flattened (ptr, exists, macros, non-pass terms, a loop back to the domain).
#[tokio::test]
async fn flattening_with_notes() {
    let server = zone_server(&fixture("spf/zones")).await;
    let ctx = Context::new(dns_for(server.addr()));
    let f = spf::flatten(&ctx, "flatten.example").await;
    let nets: Vec<String> = f.networks.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        nets,
        [
            "151.101.0.0/16",
            "185.199.108.20/32",
            "185.199.110.144/28",
            "2606:50c0:8000::153/128",
            "2a00:1450:4000::/37"
        ]
    );
    let notes = f.notes.join("\n");
    for want in [
        "ptr in flatten.example depends on the reverse DNS",
        "exists:%{i}.allow.flatten.example in flatten.example is decided by a DNS lookup per client",
        "include:%{d1}.vendor.example in flatten.example uses macros",
        "-ip4:151.101.9.9 in flatten.example is not a pass term",
        "flatten.example is reached twice",
    ] {
        assert!(notes.contains(want), "missing note {want:?} in:\n{notes}");
    }
}
