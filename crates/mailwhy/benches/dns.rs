//! DNS layer cost: 1,000 distinct questions against the loopback zone server with 64 in flight
//! (cold cache: every question is a real query over UDP), the same 1,000 answered from the warm
//! cache, and the same 1,000 asked twice concurrently, which must send no extra query.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::stream::{self, StreamExt};
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::zonefile::Zone;
use mailwhy::dns::{Dns, DnsConfig, RecordType, Upstream};

const N: usize = 1000;
const IN_FLIGHT: usize = 64;

fn names() -> Vec<String> {
    (0..N).map(|i| format!("host{i}.bench.example")).collect()
}

fn dns_for(addr: SocketAddr) -> Dns {
    Dns::new(&DnsConfig {
        upstream: Upstream::Servers(vec![addr]),
        query_timeout: Duration::from_secs(2),
        retries: 1,
        overall_timeout: None,
    })
    .expect("dns")
}

async fn ask_all(dns: &Dns, names: &[String]) {
    stream::iter(names)
        .map(|n| async move {
            let a = dns.query(n, RecordType::A).await.expect("valid name");
            assert!(!a.ips().is_empty(), "{n}: {:?}", a.outcome);
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<()>>()
        .await;
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let names = names();
    let server = rt.block_on(async {
        let mut zone = Zone::new("bench.example").expect("zone");
        for (i, n) in names.iter().enumerate() {
            let ip = Ipv4Addr::from(0x5db8_0000u32 + i as u32);
            zone.add(&format!("{n}."), 300, "A", &ip.to_string())
                .expect("record");
        }
        ZoneServer::start(vec![zone], "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("server")
    });
    let addr = server.addr();

    // The single-flight property, checked once and printed with the figures.
    rt.block_on(async {
        let dns = dns_for(addr);
        let before = server.queries_received();
        let t = Instant::now();
        futures::join!(ask_all(&dns, &names), ask_all(&dns, &names));
        let sent = server.queries_received() - before;
        println!(
            "1,000 questions asked twice concurrently: {} queries reached the server, layer counted {} sent for {} asked ({:?})",
            sent,
            dns.queries_sent(),
            dns.questions_asked(),
            t.elapsed()
        );
        assert_eq!(sent, N as u64, "the second run must send no extra query");
    });

    let mut g = c.benchmark_group("dns");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    g.bench_function("1000 distinct questions, cold cache, 64 in flight", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dns = rt.block_on(async { dns_for(addr) });
                let t = Instant::now();
                rt.block_on(ask_all(&dns, &names));
                total += t.elapsed();
            }
            total
        })
    });
    let warm = rt.block_on(async {
        let d = dns_for(addr);
        ask_all(&d, &names).await;
        d
    });
    g.bench_function("1000 questions, warm cache", |b| {
        b.iter(|| rt.block_on(ask_all(&warm, &names)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
