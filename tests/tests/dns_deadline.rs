//! The overall DNS deadline belongs to one run (one batch row here), not to the DNS layer: a
//! batch that lasts longer than the deadline still resolves its later rows.

use std::time::Duration;

use mailwhy::check::CheckStatus;
use mailwhy::directory::{stream_csv, ColumnMap};
use mailwhy::dns::DnsConfig;
use mailwhy::Diagnoser;
use mailwhy_tests::fixture;

/// The checks of `r` that could not finish, with why.
fn inconclusive(r: &mailwhy::report::Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.status == CheckStatus::Inconclusive)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_deadline_is_per_batch_row_not_per_batch() {
    let d = Diagnoser::builder()
        .dns_config(DnsConfig {
            overall_timeout: Some(Duration::from_secs(1)),
            ..DnsConfig::default()
        })
        .dns_zones(Some(fixture("demo/zones")))
        .build()
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixture("demo/users.csv")).unwrap();
    let rows = stream_csv(text.as_bytes(), "users.csv", &ColumnMap::default()).unwrap();
    // The first row is taken at once; every later one only after the first run's deadline (and
    // the layer's age) is past. One row at a time, so the wait falls between rows.
    let mut taken = 0;
    let rows = rows.inspect(|_| {
        taken += 1;
        if taken == 2 {
            std::thread::sleep(Duration::from_millis(1500));
        }
    });
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut late = Vec::new();
    let summary = mailwhy::workflow::batch(&d, rows, 1, &stop, |rec| {
        if rec.row >= 2 {
            if let Some(r) = &rec.report {
                late.push((rec.line, r.stats.dns_queries, inconclusive(r)));
            }
        }
    })
    .await;
    assert_eq!(summary.records, summary.rows);
    assert!(late.len() >= 10, "{} late rows", late.len());
    for (line, _, why) in &late {
        assert!(
            why.is_empty(),
            "line {line}: inconclusive after the deadline: {why:?}"
        );
    }
    assert!(
        late.iter().any(|(_, queries, _)| *queries > 0),
        "the late rows asked the zone server: {late:?}"
    );
}
