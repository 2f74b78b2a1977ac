//! `mailwhy transport DOMAIN`: the recipient domain's MTA-STS record and policy against its MX
//! hosts, and its TLS-RPT record.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::transport::{FetchOptions, ProbeOptions};
use mailwhy::workflow::{self, TransportRequest};

use crate::CliError::Usage;
use crate::{CliError, Settings};

/// Arguments of `mailwhy transport`.
#[derive(Debug, Args)]
pub struct TransportArgs {
    /// The recipient domain whose transport rules are checked
    domain: String,
    /// Trust only the CA certificates in this PEM file for the policy host and, with --probe, the
    /// MX hosts (tests, private CAs)
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// For tests: fetch the policy from this port instead of 443 (the host's address still comes from DNS)
    #[arg(long, value_name = "N")]
    https_port: Option<u16>,
    /// Remember the policy fetched for each domain in this directory (DOMAIN.json) and report
    /// a policy changed under an unchanged id (transport.sts-id-unchanged)
    #[arg(long, value_name = "DIR")]
    sts_cache: Option<PathBuf>,
    /// Probe each MX: connect on port 25, EHLO, STARTTLS, TLS handshake and certificate, QUIT (no
    /// mail is sent). Off by default: without it mailwhy never connects to an MX
    #[arg(long)]
    probe: bool,
    /// For tests: connect to the MX hosts on this port instead of 25 (with --probe)
    #[arg(long, value_name = "N", requires = "probe")]
    smtp_port: Option<u16>,
    /// Time limit of each step of the policy fetch and the probe (connect, TLS, each reply)
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    step_timeout: f64,
}

pub fn run(settings: &Settings, args: TransportArgs) -> Result<u8, CliError> {
    let domain = crate::domain_arg("transport", &args.domain)?;
    if args.https_port == Some(0) || args.smtp_port == Some(0) {
        return Err(Usage("--https-port, --smtp-port: 0 is not a port".into()));
    }
    if !(args.step_timeout > 0.0 && args.step_timeout <= 600.0) {
        return Err(Usage(format!(
            "--step-timeout: expected seconds between 0 and 600, found {}",
            args.step_timeout
        )));
    }
    let mut fetch = FetchOptions {
        port: args.https_port.unwrap_or(443),
        timeout: Duration::from_secs_f64(args.step_timeout),
        sts_cache: args
            .sts_cache
            .as_deref()
            .map(crate::sts_cache_dir)
            .transpose()?,
        ..FetchOptions::default()
    };
    if let Some(f) = &args.ca_file {
        fetch = fetch.with_ca_file(f)?;
    }
    let probe = args.probe.then(|| ProbeOptions {
        port: args.smtp_port.unwrap_or(25),
        timeout: fetch.timeout,
        roots: fetch.roots.clone(),
    });
    let request = TransportRequest {
        domain,
        fetch,
        probe,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::transport(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
