//! The text renderer, for a terminal: verdict line, numbered findings with their fix and
//! evidence, extra sections, and the checks table; ANSI colours only when asked for.
//!
//! The small helpers the Markdown renderer shares (counts, plurals, evidence lines) live here
//! too. Every piece of outside text goes through [`crate::sanitize`] on the way out.

use std::fmt::Write as _;

use crate::check::CheckStatus;
use crate::finding::{Finding, Severity};
use crate::sanitize;

use super::{Report, Verdict};

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
                    "dns queries: {}{}, time: {} ms",
                    r.stats.dns_queries,
                    resolvers_note(&r.stats.resolvers),
                    r.stats.duration_ms
                )
            )
        );
    }
    out
}

/// ` (resolver 192.0.2.53)`, or nothing when no resolver was asked.
pub(super) fn resolvers_note(resolvers: &[String]) -> String {
    match resolvers {
        [] => String::new(),
        [one] => format!(" (resolver {})", sanitize::line(one)),
        many => format!(
            " (resolvers {})",
            many.iter()
                .map(|r| sanitize::line(r).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

pub(super) fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let c = |s| findings.iter().filter(|f| f.severity == s).count();
    (c(Severity::Error), c(Severity::Warning), c(Severity::Info))
}

/// Flattens evidence into `key: value` lines (sanitized), at most a screenful.
pub(super) fn evidence_lines(ev: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let serde_json::Value::Object(map) = ev {
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            let text = match evidence_words(v) {
                Some(t) => sanitize::line(&t).into_owned(),
                // A nested structure (an SPF trace, a parsed record) in one line is JSON cut
                // off mid-way; the renderers show the readable form in their sections.
                None => "(nested data: see --format json)".to_string(),
            };
            out.push((sanitize::line(k).replace('_', " "), text));
        }
    }
    out
}

/// Longest evidence value shown in one line; a list stops at an item boundary before it.
const EVIDENCE_MAX: usize = 300;

/// An evidence value in words: a string as it is, a list as its items, a flat record as
/// `key: value` pairs. None for anything nested deeper, which no line can show.
fn evidence_words(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
            _ => None,
        }
    }
    fn flat(v: &Value) -> Option<String> {
        match v {
            Value::Object(m) => {
                let mut parts = Vec::new();
                for (k, x) in m {
                    if x.is_null() {
                        continue;
                    }
                    parts.push(format!("{}: {}", k.replace('_', " "), scalar(x)?));
                }
                Some(parts.join(", "))
            }
            other => scalar(other),
        }
    }
    fn bounded(items: Vec<String>, sep: &str) -> String {
        let total = items.len();
        let mut out = String::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 && out.chars().count() + item.chars().count() > EVIDENCE_MAX {
                return format!("{out} … and {} more", total - i);
            }
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(item);
        }
        out
    }
    match v {
        Value::Array(items) if items.is_empty() => Some("none".to_string()),
        Value::Array(items) => {
            let words: Option<Vec<String>> = items.iter().map(flat).collect();
            let sep = if items.iter().any(Value::is_object) {
                "; "
            } else {
                ", "
            };
            Some(bounded(words?, sep))
        }
        Value::Object(_) => flat(v).map(|t| bounded(vec![t], "")),
        other => {
            let t = scalar(other)?;
            Some(if t.chars().count() > EVIDENCE_MAX {
                t.chars().take(EVIDENCE_MAX).collect::<String>() + "…"
            } else {
                t
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckOutcome;
    use crate::report::Stats;

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
