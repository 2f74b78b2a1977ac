//! `mailwhy message FILE`: the full report on one received message or bounce: the Received
//! chain with hop delays, authentication results, spam verdicts and the bounce reading, and for a
//! received message its SPF, DKIM and DMARC computed by mailwhy beside the receivers' results.

use std::path::PathBuf;

use clap::Args;
use mailwhy::allowlist::{Allowlist, SenderProfile};
use mailwhy::message::Options;
use mailwhy::workflow::{self, MessageRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy message`.
#[derive(Debug, Args)]
pub struct MessageArgs {
    /// The message (.eml, RFC 5322)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The address from the ticket: report when the message went elsewhere
    #[arg(long, value_name = "EMAIL")]
    ticket_address: Option<String>,
    /// Report hops that held the message longer than this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    hop_delay: i64,
    /// Check the connecting IP and the envelope/DKIM domains against this gateway allowlist
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    /// Check them against what this vendor publishes (when no --allowlist is given)
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
    /// Refuse inputs larger than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = mailwhy::message::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
}

pub fn run(settings: &Settings, args: MessageArgs) -> Result<u8, CliError> {
    let options = Options {
        max_bytes: args.max_bytes,
        hop_delay_threshold_secs: args.hop_delay,
    };
    let name = args.file.display().to_string();
    let raw = mailwhy::message::read_file(&args.file, options.max_bytes)?;
    let list = match (&args.allowlist, &args.sender) {
        (Some(p), _) => Some(Allowlist::load(p, None)?),
        (None, Some(p)) => Some(Allowlist::from_profile(&SenderProfile::load(p)?)),
        (None, None) => None,
    };
    let request = MessageRequest {
        name: name.clone(),
        raw: &raw,
        options,
        ticket_address: args.ticket_address,
        allowlist: list.as_ref(),
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = mailwhy::check::Context::new(resolving.dns.clone());
        let report =
            workflow::message(&ctx, &request)
                .await
                .map_err(|e| mailwhy::Error::Input {
                    file: name,
                    message: e.to_string(),
                })?;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
