//! The report: subject, verdict, ranked findings, the checks that ran, stats; and its three
//! renderers (text for a terminal, Markdown for a support ticket, JSON schema_version 1).
//!
//! The model is in `model.rs`; ranking in `rank.rs`, in one table ([`CAUSE_CLASSES`]): causes
//! about this person first (message, account, address, recipient domain), then causes that reach
//! every recipient (gateway, vendor), then context; within each, errors first, then by how likely
//! a class of cause is to explain "I never got the email", then in the order the checks found
//! them. The verdict follows from the findings and the checks: an error
//! finding is a problem; otherwise any inconclusive check makes the whole report inconclusive.
//! Renderers (`text.rs`, `markdown.rs`, `json.rs`) are plain functions of (report, options) so
//! they are tested without global state; every piece of outside text goes through
//! [`crate::sanitize`] on the way out. Everything is re-exported here: callers name
//! `report::render_text`, never the file it lives in.
mod json;
mod markdown;
mod model;
mod rank;
mod text;

pub use json::{render_json, render_jsonl};

pub use markdown::{answer_line, render_markdown};
pub use model::{CheckEntry, Report, Section, Stats, Verdict, SCHEMA_VERSION};

pub use crate::finding::Scope;
pub use rank::{cause_class, is_context, scope, CAUSE_CLASSES};
pub use text::render_text;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human text for a terminal.
    Text,
    /// Markdown for a support ticket.
    Markdown,
    /// JSON (schema_version 1); an array when there are several reports.
    Json,
    /// One JSON document per line.
    Jsonl,
}

/// Renders in `format`.
pub fn render(reports: &[Report], format: Format, color: bool) -> String {
    match format {
        Format::Text => render_text(reports, color),
        Format::Markdown => render_markdown(reports),
        Format::Json => render_json(reports),
        Format::Jsonl => render_jsonl(reports),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckOutcome;
    use crate::finding::{Finding, FindingId};

    pub(super) fn sample() -> Report {
        let mut dir = CheckOutcome::start("directory");
        dir.push(
            Finding::new(FindingId::UserMessagingDisabled, "Jane's switch is off.")
                .with_remedy("Turn it on."),
        );
        let mut dns = CheckOutcome::start("mx");
        dns.push(
            Finding::new(FindingId::DnsTemporaryFailure, "SERVFAIL \x1b[2J")
                .with_remedy("retry")
                .with_evidence(serde_json::json!({"question": "acme.example MX"})),
        );
        dns.inconclusive("servfail");
        Report::from_outcomes(
            "jane@acme.example",
            vec![dns.done("mx"), dir.done("1 account")],
            Stats::default(),
        )
    }

    #[test]
    fn renderers_never_pass_escape_sequences() {
        let r = sample();
        for out in [
            render_text(std::slice::from_ref(&r), false),
            render_markdown(std::slice::from_ref(&r)),
            render_json(&[r]),
        ] {
            assert!(!out.contains('\x1b'), "{out}");
        }
    }
}
