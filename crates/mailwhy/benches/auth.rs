//! DMARC evaluation of one received message on a warm DNS cache, as `mailwhy message` computes
//! it: parse the message once (mail-parser: headers, Received chain, Authentication-Results), read the
//! envelope (connecting IP, Return-Path), SPF through our engine, verify its two DKIM signatures
//! (RSA 2048, mail-auth, keys answered by our DNS layer's cache), discover and parse the From
//! domain's DMARC record, compute alignment and the result, and compare with the receiver's.
//! Runs on a current-thread runtime: the figure is for one core.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mailwhy::check::Context;
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::{Dns, DnsConfig, Upstream};
use mailwhy::message;

async fn evaluate_message(ctx: &Context, raw: &[u8]) -> &'static str {
    let msg = message::Parsed::new(raw).expect("mail");
    let a = message::analyze(&msg);
    let computed = message::verify::check(ctx, &msg, &a, &[]).await.computed;
    assert_eq!(computed.dkim.len(), 2);
    assert!(computed.spf.is_some());
    computed.dmarc.expect("from domain").result
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/auth");
    let raw = std::fs::read(format!("{root}/messages/received-pass.eml")).expect("fixture");
    let server = rt
        .block_on(ZoneServer::start_dir(std::path::Path::new(&format!(
            "{root}/zones"
        ))))
        .expect("zone server");
    let ctx = Context::new(
        Dns::new(&DnsConfig {
            upstream: Upstream::Servers(vec![server.addr()]),
            query_timeout: Duration::from_secs(2),
            retries: 1,
            overall_timeout: None,
        })
        .expect("dns"),
    );
    // Warm the cache, and make sure the message really passes.
    assert_eq!(rt.block_on(evaluate_message(&ctx, &raw)), "pass");
    let sent = ctx.dns.queries_sent();
    let mut g = c.benchmark_group("auth");
    g.throughput(Throughput::Elements(1));
    g.bench_function("dmarc_evaluation_warm_cache", |b| {
        b.iter(|| rt.block_on(evaluate_message(&ctx, &raw)))
    });
    g.finish();
    assert_eq!(ctx.dns.queries_sent(), sent, "a warm cache sends no query");
}

criterion_group!(benches, bench);
criterion_main!(benches);
