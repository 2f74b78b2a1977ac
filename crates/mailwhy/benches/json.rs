//! The one JSON writer's cost against plain serde_json (which escapes nothing beyond C0): a
//! document of one thousand 200-byte strings, plain ASCII, mixed non-ASCII text, and text dense
//! in the characters the writer escapes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn strings(unit: &str) -> Vec<String> {
    (0..1000)
        .map(|i| {
            let mut s = format!("{i}: ");
            while s.len() < 200 {
                s.push_str(unit);
            }
            s
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("json");
    g.sample_size(20);
    for (name, unit) in [
        ("ascii", "550 5.1.1 user unknown; "),
        ("mixed", "ユーザー不明 é ü 🙂 "),
        ("hostile", "a\u{9b}b\u{202e}c\u{200b}d "),
    ] {
        let doc = strings(unit);
        let bytes: usize = doc.iter().map(String::len).sum();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(format!("serde_json {name}"), |b| {
            b.iter(|| serde_json::to_vec(&doc).unwrap())
        });
        g.bench_function(format!("mailwhy::json {name}"), |b| {
            b.iter(|| mailwhy::json::to_vec(&doc).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
