//! Timeline latency from an event store (bench/store.sh): opens `sqlite:PATH`, picks N random
//! stored recipients (seeded), asks each one's timeline as `events --store` does, and prints
//! p50 / p99 / max in milliseconds.
//!
//!     cargo run --release -p mailwhy --features store --example store_lookup -- PATH [N]

use std::time::Instant;

use mailwhy::delivery::EventQuery;
use mailwhy::store::SqliteStore;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: store_lookup PATH [N]");
    let n: usize = args.next().map_or(1000, |s| s.parse().expect("N"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let mut stmt = conn
        .prepare("SELECT DISTINCT recipient_key FROM events")
        .expect("prepare");
    let all: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    // A fixed LCG: the same addresses on every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let picks: Vec<&String> = (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            &all[(x >> 33) as usize % all.len()]
        })
        .collect();
    let store = SqliteStore::open(std::path::Path::new(&path)).expect("store");
    let mut ms = Vec::with_capacity(n);
    let mut events = 0usize;
    for a in picks {
        let t = Instant::now();
        let tl = store
            .timeline_blocking(&EventQuery {
                address: a.clone(),
                window: Default::default(),
            })
            .expect("timeline");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        events += tl.events.len();
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() as f64 * p) as usize).min(ms.len() - 1)];
    println!(
        "{} lookups over {} recipients: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, {:.1} events per timeline",
        ms.len(),
        all.len(),
        q(0.50),
        q(0.99),
        ms[ms.len() - 1],
        events as f64 / ms.len() as f64
    );
}
