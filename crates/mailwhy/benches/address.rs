//! Syntax validation throughput on a fixed mixed set of valid and invalid addresses
//! (bench/address-set.txt: 60% plain valid, 5% IDN or UTF-8, 5% quoted or literal, 30% invalid).
//! The issue asks for at least one million addresses per second on one core.
//!
//! Run: `cargo bench -p mailwhy --bench address -- --warm-up-time 1 --measurement-time 3`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const SET: &str = include_str!("../../../bench/address-set.txt");

fn syntax(c: &mut Criterion) {
    let addresses: Vec<&str> = SET.lines().collect();
    let mut g = c.benchmark_group("address-syntax");
    g.throughput(Throughput::Elements(addresses.len() as u64));
    g.bench_function("parse (mixed set)", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for a in &addresses {
                ok += usize::from(mailwhy::address::parse(black_box(a)).is_ok());
            }
            ok
        })
    });
    g.bench_function("parse + hidden-character scan (mixed set)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for a in &addresses {
                n += usize::from(mailwhy::address::parse(black_box(a)).is_ok());
                n += mailwhy::address::hidden::scan(black_box(a)).len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, syntax);
criterion_main!(benches);
