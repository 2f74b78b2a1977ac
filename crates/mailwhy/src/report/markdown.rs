//! The Markdown renderer, shaped for a support ticket: a one-line answer, the cause, numbered
//! steps, then the evidence and the checks. Outside text is sanitized and escaped for Markdown.

use std::fmt::Write as _;

use crate::finding::{Scope, Severity};
use crate::sanitize;

use super::rank::{is_context, scope};
use super::text::{counts, evidence_lines, plural};
use super::{Report, Verdict};

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

/// A sentence with exactly one full stop at the end.
fn sentence(s: &str) -> String {
    let s = sanitize::line(s);
    let s = s.trim_end().trim_end_matches('.');
    format!("{s}.")
}

/// The first sentence of a remedy: what to do, without the details after it.
fn first_sentence(s: &str) -> &str {
    let s = s.trim();
    // A full stop followed by a space ends the sentence; one inside a name (procore.com) or a
    // number (2026-10-01) does not.
    s.match_indices(". ").next().map_or(s, |(i, _)| &s[..=i])
}

/// How far a cause that is not about this person reaches, naming the recipient's domain where
/// the report's subject has one ("everyone at acme-builders.com behind this gateway").
fn reach_words(scope: Scope, subject: &str) -> String {
    let domain = subject
        .rsplit_once('@')
        .map(|(_, d)| sanitize::line(d).to_lowercase());
    match (scope, domain) {
        (Scope::Gateway, Some(d)) => {
            format!("which affects everyone at {d} whose mail passes this gateway")
        }
        (Scope::Vendor, _) => {
            "which affects every recipient of the vendor's mail, at every receiver".into()
        }
        (s, _) => format!("which {}", s.reach()),
    }
}

/// The answer of a report, in words about the person: the most likely cause for them (the case's
/// own sentence, not the finding's title) with what to do first, and, when a cause that
/// reaches further also holds, that one second, saying how far it reaches. Without a cause:
/// what the verdict means.
pub fn answer_line(r: &Report) -> String {
    let mut causes = r.findings.iter().filter(|f| !is_context(f));
    let Some(top) = causes.next() else {
        return match r.verdict {
            Verdict::Inconclusive => {
                "Some checks could not complete; nothing is claimed about what they cover.".into()
            }
            _ => "No problem found in the checks that ran.".into(),
        };
    };
    let top_scope = scope(top);
    let todo = first_sentence(&top.remedy);
    let mut out = if top_scope.is_specific() {
        format!(
            "{} ({}).",
            sentence(&top.detail).trim_end_matches('.'),
            top.id
        )
    } else {
        format!(
            "Nothing specific to {} was found. {} ({}), {}.",
            sanitize::line(&r.subject),
            sentence(&top.detail).trim_end_matches('.'),
            top.id,
            reach_words(top_scope, &r.subject)
        )
    };
    if !todo.is_empty() {
        out.push(' ');
        out.push_str(&sentence(todo));
    }
    if top_scope.is_specific() {
        if let Some(wide) = causes.find(|f| f.severity != Severity::Info && !scope(f).is_specific())
        {
            out.push_str(&format!(
                " Also: {} ({}), {}.",
                sanitize::line(&wide.title),
                wide.id,
                reach_words(scope(wide), &r.subject)
            ));
        }
    }
    if r.verdict == Verdict::Inconclusive {
        out.push_str(" Some checks could not complete.");
    }
    out
}

/// Renders reports as Markdown shaped for a support ticket: a one-line answer, the cause,
/// numbered steps, then the evidence and the checks.
pub fn render_markdown(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let (errors, warnings, infos) = counts(&r.findings);
        let _ = writeln!(out, "### mailwhy: {}\n", md(&r.subject));
        let _ = writeln!(out, "**Answer:** {}\n", md(&answer_line(r)));
        if let Some(top) = r.findings.first().filter(|f| !is_context(f)) {
            let reach = scope(top);
            let _ = writeln!(
                out,
                "**Cause:** {} (`{}`){}\n",
                md(&top.title),
                top.id,
                if reach.is_specific() {
                    String::new()
                } else {
                    format!(": {}", reach.reach())
                }
            );
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
            "\n<sub>mailwhy: {}, {} DNS queries{}, {} ms</sub>\n",
            r.verdict.as_str(),
            r.stats.dns_queries,
            md(&super::text::resolvers_note(&r.stats.resolvers)),
            r.stats.duration_ms
        );
    }
    out
}
