//! `mailwhy blocklist IP|DOMAIN...` and `/v1/blocklist`: each IP on the IP lists and each
//! domain on the domain lists, one `blocklist` check per target, return codes decoded per list.

use crate::blocklist::{self, List, Target};
use crate::check::Context;
use crate::report::{Report, Stats};

use super::Run;

/// What to look up and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlocklistRequest {
    /// IP addresses and domains.
    pub targets: Vec<Target>,
    /// The lists to query; empty means the default table's ([`List::defaults`]).
    pub lists: Vec<List>,
}

/// One report for all targets: a `blocklist` check each, and a section listing the lists asked.
pub async fn blocklist(ctx: &Context, request: &BlocklistRequest) -> Report {
    let run = Run::start(ctx);
    let lists = if request.lists.is_empty() {
        List::defaults()
    } else {
        request.lists.clone()
    };
    let checks = request
        .targets
        .iter()
        .map(|t| blocklist::check(&run.ctx, t, &lists, None));
    let outcomes = futures::future::join_all(checks).await;
    let subject = request
        .targets
        .iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let lines = lists
        .iter()
        .map(|l| {
            let terms = blocklist::data::spec(&l.zone).map_or("not in mailwhy's table: listing codes read as 127.0.0.2-254, errors as 127.255.255.x", |s| s.terms);
            format!("{} ({:?}): {terms}", l.zone, l.kind).replace("(Ip)", "(IP list)").replace("(Domain)", "(domain list)")
        })
        .collect();
    let report = Report::from_outcomes(format!("blocklist {subject}"), outcomes, Stats::default())
        .with_section("lists asked", lines);
    run.finish(report)
}
