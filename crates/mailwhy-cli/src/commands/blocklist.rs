//! `mailwhy blocklist IP|DOMAIN...`: each IP and domain on the DNS blocklists (the config's
//! `blocklists`, `--blocklist-zone`, else the default table).

use clap::Args;
use mailwhy::blocklist::{List, Target};
use mailwhy::check::Context;
use mailwhy::workflow::{self, BlocklistRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy blocklist`.
#[derive(Debug, Args)]
pub struct BlocklistArgs {
    /// IP addresses (IPv4 or IPv6) and domains to look up
    #[arg(required = true)]
    targets: Vec<String>,
    /// A blocklist zone to query instead of the config's `blocklists` and the default table
    /// (repeatable): `ZONE` for an IP list, `domain:ZONE` for a domain list
    #[arg(long = "blocklist-zone", value_name = "ZONE")]
    zones: Vec<String>,
}

/// The lists to query: the flags, else the config's `blocklists` (empty: the default table).
pub(crate) fn lists(settings: &Settings, flags: &[String]) -> Result<Vec<List>, CliError> {
    let (from, zones) = if flags.is_empty() {
        ("blocklists (config)", &settings.config.blocklists)
    } else {
        ("--blocklist-zone", &flags.to_vec())
    };
    zones
        .iter()
        .map(|z| List::parse(z).map_err(|m| CliError::Usage(format!("{from}: {m}"))))
        .collect()
}

pub fn run(settings: &Settings, args: BlocklistArgs) -> Result<u8, CliError> {
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t).map_err(|m| CliError::Usage(format!("blocklist: {m}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let request = BlocklistRequest {
        targets,
        lists: lists(settings, &args.zones)?,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::blocklist(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
