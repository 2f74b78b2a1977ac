//! The report: subject, verdict, ranked findings, the checks that ran, stats; and its three
//! renderers (text for a terminal, Markdown for a support ticket, JSON schema_version 1).
//!
//! Ranking lives here, in one table ([`CAUSE_CLASSES`]): errors first, then by how likely a
//! class of cause is to explain "I never got the email", then in the order the checks found
//! them. The verdict follows from the findings and the checks: an error finding is a problem;
//! otherwise any inconclusive check makes the whole report inconclusive. Renderers are plain
//! functions of (report, options) so they are tested without global state; every piece of
//! outside text goes through [`crate::sanitize`] on the way out.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::check::{CheckOutcome, CheckStatus};
use crate::finding::{Finding, Severity};
use crate::sanitize;

/// The JSON schema version this renderer writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Cause classes by id prefix, most likely explanation of a missing email first.
/// A bounce is the receiver's own word; the account switch and status are the commonest causes;
/// then the address and the recipient's domain; then the vendor's sender authentication (a
/// failure there loses the mail at every receiver, gateway or not, so it explains more than one
/// customer's allowlist gap); then the gateway, the message verdicts, mailbox fetching, and DNS
/// trouble last (it only makes checks inconclusive).
pub const CAUSE_CLASSES: &[(&str, &str)] = &[
    ("bounce.", "bounce"),
    ("user.", "account"),
    ("address.", "address"),
    ("domain.", "recipient domain"),
    ("spf.", "sender authentication"),
    ("dmarc.", "sender authentication"),
    ("dkim.", "sender authentication"),
    ("sender.", "sender authentication"),
    ("allowlist.", "gateway allowlist"),
    ("message.", "message"),
    ("mailbox.", "mailbox retrieval"),
    ("dns.", "dns"),
];

/// The cause class of a finding id and its rank (lower is more likely).
pub fn cause_class(id: &str) -> (usize, &'static str) {
    CAUSE_CLASSES
        .iter()
        .position(|(p, _)| id.starts_with(p))
        .map(|i| (i, CAUSE_CLASSES[i].1))
        .unwrap_or((CAUSE_CLASSES.len(), "other"))
}

/// The overall answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// At least one error finding.
    ProblemFound,
    /// Every check ran and found no error.
    NoProblemFound,
    /// No error, but a check could not complete: nothing can be said about what it covers.
    Inconclusive,
}

impl Verdict {
    /// The process exit code DESIGN.md assigns: 0 no problem, 1 problem, 3 inconclusive.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::NoProblemFound => 0,
            Verdict::ProblemFound => 1,
            Verdict::Inconclusive => 3,
        }
    }

    /// `problem-found`, `no-problem-found` or `inconclusive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::ProblemFound => "problem-found",
            Verdict::NoProblemFound => "no-problem-found",
            Verdict::Inconclusive => "inconclusive",
        }
    }

    /// The verdict of several reports together (the worst one).
    pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut out = Verdict::NoProblemFound;
        for v in verdicts {
            out = match (out, v) {
                (Verdict::ProblemFound, _) | (_, Verdict::ProblemFound) => Verdict::ProblemFound,
                (Verdict::Inconclusive, _) | (_, Verdict::Inconclusive) => Verdict::Inconclusive,
                _ => Verdict::NoProblemFound,
            };
        }
        out
    }
}

/// One check as the report lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckEntry {
    /// The check's name.
    pub name: String,
    /// `ran`, `skipped` or `inconclusive`.
    pub status: CheckStatus,
    /// What it checked, or why it was skipped or inconclusive.
    pub detail: String,
    /// How long it took.
    pub duration_ms: u64,
}

/// Counters of the run.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// DNS queries sent (cache misses).
    pub dns_queries: u64,
    /// Wall time of the whole run.
    pub duration_ms: u64,
}

/// A block of extra lines shown by the text and Markdown renderers (records, a trace tree ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Heading of the block.
    pub title: String,
    /// Its lines (outside text; sanitized on output). Leading spaces are kept for trees.
    pub lines: Vec<String>,
}

