//! `mailwhy serve`: parses flags, builds the one shared `Diagnoser` and hands it to
//! `mailwhy_server`; the HTTP API and the page live in that crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use mailwhy::diagnose::Diagnoser;
use mailwhy::directory::ColumnMap;

use crate::Settings;

/// Arguments of `mailwhy serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; anything but loopback needs --token-env
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8025")]
    listen: SocketAddr,
    /// Name of the environment variable holding the bearer token API clients must send
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// The product's user directory export (CSV with a header row, or JSON)
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// The vendor's sender profile (TOML)
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
    /// The recipient's gateway allowlist
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    /// A fixed "now" for invitation reminders (RFC 3339; default: the clock at each request)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

pub fn run(settings: &Settings, args: ServeArgs) -> Result<u8, mailwhy::Error> {
    let token = match &args.token_env {
        Some(var) => match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => {
                return Err(mailwhy::Error::Usage(format!(
                    "--token-env {var}: the environment variable {var} is not set or empty"
                )))
            }
        },
        None => None,
    };
    let options = mailwhy_server::Options {
        token,
        ..mailwhy_server::Options::default()
    };
    mailwhy_server::check_exposure(&args.listen, &options).map_err(mailwhy::Error::Usage)?;
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
        let d = b.build().await?;
        if !settings.quiet {
            // One line per request on stderr (method, path, status, time; never a query string
            // or a header, so neither addresses nor the token reach the log).
            let _ = tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(settings.color)
                .try_init();
            for p in d.directory_problems() {
                eprintln!(
                    "mailwhy: directory line {}: row skipped: {}",
                    p.line,
                    mailwhy::sanitize::line(&p.message)
                );
            }
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| mailwhy::Error::Usage(format!("--listen {}: {e}", args.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| mailwhy::Error::Usage(format!("--listen: {e}")))?;
        if !settings.quiet {
            eprintln!(
                "mailwhy: serving on http://{bound}/ (API under /api/v1, {}); Ctrl-C to stop",
                if options.token.is_some() {
                    "bearer token required"
                } else {
                    "no token"
                }
            );
        }
        let app = mailwhy_server::router_with(Arc::new(d), options);
        mailwhy_server::serve(listener, app, shutdown_signal())
            .await
            .map_err(|e| mailwhy::Error::Usage(format!("server stopped: {e}")))?;
        Ok(0)
    })
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("mailwhy: shutting down");
}
