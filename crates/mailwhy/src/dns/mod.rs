//! The DNS layer: one resolver for every check, with explicit outcomes, a shared cache with
//! single-flight, a query counter and log, timeouts and an overall deadline.
//!
//! Checks never talk to hickory directly. They ask [`Dns::query`] and get an [`Answer`] whose
//! [`Outcome`] keeps every kind of failure apart (`NxDomain` is a fact about the world, `Timeout`
//! is a fact about our view of it), so that a check can say "inconclusive" instead of guessing.
//! Two checks asking the same question at the same time send one query; answers are kept for their
//! TTL. The zone-file server behind `--dns-zones` lives in [`server`], the master-file parser in
//! [`zonefile`].

mod answer;
mod cache;
mod name;
mod resolver;
pub mod server;
pub mod zonefile;

pub use hickory_resolver::proto::rr::RecordType;

pub use answer::{Answer, Data, Outcome, Rec};
pub use name::{normalize_name, InvalidName};
pub use resolver::{Dns, DnsConfig, ExpiryWatch, QueryLogEntry, ResolverSetupError, Upstream};

/// A ready DNS layer together with the zone server it may resolve from (for `--dns-zones`).
/// Keep it alive for as long as the layer is used: dropping it stops the zone server.
pub struct Resolving {
    /// The DNS layer.
    pub dns: Dns,
    /// The loopback zone server, when zones are served.
    pub zone_server: Option<server::ZoneServer>,
}

impl Resolving {
    /// Sets up the layer: with `zones_dir`, a loopback zone server from its `*.zone` files is
    /// started and is the only upstream (any `config.upstream` is ignored).
    pub async fn start(
        config: &DnsConfig,
        zones_dir: Option<&std::path::Path>,
    ) -> Result<Resolving, crate::Error> {
        let mut config = config.clone();
        let zone_server = match zones_dir {
            Some(dir) => {
                let s = server::ZoneServer::start_dir(dir).await?;
                config.upstream = Upstream::Servers(vec![s.addr()]);
                Some(s)
            }
            None => None,
        };
        Ok(Resolving {
            dns: Dns::new(&config)?,
            zone_server,
        })
    }
}
