//! Times `mailwhy::address::normalize` (validation and the normalized form, which is what
//! emval and email-validator return) and `mailwhy::address::parse` (the full [`Address`]) over
//! an address file, one address per line, and prints the throughputs as one JSON line. Used by bench/compare_address_validators.py to put mailwhy side
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
    let per_sec = rate(&addresses, |a| mailwhy::address::normalize(a).is_ok());
    let parse_per_sec = rate(&addresses, |a| mailwhy::address::parse(a).is_ok());
    println!(
        "{{\"validator\":\"mailwhy\",\"addresses\":{},\"valid\":{},\"per_second\":{:.0},\"parse_per_second\":{:.0}}}",
        addresses.len(),
        valid,
        per_sec,
        parse_per_sec
    );
}

/// Addresses per second of `check` over the set, for about two seconds.
fn rate(addresses: &[&str], check: impl Fn(&str) -> bool) -> f64 {
    let mut rounds = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        for a in addresses {
            std::hint::black_box(check(std::hint::black_box(a)));
        }
        rounds += 1;
    }
    (rounds as f64 * addresses.len() as f64) / started.elapsed().as_secs_f64()
}
