//! Replicas (issue #23): two `mailwhy serve` processes on two ports, no load balancer, sharing
//! only an SQLite event store and one real Unbound (started here on loopback, forwarding to the
//! zone server that holds the demo's zones). Every ticket of `fixtures/tickets` that runs on the
//! demo's DNS is posted to both: the reports must be the same apart from timing, and the second
//! replica's questions, which it sends to Unbound itself (its own cache is cold), must be
//! answered from Unbound's cache rather than by the zone server. (Unbound rotates the records
//! of an RRset; reports list them in one order, `dns::answer::canonical_order`, or the MX
//! addresses of a replica's report would differ from the other's.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use mailwhy_tests::workspace;
use serde::Deserialize;
use serde_json::Value;

use crate::shared_resolver::start_unbound;
use crate::support::Server;

/// The part of `ticket.toml` this test needs; the other keys are `tickets.rs`'s.
#[derive(Debug, Deserialize)]
struct Ticket {
    address: String,
    now: String,
    config: Option<String>,
    directory: Option<String>,
    sender: Option<String>,
    allowlist: Option<String>,
    dns_zones: Option<String>,
    nameserver_fault: Option<String>,
    https_root: Option<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    reports: Vec<String>,
}

/// `v` without its timing fields (`duration_ms`, wherever they are). Unlike
/// `support::untimed`, `stats.resolvers` stays: both replicas must name the same resolver.
fn untimed(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("duration_ms");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs unbound (apt unbound)"]
async fn two_replicas_on_one_store_and_one_resolver_give_the_same_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let demo = workspace().join("fixtures/demo");
    let zones = mailwhy_tests::zone_server(&demo.join("zones")).await;
    let (unbound, port) = {
        let d = dir.path().to_path_buf();
        let up = zones.addr();
        tokio::task::spawn_blocking(move || start_unbound(&d, up))
            .await
            .unwrap()
    };
    let nameserver = format!("127.0.0.1:{port}");

    // The shared store: Kenji's SendGrid suppression, read by both replicas for every ticket
    // that brings no events of its own.
    let db = dir.path().join("events.db");
    let store = format!("sqlite:{}", db.display());
    let o = Command::new(env!("CARGO_BIN_EXE_mailwhy"))
        .args(["events", "import", "--store", &store])
        .arg(workspace().join("fixtures/tickets/events-suppressed-sendgrid/events.jsonl"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The tickets on the demo's DNS (not those with zones, a failing nameserver or an HTTPS
    // server of their own), grouped by the server's inputs: one pair of replicas per group.
    let config = demo.join("mailwhy.toml");
    let mut groups: BTreeMap<Vec<String>, Vec<(String, Value)>> = BTreeMap::new();
    let root = workspace().join("fixtures/tickets");
    for e in std::fs::read_dir(&root).unwrap() {
        let tdir: PathBuf = e.unwrap().path();
        let Ok(text) = std::fs::read_to_string(tdir.join("ticket.toml")) else {
            continue;
        };
        let name = tdir.file_name().unwrap().to_string_lossy().into_owned();
        let t: Ticket = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let on_demo = t
            .config
            .as_ref()
            .is_some_and(|c| same_file(&tdir.join(c), &config));
        if !on_demo
            || t.dns_zones.is_some()
            || t.nameserver_fault.is_some()
            || t.https_root.is_some()
            || t.messages.len() > 1
        {
            continue;
        }
        let read = |p: &String| std::fs::read_to_string(tdir.join(p)).unwrap();
        let mut inputs = Vec::new();
        for (flag, v) in [
            ("--directory", &t.directory),
            ("--sender", &t.sender),
            ("--allowlist", &t.allowlist),
        ] {
            if let Some(v) = v {
                // Canonical, so that tickets naming one file from different folders share
                // their pair of replicas.
                let file = tdir.join(v).canonicalize().unwrap();
                inputs.extend([flag.to_string(), file.display().to_string()]);
            }
        }
        let body = serde_json::json!({
            "email": t.address,
            "now": t.now,
            "message": t.messages.first().map(read),
            "events": t.events.iter().map(read).collect::<Vec<_>>(),
            "reports": t.reports.iter().map(read).collect::<Vec<_>>(),
        });
        groups.entry(inputs).or_default().push((name, body));
    }
    let tickets: usize = groups.values().map(Vec::len).sum();
    let pairs = groups.len();
    assert!(
        tickets >= 40,
        "at least 40 tickets on the demo's DNS: {tickets}"
    );

    let global = [
        "--config",
        config.to_str().unwrap(),
        "--nameserver",
        &nameserver,
    ];
    let run = |groups: BTreeMap<Vec<String>, Vec<(String, Value)>>| {
        let mut first = BTreeMap::new();
        let mut second = BTreeMap::new();
        let mut sent = [0u64; 2];
        let mut hits = [0u64; 2];
        let mut upstream = [0u64; 2];
        for (inputs, tickets) in &groups {
            let mut serve: Vec<&str> = inputs.iter().map(String::as_str).collect();
            serve.extend(["--store", &store]);
            // Both replicas run side by side; the first answers every ticket of the group,
            // then the second.
            let replicas = [
                Server::start(&global, &serve),
                Server::start(&global, &serve),
            ];
            for (i, (replica, out)) in replicas.iter().zip([&mut first, &mut second]).enumerate() {
                let before = zones.queries_received();
                for (name, body) in tickets {
                    let (status, report) = replica.request(
                        "POST",
                        "/v1/diagnose",
                        "application/json",
                        body.to_string().as_bytes(),
                    );
                    assert_eq!(status, 200, "{name} on replica {}: {report}", i + 1);
                    out.insert(name.clone(), report);
                }
                upstream[i] += zones.queries_received() - before;
                let m = replica.get_text("/metrics");
                sent[i] += metric(&m, "mailwhy_dns_queries_sent_total");
                hits[i] += metric(&m, "mailwhy_dns_cache_hits_total");
            }
        }
        (first, second, sent, hits, upstream)
    };
    let (first, second, sent, hits, upstream) = tokio::task::block_in_place(|| run(groups));
    drop(unbound);

    let mut differ = Vec::new();
    for (name, a) in &first {
        let b = &second[name];
        if untimed(a.clone()) != untimed(b.clone()) {
            differ.push(format!("{name}:\n  first:  {a}\n  second: {b}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // The shared store was read: Kenji's suppression reaches the tickets without events.
    let from_store = first
        .values()
        .filter(|r| {
            r["findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["id"] == "delivery.suppressed"))
        })
        .count();
    assert!(
        from_store > 1,
        "the store's suppression reached more than the ticket that brings it: {from_store}"
    );
    eprintln!(
        "{tickets} tickets, {pairs} pairs of replicas; first replicas: {} sent to Unbound, {} from their own caches, {} \
         reached the zone server; second replicas: {} sent to Unbound, {} from their own caches, \
         {} reached the zone server",
        sent[0], hits[0], upstream[0], sent[1], hits[1], upstream[1]
    );
    assert!(
        upstream[0] > 10,
        "the first replicas reached the zone server: {upstream:?}"
    );
    // Each replica's cache is its own: the second sends as many questions as the first ...
    assert_eq!(
        sent[1], sent[0],
        "the second replicas sent their own questions"
    );
    // ... and Unbound answers them from its cache (a few may still go upstream: the resolver
    // check's random name, and answers whose TTL ran out between the two replicas).
    assert!(
        upstream[1] * 10 <= upstream[0],
        "the shared cache answered the second replicas: {upstream:?}"
    );
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
