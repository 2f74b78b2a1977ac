//! `mailwhy address EMAIL...`: one report per address (syntax, hidden characters, typos, role
//! mailboxes, and where the domain's mail goes), checked concurrently over one DNS cache.

use clap::Args;
use mailwhy::check::Context;
use mailwhy::workflow::{self, AddressRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy address`.
#[derive(Debug, Args)]
pub struct AddressArgs {
    /// The addresses to check
    #[arg(required = true, value_name = "EMAIL")]
    emails: Vec<String>,
}

pub fn run(settings: &Settings, args: AddressArgs) -> Result<u8, CliError> {
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let request = AddressRequest {
            addresses: args.emails,
        };
        let reports = workflow::address(&ctx, &request).await;
        crate::output::emit(settings, &reports, Some(&resolving.dns))
    })
}
