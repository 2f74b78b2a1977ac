//! `mailwhy transport` and `/v1/transport` (not yet served): the recipient domain's MTA-STS
//! policy against its MX hosts, and its TLS-RPT record.

use crate::check::Context;
use crate::report::Report;
use crate::transport::FetchOptions;

use super::Run;

/// The transport question: a domain and how to fetch its policy.
#[derive(Debug, Clone)]
pub struct TransportRequest {
    /// The recipient domain.
    pub domain: String,
    /// How the MTA-STS policy is fetched (port, time limit, trusted roots).
    pub fetch: FetchOptions,
}

/// The transport report.
pub async fn transport(ctx: &Context, request: &TransportRequest) -> Report {
    let run = Run::start(ctx);
    let report = crate::transport::report(&run.ctx, &request.domain, &request.fetch).await;
    run.finish(report)
}
