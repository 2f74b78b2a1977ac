//! The inputs a diagnosis reads (user directory, sender profile, gateway allowlist, "now"), as
//! one set of flags shared by `diagnose`, `batch` and `serve`, each falling back on the
//! `--config` file; and the [`Diagnoser`] built from them.

use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use mailwhy::directory::ColumnMap;
use mailwhy::Diagnoser;

use crate::{CliError, Settings};

/// The input flags of `diagnose`, `batch` and `serve`.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// The product's user directory export (CSV with a header row, or JSON)
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// The vendor's sender profile (TOML)
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
    /// The recipient's gateway allowlist
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    /// A recipient domain the gateway allowlist guards (repeatable; default: every domain but
    /// the consumer mailbox providers', or `gateway_domains` in the config)
    #[arg(long = "gateway-domain", value_name = "DOMAIN", value_parser = parse_domain)]
    gateway_domains: Vec<String>,
    /// "Now" for invitation reminders (RFC 3339, e.g. 2026-11-23T12:00:00Z; default: the clock)
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// A DNS blocklist zone the vendor's sending IPs and domains are looked up on (repeatable;
    /// `ZONE` for an IP list, `domain:ZONE` for a domain list; default: `blocklists` in the
    /// config, else mailwhy's table)
    #[arg(long = "blocklist-zone", value_name = "ZONE")]
    blocklist_zones: Vec<String>,
    /// Trust only these CA certificates (PEM) for the recipient's MTA-STS policy host and, with
    /// --probe, its MX hosts (private or test CAs)
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// For tests: fetch MTA-STS policies from this port instead of 443
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    https_port: Option<u16>,
    /// Remember each recipient domain's MTA-STS policy in this directory (one DOMAIN.json per
    /// domain) and report a policy changed under an unchanged id (transport.sts-id-unchanged)
    #[arg(long, value_name = "DIR")]
    sts_cache: Option<PathBuf>,
    /// The delivery event store (`sqlite:PATH`, filled by `events import`): each diagnosis
    /// gets a `delivery` check from it (default: `store` in the config)
    #[arg(long, value_name = "URL")]
    store: Option<String>,
}

/// The inputs after the config file's defaults are applied and `--now` is read.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The user directory export.
    pub directory: Option<PathBuf>,
    /// The sender profile.
    pub sender: Option<PathBuf>,
    /// The gateway allowlist.
    pub allowlist: Option<PathBuf>,
    /// The recipient domains the gateway allowlist guards.
    pub gateway_domains: Vec<String>,
    /// The directory's column names.
    pub columns: ColumnMap,
    /// A fixed "now".
    pub now: Option<SystemTime>,
    /// Delivery evidence read once for a batch (`batch --events`).
    pub book: Option<std::sync::Arc<mailwhy::delivery::book::Book>>,
    /// The DNS blocklists (empty: the default table).
    pub blocklists: Vec<mailwhy::blocklist::List>,
    pub transport: mailwhy::transport::FetchOptions,
    /// The delivery event store's URL.
    pub store: Option<String>,
    /// Report files every diagnosis reads when its request brings none (`serve`: the config's
    /// `reports`; empty for the other commands, which pass their reports per request).
    pub reports: Vec<PathBuf>,
}

impl InputArgs {
    /// The flags with the config file's values where a flag is not given.
    pub fn resolve(&self, settings: &Settings) -> Result<Inputs, CliError> {
        let config = &settings.config;
        Ok(Inputs {
            directory: self.directory.clone().or_else(|| config.directory.clone()),
            sender: self.sender.clone().or_else(|| config.sender.clone()),
            allowlist: self.allowlist.clone().or_else(|| config.allowlist.clone()),
            gateway_domains: if self.gateway_domains.is_empty() {
                config.gateway_domains.clone()
            } else {
                self.gateway_domains.clone()
            },
            columns: ColumnMap::with_overrides(&config.directory_columns)
                .map_err(CliError::Usage)?,
            now: self.now.as_deref().map(crate::parse_now).transpose()?,
            book: None,
            blocklists: crate::commands::blocklist::lists(settings, &self.blocklist_zones)?,
            transport: {
                let fetch = mailwhy::transport::FetchOptions {
                    port: self.https_port.unwrap_or(443),
                    timeout: std::time::Duration::from_secs(30),
                    sts_cache: self
                        .sts_cache
                        .as_deref()
                        .map(crate::sts_cache_dir)
                        .transpose()?,
                    ..Default::default()
                };
                match &self.ca_file {
                    Some(f) => fetch.with_ca_file(f)?,
                    None => fetch,
                }
            },
            store: self.store.clone().or_else(|| config.store.clone()),
            reports: Vec::new(),
        })
    }
}

impl Inputs {
    /// A diagnoser over these inputs and the settings' DNS; `with_directory` false leaves the
    /// directory out (`batch` streams it row by row instead).
    pub async fn diagnoser(
        &self,
        settings: &Settings,
        with_directory: bool,
    ) -> Result<Diagnoser, CliError> {
        let mut b = Diagnoser::builder()
            .dns_config(settings.dns.clone())
            .dns_zones(settings.dns_zones.clone());
        if let Some(p) = self.directory.as_ref().filter(|_| with_directory) {
            b = b.directory_file_with(p, &self.columns)?;
        }
        if let Some(p) = &self.sender {
            b = b.sender_file(p)?;
        }
        if let Some(p) = &self.allowlist {
            b = b.allowlist_file(p)?;
        }
        if let Some(n) = self.now {
            b = b.now(n);
        }
        b = b.gateway_domains(&self.gateway_domains);
        b = b.blocklists(self.blocklists.clone());
        b = b.report_files(&self.reports)?;
        if let Some(book) = &self.book {
            b = b.delivery_book(book.clone());
        }
        if let Some(url) = &self.store {
            b = b.event_store(std::sync::Arc::new(crate::commands::events::open_store(
                url,
            )?));
        }
        Ok(b.build()
            .await?
            .with_transport(self.transport.clone(), None))
    }

    /// Modification time and size of each input file (a missing file counts as a change too).
    /// The size catches a write seen half-done: the clock behind mtime is coarse, so a
    /// truncate and the write after it can carry the same time.
    /// A report Maildir counts by its `cur/` and `new/` (a report delivered there changes them,
    /// not the Maildir itself).
    pub fn stamps(&self) -> Vec<Option<(SystemTime, u64)>> {
        let maildir_parts = self
            .reports
            .iter()
            .filter(|p| p.is_dir())
            .flat_map(|p| [p.join("cur"), p.join("new")]);
        [&self.directory, &self.sender, &self.allowlist]
            .into_iter()
            .flatten()
            .cloned()
            .chain(self.reports.iter().cloned())
            .chain(maildir_parts)
            .map(|p| {
                std::fs::metadata(p)
                    .and_then(|m| Ok((m.modified()?, m.len())))
                    .ok()
            })
            .collect()
    }
}

/// A `--gateway-domain` value: a DNS name.
fn parse_domain(s: &str) -> Result<String, String> {
    mailwhy::dns::normalize_name(s)
        .map(|_| s.trim_end_matches('.').to_ascii_lowercase())
        .map_err(|e| e.to_string())
}
