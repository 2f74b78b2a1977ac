//! `mailwhy dns NAME [TYPE]`: a small dig through the same DNS layer as every check.

use std::str::FromStr;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::dns::RecordType;

use crate::Settings;

/// Arguments of `mailwhy dns`.
#[derive(Debug, Args)]
pub struct DnsArgs {
    /// The name to look up
    name: String,
    /// The record type (A, AAAA, MX, TXT, CNAME, PTR, NS, SOA ...)
    #[arg(default_value = "A")]
    rtype: String,
}

pub fn run(settings: &Settings, args: DnsArgs) -> Result<u8, mailwhy::Error> {
    let rtype = RecordType::from_str(&args.rtype.to_ascii_uppercase())
        .ok()
        .filter(|t| !matches!(t, RecordType::Unknown(_)))
        .ok_or_else(|| {
            mailwhy::Error::Usage(format!(
                "{:?} is not a DNS record type (try A, AAAA, MX, TXT, CNAME, PTR, NS, SOA)",
                mailwhy::sanitize::line(&args.rtype)
            ))
        })?;
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = mailwhy::dig::report(&ctx, &args.name, rtype).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
