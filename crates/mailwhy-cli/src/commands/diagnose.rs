//! `mailwhy diagnose EMAIL`: the ticket workflow, every check the inputs allow.

use std::path::PathBuf;

use clap::Args;
use mailwhy::delivery::SourceFile;
use mailwhy::{DiagnoseRequest, TicketMessage};

use crate::inputs::InputArgs;
use crate::{CliError, Settings};

/// Arguments of `mailwhy diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// The address from the ticket
    email: String,
    #[command(flatten)]
    inputs: InputArgs,
    /// A bounce or a received message for this ticket (repeatable)
    #[arg(long, value_name = "FILE")]
    message: Vec<PathBuf>,
    /// Delivery evidence: an ESP event export, webhook dump, suppression list or mail log
    /// (repeatable; recognized from content; replaces the config file's `events`)
    #[arg(long, value_name = "FILE")]
    events: Vec<PathBuf>,
    /// DMARC aggregate, failure or TLS reports (files, report emails, an mbox or a Maildir;
    /// repeatable; replaces the config file's `reports`): those from the recipient's receiver
    /// covering the 14 days before the ticket are evidence
    #[arg(long, value_name = "FILE")]
    reports: Vec<PathBuf>,
    /// Also probe the recipient domain's MX hosts (STARTTLS, TLS, certificate; no mail is sent)
    /// and run its transport check; off by default
    #[arg(long)]
    probe: bool,
    /// For tests: probe the MX hosts on this port instead of 25 (with --probe)
    #[arg(long, value_name = "N", requires = "probe")]
    smtp_port: Option<u16>,
}

pub fn run(settings: &Settings, args: DiagnoseArgs) -> Result<u8, CliError> {
    let inputs = args.inputs.resolve(settings)?;
    let messages = args
        .message
        .iter()
        .map(|m| TicketMessage::from_file(m))
        .collect::<Result<Vec<_>, _>>()?;
    let events = if args.events.is_empty() {
        settings.config.events.clone()
    } else {
        args.events
    };
    let reports = if args.reports.is_empty() {
        settings.config.reports.clone()
    } else {
        args.reports
    };
    // A file that is not there is a mistake in the command, not evidence that could not be read.
    for p in events.iter().chain(&reports) {
        if let Err(e) = std::fs::metadata(p) {
            return Err(CliError::Run(mailwhy::Error::Read {
                file: p.display().to_string(),
                source: e,
            }));
        }
    }
    if args.smtp_port == Some(0) {
        return Err(CliError::Usage("--smtp-port: 0 is not a port".into()));
    }
    let fetch = inputs.transport.clone();
    let probe = args.probe.then(|| mailwhy::transport::ProbeOptions {
        port: args.smtp_port.unwrap_or(25),
        timeout: std::time::Duration::from_secs(30),
        roots: fetch.roots.clone(),
    });
    crate::runtime().block_on(async {
        let d = inputs
            .diagnoser(settings, true)
            .await?
            .with_transport(fetch, probe);
        if !settings.quiet {
            // The report lists them too (`directory.rows-skipped`), so `-q` hides nothing.
            let file = d.directory_file().unwrap_or("directory");
            for p in d.directory_problems() {
                eprintln!("mailwhy: {}", mailwhy::sanitize::line(&p.describe(file)));
            }
        }
        let request = DiagnoseRequest {
            messages,
            events: events.into_iter().map(SourceFile::Path).collect(),
            reports: reports.into_iter().map(SourceFile::Path).collect(),
            ..DiagnoseRequest::new(args.email)
        };
        let report = d.diagnose(&request).await;
        crate::output::emit(settings, &[report], Some(d.dns()))
    })
}
