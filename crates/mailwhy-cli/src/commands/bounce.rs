//! `mailwhy bounce FILE...`: each file read as a bounce, per recipient the reason, status,
//! reply code, diagnostic and remote server (JSON / JSON Lines per DESIGN.md, or text).

use std::path::PathBuf;

use clap::Args;
use mailwhy::bounce::{self, Bounce};
use mailwhy::report::Format;
use mailwhy::sanitize;
use serde::Serialize;

use crate::Settings;

/// Arguments of `mailwhy bounce`.
#[derive(Debug, Args)]
pub struct BounceArgs {
    /// Bounce messages (.eml, RFC 5322)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Refuse inputs larger than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = mailwhy::message::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
}

/// One file's result, as DESIGN.md fixes the JSON.
#[derive(Debug, Serialize)]
struct FileResult<'a> {
    file: String,
    is_bounce: bool,
    recipients: Vec<RecipientOut<'a>>,
}

#[derive(Debug, Serialize)]
struct RecipientOut<'a> {
    address: &'a str,
    action: Option<&'a str>,
    status: Option<&'a str>,
    reply_code: Option<&'a str>,
    reason: &'a str,
    diagnostic: Option<&'a str>,
    remote_mta: Option<&'a str>,
}

fn result<'a>(file: &str, b: &'a Bounce) -> FileResult<'a> {
    FileResult {
        file: file.to_string(),
        is_bounce: b.is_bounce,
        recipients: b
            .recipients
            .iter()
            .map(|r| RecipientOut {
                address: &r.address,
                action: r.action.as_deref(),
                status: r.status.as_deref(),
                reply_code: r.reply_code.as_deref(),
                reason: r.reason.name(),
                diagnostic: r.diagnostic.as_deref(),
                remote_mta: r.remote_mta.as_deref(),
            })
            .collect(),
    }
}

pub fn run(settings: &Settings, args: BounceArgs) -> Result<u8, mailwhy::Error> {
    let mut results: Vec<(String, Bounce)> = Vec::new();
    let mut errors = Vec::new();
    for f in &args.files {
        let name = f.display().to_string();
        match mailwhy::message::read_file(f, args.max_bytes).and_then(|raw| {
            bounce::analyze_bytes(&raw).map_err(|e| mailwhy::Error::Input {
                file: name.clone(),
                message: e.to_string(),
            })
        }) {
            Ok(b) => results.push((name, b)),
            Err(e) => errors.push(e),
        }
    }
    let out = match settings.format {
        Format::Json => {
            let v: Vec<FileResult> = results.iter().map(|(f, b)| result(f, b)).collect();
            let json = if v.len() == 1 && args.files.len() == 1 {
                serde_json::to_string_pretty(&v[0])
            } else {
                serde_json::to_string_pretty(&v)
            };
            format!("{}\n", json.unwrap_or_default())
        }
        Format::Jsonl => results
            .iter()
            .map(|(f, b)| serde_json::to_string(&result(f, b)).unwrap_or_default() + "\n")
            .collect(),
        Format::Text | Format::Markdown => text(&results, settings.format == Format::Markdown),
    };
    crate::output::print(&out)
        .map_err(|e| mailwhy::Error::Usage(format!("cannot write the output: {e}")))?;
    for e in &errors {
        eprintln!("mailwhy: {}", sanitize::text(&e.to_string()));
    }
    if !errors.is_empty() {
        return Ok(2);
    }
    let problem = results.iter().any(|(_, b)| {
        bounce::findings(b)
            .iter()
            .any(|f| f.severity == mailwhy::Severity::Error)
    });
    Ok(if problem { 1 } else { 0 })
}

fn text(results: &[(String, Bounce)], markdown: bool) -> String {
    let mut out = String::new();
    for (i, (file, b)) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let head = format!(
            "{}: {}",
            sanitize::line(file),
            if b.is_bounce {
                "bounce"
            } else {
                "not a bounce"
            }
        );
        if markdown {
            out.push_str(&format!("## {head}\n\n"));
        } else {
            out.push_str(&head);
            out.push('\n');
        }
        for l in mailwhy::message::bounce_lines(b) {
            let l = sanitize::line(&l);
            if markdown {
                out.push_str(&format!("- {l}\n"));
            } else {
                out.push_str(&format!("  {l}\n"));
            }
        }
        for r in &b.recipients {
            if r.reason != bounce::Reason::Delivered {
                let l = format!("what to do ({}): {}", r.reason, r.reason.remedy());
                out.push_str(&if markdown {
                    format!("- {l}\n")
                } else {
                    format!("  {l}\n")
                });
                break;
            }
        }
    }
    out
}
