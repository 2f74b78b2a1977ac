//! The endpoints added for issue #12's full API over a real socket: `now` and a pasted message
//! in `POST /v1/diagnose`, `POST /v1/message`, `POST /v1/allowlist/check`, `GET /metrics`,
//! `GET /openapi.json`; each answer compared with the library function the CLI calls, and each
//! error status with its field.

use crate::support;

use std::time::{Duration, SystemTime};

use mailwhy::report::Report;
use mailwhy::{DiagnoseRequest, TicketMessage};
use reqwest::StatusCode;
use support::{client, demo_diagnoser, start};

const OMAR: &str = "omar.haddad@acme-builders.com";

fn report(body: &str) -> Report {
    let mut de = serde_json::Deserializer::from_str(body);
    let r: Report = serde::Deserialize::deserialize(&mut de).expect("a report");
    de.end().expect("nothing after the report");
    assert_eq!(r.schema_version, 1);
    r
}

fn error_of(body: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(body).expect("JSON error body");
    v.get("error").cloned().expect("an `error` object")
}

fn ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

fn bounce() -> Vec<u8> {
    std::fs::read(mailwhy_tests::fixture("message/bounce.user-unknown.eml")).expect("fixture")
}

/// 2026-10-02T00:00:00Z: the day after Omar's invitation (the demo's clock says 2026-11-23).
fn early() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_899_200)
}

#[tokio::test]
async fn diagnose_takes_now_from_the_body() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let post = |body: serde_json::Value| {
        let c = c.clone();
        let url = s.url("/v1/diagnose");
        async move { c.post(url).json(&body).send().await.unwrap() }
    };
    let resp = post(serde_json::json!({ "email": OMAR, "now": "2026-10-02T00:00:00Z" })).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let at_early = report(&resp.text().await.unwrap());
    let direct = s
        .diagnoser
        .diagnose(&DiagnoseRequest {
            now: Some(early()),
            ..DiagnoseRequest::new(OMAR)
        })
        .await;
    assert_eq!(at_early.findings, direct.findings);
    // Without `now`, the server's own (the demo's 2026-11-23): a different reminder picture.
    let resp = post(serde_json::json!({ "email": OMAR })).await;
    let at_default = report(&resp.text().await.unwrap());
    assert_eq!(
        at_default.findings,
        s.diagnoser
            .diagnose(&DiagnoseRequest::new(OMAR))
            .await
            .findings
    );
    assert_ne!(ids(&at_early), ids(&at_default), "`now` changes the answer");

    for bad in ["yesterday", "2026-13-40T00:00:00Z", ""] {
        let resp = post(serde_json::json!({ "email": OMAR, "now": bad })).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        let e = error_of(&resp.text().await.unwrap());
        assert_eq!(e["field"], "now", "{bad}");
        assert_eq!(e["code"], "invalid-field");
        assert!(e["message"].as_str().unwrap().contains("RFC 3339"));
    }
    let resp = post(serde_json::json!({ "email": OMAR, "now": 5 })).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "bad-json");
}

