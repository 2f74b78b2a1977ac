//! `mailwhy transport` and `POST /v1/transport`: the recipient domain's MTA-STS
//! policy against its MX hosts, and its TLS-RPT record.

use crate::check::Context;
use crate::report::Report;
use crate::transport::{FetchOptions, ProbeOptions};

use super::Run;

/// The transport question: a domain and how to fetch its policy.
#[derive(Debug, Clone)]
pub struct TransportRequest {
    /// The recipient domain.
    pub domain: String,
    /// How the MTA-STS policy is fetched (port, time limit, trusted roots).
    pub fetch: FetchOptions,
    /// The STARTTLS probe of every MX (opt-in: `None` never connects to an MX).
    pub probe: Option<ProbeOptions>,
}

/// The transport report.
pub async fn transport(ctx: &Context, request: &TransportRequest) -> Report {
    let run = Run::start(ctx);
    let report = crate::transport::report(
        &run.ctx,
        &request.domain,
        &request.fetch,
        request.probe.as_ref(),
    )
    .await;
    run.finish(report)
}
