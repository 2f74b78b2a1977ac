//! `mailwhy dns`: one question through the same DNS layer every check uses (a small dig).

use crate::check::Context;
use crate::dns::RecordType;
use crate::report::Report;

use super::Run;

/// A name and a record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRequest {
    /// The name to look up.
    pub name: String,
    /// The record type.
    pub rtype: RecordType,
}

/// The answer as a report: the outcome, the records, and a finding when the lookup failed.
pub async fn dns(ctx: &Context, request: &DnsRequest) -> Report {
    let run = Run::start(ctx);
    run.finish(crate::dig::report(&run.ctx, &request.name, request.rtype).await)
}
