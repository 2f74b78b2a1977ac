//! `mailwhy pop3`: POP3 mailbox settings linted offline, and with a probe tried on the server
//! (TLS, greeting, capabilities, login, message count).

use crate::check::Context;
use crate::mailbox::{Pop3Settings, ProbeOptions};
use crate::report::Report;

use super::Run;

/// The settings to check, and whether to try them on the server.
#[derive(Debug, Clone)]
pub struct Pop3Request {
    /// The mailbox settings as the fetcher has them (the password is never printed).
    pub settings: Pop3Settings,
    /// Connect with these options; `None` checks the settings without touching the network.
    pub probe: Option<ProbeOptions>,
}

/// The POP3 report.
pub async fn pop3(ctx: &Context, request: &Pop3Request) -> Report {
    let run = Run::start(ctx);
    let report =
        crate::mailbox::diagnose(&run.ctx, &request.settings, request.probe.as_ref()).await;
    run.finish(report)
}
