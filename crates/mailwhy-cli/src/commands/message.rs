//! `mailwhy message FILE`: the full report on one received message or bounce: the Received
//! chain with hop delays, authentication results, spam verdicts and the bounce reading, and for a
//! received message its SPF, DKIM and DMARC computed by mailwhy beside the receivers' results.

use std::path::PathBuf;

use clap::Args;
use mailwhy::message::Options;

use crate::Settings;

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

pub fn run(settings: &Settings, args: MessageArgs) -> Result<u8, mailwhy::Error> {
    let opts = Options {
        max_bytes: args.max_bytes,
        hop_delay_threshold_secs: args.hop_delay,
    };
    let name = args.file.display().to_string();
    let raw = mailwhy::message::read_file(&args.file, opts.max_bytes)?;
    let list = match (&args.allowlist, &args.sender) {
        (Some(p), _) => Some(mailwhy::allowlist::Allowlist::load(p, None)?),
        (None, Some(p)) => Some(mailwhy::allowlist::Allowlist::from_profile(
            &mailwhy::allowlist::SenderProfile::load(p)?,
        )),
        (None, None) => None,
    };
    let parsed = mailwhy::message::Parsed::new(&raw).map_err(|e| mailwhy::Error::Input {
        file: name.clone(),
        message: e.to_string(),
    })?;
    let inputs = mailwhy::message::Inputs {
        ticket_address: args.ticket_address.as_deref(),
        allowlist: list.as_ref(),
        ..Default::default()
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = mailwhy::check::Context::new(resolving.dns.clone());
        let report = mailwhy::message::report(&ctx, &name, &parsed, &opts, &inputs).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
