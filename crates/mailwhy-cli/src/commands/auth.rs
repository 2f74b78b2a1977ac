//! `mailwhy auth DOMAIN [--selector S]... [--ip IP]... [--envelope-domain D]...`: the sender
//! authentication of a From domain as the big mailbox providers judge it: DMARC policy, DKIM
//! keys, reverse DNS of the sending IPs, and the providers' sender rules.

use std::net::IpAddr;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::workflow::{self, AuthRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy auth`.
#[derive(Debug, Args)]
pub struct AuthArgs {
    /// The From domain of the sender's mail
    domain: String,
    /// A DKIM selector to check (SELECTOR, or SELECTOR:DOMAIN for another signing domain); repeatable
    #[arg(long = "selector", short = 's', value_name = "S")]
    selectors: Vec<String>,
    /// A sending IP (reverse DNS, provider rules); repeatable
    #[arg(long = "ip", value_name = "IP")]
    ips: Vec<String>,
    /// An envelope (MAIL FROM / Return-Path) domain, the SPF identity; repeatable
    #[arg(long = "envelope-domain", value_name = "D")]
    envelope_domains: Vec<String>,
}

pub fn run(settings: &Settings, args: AuthArgs) -> Result<u8, CliError> {
    let ips = args
        .ips
        .iter()
        .map(|s| {
            s.parse::<IpAddr>().map_err(|_| {
                CliError::Usage(format!(
                    "--ip: {:?} is not an IP address",
                    mailwhy::sanitize::line(s)
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let domain = crate::domain_arg("auth", &args.domain)?;
    for d in &args.envelope_domains {
        crate::domain_arg("--envelope-domain", d)?;
    }
    let request = AuthRequest {
        domain,
        selectors: args.selectors,
        ips,
        envelope_domains: args.envelope_domains,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::auth(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
