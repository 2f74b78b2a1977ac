//! `mailwhy address EMAIL...`: one report per address (syntax, hidden characters, typos, role
//! mailboxes, and where the domain's mail goes), checked concurrently over one DNS cache.

use clap::Args;
use mailwhy::check::Context;

use crate::Settings;

/// Arguments of `mailwhy address`.
#[derive(Debug, Args)]
pub struct AddressArgs {
    /// The addresses to check
    #[arg(required = true, value_name = "EMAIL")]
    emails: Vec<String>,
}

pub fn run(settings: &Settings, args: AddressArgs) -> Result<u8, mailwhy::Error> {
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let reports = futures::future::join_all(
            args.emails
                .iter()
                .map(|e| mailwhy::address::report(&ctx, e)),
        )
        .await;
        // One DNS cache serves every address, so a query cannot be pinned on one report: each
        // report shows the run's total.
        let mut reports = reports;
        for r in &mut reports {
            r.stats.dns_queries = resolving.dns.queries_sent();
        }
        crate::output::emit(settings, &reports, Some(&resolving.dns))
    })
}
