//! A shared caching resolver (issue #23): two mailwhy processes (two replicas, two shards) ask
//! one real Unbound, started here on loopback with the zone server as its only upstream
//! (`forward-zone "."`). The first process's questions reach the zone server; the second's are
//! answered from Unbound's cache, so the zone server sees (almost) none of them. Each process
//! also reports what its own cache answered (`stats` of the batch summary: `dns_cache_hits`).

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailwhy_tests::workspace;

/// Unbound on `127.0.0.1:port`, killed when dropped.
pub(crate) struct Unbound(Child);

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Unbound in `dir` (which the `unbound` user can read) forwarding every name to
/// `upstream`, and waits until it answers; its port.
pub(crate) fn start_unbound(
    dir: &std::path::Path,
    upstream: std::net::SocketAddr,
) -> (Unbound, u16) {
    let bin = ["/usr/sbin/unbound", "/usr/bin/unbound"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("needs unbound (apt package unbound)");
    let port = free_udp_port();
    // As root, Unbound drops to its own system user (the Debian package creates `unbound`);
    // otherwise it stays the user running the test.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let user = if root { "unbound" } else { "" };
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  do-tcp: yes\n  \
             access-control: 127.0.0.0/8 allow\n  username: \"{user}\"\n  chroot: \"\"\n  \
             directory: \"{dir}\"\n  pidfile: \"\"\n  use-syslog: no\n  logfile: \"\"\n  \
             verbosity: 0\n  do-not-query-localhost: no\n  module-config: \"iterator\"\n  \
             qname-minimisation: no\n  num-threads: 1\n  \
             val-log-level: 0\nremote-control:\n  control-enable: no\n\
             forward-zone:\n  name: \".\"\n  forward-addr: {ip}@{uport}\n",
            dir = dir.display(),
            ip = upstream.ip(),
            uport = upstream.port(),
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .args(["-d", "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start unbound");
    let ub = Unbound(child);
    // Ready when it answers a question.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .args([
                "--nameserver",
                &format!("127.0.0.1:{port}"),
                "--timeout",
                "0.3",
            ])
            .args(["dns", "ready.invalid"])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        if o.status.code() != Some(2) && !out.contains("timeout") && !out.contains("timed out") {
            break;
        }
        assert!(Instant::now() < deadline, "unbound did not start: {out}");
        std::thread::sleep(Duration::from_millis(100));
    }
    (ub, port)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs unbound (apt unbound)"]
async fn a_second_process_is_answered_from_the_shared_resolver_cache() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let zones = mailwhy_tests::zone_server(&workspace().join("fixtures/demo/zones")).await;
    let (ub, port) = {
        let d = dir.path().to_path_buf();
        let up = zones.addr();
        tokio::task::spawn_blocking(move || start_unbound(&d, up))
            .await
            .unwrap()
    };
    let users = dir.path().join("users.csv");
    std::fs::copy(workspace().join("fixtures/demo/users.csv"), &users).unwrap();
    let run_batch = |name: &str| {
        let out = dir.path().join(format!("{name}.jsonl"));
        let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
            .current_dir(workspace())
            .args(["-q", "--nameserver", &format!("127.0.0.1:{port}")])
            .args(["--format", "json", "batch"])
            .arg(&users)
            .args(["--now", "2026-11-23T12:00:00Z", "--output"])
            .arg(&out)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
        v
    };
    let before = zones.queries_received();
    let first = tokio::task::block_in_place(|| run_batch("first"));
    let after_first = zones.queries_received();
    let second = tokio::task::block_in_place(|| run_batch("second"));
    let after_second = zones.queries_received();
    drop(ub);
    let upstream_first = after_first - before;
    let upstream_second = after_second - after_first;
    let sent_second = second["dns_queries"].as_u64().unwrap();
    assert!(
        upstream_first > 10,
        "the first run reached the zone server: {upstream_first}"
    );
    assert!(
        sent_second >= 10,
        "the second process sent its own questions: {sent_second}"
    );
    // Each process has a cold cache of its own and sends its questions; the shared resolver
    // answers the second one's from its cache. (A few may still go upstream: names whose
    // NXDOMAIN Unbound keeps shorter, or the resolver check's random name.)
    assert!(
        upstream_second * 5 <= upstream_first,
        "the shared cache answered the second process: {upstream_second} upstream against {upstream_first} ({first} / {second})"
    );
    assert!(first["dns_cache_hits"].as_u64().unwrap() > 0, "{first}");
    eprintln!(
        "first process: {} sent, {} from its own cache, {upstream_first} reached the zone server; second: {sent_second} sent, {} from its own cache, {upstream_second} reached the zone server",
        first["dns_queries"], first["dns_cache_hits"], second["dns_cache_hits"]
    );
}
