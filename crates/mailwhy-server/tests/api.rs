//! The JSON API over a real socket: the router on 127.0.0.1:0 with a Diagnoser over the demo
//! fixtures (zones served by the loopback zone server), called with a real HTTP client.

use crate::support;

use std::time::Duration;

use mailwhy::report::Report;
use mailwhy::DiagnoseRequest;
use reqwest::StatusCode;
use support::{client, demo_diagnoser, start};

const JANE: &str = "jane.doe@acme-builders.com";

/// Parses a body that must be one report, rejecting trailing data and a wrong schema version.
fn strict_report(body: &str) -> Report {
    let mut de = serde_json::Deserializer::from_str(body);
    let report: Report = serde::Deserialize::deserialize(&mut de).expect("a report");
    de.end().expect("nothing after the report");
    assert_eq!(report.schema_version, 1);
    report
}

fn error_of(body: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(body).expect("JSON error body");
    v.get("error").cloned().expect("an `error` object")
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test]
async fn diagnose_returns_the_same_report_as_the_library() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let resp = client()
        .get(s.url("/v1/diagnose"))
        .query(&[("email", JANE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let got = strict_report(&resp.text().await.unwrap());
    let direct = s.diagnoser.diagnose(&DiagnoseRequest::new(JANE)).await;
    assert_eq!(got.subject, JANE);
    assert_eq!(got.verdict, direct.verdict);
    assert_eq!(ids(&got), ids(&direct));
    assert_eq!(got.findings, direct.findings);
    assert_eq!(got.data, direct.data);
    // The demo's directory has "send messages to this user" off for Jane: the cause, first.
    assert_eq!(got.findings[0].id, "user.messaging-disabled");

    // POST with a JSON body gives the same answer.
    let resp = client()
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": JANE }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let posted = strict_report(&resp.text().await.unwrap());
    assert_eq!(posted.findings, got.findings);
}

#[tokio::test]
async fn markdown_address_findings_and_health() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();

    let resp = c
        .get(s.url("/v1/diagnose.md"))
        .query(&[("email", JANE)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    let md = resp.text().await.unwrap();
    let direct = mailwhy::report::render_markdown(&[s
        .diagnoser
        .diagnose(&DiagnoseRequest::new(JANE))
        .await]);
    // Everything but the footer line with the duration is the CLI's rendering.
    let strip = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with("<sub>"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&md), strip(&direct));
    assert!(md.contains("user.messaging-disabled"));

    // The address checks alone: a typo'd provider domain is found.
    let resp = c
        .get(s.url("/v1/address"))
        .query(&[("email", "someone@gmial.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let r = strict_report(&resp.text().await.unwrap());
    assert_eq!(r.subject, "someone@gmial.com");
    assert!(
        r.checks.iter().any(|c| c.name == "address"),
        "{:?}",
        r.checks
    );
    assert!(r.stats.dns_queries <= 20);

    let resp = c
        .get(s.url("/v1/findings/user.messaging-disabled"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["id"], "user.messaging-disabled");
    assert!(v["how_to_fix"].as_str().is_some_and(|s| !s.is_empty()));

    let resp = c
        .get(s.url("/v1/findings/user.messaging-disabld"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let e = error_of(&resp.text().await.unwrap());
    assert_eq!(e["code"], "unknown-finding");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("user.messaging-disabled"));

    for path in ["/v1/health", "/healthz"] {
        let resp = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["status"], "ok");
    }
}

#[tokio::test]
async fn bad_input_is_a_json_error_with_a_status() {
    let s = start(
        demo_diagnoser().await,
        mailwhy_server::Options {
            max_body_bytes: 1024,
            ..Default::default()
        },
    )
    .await;
    let c = client();

    // Missing, empty and overlong addresses: 400 naming the field.
    for q in ["", "?email=", "?email=%20%20"] {
        let resp = c
            .get(s.url(&format!("/v1/diagnose{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        let e = error_of(&resp.text().await.unwrap());
        assert_eq!(e["status"], 400);
        assert_eq!(e["field"], "email");
        assert_eq!(e["code"], "missing-field");
    }
    let long = format!("{}@example.com", "a".repeat(400));
    let resp = c
        .get(s.url("/v1/address"))
        .query(&[("email", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&resp.text().await.unwrap())["code"],
        "invalid-field"
    );

    // Broken JSON, a wrong field type, an unknown field: 400.
    for body in [
        "{",
        r#"{"email": 5}"#,
        r#"{"email": "a@b.example", "x": 1}"#,
    ] {
        let resp = c
            .post(s.url("/v1/diagnose"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_of(&resp.text().await.unwrap())["code"], "bad-json");
    }
    // Not JSON at all: 415.
    let resp = c
        .post(s.url("/v1/diagnose"))
        .body(r#"{"email": "a@b.example"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    error_of(&resp.text().await.unwrap());

    // Over the body cap: 413.
    let big = serde_json::json!({ "email": "x".repeat(4096) }).to_string();
    let resp = c
        .post(s.url("/v1/diagnose"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "too-large");

    // No such endpoint, wrong method: JSON too.
    let resp = c.get(s.url("/v1/nope")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "not-found");
    let resp = c.delete(s.url("/v1/diagnose")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn token_is_required_when_set() {
    let s = start(
        demo_diagnoser().await,
        mailwhy_server::Options {
            token: Some("correct horse battery staple".into()),
            ..Default::default()
        },
    )
    .await;
    let c = client();
    let url = s.url("/v1/diagnose?email=jane.doe@acme-builders.com");

    let resp = c.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("www-authenticate"));
    assert_eq!(
        error_of(&resp.text().await.unwrap())["code"],
        "unauthorized"
    );

    for wrong in [
        "Bearer correct horse battery stapl",
        "Bearer correct horse battery staple!",
        "Bearer ",
        "Basic Y29ycmVjdA==",
        "correct horse battery staple",
    ] {
        let resp = c
            .get(&url)
            .header("authorization", wrong)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{wrong}");
        let body = resp.text().await.unwrap();
        assert!(!body.contains("horse"), "the token is never echoed: {body}");
    }
    let resp = c
        .get(&url)
        .bearer_auth("correct horse battery staple")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    strict_report(&resp.text().await.unwrap());

    // The page and the liveness probe carry no data and stay open; the API's health does not.
    assert_eq!(
        c.get(s.url("/")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        c.get(s.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        c.get(s.url("/v1/health")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn non_loopback_needs_a_token() {
    let none = mailwhy_server::Options::default();
    let with = mailwhy_server::Options {
        token: Some("t0ken".into()),
        ..Default::default()
    };
    let empty = mailwhy_server::Options {
        token: Some(String::new()),
        ..Default::default()
    };
    for ok in ["127.0.0.1:8025", "127.0.0.2:1", "[::1]:8025"] {
        assert!(mailwhy_server::check_exposure(&ok.parse().unwrap(), &none).is_ok());
    }
    for exposed in ["0.0.0.0:8025", "[::]:8025", "10.1.2.3:80"] {
        let a = exposed.parse().unwrap();
        let e = mailwhy_server::check_exposure(&a, &none).unwrap_err();
        assert!(e.contains("--token-env"), "{e}");
        assert!(mailwhy_server::check_exposure(&a, &empty).is_err());
        assert!(mailwhy_server::check_exposure(&a, &with).is_ok());
    }
    assert!(!format!("{with:?}").contains("t0ken"));
}

#[tokio::test]
async fn a_request_past_the_deadline_is_a_503() {
    // A resolver that never answers, and a deadline shorter than its query timeout.
    let silent = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::Silent).await;
    let d = mailwhy::Diagnoser::builder()
        .dns_config(mailwhy::dns::DnsConfig {
            upstream: mailwhy::dns::Upstream::Servers(vec![silent.addr()]),
            query_timeout: Duration::from_secs(5),
            retries: 0,
            overall_timeout: None,
        })
        .build()
        .await
        .unwrap();
    let s = start(
        std::sync::Arc::new(d),
        mailwhy_server::Options {
            request_timeout: Duration::from_millis(300),
            ..Default::default()
        },
    )
    .await;
    let started = std::time::Instant::now();
    let resp = client()
        .get(s.url("/v1/diagnose?email=someone@slow-domain.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn the_page_is_self_contained_with_a_strict_csp() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let resp = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = resp.text().await.unwrap();
    assert!(html.contains(r#"<label for="email">"#));
    assert!(html.contains(r#"id="diagnose""#) && html.contains(r#"id="copy-md""#));
    assert!(
        !html.contains("<script>"),
        "no inline script: the CSP forbids it"
    );
    for (path, kind) in [("/assets/app.js", "javascript"), ("/assets/app.css", "css")] {
        let resp = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains(kind));
        let body = resp.text().await.unwrap();
        for asset in [&html, &body] {
            assert!(
                !asset.contains("http://") && !asset.contains("https://"),
                "{path}: nothing is loaded from elsewhere"
            );
        }
        if kind == "javascript" {
            for sink in [
                ".innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
            ] {
                assert!(!body.contains(sink), "app.js uses {sink}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_requests_share_one_dns_cache() {
    // One request on its own diagnoser: how many questions one diagnosis asks.
    let alone = demo_diagnoser().await;
    let one = start(alone.clone(), Default::default()).await;
    let url = one.url("/v1/diagnose?email=ops@northwind-bau.de");
    assert_eq!(
        client().get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let per_diagnosis = alone.dns().queries_sent();
    assert!(per_diagnosis > 0);

    // Sixteen at once on a fresh diagnoser: single-flight and the shared cache send each
    // question once, so the total is the same as for one.
    let shared = demo_diagnoser().await;
    let s = start(shared.clone(), Default::default()).await;
    let url = s.url("/v1/diagnose?email=ops@northwind-bau.de");
    let c = client();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (c, url) = (c.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let r = c.get(&url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            strict_report(&r.text().await.unwrap())
        }));
    }
    let mut reports = Vec::new();
    for t in tasks {
        reports.push(t.await.unwrap());
    }
    assert!(reports.windows(2).all(|w| w[0].findings == w[1].findings));
    assert_eq!(shared.dns().queries_sent(), per_diagnosis);
    // A later request is answered from the warm cache.
    client().get(&url).send().await.unwrap();
    assert_eq!(shared.dns().queries_sent(), per_diagnosis);
}

#[tokio::test]
async fn the_shared_cache_asks_again_after_the_ttl() {
    // The DNS layer's clock is the real one, so the records live 1 second and the test waits.
    let d = std::sync::Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_zones(Some(mailwhy_tests::fixture("serve/zones")))
            .build()
            .await
            .unwrap(),
    );
    let s = start(d.clone(), Default::default()).await;
    let url = s.url("/v1/address?email=ops@short-ttl.com");
    let c = client();
    let first = strict_report(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert!(first.stats.dns_queries > 0);
    let after_first = d.dns().queries_sent();
    // Within the TTL: answered from the cache.
    let again = strict_report(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert_eq!(again.stats.dns_queries, 0);
    assert_eq!(d.dns().queries_sent(), after_first);
    // After it: asked again, not yesterday's answer.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = strict_report(&c.get(&url).send().await.unwrap().text().await.unwrap());
    assert!(later.stats.dns_queries > 0, "{:?}", later.stats);
    assert!(d.dns().queries_sent() > after_first);
    assert_eq!(later.findings, first.findings);
}

#[tokio::test]
async fn address_list_and_spf_by_post() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let emails = ["jane.doe@acme-builders.com", "someone@gmial.com", "x@@bad"];
    let resp = c
        .post(s.url("/v1/address"))
        .json(&serde_json::json!({ "emails": emails }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let reports: Vec<Report> = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let subjects: Vec<&str> = reports.iter().map(|r| r.subject.as_str()).collect();
    assert_eq!(subjects, emails, "one report per address, in order");
    assert!(reports.iter().all(|r| r.schema_version == 1));
    // Each is what the GET endpoint says for that address alone.
    for (r, e) in reports.iter().zip(emails) {
        let one = c
            .get(s.url("/v1/address"))
            .query(&[("email", e)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            strict_report(&one.text().await.unwrap()).findings,
            r.findings
        );
    }
    for bad in [
        serde_json::json!({ "emails": [] }),
        serde_json::json!({ "emails": vec!["a@b.example"; 101] }),
        serde_json::json!({ "emails": ["a@b.example", " "] }),
    ] {
        let resp = c
            .post(s.url("/v1/address"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&resp.text().await.unwrap())["field"], "emails");
    }

    // SPF for the vendor's domain, one IP, against the library's own report.
    let resp = c
        .post(s.url("/v1/spf"))
        .json(&serde_json::json!({ "domain": "procore.com", "ips": ["167.89.22.86"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got = strict_report(&resp.text().await.unwrap());
    let ctx = mailwhy::check::Context::new(s.diagnoser.dns().clone());
    let direct = mailwhy::spf::report(
        &ctx,
        "procore.com",
        &["167.89.22.86".parse().unwrap()],
        None,
        None,
    )
    .await;
    assert_eq!(got.findings, direct.findings);
    assert_eq!(got.data, direct.data);
    assert_eq!(got.verdict, direct.verdict);
    let resp = c
        .post(s.url("/v1/spf"))
        .json(&serde_json::json!({ "domain": "procore.com", "ips": ["not-an-ip"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "bad-json");
    // Not a domain: a bad request, as `mailwhy spf 'bad domain!'` exits 2, never a report
    // whose "no SPF record" rests on asking about it.
    let resp = c
        .post(s.url("/v1/spf"))
        .json(&serde_json::json!({ "domain": "bad domain!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&resp.text().await.unwrap())["field"], "domain");
}

#[tokio::test]
async fn the_vendor_spf_comparison_is_reused_only_within_the_ttl() {
    // The SPF drift check is the same for every recipient, so the diagnoser remembers it, but
    // only until the first answer it used expires (the vendor's TXT lives 1 second here).
    let d = std::sync::Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_zones(Some(mailwhy_tests::fixture("serve/zones")))
            .sender_file(&mailwhy_tests::fixture("serve/short-ttl-vendor.toml"))
            .unwrap()
            .build()
            .await
            .unwrap(),
    );
    let s = start(d.clone(), Default::default()).await;
    let c = client();
    let post = || {
        let c = c.clone();
        let url = s.url("/v1/diagnose");
        async move {
            let r = c
                .post(url)
                .json(&serde_json::json!({ "email": "ops@short-ttl.com" }))
                .send()
                .await
                .unwrap();
            strict_report(&r.text().await.unwrap())
        }
    };
    let vendor_txt = || {
        d.dns()
            .query_log()
            .iter()
            .filter(|q| q.name == "short-ttl-vendor.com" && q.rtype == "TXT")
            .count()
    };
    let first = post().await;
    assert!(first
        .checks
        .iter()
        .any(|c| c.name == "spf-drift" && c.status == mailwhy::check::CheckStatus::Ran));
    assert_eq!(vendor_txt(), 1);
    let again = post().await;
    assert_eq!(again.stats.dns_queries, 0, "within the TTL: nothing asked");
    assert_eq!(again.findings, first.findings);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = post().await;
    assert_eq!(
        vendor_txt(),
        2,
        "after the TTL the vendor's SPF is asked again"
    );
    assert_eq!(later.findings, first.findings);
}

/// Issue #16: the skipped directory rows were logged once at start-up, without the file name,
/// and nowhere else. `/v1/health` names the file and each skipped row; the tokenless `/healthz`
/// says nothing about the data; a diagnosis of the person on the skipped row says so.
#[tokio::test]
async fn health_names_the_directory_file_and_its_skipped_rows() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let v: serde_json::Value = c
        .get(s.url("/v1/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dir = &v["directory"];
    assert!(
        dir["file"].as_str().unwrap().ends_with("demo/users.csv"),
        "{v}"
    );
    assert_eq!(dir["skipped_rows"], 1, "{v}");
    assert_eq!(dir["skipped"][0]["line"], 21, "{v}");
    assert_eq!(dir["skipped"][0]["column"], "status", "{v}");
    assert!(
        dir["skipped"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"Sleeping\" is not a status"),
        "{v}"
    );
    let v: serde_json::Value = c
        .get(s.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v.get("directory").is_none(), "{v}");

    let resp = c
        .get(s.url("/v1/diagnose"))
        .query(&[("email", "zoe.adams@acme-builders.com")])
        .send()
        .await
        .unwrap();
    let r = strict_report(&resp.text().await.unwrap());
    let got = ids(&r);
    assert_eq!(got[0], "user.row-unreadable", "{got:?}");
    assert!(!got.contains(&"user.not-found"), "{got:?}");
    assert!(got.contains(&"directory.rows-skipped"), "{got:?}");
}

/// Issue #19: delivery evidence uploaded with `POST /v1/diagnose` gives the report the library
/// gives for the same text, its conclusion (`delivery.suppressed`) first.
#[tokio::test]
async fn uploaded_delivery_events_rank_first_and_match_the_library() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let kenji = "kenji.sato@acme-builders.com";
    let text = std::fs::read_to_string(
        mailwhy_tests::workspace().join("fixtures/tickets/events-suppressed-sendgrid/events.jsonl"),
    )
    .unwrap();
    let resp = client()
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": kenji, "events": [text] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got = strict_report(&resp.text().await.unwrap());
    assert_eq!(got.findings[0].id, "delivery.suppressed");
    let direct = s
        .diagnoser
        .diagnose(&DiagnoseRequest {
            events: vec![mailwhy::delivery::SourceFile::Text {
                name: "uploaded events 1".into(),
                text: text.into_bytes().into(),
            }],
            ..DiagnoseRequest::new(kenji)
        })
        .await;
    assert_eq!(got.findings, direct.findings);
    assert_eq!(got.verdict, direct.verdict);
}

#[tokio::test]
async fn blocklist_answers_like_the_command_and_never_reads_an_error_code_as_a_listing() {
    // The DNSBL zones served on loopback: 192.0.2.99 listed on ZEN, 192.0.2.254 answered
    // 127.255.255.254 (public resolver refused), 192.0.2.10 on no list.
    let d = std::sync::Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_zones(Some(mailwhy_tests::fixture("blocklist/zones")))
            .blocklists(vec![
                mailwhy::blocklist::List::parse("zen.spamhaus.org").unwrap()
            ])
            .build()
            .await
            .unwrap(),
    );
    let s = start(d.clone(), Default::default()).await;
    let c = client();
    let post = |targets: serde_json::Value| {
        let c = c.clone();
        let url = s.url("/v1/blocklist");
        async move {
            c.post(url)
                .json(&serde_json::json!({ "targets": targets }))
                .send()
                .await
                .unwrap()
        }
    };
    let ids = |r: &Report| r.findings.iter().map(|f| f.id.as_str()).collect::<Vec<_>>();
    let listed = strict_report(
        &post(serde_json::json!(["192.0.2.99"]))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(ids(&listed), ["blocklist.listed"]);
    assert_eq!(listed.verdict, mailwhy::report::Verdict::ProblemFound);
    let refused = strict_report(
        &post(serde_json::json!(["192.0.2.254"]))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(ids(&refused), ["blocklist.query-refused"]);
    assert_eq!(refused.verdict, mailwhy::report::Verdict::Inconclusive);
    let clean = strict_report(
        &post(serde_json::json!(["192.0.2.10"]))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(ids(&clean), ["blocklist.not-listed"]);
    assert_eq!(clean.verdict, mailwhy::report::Verdict::NoProblemFound);
    // Not an IP or a domain, or nothing to look up: a bad request naming the field.
    for bad in [serde_json::json!(["bad name!"]), serde_json::json!([])] {
        let resp = post(bad).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&resp.text().await.unwrap())["field"], "targets");
    }
}
