//! MTA-STS and TLS-RPT end to end: the records from the loopback zone server, the policies from
//! a real HTTPS server (hyper over rustls, test CA from rcgen) started here on 127.0.0.1:0.

use std::time::Duration;

use mailwhy::check::{CheckStatus, Context};
use mailwhy::finding::{FindingId, Severity};
use mailwhy::transport::{self, FetchOptions, Mode};
use mailwhy::Verdict;
use mailwhy_tests::https::PolicyServer;
use mailwhy_tests::{dns_for, fixture, zone_server};

async fn run(domain: &str) -> (mailwhy::Report, transport::TransportFacts) {
    let zones = zone_server(&fixture("transport/zones")).await;
    let server = PolicyServer::start(&fixture("transport/https"));
    let ctx = Context::new(dns_for(zones.addr()));
    let opts = FetchOptions {
        port: server.port,
        timeout: Duration::from_secs(5),
        ..FetchOptions::default()
    }
    .with_ca_file(&server.ca_file)
    .unwrap();
    let (_, facts) = transport::checks(&ctx, domain, &opts, None).await;
    (transport::report(&ctx, domain, &opts, None).await, facts)
}

fn ids(r: &mailwhy::Report) -> Vec<(FindingId, Severity)> {
    r.findings.iter().map(|f| (f.id, f.severity)).collect()
}

/// A correct set-up is "no problem", and the wildcard pattern covers the second MX.
#[tokio::test]
async fn valid_enforce_policy_covering_every_mx_is_clean() {
    let (r, facts) = run("good.example").await;
    assert_eq!(ids(&r), vec![], "{:?}", r.findings);
    assert_eq!(r.verdict, Verdict::NoProblemFound);
    let p = facts.policy.unwrap();
    assert_eq!(p.mode, Mode::Enforce);
    assert_eq!(facts.mx, ["mx1.good.example", "mx2.good.example"]);
    assert!(facts.mx_not_covered.is_empty());
    assert_eq!(facts.tls_rpt.unwrap(), ["mailto:tlsrpt@good.example"]);
}

/// The migration case of the issue: enforce + MX not covered is an error.
#[tokio::test]
async fn enforce_policy_not_covering_the_mx_is_an_error() {
    let (r, facts) = run("migrated.example").await;
    assert_eq!(
        ids(&r),
        vec![(FindingId::TransportMxNotCovered, Severity::Error)]
    );
    assert_eq!(r.verdict, Verdict::ProblemFound);
    assert_eq!(
        facts.mx_not_covered,
        ["migrated-example.mail.protection.outlook.com"]
    );
}

/// In testing mode the same gap is a warning: senders still deliver.
#[tokio::test]
async fn testing_policy_not_covering_an_mx_is_a_warning() {
    let (r, facts) = run("testing.example").await;
    assert_eq!(
        ids(&r),
        vec![(FindingId::TransportMxNotCovered, Severity::Warning)]
    );
    assert_eq!(facts.mx_not_covered, ["backup.mailhost.example"]);
}

/// Causes on the policy host's side are errors; the check ran to the end.
#[tokio::test]
async fn definitive_fetch_failures_are_errors_naming_the_cause() {
    for (domain, cause) in [
        ("redirect.example", "redirect"),
        ("html.example", "text/plain"),
        ("wrongcert.example", "not valid for the policy host"),
        ("big.example", "larger than 64 KB"),
    ] {
        let (r, facts) = run(domain).await;
        assert_eq!(
            ids(&r),
            vec![(FindingId::TransportStsFetchFailed, Severity::Error)],
            "{domain}"
        );
        let e = facts.fetch_error.unwrap();
        assert!(e.contains(cause), "{domain}: {e}");
        let policy = r
            .checks
            .iter()
            .find(|c| c.name == "mta-sts-policy")
            .unwrap();
        assert_eq!(policy.status, CheckStatus::Ran, "{domain}");
    }
}

/// A refused connection says nothing about the domain: inconclusive, never "no problem".
#[tokio::test]
async fn unreachable_policy_host_is_inconclusive() {
    let (r, _) = run("down.example").await;
    assert_eq!(
        ids(&r),
        vec![(FindingId::TransportStsFetchFailed, Severity::Warning)]
    );
    assert_eq!(r.verdict, Verdict::Inconclusive);
}

/// A 404 and a missing host are "no policy", a warning.
#[tokio::test]
async fn announced_policy_that_is_absent_is_a_warning() {
    for domain in ["nopolicy.example", "nohost.example"] {
        let (r, _) = run(domain).await;
        assert_eq!(
            ids(&r),
            vec![(FindingId::TransportStsPolicyMissing, Severity::Warning)],
            "{domain}"
        );
    }
}

