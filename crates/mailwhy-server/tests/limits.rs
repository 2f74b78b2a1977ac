//! The service limits with requests that are really slow: a resolver that never answers
//! (FaultResponder::Silent) holds each diagnosis for its query timeout. Too many requests in
//! flight get 503 at once; a shutdown lets the requests in flight finish with their answer.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use support::client;

/// A diagnoser whose every DNS question waits `timeout` for a server that never answers.
async fn slow_diagnoser(
    silent: &mailwhy_tests::FaultResponder,
    timeout: Duration,
) -> Arc<mailwhy::Diagnoser> {
    Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_config(mailwhy::dns::DnsConfig {
                upstream: mailwhy::dns::Upstream::Servers(vec![silent.addr()]),
                query_timeout: timeout,
                retries: 0,
                overall_timeout: None,
            })
            .build()
            .await
            .unwrap(),
    )
}

fn error_code(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).expect("JSON error");
    v["error"]["code"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_in_flight_get_503() {
    let silent = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::Silent).await;
    let d = slow_diagnoser(&silent, Duration::from_millis(1500)).await;
    let s = support::start(
        d,
        mailwhy_server::Options {
            max_in_flight: 2,
            ..Default::default()
        },
    )
    .await;
    let c = client();
    // Two slow diagnoses fill the cap ...
    let slow: Vec<_> = ["a@slow-one.com", "b@slow-two.com"]
        .into_iter()
        .map(|e| {
            let (c, url) = (c.clone(), s.url("/v1/diagnose"));
            tokio::spawn(async move {
                let r = c
                    .post(url)
                    .json(&serde_json::json!({ "email": e }))
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ... so a third request, on any route, is refused at once rather than queued.
    for path in [
        "/v1/diagnose?email=c@slow-three.com",
        "/v1/findings/user.messaging-disabled",
    ] {
        let started = Instant::now();
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(error_code(&r.text().await.unwrap()), "overloaded");
        assert!(started.elapsed() < Duration::from_millis(800), "not queued");
    }
    // The two in flight finish normally (inconclusive: the resolver never answered).
    for t in slow {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let r: mailwhy::report::Report = serde_json::from_str(&body).unwrap();
        assert_eq!(r.verdict, mailwhy::report::Verdict::Inconclusive);
    }
    // With the slots free again, requests are served.
    let r = c
        .get(s.url("/v1/findings/user.messaging-disabled"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let metrics = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("route=\"/v1/diagnose\",method=\"GET\",status=\"503\"} 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let silent = mailwhy_tests::FaultResponder::start(mailwhy_tests::Fault::Silent).await;
    let d = slow_diagnoser(&silent, Duration::from_millis(1200)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = mailwhy_server::router(d);
    let server = tokio::spawn(mailwhy_server::serve(listener, app, async {
        let _ = stopped.await;
    }));
    let c = client();
    let started = Instant::now();
    let in_flight = {
        let c = c.clone();
        tokio::spawn(async move {
            let r = c
                .post(format!("http://{addr}/v1/diagnose"))
                .json(&serde_json::json!({ "email": "someone@slow-domain.com" }))
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    // The request that was in flight when shutdown began completes with its report ...
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let r: mailwhy::report::Report = serde_json::from_str(&body).unwrap();
    assert_eq!(r.subject, "someone@slow-domain.com");
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "it really was slow"
    );
    // ... then the server stops, and nothing new is accepted.
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops after the drain")
        .unwrap()
        .unwrap();
    let fresh = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(fresh
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err());
}
