//! The `mailwhy` command line: argument parsing, set-up of the DNS layer, rendering and exit
//! codes. It holds no diagnostic rule of its own: every check lives in the `mailwhy` library.
//!
//! Exit codes: 0 no problem found, 1 a problem found, 2 could not run, 3 inconclusive.
//! A closed pipe (`mailwhy ... | head`) is not an error and exits 0.

mod commands;
pub mod config;
mod inputs;
mod output;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use config::{parse_nameserver, Config};
use mailwhy::dns::{DnsConfig, Resolving, Upstream};

/// Why did this person not get our email? Checks accounts, addresses, DNS, SPF, allowlists,
/// bounces and mailbox settings, and says what to fix.
#[derive(Debug, Parser)]
#[command(name = "mailwhy", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 no problem found, 1 a problem found, 2 could not run, 3 inconclusive.\nExplain a finding: mailwhy explain ID"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Flags accepted on either side of the subcommand.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format (jsonl: one JSON document per line)
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Colour in text output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Use only this DNS server (IP or IP:PORT); repeatable
    #[arg(long = "nameserver", global = true, value_name = "IP[:PORT]")]
    nameservers: Vec<String>,
    /// Serve the *.zone files in DIR on loopback and resolve only from them (offline)
    #[arg(long, global = true, value_name = "DIR")]
    dns_zones: Option<PathBuf>,
    /// Seconds one DNS query may take
    #[arg(long, global = true, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Settings file (TOML): nameservers, dns_zones, timeouts, default input files
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Show the DNS query log on stderr
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Print nothing on stderr but errors
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Text,
    Markdown,
    Json,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Diagnose every user of a directory export: JSON Lines per user and a summary of causes
    Batch(commands::batch::BatchArgs),
    /// Why did this person not get our email? Every check the inputs allow, most likely cause first
    Diagnose(commands::diagnose::DiagnoseArgs),
    /// Audit a gateway allowlist against a vendor's sending domains and IPs
    Allowlist(commands::allowlist::AllowlistArgs),
    /// Check email addresses: syntax, hidden characters, typos, role mailboxes, and where the
    /// domain's mail goes
    Address(commands::address::AddressArgs),
    /// Sender authentication of a From domain: DMARC, DKIM keys, reverse DNS, provider rules
    Auth(commands::auth::AuthArgs),
    /// Ask one DNS question through mailwhy's DNS layer (a small dig)
    Dns(commands::dns::DnsArgs),
    /// Look IPs and domains up on DNS blocklists, return codes decoded per list (a refused
    /// query is inconclusive, never "listed" or "clean")
    Blocklist(commands::blocklist::BlocklistArgs),
    /// Explain a finding id: what it means, why it matters, how to fix it
    Explain(commands::explain::ExplainArgs),
    /// Check POP3 mailbox settings (offline), and with --probe log in and count waiting mail
    Pop3(commands::pop3::Pop3Args),
    /// Read one message or bounce: Received chain, authentication, spam verdicts, bounce reason
    Message(commands::message::MessageArgs),
    /// Read bounces: per recipient the reason, status, reply code and diagnostic
    Bounce(commands::bounce::BounceArgs),
    /// What the sending service's events, suppression lists or mail logs say happened to mail
    /// for one address: its timeline and state (delivered, bounced, suppressed, deferred ...)
    Events(commands::events::EventsArgs),
    /// Read DMARC aggregate and TLS reports (XML, gz, zip, JSON, report emails, mbox): per
    /// reporter, source IP and From domain the counts, DKIM/SPF, disposition; TLS failures per MX
    Reports(commands::reports::ReportsArgs),
    /// Check a domain's SPF record and which IPs it authorizes, with a full trace
    Spf(commands::spf::SpfArgs),
    /// Check a recipient domain's MTA-STS record and policy against its MX hosts, and its TLS-RPT record
    Transport(commands::transport::TransportArgs),
    /// Serve the checks over HTTP: a JSON API and a web page for support agents
    ///
    /// The page is at `/`. The API answers with the same schema_version 1 reports:
    /// `POST /v1/diagnose` {email, now?, message?} (also `GET ?email=`, and `/v1/diagnose.md`
    /// for Markdown), `POST /v1/address` {emails}, `POST /v1/spf` {domain, ips, mail_from?,
    /// helo?}, `POST /v1/blocklist` {targets, lists?}, `POST /v1/allowlist/check` {entries}, `POST /v1/message` (the raw message or
    /// bounce as the body), `GET /v1/findings/ID`, `GET /healthz`, `GET /metrics`
    /// (Prometheus), `GET /openapi.json`. Every `/v1` path needs the bearer token when one
    /// is set.
    Serve(commands::serve::ServeArgs),
}

