//! `mailwhy pop3 --server HOST [--port N] [--tls MODE] [--user NAME] [--password-env VAR]
//! [--probe] [--ca-file FILE]`: lint POP3 mailbox settings, and with `--probe` try them on the
//! server. The password comes from an environment variable or a no-echo prompt, never from the
//! command line (where `ps` and shell history would show it).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use mailwhy::check::Context;
use mailwhy::mailbox::{Password, Pop3Settings, ProbeOptions, TlsMode};
use mailwhy::workflow::{self, Pop3Request};

use crate::{CliError, Settings};

/// Arguments of `mailwhy pop3`.
#[derive(Debug, Args)]
pub struct Pop3Args {
    /// The POP3 server name or IP address (e.g. pop.gmail.com)
    #[arg(long, value_name = "HOST")]
    server: String,
    /// The port (default: 995 with implicit TLS, 110 with STLS or no TLS)
    #[arg(long, value_name = "N")]
    port: Option<u16>,
    /// The TLS mode: implicit (SSL/TLS, port 995), starttls (STLS, port 110) or none
    /// (default: implicit on 995, starttls on other ports)
    #[arg(long, value_enum, value_name = "MODE")]
    tls: Option<TlsArg>,
    /// The username as the fetcher has it (e.g. recent:me@gmail.com)
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Read the password from this environment variable (without it, --probe asks on a terminal)
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// Connect: TLS, greeting, capabilities, login and message count (default: settings only,
    /// no network)
    #[arg(long)]
    probe: bool,
    /// Trust only the CA certificates in this PEM file (a private CA or a self-signed server)
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Seconds each probe step (connect, handshake, one reply) may take
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    step_timeout: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TlsArg {
    Implicit,
    Starttls,
    None,
}

pub fn run(settings: &Settings, args: Pop3Args) -> Result<u8, CliError> {
    use CliError::Usage;
    if args.server.trim().is_empty() {
        return Err(Usage("--server: give the POP3 server's name".into()));
    }
    if args.server.parse::<std::net::IpAddr>().is_err() {
        crate::domain_arg("--server", &args.server)?;
    }
    if args.port == Some(0) {
        return Err(Usage("--port: 0 is not a port".into()));
    }
    if !(args.step_timeout > 0.0 && args.step_timeout <= 600.0) {
        return Err(Usage(format!(
            "--step-timeout: expected seconds between 0 and 600, found {}",
            args.step_timeout
        )));
    }
    let probe = if args.probe {
        let opts = ProbeOptions::new(Duration::from_secs_f64(args.step_timeout));
        Some(match &args.ca_file {
            Some(f) => opts.with_ca_file(f)?,
            None => opts,
        })
    } else {
        None
    };
    let password = password(&args)?;
    let mailbox = Pop3Settings {
        server: args.server.clone(),
        port: args.port,
        tls: args.tls.map(|t| match t {
            TlsArg::Implicit => TlsMode::Implicit,
            TlsArg::Starttls => TlsMode::Starttls,
            TlsArg::None => TlsMode::None,
        }),
        user: args.user.clone(),
        password,
    };
    let request = Pop3Request {
        settings: mailbox,
        probe,
    };
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = Context::new(resolving.dns.clone());
        let report = workflow::pop3(&ctx, &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}

/// The password: from `--password-env`, or asked without echo when probing with a username on a
/// terminal. Nothing else needs it, so nothing else asks.
fn password(args: &Pop3Args) -> Result<Option<Password>, CliError> {
    use CliError::Usage;
    if let Some(var) = &args.password_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(Password::new(v))),
            Ok(_) => Err(Usage(format!(
                "--password-env: the environment variable {} is empty",
                mailwhy::sanitize::line(var)
            ))),
            Err(_) => Err(Usage(format!(
                "--password-env: the environment variable {} is not set",
                mailwhy::sanitize::line(var)
            ))),
        };
    }
    let Some(user) = args.user.as_deref().filter(|_| args.probe) else {
        return Ok(None);
    };
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let prompt = format!(
        "Password for {} at {}: ",
        mailwhy::sanitize::line(user),
        mailwhy::sanitize::line(&args.server)
    );
    match rpassword::prompt_password(prompt) {
        Ok(p) if !p.is_empty() => Ok(Some(Password::new(p))),
        Ok(_) => Ok(None),
        Err(e) => Err(Usage(format!("cannot read the password: {e}"))),
    }
}
