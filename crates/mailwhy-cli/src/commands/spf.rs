//! `mailwhy spf DOMAIN [--ip IP]... [--mail-from ADDR] [--helo NAME]`: the domain's SPF record,
//! its findings, per IP the result with its trace, and the networks it authorizes.

use std::net::IpAddr;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::workflow::{self, SpfRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy spf`.
#[derive(Debug, Args)]
pub struct SpfArgs {
    /// The domain whose SPF record is checked (the MAIL FROM or HELO domain)
    domain: String,
    /// A sending IP to evaluate (repeatable)
    #[arg(long = "ip", value_name = "IP")]
    ips: Vec<IpAddr>,
    /// The MAIL FROM address, for macros (default postmaster@DOMAIN)
    #[arg(long, value_name = "ADDR")]
    mail_from: Option<String>,
    /// The HELO/EHLO name, for macros (default DOMAIN)
    #[arg(long, value_name = "NAME")]
    helo: Option<String>,
}

pub fn run(settings: &Settings, args: SpfArgs) -> Result<u8, CliError> {
    let domain = crate::domain_arg("spf", &args.domain)?;
    let request = SpfRequest {
        domain,
        ips: args.ips,
        mail_from: args.mail_from,
        helo: args.helo,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::spf(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
