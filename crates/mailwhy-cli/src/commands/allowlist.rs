//! `mailwhy allowlist`: audit a gateway allowlist against a vendor's sender profile, look
//! entries up, or export what the gateway needs.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use mailwhy::allowlist::{
    self, Allowlist, AuditOptions, ExportFormat, Index, ListFormat, SenderProfile,
};
use mailwhy::report::{Report, Stats};

use crate::Settings;

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

pub fn run(settings: &Settings, args: AllowlistArgs) -> Result<u8, mailwhy::Error> {
    let started = Instant::now();
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
            profile.ok_or_else(|| mailwhy::Error::Usage("--export needs --sender FILE".into()))?;
        let f = match fmt {
            ExportArg::Postfix => ExportFormat::Postfix,
            ExportArg::Plain => ExportFormat::Plain,
            ExportArg::Json => ExportFormat::Json,
            ExportArg::M365 => ExportFormat::M365,
        };
        crate::output::print(&allowlist::export(&profile, f)).ok();
        return Ok(0);
    }
    let list_path = list_path.ok_or_else(|| {
        mailwhy::Error::Usage(
            "allowlist needs --allowlist FILE (and --sender FILE to audit)".into(),
        )
    })?;
    let format = args.list_format.map(|f| match f {
        ListFormatArg::Plain => ListFormat::Plain,
        ListFormatArg::Csv => ListFormat::Csv(args.column.clone()),
        ListFormatArg::Toml => ListFormat::Toml,
    });
    let format = format.or_else(|| {
        (list_path.extension().is_some_and(|e| e == "csv"))
            .then(|| ListFormat::Csv(args.column.clone()))
    });
    let list = Allowlist::load(&list_path, format)?;
    if !args.check.is_empty() {
        let ix = Index::new(&list.entries);
        let mut lines = Vec::new();
        let mut results = Vec::new();
        let mut all_listed = true;
        for q in &args.check {
            let r = allowlist::lookup(&list, &ix, profile.as_ref(), q);
            let vendor = match r.vendor_publishes {
                Some(true) => " (the vendor publishes it)",
                Some(false) => " (the vendor does not publish it)",
                None => "",
            };
            lines.push(match (&r.entry, &r.error) {
                (_, Some(e)) => e.clone(),
                (Some((line, text)), _) => {
                    format!("{}: listed by line {line}: {text}{vendor}", r.query)
                }
                (None, _) => format!("{}: not listed{vendor}", r.query),
            });
            all_listed &= r.entry.is_some();
            results.push(r);
        }
        let text = match settings.format {
            mailwhy::report::Format::Json | mailwhy::report::Format::Jsonl => {
                mailwhy::sanitize::json_for_terminal(
                    &serde_json::to_string_pretty(&results).expect("json"),
                )
                .into_owned()
                    + "\n"
            }
            _ => lines
                .iter()
                .map(|l| format!("{}\n", mailwhy::sanitize::line(l)))
                .collect(),
        };
        crate::output::print(&text).ok();
        return Ok(if all_listed { 0 } else { 1 });
    }
    let profile = profile.ok_or_else(|| {
        mailwhy::Error::Usage("auditing needs --sender FILE (or use --check IP|DOMAIN)".into())
    })?;
    let opts = AuditOptions {
        max_prefix_v4: args.max_prefix_v4,
        overbroad_factor: args.overbroad_factor,
        ..Default::default()
    };
    if args.no_spf && args.domain.is_none() {
        let outcome = allowlist::audit(&profile, &list, &opts, None);
        let report = Report::from_outcomes(
            format!("allowlist {} against {}", list.file, profile.name),
            vec![
                outcome,
                mailwhy::check::CheckOutcome::skipped("spf-drift", "--no-spf"),
            ],
            Stats {
                dns_queries: 0,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        return crate::output::emit(settings, &[report], None);
    }
    crate::runtime().block_on(async {
        let resolving = settings.start_dns().await?;
        let ctx = mailwhy::check::Context::new(resolving.dns.clone());
        let mut outcomes = Vec::new();
        let mut provider_name = None;
        if let Some(domain) = &args.domain {
            let (mut routing_outcome, routing) =
                mailwhy::routing::inspect_domain(&ctx, domain).await;
            provider_name = routing.providers.first().map(|p| p.name.to_string());
            if let Some(f) = allowlist::gateway_in_front(domain, &routing.providers) {
                routing_outcome.findings.push(f);
            }
            outcomes.push(routing_outcome);
        }
        outcomes.insert(
            0,
            allowlist::audit(&profile, &list, &opts, provider_name.as_deref()),
        );
        outcomes.push(if args.no_spf {
            mailwhy::check::CheckOutcome::skipped("spf-drift", "--no-spf")
        } else {
            allowlist::spf_drift(&ctx, &profile).await
        });
        let report = Report::from_outcomes(
            format!("allowlist {} against {}", list.file, profile.name),
            outcomes,
            Stats {
                dns_queries: resolving.dns.queries_sent(),
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
        crate::output::emit(settings, &[report], Some(&resolving.dns))
    })
}