#[tokio::test]
async fn diagnose_reads_a_pasted_bounce() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let email = "jane@acme-corp.com";
    let text = String::from_utf8(bounce()).unwrap();
    let resp = c
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": email, "message": text }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let got = report(&resp.text().await.unwrap());
    let direct = s
        .diagnoser
        .diagnose(&DiagnoseRequest {
            messages: vec![TicketMessage::new("pasted message", bounce())],
            ..DiagnoseRequest::new(email)
        })
        .await;
    assert_eq!(got.findings, direct.findings);
    assert!(
        ids(&got).contains(&"bounce.user-unknown"),
        "the bounce is read: {:?}",
        ids(&got)
    );
    assert!(got.checks.iter().any(|c| c.name.starts_with("message ")));

    // The Markdown rendering of the same body holds the bounce's finding too.
    let md = c
        .post(s.url("/v1/diagnose.md"))
        .json(&serde_json::json!({ "email": email, "message": text }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("bounce.user-unknown"), "{md}");

    // Text that is not mail: 400 naming the field. A blank one is no message at all.
    let resp = c
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": email, "message": "hello, it bounced" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e = error_of(&resp.text().await.unwrap());
    assert_eq!(e["field"], "message");
    assert_eq!(e["code"], "not-mail");
    let resp = c
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({ "email": email, "message": "  \n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!report(&resp.text().await.unwrap())
        .checks
        .iter()
        .any(|c| c.name.starts_with("message ")));
}

#[tokio::test]
async fn message_endpoint_is_mailwhy_message() {
    let s = start(
        demo_diagnoser().await,
        mailwhy_server::Options {
            max_body_bytes: 64 * 1024,
            ..Default::default()
        },
    )
    .await;
    let c = client();
    let d = &s.diagnoser;
    for (fixture, ticket) in [
        ("message/bounce.user-unknown.eml", None),
        ("message/message.auth-failed.eml", None),
        (
            "message/message.recipient-mismatch.eml",
            Some("jane.doe@acme-builders.com"),
        ),
    ] {
        let raw = std::fs::read(mailwhy_tests::fixture(fixture)).unwrap();
        let mut req = c
            .post(s.url("/v1/message"))
            .header("content-type", "message/rfc822")
            .body(raw.clone());
        if let Some(t) = ticket {
            req = req.query(&[("ticket_address", t)]);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{fixture}");
        let got = report(&resp.text().await.unwrap());
        // The CLI's call: the server's allowlist (the demo has one).
        let ctx = mailwhy::check::Context::new(d.dns().clone());
        let request = mailwhy::workflow::MessageRequest {
            name: "message".into(),
            raw: &raw,
            options: Default::default(),
            ticket_address: ticket.map(str::to_string),
            allowlist: d.allowlist(),
        };
        let direct = mailwhy::workflow::message(&ctx, &request).await.unwrap();
        assert_eq!(got.findings, direct.findings, "{fixture}");
        assert_eq!(got.verdict, direct.verdict, "{fixture}");
        assert_eq!(got.data, direct.data, "{fixture}");
    }

    // Not mail, empty: 400. Over the cap: 413. A bad query: 400.
    for (body, code) in [
        (
            std::fs::read(mailwhy_tests::fixture("message/not-mail.bin.txt")).unwrap(),
            "not-mail",
        ),
        (Vec::new(), "not-mail"),
    ] {
        let resp = c
            .post(s.url("/v1/message"))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let e = error_of(&resp.text().await.unwrap());
        assert_eq!(e["code"], code);
        assert_eq!(e["field"], "body");
    }
    let mut big = bounce();
    big.extend(std::iter::repeat_n(b'x', 70 * 1024));
    let resp = c.post(s.url("/v1/message")).body(big).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "too-large");
    let resp = c
        .post(s.url("/v1/message?hop_delay=soon"))
        .body(bounce())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "bad-query");
    let resp = c.get(s.url("/v1/message")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn allowlist_check_answers_every_entry() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let entries = [
        "137.22.225.98",
        "procore.com",
        "mail.procore.com",
        "167.89.9.9",
        "137.22.228.37",
        "example.org",
    ];
    let resp = c
        .post(s.url("/v1/allowlist/check"))
        .json(&serde_json::json!({ "entries": entries }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let v: serde_json::Value = resp.json().await.unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), entries.len(), "every entry is answered");
    let list = s.diagnoser.allowlist().unwrap();
    let ix = mailwhy::allowlist::Index::new(&list.entries);
    for (r, e) in results.iter().zip(entries) {
        assert_eq!(r["query"], e);
        let direct = mailwhy::allowlist::lookup(list, &ix, s.diagnoser.sender(), e);
        assert_eq!(r["listed"], direct.entry.is_some(), "{e}");
        assert_eq!(
            r["line"].as_u64(),
            direct.entry.as_ref().map(|(l, _)| *l as u64),
            "{e}"
        );
        assert_eq!(r["vendor_publishes"].as_bool(), direct.vendor_publishes);
    }
    // The demo list: exact IP, exact domain, wildcard subdomain; not the /16 written with host
    // bits (the list refuses that line), example.org, nor a Procore IP the list forgot.
    let listed: Vec<bool> = results
        .iter()
        .map(|r| r["listed"].as_bool().unwrap())
        .collect();
    assert_eq!(listed, [true, true, true, false, false, false]);
    assert_eq!(results[4]["vendor_publishes"], true);
    assert_eq!(v["all_listed"], false);
    assert!(v["allowlist"].as_str().unwrap().ends_with("gateway.txt"));

    for (body, code) in [
        (
            serde_json::json!({ "entries": ["137.22.225.98", "not an entry!"] }),
            "invalid-field",
        ),
        (serde_json::json!({ "entries": [] }), "invalid-field"),
        (
            serde_json::json!({ "entries": vec!["a.example"; 1001] }),
            "invalid-field",
        ),
    ] {
        let resp = c
            .post(s.url("/v1/allowlist/check"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let e = error_of(&resp.text().await.unwrap());
        assert_eq!(e["code"], code);
        assert_eq!(e["field"], "entries");
    }
    let resp = c
        .post(s.url("/v1/allowlist/check"))
        .json(&serde_json::json!({ "entry": ["x.example"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&resp.text().await.unwrap())["code"], "bad-json");

    // A server without an allowlist says so.
    let bare = std::sync::Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_zones(Some(mailwhy_tests::fixture("demo/zones")))
            .build()
            .await
            .unwrap(),
    );
    let s2 = start(bare, Default::default()).await;
    let resp = c
        .post(s2.url("/v1/allowlist/check"))
        .json(&serde_json::json!({ "entries": ["137.22.225.98"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e = error_of(&resp.text().await.unwrap());
    assert_eq!(e["code"], "no-allowlist");
    assert_eq!(e["field"], "entries");
}

/// The samples of a text exposition: (name with labels, value).
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').expect("name value");
            (k.to_string(), v.parse::<f64>().expect("a number"))
        })
        .collect()
}

fn value(samples: &[(String, f64)], name: &str) -> Option<f64> {
    samples.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

#[tokio::test]
async fn metrics_count_requests_latency_dns_and_inconclusive_checks() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    for _ in 0..3 {
        let r = c
            .post(s.url("/v1/diagnose"))
            .json(&serde_json::json!({ "email": "jane.doe@acme-builders.com" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = c
        .post(s.url("/v1/diagnose"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    c.get(s.url("/v1/findings/nope.nope")).send().await.unwrap();
    c.get(s.url("/no/such/path?email=secret@example.com"))
        .send()
        .await
        .unwrap();

    let resp = c.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(!text.contains("secret@example.com"), "no request data");
    assert!(!text.contains("/no/such/path"), "route templates only");
    let m = samples(&text);
    let req = |route: &str, method: &str, status: u16| {
        value(
            &m,
            &format!(
                "mailwhy_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(req("/v1/diagnose", "POST", 200), Some(3.0), "{text}");
    assert_eq!(req("/v1/diagnose", "POST", 400), Some(1.0));
    assert_eq!(req("/v1/findings/{id}", "GET", 404), Some(1.0));
    assert_eq!(req("unmatched", "GET", 404), Some(1.0));
    assert_eq!(
        value(
            &m,
            "mailwhy_http_request_duration_seconds_count{route=\"/v1/diagnose\"}"
        ),
        Some(4.0)
    );
    assert_eq!(
        value(
            &m,
            "mailwhy_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/v1/diagnose\"}"
        ),
        Some(4.0),
        "{text}"
    );
    let dns = s.diagnoser.dns();
    assert_eq!(
        value(&m, "mailwhy_dns_queries_sent_total"),
        Some(dns.queries_sent() as f64)
    );
    let hits = value(&m, "mailwhy_dns_cache_hits_total").unwrap();
    assert!(hits > 0.0, "the second and third diagnoses hit the cache");
    assert_eq!(hits, dns.cache_hits() as f64);
    assert_eq!(
        value(&m, "mailwhy_reports_total{verdict=\"problem-found\"}"),
        Some(3.0)
    );

    // A resolver answering SERVFAIL makes checks inconclusive, and they are counted.
    let servfail = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::ServFail).await;
    let d = mailwhy::Diagnoser::builder()
        .dns_config(mailwhy::dns::DnsConfig {
            upstream: mailwhy::dns::Upstream::Servers(vec![servfail.addr()]),
            query_timeout: Duration::from_secs(2),
            retries: 0,
            overall_timeout: None,
        })
        .build()
        .await
        .unwrap();
    let s2 = start(std::sync::Arc::new(d), Default::default()).await;
    let r = c
        .get(s2.url("/v1/address?email=someone@broken-dns.com"))
        .send()
        .await
        .unwrap();
    let r = report(&r.text().await.unwrap());
    let inconclusive: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.status == mailwhy::check::CheckStatus::Inconclusive)
        .map(|c| c.name.as_str())
        .collect();
    assert!(!inconclusive.is_empty(), "{:?}", r.checks);
    let text = c
        .get(s2.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let m = samples(&text);
    for name in inconclusive {
        assert_eq!(
            value(
                &m,
                &format!("mailwhy_checks_inconclusive_total{{check=\"{name}\"}}")
            ),
            Some(1.0),
            "{text}"
        );
    }
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let s = start(demo_diagnoser().await, Default::default()).await;
    let c = client();
    let resp = c.get(s.url("/openapi.json")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    let routes = [
        ("get", "/healthz"),
        ("get", "/v1/health"),
        ("get", "/v1/diagnose"),
        ("post", "/v1/diagnose"),
        ("get", "/v1/diagnose.md"),
        ("post", "/v1/diagnose.md"),
        ("get", "/v1/address"),
        ("post", "/v1/address"),
        ("post", "/v1/spf"),
        ("post", "/v1/blocklist"),
        ("post", "/v1/transport"),
        ("post", "/v1/allowlist/check"),
        ("post", "/v1/message"),
        ("get", "/v1/findings/{id}"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
    ];
    for (method, path) in routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from the document"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        routes.len(),
        "nothing undocumented, nothing extra"
    );
    // Every documented route is served (not the router's 404).
    for (method, path) in routes {
        let url = s.url(&path.replace("{id}", "user.messaging-disabled"));
        let req = if method == "get" {
            c.get(url)
        } else {
            c.post(url)
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(
            status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {status} {body}"
        );
    }
    // The schemas come from the types: the report's fields, the request bodies' fields.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let report = &schemas["Report"]["properties"];
    for f in [
        "schema_version",
        "subject",
        "verdict",
        "findings",
        "checks",
        "stats",
    ] {
        assert!(report.get(f).is_some(), "Report.{f}");
    }
    assert!(report.get("sections").is_none(), "not part of the JSON");
    let body = &schemas["DiagnoseBody"]["properties"];
    for f in ["email", "now", "message"] {
        assert!(body.get(f).is_some(), "DiagnoseBody.{f}");
    }
    assert!(schemas["Verdict"].to_string().contains("problem-found"));
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
