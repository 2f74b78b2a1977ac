//! `mailwhy spf DOMAIN [--ip IP]... [--mail-from ADDR] [--helo NAME]`: the domain's SPF record,
//! its findings, per IP the result with its trace, and the networks it authorizes.

use std::net::IpAddr;

use clap::Args;
use mailwhy::check::Context;

use crate::Settings;

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

pub fn run(settings: &Settings, args: SpfArgs) -> Result<u8, mailwhy::Error> {
    if mailwhy::dns::normalize_name(&args.domain).is_err() {
        return Err(mailwhy::Error::Usage(format!(
            "{:?} is not a domain name",
            mailwhy::sanitize::line(&args.domain)
        )));
    }
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = mailwhy::spf::report(
            &ctx,
            &args.domain,
            &args.ips,
            args.mail_from.as_deref(),
            args.helo.as_deref(),
        )
        .await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
