//! Allowlist matching cost: one million IP lookups against a 100,000-network list.

use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mailwhy::allowlist::{Allowlist, Index, ListFormat};

fn lcg(x: &mut u64) -> u32 {
    *x = x
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*x >> 32) as u32
}

fn bench(c: &mut Criterion) {
    let mut seed = 42u64;
    let mut text = String::with_capacity(100_000 * 20);
    for _ in 0..100_000 {
        let len = 16 + lcg(&mut seed) % 17; // /16 .. /32, overlapping
        let ip = Ipv4Addr::from(lcg(&mut seed) & (u32::MAX << (32 - len)));
        text.push_str(&format!("{ip}/{len}\n"));
    }
    let list = Allowlist::parse(&text, "bench.txt", &ListFormat::Plain).expect("list");
    assert_eq!(list.entries.len(), 100_000);
    let ix = Index::new(&list.entries);
    let probes: Vec<IpAddr> = (0..1_000_000)
        .map(|_| IpAddr::V4(Ipv4Addr::from(lcg(&mut seed))))
        .collect();
    let mut g = c.benchmark_group("allowlist");
    g.sample_size(10);
    g.throughput(Throughput::Elements(probes.len() as u64));
    g.bench_function("1M IP lookups, 100k networks", |b| {
        b.iter(|| {
            probes
                .iter()
                .filter(|ip| ix.match_ip(**ip).is_some())
                .count()
        })
    });
    g.throughput(Throughput::Elements(100_000));
    g.bench_function("index build, 100k networks", |b| {
        b.iter_batched(
            || list.entries.clone(),
            |e| Index::new(&e),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
