//! `mailwhy spf` and `/v1/spf`: a domain's SPF record, its findings, per sending IP the result
//! with its trace, and the networks it authorizes.

use std::net::IpAddr;

use crate::check::Context;
use crate::report::Report;

use super::Run;

/// The SPF question: a domain and, optionally, the IPs to evaluate and the macro inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpfRequest {
    /// The domain whose SPF record is checked (a MAIL FROM or HELO domain).
    pub domain: String,
    /// Sending IPs to evaluate.
    pub ips: Vec<IpAddr>,
    /// The MAIL FROM address, for macros (default `postmaster@DOMAIN`).
    pub mail_from: Option<String>,
    /// The HELO/EHLO name, for macros (default the domain).
    pub helo: Option<String>,
}

/// The SPF report.
pub async fn spf(ctx: &Context, request: &SpfRequest) -> Report {
    let run = Run::start(ctx);
    let report = crate::spf::report(
        &run.ctx,
        &request.domain,
        &request.ips,
        request.mail_from.as_deref(),
        request.helo.as_deref(),
    )
    .await;
    run.finish(report)
}
