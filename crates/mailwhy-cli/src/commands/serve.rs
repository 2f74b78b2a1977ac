//! `mailwhy serve`: parses flags, builds the one shared `Diagnoser` and hands it to
//! `mailwhy_server`; the HTTP API and the page live in that crate.

use std::net::SocketAddr;
use std::sync::Arc;

use clap::Args;
use mailwhy::Diagnoser;

use crate::inputs::{InputArgs, Inputs};
use crate::{seconds, CliError, Settings};

/// Arguments of `mailwhy serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; anything but loopback needs --token-env
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8025")]
    listen: SocketAddr,
    /// Name of the environment variable holding the bearer token API clients must send
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// Seconds a client may take to send a request's header (then the connection is closed)
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    header_timeout: f64,
    /// Seconds a kept-alive connection may wait for its next request
    #[arg(long, value_name = "SECONDS", default_value_t = 75.0)]
    idle_timeout: f64,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C (then the server exits)
    #[arg(long, value_name = "SECONDS", default_value_t = 40.0)]
    shutdown_grace: f64,
    /// For tests: the port `POST /v1/transport` with `"probe": true` connects to on each MX host,
    /// instead of 25
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    smtp_port: Option<u16>,
    #[command(flatten)]
    inputs: InputArgs,
}

pub fn run(settings: &Settings, args: ServeArgs) -> Result<u8, CliError> {
    let token = match &args.token_env {
        Some(var) => match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => {
                return Err(CliError::Usage(format!(
                    "--token-env {var}: the environment variable {var} is not set or empty"
                )))
            }
        },
        None => None,
    };
    let options = mailwhy_server::Options {
        token,
        header_read_timeout: seconds("--header-timeout", args.header_timeout)?,
        idle_timeout: seconds("--idle-timeout", args.idle_timeout)?,
        shutdown_grace: seconds("--shutdown-grace", args.shutdown_grace)?,
        smtp_probe_port: args.smtp_port.unwrap_or(25),
        ..mailwhy_server::Options::default()
    };
    mailwhy_server::check_exposure(&args.listen, &options).map_err(CliError::Usage)?;
    let mut inputs = args.inputs.resolve(settings)?;
    // The config's reports are evidence for every diagnosis that uploads none, re-read on reload
    // like the other input files.
    inputs.reports = settings.config.reports.clone();
    crate::runtime().block_on(async {
        let d = inputs.diagnoser(settings, true).await?;
        if !settings.quiet {
            // One line per request on stderr (method, path, status, time; never a query string
            // or a header, so neither addresses nor the token reach the log), and nothing else.
            // Other crates' info lines stay out unless -v: the zone server behind
            // --dns-zones logs every DNS query it answers, tens per request.
            use tracing_subscriber::filter::{LevelFilter, Targets};
            use tracing_subscriber::layer::SubscriberExt;
            use tracing_subscriber::util::SubscriberInitExt;
            let others = if settings.verbose > 0 {
                LevelFilter::INFO
            } else {
                LevelFilter::WARN
            };
            let _ = tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(settings.color)
                .finish()
                .with(
                    Targets::new()
                        .with_default(others)
                        .with_target("mailwhy_server", LevelFilter::INFO)
                        .with_target("mailwhy", LevelFilter::INFO),
                )
                .try_init();
            report_problems(&d);
        }
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| CliError::Io(format!("--listen {}: {e}", args.listen)))?;
        let bound = listener
            .local_addr()
            .map_err(|e| CliError::Io(format!("--listen: {e}")))?;
        // The signal handlers are installed before the "serving on" line: a supervisor (or a
        // test) that sends SIGTERM or SIGHUP as soon as the line appears must reach them, not
        // the default action, which kills the process without the clean shutdown.
        let stop = StopSignals::install();
        #[cfg(unix)]
        let hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        #[cfg(not(unix))]
        let hup = None;
        if !settings.quiet {
            eprintln!(
                "mailwhy: serving on http://{bound}/ (API under /v1, described at /openapi.json; {}); Ctrl-C to stop",
                if options.token.is_some() {
                    "bearer token required"
                } else {
                    "no token"
                }
            );
        }
        let shared = mailwhy_server::SharedDiagnoser::new(Arc::new(d));
        tokio::spawn(reload_loop(settings.clone(), inputs, shared.clone(), hup));
        let app = mailwhy_server::router_shared(shared, options.clone());
        mailwhy_server::serve_with(listener, app, &options, stop.wait(settings.quiet))
            .await
            .map_err(|e| CliError::Io(format!("server stopped: {e}")))?;
        Ok(0)
    })
}

/// The directory rows that were skipped, each naming the file and line (`/v1/health` and every
/// report list them too).
fn report_problems(d: &Diagnoser) {
    let file = d.directory_file().unwrap_or("directory");
    for p in d.directory_problems() {
        eprintln!("mailwhy: {}", mailwhy::sanitize::line(&p.describe(file)));
    }
}

/// How often the input files' modification times are looked at.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Rebuilds the diagnoser when an input file changes on disk or on SIGHUP. A reload that fails
/// keeps the previous data and says why. The new diagnoser starts a fresh DNS cache.
async fn reload_loop(
    settings: Settings,
    inputs: Inputs,
    shared: mailwhy_server::SharedDiagnoser,
    #[cfg_attr(not(unix), allow(unused_mut, unused_variables))] mut hup: Option<HupSignal>,
) {
    let mut seen = inputs.stamps();
    loop {
        #[cfg(unix)]
        let why = {
            let hup_recv = async {
                match hup.as_mut() {
                    Some(h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = hup_recv => "SIGHUP",
                _ = tokio::time::sleep(POLL) => "",
            }
        };
        #[cfg(not(unix))]
        let why = {
            tokio::time::sleep(POLL).await;
            ""
        };
        let now = inputs.stamps();
        let why = if why.is_empty() {
            if now == seen {
                continue;
            }
            "an input file changed"
        } else {
            why
        };
        seen = now;
        match inputs.diagnoser(&settings, true).await {
            Ok(d) => {
                if !settings.quiet {
                    report_problems(&d);
                }
                // Swapped in before it is announced: a request sent after the line sees it.
                shared.replace(Arc::new(d));
                if !settings.quiet {
                    eprintln!("mailwhy: reloaded the input files ({why})");
                }
            }
            Err(e) => eprintln!(
                "mailwhy: reload failed ({why}), keeping the previous data: {}",
                mailwhy::sanitize::text(&e.to_string())
            ),
        }
    }
}

/// The SIGHUP stream that asks for a reload.
#[cfg(unix)]
type HupSignal = tokio::signal::unix::Signal;
#[cfg(not(unix))]
type HupSignal = ();

/// Ctrl-C (SIGINT) or SIGTERM: stop accepting, let requests in flight finish (for at most
/// `--shutdown-grace`). Installed once, up front, by [`StopSignals::install`].
struct StopSignals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    /// Registers the handlers now (inside the runtime), so a signal that arrives before the
    /// server first polls [`StopSignals::wait`] is kept rather than lost.
    fn install() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            StopSignals {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn wait(self, quiet: bool) {
        #[cfg(unix)]
        {
            async fn recv(s: Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = recv(self.int) => {},
                _ = recv(self.term) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = self;
            let _ = tokio::signal::ctrl_c().await;
        }
        if !quiet {
            eprintln!("mailwhy: shutting down");
        }
    }
}