/// A full report, serializable as DESIGN.md's JSON schema_version 1.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What was checked (an address, a domain, a file).
    pub subject: String,
    /// The overall answer.
    pub verdict: Verdict,
    /// Ranked findings, most likely cause first.
    pub findings: Vec<Finding>,
    /// Every check with its status.
    pub checks: Vec<CheckEntry>,
    /// Counters.
    pub stats: Stats,
    /// Command-specific structured data (records, SPF trace, parsed headers ...).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
    /// Extra blocks for the text and Markdown renderers (not part of the JSON).
    #[serde(skip)]
    pub sections: Vec<Section>,
}

impl Report {
    /// Builds a report from check outcomes: findings ranked, verdict derived.
    pub fn from_outcomes(
        subject: impl Into<String>,
        outcomes: Vec<CheckOutcome>,
        stats: Stats,
    ) -> Report {
        let mut findings = Vec::new();
        let mut checks = Vec::new();
        for o in outcomes {
            let detail = match &o.why {
                None => o.detail.clone(),
                Some(why) => {
                    if o.detail.is_empty() || o.detail == *why {
                        why.clone()
                    } else {
                        format!("{} ({why})", o.detail)
                    }
                }
            };
            checks.push(CheckEntry {
                name: o.name,
                status: o.status,
                detail,
                duration_ms: o.duration.as_millis() as u64,
            });
            findings.extend(o.findings);
        }
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            subject: subject.into(),
            verdict: Verdict::NoProblemFound,
            findings,
            checks,
            stats,
            data: serde_json::Value::Null,
            sections: vec![],
        };
        report.rank();
        report
    }

    /// Sorts findings and recomputes the verdict. Errors come first, by cause class; then the
    /// rest by cause class, then severity: an account's pending invitation (info) explains a
    /// missing email better than a warning about the gateway's configuration.
    pub fn rank(&mut self) {
        self.findings.sort_by_key(|f| {
            (
                f.severity != Severity::Error,
                cause_class(f.id.as_str()).0,
                f.severity,
            )
        });
        self.verdict = if self.findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::ProblemFound
        } else if self
            .checks
            .iter()
            .any(|c| c.status == CheckStatus::Inconclusive)
        {
            Verdict::Inconclusive
        } else {
            Verdict::NoProblemFound
        };
    }

    /// Attaches command-specific JSON data.
    pub fn with_data(mut self, data: serde_json::Value) -> Report {
        self.data = data;
        self
    }

    /// Adds a text/Markdown block.
    pub fn with_section(mut self, title: impl Into<String>, lines: Vec<String>) -> Report {
        self.sections.push(Section {
            title: title.into(),
            lines,
        });
        self
    }
}

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

