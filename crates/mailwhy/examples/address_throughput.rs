//! Times `mailwhy::address::parse` over an address file, one address per line, and prints the
//! throughput as one JSON line. Used by bench/compare_address_validators.py to put mailwhy side
//! by side with other validators on the same inputs (the criterion bench is the reference).
//!
//! Run: `cargo run --release -p mailwhy --example address_throughput -- bench/address-set.txt`
//! (`--verdicts` prints 1 or 0 per address instead, to compare what validators accept).

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verdicts = args.iter().any(|a| a == "--verdicts");
    let path = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "bench/address-set.txt".into());
    let text = std::fs::read_to_string(&path).expect("read the address file");
    let addresses: Vec<&str> = text.lines().collect();
    if verdicts {
        // One line per address: 1 accepted, 0 rejected (for comparing rules, not speed).
        for a in &addresses {
            println!("{}", u8::from(mailwhy::address::parse(a).is_ok()));
        }
        return;
    }
    let valid = addresses
        .iter()
        .filter(|a| mailwhy::address::parse(a).is_ok())
        .count();
    let mut rounds = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        for a in &addresses {
            std::hint::black_box(mailwhy::address::parse(std::hint::black_box(a)).is_ok());
        }
        rounds += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let per_sec = (rounds as f64 * addresses.len() as f64) / secs;
    println!(
        "{{\"validator\":\"mailwhy\",\"addresses\":{},\"valid\":{},\"per_second\":{:.0}}}",
        addresses.len(),
        valid,
        per_sec
    );
}
