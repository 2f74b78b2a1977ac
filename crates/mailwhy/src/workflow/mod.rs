//! One function per command: what `mailwhy <command>` and the matching HTTP endpoint both run.
//!
//! A workflow takes a typed request, decides which checks run and in what order, passes typed
//! facts from one check to the next (the recipient's mail provider from the address check to the
//! allowlist audit, say), and returns a [`Report`] or a typed answer that serializes. The front
//! ends only parse their input (flags, a JSON body), call the workflow and render or serialize
//! what it returns: no finding is made and no report is assembled in them, so the command line
//! and the server cannot drift apart. The checks themselves stay in the module that owns the
//! concern ([`crate::address`], [`crate::spf`], [`crate::allowlist`] ...).
//!
//! Each workflow counts its own DNS queries and its own time in one place (`Run`): a report's
//! `stats.dns_queries` is what that report asked for, even when a server answers many requests
//! over one shared cache at once.

mod address;
mod allowlist;
mod auth;
mod batch;
mod blocklist;
mod bounce;
mod diagnose;
mod dns;
mod events;
mod message;
mod pop3;
mod reports;
mod shard;
mod spf;
mod transport;

use std::time::Instant;

use crate::check::Context;
use crate::dns::QueryCounter;
use crate::report::{Report, Stats};

pub use address::{address, AddressRequest};
pub use allowlist::{
    allowlist_audit, allowlist_lookup, AllowlistAuditRequest, AllowlistLookupRequest, EntryResult,
    LookupAnswer,
};
pub use auth::{auth, AuthRequest};
pub use batch::{batch, batch_sharded, render_summary, Record, Summary};
pub use blocklist::{blocklist, BlocklistRequest};
pub use bounce::{bounce, BounceFile, BounceRequest, BounceResults};
pub use diagnose::{
    batch_row, diagnose, BatchRow, DiagnoseRequest, Diagnoser, DiagnoserBuilder, EarlierRow,
    TicketMessage,
};
pub use dns::{dns, DnsRequest};
#[cfg(feature = "store")]
pub use events::events_in_store;
pub use events::{delivery_outcome, events, EventsRequest};
pub use message::{message, MessageRequest};
pub use pop3::{pop3, Pop3Request};
pub use reports::{
    diagnose_outcome as reports_evidence, reports, ReportsRequest, TICKET_WINDOW_DAYS,
};
pub use shard::{
    fnv1a64, merge_summaries, Fnv1a64, MergeError, Shard, ShardInfo, ShardSyntax, SHARD_KEY,
};
pub use spf::{spf, SpfRequest};
pub use transport::{transport, TransportRequest};

/// One workflow run: a context whose DNS handle counts this run's queries, and the start time.
/// [`Run::finish`] writes both, and the resolvers the handle asks, into the report; nothing else sets a workflow report's `stats`.
#[derive(Debug)]
struct Run {
    ctx: Context,
    queries: QueryCounter,
    started: Instant,
}

impl Run {
    /// Starts a run over `ctx`'s DNS layer and clock.
    fn start(ctx: &Context) -> Run {
        let (dns, queries) = ctx.dns.counted();
        Run {
            ctx: Context { dns, now: ctx.now },
            queries,
            started: Instant::now(),
        }
    }

    /// The run's counters, so far.
    fn stats(&self) -> Stats {
        Stats {
            dns_queries: self.queries.get(),
            duration_ms: self.started.elapsed().as_millis() as u64,
            resolvers: self.ctx.dns.resolvers().to_vec(),
        }
    }

    /// `report` with this run's counters.
    fn finish(&self, mut report: Report) -> Report {
        report.stats = self.stats();
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards the per-report DNS count (the server used to patch in a delta of the shared
    /// layer's total): each report counts the queries its own checks sent, a warm cache counts
    /// nothing, and together they are the layer's total.
    #[tokio::test]
    #[cfg_attr(
        not(feature = "zone-server"),
        ignore = "needs the zone-server feature (cargo test --workspace enables it)"
    )]
    async fn each_report_counts_its_own_dns_queries() {
        let zones = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo/zones");
        let resolving = crate::dns::Resolving::start(
            &crate::dns::DnsConfig::default(),
            Some(std::path::Path::new(zones)),
        )
        .await
        .unwrap();
        let ctx = Context::new(resolving.dns.clone());
        let request = AddressRequest {
            addresses: vec![
                "jane.doe@acme-builders.com".into(),
                "mike.brown@northwind-bau.de".into(),
            ],
        };
        let first = address(&ctx, &request).await;
        let counts: Vec<u64> = first.iter().map(|r| r.stats.dns_queries).collect();
        assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
        assert_eq!(counts.iter().sum::<u64>(), resolving.dns.queries_sent());
        let again = address(&ctx, &request).await;
        assert!(again.iter().all(|r| r.stats.dns_queries == 0));
    }
}
