//! Reads delivery-evidence files with the library's readers (recognized from content, as
//! `mailwhy events` reads them), normalizing every record into an `Event` and dropping it, on one
//! thread, and prints records, events and events per second per file (used by bench/events.sh).
//! Usage: events_throughput FILE...
use std::time::Instant;

use mailwhy::delivery::{read, ReadOptions};

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    assert!(!files.is_empty(), "usage: events_throughput FILE...");
    for path in files {
        let file = std::fs::File::open(&path).expect("readable file");
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        // Touch each event so the optimizer keeps the normalization.
        let mut recipients_len = 0u64;
        let s = read(&path, file, &ReadOptions::default(), &mut |e| {
            recipients_len += e.recipient.len() as u64
        });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{path}: {:.0} MiB, {} records, {} events, {} ignored, {} problems in {secs:.2}s: {:.0} events/s, {:.0} MiB/s (formats {:?}, {recipients_len} recipient bytes)",
            bytes as f64 / f64::from(1 << 20),
            s.records,
            s.events,
            s.ignored,
            s.problem_count,
            s.events as f64 / secs,
            bytes as f64 / f64::from(1 << 20) / secs,
            s.formats,
        );
    }
}
