//! `mailwhy transport DOMAIN`: the recipient domain's MTA-STS record and policy against its MX
//! hosts, and its TLS-RPT record.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use mailwhy::check::Context;
use mailwhy::transport::FetchOptions;
use mailwhy::workflow::{self, TransportRequest};

use crate::CliError::Usage;
use crate::{CliError, Settings};

/// Arguments of `mailwhy transport`.
#[derive(Debug, Args)]
pub struct TransportArgs {
    /// The recipient domain whose transport rules are checked
    domain: String,
    /// Trust only the CA certificates in this PEM file for the policy host (tests, private CAs)
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// For tests: fetch the policy from this port instead of 443 (the host's address still comes from DNS)
    #[arg(long, value_name = "N")]
    https_port: Option<u16>,
    /// Time limit of each step of the policy fetch (connect, TLS, the answer)
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    step_timeout: f64,
}

pub fn run(settings: &Settings, args: TransportArgs) -> Result<u8, CliError> {
    let domain = crate::domain_arg("transport", &args.domain)?;
    if args.https_port == Some(0) {
        return Err(Usage("--https-port: 0 is not a port".into()));
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
        ..FetchOptions::default()
    };
    if let Some(f) = &args.ca_file {
        fetch = fetch.with_ca_file(f)?;
    }
    let request = TransportRequest { domain, fetch };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::transport(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
