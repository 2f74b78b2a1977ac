//! The report model: [`Report`] (subject, verdict, findings, checks, stats, command data) and the
//! pieces it is made of, serializable as DESIGN.md's JSON schema_version 1.
//!
//! A report is built from check outcomes here; the order of its findings and the verdict they
//! imply are [`super::rank`]'s, and how it looks on a terminal, in a ticket or as JSON is the
//! renderers' ([`super::text`], [`super::markdown`], [`super::json`]).

use serde::{Deserialize, Serialize};

use crate::check::{CheckOutcome, CheckStatus};
use crate::finding::Finding;

/// The JSON schema version this renderer writes.
pub const SCHEMA_VERSION: u32 = 1;

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// DNS queries sent (cache misses).
    pub dns_queries: u64,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// The DNS resolvers asked (`IP` or `IP:port`; the zone server's address under
    /// `--dns-zones`), so that every answer can be traced to who gave it. Absent when the run
    /// asked no resolver.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolvers: Vec<String>,
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
