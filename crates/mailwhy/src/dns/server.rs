//! The authoritative zone server behind `--dns-zones`: hickory-server on loopback, serving the
//! zones it is given and answering NXDOMAIN for every name outside them.
//!
//! Used by the CLI to reproduce a ticket offline or try a planned DNS change before publishing
//! it, and by every test. It counts the queries it receives so tests can prove single-flight.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::net::runtime::Time;
use hickory_resolver::proto::rr::rdata::SOA;
use hickory_resolver::proto::rr::{LowerName, Name, RData, Record, RecordSet, RecordType, RrKey};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use hickory_server::Server;
use tokio::net::{TcpListener, UdpSocket};

use super::zonefile::{Zone, ZoneError};

/// Why the zone server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneServerError {
    /// A zone file did not parse.
    #[error(transparent)]
    Zone(#[from] ZoneError),
    /// The zone directory could not be listed.
    #[error("{dir}: cannot read the zone directory: {source}")]
    Dir {
        /// The directory.
        dir: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory holds no `*.zone` file.
    #[error("{0}: no *.zone file in this directory")]
    NoZones(String),
    /// A zone could not be loaded into the server.
    #[error("zone {origin}: {message}")]
    Load {
        /// The zone's origin.
        origin: String,
        /// What went wrong.
        message: String,
    },
    /// The loopback sockets could not be bound.
    #[error("cannot bind the zone server on loopback: {0}")]
    Bind(std::io::Error),
}

/// A running zone server; it stops when dropped.
#[derive(Debug)]
pub struct ZoneServer {
    addr: SocketAddr,
    received: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ZoneServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ZoneServer {
    /// Serves every `*.zone` file in `dir` on `127.0.0.1:0` (UDP and TCP on the same port).
    pub async fn start_dir(dir: &Path) -> Result<ZoneServer, ZoneServerError> {
        let d = dir.display().to_string();
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|source| ZoneServerError::Dir {
                dir: d.clone(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "zone"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(ZoneServerError::NoZones(d));
        }
        let zones = paths
            .iter()
            .map(|p| Zone::from_file(p))
            .collect::<Result<Vec<_>, _>>()?;
        ZoneServer::start(zones, "127.0.0.1:0".parse().expect("loopback")).await
    }

    /// Serves `zones` on `bind` (use port 0 for any free port). Names outside every zone get
    /// NXDOMAIN from a synthetic root zone, unless a root zone is among `zones`.
    pub async fn start(zones: Vec<Zone>, bind: SocketAddr) -> Result<ZoneServer, ZoneServerError> {
        let mut catalog = Catalog::new();
        let has_root = zones.iter().any(|z| z.origin.is_root());
        let mut all = zones;
        if !has_root {
            all.push(Zone {
                origin: Name::root(),
                records: vec![],
            });
        }
        // Zones with the same origin (two files for one zone) are merged.
        let mut merged: BTreeMap<Name, Vec<Record>> = BTreeMap::new();
        for z in all {
            merged
                .entry(z.origin.clone())
                .or_default()
                .extend(z.records);
        }
        for (origin, records) in merged {
            let handler = build_handler(&origin, records)?;
            catalog.upsert(
                LowerName::new(&origin),
                vec![Arc::new(handler) as Arc<dyn ZoneHandler>],
            );
        }
        // UDP and TCP share the port number; with port 0 the TCP side of the port UDP got may be
        // taken, so a few ports are tried.
        let mut tries = 0;
        let (udp, tcp, addr) = loop {
            let udp = UdpSocket::bind(bind).await.map_err(ZoneServerError::Bind)?;
            let addr = udp.local_addr().map_err(ZoneServerError::Bind)?;
            match TcpListener::bind(addr).await {
                Ok(tcp) => break (udp, tcp, addr),
                Err(_) if bind.port() == 0 && tries < 100 => tries += 1,
                Err(e) => return Err(ZoneServerError::Bind(e)),
            }
        };
        let received = Arc::new(AtomicU64::new(0));
        let mut server = Server::new(Counting {
            inner: catalog,
            received: received.clone(),
        });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64);
        let task = tokio::spawn(async move {
            let _ = server.block_until_done().await;
        });
        Ok(ZoneServer {
            addr,
            received,
            task,
        })
    }

    /// The address the server listens on (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many queries the server has received.
    pub fn queries_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

fn build_handler(
    origin: &Name,
    records: Vec<Record>,
) -> Result<InMemoryZoneHandler, ZoneServerError> {
    let load_err = |message: String| ZoneServerError::Load {
        origin: origin.to_ascii(),
        message,
    };
    let mut map: BTreeMap<RrKey, RecordSet> = BTreeMap::new();
    let has_soa = records
        .iter()
        .any(|r| r.record_type() == RecordType::SOA && &r.name == origin);
    let mut all = records;
    if !has_soa {
        // Admins' zone snippets often lack a SOA; the server needs one for negative answers.
        let soa = SOA::new(
            Name::from_ascii("ns.invalid.").expect("static name"),
            Name::from_ascii("hostmaster.invalid.").expect("static name"),
            1,
            3600,
            600,
            86_400,
            60,
        );
        all.insert(0, Record::from_rdata(origin.clone(), 60, RData::SOA(soa)));
    }
    for r in all {
        if !origin.zone_of(&r.name) {
            return Err(load_err(format!(
                "the record for {} lies outside the zone",
                r.name
            )));
        }
        let key = RrKey::new(LowerName::new(&r.name), r.record_type());
        let set = map
            .entry(key)
            .or_insert_with(|| RecordSet::new(r.name.clone(), r.record_type(), 0));
        set.insert(r, 0);
    }
    InMemoryZoneHandler::new(origin.clone(), map, ZoneType::Primary, AxfrPolicy::Deny)
        .map_err(load_err)
}

struct Counting {
    inner: Catalog,
    received: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl RequestHandler for Counting {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        self.received.fetch_add(1, Ordering::Relaxed);
        self.inner
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}