/// Runs the command line with `args` (the first is the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        // Help and version go to stdout as clap writes them; a usage error is one line, like
        // every other error (`mailwhy: ...`), naming the flag and the value.
        Err(e)
            if e.use_stderr()
                && e.kind() != clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            let text = e.render().to_string();
            // The message is the first paragraph (a missing argument is listed on the lines
            // below its "not provided:"); the usage and "--help" hints after it are dropped.
            let line = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            let line = line.trim_start_matches("error: ");
            eprintln!(
                "mailwhy: {} (see mailwhy --help)",
                mailwhy::sanitize::line(line)
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("mailwhy: {}", mailwhy::sanitize::text(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// Why a command could not run (exit code 2).
#[derive(Debug)]
pub(crate) enum CliError {
    /// A flag's value is unusable; the message names the flag.
    Usage(String),
    /// Writing the output, listening or serving failed.
    Io(String),
    /// The library could not run (an unreadable or malformed input file, the resolver).
    Run(mailwhy::Error),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Io(m) => f.write_str(m),
            CliError::Run(e) => e.fmt(f),
        }
    }
}

impl From<mailwhy::Error> for CliError {
    fn from(e: mailwhy::Error) -> CliError {
        CliError::Run(e)
    }
}

fn dispatch(cli: Cli) -> Result<u8, CliError> {
    let g = Settings::resolve(&cli.global)?;
    match cli.command {
        Command::Explain(a) => commands::explain::run(&g, a),
        Command::Dns(a) => commands::dns::run(&g, a),
        Command::Blocklist(a) => commands::blocklist::run(&g, a),
        Command::Batch(a) => commands::batch::run(&g, a),
        Command::Diagnose(a) => commands::diagnose::run(&g, a),
        Command::Allowlist(a) => commands::allowlist::run(&g, a),
        Command::Pop3(a) => commands::pop3::run(&g, a),
        Command::Address(a) => commands::address::run(&g, a),
        Command::Message(a) => commands::message::run(&g, a),
        Command::Bounce(a) => commands::bounce::run(&g, a),
        Command::Spf(a) => commands::spf::run(&g, a),
        Command::Transport(a) => commands::transport::run(&g, a),
        Command::Events(a) => commands::events::run(&g, a),
        Command::Reports(a) => commands::reports::run(&g, a),
        Command::Auth(a) => commands::auth::run(&g, a),
        Command::Serve(a) => commands::serve::run(&g, a),
    }
}

/// Global settings after the config file and the flags are merged (flags win).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub format: mailwhy::report::Format,
    pub color: bool,
    pub verbose: u8,
    #[allow(dead_code)] // read by the commands that print progress
    pub quiet: bool,
    pub dns: DnsConfig,
    pub dns_zones: Option<PathBuf>,
    pub config: Config,
}

impl Settings {
    fn resolve(g: &GlobalArgs) -> Result<Settings, CliError> {
        let config = match &g.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let mut dns = DnsConfig::default();
        let ns_texts = if g.nameservers.is_empty() {
            &config.nameservers
        } else {
            &g.nameservers
        };
        if !ns_texts.is_empty() {
            let addrs = ns_texts
                .iter()
                .map(|s| {
                    parse_nameserver(s).map_err(|m| CliError::Usage(format!("--nameserver: {m}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            dns.upstream = Upstream::Servers(addrs);
        }
        if let Some(t) = g.timeout.or(config.timeout) {
            dns.query_timeout = seconds("--timeout", t)?;
        }
        if let Some(t) = config.overall_timeout {
            dns.overall_timeout = Some(Duration::from_secs_f64(t));
        }
        let format = match g.format {
            FormatArg::Text => mailwhy::report::Format::Text,
            FormatArg::Markdown => mailwhy::report::Format::Markdown,
            FormatArg::Json => mailwhy::report::Format::Json,
            FormatArg::Jsonl => mailwhy::report::Format::Jsonl,
        };
        let color = match g.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                use std::io::IsTerminal;
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Ok(Settings {
            format,
            color,
            verbose: g.verbose,
            quiet: g.quiet,
            dns,
            // A --nameserver flag overrides the config's zones; --dns-zones overrides everything.
            dns_zones: g.dns_zones.clone().or_else(|| {
                if g.nameservers.is_empty() {
                    config.dns_zones.clone()
                } else {
                    None
                }
            }),
            config,
        })
    }

    /// Starts the DNS layer (and the zone server for `--dns-zones`).
    pub async fn start_dns(&self) -> Result<Resolving, CliError> {
        Ok(Resolving::start(&self.dns, self.dns_zones.as_deref())
            .await
            .map_err(mailwhy::Error::from)?)
    }
}

/// A multi-threaded tokio runtime for one command.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Parses `--now`: RFC 3339, or a plain date (midnight UTC).
pub(crate) fn parse_now(s: &str) -> Result<std::time::SystemTime, CliError> {
    mailwhy::directory::parse_time(s)
        .ok()
        .flatten()
        .map(std::time::SystemTime::from)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--now: {s:?} is not a time (expected RFC 3339, e.g. 2026-11-23T12:00:00Z)"
            ))
        })
}

/// A flag's number of seconds as a duration: more than 0 and at most an hour, the bounds every
/// timeout flag shares (the config file's timeouts have the same).
pub(crate) fn seconds(flag: &str, value: f64) -> Result<Duration, CliError> {
    if !(value > 0.0 && value <= 3600.0) {
        return Err(CliError::Usage(format!(
            "{flag}: expected seconds between 0 and 3600, found {value}"
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

/// A domain argument (`spf DOMAIN`, `auth DOMAIN`, `--envelope-domain`, `pop3 --server`): a
/// host name, as its lowercase A-label form; anything else is a usage error naming the
/// argument, never a lookup whose NXDOMAIN would read as a finding.
/// `--sts-cache DIR`: created when missing; a path that is not a directory, or cannot be
/// created, is a usage error naming it.
pub(crate) fn sts_cache_dir(dir: &std::path::Path) -> Result<std::path::PathBuf, CliError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::Usage(format!(
            "--sts-cache {}: expected a directory mailwhy can create and write to: {e}",
            dir.display()
        ))
    })?;
    Ok(dir.to_path_buf())
}

pub(crate) fn domain_arg(what: &str, s: &str) -> Result<String, CliError> {
    mailwhy::dns::host_name(s).map_err(|e| {
        CliError::Usage(format!(
            "{what}: {:?} is not a domain name ({})",
            mailwhy::sanitize::line(s),
            e.reason
        ))
    })
}
