//! Stopping a batch (Ctrl-C sets the same flag): no new row is taken, the rows in flight
//! finish, and every row taken has its record.

use std::sync::atomic::{AtomicBool, Ordering};

use mailwhy::directory::{stream_csv, ColumnMap};
use mailwhy::Diagnoser;
use mailwhy_tests::fixture;

#[tokio::test]
async fn a_stopped_run_accounts_for_every_row_it_took() {
    let d = Diagnoser::builder()
        .dns_zones(Some(fixture("demo/zones")))
        .build()
        .await
        .unwrap();
    let text = std::fs::read_to_string(fixture("demo/users.csv")).unwrap();
    let rows = stream_csv(text.as_bytes(), "users.csv", &ColumnMap::default()).unwrap();
    let stop = AtomicBool::new(false);
    let mut seen = 0;
    let summary = mailwhy::workflow::batch(&d, rows, 2, &stop, |_| {
        seen += 1;
        if seen == 3 {
            stop.store(true, Ordering::Relaxed);
        }
    })
    .await;
    assert!(summary.stopped);
    assert!(summary.rows < 20, "stopped early: {} rows", summary.rows);
    assert_eq!(
        summary.records, summary.rows,
        "every row taken has its record"
    );
    assert_eq!(seen, summary.records);
}
