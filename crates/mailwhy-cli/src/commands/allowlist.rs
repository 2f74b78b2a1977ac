//! `mailwhy allowlist`: audit a gateway allowlist against a vendor's sender profile, look
//! entries up, or export what the gateway needs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mailwhy::allowlist::{self, Allowlist, AuditOptions, ExportFormat, ListFormat, SenderProfile};
use mailwhy::workflow::{self, AllowlistAuditRequest, AllowlistLookupRequest};

use crate::{CliError, Settings};

/// Arguments of `mailwhy allowlist`.
#[derive(Debug, Args)]
pub struct AllowlistArgs {
    /// The vendor's sender profile (TOML: name, domains, ips, support, follow_up_days)
    #[arg(long, value_name = "FILE")]
    sender: Option<PathBuf>,
    /// The gateway allowlist (plain text, .csv, or .toml)
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    /// Read the allowlist as this layout instead of guessing from the extension
    #[arg(long, value_enum)]
    list_format: Option<ListFormatArg>,
    /// The recipient domain: its MX names the mail provider, and each remedy says where that
    /// provider keeps its allowlist
    #[arg(long, value_name = "DOMAIN")]
    domain: Option<String>,
    /// Skip comparing the vendor's IPs with its SPF records (no DNS at all)
    #[arg(long)]
    no_spf: bool,
    /// CSV column holding the entries (a header name or a 1-based number)
    #[arg(long, default_value = "1")]
    column: String,
    /// Print the vendor entries the gateway needs, ready to paste, instead of auditing
    #[arg(long, value_enum)]
    export: Option<ExportArg>,
    /// With --export: also export entries on shared sending infrastructure (a domain every
    /// other sender of that service also uses), which the audit warns against
    #[arg(long, requires = "export")]
    include_shared: bool,
    /// Is this IP or domain on the allowlist, and by which entry? (repeatable)
    #[arg(long, value_name = "IP|DOMAIN", num_args = 1..)]
    check: Vec<String>,
    /// An IPv4 entry at least this wide is overbroad
    #[arg(long, default_value_t = 8, value_name = "PREFIX")]
    max_prefix_v4: u8,
    /// An entry admitting more than this many times the vendor addresses it covers is overbroad
    #[arg(long, default_value_t = 256)]
    overbroad_factor: u128,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormatArg {
    Plain,
    Csv,
    Toml,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportArg {
    Postfix,
    Plain,
    Json,
    M365,
}

pub fn run(settings: &Settings, args: AllowlistArgs) -> Result<u8, CliError> {
    let sender_path = args
        .sender
        .clone()
        .or_else(|| settings.config.sender.clone());
    let list_path = args
        .allowlist
        .clone()
        .or_else(|| settings.config.allowlist.clone());
    let profile = sender_path
        .as_deref()
        .map(SenderProfile::load)
        .transpose()?;
    if let Some(fmt) = args.export {
        let profile =
            profile.ok_or_else(|| CliError::Usage("--export needs --sender FILE".into()))?;
        let f = match fmt {
            ExportArg::Postfix => ExportFormat::Postfix,
            ExportArg::Plain => ExportFormat::Plain,
            ExportArg::Json => ExportFormat::Json,
            ExportArg::M365 => ExportFormat::M365,
        };
        // Given the gateway's list, export only what it lacks.
        let list = list_path
            .as_deref()
            .map(|p| Allowlist::load(p, list_format(&args, p)))
            .transpose()?;
        let out = allowlist::export(
            &profile,
            list.as_ref(),
            f,
            allowlist::ExportOptions {
                include_shared: args.include_shared,
            },
        );
        crate::output::print(&out.text).ok();
        if !settings.quiet {
            for l in &out.left_out {
                eprintln!(
                    "mailwhy: left out {}: shared sending infrastructure ({}), it would admit every other sender of that service; --include-shared exports it",
                    mailwhy::sanitize::line(&l.entry),
                    l.service
                );
            }
            if let Some(list) = &list {
                eprintln!(
                    "mailwhy: {} entr{} of {} already admitted by {}, not exported",
                    out.already_listed,
                    if out.already_listed == 1 { "y" } else { "ies" },
                    mailwhy::sanitize::line(&profile.name),
                    mailwhy::sanitize::line(&list.file)
                );
            }
        }
        return Ok(0);
    }
    let list_path = list_path.ok_or_else(|| {
        CliError::Usage("allowlist needs --allowlist FILE (and --sender FILE to audit)".into())
    })?;
    if args.column.parse::<usize>() == Ok(0) {
        return Err(CliError::Usage("--column counts from 1".into()));
    }
    let format = list_format(&args, &list_path);
    let list = Allowlist::load(&list_path, format)?;
    if !args.check.is_empty() {
        let answer = workflow::allowlist_lookup(&AllowlistLookupRequest {
            list: &list,
            profile: profile.as_ref(),
            entries: args.check,
        });
        if let Some(e) = answer.results.iter().find_map(|r| r.error.as_deref()) {
            return Err(CliError::Usage(format!("--check: {e}")));
        }
        let text = match settings.format {
            mailwhy::report::Format::Json | mailwhy::report::Format::Jsonl => {
                mailwhy::json::to_string_pretty(&answer).expect("the answer serializes") + "\n"
            }
            _ => answer
                .results
                .iter()
                .map(|r| format!("{}\n", mailwhy::sanitize::line(&r.line())))
                .collect(),
        };
        crate::output::print(&text).ok();
        return Ok(if answer.all_listed { 0 } else { 1 });
    }
    let profile = profile.ok_or_else(|| {
        CliError::Usage("auditing needs --sender FILE (or use --check IP|DOMAIN)".into())
    })?;
    let request = AllowlistAuditRequest {
        profile: &profile,
        list: &list,
        options: AuditOptions {
            max_prefix_v4: args.max_prefix_v4,
            overbroad_factor: args.overbroad_factor,
            ..Default::default()
        },
        recipient_domain: args.domain,
        spf_drift: !args.no_spf,
    };
    if !request.needs_dns() {
        // Nothing to resolve: no DNS layer is set up, and no runtime is needed.
        let report = futures::executor::block_on(workflow::allowlist_audit(None, &request));
        return crate::output::emit(settings, &[report], None);
    }
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = mailwhy::check::Context::new(resolving.dns.clone());
        let report = workflow::allowlist_audit(Some(&ctx), &request).await;
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}

/// The allowlist's layout: `--list-format`, else CSV for a `.csv` file, else guessed by the
/// loader.
fn list_format(args: &AllowlistArgs, path: &std::path::Path) -> Option<ListFormat> {
    let format = args.list_format.map(|f| match f {
        ListFormatArg::Plain => ListFormat::Plain,
        ListFormatArg::Csv => ListFormat::Csv(args.column.clone()),
        ListFormatArg::Toml => ListFormat::Toml,
    });
    format.or_else(|| {
        (path.extension().is_some_and(|e| e == "csv")).then(|| ListFormat::Csv(args.column.clone()))
    })
}
