//! `mailwhy dns NAME [TYPE]`: a small dig through the same DNS layer as every check.

use std::str::FromStr;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::dns::RecordType;
use mailwhy::workflow::{self, DnsRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy dns`.
#[derive(Debug, Args)]
pub struct DnsArgs {
    /// The name to look up
    name: String,
    /// The record type (A, AAAA, MX, TXT, CNAME, PTR, NS, SOA ...)
    #[arg(default_value = "A")]
    rtype: String,
}

pub fn run(settings: &Settings, args: DnsArgs) -> Result<u8, CliError> {
    let rtype = RecordType::from_str(&args.rtype.to_ascii_uppercase())
        .ok()
        .filter(|t| !matches!(t, RecordType::Unknown(_)))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{:?} is not a DNS record type (try A, AAAA, MX, TXT, CNAME, PTR, NS, SOA)",
                mailwhy::sanitize::line(&args.rtype)
            ))
        })?;
    // Any octet may be in a DNS label (`dns 'odd name' TXT` is a fair question), but an empty
    // label or an over-long name is no question at all.
    if args.name.parse::<std::net::IpAddr>().is_err() {
        mailwhy::dns::normalize_name(&args.name).map_err(|e| {
            CliError::Usage(format!(
                "dns: {:?} is not a DNS name ({})",
                mailwhy::sanitize::line(&args.name),
                e.reason
            ))
        })?;
    }
    let request = DnsRequest {
        name: args.name,
        rtype,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::dns(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
