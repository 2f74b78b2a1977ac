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