/// A TLS-RPT record with a bare address for rua is a warning; no MTA-STS means no policy.
#[tokio::test]
async fn tls_rpt_record_without_uri_scheme_is_a_warning() {
    let (r, facts) = run("badrpt.example").await;
    assert_eq!(
        ids(&r),
        vec![(FindingId::TransportTlsRptInvalid, Severity::Warning)]
    );
    assert!(facts.policy.is_none());
}

/// A SERVFAIL on the record makes the record check inconclusive (never "no MTA-STS").
#[tokio::test]
async fn servfail_on_the_record_is_inconclusive() {
    let fault = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::ServFail).await;
    let ctx = Context::new(dns_for(fault.addr()));
    let opts = FetchOptions {
        timeout: Duration::from_secs(2),
        ..FetchOptions::default()
    };
    let r = transport::report(&ctx, "good.example", &opts, None).await;
    assert_eq!(r.verdict, Verdict::Inconclusive);
    let rec = r
        .checks
        .iter()
        .find(|c| c.name == "mta-sts-record")
        .unwrap();
    assert_eq!(rec.status, CheckStatus::Inconclusive);
    assert!(r
        .findings
        .iter()
        .any(|f| f.id == FindingId::DnsTemporaryFailure));
}

/// The report on `domain` with the zones of `zones`, the policies of `https` and the cache `dir`.
async fn run_cached(
    zones: &std::path::Path,
    https: &std::path::Path,
    dir: &std::path::Path,
    domain: &str,
) -> (mailwhy::Report, transport::TransportFacts) {
    let zones = zone_server(zones).await;
    let server = PolicyServer::start(https);
    let ctx = Context::new(dns_for(zones.addr()));
    let opts = FetchOptions {
        port: server.port,
        timeout: Duration::from_secs(5),
        sts_cache: Some(dir.to_path_buf()),
        ..FetchOptions::default()
    }
    .with_ca_file(&server.ca_file)
    .unwrap();
    // One run only: each run may write the cache.
    let (outcomes, facts) = transport::checks(&ctx, domain, &opts, None).await;
    let report = mailwhy::Report::from_outcomes(domain, outcomes, Default::default());
    (report, facts)
}

/// The id-unchanged case end to end: a first run remembers the old policy (served by one HTTPS
/// server), the domain edits its policy (a second server) without a new id: an error naming the
/// MX the old enforce policy refuses, on every run until the id changes; then a new id is
/// remembered and the finding goes.
#[tokio::test]
async fn policy_changed_under_the_same_id_is_reported_until_the_id_changes() {
    let cache = tempfile::tempdir().unwrap();
    let zones = fixture("transport/zones");
    let domain = "idchange.example";
    let (first, facts) = run_cached(
        &zones,
        &fixture("transport/https-before"),
        cache.path(),
        domain,
    )
    .await;
    assert!(facts.sts_previous.is_none());
    // The old policy does not list the new MX: that is its own error on the first run.
    assert_eq!(
        ids(&first),
        vec![(FindingId::TransportMxNotCovered, Severity::Error)]
    );
    let remembered = std::fs::read_to_string(cache.path().join("idchange.example.json")).unwrap();
    assert!(remembered.contains("mx1.idchange.example"), "{remembered}");

    for _ in 0..2 {
        let (r, facts) =
            run_cached(&zones, &fixture("transport/https"), cache.path(), domain).await;
        assert_eq!(
            ids(&r),
            vec![(FindingId::TransportStsIdUnchanged, Severity::Error)],
            "{:?}",
            r.findings
        );
        let f = &r.findings[0];
        assert_eq!(
            f.evidence["mx_refused"],
            serde_json::json!(["idchange-example.mail.protection.outlook.com"])
        );
        assert_eq!(
            facts.sts_previous.unwrap().policy.mx[0],
            "mx1.idchange.example"
        );
    }

    // The domain publishes a new id: the new policy is remembered, nothing to report.
    let new_zones = tempfile::tempdir().unwrap();
    let zone = std::fs::read_to_string(zones.join("idchange.example.zone"))
        .unwrap()
        .replace("id=20250101T000000", "id=20261206T120000");
    std::fs::write(new_zones.path().join("idchange.example.zone"), zone).unwrap();
    let (r, _) = run_cached(
        new_zones.path(),
        &fixture("transport/https"),
        cache.path(),
        domain,
    )
    .await;
    assert_eq!(ids(&r), vec![], "{:?}", r.findings);
    let (r, facts) = run_cached(
        new_zones.path(),
        &fixture("transport/https"),
        cache.path(),
        domain,
    )
    .await;
    assert_eq!(ids(&r), vec![]);
    assert_eq!(facts.sts_previous.unwrap().id, "20261206T120000");
}

/// A damaged cache entry is replaced, and the check says so; it never invents a change.
#[tokio::test]
async fn damaged_cache_entry_is_replaced_and_named() {
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("good.example.json");
    std::fs::write(&file, "{not json").unwrap();
    let (r, _) = run_cached(
        &fixture("transport/zones"),
        &fixture("transport/https"),
        cache.path(),
        "good.example",
    )
    .await;
    assert_eq!(ids(&r), vec![]);
    let c = r.checks.iter().find(|c| c.name == "mta-sts-cache").unwrap();
    assert!(c.detail.contains("good.example.json"), "{}", c.detail);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("20261201T000000"));
}

