//! Side by side, on one core (a current-thread runtime): warm-cache SPF evaluation of
//! `cache.example` (3 includes, 20 networks; `fixtures/spf/zones/cache.example.zone`) by
//! `mailwhy::spf::check_host` and by mail-auth 0.13's `verify_spf`, both resolving from the same
//! loopback zone server. Prints evaluations per second per thread-CPU-second (the "one core"
//! figure, unaffected by other processes on a shared machine) and per wall-second, and the ratio.
//! Not run by CI: `cd bench/spf-peer && cargo run --release`.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mail_auth::hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
};
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{MessageAuthenticator, Parameters, RecordSet, ResolverCache, SpfResult, Txt, MX};
use mailwhy::check::Context;
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::{Dns, DnsConfig, Upstream};

/// mail-auth 0.13 leaves caching to the caller; this is the simplest cache it accepts.
struct MapCache<K, V>(Mutex<HashMap<K, V>>);

impl<K, V> MapCache<K, V> {
    fn new() -> Self {
        MapCache(Mutex::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, V: Clone> ResolverCache<K, V> for MapCache<K, V> {
    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(key).cloned()
    }
    fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(key)
    }
    fn insert(&self, key: K, value: V, _: Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// CPU time of this thread in nanoseconds (Linux; updated at scheduler ticks, so only long runs
/// are measured with it).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat")
}

/// Runs `f` for about `secs` seconds after a one-second warm-up; returns evaluations per
/// CPU-second and per wall-second.
async fn rate<F, Fut>(secs: u64, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(1) {
        f().await;
    }
    let start = Instant::now();
    let cpu = thread_cpu_ns();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        for _ in 0..1000 {
            f().await;
        }
        n += 1000;
    }
    let cpu_s = (thread_cpu_ns() - cpu) as f64 / 1e9;
    (n as f64 / cpu_s, n as f64 / start.elapsed().as_secs_f64())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let zones = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/spf/zones");
        let server = ZoneServer::start_dir(&zones).await.unwrap();
        let addr = server.addr();

        let dns = Dns::new(&DnsConfig {
            upstream: Upstream::Servers(vec![addr]),
            query_timeout: Duration::from_secs(2),
            retries: 0,
            overall_timeout: None,
        })
        .unwrap();
        let ctx = Context::new(dns);

        let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
        let mut udp = ConnectionConfig::udp();
        udp.port = addr.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = addr.port();
        ns.connections = vec![udp, tcp];
        let auth = MessageAuthenticator::new(
            ResolverConfig::from_parts(None, vec![], vec![ns]),
            ResolverOpts::default(),
        )
        .unwrap();
        let txt: MapCache<Box<str>, Txt> = MapCache::new();
        let mx: MapCache<Box<str>, RecordSet<MX>> = MapCache::new();
        let v4: MapCache<Box<str>, RecordSet<Ipv4Addr>> = MapCache::new();
        let v6: MapCache<Box<str>, RecordSet<Ipv6Addr>> = MapCache::new();
        let ptr: MapCache<IpAddr, RecordSet<Box<str>>> = MapCache::new();

        let sender = "postmaster@cache.example";
        for (label, ip, want) in [
            ("fail, walks every term", "185.199.100.1", "fail"),
            ("pass in the second include", "172.64.0.1", "pass"),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let ours = mailwhy::spf::check_host(&ctx, ip, "cache.example", sender, "cache.example")
                .await;
            assert_eq!(ours.result.as_str(), want);
            let params = || {
                Parameters::new(SpfParameters::verify_mail_from(
                    ip,
                    "cache.example",
                    "mx.receiver.example",
                    sender,
                ))
                .with_txt_cache(&txt)
                .with_mx_cache(&mx)
                .with_ipv4_cache(&v4)
                .with_ipv6_cache(&v6)
                .with_ptr_cache(&ptr)
            };
            let theirs = auth.verify_spf(params()).await;
            let theirs_str = match theirs.result() {
                SpfResult::Pass => "pass",
                SpfResult::Fail => "fail",
                SpfResult::SoftFail => "softfail",
                SpfResult::Neutral => "neutral",
                SpfResult::TempError => "temperror",
                SpfResult::PermError => "permerror",
                SpfResult::None => "none",
            };
            assert_eq!(theirs_str, want, "mail-auth agrees");

            // `PROFILE=traced|lean|peer`: a fixed 20,000 evaluations of the worst case only,
            // for `valgrind --tool=callgrind` (instruction counts, not seconds).
            if let Ok(mode) = std::env::var("PROFILE") {
                if want != "fail" {
                    continue;
                }
                let lean_opts = mailwhy::spf::Options {
                    no_trace: mode == "lean",
                    ..Default::default()
                };
                for _ in 0..20_000 {
                    if mode == "peer" {
                        std::hint::black_box(auth.verify_spf(params()).await.result());
                    } else {
                        let r = mailwhy::spf::check_host_with(
                            &ctx, ip, "cache.example", sender, "cache.example", &lean_opts,
                        )
                        .await;
                        std::hint::black_box(r.result);
                    }
                }
                continue;
            }

            // `SECS`: seconds per measurement (default 5), for bench/compare.sh's shorter rounds.
            let secs = std::env::var("SECS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(5);
            let traced = rate(secs, || async {
                let r = mailwhy::spf::check_host(&ctx, ip, "cache.example", sender, "cache.example")
                    .await;
                std::hint::black_box(r.result);
            })
            .await;
            let lean_opts = mailwhy::spf::Options {
                no_trace: true,
                ..Default::default()
            };
            let lean = rate(secs, || async {
                let r = mailwhy::spf::check_host_with(
                    &ctx,
                    ip,
                    "cache.example",
                    sender,
                    "cache.example",
                    &lean_opts,
                )
                .await;
                std::hint::black_box(r.result);
            })
            .await;
            let peer = rate(secs, || async {
                let r = auth.verify_spf(params()).await;
                std::hint::black_box(r.result());
            })
            .await;
            println!("{label} (evaluations per CPU-second; per wall-second in parentheses):");
            println!("  mailwhy check_host, full trace: {:>9.0} ({:.0})", traced.0, traced.1);
            println!("  mailwhy check_host, no trace:   {:>9.0} ({:.0})", lean.0, lean.1);
            println!("  mail-auth 0.13.3 verify_spf:    {:>9.0} ({:.0})", peer.0, peer.1);
            println!(
                "  ratio mailwhy/mail-auth: {:.2} with trace, {:.2} without",
                traced.0 / peer.0,
                lean.0 / peer.0
            );
            // One line for bench/compare.sh: case, then per-CPU-second rates.
            println!(
                "RESULT {want} traced={:.0} lean={:.0} peer={:.0}",
                traced.0, lean.0, peer.0
            );
        }
        println!("mailwhy DNS queries sent: {}", ctx.dns.queries_sent());
        drop(server);
    });
}
