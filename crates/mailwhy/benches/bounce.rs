//! Classification speed for typical 5–20 KB bounces (issue 7: at least 10,000 messages per
//! second on one core). The set: the real bounces of ../shared/conformance/bounces/ whose size
//! is 5–20 KB, plus the fixture bounces with a returned message that brings them to ~8 KB.
//! Run: cargo bench -p mailwhy --bench bounce -- --warm-up-time 1 --measurement-time 3

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let shared = root.join("../shared/conformance/bounces/samples");
    if let Ok(rd) = std::fs::read_dir(&shared) {
        for e in rd.flatten() {
            let raw = std::fs::read(e.path()).unwrap_or_default();
            if (5 * 1024..=20 * 1024).contains(&raw.len()) {
                out.push(raw);
            }
        }
    }
    // Fixture bounces with a realistic returned message appended to their text part.
    let filler: String = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; the invitation \
        text of a project notification goes here, with a link and a footer.\r\n"
        .repeat(60);
    if let Ok(rd) = std::fs::read_dir(root.join("fixtures/message")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with("bounce.") {
                continue;
            }
            let mut raw = std::fs::read(e.path()).unwrap_or_default();
            raw.extend_from_slice(filler.as_bytes());
            out.push(raw);
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let msgs = corpus();
    let bytes: usize = msgs.iter().map(Vec::len).sum();
    eprintln!(
        "bounce bench: {} messages, {} KB on average",
        msgs.len(),
        bytes / msgs.len().max(1) / 1024
    );
    let mut g = c.benchmark_group("bounce");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function("classify", |b| {
        b.iter(|| {
            for m in &msgs {
                let r = mailwhy::bounce::analyze_bytes(std::hint::black_box(m));
                std::hint::black_box(r.ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
