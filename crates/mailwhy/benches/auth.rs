//! DMARC evaluation of one received message on a warm DNS cache: parse the message, verify its
//! two DKIM signatures (RSA 2048, mail-auth, keys answered by our DNS layer's cache), find and
//! parse the From domain's DMARC record, and compute alignment and the result. SPF is not in the
//! loop yet (the SPF engine is issue #4); its cost adds to this figure once it is wired in.
//! Runs on a current-thread runtime: the figure is for one core.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mailwhy::auth::{dkim_verify, dmarc, evaluate};
use mailwhy::check::Context;
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::{Dns, DnsConfig, RecordType, Upstream};

async fn evaluate_message(ctx: &Context, raw: &[u8]) -> &'static str {
    let (_, sigs) = dkim_verify::verify(ctx, raw).await;
    let dkim: Vec<(String, bool)> = sigs
        .iter()
        .map(|s| (s.domain.clone(), s.result == "pass"))
        .collect();
    let answer = ctx
        .dns
        .query("_dmarc.signed.example", RecordType::TXT)
        .await
        .expect("name");
    let record = match dmarc::select(&answer.txt()) {
        dmarc::Selection::One(t) => dmarc::parse(&t).ok(),
        _ => None,
    };
    evaluate::evaluate(
        record.as_ref(),
        false,
        &evaluate::Identifiers {
            from: "signed.example",
            dkim: &dkim,
            spf: None,
        },
    )
    .result
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/auth");
    let raw = std::fs::read(format!("{root}/messages/pristine.eml")).expect("fixture");
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
