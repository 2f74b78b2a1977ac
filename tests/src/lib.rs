//! Test support for mailwhy's end-to-end tests: the zone server for a fixtures directory, a fault
//! responder that misbehaves on purpose over the real network path, and helpers to run the real
//! `mailwhy` binary.

pub mod dovecot;
pub mod https;
pub mod postfix;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{RData, Record};
use mailwhy::dns::server::ZoneServer;
use mailwhy::dns::{Dns, DnsConfig, Upstream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    workspace().join("fixtures").join(rel)
}

/// `../shared` beside the workspace (the design and its conformance data), if present.
///
/// Under `CI=true` its absence is a failure: CI always has `../shared`. Elsewhere (a clone on its
/// own) the caller returns early, and this prints a note naming the test that did not run. The
/// note goes straight to the process's stderr rather than through `eprintln!`, which the test
/// harness captures and throws away for a passing test: the skip is seen in `cargo test`'s
/// output, not hidden behind an "ok". (These tests are not `#[ignore]`d like the Dovecot and
/// browser tests: `../shared` is data beside the checkout, not a program to install, and a
/// developer who has it should run them with every `cargo test`.)
pub fn shared() -> Option<PathBuf> {
    let p = workspace().join("..").join("shared");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").map(|v| v != "true").unwrap_or(true),
        "../shared ({}) is missing, and CI=true requires it",
        p.display()
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "note: {test} did NOT run (it reads {}, which is absent); reported as passed",
        p.display()
    );
    None
}

/// Starts the zone server on `fixtures/zones` (or `dir`) at `127.0.0.1:0`.
pub async fn zone_server(dir: &Path) -> ZoneServer {
    ZoneServer::start_dir(dir)
        .await
        .expect("zone server starts")
}

/// A DNS layer that asks only `addr`, with a short timeout. Its answers are the whole world, as
/// under `--dns-zones` (`Dns::closed_world`): a zone server's NXDOMAIN for gmail.com is by
/// design, so no resolver check runs (the CLI tests check that one through `--nameserver`).
pub fn dns_for(addr: SocketAddr) -> Dns {
    Dns::closed_world(&DnsConfig {
        upstream: Upstream::Servers(vec![addr]),
        query_timeout: std::time::Duration::from_millis(700),
        retries: 0,
        overall_timeout: Some(std::time::Duration::from_secs(20)),
    })
    .expect("dns layer")
}

/// How the fault responder misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers SERVFAIL.
    ServFail,
    /// Answers REFUSED.
    Refused,
    /// Never answers.
    Silent,
    /// Answers over UDP with the TC bit and no records; over TCP with `A 192.0.2.1`.
    Truncate,
    /// Answers over UDP with the TC bit and no records, and refuses TCP connections (the port
    /// is bound but not listening, so a connect gets a reset): the retry the TC bit asks for
    /// fails.
    TruncateTcpRefused,
    /// Answers with bytes that are not a DNS message (the query's id, then junk), over UDP and
    /// TCP.
    Garbage,
    /// Answers with a well-formed `A 192.0.2.1` whose message id is not the query's: a client
    /// must ignore it (RFC 5452 §4.3) and time out, never take the records.
    WrongId,
    /// Answers NXDOMAIN for every name: a captive, filtering or offline resolver, whose "does
    /// not exist" must not be believed.
    NxDomain,
    /// Answers every A question, whatever the name, with `A 198.51.100.7`, and every other
    /// type with no data: a resolver that rewrites unknown names to its own address.
    SameAddress,
}

