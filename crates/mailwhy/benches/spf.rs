//! Warm-cache `check_host()` against a record with 3 includes and 20 networks
//! (`fixtures/spf/zones/cache.example.zone`), on a single-threaded runtime (one core).
//! Target: at least 200,000 evaluations per second. Run with
//! `cargo bench -p mailwhy --bench spf -- --warm-up-time 1 --measurement-time 3`.
//! Criterion measures wall time: on a loaded machine it counts the time other processes held
//! the core. `bench/spf-peer` measures thread CPU time over longer runs, beside mail-auth.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mailwhy::check::Context;
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::{Dns, DnsConfig, Upstream};
use mailwhy::spf::{self, Verdict};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let zones = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/spf/zones");
    let (_server, ctx) = rt.block_on(async {
        let server = ZoneServer::start_dir(&zones).await.unwrap();
        let dns = Dns::new(&DnsConfig {
            upstream: Upstream::Servers(vec![server.addr()]),
            query_timeout: Duration::from_secs(2),
            retries: 0,
            overall_timeout: None,
        })
        .unwrap();
        (server, Context::new(dns))
    });
    // 185.199.100.1 is authorized nowhere: evaluation walks every term to -all (5 DNS-querying
    // terms, the worst case). 172.64.0.1 passes inside the second include.
    let cases: [(&str, IpAddr, Verdict); 2] = [
        (
            "fail-walks-everything",
            "185.199.100.1".parse().unwrap(),
            Verdict::Fail,
        ),
        (
            "pass-in-second-include",
            "172.64.0.1".parse().unwrap(),
            Verdict::Pass,
        ),
    ];
    let mut g = c.benchmark_group("spf_check_host_warm");
    g.throughput(Throughput::Elements(1));
    for (name, ip, want) in cases {
        let warm = rt.block_on(spf::check_host(
            &ctx,
            ip,
            "cache.example",
            "",
            "cache.example",
        ));
        assert_eq!(warm.result, want);
        let sent = ctx.dns.queries_sent();
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let r = spf::check_host(&ctx, ip, "cache.example", "", "cache.example").await;
                std::hint::black_box(r.result)
            })
        });
        let lean = spf::Options {
            no_trace: true,
            ..spf::Options::default()
        };
        g.bench_function(format!("{name}-no-trace"), |b| {
            b.to_async(&rt).iter(|| async {
                let r = spf::check_host_with(&ctx, ip, "cache.example", "", "cache.example", &lean)
                    .await;
                std::hint::black_box(r.result)
            })
        });
        assert_eq!(ctx.dns.queries_sent(), sent, "the cache stayed warm");
    }
    g.finish();
    // The parts, to see where an evaluation's time goes.
    let mut parts = c.benchmark_group("spf_parts");
    let rec = "v=spf1 ip6:2606:4700::/40 ip6:2606:4700:100::/40 ip4:162.158.0.0/20 ip4:162.158.32.0/20 ip4:162.158.64.0/20 ip4:162.158.96.0/20 a:relay.cache.example -all";
    parts.bench_function("parse-one-record", |b| {
        b.iter(|| std::hint::black_box(spf::parse(std::hint::black_box(rec)).is_ok()))
    });
    parts.bench_function("dns-query-cached", |b| {
        b.to_async(&rt).iter(|| async {
            let a = ctx
                .dns
                .query("c._spf.cache.example", mailwhy::dns::RecordType::TXT)
                .await
                .unwrap();
            std::hint::black_box(a.outcome.kind())
        })
    });
    parts.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
