//! Reads every file in a directory into memory, then classifies them in a loop for a few
//! seconds on one thread and prints messages per second (used by bench/sisimai-compare.sh to
//! compare with Sisimai on the same files).
//! Usage: bounce_throughput DIR [SECONDS]
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: bounce_throughput DIR [SECONDS]");
    let secs: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let mut msgs = Vec::new();
    for e in std::fs::read_dir(&dir).expect("readable dir").flatten() {
        msgs.push(std::fs::read(e.path()).expect("readable file"));
    }
    let (mut n, mut bounces) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs_f64(secs) {
        for m in &msgs {
            if let Ok(b) = mailwhy::bounce::analyze_bytes(m) {
                bounces += u64::from(b.is_bounce);
            }
            n += 1;
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "mailwhy: {} files, {n} classified in {:.2}s: {rate:.0} messages/s ({bounces} bounces)",
        msgs.len(),
        start.elapsed().as_secs_f64()
    );
}
