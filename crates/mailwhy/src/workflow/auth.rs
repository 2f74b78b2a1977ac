//! `mailwhy auth`: the sender authentication of a From domain as the big mailbox providers
//! judge it (DMARC policy, DKIM keys, reverse DNS of the sending IPs, the providers' rules).

use std::net::IpAddr;

use crate::auth::AuthInput;
use crate::check::Context;
use crate::report::Report;

use super::Run;

/// The From domain and what is known about how it sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthRequest {
    /// The From domain (any case, with or without the final dot).
    pub domain: String,
    /// DKIM selectors: `selector` (at `domain`) or `selector:signing-domain`.
    pub selectors: Vec<String>,
    /// Sending IPs.
    pub ips: Vec<IpAddr>,
    /// Envelope (MAIL FROM / Return-Path) domains, the SPF identities.
    pub envelope_domains: Vec<String>,
}

/// Domain names compare in lowercase and without the final dot.
fn domain_name(d: &str) -> String {
    d.trim_end_matches('.').to_ascii_lowercase()
}

/// The `auth` report.
pub async fn auth(ctx: &Context, request: &AuthRequest) -> Report {
    let input = AuthInput {
        domain: domain_name(&request.domain),
        selectors: request.selectors.clone(),
        ips: request.ips.clone(),
        envelope_domains: request
            .envelope_domains
            .iter()
            .map(|d| domain_name(d))
            .collect(),
    };
    let run = Run::start(ctx);
    run.finish(crate::auth::run(&run.ctx, &input).await)
}
