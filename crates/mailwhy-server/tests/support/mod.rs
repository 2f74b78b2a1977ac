//! Test support: a Diagnoser over the demo fixtures (fixtures/demo/mailwhy.toml describes them)
//! and the router started on 127.0.0.1:0.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mailwhy::dns::DnsConfig;
use mailwhy::Diagnoser;
use mailwhy_tests::fixture;

/// The demo's "now" (its README command passes the same).
pub fn demo_now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_435_200) // 2026-11-23T12:00:00Z
}

/// The demo settings: zones, directory, sender profile, allowlist, a fixed clock.
pub async fn demo_diagnoser() -> Arc<Diagnoser> {
    let d = Diagnoser::builder()
        .dns_config(DnsConfig {
            query_timeout: Duration::from_secs(2),
            ..DnsConfig::default()
        })
        .dns_zones(Some(fixture("demo/zones")))
        .directory_file(&fixture("demo/users.csv"))
        .expect("directory")
        .sender_file(&fixture("senders/procore.toml"))
        .expect("sender")
        .allowlist_file(&fixture("demo/gateway.txt"))
        .expect("allowlist")
        .now(demo_now())
        .build()
        .await
        .expect("diagnoser");
    Arc::new(d)
}

/// A running server; dropped at the end of the test's runtime.
pub struct Running {
    pub addr: SocketAddr,
    pub diagnoser: Arc<Diagnoser>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Starts `router_with(diagnoser, options)` on 127.0.0.1:0, served with the same options'
/// connection timeouts.
pub async fn start(diagnoser: Arc<Diagnoser>, options: mailwhy_server::Options) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = mailwhy_server::router_with(diagnoser.clone(), options.clone());
    tokio::spawn(async move {
        let _ = mailwhy_server::serve_with(listener, app, &options, std::future::pending()).await;
    });
    Running { addr, diagnoser }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}