/// A DNS responder on loopback (UDP and TCP on one port) that answers every question with a
/// fault; it counts what it receives per transport.
pub struct FaultResponder {
    addr: SocketAddr,
    udp: Arc<AtomicU64>,
    tcp: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FaultResponder {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What [`Fault::Garbage`] sends after the query's id: not a DNS header nor anything that parses.
const GARBAGE: &[u8] = b"\xff\xff\xff\xffnot a DNS message\x00\x01";

fn answer(fault: Fault, query: &Message, over_tcp: bool) -> Option<Vec<u8>> {
    if fault == Fault::Garbage {
        let mut out = query.metadata.id.to_be_bytes().to_vec();
        out.extend_from_slice(GARBAGE);
        return Some(out);
    }
    let id = match fault {
        Fault::WrongId => query.metadata.id.wrapping_add(1),
        _ => query.metadata.id,
    };
    let mut m = Message::response(id, query.metadata.op_code);
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.add_queries(query.queries.clone());
    match fault {
        Fault::Silent => return None,
        Fault::ServFail => m.metadata.response_code = ResponseCode::ServFail,
        Fault::Refused => m.metadata.response_code = ResponseCode::Refused,
        Fault::NxDomain => m.metadata.response_code = ResponseCode::NXDomain,
        Fault::SameAddress => {
            let q = query.queries.first()?;
            if q.query_type() == RecordType::A {
                let name = q.name().clone();
                m.add_answer(Record::from_rdata(
                    name,
                    60,
                    RData::A(A::new(198, 51, 100, 7)),
                ));
            }
        }
        Fault::Truncate | Fault::TruncateTcpRefused if !over_tcp => m.metadata.truncation = true,
        Fault::Truncate | Fault::WrongId => {
            let name = query.queries.first()?.name().clone();
            m.add_answer(Record::from_rdata(name, 60, RData::A(A::new(192, 0, 2, 1))));
        }
        // Never reached over TCP: the port refuses connections.
        Fault::TruncateTcpRefused => return None,
        Fault::Garbage => unreachable!("answered above"),
    }
    m.to_vec().ok()
}

/// The TCP side of a [`FaultResponder`].
enum Tcp {
    Listening(TcpListener),
    /// Bound, not listening: connections are refused.
    Refusing(tokio::net::TcpSocket),
}

impl FaultResponder {
    /// Starts a responder with `fault` on `127.0.0.1:0`.
    pub async fn start(fault: Fault) -> FaultResponder {
        // UDP and TCP on the same port number: the TCP port may be taken by another test's
        // connection, so try a few UDP ports until both bind.
        // For `TruncateTcpRefused` the TCP port is bound but never listens: connecting to it
        // is refused, and no other program can take the port meanwhile.
        let mut tries = 0;
        let (udp_sock, tcp_side, addr) = loop {
            let udp_sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
            let addr = udp_sock.local_addr().expect("addr");
            let bound = if fault == Fault::TruncateTcpRefused {
                tokio::net::TcpSocket::new_v4()
                    .and_then(|s| s.bind(addr).map(|()| s))
                    .map(Tcp::Refusing)
            } else {
                TcpListener::bind(addr).await.map(Tcp::Listening)
            };
            match bound {
                Ok(t) => break (udp_sock, t, addr),
                Err(e) => {
                    tries += 1;
                    assert!(tries < 100, "no port free for both UDP and TCP: {e}");
                }
            }
        };
        let udp = Arc::new(AtomicU64::new(0));
        let tcp = Arc::new(AtomicU64::new(0));
        let (u, t) = (udp.clone(), tcp.clone());
        let udp_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            // Bounded: the test that started it drops it when done.
            while let Ok((n, peer)) = udp_sock.recv_from(&mut buf).await {
                u.fetch_add(1, Ordering::Relaxed);
                if let Ok(q) = Message::from_vec(&buf[..n]) {
                    if let Some(resp) = answer(fault, &q, false) {
                        let _ = udp_sock.send_to(&resp, peer).await;
                    }
                }
            }
        });
        let tcp_listener = match tcp_side {
            Tcp::Listening(l) => l,
            Tcp::Refusing(socket) => {
                // Kept alive (and the port with it) until the responder is dropped.
                let hold = tokio::spawn(async move {
                    let _socket = socket;
                    std::future::pending::<()>().await
                });
                return FaultResponder {
                    addr,
                    udp,
                    tcp,
                    tasks: vec![udp_task, hold],
                };
            }
        };
        let tcp_task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = tcp_listener.accept().await {
                let t = t.clone();
                tokio::spawn(async move {
                    loop {
                        let mut len = [0u8; 2];
                        if stream.read_exact(&mut len).await.is_err() {
                            return;
                        }
                        let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
                        if stream.read_exact(&mut buf).await.is_err() {
                            return;
                        }
                        t.fetch_add(1, Ordering::Relaxed);
                        let Ok(q) = Message::from_vec(&buf) else {
                            return;
                        };
                        if let Some(resp) = answer(fault, &q, true) {
                            let mut framed = (resp.len() as u16).to_be_bytes().to_vec();
                            framed.extend_from_slice(&resp);
                            if stream.write_all(&framed).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        FaultResponder {
            addr,
            udp,
            tcp,
            tasks: vec![udp_task, tcp_task],
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queries received over UDP.
    pub fn udp_queries(&self) -> u64 {
        self.udp.load(Ordering::Relaxed)
    }

    /// Queries received over TCP.
    pub fn tcp_queries(&self) -> u64 {
        self.tcp.load(Ordering::Relaxed)
    }
}

/// A DNS forwarder on loopback (UDP and TCP on one port) that passes every question to
/// `upstream` (usually a [`ZoneServer`]) except those its rule says to ignore, which it never
/// answers: the client sees a real timeout on the real network path for just those names.
pub struct SilencingProxy {
    addr: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for SilencingProxy {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The record type a [`SilenceRule`] is given (hickory's), for tests without their own hickory.
pub use hickory_proto::rr::RecordType;

/// Decides which questions the [`SilencingProxy`] leaves unanswered: `(name, type)` with the
/// name lowercase and without the trailing dot.
pub type SilenceRule = Arc<dyn Fn(&str, hickory_proto::rr::RecordType) -> bool + Send + Sync>;

/// The fault [`SilencingProxy::start_faulting`] answers a matched question with, as bytes to send
/// (`None`: nothing, silence).
fn fault_reply(fault: Fault, query: &[u8], over_tcp: bool) -> Option<Vec<u8>> {
    if fault == Fault::Silent {
        return None;
    }
    answer(fault, &Message::from_vec(query).ok()?, over_tcp)
}

fn silenced(rule: &SilenceRule, query: &[u8]) -> bool {
    let Ok(m) = Message::from_vec(query) else {
        return false;
    };
    m.queries.iter().any(|q| {
        let name = q.name().to_ascii().to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name).to_string();
        rule(&name, q.query_type())
    })
}

impl SilencingProxy {
    /// Starts a proxy to `upstream` on `127.0.0.1:0`.
    pub async fn start(upstream: SocketAddr, rule: SilenceRule) -> SilencingProxy {
        SilencingProxy::start_faulting(upstream, rule, Fault::Silent).await
    }

    /// Starts a proxy to `upstream` on `127.0.0.1:0` that answers the questions `rule` matches
    /// with `fault` (e.g. SERVFAIL for one name) instead of leaving them unanswered.
    pub async fn start_faulting(
        upstream: SocketAddr,
        rule: SilenceRule,
        fault: Fault,
    ) -> SilencingProxy {
        // The UDP port the system picks may be taken for TCP by another test: pick again.
        let mut attempt = 0;
        let (udp_sock, addr, tcp_listener) = loop {
            let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
            let addr = udp.local_addr().expect("addr");
            match TcpListener::bind(addr).await {
                Ok(tcp) => break (Arc::new(udp), addr, tcp),
                Err(_) if attempt < 20 => attempt += 1,
                Err(e) => panic!("no loopback port free for both UDP and TCP: {e}"),
            }
        };
        let r = rule.clone();
        let udp_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 65535];
            while let Ok((n, peer)) = udp_sock.recv_from(&mut buf).await {
                let query = buf[..n].to_vec();
                if silenced(&r, &query) {
                    if let Some(reply) = fault_reply(fault, &query, false) {
                        let _ = udp_sock.send_to(&reply, peer).await;
                    }
                    continue;
                }
                let sock = udp_sock.clone();
                tokio::spawn(async move {
                    let Ok(out) = UdpSocket::bind("127.0.0.1:0").await else {
                        return;
                    };
                    if out.send_to(&query, upstream).await.is_err() {
                        return;
                    }
                    let mut resp = vec![0u8; 65535];
                    let got = tokio::time::timeout(
                        std::time::Duration::from_secs(3),
                        out.recv_from(&mut resp),
                    )
                    .await;
                    if let Ok(Ok((m, _))) = got {
                        let _ = sock.send_to(&resp[..m], peer).await;
                    }
                });
            }
        });
        let tcp_task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = tcp_listener.accept().await {
                let rule = rule.clone();
                tokio::spawn(async move {
                    loop {
                        let mut len = [0u8; 2];
                        if stream.read_exact(&mut len).await.is_err() {
                            return;
                        }
                        let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
                        if stream.read_exact(&mut buf).await.is_err() {
                            return;
                        }
                        if silenced(&rule, &buf) {
                            if let Some(reply) = fault_reply(fault, &buf, true) {
                                let mut out = (reply.len() as u16).to_be_bytes().to_vec();
                                out.extend_from_slice(&reply);
                                if stream.write_all(&out).await.is_err() {
                                    return;
                                }
                            }
                            continue;
                        }
                        let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else {
                            return;
                        };
                        let mut framed = len.to_vec();
                        framed.extend_from_slice(&buf);
                        if up.write_all(&framed).await.is_err() {
                            return;
                        }
                        let mut rlen = [0u8; 2];
                        if up.read_exact(&mut rlen).await.is_err() {
                            return;
                        }
                        let mut resp = vec![0u8; u16::from_be_bytes(rlen) as usize];
                        if up.read_exact(&mut resp).await.is_err() {
                            return;
                        }
                        let mut out = rlen.to_vec();
                        out.extend_from_slice(&resp);
                        if stream.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        SilencingProxy {
            addr,
            tasks: vec![udp_task, tcp_task],
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