/// Renders reports as text. `color` adds ANSI colours (only for a terminal).
pub fn render_text(reports: &[Report], color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for (n, r) in reports.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let (errors, warnings, infos) = counts(&r.findings);
        let verdict = match r.verdict {
            Verdict::ProblemFound => paint("1;31", "problem found"),
            Verdict::NoProblemFound => paint("1;32", "no problem found"),
            Verdict::Inconclusive => paint("1;33", "inconclusive"),
        };
        let _ = writeln!(
            out,
            "{}: {verdict} ({errors} error{}, {warnings} warning{}, {infos} note{})",
            paint("1", &sanitize::line(&r.subject)),
            plural(errors),
            plural(warnings),
            plural(infos),
        );
        if r.verdict == Verdict::Inconclusive {
            let _ = writeln!(
                out,
                "  Some checks could not complete; nothing is claimed about what they cover."
            );
        }
        for (i, f) in r.findings.iter().enumerate() {
            let sev = match f.severity {
                Severity::Error => paint("31", "error"),
                Severity::Warning => paint("33", "warning"),
                Severity::Info => paint("36", "info"),
            };
            let _ = writeln!(
                out,
                "\n{}. {sev} {}: {}",
                i + 1,
                paint("1", f.id.as_str()),
                sanitize::line(&f.title)
            );
            for l in sanitize::text(&f.detail).lines() {
                let _ = writeln!(out, "   {l}");
            }
            if !f.remedy.is_empty() {
                let _ = writeln!(
                    out,
                    "   {} {}",
                    paint("32", "fix:"),
                    sanitize::text(&f.remedy).replace('\n', "\n        ")
                );
            }
            for (k, v) in evidence_lines(&f.evidence) {
                let _ = writeln!(out, "   {} {}: {}", paint("2", "·"), k, v);
            }
        }
        for s in &r.sections {
            let _ = writeln!(out, "\n{}", paint("1", &sanitize::line(&s.title)));
            for l in &s.lines {
                let _ = writeln!(out, "  {}", sanitize::line(l));
            }
        }
        let _ = writeln!(out, "\n{}", paint("1", "checks"));
        // One column width for all names (`auth reverse-dns` is longer than most); the status
        // is padded before it is painted, so colour codes do not shift the columns.
        let width = r
            .checks
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(14);
        for c in &r.checks {
            let padded = format!("{:<12}", c.status.as_str());
            let status = match c.status {
                CheckStatus::Ran => paint("32", &padded),
                CheckStatus::Inconclusive => paint("33", &padded),
                CheckStatus::Skipped => paint("2", &padded),
            };
            let _ = writeln!(
                out,
                "  {:<width$} {status} {} ({} ms)",
                c.name,
                sanitize::line(&c.detail),
                c.duration_ms
            );
        }
        let _ = writeln!(
            out,
            "{}",
            paint(
                "2",
                &format!(
                    "dns queries: {}, time: {} ms",
                    r.stats.dns_queries, r.stats.duration_ms
                )
            )
        );
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let c = |s| findings.iter().filter(|f| f.severity == s).count();
    (c(Severity::Error), c(Severity::Warning), c(Severity::Info))
}

/// Flattens evidence into `key: value` lines (sanitized), at most a screenful.
fn evidence_lines(ev: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let serde_json::Value::Object(map) = ev {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            let mut text = sanitize::line(&text).into_owned();
            if text.chars().count() > 300 {
                text = text.chars().take(300).collect::<String>() + "…";
            }
            out.push((sanitize::line(k).into_owned(), text));
        }
    }
    out
}

/// Escapes text for Markdown inline use (after sanitizing).
fn md(s: &str) -> String {
    let s = sanitize::line(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The one-line answer of a report: the most likely cause, or what the verdict means.
pub fn answer_line(r: &Report) -> String {
    match (r.verdict, r.findings.first()) {
        (Verdict::ProblemFound, Some(f)) => format!("{} ({})", sanitize::line(&f.title), f.id),
        (Verdict::Inconclusive, _) => {
            "some checks could not complete; nothing is claimed about what they cover".into()
        }
        _ => "no problem found in the checks that ran".into(),
    }
}

/// Renders reports as Markdown shaped for a support ticket: a one-line answer, the cause,
/// numbered steps, then the evidence and the checks.
pub fn render_markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let (errors, warnings, infos) = counts(&r.findings);
        let _ = writeln!(out, "### mailwhy: {}\n", md(&r.subject));
        let _ = writeln!(out, "**Answer:** {}.\n", md(&answer_line(r)));
        if let Some(top) = r
            .findings
            .first()
            .filter(|_| r.verdict == Verdict::ProblemFound)
        {
            let _ = writeln!(out, "**Cause:** {}\n", md(&top.detail));
        }
        let mut steps: Vec<&str> = Vec::new();
        for f in r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info || r.verdict != Verdict::ProblemFound)
        {
            if !f.remedy.is_empty() && !steps.contains(&f.remedy.as_str()) {
                steps.push(&f.remedy);
            }
        }
        if !steps.is_empty() {
            let _ = writeln!(out, "**Steps**\n");
            for (i, s) in steps.iter().enumerate() {
                let _ = writeln!(out, "{}. {}", i + 1, md(s));
            }
            out.push('\n');
        }
        for s in &r.sections {
            let _ = writeln!(out, "**{}**\n\n```", md(&s.title));
            for l in &s.lines {
                let _ = writeln!(out, "{}", sanitize::line(l).replace("```", "'''"));
            }
            let _ = writeln!(out, "```\n");
        }
        if !r.findings.is_empty() {
            let _ = writeln!(
                out,
                "**Evidence** ({errors} error{}, {warnings} warning{}, {infos} note{})\n",
                plural(errors),
                plural(warnings),
                plural(infos)
            );
            for f in &r.findings {
                let _ = writeln!(
                    out,
                    "- **{}** `{}`: {}. {}",
                    f.severity.as_str(),
                    f.id,
                    md(&f.title),
                    md(&f.detail)
                );
                for (k, v) in evidence_lines(&f.evidence) {
                    let _ = writeln!(out, "  - {}: `{}`", md(&k), v.replace('`', "'"));
                }
            }
            out.push('\n');
        }
        let _ = writeln!(out, "| check | status | detail |\n|---|---|---|");
        for c in &r.checks {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                md(&c.name),
                c.status,
                md(&c.detail)
            );
        }
        let _ = writeln!(
            out,
            "\n<sub>mailwhy: {}, {} DNS queries, {} ms</sub>\n",
            r.verdict.as_str(),
            r.stats.dns_queries,
            r.stats.duration_ms
        );
    }
    out
}

