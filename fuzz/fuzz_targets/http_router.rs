//! The HTTP request path: the server's router (with and without a token) answers any request
//! built from the bytes (method, path and query, headers, body) without panicking, and every
//! answer is either a success or the JSON error body.
//!
//! The bytes: the first picks the method (or, past the list, the next line is taken as a
//! made-up method) and whether a token is set; then the path line, header lines `name: value`
//! up to an empty line, and the body.
#![no_main]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const METHODS: [Method; 6] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::OPTIONS,
    Method::HEAD,
];

thread_local! {
    /// A runtime and two routers over the demo data (zones on a loopback zone server, so every
    /// name resolves offline): one open, one with the token `t`.
    static SERVER: (tokio::runtime::Runtime, axum::Router, axum::Router) = {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/demo");
        let d = rt.block_on(async {
            mailwhy::Diagnoser::builder()
                .dns_zones(Some(format!("{demo}/zones").into()))
                .directory_file(format!("{demo}/users.csv").as_ref())
                .expect("directory")
                .allowlist_file(format!("{demo}/gateway.txt").as_ref())
                .expect("allowlist")
                .build()
                .await
                .expect("diagnoser")
        });
        let d = Arc::new(d);
        let open = mailwhy_server::router(d.clone());
        let closed = mailwhy_server::router_with(
            d,
            mailwhy_server::Options { token: Some("t".into()), ..Default::default() },
        );
        (rt, open, closed)
    };
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let mut lines = rest.split(|&b| b == b'\n');
    let method = match METHODS.get(usize::from(first & 0x7f) % 8) {
        Some(m) => m.clone(),
        None => match Method::from_bytes(lines.next().unwrap_or_default()) {
            Ok(m) => m,
            Err(_) => return,
        },
    };
    let with_token = first & 0x80 != 0;
    let Ok(path) = std::str::from_utf8(lines.next().unwrap_or_default()) else { return };
    let mut req = Request::builder().method(method.clone()).uri(path);
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { return };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        req = req.header(name, value);
    }
    let body: Vec<u8> = lines.collect::<Vec<_>>().join(&b'\n');
    let Ok(req) = req.body(Body::from(body)) else { return };
    SERVER.with(|(rt, open, closed)| {
        let router = if with_token { closed } else { open };
        rt.block_on(async {
            let resp = router.clone().oneshot(req).await.expect("infallible");
            let status = resp.status();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
            if status.is_success() {
                return;
            }
            assert!(
                status.is_client_error() || status.is_server_error(),
                "status {status}"
            );
            assert!(content_type.starts_with("application/json"), "{status}: {content_type}");
            if method != Method::HEAD {
                let v: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON error body");
                assert_eq!(v["error"]["status"], status.as_u16(), "{v}");
                assert!(v["error"]["code"].is_string(), "{v}");
            }
        });
    });
});
