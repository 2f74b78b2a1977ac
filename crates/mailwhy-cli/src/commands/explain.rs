//! `mailwhy explain FINDING-ID`.

use clap::Args;

use crate::Settings;

/// Arguments of `mailwhy explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding id, e.g. user.messaging-disabled (`list` shows them all)
    id: String,
}

pub fn run(settings: &Settings, args: ExplainArgs) -> Result<u8, crate::CliError> {
    use mailwhy::finding::{closest_ids, lookup, registry};
    if args.id == "list" {
        let mut s = String::new();
        for k in registry() {
            s.push_str(&format!(
                "{:<40} {:<8} {}\n",
                k.id,
                k.severity.as_str(),
                k.title
            ));
        }
        crate::output::print(&s).ok();
        return Ok(0);
    }
    let Some(kind) = lookup(&args.id) else {
        let near = closest_ids(&args.id, 3);
        let hint = if near.is_empty() {
            "`mailwhy explain list` shows every id".to_string()
        } else {
            format!("did you mean {}?", near.join(", "))
        };
        eprintln!(
            "mailwhy: unknown finding id {:?}; {hint}",
            mailwhy::sanitize::line(&args.id)
        );
        return Ok(2);
    };
    let text = match settings.format {
        mailwhy::report::Format::Json | mailwhy::report::Format::Jsonl => {
            mailwhy::json::to_string(kind).expect("a finding kind serializes") + "\n"
        }
        mailwhy::report::Format::Markdown => kind.explanation_markdown(),
        mailwhy::report::Format::Text => kind.explanation(),
    };
    crate::output::print(&text).ok();
    Ok(0)
}
