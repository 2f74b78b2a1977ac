//! `mailwhy bounce FILE...`: each file read as a bounce, per recipient the reason, status,
//! reply code, diagnostic and remote server (JSON / JSON Lines per DESIGN.md, or text).

use std::path::PathBuf;

use clap::Args;
use mailwhy::sanitize;
use mailwhy::workflow::{self, BounceRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy bounce`.
#[derive(Debug, Args)]
pub struct BounceArgs {
    /// Bounce messages (.eml, RFC 5322)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Refuse inputs larger than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = mailwhy::message::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
}

pub fn run(settings: &Settings, args: BounceArgs) -> Result<u8, CliError> {
    let results = workflow::bounce(&BounceRequest {
        files: args.files,
        max_bytes: args.max_bytes,
    });
    crate::output::print_or_fail(&results.render(settings.format))?;
    for e in &results.errors {
        eprintln!("mailwhy: {}", sanitize::text(&e.to_string()));
    }
    Ok(results.exit_code())
}
