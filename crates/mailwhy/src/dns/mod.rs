//! The DNS layer: one resolver for every check, with explicit outcomes, a shared cache with
//! single-flight, a query counter and log, timeouts and an overall deadline.
//!
//! Checks never talk to hickory directly. They ask [`Dns::query`] and get an [`Answer`] whose
//! [`Outcome`] keeps every kind of failure apart (`NxDomain` is a fact about the world, `Timeout`
//! is a fact about our view of it), so that a check can say "inconclusive" instead of guessing.
//! Two checks asking the same question at the same time send one query; answers are kept for their
//! TTL.
//!
//! The files: `answer.rs` (the record model), `name.rs` (name validation and presentation form),
//! `cache.rs` (keys, single-flight, eviction) and `resolver.rs` ([`Dns`] and the hickory side).
//! The zone-file server behind `--dns-zones` (`server`) and the master-file reader it loads
//! (`zonefile`) are built only with the `zone-server` feature: a program that embeds the checks
//! does not need hickory-server. [`Resolving`] starts the layer, and the zone server when one is
//! asked for. This module depends on nothing else in the crate.

mod answer;
mod cache;
mod name;
mod resolver;
#[cfg(feature = "zone-server")]
pub mod server;
#[cfg(feature = "zone-server")]
pub mod zonefile;

use std::path::Path;

pub use hickory_resolver::proto::rr::RecordType;

pub use answer::{Answer, Data, Outcome, Rec};
pub use name::{host_name, normalize_name, InvalidName};
pub(crate) use resolver::QueryCounter;
pub use resolver::{Dns, DnsConfig, ExpiryWatch, QueryLogEntry, ResolverSetupError, Upstream};

/// A ready DNS layer together with the zone server it may resolve from (for `--dns-zones`).
/// Keep it alive for as long as the layer is used: dropping it stops the zone server.
#[derive(Debug)]
pub struct Resolving {
    /// The DNS layer.
    pub dns: Dns,
    /// The loopback zone server, when zones are served.
    #[cfg(feature = "zone-server")]
    pub zone_server: Option<server::ZoneServer>,
}

/// Why [`Resolving::start`] could not set up the DNS layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The resolver could not be set up.
    #[error(transparent)]
    Resolver(#[from] ResolverSetupError),
    /// The zone server could not start (a zone file that does not parse, no port on loopback).
    #[cfg(feature = "zone-server")]
    #[error(transparent)]
    ZoneServer(#[from] server::ZoneServerError),
    /// Zone files were given, but this build has no zone server (the `zone-server` feature is
    /// off).
    #[error("{dir}: cannot serve zone files: mailwhy was built without the zone-server feature")]
    ZoneServerNotBuilt {
        /// The zone directory given.
        dir: String,
    },
}

impl Resolving {
    /// Sets up the layer: with `zones_dir`, a loopback zone server from its `*.zone` files is
    /// started and is the only upstream (any `config.upstream` is ignored).
    pub async fn start(
        config: &DnsConfig,
        zones_dir: Option<&Path>,
    ) -> Result<Resolving, StartError> {
        match zones_dir {
            Some(dir) => Resolving::serve(config, dir).await,
            None => Ok(Resolving {
                dns: Dns::new(config)?,
                #[cfg(feature = "zone-server")]
                zone_server: None,
            }),
        }
    }

    #[cfg(feature = "zone-server")]
    async fn serve(config: &DnsConfig, dir: &Path) -> Result<Resolving, StartError> {
        let s = server::ZoneServer::start_dir(dir).await?;
        let config = DnsConfig {
            upstream: Upstream::Servers(vec![s.addr()]),
            ..config.clone()
        };
        Ok(Resolving {
            dns: Dns::closed_world(&config)?,
            zone_server: Some(s),
        })
    }

    #[cfg(not(feature = "zone-server"))]
    async fn serve(_config: &DnsConfig, dir: &Path) -> Result<Resolving, StartError> {
        Err(StartError::ZoneServerNotBuilt {
            dir: dir.display().to_string(),
        })
    }
}

#[cfg(all(test, not(feature = "zone-server")))]
mod tests {
    use super::*;

    /// Guards the build without the zone server: zone files are refused with an error that
    /// names the feature, never silently resolved from the system's resolver instead.
    #[tokio::test]
    async fn zones_are_refused_without_the_zone_server() {
        let err = Resolving::start(&DnsConfig::default(), Some(Path::new("zones")))
            .await
            .expect_err("refused");
        assert!(matches!(err, StartError::ZoneServerNotBuilt { .. }));
        assert!(err.to_string().contains("zone-server feature"), "{err}");
    }
}
