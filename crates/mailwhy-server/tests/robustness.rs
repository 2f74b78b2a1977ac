//! A server that answers the same after its first minute: the overall DNS deadline is per
//! request, not per process.

use crate::support;

use std::time::Duration;

use mailwhy::check::CheckStatus;
use mailwhy::dns::DnsConfig;
use mailwhy::report::Report;
use mailwhy::Diagnoser;
use mailwhy_tests::fixture;
use reqwest::StatusCode;
use support::client;

/// The checks of `r` that could not finish, with why.
fn inconclusive(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.status == CheckStatus::Inconclusive)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect()
}

#[tokio::test]
async fn dns_deadline_is_per_request_not_per_process() {
    let d = Diagnoser::builder()
        .dns_config(DnsConfig {
            query_timeout: Duration::from_secs(2),
            overall_timeout: Some(Duration::from_secs(1)),
            ..DnsConfig::default()
        })
        .dns_zones(Some(fixture("demo/zones")))
        .directory_file(&fixture("demo/users.csv"))
        .expect("directory")
        .now(support::demo_now())
        .build()
        .await
        .expect("diagnoser");
    let s = support::start(std::sync::Arc::new(d), Default::default()).await;
    let c = client();
    // Past the deadline of a layer that was built a second ago, each request asks questions
    // nobody asked before (another domain each time).
    for email in [
        "jane.doe@acme-builders.com",
        "mike.brown@northwind-bau.de",
        "lucas.moreau@chantier-lyon.fr",
    ] {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let resp = c
            .get(s.url("/v1/diagnose"))
            .query(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let r: Report = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(inconclusive(&r), Vec::<String>::new(), "{email}");
        assert!(r.stats.dns_queries > 0, "{email}: asked the zone server");
    }
}

/// A raw connection to the server.
async fn connect(s: &support::Running) -> tokio::net::TcpStream {
    tokio::net::TcpStream::connect(s.addr)
        .await
        .expect("connect")
}

/// Reads until the server closes the connection (EOF or reset); what was read.
async fn read_to_close(stream: &mut tokio::net::tcp::OwnedReadHalf) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn timeouts(header: u64, idle: u64) -> mailwhy_server::Options {
    mailwhy_server::Options {
        header_read_timeout: Duration::from_millis(header),
        idle_timeout: Duration::from_millis(idle),
        ..Default::default()
    }
}

/// Guards the header-read timeout: a client sending one header line every 300 ms (slowloris)
/// held its connection for as long as it kept sending.
#[tokio::test]
async fn a_slow_header_is_cut_off_after_the_header_timeout() {
    use tokio::io::AsyncWriteExt;
    let s = support::start(support::demo_diagnoser().await, timeouts(1000, 30_000)).await;
    let (mut rd, mut wr) = connect(&s).await.into_split();
    let started = std::time::Instant::now();
    let writer = async {
        wr.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .ok();
        for i in 0..100 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if wr
                .write_all(format!("X-Slow-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let closed = tokio::select! {
        _ = writer => unreachable!(),
        got = read_to_close(&mut rd) => got,
        _ = tokio::time::sleep(Duration::from_secs(10)) => panic!("still open after 10 s"),
    };
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(3000),
        "closed after {took:?}"
    );
    assert!(
        !String::from_utf8_lossy(&closed).contains("200 OK"),
        "no answer to half a request"
    );
}

/// Reads one `Content-Length` response off `rd`; its head.
async fn read_response(rd: &mut tokio::net::tcp::OwnedReadHalf) -> String {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = rd.read(&mut buf).await.expect("read");
        assert!(
            n > 0,
            "closed before the response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("content-length");
            if got.len() >= end + 4 + len {
                return text[..end].to_string();
            }
        }
    }
}

/// Guards the idle timeout: a kept-alive connection that sends nothing after its answer is
/// closed after the idle timeout, which is its own setting (longer or shorter than the header
/// timeout).
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    use tokio::io::AsyncWriteExt;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    // Idle limit shorter than the header limit: closed after the idle one.
    let s = support::start(support::demo_diagnoser().await, timeouts(10_000, 1000)).await;
    let (mut rd, mut wr) = connect(&s).await.into_split();
    wr.write_all(request).await.unwrap();
    assert!(read_response(&mut rd).await.starts_with("HTTP/1.1 200"));
    let idle = std::time::Instant::now();
    tokio::select! {
        _ = read_to_close(&mut rd) => {}
        _ = tokio::time::sleep(Duration::from_secs(8)) => panic!("idle connection still open after 8 s"),
    }
    let took = idle.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(3000),
        "closed after {took:?}"
    );

    // Idle limit longer than the header limit: a connection idle for twice the header limit is
    // still open and answers its next request.
    let s = support::start(support::demo_diagnoser().await, timeouts(500, 30_000)).await;
    let (mut rd, mut wr) = connect(&s).await.into_split();
    wr.write_all(request).await.unwrap();
    assert!(read_response(&mut rd).await.starts_with("HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    wr.write_all(request).await.unwrap();
    assert!(read_response(&mut rd).await.starts_with("HTTP/1.1 200"));
}

/// Guards the error shape of the router's own answers: a 405 had an empty body; now it is the
/// JSON error body with the `Allow` header, as is a path that matches no route.
#[tokio::test]
async fn method_not_allowed_and_unknown_paths_get_the_json_error_body() {
    let s = support::start(support::demo_diagnoser().await, Default::default()).await;
    let c = client();
    let r = c.delete(s.url("/v1/diagnose")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = r.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).expect("JSON");
    assert_eq!(v["error"]["status"], 405);
    assert_eq!(v["error"]["code"], "method-not-allowed");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("DELETE"),
        "{v}"
    );

    for path in ["/nope", "/v1/nope", "/v1/findings/x/y", "/assets/nope.js"] {
        let r = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).expect(path);
        assert_eq!(v["error"]["code"], "not-found", "{path}");
    }
}

/// Guards the bearer scheme's case: `Authorization: bearer …` was refused, though the scheme is
/// case-insensitive (RFC 9110 §11.1, RFC 7235).
#[tokio::test]
async fn a_lowercase_bearer_scheme_is_accepted() {
    let s = support::start(
        support::demo_diagnoser().await,
        mailwhy_server::Options {
            token: Some("s3cret".into()),
            ..Default::default()
        },
    )
    .await;
    let c = client();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = c
            .get(s.url("/v1/health"))
            .header("authorization", format!("{scheme} s3cret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{scheme}");
    }
    let r = c
        .get(s.url("/v1/health"))
        .header("authorization", "bearer wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// Guards the metrics' label sets: a made-up method became a label value of its own, so a
/// client could grow `/metrics` (and the server's memory) without bound.
#[tokio::test]
async fn made_up_methods_share_one_metrics_label() {
    let s = support::start(support::demo_diagnoser().await, Default::default()).await;
    let c = client();
    for i in 0..5 {
        let m = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let r = c.request(m, s.url("/healthz")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    let text = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("MADEUP"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
}