/// The STARTTLS probe against a real Postfix: each listener's verdict, under an enforce policy
/// (probe.example) and without MTA-STS (optional.example).
#[tokio::test]
#[ignore = "needs postfix (apt postfix)"]
async fn starttls_probe_against_postfix() {
    use mailwhy::transport::ProbeOptions;
    use mailwhy_tests::postfix::Postfix;
    let pf = Postfix::start();
    let zones = zone_server(&fixture("transport/zones")).await;
    let server = PolicyServer::start(&fixture("transport/https"));
    let ctx = Context::new(dns_for(zones.addr()));
    let fetch = FetchOptions {
        port: server.port,
        timeout: Duration::from_secs(5),
        ..FetchOptions::default()
    }
    .with_ca_file(&server.ca_file)
    .unwrap();
    let ca = std::fs::read(pf.ca_file()).unwrap();
    let roots: Vec<_> = rustls_pki_pem(&ca);
    let probe = |port| ProbeOptions {
        port,
        timeout: Duration::from_secs(5),
        roots: roots.clone(),
    };
    let cases = [
        (
            "probe.example",
            pf.good_port,
            vec![],
            Verdict::NoProblemFound,
        ),
        (
            "probe.example",
            pf.expired_port,
            vec![(FindingId::TransportMxCertificateInvalid, Severity::Error)],
            Verdict::ProblemFound,
        ),
        (
            "probe.example",
            pf.wrong_name_port,
            vec![(FindingId::TransportMxCertificateInvalid, Severity::Error)],
            Verdict::ProblemFound,
        ),
        (
            "probe.example",
            pf.plain_port,
            vec![(FindingId::TransportStarttlsMissing, Severity::Error)],
            Verdict::ProblemFound,
        ),
        (
            "optional.example",
            pf.expired_port,
            vec![(FindingId::TransportMxCertificateInvalid, Severity::Warning)],
            Verdict::NoProblemFound,
        ),
    ];
    for (domain, port, want, verdict) in cases {
        let opts = probe(port);
        let (_, facts) = transport::checks(&ctx, domain, &fetch, Some(&opts)).await;
        let r = transport::report(&ctx, domain, &fetch, Some(&opts)).await;
        assert_eq!(
            ids(&r),
            want,
            "{domain}:{port}: {:?}\n{}",
            r.findings,
            pf.logs()
        );
        assert_eq!(r.verdict, verdict, "{domain}:{port}");
        let p = &facts.probes[0];
        assert!(
            p.banner
                .as_deref()
                .unwrap_or("")
                .contains("mx.probe.example"),
            "{p:?}"
        );
        assert_eq!(
            p.transcript.last().map(String::as_str),
            Some("C: QUIT"),
            "{p:?}"
        );
        assert!(
            !p.transcript.iter().any(|l| l.contains("MAIL FROM")),
            "{p:?}"
        );
        if port == pf.good_port {
            assert!(p.tls.as_deref().unwrap().starts_with("TLS 1."), "{p:?}");
        }
    }
    // DANE: a 3 1 1 record for the key Postfix presents matches; the published one at
    // dane.example does not. Both stay inconclusive: the DNSSEC state is unknown.
    let record = transport::dane::record_for(&pf.good_cert_der()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("probe.example.zone"),
        format!("$TTL 300\n@ IN MX 10 mx.probe.example.\nmx IN A 127.0.0.1\n_25._tcp.mx IN TLSA {record}\n"),
    )
    .unwrap();
    let dz = zone_server(dir.path()).await;
    let dctx = Context::new(dns_for(dz.addr()));
    let r = transport::report(&dctx, "probe.example", &fetch, Some(&probe(pf.good_port))).await;
    let dane = r
        .checks
        .iter()
        .find(|c| c.name == "dane mx.probe.example")
        .unwrap();
    assert!(dane.detail.contains("one matches"), "{dane:?}");
    assert_eq!(dane.status, CheckStatus::Inconclusive);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let r = transport::report(&ctx, "dane.example", &fetch, Some(&probe(pf.good_port))).await;
    assert!(
        ids(&r).contains(&(FindingId::TransportTlsaMismatch, Severity::Error)),
        "{:?}",
        r.findings
    );

    // A closed port: the connect step is inconclusive, never "no problem".
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = transport::report(&ctx, "probe.example", &fetch, Some(&probe(closed))).await;
    assert_eq!(r.verdict, Verdict::Inconclusive);
    let step = r
        .checks
        .iter()
        .find(|c| c.name == "smtp-connect mx.probe.example")
        .unwrap();
    assert_eq!(step.status, CheckStatus::Inconclusive);
}

fn rustls_pki_pem(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}
