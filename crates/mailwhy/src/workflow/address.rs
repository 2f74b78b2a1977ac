//! `mailwhy address` and `/v1/address`: one report per address (syntax, hidden characters,
//! typos, role mailboxes, where the domain's mail goes), checked concurrently over one cache.

use crate::check::Context;
use crate::report::Report;

use super::Run;

/// The addresses to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressRequest {
    /// The addresses, as given (a report's subject is the address as given).
    pub addresses: Vec<String>,
}

/// One report per address, in the order given. Each report counts the DNS queries its own
/// checks sent; a question two addresses share is counted once, on the one that asked first.
pub async fn address(ctx: &Context, request: &AddressRequest) -> Vec<Report> {
    futures::future::join_all(request.addresses.iter().map(|a| async move {
        let run = Run::start(ctx);
        run.finish(crate::address::report(&run.ctx, a).await)
    }))
    .await
}
