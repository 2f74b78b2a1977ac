//! `mailwhy diagnose EMAIL`: the ticket workflow, every check the inputs allow.

use std::path::PathBuf;

use clap::Args;
use mailwhy::diagnose::Diagnoser;
use mailwhy::directory::ColumnMap;

use crate::Settings;

/// Arguments of `mailwhy diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The address from the ticket
    email: String,
    /// The product's user directory export (CSV with a header row, or JSON)
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// The vendor's sender profile (TOML)
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
    /// The recipient's gateway allowlist
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    /// A bounce or a received message for this ticket (repeatable)
    #[arg(long, value_name = "FILE")]
    message: Vec<PathBuf>,
    /// "Now" for invitation reminders (RFC 3339, e.g. 2026-11-23T12:00:00Z; default: the clock)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

pub fn run(settings: &Settings, args: DiagnoseArgs) -> Result<u8, mailwhy::Error> {
    let now = args.now.as_deref().map(crate::parse_now).transpose()?;
    let columns = ColumnMap::with_overrides(&settings.config.directory_columns)
        .map_err(mailwhy::Error::Usage)?;
    let directory = args.directory.or_else(|| settings.config.directory.clone());
    let sender = args.sender.or_else(|| settings.config.sender.clone());
    let allowlist = args.allowlist.or_else(|| settings.config.allowlist.clone());
    crate::runtime().block_on(async {
        let mut b = Diagnoser::builder()
            .dns_config(settings.dns.clone())
            .dns_zones(settings.dns_zones.clone());
        if let Some(p) = &directory {
            b = b.directory_file_with(p, &columns)?;
        }
        if let Some(p) = &sender {
            b = b.sender_file(p)?;
        }
        if let Some(p) = &allowlist {
            b = b.allowlist_file(p)?;
        }
        if let Some(n) = now {
            b = b.now(n);
        }
        for m in &args.message {
            b = b.message_file(m)?;
        }
        let d = b.build().await?;
        if !settings.quiet {
            for p in d.directory_problems() {
                eprintln!(
                    "mailwhy: {}:{}: row skipped: {}{}",
                    directory
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    p.line,
                    p.column
                        .as_deref()
                        .map(|c| format!("column {c}: "))
                        .unwrap_or_default(),
                    mailwhy::sanitize::line(&p.message)
                );
            }
        }
        let report = d.diagnose(&args.email).await;
        crate::output::emit(settings, &[report], Some(d.dns()))
    })
}
