//! `mailwhy reports FILE... [--sender FILE]`: DMARC aggregate and TLS reports summed per
//! reporter, source IP and From domain, with the vendor's sources marked (exit 1 when they show
//! a problem, 0 when not, 3 when no report could be read).

use std::path::PathBuf;

use clap::Args;
use mailwhy::allowlist::SenderProfile;
use mailwhy::workflow::{self, ReportsRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy reports`.
#[derive(Debug, Args)]
pub struct ReportsArgs {
    /// Report files: aggregate XML (.xml, .xml.gz, .zip), TLS-RPT JSON (.json, .json.gz), report
    /// emails or an mbox of them (recognized from content)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The vendor's sender profile: its IPs are marked, other sources of its domains flagged
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
}

pub fn run(settings: &Settings, args: ReportsArgs) -> Result<u8, CliError> {
    let sender = args
        .sender
        .or_else(|| settings.config.sender.clone())
        .as_deref()
        .map(SenderProfile::load)
        .transpose()?;
    let report = workflow::reports(&ReportsRequest {
        files: args.files,
        sender,
    });
    crate::output::emit(settings, &[report], None)
}