/// Renders one report (an object) or several (an array) as pretty JSON, terminal-safe.
pub fn render_json(reports: &[Report]) -> String {
    let s = if reports.len() == 1 {
        serde_json::to_string_pretty(&reports[0])
    } else {
        serde_json::to_string_pretty(reports)
    }
    .expect("reports serialize");
    sanitize::json_for_terminal(&s).into_owned() + "\n"
}

/// Renders reports as JSON Lines, one per line.
pub fn render_jsonl(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let s = serde_json::to_string(r).expect("report serializes");
        out.push_str(&sanitize::json_for_terminal(&s));
        out.push('\n');
    }
    out
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
    use crate::finding::FindingId;

    fn sample() -> Report {
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
    fn errors_rank_first_and_decide_the_verdict() {
        let r = sample();
        assert_eq!(r.findings[0].id, "user.messaging-disabled");
        assert_eq!(r.verdict, Verdict::ProblemFound);
        assert_eq!(r.verdict.exit_code(), 1);
    }

    #[test]
    fn inconclusive_without_errors() {
        let mut dns = CheckOutcome::start("mx");
        dns.inconclusive("timeout");
        let r = Report::from_outcomes("x", vec![dns.done("mx")], Stats::default());
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert_eq!(r.verdict.exit_code(), 3);
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

    #[test]
    fn json_has_the_schema_v1_shape() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&[sample()])).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["verdict"], "problem-found");
        for k in ["id", "severity", "title", "detail", "remedy", "evidence"] {
            assert!(v["findings"][0].get(k).is_some(), "{k}");
        }
        assert_eq!(v["checks"][0]["status"], "inconclusive");
        assert!(v["stats"]["dns_queries"].is_u64());
    }

    #[test]
    fn check_columns_line_up_with_long_names_and_colour() {
        let long = CheckOutcome::start("auth reverse-dns-and-more").done("8 of 8");
        let short = CheckOutcome::start("mx").done("fine");
        let r = Report::from_outcomes("x", vec![long, short], Stats::default());
        for color in [false, true] {
            let text = render_text(std::slice::from_ref(&r), color);
            let plain: String = text
                .split('\x1b')
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part
                    } else {
                        part.split_once('m').map_or("", |p| p.1)
                    }
                })
                .collect();
            let cols: Vec<usize> = plain
                .lines()
                .filter(|l| l.contains(" ran "))
                .map(|l| l.find("ran").unwrap())
                .collect();
            assert_eq!(cols.len(), 2, "{plain}");
            assert_eq!(cols[0], cols[1], "{plain}");
        }
    }
}
